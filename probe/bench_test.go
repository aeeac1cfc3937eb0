package probe_test

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/govaudit/govaudit/probe"
	"github.com/govaudit/govaudit/store"
)

// BenchmarkWeekOf reads and summarizes a full week of probes of the home
// page and 46 catalogs every 30 minutes (15,792 probes) from a real
// store: what the ops page, the metrics and the digest do.
func BenchmarkWeekOf(b *testing.B) {
	st, err := store.Open(filepath.Join(b.TempDir(), "govaudit.db"), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	weekEnd := time.Date(2026, 11, 28, 0, 0, 0, 0, time.FixedZone("CST", 8*3600))
	for at := weekEnd.Add(-probe.Week); at.Before(weekEnd); at = at.Add(30 * time.Minute) {
		ps := []store.Probe{{At: at, Target: probe.HomeTarget, URL: "http://portal.test/", OK: true, Status: 200, LatencyMS: 120, Newest: "2026-11-26"}}
		for u := range 46 {
			ps = append(ps, store.Probe{At: at, Target: fmt.Sprintf("unit%02d", u), URL: "http://portal.test/u/", OK: u%20 != 0, Status: 200, LatencyMS: 80})
		}
		if err := st.AddProbes(ps); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		sums, err := probe.WeekOf(st, weekEnd)
		if err != nil || len(sums) != 47 || sums[0].Visits != 336 {
			b.Fatalf("%d summaries, %v", len(sums), err)
		}
	}
}
