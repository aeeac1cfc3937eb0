package store

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Backup writes a consistent copy of the whole store to w from one read
// transaction (writers are not blocked) and returns the bytes written. The
// copy is a store file that Open accepts.
func (s *Store) Backup(w io.Writer) (int64, error) {
	var n int64
	err := s.view(func(tx *bolt.Tx) error {
		var err error
		n, err = tx.WriteTo(w)
		return err
	})
	if err != nil {
		return n, fmt.Errorf("back up store %s: %w", s.path, err)
	}
	return n, nil
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
// has the store open.
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
