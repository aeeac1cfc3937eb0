package store

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func TestLockedByAnotherProcess(t *testing.T) {
	path := filepath.Join(t.TempDir(), "held.db")
	startChild(t, "hold", path)
	for _, ro := range []bool{false, true} {
		start := time.Now()
		s, err := Open(path, Options{ReadOnly: ro}) // default timeout
		took := time.Since(start)
		if err == nil {
			s.Close()
			t.Fatalf("ReadOnly=%v: opened a store another process holds", ro)
		}
		if !errors.Is(err, ErrLocked) {
			t.Errorf("ReadOnly=%v: error %v does not wrap ErrLocked", ro, err)
		}
		if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "in use by another process") {
			t.Errorf("ReadOnly=%v: error %q does not name the file and say it is in use", ro, err)
		}
		if took > 3*time.Second {
			t.Errorf("ReadOnly=%v: lock error after %v, want within 3 s", ro, took)
		}
	}
	start := time.Now()
	_, err := Open(path, Options{Timeout: 200 * time.Millisecond})
	if !errors.Is(err, ErrLocked) || time.Since(start) > time.Second {
		t.Errorf("Timeout 200ms: %v after %v", err, time.Since(start))
	}
}

func TestReadOnly(t *testing.T) {
	s := openTemp(t)
	path := s.Path()
	f := mkFinding("timeliness", "https://gov.test/a", "u1", 1)
	if _, err := s.SyncFindings(SyncRequest{Rules: []string{"timeliness"}, Found: []Finding{f}, Now: t0}); err != nil {
		t.Fatal(err)
	}
	b, _ := sampleBatch()
	if err := s.Write(b); err != nil {
		t.Fatal(err)
	}
	s.Close()

	r1, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r1.Close()
	r2, err := Open(path, Options{ReadOnly: true, Timeout: 500 * time.Millisecond})
	if err != nil {
		t.Fatalf("a second read-only open: %v", err)
	}
	defer r2.Close()
	if got, err := r2.Finding(f.ID); err != nil || got.Status != StatusDraft {
		t.Errorf("read-only Finding = %+v, %v", got, err)
	}
	if _, ok, err := r1.Item(b.Items[0].URL); !ok || err != nil {
		t.Errorf("read-only Item: %v %v", ok, err)
	}
	if _, err := r1.Decide(f.ID, Action{Kind: DecideConfirm, By: "li", At: t0}); err == nil || !strings.Contains(err.Error(), "read-only") {
		t.Errorf("Decide on a read-only store: %v, want a read-only error", err)
	}
	if err := r1.Write(b); err == nil {
		t.Error("Write on a read-only store accepted")
	}
	if _, err := r1.StartRun("crawl", t0); err == nil {
		t.Error("StartRun on a read-only store accepted")
	}
	if _, err := Open(filepath.Join(t.TempDir(), "missing.db"), Options{ReadOnly: true}); err == nil || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("read-only open of a missing file: %v, want not-exist", err)
	}
}

// setSchema writes a schema version into a closed store file.
func setSchema(t *testing.T, path, version string) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte(bucketMeta)).Put([]byte("schema"), []byte(version))
	}); err != nil {
		t.Fatal(err)
	}
}

