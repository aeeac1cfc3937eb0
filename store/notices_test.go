package store

import (
	"errors"
	"path/filepath"
	"testing"
	"time"
)

func TestNoticeEntries(t *testing.T) {
	path := filepath.Join(t.TempDir(), "govaudit.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 4, 8, 9, 0, 0, 0, time.UTC)
	fs := []Finding{mkFinding("wording", "http://p/a#攻府", "u1", 1), mkFinding("validity", "http://p/b", "u2", 0.5)}
	if n, err := s.RecordNotice("2026Q1", at, "2026-04-22", fs); err != nil || n != 2 {
		t.Fatalf("record: %d %v", n, err)
	}
	if n, err := s.RecordNotice("2026Q1", at.Add(time.Hour), "2026-04-23", fs); err != nil || n != 0 {
		t.Fatalf("record again: %d %v", n, err)
	}
	if _, err := s.RecordNotice("2026Q1", at, "22 April", fs); err == nil {
		t.Error("a bad deadline was accepted")
	}
	es, err := s.NoticeEntries()
	if err != nil || len(es) != 2 {
		t.Fatalf("entries: %v %v", es, err)
	}
	e := es[0]
	if e.State != RectifyPending || e.Deadline != "2026-04-22" || e.Column == "" || e.Notice != "2026Q1" {
		t.Errorf("entry %+v", e)
	}
	e.State, e.Rectified, e.Checked = RectifyFixed, "2026-04-20", "2026-04-20"
	e.Deadline = "2030-01-01" // not an updatable field
	if err := s.UpdateNoticeEntries([]NoticeEntry{e}); err != nil {
		t.Fatal(err)
	}
	missing := e
	missing.FindingID = "nope"
	if err := s.UpdateNoticeEntries([]NoticeEntry{e, missing}); !errors.Is(err, ErrNotFound) {
		t.Errorf("update of an unknown entry: %v", err)
	}
	// Survives a reopen; the failed update wrote nothing.
	s.Close()
	if s, err = Open(path, Options{}); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	es, _ = s.NoticeEntries()
	got := es[0]
	if got.State != RectifyFixed || got.Rectified != "2026-04-20" || got.Deadline != "2026-04-22" {
		t.Errorf("after reopen: %+v", got)
	}
	if err := s.Verify(); err != nil {
		t.Errorf("verify: %v", err)
	}
}
