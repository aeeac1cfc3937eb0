// Package workday is the official Chinese working-day calendar: Monday to
// Friday, minus statutory holidays, plus the make-up working weekends (调休).
//
// The holiday data comes from github.com/6tail/lunar-go (2002–2027) and
// from override files in the per-year JSON form in which the State Council's
// schedule is commonly republished:
//
//	{"year": 2027, "days": [{"name": "元旦", "date": "2027-01-01", "isOffDay": true}, …]}
//
// A Calendar is built once, as an immutable table, and is safe for concurrent
// use. A date in a year without holiday data is an error, never a plain
// weekday guess.
package workday

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/6tail/lunar-go/HolidayUtil"
)

// CST is China Standard Time, the zone of every calendar date.
var cst = time.FixedZone("CST", 8*3600)

// CST returns the China Standard Time zone (UTC+8) used for calendar dates.
func CST() *time.Location { return cst }

// Date returns midnight CST of the given calendar date.
func Date(year int, month time.Month, day int) time.Time {
	return time.Date(year, month, day, 0, 0, 0, 0, cst)
}

// Day returns midnight CST of the calendar day of t in China Standard Time.
func Day(t time.Time) time.Time {
	t = t.In(cst)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, cst)
}

// Parse reads a calendar date written "2006-01-02" as midnight CST.
func Parse(s string) (time.Time, error) {
	t, err := time.ParseInLocation("2006-01-02", strings.TrimSpace(s), cst)
	if err != nil {
		return time.Time{}, fmt.Errorf("parse date %q: want YYYY-MM-DD", s)
	}
	return t, nil
}

// ErrNoData is wrapped by the errors of look-ups in a year without holiday data.
var ErrNoData = errors.New("no holiday data")

// NoDataError reports a date whose year has no holiday data.
type NoDataError struct {
	Year int
}

// Error says which year lacks data and how to add it.
func (e *NoDataError) Error() string {
	return fmt.Sprintf("no official holiday data for %d: add the State Council's schedule for %d as a JSON file "+
		`{"year": %d, "days": [{"name": "元旦", "date": "%d-01-01", "isOffDay": true}, …]} `+
		"and list it under calendar.overrides in the configuration (or pass --calendar FILE)",
		e.Year, e.Year, e.Year, e.Year)
}

// Unwrap makes errors.Is(err, ErrNoData) true.
func (e *NoDataError) Unwrap() error { return ErrNoData }

// special is a day whose status differs from its weekday's default, or a
// statutory holiday (which may fall on a weekend).
type special struct {
	name string
	off  bool // a holiday (off); false: a make-up working day
}

// Calendar is an immutable table of working days.
type Calendar struct {
	years            map[int]bool          // years with holiday data
	special          map[time.Time]special // midnight CST -> holiday or make-up day
	sources          map[int]string        // year -> where its data came from
	minYear, maxYear int

	// The table: index i is the day first+i (days since 1970-01-01) from
	// 1 January of minYear to 31 December of maxYear.
	first   int64
	covered []bool  // the day's year has data
	work    []bool  // the day is a working day
	cum     []int32 // working days from the table's start up to and including the day
}

// Holiday is one day of an Explanation.
type Holiday struct {
	Date time.Time
	Name string
}

// Explanation says how a working-day count came about.
type Explanation struct {
	From, To time.Time
	// Workdays is Between(From, To).
	Workdays int
	// Skipped are the statutory holidays on Monday–Friday that were not counted.
	Skipped []Holiday
	// MakeUp are the weekend days that were counted as make-up working days.
	MakeUp []Holiday
}

// overrideFile is the per-year JSON form of an override file.
type overrideFile struct {
	Year *int `json:"year"`
	Days []struct {
		Name     string `json:"name"`
		Date     string `json:"date"`
		IsOffDay *bool  `json:"isOffDay"`
	} `json:"days"`
}

