// Package dates parses the dates Chinese government portals print in
// lists, metadata tables, meta tags and URLs.
//
// Every function either returns a real calendar date written as
// "2006-01-02" or reports failure: garbage never yields a wrong date.
package dates

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// ErrNoDate is returned (wrapped) when a string holds no date.
var ErrNoDate = errors.New("no date")

// parts is a parsed date with an optional time of day.
type parts struct {
	y, m, d  int
	hh, mm   int
	hasTime  bool
	yearFrom bool // the year came from the reference date
}

var (
	// 2026-04-09, 2026/08/31 09:30, 2026.4.9, 2026-04-28T18:20:00+08:00
	reISO = regexp.MustCompile(`^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:(?:\s+|T)(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.\d+)?)?)?(?:Z|[+-]\d{2}:?\d{2})?$`)
	// 2024年03月17日, 2023年8月23日 10:21, 2023年8月23日10时21分
	reCN = regexp.MustCompile(`^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?(?:\s*(\d{1,2})\s*[:时]\s*(\d{1,2})\s*分?(?::(\d{1,2}))?)?$`)
	// 20261006
	reCompact = regexp.MustCompile(`^(\d{4})(\d{2})(\d{2})$`)
	// 03-17, 3/17, 03月17日 (the year comes from the reference date)
	reMonthDay = regexp.MustCompile(`^(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$`)
	// A label before the date: 发布日期: / 发布时间：
	reLabel = regexp.MustCompile(`^[^\d]{1,12}?[:：]\s*`)

	// Find: a full date inside running text.
	reFind = regexp.MustCompile(`(\d{4})\s*(?:[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})|年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日)`)

	// URL dates.
	reURLArt   = regexp.MustCompile(`/art/(\d{4})/(\d{1,2})/(\d{1,2})/`)
	reURLT     = regexp.MustCompile(`(?:^|/)t(\d{4})(\d{2})(\d{2})_`)
	reURLMonth = regexp.MustCompile(`/(\d{4})(\d{2})/`)
)

// Year bounds: anything outside is not a date of a government page.
const (
	minYear = 1949
	maxYear = 2100
)

// normalize maps full-width digits and punctuation to ASCII, trims
// spaces (also ideographic and no-break ones) and surrounding brackets.
func normalize(s string) string {
	if isASCII(s) {
		// Only runes beyond ASCII are mapped: nothing to rewrite.
		return trimBrackets(strings.TrimSpace(s))
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r >= '０' && r <= '９':
			r = '0' + (r - '０')
		case r == '：':
			r = ':'
		case r == '－' || r == '—' || r == '–':
			r = '-'
		case r == '／':
			r = '/'
		case r == '．':
			r = '.'
		case r == '\u3000' || r == '\u00a0':
			r = ' '
		}
		b.WriteRune(r)
	}
	return trimBrackets(strings.TrimSpace(b.String()))
}

// trimBrackets strips surrounding brackets and the spaces inside them.
func trimBrackets(s string) string {
	for {
		t := strings.TrimSpace(strings.Trim(s, "[]【】()（）<>《》"))
		if t == s {
			return s
		}
		s = t
	}
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func hasDigit(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			return true
		}
	}
	return false
}

// digits reads 1 to max ASCII digits at s[i:] and returns their value and
// the index after them; n is 0 when there is none.
func digits(s string, i, max int) (v, j int) {
	j = i
	for j < len(s) && j-i < max && s[j] >= '0' && s[j] <= '9' {
		v = v*10 + int(s[j]-'0')
		j++
	}
	return v, j
}

// plainDate reads the commonest form, a whole string YYYY-M-D with
// separators - / or . (what reISO accepts without a time), without a
// regular expression.
func plainDate(s string) (parts, bool) {
	y, i := digits(s, 0, 4)
	if i != 4 || i >= len(s) || !isDateSep(s[i]) {
		return parts{}, false
	}
	m, j := digits(s, i+1, 2)
	if j == i+1 || j >= len(s) || !isDateSep(s[j]) {
		return parts{}, false
	}
	d, k := digits(s, j+1, 2)
	if k == j+1 || k != len(s) {
		return parts{}, false
	}
	return parts{y: y, m: m, d: d}, true
}

