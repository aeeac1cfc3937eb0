package store

import (
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"
)

// TestFindingsCacheFollowsConcurrentWrites decides and syncs from several
// goroutines while others list, then compares the cache with a fresh load.
func TestFindingsCacheFollowsConcurrentWrites(t *testing.T) {
	s := openTemp(t)
	var found []Finding
	for i := range 200 {
		found = append(found, mkFinding("timeliness", fmt.Sprintf("https://gov.test/%03d", i), fmt.Sprintf("u%d", i%7), 1))
	}
	if _, err := s.SyncFindings(SyncRequest{Rules: []string{"timeliness"}, Found: found[:100], Now: t0}); err != nil {
		t.Fatal(err)
	}
	s.Findings(Filter{}) // load the cache
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := w; i < 100; i += 4 {
				act := Action{Kind: DecideConfirm, By: "li", At: t0}
				if i%3 == 0 {
					act = Action{Kind: DecideAdjust, Points: float64(i), Reason: "r", By: "li", At: t0}
				}
				if _, err := s.Decide(found[i].ID, act); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Go(func() {
		for k := range 5 {
			end := 100 + 20*(k+1)
			if _, err := s.SyncFindings(SyncRequest{Rules: []string{"timeliness"}, Found: found[:end], Now: t0.Add(time.Duration(k) * time.Hour)}); err != nil {
				t.Error(err)
			}
		}
	})
	for range 2 {
		wg.Go(func() {
			for range 50 {
				if _, _, err := s.Findings(Filter{Status: StatusDraft, Limit: 10}); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	cached, total, _ := s.Findings(Filter{})
	s.cacheMu.Lock()
	s.cache = nil
	s.cacheMu.Unlock()
	fresh, _, _ := s.Findings(Filter{})
	if total != 200 || !reflect.DeepEqual(cached, fresh) {
		t.Errorf("cache (%d findings) differs from the store (%d)", total, len(fresh))
	}
	// Reading your own write: a decision is visible as soon as Decide returns.
	f, _ := s.Decide(found[150].ID, Action{Kind: DecideDismiss, Reason: "误报", By: "li", At: t0})
	got, _, _ := s.Findings(Filter{Status: StatusDismissed})
	if len(got) != 1 || got[0].ID != f.ID {
		t.Errorf("dismissed findings right after Decide = %v", got)
	}
}

// TestFindingsCacheAfterLargeSync: a sync of more findings than the cache
// is patched with drops the cache; the next read sees every finding.
func TestFindingsCacheAfterLargeSync(t *testing.T) {
	s := openTemp(t)
	small := []Finding{mkFinding("timeliness", "https://gov.test/first", "u1", 1)}
	if _, err := s.SyncFindings(SyncRequest{Rules: []string{"timeliness"}, Found: small, Now: t0}); err != nil {
		t.Fatal(err)
	}
	if _, total, _ := s.Findings(Filter{}); total != 1 { // loads the cache
		t.Fatalf("%d findings after the first sync, want 1", total)
	}
	found := append([]Finding(nil), small...)
	for i := range cachePatchMax + 100 {
		found = append(found, mkFinding("timeliness", fmt.Sprintf("https://gov.test/%05d", i), "u2", 2))
	}
	res, err := s.SyncFindings(SyncRequest{Rules: []string{"timeliness"}, Found: found, Now: t0.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if res.New != cachePatchMax+100 || res.Unchanged != 1 {
		t.Errorf("large sync = %+v", res)
	}
	got, total, err := s.Findings(Filter{Unit: "u2", Limit: 5})
	if err != nil || total != cachePatchMax+100 || len(got) != 5 {
		t.Fatalf("Findings after a large sync: %d of %d, %v; want 5 of %d", len(got), total, err, cachePatchMax+100)
	}
	first, _, _ := s.Findings(Filter{Unit: "u1"})
	if len(first) != 1 || !first[0].LastSeen.Equal(t0.Add(time.Hour)) {
		t.Errorf("the finding found again: %+v, want LastSeen %v", first, t0.Add(time.Hour))
	}
}
