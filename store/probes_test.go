package store

import (
	"path/filepath"
	"testing"
	"time"
)

func TestProbes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "probes.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	base := time.Date(2026, 11, 20, 0, 0, 0, 0, time.FixedZone("CST", 8*3600))
	var want []Probe
	for i := range 10 {
		p := Probe{At: base.Add(time.Duration(i) * time.Hour), Target: "home", URL: "http://x/", OK: i%3 != 0,
			Status: 200, LatencyMS: int64(i), Newest: "2026-11-19"}
		if !p.OK {
			p.Status, p.Err = 503, "HTTP 503"
		}
		want = append(want, p)
		if err := s.AddProbe(p); err != nil {
			t.Fatal(err)
		}
	}
	// Two targets at the same instant are both kept.
	if err := s.AddProbes([]Probe{{At: base.Add(time.Hour), Target: "unit1", OK: true}}); err != nil {
		t.Fatal(err)
	}
	if err := s.AddProbe(Probe{At: base}); err == nil {
		t.Error("AddProbe without a target: no error")
	}
	if err := s.AddProbes([]Probe{{Target: "x"}}); err == nil {
		t.Error("AddProbes without a time: no error")
	}

	got, err := s.Probes(base.Add(2*time.Hour), base.Add(5*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || !got[0].At.Equal(want[2].At) || got[2].LatencyMS != 4 || got[1].OK || got[1].Err != "HTTP 503" || got[1].Newest != "2026-11-19" {
		t.Errorf("Probes(2h, 5h) = %+v, want probes 2, 3, 4", got)
	}
	all, err := s.Probes(time.Time{}, time.Time{})
	if err != nil || len(all) != 11 {
		t.Fatalf("Probes(all) = %d, %v; want 11", len(all), err)
	}
	for i := 1; i < len(all); i++ {
		if all[i].At.Before(all[i-1].At) {
			t.Errorf("probes not in time order at %d", i)
		}
	}

	n, err := s.PruneProbes(base.Add(3 * time.Hour))
	if err != nil || n != 4 {
		t.Fatalf("PruneProbes = %d, %v; want 4 (three of home, one of unit1)", n, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// They survive reopening, read-only too.
	s, err = Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	all, err = s.Probes(time.Time{}, base.Add(100*time.Hour))
	if err != nil || len(all) != 7 || !all[0].At.Equal(want[3].At) {
		t.Errorf("after prune and reopen: %d probes, first %v; want 7 from %v", len(all), all[0].At, want[3].At)
	}
}
