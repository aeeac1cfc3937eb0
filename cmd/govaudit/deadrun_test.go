package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/govaudit/govaudit/store"
)

// TestRunsShowsKilledCrawl: a crawl killed with kill -9 after saving its
// progress is listed as interrupted, with its pages and the duration up to
// its last save, not as running for ever with zero pages.
func TestRunsShowsKilledCrawl(t *testing.T) {
	db := filepath.Join(t.TempDir(), "killed.db")
	st, err := store.Open(db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now().Add(-5 * time.Hour)
	r, err := st.StartRun("crawl", start)
	if err != nil {
		t.Fatal(err)
	}
	r.Pages, r.Items, r.UpdatedAt = 4321, 1200, start.Add(10*time.Minute)
	if err := st.SaveRun(r); err != nil {
		t.Fatal(err)
	}
	st.Close() // the process dies here: the run is never finished
	code, out, errb := run(t, "runs", "--db", db)
	if code != 0 {
		t.Fatalf("runs: exit %d\n%s", code, errb)
	}
	if !strings.Contains(out, "10m0s") || !strings.Contains(out, "interrupted") || !strings.Contains(out, "4321") {
		t.Errorf("runs:\n%s\nwant the killed crawl interrupted after 10m0s with 4321 pages", out)
	}
}
