// Package pii finds personal data that was published without being
// de-identified: resident ID numbers, mobile numbers and bank card
// numbers, in the text lines of pages and attachments.
//
// What counts (docs/CHECKS.md, personal-data):
//   - an 18-digit ID number (GB 11643-1999) whose region code is a
//     province's, whose birth date is a real date not after today and
//     whose check digit is right; a 15-digit one (before 1999) only next
//     to 身份证;
//   - an 11-digit mainland mobile number 1[3-9]xxxxxxxxx (also written
//     3-4-4 with spaces or hyphens);
//   - a bank card number of 16–19 digits (also in groups of four) that
//     passes the Luhn check and stands near 银行/卡号/账号/开户.
//
// A number must stand alone: a digit, a letter or a mask character
// (*, ＊, ×) next to it makes it part of something else — a masked value
// such as 370305********1234 or 138****5678 is compliant. Landlines
// (0533-7212345) are never personal data, nor is a mobile on a contact
// line (联系电话：…, 咨询电话 …): the publishing unit's own number.
//
// Evidence never holds a clear number: Match carries the masked value,
// the context with every long digit run masked, and a keyed hash that
// lets an allow-list entry be recognised.
package pii

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/govaudit/govaudit/textract"
)

// Kinds of personal data.
const (
	KindID     = "id"
	KindMobile = "mobile"
	KindBank   = "bank"
)

// KindLabel is the Chinese name of a kind.
func KindLabel(kind string) string {
	switch kind {
	case KindID:
		return "身份证号码"
	case KindMobile:
		return "手机号码"
	case KindBank:
		return "银行卡号"
	}
	return kind
}

// Match is one piece of personal data found.
type Match struct {
	Kind   string `json:"kind"`
	Masked string `json:"masked"` // e.g. 370305********1234
	Hash   string `json:"hash"`   // Hash of the clear number
	Where  string `json:"where"`  // the line's location, e.g. 工作表 花名册 C5
	// Context is the text around the number, every long digit run masked.
	Context string `json:"context,omitempty"`
}

// Hash identifies a number without storing it: the first 16 hex digits
// of SHA-256 over a fixed prefix and the digits (an ID's final x upper
// case, separators removed). It lets the rules match the config's allow
// list; it does not make a number secret from someone who can try every
// number of a kind.
func Hash(number string) string {
	n := Normalize(number)
	sum := sha256.Sum256([]byte("govaudit/pii\x00" + n))
	return hex.EncodeToString(sum[:8])
}

// Normalize removes spaces and hyphens and upper-cases a trailing x.
func Normalize(number string) string {
	var b strings.Builder
	for _, r := range number {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == 'x' || r == 'X':
			b.WriteByte('X')
		}
	}
	return b.String()
}

// Mask hides the middle digits of a number of a kind.
func Mask(kind, number string) string {
	n := Normalize(number)
	keep := func(head, tail int) string {
		if len(n) <= head+tail {
			return strings.Repeat("*", len(n))
		}
		return n[:head] + strings.Repeat("*", len(n)-head-tail) + n[len(n)-tail:]
	}
	switch kind {
	case KindID:
		return keep(6, 4)
	case KindMobile:
		return keep(3, 4)
	case KindBank:
		return keep(4, 4)
	}
	return maskRun(n)
}

// maskRun masks a digit run of unknown kind: 7 digits or more keep their
// first 3 and last 2 (4 from 11 on).
func maskRun(n string) string {
	tail := 2
	if len(n) >= 11 {
		tail = 4
	}
	return n[:3] + strings.Repeat("*", len(n)-3-tail) + n[len(n)-tail:]
}

// MaskText masks every number of 7 or more digits in s: a digit run,
// with the groups that follow it after single spaces or hyphens (a card
// written 6222 0212 …, a mobile 138-1234-5678) and an ID's final X. What
// may be shown of free text near personal data; dates and landlines get
// masked too, which is the safe side.
func MaskText(s string) string {
	var b strings.Builder
	rs := []rune(s)
	for i := 0; i < len(rs); {
		if !isDigit(rs[i]) {
			b.WriteRune(rs[i])
			i++
			continue
		}
		j := i
		for {
			for j < len(rs) && isDigit(rs[j]) {
				j++
			}
			if j+1 < len(rs) && (rs[j] == ' ' || rs[j] == '-' || rs[j] == '\u00a0') && isDigit(rs[j+1]) {
				j++
				continue
			}
			break
		}
		if j < len(rs) && (rs[j] == 'X' || rs[j] == 'x') {
			j++
		}
		run := string(rs[i:j])
		if d := Normalize(run); len(d) >= 7 {
			run = maskRun(d)
		}
		b.WriteString(run)
		i = j
	}
	return b.String()
}

func isDigit(r rune) bool { return r >= '0' && r <= '9' }

