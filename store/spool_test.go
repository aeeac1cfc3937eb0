package store

import (
	"math"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestFindingSpoolRoundTrip(t *testing.T) {
	full := mkFinding("timeliness", "https://gov.test/a", "u1", 2)
	full.Evidence.SnapshotHash, full.Evidence.FetchedAt = "ab12", t0.Add(90*time.Minute)
	full.Evidence.MakeUp = []string{"2026-02-28"}
	weighted := mkFinding("rectification", "f-1:通报〔2026〕1号", "u2", 1)
	weighted.Points, weighted.Scoring = 2*0.1, false
	weighted.Evidence.Dates, weighted.Evidence.Skipped = nil, nil
	bare := Finding{Rule: "blank_column", Subject: "col-x"} // ID set by Add
	long := mkFinding("wording", "https://gov.test/"+strings.Repeat("长", 5000), "u3", math.SmallestNonzeroFloat64)
	long.Evidence.WorkingDays = -3

	tests := []struct {
		name string
		in   Finding
	}{
		{"every field", full},
		{"weighted points, no dates", weighted},
		{"bare", bare},
		{"long subject, tiny points, negative days", long},
	}
	sp, err := NewFindingSpool(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer sp.Close()
	for _, tt := range tests {
		if err := sp.Add(tt.in); err != nil {
			t.Fatalf("%s: add: %v", tt.name, err)
		}
	}
	if sp.Len() != len(tests) || sp.Size() == 0 {
		t.Fatalf("spool holds %d findings in %d bytes, want %d", sp.Len(), sp.Size(), len(tests))
	}
	var read []Finding
	if err := sp.Each(func(f Finding) error { read = append(read, f); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(read) != len(tests) {
		t.Fatalf("read back %d findings, want %d", len(read), len(tests))
	}
	for i, tt := range tests {
		got := read[i]
		want := tt.in
		if want.ID == "" {
			want.ID = FindingID(want.Rule, want.Subject)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: read back\n%+v\nwant\n%+v", tt.name, got, want)
		}
	}
}

func TestFindingSpoolLeavesNoFile(t *testing.T) {
	dir := t.TempDir()
	sp, err := NewFindingSpool(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := sp.Add(mkFinding("timeliness", "https://gov.test/a", "u1", 1)); err != nil {
		t.Fatal(err)
	}
	// A killed process must not leave a spool behind: the file has no
	// name while it is in use.
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("spool in use left %d names in its directory, want none", len(ents))
	}
	if err := sp.Close(); err != nil {
		t.Fatal(err)
	}
	if err := sp.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := sp.Add(mkFinding("timeliness", "https://gov.test/b", "u1", 1)); err == nil {
		t.Error("Add to a closed spool succeeded")
	}
	s := openTemp(t)
	if _, err := s.SyncFindings(SyncRequest{Rules: []string{"timeliness"}, Spool: sp, Now: t0}); err == nil {
		t.Error("sync from a closed spool succeeded")
	}
	if _, err := NewFindingSpool(dir + "/missing"); err == nil {
		t.Error("a spool in a missing directory was created")
	}
}

// TestSyncFromSpool: the spool's finding of an id wins over Found's, and
// a spooled finding the sync refuses leaves the store as it was.
func TestSyncFromSpool(t *testing.T) {
	s := openTemp(t)
	rules := []string{"timeliness"}
	a := mkFinding("timeliness", "https://gov.test/a", "u1", 1)
	spooled := a
	spooled.Points, spooled.Evidence.Text = 3, "spooled evidence"
	sp, err := NewFindingSpool(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer sp.Close()
	if err := sp.Add(spooled); err != nil {
		t.Fatal(err)
	}
	res, err := s.SyncFindings(SyncRequest{Rules: rules, Found: []Finding{a}, Spool: sp, Now: t0})
	if err != nil {
		t.Fatal(err)
	}
	if res.New != 1 {
		t.Errorf("sync: %+v, want 1 new finding", res)
	}
	got, err := s.Finding(a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Points != 3 || got.Evidence.Text != "spooled evidence" {
		t.Errorf("stored %v points, evidence %q; want the spool's (3, spooled evidence)", got.Points, got.Evidence.Text)
	}

	bad, err := NewFindingSpool(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer bad.Close()
	b := mkFinding("timeliness", "https://gov.test/b", "u1", 1)
	if err := bad.Add(b); err != nil {
		t.Fatal(err)
	}
	if err := bad.Add(mkFinding("not_evaluated", "https://gov.test/c", "u1", 1)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SyncFindings(SyncRequest{Rules: rules, Spool: bad, Now: t0.Add(time.Hour)}); err == nil {
		t.Fatal("a spooled finding of a rule not evaluated was synced")
	}
	if _, err := s.Finding(b.ID); err == nil {
		t.Error("a refused sync stored a finding")
	}
	if got, _ := s.Finding(a.ID); got.Status != StatusDraft {
		t.Errorf("a refused sync changed finding a to %s", got.Status)
	}
}

func TestFindingsOfRule(t *testing.T) {
	s := openTemp(t)
	a := mkFinding("wording", "https://gov.test/a", "u1", 1)
	b := mkFinding("wording", "https://gov.test/b", "u2", 1)
	c := mkFinding("timeliness", "https://gov.test/a", "u1", 1)
	if _, err := s.SyncFindings(SyncRequest{Rules: []string{"wording", "timeliness"}, Found: []Finding{b, c, a}, Now: t0}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Decide(a.ID, Action{Kind: DecideConfirm, By: "li", At: t0}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		rule string
		want []string // ids, in id order
	}{
		{"wording", []string{min(a.ID, b.ID), max(a.ID, b.ID)}},
		{"timeliness", []string{c.ID}},
		{"blank_column", nil},
	}
	for _, tt := range tests {
		got, err := s.FindingsOfRule(tt.rule)
		if err != nil {
			t.Fatalf("%s: %v", tt.rule, err)
		}
		var ids []string
		for _, f := range got {
			ids = append(ids, f.ID)
			if f.Rule != tt.rule {
				t.Errorf("%s: got a finding of %s", tt.rule, f.Rule)
			}
			if f.ID == a.ID && f.Status != StatusConfirmed {
				t.Errorf("%s: finding a has status %s, want confirmed", tt.rule, f.Status)
			}
		}
		if !reflect.DeepEqual(ids, tt.want) {
			t.Errorf("FindingsOfRule(%s) = %v, want %v", tt.rule, ids, tt.want)
		}
	}
}