// New builds a calendar from lunar-go's holiday data and the given override
// files (applied in order: each adds its year and replaces the days it lists).
func New(overrides ...string) (*Calendar, error) {
	c := &Calendar{
		years:   map[int]bool{},
		special: map[time.Time]special{},
		sources: map[int]string{},
	}
	// lunar-go's data starts with the make-up days of 2001-12-29/30 for the
	// 2002 New Year; a year counts as covered when it has a holiday.
	for y := 1990; y <= 2100; y++ {
		l := HolidayUtil.GetHolidaysByYear(y)
		for e := l.Front(); e != nil; e = e.Next() {
			h := e.Value.(*HolidayUtil.Holiday)
			d, err := Parse(h.GetDay())
			if err != nil {
				return nil, fmt.Errorf("lunar-go holiday data: %w", err)
			}
			if d.Year() != y {
				continue
			}
			c.special[d] = special{name: h.GetName(), off: !h.IsWork()}
			if !h.IsWork() {
				c.years[y] = true
				c.sources[y] = "lunar-go v1.4.7"
			}
		}
	}
	for _, path := range overrides {
		if err := c.load(path); err != nil {
			return nil, err
		}
	}
	c.minYear, c.maxYear = 0, 0
	for y := range c.years {
		if c.minYear == 0 || y < c.minYear {
			c.minYear = y
		}
		if y > c.maxYear {
			c.maxYear = y
		}
	}
	c.buildTable()
	return c, nil
}

// dayNumber is the number of d's calendar day since 1970-01-01.
func dayNumber(d time.Time) int64 {
	return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC).Unix() / 86400
}

// fromDayNumber is midnight CST of day number n.
func fromDayNumber(n int64) time.Time {
	u := time.Unix(n*86400, 0).UTC()
	return Date(u.Year(), u.Month(), u.Day())
}

// buildTable fills the working-day table of the covered span.
func (c *Calendar) buildTable() {
	if len(c.years) == 0 {
		return
	}
	start := Date(c.minYear, time.January, 1)
	c.first = dayNumber(start)
	n := int(dayNumber(Date(c.maxYear, time.December, 31))-c.first) + 1
	c.covered = make([]bool, n)
	c.work = make([]bool, n)
	c.cum = make([]int32, n)
	var sum int32
	for i, d := 0, start; i < n; i, d = i+1, d.AddDate(0, 0, 1) {
		c.covered[i] = c.years[d.Year()]
		if c.covered[i] && c.workday(d) {
			c.work[i] = true
			sum++
		}
		c.cum[i] = sum
	}
}

// index returns the table index of day number n and whether its year has data.
func (c *Calendar) index(n int64) (int, bool) {
	i := n - c.first
	if i < 0 || i >= int64(len(c.covered)) {
		return 0, false
	}
	return int(i), c.covered[i]
}

// load applies one override file.
func (c *Calendar) load(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read calendar override: %w", err)
	}
	var f overrideFile
	if err := json.Unmarshal(b, &f); err != nil {
		return fmt.Errorf("calendar override %s: %w (want {\"year\": 2027, \"days\": [{\"name\": \"元旦\", \"date\": \"2027-01-01\", \"isOffDay\": true}]})", path, err)
	}
	if f.Year == nil || *f.Year < 1900 || *f.Year > 9999 {
		return fmt.Errorf("calendar override %s: missing or invalid \"year\"", path)
	}
	if len(f.Days) == 0 {
		return fmt.Errorf("calendar override %s: no \"days\" for %d", path, *f.Year)
	}
	for i, d := range f.Days {
		t, err := Parse(d.Date)
		if err != nil {
			return fmt.Errorf("calendar override %s: day %d: %w", path, i+1, err)
		}
		if d.IsOffDay == nil {
			return fmt.Errorf("calendar override %s: day %d (%s): missing \"isOffDay\"", path, i+1, d.Date)
		}
		if t.Year() < *f.Year-1 || t.Year() > *f.Year+1 {
			return fmt.Errorf("calendar override %s: day %d (%s) is not in or next to %d", path, i+1, d.Date, *f.Year)
		}
		name := strings.TrimSpace(d.Name)
		if name == "" {
			name = "节假日"
		}
		c.special[t] = special{name: name, off: *d.IsOffDay}
	}
	c.years[*f.Year] = true
	c.sources[*f.Year] = path
	return nil
}

// Years returns the years with holiday data, in order.
func (c *Calendar) Years() []int {
	ys := make([]int, 0, len(c.years))
	for y := range c.years {
		ys = append(ys, y)
	}
	sort.Ints(ys)
	return ys
}

// Covers reports whether the year has holiday data.
func (c *Calendar) Covers(year int) bool { return c.years[year] }

// Source names where a year's holiday data came from ("lunar-go v1.4.7" or
// an override file); empty when the year is not covered.
func (c *Calendar) Source(year int) string { return c.sources[year] }

