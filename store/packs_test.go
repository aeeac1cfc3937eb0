package store

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// packedBatch returns a batch of n distinct pages with their snapshots and
// article texts, and the bodies by hash.
func packedBatch(n, from int) (*Batch, map[string][]byte) {
	b := &Batch{Snapshots: map[string][]byte{}, Texts: map[string][]byte{}}
	bodies := map[string][]byte{}
	for i := from; i < from+n; i++ {
		body := []byte(fmt.Sprintf("<html><body><h1>通知 %d</h1>%s</body></html>", i, strings.Repeat("<p>政务公开</p>", 50+i%7)))
		h := SnapshotHash(body)
		b.Snapshots[h] = body
		b.Texts[h] = CompressText([]byte(fmt.Sprintf("text %d", i)))
		b.Pages = append(b.Pages, Page{URL: fmt.Sprintf("https://gov.test/%d.html", i), Status: 200, Hash: h, FetchedAt: t0, RunID: 1})
		bodies[h] = body
	}
	return b, bodies
}

// readAll checks that every body and text of bodies reads back from s.
func readAll(t *testing.T, s *Store, bodies map[string][]byte) {
	t.Helper()
	for h, body := range bodies {
		if got, err := s.Snapshot(h); err != nil || !bytes.Equal(got, body) {
			t.Fatalf("Snapshot(%s) = %d bytes, %v; want %d bytes", h, len(got), err, len(body))
		}
		if _, err := s.Text(h); err != nil {
			t.Fatalf("Text(%s): %v", h, err)
		}
	}
}

// bodiesOnlyInPacks checks that the legacy body buckets of s are empty
// and that s verifies.
func bodiesOnlyInPacks(t *testing.T, s *Store) {
	t.Helper()
	s.view(func(tx *bolt.Tx) error {
		for _, name := range []string{bucketSnapshots, bucketTexts} {
			if k := firstKey(tx.Bucket([]byte(name))); k != nil {
				t.Errorf("bucket %s holds %q: bodies belong in the packs", name, k)
			}
		}
		return nil
	})
	if err := s.Verify(); err != nil {
		t.Errorf("Verify: %v", err)
	}
}

// TestPacksKeepBodiesOutOfTheFile writes page bodies over several pack
// files, reopens the store read-write and read-only, and reads them back;
// the bbolt file holds only their index.
func TestPacksKeepBodiesOutOfTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.packs.roll = 2 << 10 // a new pack every few batches
	all := map[string][]byte{}
	for i := range 6 {
		b, bodies := packedBatch(20, i*20)
		if err := s.Write(b); err != nil {
			t.Fatal(err)
		}
		for h, body := range bodies {
			all[h] = body
		}
	}
	readAll(t, s, all)
	sizes, err := s.packs.sizes()
	if err != nil || len(sizes) < 2 {
		t.Fatalf("pack files %v, %v: want several", sizes, err)
	}
	if got := storedBlobSizes(t, s, blobSnapshot); len(got) != len(all) {
		t.Errorf("%d snapshots indexed, want %d", len(got), len(all))
	}
	if got := storedBlobSizes(t, s, blobText); len(got) != len(all) {
		t.Errorf("%d texts indexed, want %d", len(got), len(all))
	}
	bodiesOnlyInPacks(t, s)
	s.Close()

	for _, opt := range []Options{{}, {ReadOnly: true}} {
		s, err := Open(path, opt)
		if err != nil {
			t.Fatal(err)
		}
		readAll(t, s, all)
		if opt.ReadOnly {
			b, _ := packedBatch(1, 1000)
			if err := s.Write(b); err == nil {
				t.Error("a read-only store accepted a batch")
			}
		} else {
			// Appends go on in the last pack after a reopen.
			b, bodies := packedBatch(3, 500)
			if err := s.Write(b); err != nil {
				t.Fatal(err)
			}
			readAll(t, s, bodies)
		}
		s.Close()
	}
}

