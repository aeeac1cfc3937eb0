package daemon

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/govaudit/govaudit/config"
	"github.com/govaudit/govaudit/store"
)

// writeConfig writes a configuration file and loads it with the config
// package, as the daemon's caller does.
func writeConfig(t *testing.T, yaml string) *config.Config {
	t.Helper()
	path := filepath.Join(t.TempDir(), "govaudit.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatalf("load %s: %v", path, err)
	}
	return cfg
}

const siteYAML = `site:
  name: 测试区人民政府
  base_url: http://127.0.0.1:1/
store:
  path: govaudit.db
`

func TestScheduleFromConfig(t *testing.T) {
	cfg := writeConfig(t, siteYAML)
	entries, err := Schedule(cfg)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{JobNightly: "0 2 * * *", JobDigest: "0 8 * * 1", JobReport: "0 9 * * *", JobProbe: "@every 30m0s"}
	if len(entries) != len(want) {
		t.Fatalf("Schedule = %+v", entries)
	}
	for _, e := range entries {
		if want[e.Job] != e.Spec {
			t.Errorf("%s: spec %q, want %q", e.Job, e.Spec, want[e.Job])
		}
		if e.Gated != (e.Job == JobReport) {
			t.Errorf("%s: gated %v", e.Job, e.Gated)
		}
	}
	// The nightly job fires at 02:00 Shanghai time whatever the zone of
	// the clock passed in.
	from := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC).In(Location()) // 20:00 in Shanghai
	next := entries[0].Schedule.Next(from)
	if got := next.In(time.UTC).Format(time.DateTime); got != "2026-11-27 18:00:00" {
		t.Errorf("next nightly = %s UTC, want 2026-11-27 18:00:00 (02:00 CST)", got)
	}

	cfg = writeConfig(t, siteYAML+`schedule:
  crawl: "@every 1s"
  digest: "CRON_TZ=Asia/Shanghai 0 8 * * 1"
  report: "0 9 1 1,4,7,10 *"
probes:
  interval: 5m
`)
	entries, err = Schedule(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if entries[2].Gated || entries[3].Spec != "@every 5m0s" {
		t.Errorf("explicit report spec must not be gated; probe spec %q", entries[3].Spec)
	}
}

func TestScheduleRefusesBadSpecs(t *testing.T) {
	// The config loader refuses a malformed spec itself, with its line.
	path := filepath.Join(t.TempDir(), "govaudit.yaml")
	os.WriteFile(path, []byte(siteYAML+"schedule:\n  crawl: \"0 25 * * *\"\n"), 0o644)
	var ce *config.Error
	if _, err := config.Load(path); !errors.As(err, &ce) || ce.Line != 7 || ce.Field != "schedule.crawl" {
		t.Errorf("config.Load with a bad spec = %v", err)
	}

	// The daemon checks again (configurations built in code, specs that
	// parse but never fire) and names the file's line too.
	tests := []struct {
		name, yaml string
		sched      config.Schedule
		lines      []int
		fields     []string
	}{
		{"bad field", "schedule:\n  crawl: \"0 25 * * *\"\n", config.Schedule{Crawl: "0 25 * * *"}, []int{7}, []string{"schedule.crawl"}},
		{"words", "schedule:\n  digest: every monday\n", config.Schedule{Digest: "every monday"}, []int{7}, []string{"schedule.digest"}},
		{"never fires", "schedule:\n  crawl: \"0 0 30 2 *\"\n", config.Schedule{Crawl: "0 0 30 2 *"}, []int{7}, []string{"schedule.crawl"}},
		{"zone without spec", "schedule:\n  report: CRON_TZ=UTC\n", config.Schedule{Report: "CRON_TZ=UTC"}, []int{7}, []string{"schedule.report"}},
		{"two bad", "schedule:\n  crawl: x\n  digest: \"0 8 * * 1\"\n  report: \"61 * * * *\"\n",
			config.Schedule{Crawl: "x", Digest: "0 8 * * 1", Report: "61 * * * *"}, []int{7, 9}, []string{"schedule.crawl", "schedule.report"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "govaudit.yaml")
			if err := os.WriteFile(path, []byte(siteYAML+tt.yaml), 0o644); err != nil {
				t.Fatal(err)
			}
			cfg := config.Default()
			cfg.Path, cfg.Schedule = path, tt.sched
			_, err := Schedule(cfg)
			if err == nil {
				t.Fatal("no error")
			}
			var list config.ErrorList
			var one *config.Error
			var got []*config.Error
			switch {
			case errors.As(err, &list):
				got = list
			case errors.As(err, &one):
				got = []*config.Error{one}
			default:
				t.Fatalf("error %T %v is not a config error", err, err)
			}
			if len(got) != len(tt.lines) {
				t.Fatalf("%d errors, want %d: %v", len(got), len(tt.lines), err)
			}
			for i, e := range got {
				if e.Line != tt.lines[i] || e.Field != tt.fields[i] || e.File != cfg.Path {
					t.Errorf("error %d = %q (line %d, field %s), want line %d, field %s", i, e, e.Line, e.Field, tt.lines[i], tt.fields[i])
				}
			}
			if !strings.Contains(err.Error(), cfg.Path+":7: schedule.") {
				t.Errorf("message %q does not name file:line", err)
			}
			// New refuses it the same way.
			st := openStore(t)
			if _, err := New(Options{Config: cfg, Store: st}); err == nil || !strings.Contains(err.Error(), ":7:") {
				t.Errorf("New = %v, want the config error", err)
			}
		})
	}
	cfg := config.Default()
	cfg.Probes.Interval = time.Millisecond
	if _, err := Schedule(cfg); err == nil || !strings.Contains(err.Error(), "probes.interval") {
		t.Errorf("a 1 ms probe interval: %v", err)
	}
}