// workday computes whether the midnight-CST day d is a working day from
// the holiday data (used to build the table).
func (c *Calendar) workday(d time.Time) bool {
	if s, ok := c.special[d]; ok {
		return !s.off
	}
	wd := d.Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// IsWorkday reports whether the calendar day of d is an official working day.
func (c *Calendar) IsWorkday(d time.Time) (bool, error) {
	d = Day(d)
	i, ok := c.index(dayNumber(d))
	if !ok {
		return false, &NoDataError{Year: d.Year()}
	}
	return c.work[i], nil
}

// Add returns the day on which the count of working days after start
// reaches n (the start day is not counted). Add(start, 0) is start.
func (c *Calendar) Add(start time.Time, n int) (time.Time, error) {
	d := Day(start)
	if n < 0 {
		return time.Time{}, fmt.Errorf("add %d working days to %s: negative count", n, d.Format("2006-01-02"))
	}
	if n == 0 {
		return d, nil
	}
	for k := dayNumber(d) + 1; ; k++ {
		i, ok := c.index(k)
		if !ok {
			return time.Time{}, &NoDataError{Year: fromDayNumber(k).Year()}
		}
		if c.work[i] {
			n--
			if n == 0 {
				return fromDayNumber(k), nil
			}
		}
	}
}

// Between returns the number of working days after a up to and including b.
// When b is before a the count is negative: -Between(b, a).
func (c *Calendar) Between(a, b time.Time) (int, error) {
	a, b = Day(a), Day(b)
	if b.Before(a) {
		n, err := c.Between(b, a)
		return -n, err
	}
	na, nb := dayNumber(a), dayNumber(b)
	if na == nb {
		return 0, nil
	}
	// Every year from the day after a to b must have data.
	for y := fromDayNumber(na + 1).Year(); y <= b.Year(); y++ {
		if !c.years[y] {
			return 0, &NoDataError{Year: y}
		}
	}
	ib, _ := c.index(nb)
	var before int32
	if ia, ok := c.index(na); ok || na >= c.first {
		before = c.cum[ia]
	}
	return int(c.cum[ib] - before), nil
}

// Explain returns Between(a, b) with the holidays skipped and the make-up
// days counted on the way (days after a up to and including b).
func (c *Calendar) Explain(a, b time.Time) (Explanation, error) {
	a, b = Day(a), Day(b)
	e := Explanation{From: a, To: b}
	lo, hi := a, b
	if b.Before(a) {
		lo, hi = b, a
	}
	n, err := c.Between(a, b)
	if err != nil {
		return e, err
	}
	e.Workdays = n
	for d := lo.AddDate(0, 0, 1); !d.After(hi); d = d.AddDate(0, 0, 1) {
		s, ok := c.special[d]
		if !ok {
			continue
		}
		weekend := d.Weekday() == time.Saturday || d.Weekday() == time.Sunday
		switch {
		case s.off && !weekend:
			e.Skipped = append(e.Skipped, Holiday{Date: d, Name: s.name})
		case !s.off && weekend:
			e.MakeUp = append(e.MakeUp, Holiday{Date: d, Name: s.name})
		}
	}
	return e, nil
}

// weekdays are the Chinese names of the days of the week.
var weekdays = [...]string{"周日", "周一", "周二", "周三", "周四", "周五", "周六"}

// Weekday returns the Chinese name of d's day of the week (周一 …).
func Weekday(d time.Time) string { return weekdays[Day(d).Weekday()] }

// SkippedText describes the skipped holidays in Chinese, grouped by holiday:
// "国庆节 2024-10-01、10-02、10-03、10-04、10-07". Empty when none.
func (e Explanation) SkippedText() []string { return group(e.Skipped) }

// MakeUpText describes the make-up working days in Chinese:
// "国庆节调休 2024-10-12（周六）". Empty when none.
func (e Explanation) MakeUpText() []string {
	out := make([]string, 0, len(e.MakeUp))
	for _, h := range e.MakeUp {
		out = append(out, fmt.Sprintf("%s调休 %s（%s）", h.Name, h.Date.Format("2006-01-02"), Weekday(h.Date)))
	}
	return out
}

// group joins consecutive holidays of the same name.
func group(hs []Holiday) []string {
	var out []string
	for i := 0; i < len(hs); {
		j := i
		for j+1 < len(hs) && hs[j+1].Name == hs[i].Name && hs[j+1].Date.Sub(hs[j].Date) < 15*24*time.Hour {
			j++
		}
		var b strings.Builder
		b.WriteString(hs[i].Name)
		b.WriteString(" ")
		for k := i; k <= j; k++ {
			if k > i {
				b.WriteString("、")
				b.WriteString(hs[k].Date.Format("01-02"))
			} else {
				b.WriteString(hs[k].Date.Format("2006-01-02"))
			}
		}
		fmt.Fprintf(&b, "（%d 个工作日）", j-i+1)
		out = append(out, b.String())
		i = j + 1
	}
	return out
}