// TestLegacyBucketsRead opens a store that kept its bodies in the
// snapshots and texts buckets (written before the packs): they read, and
// are not written again to the packs.
func TestLegacyBucketsRead(t *testing.T) {
	s := openTemp(t)
	b, bodies := packedBatch(3, 0)
	err := s.update(func(tx *bolt.Tx) error {
		for h, body := range bodies {
			if err := tx.Bucket([]byte(bucketSnapshots)).Put([]byte(h), gzipped(t, body)); err != nil {
				return err
			}
			if err := tx.Bucket([]byte(bucketTexts)).Put([]byte(h), b.Texts[h]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	readAll(t, s, bodies)
	if err := s.Write(b); err != nil {
		t.Fatal(err)
	}
	if n := packBytes(t, s); n != 0 {
		t.Errorf("bodies stored in the buckets were written again to the packs (%d bytes)", n)
	}
}

// TestPackDamage damages the pack file in several ways: reading a body
// gives an error wrapping ErrCorrupt that names the pack and what to do,
// never wrong bytes, and Verify reports the index entries it cannot honour.
func TestPackDamage(t *testing.T) {
	for _, tc := range []struct {
		name   string
		damage func(pack string) error
		verify bool // Verify sees it (it checks places, not bytes)
	}{
		{"missing", os.Remove, true},
		{"truncated", func(p string) error { return os.Truncate(p, 100) }, true},
		{"flipped byte", func(p string) error {
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			data[len(data)-10] ^= 0x40
			return os.WriteFile(p, data, 0o600)
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "s.db")
			s, err := Open(path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			b, bodies := packedBatch(10, 0)
			if err := s.Write(b); err != nil {
				t.Fatal(err)
			}
			s.Close()
			pack := filepath.Join(PackDir(path), "000001.pack")
			if err := tc.damage(pack); err != nil {
				t.Fatal(err)
			}
			s, err = Open(path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			bad := 0
			for h := range bodies {
				_, serr := s.Snapshot(h)
				_, terr := s.Text(h)
				for _, err := range []error{serr, terr} {
					if err == nil {
						continue
					}
					bad++
					if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), pack) || !strings.Contains(err.Error(), "govaudit backup") {
						t.Errorf("read from a damaged pack: %v; want ErrCorrupt naming %s and the backup", err, pack)
					}
				}
			}
			if bad == 0 {
				t.Error("every body read from a damaged pack")
			}
			verr := s.Verify()
			var ve *VerifyError
			if got := errors.As(verr, &ve); got != tc.verify {
				t.Errorf("Verify = %v; want a problem reported: %v", verr, tc.verify)
			}
		})
	}
}

// TestFailedWriteLeavesPacksAsTheyWere fills a store capped in size: the
// batch whose index cannot be committed takes its bodies out of the pack
// again, and what was committed before still reads.
func TestFailedWriteLeavesPacksAsTheyWere(t *testing.T) {
	path := filepath.Join(t.TempDir(), "full.db")
	s, err := Open(path, Options{maxSize: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	first, bodies := packedBatch(5, 0)
	if err := s.Write(first); err != nil {
		t.Fatal(err)
	}
	before := packBytes(t, s)
	var werr error
	for i := 0; i < 100 && werr == nil; i++ {
		b, _ := packedBatch(5, 100+i*5)
		for j := range 50 {
			b.Items = append(b.Items, Item{URL: fmt.Sprintf("https://gov.test/%d/%d", i, j), Title: strings.Repeat("标题", 200), FetchedAt: t0})
		}
		if werr = s.Write(b); werr == nil {
			before = packBytes(t, s)
		}
	}
	if werr == nil || !strings.Contains(werr.Error(), "disk full") {
		t.Fatalf("write to a full store: %v, want a disk-full error", werr)
	}
	if got := packBytes(t, s); got != before {
		t.Errorf("packs hold %d bytes after the failed write, want the %d committed", got, before)
	}
	readAll(t, s, bodies)
}

// TestUnindexedBytesAfterAKill plays a process killed between appending
// its bodies and committing their index: the store opens, the orphan bytes
// are skipped, and later bodies are written after them and read back.
func TestUnindexedBytesAfterAKill(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, bodies := packedBatch(4, 0)
	if err := s.Write(b); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.packs.append([][]byte{[]byte("orphan bytes of a killed process")}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	b2, bodies2 := packedBatch(4, 10)
	if err := s.Write(b2); err != nil {
		t.Fatal(err)
	}
	readAll(t, s, bodies)
	readAll(t, s, bodies2)
	if err := s.Verify(); err != nil {
		t.Errorf("Verify: %v", err)
	}
}

// TestBackupInlinesPacks backs up a store with packed bodies: the copy is
// one file that opens and verifies without the pack directory, and holds
// every body and text.
func TestBackupInlinesPacks(t *testing.T) {
	s := openTemp(t)
	b, bodies := packedBatch(30, 0)
	if err := s.Write(b); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), "copy.db")
	// The copy is built in the directory given, not beside the store.
	if _, err := s.Backup(io.Discard, filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("Backup built its copy somewhere other than the directory given")
	}
	tmpDir := t.TempDir()
	f, err := os.Create(dst)
	if err != nil {
		t.Fatal(err)
	}
	n, err := s.Backup(f, tmpDir)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(dst); fi.Size() != n {
		t.Errorf("Backup reported %d bytes, wrote %d", n, fi.Size())
	}
	if _, err := os.Stat(PackDir(dst)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the copy has a pack directory: %v", err)
	}
	for _, dir := range []string{tmpDir, filepath.Dir(s.Path())} {
		if entries, _ := filepath.Glob(filepath.Join(dir, ".*backup-*")); len(entries) != 0 {
			t.Errorf("Backup left %v behind", entries)
		}
	}
	if err := VerifyFile(dst); err != nil {
		t.Fatalf("VerifyFile(copy): %v", err)
	}
	c, err := Open(dst, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	readAll(t, c, bodies)
	if got := storedBlobSizes(t, c, blobSnapshot); len(got) != 0 {
		t.Errorf("the copy indexes %d packed bodies, want none", len(got))
	}
}
