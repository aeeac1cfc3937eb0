package store

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestCompactTo(t *testing.T) {
	s := openTemp(t)
	b, html := sampleBatch()
	if err := s.Write(b); err != nil {
		t.Fatal(err)
	}
	// Churn: rewrite many items so the file has free pages to drop.
	for round := range 3 {
		var batch Batch
		for i := range 2000 {
			it := benchItem(i)
			it.RunID = uint64(round)
			batch.Items = append(batch.Items, it)
		}
		if err := s.Write(&batch); err != nil {
			t.Fatal(err)
		}
	}
	f := mkFinding("timeliness", "https://gov.test/a.html", "u01", 1)
	if _, err := s.SyncFindings(SyncRequest{Rules: []string{"timeliness"}, Found: []Finding{f}, Now: t0}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Decide(f.ID, Action{Kind: DecideConfirm, By: "li", At: t0}); err != nil {
		t.Fatal(err)
	}
	run, err := s.StartRun("crawl", t0)
	if err != nil {
		t.Fatal(err)
	}

	dst := filepath.Join(t.TempDir(), "compact.db")
	size, err := s.CompactTo(dst)
	if err != nil {
		t.Fatal(err)
	}
	orig, _ := os.Stat(s.Path())
	if fi, err := os.Stat(dst); err != nil || fi.Size() != size || size >= orig.Size() {
		t.Errorf("copy of %d bytes (reported %d), original %d: want a smaller file", fi.Size(), size, orig.Size())
	}
	if _, err := s.CompactTo(dst); err == nil {
		t.Error("CompactTo over an existing file accepted")
	}
	if _, err := s.CompactTo(filepath.Join(t.TempDir(), "no", "dir.db")); err == nil {
		t.Error("CompactTo into a missing directory accepted")
	}

	// The copy takes the store's place with the store's packs; here, in
	// another directory, it is given them by a link.
	if err := os.Symlink(PackDir(s.Path()), PackDir(dst)); err != nil {
		t.Fatal(err)
	}
	c, err := Open(dst, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, url := range []string{b.Items[0].URL, benchItem(1999).URL} {
		want, _, _ := s.Item(url)
		if got, ok, err := c.Item(url); err != nil || !ok || !reflect.DeepEqual(got, want) {
			t.Errorf("Item(%s) in the copy = %+v %v %v", url, got, ok, err)
		}
	}
	if got, err := c.Snapshot(SnapshotHash(html)); err != nil || string(got) != string(html) {
		t.Errorf("snapshot in the copy: %d bytes, %v", len(got), err)
	}
	if got, err := c.Finding(f.ID); err != nil || got.Status != StatusConfirmed {
		t.Errorf("finding in the copy = %+v, %v", got, err)
	}
	if h, err := c.History(f.ID); err != nil || len(h) != 2 {
		t.Errorf("history in the copy = %v, %v", h, err)
	}
	// Sequences survive: the next run continues the numbering.
	next, err := c.StartRun("check", t0)
	if err != nil || next.ID != run.ID+1 {
		t.Errorf("next run in the copy = %d, %v; want %d", next.ID, err, run.ID+1)
	}
	n := 0
	if err := c.EachItem(func(Item) error { n++; return nil }); err != nil || n != 2001 {
		t.Errorf("items in the copy: %d, %v", n, err)
	}
}
