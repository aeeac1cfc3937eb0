package probe_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/govaudit/govaudit/portalsim"
	"github.com/govaudit/govaudit/probe"
	"github.com/govaudit/govaudit/store"
)

// TestWeekAgainstTheSimulatedPortal probes the simulated portal's home
// page and catalogs every 30 minutes for a simulated week. One visit in
// 19 reaches the portal while it is down (portalsim's Down fault), so
// every target fails about 5.3 % of at least 48 visits a day: the site
// fails the national indicator.
func TestWeekAgainstTheSimulatedPortal(t *testing.T) {
	cst := time.FixedZone("CST", 8*3600)
	today := time.Date(2026, 11, 27, 0, 0, 0, 0, cst)
	up, err := portalsim.New(portalsim.Options{Seed: 7, Units: 4, Today: today})
	if err != nil {
		t.Fatal(err)
	}
	down, err := portalsim.New(portalsim.Options{Seed: 7, Units: 4, Today: today, Faults: portalsim.Faults{Down: true}})
	if err != nil {
		t.Fatal(err)
	}
	var visits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if visits.Add(1)%19 == 0 {
			down.Handler().ServeHTTP(w, r)
			return
		}
		up.Handler().ServeHTTP(w, r)
	}))
	defer srv.Close()

	cfg := up.Config(srv.URL + "/")
	cfg.Probes.Catalogs = true
	targets := probe.Targets(cfg)
	if len(targets) != 5 {
		t.Fatalf("%d targets, want the home page and 4 catalogs", len(targets))
	}
	weekEnd := today.AddDate(0, 0, 1)
	clock := weekEnd.Add(-probe.Week)
	p := &probe.Prober{Timeout: 5 * time.Second, Parallel: 1, Now: func() time.Time { return clock }}
	var ps []store.Probe
	for ; clock.Before(weekEnd); clock = clock.Add(30 * time.Minute) {
		ps = append(ps, p.Round(context.Background(), targets)...)
	}

	var newest string
	for _, it := range up.Truth(srv.URL + "/").Items {
		if it.Published > newest && it.Published <= today.Format(time.DateOnly) {
			newest = it.Published
		}
	}
	newestDay, _ := time.ParseInLocation(time.DateOnly, newest, cst)
	wantDays := int(today.Sub(newestDay).Hours() / 24)

	sums := probe.Summarize(ps, weekEnd)
	if len(sums) != len(targets) {
		t.Fatalf("%d summaries, want %d", len(sums), len(targets))
	}
	for _, s := range sums {
		if s.Visits != 336 || !s.Sufficient {
			t.Errorf("%s: %d visits, sufficient %v; want 336, true", s.Target, s.Visits, s.Sufficient)
		}
		if s.Ratio < 0.045 || s.Ratio > 0.065 || s.Status != probe.StatusFail || s.LastError != "HTTP 503" {
			t.Errorf("%s: %d failures (%.2f%%), status %s, last error %q; want about 5.3%%, fail, HTTP 503",
				s.Target, s.Failures, 100*s.Ratio, s.Status, s.LastError)
		}
	}
	home := sums[0]
	if home.Target != probe.HomeTarget || home.Newest != newest || home.DaysSinceUpdate != wantDays {
		t.Errorf("home page: newest %q, %d days; want %q (the portal's newest item), %d days", home.Newest, home.DaysSinceUpdate, newest, wantDays)
	}
}