func TestSchemaVersion(t *testing.T) {
	s := openTemp(t)
	path := s.Path()
	s.Close()

	setSchema(t, path, "99")
	for _, ro := range []bool{false, true} {
		_, err := Open(path, Options{ReadOnly: ro})
		if !errors.Is(err, ErrSchema) || !strings.Contains(err.Error(), "99") || !strings.Contains(err.Error(), path) {
			t.Errorf("ReadOnly=%v: newer schema: %v, want ErrSchema naming version 99 and the file", ro, err)
		}
	}
	setSchema(t, path, "banana")
	if _, err := Open(path, Options{}); !errors.Is(err, ErrCorrupt) {
		t.Errorf("garbage schema version: %v, want ErrCorrupt", err)
	}

	// A version-1 file meets a program of version 3: migrations run in order.
	setSchema(t, path, "1")
	var ran []string
	migs := []migration{
		func(tx *bolt.Tx) error {
			ran = append(ran, "1to2")
			return putRaw(tx, bucketMeta, []byte("m2"), []byte("x"))
		},
		func(tx *bolt.Tx) error { ran = append(ran, "2to3"); return nil },
	}
	if _, err := open(path, Options{ReadOnly: true}, 3, migs); !errors.Is(err, ErrSchema) || !strings.Contains(err.Error(), "read-write") {
		t.Errorf("read-only open of an older schema: %v, want ErrSchema asking for a read-write open", err)
	}
	s, err := open(path, Options{}, 3, migs)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(ran, []string{"1to2", "2to3"}) {
		t.Errorf("migrations ran %v", ran)
	}
	s.view(func(tx *bolt.Tx) error {
		if v, _ := schemaOf(tx); v != 3 {
			t.Errorf("schema after migration = %d, want 3", v)
		}
		return nil
	})
	s.Close()

	// A failing migration leaves the file as it was.
	setSchema(t, path, "1")
	fail := []migration{
		func(tx *bolt.Tx) error { return putRaw(tx, bucketMeta, []byte("half"), []byte("x")) },
		func(tx *bolt.Tx) error { return errors.New("boom") },
	}
	if _, err := open(path, Options{}, 3, fail); err == nil || !strings.Contains(err.Error(), "migrate schema 2 to 3") {
		t.Errorf("failing migration: %v", err)
	}
	s, err = open(path, Options{ReadOnly: true}, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	s.view(func(tx *bolt.Tx) error {
		if tx.Bucket([]byte(bucketMeta)).Get([]byte("half")) != nil {
			t.Error("a failed migration left a change behind")
		}
		return nil
	})
	s.Close()
	if _, err := open(path, Options{}, 2, nil); !errors.Is(err, ErrSchema) {
		t.Errorf("missing migration: %v, want ErrSchema", err)
	}
}

func TestCorruptFile(t *testing.T) {
	dir := t.TempDir()
	for name, data := range map[string][]byte{
		"text":    []byte("这不是数据库\n"),
		"garbage": bytes.Repeat([]byte{0xde, 0xad, 0xbe, 0xef}, 4096),
	} {
		path := filepath.Join(dir, name+".db")
		os.WriteFile(path, data, 0o600)
		_, err := Open(path, Options{})
		if err == nil {
			t.Fatalf("%s: opened", name)
		}
		if !strings.Contains(err.Error(), path) {
			t.Errorf("%s: error %q does not name the file", name, err)
		}
		if !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: error %v does not wrap ErrCorrupt", name, err)
		}
		if got, _ := os.ReadFile(path); !bytes.Equal(got, data) {
			t.Errorf("%s: the file was changed", name)
		}
	}
}

func TestBackup(t *testing.T) {
	s := openTemp(t)
	var found []Finding
	for _, u := range []string{"a", "b", "c"} {
		found = append(found, mkFinding("timeliness", "https://gov.test/"+u, "u1", 1))
	}
	s.SyncFindings(SyncRequest{Rules: []string{"timeliness"}, Found: found, Now: t0})
	s.Decide(found[1].ID, Action{Kind: DecideDismiss, By: "li", Reason: "已整改", At: t0})
	b, html := sampleBatch()
	s.Write(b)

	path := filepath.Join(t.TempDir(), "backup.db")
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	n, err := s.Backup(out, "")
	if err != nil {
		t.Fatal(err)
	}
	out.Close()
	if fi, _ := os.Stat(path); fi.Size() != n || n == 0 {
		t.Errorf("Backup reported %d bytes, file has %d", n, fi.Size())
	}
	c, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("open backup: %v", err)
	}
	defer c.Close()
	want, _, _ := s.Findings(Filter{})
	got, _, _ := c.Findings(Filter{})
	if !reflect.DeepEqual(got, want) || len(got) != 3 {
		t.Errorf("backup findings differ: %d vs %d", len(got), len(want))
	}
	h1, _ := s.History(found[1].ID)
	h2, _ := c.History(found[1].ID)
	if !reflect.DeepEqual(h1, h2) || len(h2) != 2 {
		t.Errorf("backup history %v, want %v", h2, h1)
	}
	if got, err := c.Snapshot(SnapshotHash(html)); err != nil || !bytes.Equal(got, html) {
		t.Errorf("backup snapshot: %v", err)
	}
}