func isDateSep(c byte) bool { return c == '-' || c == '/' || c == '.' }

func atoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		return -1
	}
	return n
}

// parse parses s completely (after normalisation) into parts.
func parse(s string, ref time.Time) (parts, error) {
	orig := s
	s = normalize(s)
	var p parts
	if !hasDigit(s) {
		return p, fmt.Errorf("parse date %q: %w", orig, ErrNoDate)
	}
	if fast, ok := plainDate(s); ok {
		if !valid(fast.y, fast.m, fast.d) {
			return fast, fmt.Errorf("parse date %q: impossible date", orig)
		}
		return fast, nil
	}
	if loc := reLabel.FindStringIndex(s); loc != nil {
		s = strings.TrimSpace(s[loc[1]:])
	}
	var m []string
	switch {
	case reISO.MatchString(s):
		m = reISO.FindStringSubmatch(s)
	case reCN.MatchString(s):
		m = reCN.FindStringSubmatch(s)
	case reCompact.MatchString(s):
		m = reCompact.FindStringSubmatch(s)
	case reMonthDay.MatchString(s):
		mm := reMonthDay.FindStringSubmatch(s)
		if ref.IsZero() {
			return p, fmt.Errorf("date %q has no year and no reference date: %w", orig, ErrNoDate)
		}
		m = []string{mm[0], strconv.Itoa(ref.Year()), mm[1], mm[2]}
		p.yearFrom = true
	default:
		return p, fmt.Errorf("parse date %q: %w", orig, ErrNoDate)
	}
	p.y, p.m, p.d = atoi(m[1]), atoi(m[2]), atoi(m[3])
	if len(m) > 5 && m[4] != "" {
		p.hh, p.mm = atoi(m[4]), atoi(m[5])
		p.hasTime = true
		if p.hh < 0 || p.hh > 23 || p.mm < 0 || p.mm > 59 {
			return p, fmt.Errorf("parse date %q: impossible time of day", orig)
		}
		if len(m) > 6 && m[6] != "" {
			if sec := atoi(m[6]); sec < 0 || sec > 60 {
				return p, fmt.Errorf("parse date %q: impossible time of day", orig)
			}
		}
	}
	if !valid(p.y, p.m, p.d) {
		return p, fmt.Errorf("parse date %q: impossible date", orig)
	}
	return p, nil
}

