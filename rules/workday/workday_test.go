package workday

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

func mustDate(t testing.TB, s string) time.Time {
	t.Helper()
	d, err := Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func newCal(t testing.TB, overrides ...string) *Calendar {
	t.Helper()
	c, err := New(overrides...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// checkWorkdays checks c.IsWorkday of each day of cases (YYYY-MM-DD).
func checkWorkdays(t *testing.T, c *Calendar, cases map[string]bool) {
	t.Helper()
	for day, want := range cases {
		got, err := c.IsWorkday(mustDate(t, day))
		if err != nil {
			t.Fatalf("IsWorkday(%s): %v", day, err)
		}
		if got != want {
			t.Errorf("IsWorkday(%s) = %v, want %v", day, got, want)
		}
	}
}

func TestAddDeadlines(t *testing.T) {
	c := newCal(t)
	cases := []struct {
		start string
		n     int
		want  string
	}{
		{"2024-09-20", 20, "2024-10-23"}, // National Day 2024, make-up 09-29 and 10-12
		{"2024-09-30", 1, "2024-10-08"},
		{"2025-01-24", 5, "2025-02-07"}, // Spring Festival 2025, make-up 01-26 and 02-08
		{"2025-12-31", 20, "2026-01-29"},
		{"2020-01-23", 1, "2020-02-03"}, // Spring Festival 2020, extended
		{"2024-09-20", 0, "2024-09-20"},
		{"2024-10-11", 1, "2024-10-12"}, // a make-up Saturday counts
		{"2024-10-12", 1, "2024-10-14"},
	}
	for _, tc := range cases {
		got, err := c.Add(mustDate(t, tc.start), tc.n)
		if err != nil {
			t.Fatalf("Add(%s, %d): %v", tc.start, tc.n, err)
		}
		if g := got.Format("2006-01-02"); g != tc.want {
			t.Errorf("Add(%s, %d) = %s, want %s", tc.start, tc.n, g, tc.want)
		}
		if !got.Equal(Date(got.Year(), got.Month(), got.Day())) || got.Location() != CST() {
			t.Errorf("Add(%s, %d) = %v: not midnight CST", tc.start, tc.n, got)
		}
		// Between inverts Add.
		n, err := c.Between(mustDate(t, tc.start), got)
		if err != nil || n != tc.n {
			t.Errorf("Between(%s, %s) = %d, %v; want %d", tc.start, tc.want, n, err, tc.n)
		}
	}
}

func TestBetweenLimit(t *testing.T) {
	c := newCal(t)
	written := mustDate(t, "2024-09-20")
	cases := []struct {
		published string
		days      int
		late      bool
	}{
		{"2024-10-23", 20, false}, // exactly 20: on time
		{"2024-10-24", 21, true},  // 21: late
		{"2024-09-20", 0, false},
		{"2024-11-05", 29, true},
		{"2024-09-19", -1, false},
	}
	for _, tc := range cases {
		n, err := c.Between(written, mustDate(t, tc.published))
		if err != nil {
			t.Fatal(err)
		}
		if n != tc.days || (n > 20) != tc.late {
			t.Errorf("Between(2024-09-20, %s) = %d (late %v), want %d (late %v)", tc.published, n, n > 20, tc.days, tc.late)
		}
	}
}

func TestIsWorkday(t *testing.T) {
	c := newCal(t)
	cases := map[string]bool{
		"2024-10-01": false, // National Day, Tuesday
		"2024-10-12": true,  // make-up Saturday
		"2024-09-29": true,  // make-up Sunday
		"2024-10-19": false, // plain Saturday
		"2024-10-21": true,  // plain Monday
		"2002-01-03": false, // lunar-go data starts 2002
		"2002-01-04": true,
		"2027-10-04": false, // last year of lunar-go's data
	}
	checkWorkdays(t, c, cases)
	// A time of day in another zone is taken as its CST calendar day.
	utc := time.Date(2024, 9, 30, 16, 30, 0, 0, time.UTC) // 2024-10-01 00:30 CST
	if got, err := c.IsWorkday(utc); err != nil || got {
		t.Errorf("IsWorkday(%v) = %v, %v; want false (2024-10-01 in CST)", utc, got, err)
	}
}

func TestCoverage(t *testing.T) {
	c := newCal(t)
	ys := c.Years()
	if len(ys) == 0 || ys[0] != 2002 || ys[len(ys)-1] != 2027 || len(ys) != 26 {
		t.Fatalf("Years() = %v, want 2002..2027", ys)
	}
	for _, day := range []string{"2028-03-01", "2001-06-01"} {
		_, err := c.IsWorkday(mustDate(t, day))
		var nd *NoDataError
		if !errors.As(err, &nd) || !errors.Is(err, ErrNoData) {
			t.Fatalf("IsWorkday(%s) error = %v, want NoDataError", day, err)
		}
		msg := err.Error()
		year := day[:4]
		if !strings.Contains(msg, year) || !strings.Contains(msg, "calendar.overrides") || !strings.Contains(msg, `"isOffDay"`) {
			t.Errorf("error %q does not name the year and how to supply it", msg)
		}
	}
	// Crossing into an uncovered year fails instead of guessing weekdays.
	if _, err := c.Add(mustDate(t, "2027-12-20"), 20); !errors.Is(err, ErrNoData) {
		t.Errorf("Add into 2028: err = %v, want ErrNoData", err)
	}
	if _, err := c.Between(mustDate(t, "2027-12-20"), mustDate(t, "2028-01-20")); !errors.Is(err, ErrNoData) {
		t.Errorf("Between into 2028: err = %v, want ErrNoData", err)
	}
	if _, err := c.Add(mustDate(t, "2024-01-01"), -1); err == nil {
		t.Error("Add with a negative count: no error")
	}
}

func TestOverrides(t *testing.T) {
	c := newCal(t, "testdata/2028.json", "testdata/fix2024.json")
	if !c.Covers(2028) || c.Source(2028) != "testdata/2028.json" {
		t.Fatalf("2028 not covered by the override (source %q)", c.Source(2028))
	}
	cases := map[string]bool{
		"2028-01-03": false, // 元旦 Monday
		"2028-01-22": true,  // make-up Saturday
		"2028-01-25": false,
		"2028-02-01": true,
		"2024-10-08": false, // corrected day
		"2024-10-09": true,  // the rest of 2024 is lunar-go's
		"2024-10-12": true,
	}
	checkWorkdays(t, c, cases)
	// 2027-12-31 (Fri) + 1 = 2028-01-04 (Tue), crossing into the override year.
	got, err := c.Add(mustDate(t, "2027-12-31"), 1)
	if err != nil || got.Format("2006-01-02") != "2028-01-04" {
		t.Errorf("Add(2027-12-31, 1) = %v, %v; want 2028-01-04", got, err)
	}
	// The corrected day moves the 2024 deadline by one.
	got, err = c.Add(mustDate(t, "2024-09-30"), 1)
	if err != nil || got.Format("2006-01-02") != "2024-10-09" {
		t.Errorf("Add(2024-09-30, 1) with correction = %v, %v; want 2024-10-09", got, err)
	}
}

func TestOverrideErrors(t *testing.T) {
	cases := map[string]string{
		"testdata/missing.json":  "read calendar override",
		"testdata/bad-date.json": "2029-13-01",
		"testdata/no-year.json":  `"year"`,
		"testdata/broken.json":   "testdata/broken.json",
	}
	for path, want := range cases {
		_, err := New(path)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("New(%s) error = %v, want one mentioning %s", path, err, want)
		}
	}
}

func TestExplain(t *testing.T) {
	c := newCal(t)
	e, err := c.Explain(mustDate(t, "2024-09-20"), mustDate(t, "2024-10-23"))
	if err != nil {
		t.Fatal(err)
	}
	if e.Workdays != 20 {
		t.Errorf("Workdays = %d, want 20", e.Workdays)
	}
	var skipped, makeUp []string
	for _, h := range e.Skipped {
		skipped = append(skipped, h.Date.Format("01-02")+h.Name)
	}
	for _, h := range e.MakeUp {
		makeUp = append(makeUp, h.Date.Format("01-02")+h.Name)
	}
	if got, want := strings.Join(skipped, ","), "10-01国庆节,10-02国庆节,10-03国庆节,10-04国庆节,10-07国庆节"; got != want {
		t.Errorf("Skipped = %s, want %s", got, want)
	}
	if got, want := strings.Join(makeUp, ","), "09-29国庆节,10-12国庆节"; got != want {
		t.Errorf("MakeUp = %s, want %s", got, want)
	}
	if got := e.SkippedText(); len(got) != 1 || got[0] != "国庆节 2024-10-01、10-02、10-03、10-04、10-07（5 个工作日）" {
		t.Errorf("SkippedText = %q", got)
	}
	if got := e.MakeUpText(); len(got) != 2 || got[0] != "国庆节调休 2024-09-29（周日）" {
		t.Errorf("MakeUpText = %q", got)
	}
}

func TestConcurrent(t *testing.T) {
	c := newCal(t, "testdata/2028.json")
	start := mustDate(t, "2024-09-20")
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				d := start.AddDate(0, 0, (g*37+i)%900)
				end, err := c.Add(d, 20)
				if err != nil {
					errs <- err
					return
				}
				n, err := c.Between(d, end)
				if err != nil || n != 20 {
					errs <- errors.New("Between(Add(d, 20)) != 20 under concurrency")
					return
				}
				if _, err := c.Explain(d, end); err != nil {
					errs <- err
					return
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// FuzzAddBetween checks on arbitrary dates and counts that Between inverts
// Add, that the result is a working day, and that nothing panics.
func FuzzAddBetween(f *testing.F) {
	c, err := New()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(int64(0), uint16(20))
	f.Add(int64(400), uint16(1))
	f.Add(int64(-9000), uint16(300))
	base := Date(2024, 9, 20)
	f.Fuzz(func(t *testing.T, offset int64, n uint16) {
		start := base.AddDate(0, 0, int(offset%20000))
		end, err := c.Add(start, int(n))
		if err != nil {
			if !errors.Is(err, ErrNoData) {
				t.Fatalf("Add(%v, %d): unexpected error %v", start, n, err)
			}
			return
		}
		if n > 0 {
			if ok, err := c.IsWorkday(end); err != nil || !ok {
				t.Fatalf("Add(%v, %d) = %v, not a working day", start, n, end)
			}
		}
		got, err := c.Between(start, end)
		if err != nil || got != int(n) {
			t.Fatalf("Between(%v, %v) = %d, %v; want %d", start, end, got, err, n)
		}
		// The table agrees with a day-by-day count.
		naive := 0
		for d := start.AddDate(0, 0, 1); !d.After(end); d = d.AddDate(0, 0, 1) {
			ok, err := c.IsWorkday(d)
			if err != nil {
				t.Fatalf("IsWorkday(%v): %v", d, err)
			}
			if ok {
				naive++
			}
		}
		if naive != got {
			t.Fatalf("Between(%v, %v) = %d, day by day %d", start, end, got, naive)
		}
	})
}
