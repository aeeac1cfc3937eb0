package store

import (
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
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

// TestCompactMovesBodiesIntoPacks compacts a store that keeps page bodies
// in the file, as older stores and restored backups do: they move to the
// packs, the file shrinks, and everything reads and verifies as before.
func TestCompactMovesBodiesIntoPacks(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	// Bodies that do not compress, so that moving them shrinks the file.
	rnd := rand.New(rand.NewPCG(1, 2))
	legacyBodies, legacyTexts := map[string][]byte{}, map[string][]byte{}
	for range 40 {
		body := make([]byte, 16<<10)
		for i := range body {
			body[i] = 'a' + byte(rnd.IntN(26))
		}
		legacyBodies[SnapshotHash(body)] = body
		legacyTexts[SnapshotHash(body)] = CompressText(body[:4<<10])
	}
	err = s.update(func(tx *bolt.Tx) error {
		for h, body := range legacyBodies {
			if err := tx.Bucket([]byte(bucketSnapshots)).Put([]byte(h), gzipped(t, body)); err != nil {
				return err
			}
			if err := tx.Bucket([]byte(bucketTexts)).Put([]byte(h), legacyTexts[h]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	packed, packedBodies := packedBatch(10, 100)
	if err := s.Write(packed); err != nil {
		t.Fatal(err)
	}
	s.Close()
	// A copy left by an interrupted compaction does not stop the next.
	if err := os.WriteFile(path+".compact.tmp", []byte("half a copy"), 0o600); err != nil {
		t.Fatal(err)
	}

	res, err := Compact(path)
	if err != nil {
		t.Fatal(err)
	}
	if res.Moved != 80 || res.MovedBytes == 0 || res.After >= res.Before {
		t.Errorf("Compact = %+v; want 80 bodies and texts moved and a smaller file", res)
	}
	if fi, err := os.Stat(path); err != nil || fi.Size() != res.After {
		t.Errorf("file after compaction: %v, %v; want %d bytes", fi, err, res.After)
	}
	if _, err := os.Stat(path + ".compact.tmp"); !os.IsNotExist(err) {
		t.Errorf("the compacted copy was left beside the store: %v", err)
	}
	s, err = Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	readAll(t, s, legacyBodies)
	readAll(t, s, packedBodies)
	bodiesOnlyInPacks(t, s)
	// Held by another open: refused, nothing changed.
	if _, err := Compact(path); !errors.Is(err, ErrLocked) {
		t.Errorf("Compact of a store held elsewhere = %v, want ErrLocked", err)
	}
}

// TestOpenFollowsAReplacedFile opens a store while another open holds it
// and a new file takes its place (as Compact does): the waiting open gets
// the new file, not the old one it first locked.
func TestOpenFollowsAReplacedFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "s.db")
	holder, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	next := filepath.Join(dir, "next.db")
	n, err := Open(next, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.StartRun("crawl", t0); err != nil {
		t.Fatal(err)
	}
	n.Close()

	opened := make(chan *Store, 1)
	go func() {
		s, err := Open(path, Options{Timeout: 10 * time.Second})
		if err != nil {
			t.Error(err)
		}
		opened <- s
	}()
	time.Sleep(300 * time.Millisecond) // the open waits for holder's lock
	if err := os.Rename(next, path); err != nil {
		t.Fatal(err)
	}
	holder.Close()
	s := <-opened
	if s == nil {
		return
	}
	defer s.Close()
	if runs, err := s.Runs("", 10); err != nil || len(runs) != 1 {
		t.Errorf("runs of the store opened = %d, %v; want the new file's one run", len(runs), err)
	}
}
