package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/govaudit/govaudit/config"
	"github.com/govaudit/govaudit/probe"
	"github.com/govaudit/govaudit/reports"
	"github.com/govaudit/govaudit/rules/workday"
	"github.com/govaudit/govaudit/store"
)

// TestDigestReadsProbes: the digest reports the probes of the seven full
// days before its as-of date, and nothing of the days around them.
func TestDigestReadsProbes(t *testing.T) {
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "govaudit.yaml")
	if code, _, errs := run(t, "init", cfgPath); code != 0 {
		t.Fatalf("init: %d %s", code, errs)
	}
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	st, err := openStore(cfg, "", false)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	asOf := workday.Day(time.Date(2026, 11, 16, 8, 0, 0, 0, time.FixedZone("CST", 8*3600))) // Monday of 2026-W47
	unit := cfg.Units[0]
	var ps []store.Probe
	i := 0
	// From the day before the week to the as-of day: only the seven days
	// in between count; the days around them fail every visit.
	for at := asOf.AddDate(0, 0, -8); at.Before(asOf.AddDate(0, 0, 1)); at = at.Add(30 * time.Minute) {
		inWeek := !at.Before(asOf.AddDate(0, 0, -7)) && at.Before(asOf)
		ok := inWeek && i%28 != 0 // 12 failures of 336
		if inWeek {
			i++
		}
		ps = append(ps,
			store.Probe{At: at, Target: probe.HomeTarget, URL: cfg.Site.BaseURL, OK: ok, Newest: "2026-11-13"},
			store.Probe{At: at, Target: unit.ID, URL: "http://catalog.test/", OK: inWeek})
	}
	if err := st.AddProbes(ps); err != nil {
		t.Fatal(err)
	}
	cal, err := buildCalendar(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	d, err := buildDigest(context.Background(), cfg, st, cal, reports.WeekOf(asOf), asOf)
	if err != nil {
		t.Fatal(err)
	}
	h := d.Availability.Home
	if h == nil || h.Visits != 336 || h.Failures != 12 || h.Status != probe.StatusWarn || !h.Sufficient {
		t.Fatalf("home page's week: %+v", h)
	}
	if len(d.Availability.Catalogs) != 1 || d.Availability.Catalogs[0].Summary.Failures != 0 {
		t.Errorf("catalog pages: %+v", d.Availability.Catalogs)
	}
	ms, err := d.Messages("office@example.gov.cn")
	if err != nil {
		t.Fatal(err)
	}
	sum := ms.List[len(ms.List)-1]
	if want := "门户网站首页 一周访问 336 次，失败 12 次（3.6%），预警；首页最新信息 2026-11-13，已 2 天未更新，正常"; !strings.Contains(sum.Text, want) {
		t.Errorf("summary lacks %q:\n%s", want, sum.Text)
	}
	if want := "单位目录页：监测 1 个，预警或不合格 0 个，正常 1 个。"; !strings.Contains(sum.Text, want) {
		t.Errorf("summary lacks %q:\n%s", want, sum.Text)
	}
}
