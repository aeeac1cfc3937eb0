package rules

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/govaudit/govaudit/store"
)

func openTestStore(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "govaudit.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// writeInput stores in's records as one crawl batch.
func writeInput(t *testing.T, st *store.Store, in Input, pages ...store.Page) {
	t.Helper()
	if err := st.Write(&store.Batch{Items: in.Items, Letters: in.Letters, Sources: in.Sources, Pages: pages, Snapshots: richSnapshots}); err != nil {
		t.Fatal(err)
	}
	for _, n := range in.Notified {
		f := store.Finding{ID: n.FindingID, Rule: n.Rule, Subject: n.Subject, Unit: n.Unit, Column: n.Column, Quarter: n.Quarter, URL: n.URL}
		if _, err := st.RecordNotice(n.Notice, n.NotifiedAt, n.Deadline, []store.Finding{f}); err != nil {
			t.Fatal(err)
		}
	}
	var contents []store.Content
	for _, c := range in.Contents {
		contents = append(contents, c)
	}
	if err := st.PutContents(contents); err != nil {
		t.Fatal(err)
	}
}

func countRule(t *testing.T, st *store.Store, rule, status string) int {
	t.Helper()
	_, n, err := st.Findings(store.Filter{Rule: rule, Status: status})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestCheckEngine(t *testing.T) {
	ctx := context.Background()
	cfg := testConfig()
	st := openTestStore(t)
	in := richInput(t, cfg)
	writeInput(t, st, in, store.Page{URL: "http://p/dead", Status: 404, ErrKind: "http-4xx"})
	asOf := day(t, "2025-04-01")

	rep, err := Check(ctx, cfg, st, in.Calendar, asOf)
	if err != nil {
		t.Fatal(err)
	}
	want, err := Evaluate(in, asOf)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Findings != len(want.Findings) || rep.Sync.New != len(want.Findings) || rep.Sync.Unchanged != 0 {
		t.Fatalf("first check: %d findings, sync %+v; want %d new", rep.Findings, rep.Sync, len(want.Findings))
	}
	for _, c := range rep.Checks {
		if c.Enabled && c.New != c.Findings {
			t.Errorf("check %s: new %d, findings %d", c.ID, c.New, c.Findings)
		}
	}
	run, ok, err := st.LastRun("check")
	if err != nil || !ok || run.Status != "ok" || run.Figures["findings"] != rep.Findings || run.Figures["new"] != rep.Findings || run.ID != rep.RunID {
		t.Fatalf("check run = %+v, %v, %v", run, ok, err)
	}
	// The findings' spool, next to the store, is gone.
	ents, err := os.ReadDir(filepath.Dir(st.Path()))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if name := filepath.Join(filepath.Dir(st.Path()), e.Name()); name != st.Path() && name != store.PackDir(st.Path()) {
			t.Errorf("the store's directory holds %s after the check, want the store and its packs only", e.Name())
		}
	}

	// Re-running changes nothing.
	rep, err = Check(ctx, cfg, st, in.Calendar, asOf)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Sync.New != 0 || rep.Sync.Resolved != 0 || rep.Sync.Unchanged != len(want.Findings) {
		t.Fatalf("re-run: sync %+v", rep.Sync)
	}
	_, total, err := st.Findings(store.Filter{})
	if err != nil || total != len(want.Findings) {
		t.Fatalf("stored findings = %d, %v; want %d", total, err, len(want.Findings))
	}

	// An inspector confirms the timeliness finding; then both the late and
	// the back-dated items are corrected on the portal.
	late := store.FindingID(Timeliness, "http://p/late.html")
	if _, err := st.Decide(late, store.Action{Kind: "confirm", By: "张三", At: asOf}); err != nil {
		t.Fatal(err)
	}
	fixed := richInput(t, cfg)
	fixed.Items[0].Written = "2024-10-30"
	fixed.Items[1].Published, fixed.Items[1].ListDate = "2024-09-21", "2024-09-21"
	writeInput(t, st, fixed)
	rep, err = Check(ctx, cfg, st, in.Calendar, asOf)
	if err != nil {
		t.Fatal(err)
	}
	if f, err := st.Finding(late); err != nil || f.Status != store.StatusConfirmed {
		t.Errorf("confirmed finding after its condition went: %+v, %v", f, err)
	}
	if f, err := st.Finding(store.FindingID(Backdated, "http://p/back.html")); err != nil || f.Status != store.StatusResolved {
		t.Errorf("draft finding after its condition went: status %q, %v", f.Status, err)
	}

	// The news column fails on the next crawl: its findings stay as they are.
	before := countRule(t, st, BrokenAttachment, store.StatusDraft)
	down := richInput(t, cfg)
	down.Sources = notAudited(down.Sources, "column:"+colNews)
	down.Items = down.Items[:0] // and the crawl brought no items of it
	writeInput(t, st, down)
	rep, err = Check(ctx, cfg, st, in.Calendar, asOf)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Sync.Resolved != 0 {
		t.Errorf("a failed column resolved %d findings", rep.Sync.Resolved)
	}
	if got := countRule(t, st, BrokenAttachment, store.StatusDraft); got != before || before == 0 {
		t.Errorf("broken-attachment drafts %d -> %d after the column failed", before, got)
	}
	for _, c := range rep.Checks {
		if c.ID == StaleColumn && c.NotAudited == 0 {
			t.Error("stale-column summary does not count the failed column")
		}
	}
}

func TestCheckCancelled(t *testing.T) {
	cfg := testConfig()
	st := openTestStore(t)
	in := richInput(t, cfg)
	writeInput(t, st, in)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Check(ctx, cfg, st, in.Calendar, day(t, "2025-04-01")); err == nil {
		t.Fatal("cancelled check: no error")
	}
	run, _, _ := st.LastRun("check")
	if run.Status != "interrupted" {
		t.Errorf("cancelled run status = %q", run.Status)
	}
	if _, n, _ := st.Findings(store.Filter{}); n != 0 {
		t.Errorf("cancelled check stored %d findings", n)
	}
}