// valid reports whether y-m-d is a real calendar day in the accepted range.
func valid(y, m, d int) bool {
	if y < minYear || y > maxYear || m < 1 || m > 12 || d < 1 {
		return false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	return t.Year() == y && int(t.Month()) == m && t.Day() == d
}

func (p parts) date() string { return fmt.Sprintf("%04d-%02d-%02d", p.y, p.m, p.d) }

// Parse reads a date in any format the portals use: 2026-04-09,
// 2024年03月17日, 2023年8月23日, [2021-03-17], [03-17], 2026-04-28 18:20,
// 2026/08/31 09:30, 20261006, optionally after a label such as
// "发布日期：". A date without a year ([03-17]) takes the year of ref. The
// result is written "2006-01-02"; a string that is not exactly one
// possible date gives an error.
func Parse(s string, ref time.Time) (string, error) {
	p, err := parse(s, ref)
	if err != nil {
		return "", err
	}
	return p.date(), nil
}

// ParseDateTime is Parse keeping the time of day when the string has
// one: it returns "2006-01-02 15:04", or a bare date.
func ParseDateTime(s string, ref time.Time) (string, error) {
	p, err := parse(s, ref)
	if err != nil {
		return "", err
	}
	if p.hasTime {
		return fmt.Sprintf("%s %02d:%02d", p.date(), p.hh, p.mm), nil
	}
	return p.date(), nil
}

// Find returns the first full date (with its year) inside running text,
// such as "发布日期:2025-01-20  来源:区发改局". Digits that are part of a
// longer number are not taken for a date.
func Find(s string) (string, bool) {
	s = normalize(s)
	for _, loc := range reFind.FindAllStringSubmatchIndex(s, -1) {
		if loc[0] > 0 && isDigitBefore(s, loc[0]) {
			continue
		}
		if loc[1] < len(s) && s[loc[1]] >= '0' && s[loc[1]] <= '9' {
			continue
		}
		y := atoi(s[loc[2]:loc[3]])
		var m, d int
		if loc[4] >= 0 {
			m, d = atoi(s[loc[4]:loc[5]]), atoi(s[loc[6]:loc[7]])
		} else {
			m, d = atoi(s[loc[8]:loc[9]]), atoi(s[loc[10]:loc[11]])
		}
		if valid(y, m, d) {
			return parts{y: y, m: m, d: d}.date(), true
		}
	}
	return "", false
}

func isDigitBefore(s string, i int) bool {
	c := s[i-1]
	return c >= '0' && c <= '9'
}

// FromURL returns the publication date written in an article URL:
// /art/2026/4/9/art_… (Hanweb) or …/t20210317_… (TRS).
func FromURL(u string) (string, bool) {
	// reURLArt needs "/art/": checking first spares the regexp.
	if strings.Contains(u, "/art/") {
		if m := reURLArt.FindStringSubmatch(u); m != nil {
			y, mo, d := atoi(m[1]), atoi(m[2]), atoi(m[3])
			if valid(y, mo, d) {
				return parts{y: y, m: mo, d: d}.date(), true
			}
		}
	}
	if !mayHaveT(u) {
		return "", false
	}
	if m := reURLT.FindStringSubmatch(u); m != nil {
		y, mo, d := atoi(m[1]), atoi(m[2]), atoi(m[3])
		if valid(y, mo, d) {
			return parts{y: y, m: mo, d: d}.date(), true
		}
	}
	return "", false
}

// mayHaveT reports whether u has what reURLT needs: a "t" at the start
// or after a slash, followed by a digit.
func mayHaveT(u string) bool {
	for i := 0; i+1 < len(u); i++ {
		if u[i] == 't' && (i == 0 || u[i-1] == '/') && u[i+1] >= '0' && u[i+1] <= '9' {
			return true
		}
	}
	return false
}

// RefFromURL returns the best reference date an URL offers for dates
// printed without their year: the full date of FromURL, else the first
// day of a /YYYYMM/ directory.
func RefFromURL(u string) (time.Time, bool) {
	if s, ok := FromURL(u); ok {
		t, err := time.Parse("2006-01-02", s)
		return t, err == nil
	}
	if m := reURLMonth.FindStringSubmatch(u); m != nil {
		y, mo := atoi(m[1]), atoi(m[2])
		if valid(y, mo, 1) {
			return time.Date(y, time.Month(mo), 1, 0, 0, 0, 0, time.UTC), true
		}
	}
	return time.Time{}, false
}

// FutureSlack is how far past the crawl a printed date may lie and still
// be believed: a page dated tomorrow is a clock or time-zone slip, one
// dated next year is a typo (2099 for 2019) that must not be judged.
const FutureSlack = 3 * 24 * time.Hour

// Plausible reports whether d (written "2006-01-02", optionally with a
// time of day) can be the date of a page seen at now: not before 1949 and
// not more than FutureSlack after now. An implausible date is recorded as
// unreadable, like one that does not parse, and nothing is judged on it.
func Plausible(d string, now time.Time) bool {
	if len(d) < 10 {
		return false
	}
	t, err := time.Parse("2006-01-02", d[:10])
	if err != nil || t.Year() < minYear {
		return false
	}
	// Compare calendar days in the zone of now (the portal's, CST).
	latest := now.Add(FutureSlack)
	return !time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, now.Location()).After(latest)
}