// halfWidth maps full-width digits and Ｘ/ｘ to ASCII in place (one rune
// for one, so offsets hold): Chinese documents often type numbers so.
func halfWidth(rs []rune) []rune {
	for i, r := range rs {
		switch {
		case r >= '０' && r <= '９':
			rs[i] = r - '０' + '0'
		case r == 'Ｘ' || r == 'ｘ':
			rs[i] = 'X'
		}
	}
	return rs
}

// numberRune reports whether r may be part of a written number.
func numberRune(r rune) bool {
	return isDigit(r) || r == 'X' || r == 'x' || r == ' ' || r == '-' || r == '\u00a0' || isMaskChar(r)
}

func isMaskChar(r rune) bool {
	return r == '*' || r == '＊' || r == '×' || r == '●' || r == '○' || r == '#'
}

func isASCIILetter(r rune) bool { return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' }

// Options tune Scan.
type Options struct {
	// Today bounds birth dates; zero means time.Now.
	Today time.Time
	// MaxMatches caps the matches returned (the count goes on in
	// Result.Counts); default 50.
	MaxMatches int
}

// Result is what Scan found in one document.
type Result struct {
	Matches []Match        // at most Options.MaxMatches, in document order
	Counts  map[string]int // kind -> every match
}

// Total is the number of matches of every kind.
func (r Result) Total() int {
	n := 0
	for _, c := range r.Counts {
		n += c
	}
	return n
}

// contactWords mark a contact line: a mobile after one of them is the
// publishing unit's number, not personal data.
var contactWords = []string{"联系电话", "咨询电话", "监督电话", "举报电话", "投诉电话", "联系方式", "办公电话",
	"服务电话", "值班电话", "热线电话", "服务热线", "咨询热线", "传真"}

// bankWords mark a bank card number.
var bankWords = []string{"银行", "卡号", "账号", "帐号", "开户", "账户", "帐户"}

// Scan finds the personal data of a document's lines.
func Scan(lines []textract.Line, opt Options) Result {
	if opt.Today.IsZero() {
		opt.Today = time.Now()
	}
	if opt.MaxMatches <= 0 {
		opt.MaxMatches = 50
	}
	res := Result{Counts: map[string]int{}}
	for _, l := range lines {
		scanLine(l, opt, &res)
	}
	return res
}

// number is a candidate found on a line: rune offsets and its digits.
type number struct {
	start, end int
	digits     string
	grouped    bool // written in groups (3-4-4, 4-4-4-4 …)
}

func scanLine(l textract.Line, opt Options, res *Result) {
	if !utf8.ValidString(l.Text) {
		return
	}
	rs := halfWidth([]rune(l.Text))
	for i := 0; i < len(rs); {
		if !isDigit(rs[i]) {
			i++
			continue
		}
		n, next := candidate(rs, i)
		i = next
		if n.digits == "" {
			continue
		}
		kind := classify(rs, l.Context, n, opt.Today)
		if kind == "" {
			continue
		}
		res.Counts[kind]++
		if len(res.Matches) < opt.MaxMatches {
			// The context never cuts a number: a cut one would escape
			// MaskText with its middle digits.
			lo, hi := max(0, n.start-12), min(len(rs), n.end+12)
			for lo > 0 && numberRune(rs[lo-1]) {
				lo--
			}
			for hi < len(rs) && numberRune(rs[hi]) {
				hi++
			}
			ctx := MaskText(string(rs[lo:n.start])) + Mask(kind, n.digits) + MaskText(string(rs[n.end:hi]))
			res.Matches = append(res.Matches, Match{Kind: kind, Masked: Mask(kind, n.digits), Hash: Hash(n.digits),
				Where: l.Where, Context: strings.TrimSpace(ctx)})
		}
	}
}

// candidate reads the digit run at i (with the groups that follow it
// after single spaces or hyphens, when they make a grouped mobile or card
// number) and returns it and where scanning goes on. A run next to a
// letter, a mask character or a decimal point yields no candidate.
func candidate(rs []rune, i int) (number, int) {
	runEnd := func(k int) int {
		for k < len(rs) && isDigit(rs[k]) {
			k++
		}
		return k
	}
	j := runEnd(i)
	// An ID's check character.
	if j-i == 17 && j < len(rs) && (rs[j] == 'X' || rs[j] == 'x') {
		j++
	}
	// Groups: 3-4-4 (mobile) or 4-4-4-4[-1..3] (card).
	groups := []int{j - i}
	k := j
	for k+1 < len(rs) && (rs[k] == ' ' || rs[k] == '-' || rs[k] == '\u00a0') && isDigit(rs[k+1]) && len(groups) < 6 {
		e := runEnd(k + 1)
		groups = append(groups, e-(k+1))
		k = e
	}
	grouped := false
	if len(groups) > 1 {
		switch {
		case len(groups) == 3 && groups[0] == 3 && groups[1] == 4 && groups[2] == 4:
			grouped = true
		case len(groups) >= 4 && allFour(groups[:len(groups)-1]) && groups[len(groups)-1] >= 1 && groups[len(groups)-1] <= 4 && sum(groups) >= 16 && sum(groups) <= 19:
			grouped = true
		case len(groups) >= 4 && allFour(groups[:4]) && sum(groups[:4]) == 16:
			grouped, groups = true, groups[:4]
		}
		if grouped {
			// Recompute the end over the groups taken.
			e := i
			for gi, g := range groups {
				if gi > 0 {
					e++
				}
				e += g
			}
			j = e
		}
	}
	next := j
	if !grouped {
		next = runEnd(i)
		if j > next {
			next = j
		}
	}
	// Neighbours: nothing number-like may touch it.
	if i > 0 {
		p := rs[i-1]
		if isDigit(p) || isASCIILetter(p) || isMaskChar(p) || p == '.' || p == '_' || p == '/' {
			return number{}, next
		}
	}
	if j < len(rs) {
		q := rs[j]
		if isDigit(q) || isASCIILetter(q) || isMaskChar(q) || q == '_' || (q == '.' && j+1 < len(rs) && isDigit(rs[j+1])) {
			return number{}, next
		}
	}
	return number{start: i, end: j, digits: Normalize(string(rs[i:j])), grouped: grouped}, next
}

func allFour(gs []int) bool {
	for _, g := range gs {
		if g != 4 {
			return false
		}
	}
	return true
}

func sum(gs []int) int {
	n := 0
	for _, g := range gs {
		n += g
	}
	return n
}

// classify says what kind of personal data a candidate is, or "".
func classify(rs []rune, context string, n number, today time.Time) string {
	d := n.digits
	before := string(rs[max(0, n.start-30):n.start])
	near := string(rs[max(0, n.start-15):n.start])
	switch {
	case !n.grouped && len(d) == 18 && ValidID18(d, today) && !strings.Contains(near, "信用代码"):
		return KindID
	case !n.grouped && len(d) == 15 && (strings.Contains(before, "身份证") || strings.Contains(context, "身份证")) && validID15(d, today):
		return KindID
	case len(d) == 11 && d[0] == '1' && d[1] >= '3' && d[1] <= '9' && !strings.ContainsRune(d, 'X'):
		if onContactLine(before) {
			return ""
		}
		return KindMobile
	case len(d) >= 16 && len(d) <= 19 && !strings.ContainsRune(d, 'X') && Luhn(d) &&
		(containsAny(before, bankWords) || containsAny(context, bankWords)):
		return KindBank
	}
	return ""
}

func onContactLine(before string) bool { return containsAny(before, contactWords) }

func containsAny(s string, words []string) bool {
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// provinces are the first two digits of a valid region code.
var provinces = map[string]bool{
	"11": true, "12": true, "13": true, "14": true, "15": true,
	"21": true, "22": true, "23": true,
	"31": true, "32": true, "33": true, "34": true, "35": true, "36": true, "37": true,
	"41": true, "42": true, "43": true, "44": true, "45": true, "46": true,
	"50": true, "51": true, "52": true, "53": true, "54": true,
	"61": true, "62": true, "63": true, "64": true, "65": true,
	"71": true, "81": true, "82": true,
}

// ValidID18 reports whether d (18 characters, digits and a final X) is a
// resident ID number: province, birth date (1800 … today) and the
// GB 11643-1999 check digit.
func ValidID18(d string, today time.Time) bool {
	if len(d) != 18 || !provinces[d[:2]] {
		return false
	}
	for i := 0; i < 17; i++ {
		if !isDigit(rune(d[i])) {
			return false
		}
	}
	if !validDate(d[6:14], today) {
		return false
	}
	return d[17] == CheckDigit(d[:17])
}

// CheckDigit computes the GB 11643-1999 check character of the first 17
// digits of an ID number.
func CheckDigit(d17 string) byte {
	weights := [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	s := 0
	for i := 0; i < 17; i++ {
		s += int(d17[i]-'0') * weights[i]
	}
	return "10X98765432"[s%11]
}

func validID15(d string, today time.Time) bool {
	return provinces[d[:2]] && validDate("19"+d[6:12], today)
}

// validDate checks a YYYYMMDD birth date.
func validDate(s string, today time.Time) bool {
	t, err := time.Parse("20060102", s)
	if err != nil || t.Year() < 1800 {
		return false
	}
	return !t.After(today)
}

// Luhn reports whether a digit string passes the Luhn check.
func Luhn(d string) bool {
	s, alt := 0, false
	for i := len(d) - 1; i >= 0; i-- {
		c := d[i]
		if c < '0' || c > '9' {
			return false
		}
		n := int(c - '0')
		if alt {
			n *= 2
			if n > 9 {
				n -= 9
			}
		}
		s += n
		alt = !alt
	}
	return s%10 == 0
}
