package rules

import (
	"hash/maphash"
	"strings"
	"testing"
	"unsafe"

	"github.com/govaudit/govaudit/store"
)

// TestKeepDetachesFromRecords: the store's decoder slices every string of
// a record out of one string, so a finding kept to the end of an
// evaluation must not point into it, or the whole record stays in memory
// with it.
func TestKeepDetachesFromRecords(t *testing.T) {
	record := strings.Repeat("x", 4096) + "https://gov.test/a.html|关于印发某办法的通知|u1|col|2026-01-05|abc123"
	part := func(s string) string {
		i := strings.Index(record, s)
		return record[i : i+len(s)]
	}
	inRecord := func(s string) bool {
		if s == "" {
			return false
		}
		p, start := uintptr(unsafe.Pointer(unsafe.StringData(s))), uintptr(unsafe.Pointer(unsafe.StringData(record)))
		return p >= start && p < start+uintptr(len(record))
	}
	f := store.Finding{Subject: part("https://gov.test/a.html"), URL: part("https://gov.test/a.html"),
		Title: part("关于印发某办法的通知"), Unit: part("u1"), Column: part("col"),
		Evidence: store.Evidence{Text: part("关于印发"), SnapshotHash: part("abc123"),
			Dates: map[string]string{"written": part("2026-01-05")}, Skipped: []string{part("2026-01-05")}}}
	var o outcome
	e := &env{acc: newAccum()}
	e.in.sofar = &Result{unauditedSubjects: map[uint64]struct{}{}, seed: maphash.MakeSeed()}
	if err := e.keep(&o, outcome{findings: []store.Finding{f}, unaudited: []string{part("https://gov.test/a.html")}}, Def{ID: Timeliness, Points: 0.5}); err != nil {
		t.Fatal(err)
	}
	if len(o.findings) != 1 || o.found != 1 {
		t.Fatalf("kept %d findings (found %d), want 1", len(o.findings), o.found)
	}
	g := o.findings[0]
	for name, s := range map[string]string{"subject": g.Subject, "url": g.URL, "title": g.Title, "unit": g.Unit,
		"column": g.Column, "evidence": g.Evidence.Text, "snapshot": g.Evidence.SnapshotHash,
		"date": g.Evidence.Dates["written"], "skipped": g.Evidence.Skipped[0]} {
		if inRecord(s) {
			t.Errorf("%s %q still points into the record", name, s)
		}
	}
	if g.URL != "https://gov.test/a.html" || g.Title != "关于印发某办法的通知" || g.Evidence.Dates["written"] != "2026-01-05" {
		t.Errorf("keep changed the finding: %+v", g)
	}
	if g.Rule != Timeliness || g.ID != store.FindingID(Timeliness, g.Subject) || g.Points != 0.5 || g.Status != store.StatusDraft {
		t.Errorf("keep did not finish the finding as a draft of its check: %+v", g)
	}
	if !e.in.sofar.Keep(store.Finding{Rule: Timeliness, Subject: "https://gov.test/a.html"}) {
		t.Error("the unaudited subject is not kept")
	}
}
