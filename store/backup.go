package store

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Backup writes a consistent copy of the whole store to w from one read
// transaction (writers are not blocked) and returns the bytes written. The
// copy is a store file that Open accepts, and the only file it needs: the
// page bodies and article texts of the packs are copied into it (into the
// buckets where stores kept them before the packs), so a store restored
// from it has no pack directory to go with it.
//
// To inline them, the copy is first built in a temporary file in tmpDir
// ("" for the store's directory), which takes as much disk space as the
// store and its packs; it is removed before Backup returns.
func (s *Store) Backup(w io.Writer, tmpDir string) (int64, error) {
	var n int64
	err := s.view(func(tx *bolt.Tx) error {
		var err error
		if b := tx.Bucket([]byte(bucketBlobs)); b == nil || firstKey(b) == nil {
			n, err = tx.WriteTo(w)
			return err
		}
		n, err = s.backupInlined(tx, w, tmpDir)
		return err
	})
	if err != nil {
		return n, fmt.Errorf("back up store %s: %w", s.path, err)
	}
	return n, nil
}

// backupInlined writes tx's copy of the store to w with the packed blobs
// moved into the snapshots and texts buckets.
func (s *Store) backupInlined(tx *bolt.Tx, w io.Writer, tmpDir string) (int64, error) {
	if tmpDir == "" {
		tmpDir = filepath.Dir(s.path)
	}
	tmp, err := os.CreateTemp(tmpDir, "."+filepath.Base(s.path)+".backup-*")
	if err != nil {
		return 0, err
	}
	name := tmp.Name()
	defer os.Remove(name)
	_, err = tx.WriteTo(tmp)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, fmt.Errorf("write %s: %w", name, err)
	}
	db, err := bolt.Open(name, 0o600, &bolt.Options{FreelistType: bolt.FreelistMapType, Timeout: time.Second, NoSync: true})
	if err != nil {
		return 0, fmt.Errorf("open %s: %w", name, err)
	}
	if err := s.inline(tx, db); err != nil {
		db.Close()
		return 0, fmt.Errorf("copy the packed page bodies into %s: %w", name, err)
	}
	if err := db.Sync(); err != nil {
		db.Close()
		return 0, fmt.Errorf("sync %s: %w", name, err)
	}
	if err := db.Close(); err != nil {
		return 0, fmt.Errorf("close %s: %w", name, err)
	}
	f, err := os.Open(name)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	return io.Copy(w, f)
}

// inline copies every blob indexed in tx into the legacy buckets of dst,
// in transactions of about moveChunk bytes, then drops dst's blob index.
func (s *Store) inline(tx *bolt.Tx, dst *bolt.DB) error {
	c := tx.Bucket([]byte(bucketBlobs)).Cursor()
	k, v := c.First()
	for k != nil {
		err := dst.Update(func(dtx *bolt.Tx) error {
			for size := 0; k != nil && size < moveChunk; k, v = c.Next() {
				legacy := bucketSnapshots
				switch {
				case len(k) > 0 && k[0] == blobText:
					legacy = bucketTexts
				case len(k) == 0 || k[0] != blobSnapshot:
					return fmt.Errorf("%w: blob key %q", ErrCorrupt, k)
				}
				ref, err := decodeBlobRef(v)
				if err != nil {
					return fmt.Errorf("blob %q: %w", k, err)
				}
				data, err := s.packs.read(ref)
				if err != nil {
					return fmt.Errorf("blob %q: %w", k, err)
				}
				b, err := dtx.CreateBucketIfNotExists([]byte(legacy))
				if err != nil {
					return err
				}
				if err := b.Put(k[1:], data); err != nil {
					return err
				}
				size += len(data)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return dst.Update(func(dtx *bolt.Tx) error {
		if err := dtx.DeleteBucket([]byte(bucketBlobs)); err != nil {
			return err
		}
		_, err := dtx.CreateBucket([]byte(bucketBlobs))
		return err
	})
}

// CompactTo writes a compacted copy of the whole store to a new file at
// path (which must not exist) from one read transaction, and returns the
// size of the copy. The copy is a store file that Open accepts, without
// free pages and with each bucket's records on adjacent, full pages.
//
// That locality is what keeps memory down: reading all of one bucket (every
// check reads every item) maps into the process not only the pages read
// but, by the kernel's fault-around, their neighbours in the file. In a
// file where years of commits have interleaved the pages of items, pages
// and snapshots, a walk over the items maps nearly the whole file; in a
// compacted file, little more than the items (see docs/BENCHMARKS.md).
// Swapping the copy in for the store is up to the caller, while no process
// has the store open. The copy indexes the pack files of the store
// (PackDir(s.Path())), which it does not copy: it must take the store's
// place, at the store's path.
func (s *Store) CompactTo(path string) (int64, error) {
	fail := func(err error) (int64, error) {
		return 0, fmt.Errorf("compact store %s to %s: %w", s.path, path, err)
	}
	if _, err := os.Stat(path); err == nil {
		return fail(fmt.Errorf("%s exists", path))
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fail(err)
	}
	dst, err := bolt.Open(path, 0o600, &bolt.Options{FreelistType: bolt.FreelistMapType, Timeout: time.Second})
	if err != nil {
		return fail(err)
	}
	if err := s.guard(func() error { return bolt.Compact(dst, s.db, 64<<20) }); err != nil {
		dst.Close()
		os.Remove(path)
		return fail(err)
	}
	if err := dst.Close(); err != nil {
		os.Remove(path)
		return fail(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return fail(err)
	}
	return fi.Size(), nil
}

// firstKey returns the first key of b, nil when b is empty.
func firstKey(b *bolt.Bucket) []byte {
	k, _ := b.Cursor().First()
	return k
}
