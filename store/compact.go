package store

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	bolt "go.etcd.io/bbolt"
)

// CompactResult is what Compact did.
type CompactResult struct {
	// Moved counts the page bodies and article texts moved from the file
	// to the packs, MovedBytes their stored size.
	Moved      int
	MovedBytes int64
	// Before and After are the sizes of the file.
	Before, After int64
}

// moveChunk bounds the page bodies one transaction moves (Compact) or
// copies (Backup).
const moveChunk = 32 << 20

// Compact brings the store at path to its lean form: the page bodies and
// article texts that an older store or a restored backup keeps in the file
// move to the packs, and the file is then rewritten without free pages
// (see CompactTo) and put in place of the old one.
//
// It opens the store read-write, so it fails with ErrLocked while another
// process holds it. Each step can be interrupted: bodies move in
// transactions of their own (a body is indexed and dropped from its bucket
// in the same one), and the rewritten file replaces the old one by a
// rename while the old one is still locked.
func Compact(path string) (CompactResult, error) {
	var res CompactResult
	fail := func(err error) (CompactResult, error) {
		return res, fmt.Errorf("compact store %s: %w", path, err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return fail(err)
	}
	res.Before = fi.Size()
	s, err := Open(path, Options{})
	if err != nil {
		return res, err
	}
	defer s.Close()
	for _, legacy := range []struct {
		bucket string
		kind   byte
	}{{bucketSnapshots, blobSnapshot}, {bucketTexts, blobText}} {
		n, size, err := s.moveToPacks(legacy.bucket, legacy.kind)
		res.Moved += n
		res.MovedBytes += size
		if err != nil {
			return fail(err)
		}
	}
	tmp := path + ".compact.tmp"
	// A copy left by an interrupted compaction is in the way.
	if err := os.Remove(tmp); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fail(err)
	}
	if res.After, err = s.CompactTo(tmp); err != nil {
		os.Remove(tmp)
		return res, err
	}
	if err := verifyCopy(tmp, path); err != nil {
		os.Remove(tmp)
		return fail(fmt.Errorf("the compacted copy fails verification, the store is left as it was: %w", err))
	}
	// The old file stays locked until s.Close: a process opening the store
	// meanwhile waits, then finds the new file (Open checks that the file
	// it locked is still the one at path).
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fail(err)
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		d.Sync()
		d.Close()
	}
	return res, nil
}

// moveToPacks moves every value of a legacy body bucket into the packs,
// indexed as kind, in transactions of about moveChunk bytes. It returns
// how many it moved and their size.
func (s *Store) moveToPacks(bucket string, kind byte) (int, int64, error) {
	var moved int
	var size int64
	for {
		var keys [][]byte
		var blobs [][]byte
		chunk := 0
		err := s.view(func(tx *bolt.Tx) error {
			b := tx.Bucket([]byte(bucket))
			if b == nil {
				return nil
			}
			c := b.Cursor()
			for k, v := c.First(); k != nil && chunk < moveChunk; k, v = c.Next() {
				keys = append(keys, append([]byte(nil), k...))
				blobs = append(blobs, append([]byte(nil), v...))
				chunk += len(v)
			}
			return nil
		})
		if err != nil || len(keys) == 0 {
			return moved, size, err
		}
		if err := s.indexMoved(bucket, kind, keys, blobs); err != nil {
			return moved, size, fmt.Errorf("move %s to the packs: %w", bucket, err)
		}
		moved += len(keys)
		size += int64(chunk)
	}
}

// indexMoved appends blobs to the packs, indexes them under their keys and
// deletes them from bucket, in one transaction.
func (s *Store) indexMoved(bucket string, kind byte, keys, blobs [][]byte) (err error) {
	s.packs.wmu.Lock()
	defer s.packs.wmu.Unlock()
	refs, undo, err := s.packs.append(blobs)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			undo()
		}
	}()
	return s.update(func(tx *bolt.Tx) error {
		idx, err := writeBucket(tx, bucketBlobs)
		if err != nil {
			return err
		}
		old := tx.Bucket([]byte(bucket))
		for i, k := range keys {
			key := blobKey(kind, string(k))
			if idx.Get(key) == nil {
				if err := idx.Put(key, refs[i].encode()); err != nil {
					return fmt.Errorf("put blob %q: %w", key, err)
				}
			}
			if err := old.Delete(k); err != nil {
				return fmt.Errorf("delete %s/%q: %w", bucket, k, err)
			}
		}
		return nil
	})
}

// verifyCopy verifies the store file at path (see Verify) against the
// packs of the store at storePath: a compacted copy, about to take that
// store's place.
func verifyCopy(path, storePath string) error {
	c, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		return err
	}
	defer c.Close()
	c.packs = newPackSet(storePath, true)
	return c.Verify()
}