// TestKillDuringWrites kills a writing process with SIGKILL and checks that
// the store opens, is consistent, and holds no half-written change.
func TestKillDuringWrites(t *testing.T) {
	path := filepath.Join(t.TempDir(), "crash.db")
	cmd, out := startChild(t, "churn", path)
	for range 3 { // let it commit a few rounds, then kill it mid-stream
		if _, err := out.ReadString('\n'); err != nil {
			t.Fatal(err)
		}
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()

	s, err := Open(path, Options{})
	if err != nil {
		t.Fatalf("open after kill -9: %v", err)
	}
	defer s.Close()
	err = s.view(func(tx *bolt.Tx) error {
		for err := range tx.Check() {
			return err
		}
		return nil
	})
	if err != nil {
		t.Fatalf("consistency check after kill -9: %v", err)
	}
	n := 0
	err = s.EachFinding(func(f Finding) error {
		n++
		h, err := s.History(f.ID)
		if err != nil {
			return err
		}
		if len(h) == 0 || h[0].Action != ActionDetected {
			t.Errorf("finding %s has no detected event", f.ID)
		}
		if last := h[len(h)-1]; last.To != "" && last.To != f.Status && last.Action != DecideAdjust {
			t.Errorf("finding %s is %s but its last event says %s", f.ID, f.Status, last.To)
		}
		return nil
	})
	if err != nil || n < 200 {
		t.Fatalf("after kill -9: %d findings, %v", n, err)
	}
	runs, _ := s.Runs("check", 0)
	if len(runs) != 1 || runs[0].Status != RunInterrupted {
		t.Errorf("the killed run = %+v, want one interrupted run", runs)
	}
	// The next run completes.
	if _, err := s.SyncFindings(SyncRequest{Rules: []string{"timeliness"}, Now: t0.Add(time.Hour * 1000)}); err != nil {
		t.Errorf("sync after kill -9: %v", err)
	}
}

// TestDiskFull fills a store capped in size: the failing write is refused
// with a clear error, and everything committed before is kept.
func TestDiskFull(t *testing.T) {
	path := filepath.Join(t.TempDir(), "full.db")
	s, err := Open(path, Options{maxSize: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	f := mkFinding("timeliness", "https://gov.test/a", "u1", 1)
	if _, err := s.SyncFindings(SyncRequest{Rules: []string{"timeliness"}, Found: []Finding{f}, Now: t0}); err != nil {
		t.Fatal(err)
	}
	var werr error
	written := 0
	for i := 0; i < 100 && werr == nil; i++ {
		var b Batch
		for j := range 50 {
			b.Items = append(b.Items, Item{URL: fmt.Sprintf("https://gov.test/%d/%d", i, j), Title: strings.Repeat("标题", 200), FetchedAt: t0})
		}
		if werr = s.Write(&b); werr == nil {
			written += len(b.Items)
		}
	}
	if werr == nil || !strings.Contains(werr.Error(), "disk full") || !strings.Contains(werr.Error(), path) {
		t.Fatalf("write to a full store: %v, want a disk-full error naming the file", werr)
	}
	s.Close()
	s, err = Open(path, Options{})
	if err != nil {
		t.Fatalf("reopen after disk full: %v", err)
	}
	defer s.Close()
	n := 0
	s.EachItem(func(Item) error { n++; return nil })
	if n != written {
		t.Errorf("%d items after reopen, want the %d committed", n, written)
	}
	if got, err := s.Finding(f.ID); err != nil || got.Status != StatusDraft {
		t.Errorf("finding after disk full: %+v %v", got, err)
	}
}

// TestOpenWritesOnlyWhenNeeded: a read-write open of a store as the last
// one left it commits nothing (no fdatasync on every command); one that
// finds a run left running marks it interrupted, and one that finds a
// bucket missing creates it.
func TestOpenWritesOnlyWhenNeeded(t *testing.T) {
	txid := func(path string) int {
		t.Helper()
		db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		tx, err := db.Begin(false)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		return tx.ID()
	}
	s := openTemp(t)
	path := s.Path()
	run, err := s.StartRun("crawl", t0)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	before := txid(path)

	// The run was left running: the open marks it.
	s, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Run(run.ID)
	if err != nil || got.Status != RunInterrupted {
		t.Errorf("run left running after a read-write open: %+v, %v", got, err)
	}
	s.Close()
	marked := txid(path)
	if marked != before+1 {
		t.Errorf("open that marks a run: txid %d → %d, want one commit", before, marked)
	}

	// Nothing left to do: no commit.
	for range 3 {
		s, err = Open(path, Options{})
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
	}
	if id := txid(path); id != marked {
		t.Errorf("opens with nothing to do committed: txid %d → %d", marked, id)
	}

	// A missing bucket is created.
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bolt.Tx) error { return tx.DeleteBucket([]byte(bucketProbes)) }); err != nil {
		t.Fatal(err)
	}
	db.Close()
	s, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.view(func(tx *bolt.Tx) error {
		if tx.Bucket([]byte(bucketProbes)) == nil {
			return errors.New("bucket not created")
		}
		return nil
	}); err != nil {
		t.Error(err)
	}
}