func TestPrevious(t *testing.T) {
	loc := Location()
	daily, _ := ParseSpec("0 2 * * *")
	weekly, _ := ParseSpec("0 8 * * 1")
	yearly, _ := ParseSpec("0 9 1 1 *")
	tests := []struct {
		spec string
		s    cron.Schedule
		now  time.Time
		want time.Time
	}{
		{"daily after", daily, time.Date(2026, 11, 27, 3, 0, 0, 0, loc), time.Date(2026, 11, 27, 2, 0, 0, 0, loc)},
		{"daily before", daily, time.Date(2026, 11, 27, 1, 0, 0, 0, loc), time.Date(2026, 11, 26, 2, 0, 0, 0, loc)},
		{"daily at", daily, time.Date(2026, 11, 27, 2, 0, 0, 0, loc), time.Date(2026, 11, 27, 2, 0, 0, 0, loc)},
		{"weekly", weekly, time.Date(2026, 11, 27, 3, 0, 0, 0, loc), time.Date(2026, 11, 23, 8, 0, 0, 0, loc)},
		{"yearly", yearly, time.Date(2026, 11, 27, 3, 0, 0, 0, loc), time.Date(2026, 1, 1, 9, 0, 0, 0, loc)},
	}
	for _, tt := range tests {
		got, ok := previous(tt.s, tt.now)
		if !ok || !got.Equal(tt.want) {
			t.Errorf("%s: previous = %v %v, want %v", tt.spec, got, ok, tt.want)
		}
	}
}

func TestNoticeDayAndReportDue(t *testing.T) {
	loc := Location()
	// A calendar with the 2026 National Day holiday (1–8 October) and the
	// make-up Saturday 10 October.
	cal := func(d time.Time) (bool, error) {
		if d.Year() > 2030 {
			return false, errors.New("no holiday data for that year")
		}
		if d.Month() == 10 && d.Day() <= 8 {
			return false, nil
		}
		if d.Month() == 10 && d.Day() == 10 {
			return true, nil
		}
		return weekdays(d)
	}
	tests := []struct {
		now     time.Time
		day     string
		quarter string
	}{
		{time.Date(2026, 10, 12, 9, 0, 0, 0, loc), "2026-10-09", "2026Q3"},
		{time.Date(2026, 10, 5, 9, 0, 0, 0, loc), "2026-10-09", "2026Q3"},
		{time.Date(2026, 1, 1, 9, 0, 0, 0, loc), "2026-01-01", "2025Q4"},
		{time.Date(2026, 3, 31, 23, 0, 0, 0, loc), "2026-01-01", "2025Q4"},
		{time.Date(2026, 7, 1, 0, 0, 0, 0, loc), "2026-07-01", "2026Q2"},
		{time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC), "2026-10-09", "2026Q3"}, // 08:00 in Shanghai
	}
	for _, tt := range tests {
		day, q, err := NoticeDay(tt.now, cal)
		if err != nil || day.Format(time.DateOnly) != tt.day || q != tt.quarter {
			t.Errorf("NoticeDay(%v) = %s %s %v, want %s %s", tt.now, day.Format(time.DateOnly), q, err, tt.day, tt.quarter)
		}
	}
	if _, _, err := NoticeDay(time.Date(2031, 1, 5, 0, 0, 0, 0, loc), cal); err == nil {
		t.Error("NoticeDay in a year without calendar data: no error")
	}

	st := openStore(t)
	due := func(now time.Time) bool {
		t.Helper()
		ok, _, err := ReportDue(st, now, cal)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if due(time.Date(2026, 10, 8, 9, 0, 0, 0, loc)) {
		t.Error("due during the holiday")
	}
	if !due(time.Date(2026, 10, 9, 9, 0, 0, 0, loc)) || !due(time.Date(2026, 10, 20, 9, 0, 0, 0, loc)) {
		t.Error("not due on or after the first working day")
	}
	r, _ := st.StartRun(JobReport, time.Date(2026, 10, 9, 9, 0, 5, 0, loc))
	r.Status = store.RunOK
	st.SaveRun(r)
	if due(time.Date(2026, 10, 20, 9, 0, 0, 0, loc)) {
		t.Error("due again after the notice was written")
	}
	if !due(time.Date(2027, 1, 4, 9, 0, 0, 0, loc)) {
		t.Error("not due the next quarter")
	}
}

func TestDigestDue(t *testing.T) {
	loc := Location()
	st := openStore(t)
	wed := time.Date(2026, 11, 25, 2, 0, 0, 0, loc)
	if ok, err := DigestDue(st, wed); err != nil || !ok {
		t.Fatalf("never sent: due %v %v", ok, err)
	}
	r, _ := st.StartRun(JobDigest, time.Date(2026, 11, 23, 8, 0, 0, 0, loc)) // Monday
	r.Status = store.RunFailed
	st.SaveRun(r)
	if ok, _ := DigestDue(st, wed); !ok {
		t.Error("a failed digest counts as sent")
	}
	r, _ = st.StartRun(JobDigest, time.Date(2026, 11, 23, 8, 5, 0, 0, loc))
	r.Status = store.RunOK
	st.SaveRun(r)
	if ok, _ := DigestDue(st, wed); ok {
		t.Error("due again in the same week")
	}
	if ok, _ := DigestDue(st, time.Date(2026, 11, 30, 0, 30, 0, 0, loc)); !ok {
		t.Error("not due the next Monday")
	}
	if ok, _ := DigestDue(st, time.Date(2026, 11, 29, 23, 59, 0, 0, loc)); ok {
		t.Error("due on Sunday of the same week")
	}
}
