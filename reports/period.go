// Package reports computes the quarterly scores of the assessed units and
// writes the quarterly notice (通报) with each unit's problem list as HTML,
// XLSX and CSV; it also builds and sends the weekly email digest.
//
// Reports read findings and adjustments, never the network; everything that
// came from the crawled portal is treated as untrusted text and escaped.
package reports

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// cst is China Standard Time, in which every calendar date is read.
var cst = time.FixedZone("CST", 8*3600)

// Period is what a notice covers: one quarter (Quarter 1–4) or a whole
// year (Quarter 0: the four quarters plus the year-end assessment).
type Period struct {
	Year    int
	Quarter int
}

// ParseQuarter parses a quarter written "2026Q3".
func ParseQuarter(s string) (Period, error) {
	s = strings.TrimSpace(s)
	i := strings.IndexAny(s, "Qq")
	if i != 4 || len(s) != 6 {
		return Period{}, fmt.Errorf("quarter %q: want the form 2026Q3", s)
	}
	y, err := strconv.Atoi(s[:4])
	if err != nil || y < 2000 || y > 2100 {
		return Period{}, fmt.Errorf("quarter %q: bad year", s)
	}
	q := int(s[5] - '0')
	if q < 1 || q > 4 {
		return Period{}, fmt.Errorf("quarter %q: quarter must be 1 to 4", s)
	}
	return Period{Year: y, Quarter: q}, nil
}

// YearPeriod returns the period of a whole year.
func YearPeriod(year int) (Period, error) {
	if year < 2000 || year > 2100 {
		return Period{}, fmt.Errorf("year %d out of range", year)
	}
	return Period{Year: year}, nil
}

// IsYear reports whether p is a whole year.
func (p Period) IsYear() bool { return p.Quarter == 0 }

// String returns "2026Q3", or "2026" for a year.
func (p Period) String() string {
	if p.IsYear() {
		return strconv.Itoa(p.Year)
	}
	return fmt.Sprintf("%dQ%d", p.Year, p.Quarter)
}

// Quarters returns the quarters the period covers ("2026Q1" …).
func (p Period) Quarters() []string {
	if !p.IsYear() {
		return []string{p.String()}
	}
	qs := make([]string, 4)
	for i := range qs {
		qs[i] = fmt.Sprintf("%dQ%d", p.Year, i+1)
	}
	return qs
}

// YearEnd returns the adjustment period of the year-end assessment, "2026Y".
func (p Period) YearEnd() string { return fmt.Sprintf("%dY", p.Year) }

var quarterNames = [...]string{"", "第一季度", "第二季度", "第三季度", "第四季度"}

// Label returns the period in Chinese: "2026年第三季度" or "2026年度".
func (p Period) Label() string {
	if p.IsYear() {
		return fmt.Sprintf("%d年度", p.Year)
	}
	return fmt.Sprintf("%d年%s", p.Year, quarterNames[p.Quarter])
}

// quarterLabel turns "2026Q3" into "2026年第三季度" (anything else unchanged).
func quarterLabel(q string) string {
	p, err := ParseQuarter(q)
	if err != nil {
		if len(q) == 5 && (q[4] == 'Y' || q[4] == 'y') {
			return q[:4] + "年终"
		}
		return q
	}
	return p.Label()
}

// Week is an ISO 8601 week, written "2026-W47".
type Week struct {
	Year int
	Num  int
}

// ParseWeek parses "2026-W47" (or "2026W47").
func ParseWeek(s string) (Week, error) {
	s = strings.TrimSpace(s)
	y, n, ok := strings.Cut(strings.ToUpper(s), "W")
	y = strings.TrimSuffix(y, "-")
	if !ok {
		return Week{}, fmt.Errorf("week %q: want the form 2026-W47", s)
	}
	year, err1 := strconv.Atoi(y)
	num, err2 := strconv.Atoi(n)
	if err1 != nil || err2 != nil || year < 2000 || year > 2100 || num < 1 || num > 53 {
		return Week{}, fmt.Errorf("week %q: want the form 2026-W47", s)
	}
	w := Week{Year: year, Num: num}
	if y2, n2 := w.Monday().ISOWeek(); y2 != year || n2 != num {
		return Week{}, fmt.Errorf("week %q: %d has no week %d", s, year, num)
	}
	return w, nil
}

// WeekOf returns the ISO week of a date.
func WeekOf(t time.Time) Week {
	y, n := t.In(cst).ISOWeek()
	return Week{Year: y, Num: n}
}

// Monday returns the first day of the week, 00:00 CST.
func (w Week) Monday() time.Time {
	// 4 January is always in ISO week 1.
	jan4 := time.Date(w.Year, 1, 4, 0, 0, 0, 0, cst)
	wd := (int(jan4.Weekday()) + 6) % 7 // Monday = 0
	return jan4.AddDate(0, 0, -wd+(w.Num-1)*7)
}

// String returns "2026-W47".
func (w Week) String() string { return fmt.Sprintf("%d-W%02d", w.Year, w.Num) }

// dateOf truncates t to its calendar day in CST.
func dateOf(t time.Time) time.Time {
	t = t.In(cst)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, cst)
}
