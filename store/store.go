package store

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// Errors of the store. Test them with errors.Is; the returned errors wrap
// them with the file, record or finding concerned.
var (
	// ErrLocked means another process holds the store file.
	ErrLocked = errors.New("locked")
	// ErrNotFound means the requested record does not exist.
	ErrNotFound = errors.New("not found")
	// ErrReasonRequired means a dismissal or adjustment came without a reason.
	ErrReasonRequired = errors.New("a reason is required")
	// ErrTransition means a decision does not apply to the finding's status
	// (e.g. confirming a dismissed finding).
	ErrTransition = errors.New("invalid status change")
	// ErrCorrupt means the file is not a bbolt database or is damaged.
	ErrCorrupt = errors.New("not a govaudit store or damaged")
	// ErrSchema means the file's schema version cannot be used by this
	// program (written by a newer govaudit, or older and opened read-only).
	ErrSchema = errors.New("unsupported schema version")
)

// SchemaVersion is the version of the record layout this program writes.
//
//	1  every record JSON
//	2  items and pages in the binary layout of codec.go
const SchemaVersion = 2

// migration upgrades a store from one schema version to the next inside the
// Open transaction.
type migration func(tx *bolt.Tx) error

// migrations returns the upgrades: element i migrates version i+1 to i+2.
// To change the layout, bump SchemaVersion and append a migration.
func migrations() []migration {
	return []migration{migrateBinaryRecords}
}

// Options tune Open.
type Options struct {
	// ReadOnly opens the file with a shared lock; writes then fail. Several
	// read-only opens may coexist, none with a read-write one.
	ReadOnly bool
	// Timeout is how long to wait for the file lock; default 2 s.
	Timeout time.Duration

	// maxSize caps the file size, so tests can play a full disk.
	maxSize int
	// unsyncedFreelist leaves the free-page list out of the file, so that
	// benchmarks can compare (see Open).
	unsyncedFreelist bool
}

// Store is an open govaudit store. Its methods are safe for concurrent use by
// the goroutines of one process.
type Store struct {
	db       *bolt.DB
	path     string
	readOnly bool

	// cache holds every finding for Findings; nil until first needed and
	// after a change it could not follow. See findingsCache.
	cacheMu sync.Mutex
	cache   *findingsCache

	// gunzipPool holds *gzip.Reader for the snapshots older stores kept
	// gzip-compressed: a reader's window is 32 KiB, allocated again by
	// every gzip.NewReader.
	gunzipPool sync.Pool

	// packs holds the page bodies and article texts (packs.go).
	packs *packSet

	// syncMu makes one SyncFindings run at a time: a sync removes what
	// interrupted ones staged (stage.go).
	syncMu sync.Mutex
	// stageChunk overrides the size of a staging transaction, for tests.
	stageChunk int
}

// Open opens (read-write: creates) the store at path, creates its buckets
// and checks or migrates its schema version. A file held by another process
// yields, after opt.Timeout, an error wrapping ErrLocked that names the file.
// Runs left "running" by a process that died are marked "interrupted".
//
// bbolt locks the file per open, even within one process: open the store
// once per process and share the *Store between goroutines.
func Open(path string, opt Options) (*Store, error) {
	return open(path, opt, SchemaVersion, migrations())
}

// open is Open with the schema version and migrations given, for tests.
func open(path string, opt Options, version int, migs []migration) (*Store, error) {
	if opt.Timeout <= 0 {
		opt.Timeout = 2 * time.Second
	}
	if opt.ReadOnly {
		// bbolt would create nothing but fail obscurely on a missing file.
		if _, err := os.Stat(path); err != nil {
			return nil, fmt.Errorf("open store %s: %w", path, err)
		}
	}
	// A damaged file must give an error, not a fault or a panic, and an
	// empty one must not be replaced by a new store (damage.go).
	if err := checkFile(path); err != nil {
		return nil, err
	}
	var db *bolt.DB
	err := guardPath(path, func() (err error) {
		// The file locked must still be the one at path: Compact puts a
		// new file in place of the old while holding the old one's lock,
		// which an open waiting for that lock would otherwise get.
		for range 3 {
			before, _ := os.Stat(path)
			if db, err = openBolt(path, opt); err != nil {
				return err
			}
			after, serr := os.Stat(path)
			if before == nil || (serr == nil && os.SameFile(before, after)) {
				return nil
			}
			db.Close()
		}
		return fmt.Errorf("the file was replaced while it was being opened three times over; try again")
	})
	switch {
	case errors.Is(err, berrors.ErrTimeout):
		return nil, fmt.Errorf("store %s is in use by another process (%w)", path, ErrLocked)
	case errors.Is(err, ErrCorrupt):
		return nil, err
	case errors.Is(err, berrors.ErrInvalid), errors.Is(err, berrors.ErrChecksum),
		errors.Is(err, berrors.ErrVersionMismatch), errors.Is(err, berrors.ErrInvalidMapping):
		return nil, damaged(path, err.Error())
	case err != nil:
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	s := &Store{db: db, path: path, readOnly: opt.ReadOnly, packs: newPackSet(path, opt.ReadOnly)}
	if opt.ReadOnly {
		err = s.view(func(tx *bolt.Tx) error { return checkSchema(tx, version) })
	} else {
		// Most opens find the file as the last one left it: checked in a
		// read transaction, which spares a commit and its fdatasync (tens
		// of milliseconds on a slow disk, on every command).
		ready := false
		if err = s.view(func(tx *bolt.Tx) (err error) { ready, err = prepared(tx, version); return err }); err == nil && !ready {
			err = s.guard(func() error { return db.Update(func(tx *bolt.Tx) error { return prepare(tx, version, migs) }) })
		}
	}
	if err != nil {
		db.Close()
		if errors.Is(err, ErrCorrupt) && strings.Contains(err.Error(), path) {
			return nil, err
		}
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	return s, nil
}

// openBolt opens the file with bbolt.
func openBolt(path string, opt Options) (*bolt.DB, error) {
	return bolt.Open(path, 0o600, &bolt.Options{
		Timeout:      opt.Timeout,
		ReadOnly:     opt.ReadOnly,
		FreelistType: bolt.FreelistMapType,
		// The free-page list is written at each commit: without it, bbolt
		// rebuilds it at each read-write open by walking every page of
		// the file, which maps the whole file into memory.
		NoFreelistSync: opt.unsyncedFreelist,
		MaxSize:        opt.maxSize,
	})
}

// schemaOf reads the schema version of the file; 0 for a new file.
func schemaOf(tx *bolt.Tx) (int, error) {
	b := tx.Bucket([]byte(bucketMeta))
	if b == nil {
		return 0, nil
	}
	v := b.Get([]byte("schema"))
	if v == nil {
		return 0, nil
	}
	n, err := strconv.Atoi(string(v))
	if err != nil || n < 1 {
		return 0, fmt.Errorf("%w: schema version %q is not a number", ErrCorrupt, v)
	}
	return n, nil
}

// checkSchema refuses a file a read-only open cannot use as it is.
func checkSchema(tx *bolt.Tx, version int) error {
	v, err := schemaOf(tx)
	switch {
	case err != nil:
		return err
	case v > version:
		return fmt.Errorf("%w: the file has schema version %d, this govaudit knows up to %d; use a newer govaudit", ErrSchema, v, version)
	case v != 0 && v < version:
		return fmt.Errorf("%w: the file has schema version %d and needs migrating to %d; open it once read-write (any writing command migrates it, e.g. govaudit check)", ErrSchema, v, version)
	}
	return nil
}

// prepare brings a file to the given schema version: it refuses a newer
// file, runs the migrations from the file's version, creates missing buckets
// and marks runs that a dead process left running as interrupted.
func prepare(tx *bolt.Tx, version int, migs []migration) error {
	v, err := schemaOf(tx)
	if err != nil {
		return err
	}
	if v > version {
		return fmt.Errorf("%w: the file has schema version %d, this govaudit knows up to %d; use a newer govaudit", ErrSchema, v, version)
	}
	if v != 0 {
		for ; v < version; v++ {
			if v-1 >= len(migs) || migs[v-1] == nil {
				return fmt.Errorf("%w: no migration from schema version %d to %d", ErrSchema, v, v+1)
			}
			if err := migs[v-1](tx); err != nil {
				return fmt.Errorf("migrate schema %d to %d: %w", v, v+1, err)
			}
		}
	}
	for _, name := range bucketNames() {
		if _, err := tx.CreateBucketIfNotExists([]byte(name)); err != nil {
			return fmt.Errorf("create bucket %s: %w", name, err)
		}
	}
	if err := tx.Bucket([]byte(bucketMeta)).Put([]byte("schema"), []byte(strconv.Itoa(version))); err != nil {
		return fmt.Errorf("write schema version: %w", err)
	}
	return markInterrupted(tx)
}

// prepared reports whether prepare would change nothing: the schema is
// version, every bucket is there and no run is left running.
func prepared(tx *bolt.Tx, version int) (bool, error) {
	v, err := schemaOf(tx)
	if err != nil || v != version {
		return false, err
	}
	for _, name := range bucketNames() {
		if tx.Bucket([]byte(name)) == nil {
			return false, nil
		}
	}
	stale, err := runningRuns(tx)
	return len(stale) == 0, err
}

// Close closes the store. Pending transactions finish first.
func (s *Store) Close() error {
	perr := s.packs.close()
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("close store %s: %w", s.path, err)
	}
	return perr
}

// Path returns the file the store was opened from.
func (s *Store) Path() string { return s.path }

// view runs fn in a read transaction.
func (s *Store) view(fn func(tx *bolt.Tx) error) error {
	return s.guard(func() error { return s.db.View(fn) })
}

// update runs fn in a write transaction; fn's changes are committed
// together or not at all.
func (s *Store) update(fn func(tx *bolt.Tx) error) error {
	if s.readOnly {
		return fmt.Errorf("store %s is open read-only", s.path)
	}
	err := s.guard(func() error { return s.db.Update(fn) })
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, berrors.ErrMaxSizeReached) {
		return fmt.Errorf("store %s: disk full, nothing of this change was written: %w", s.path, err)
	}
	return err
}

// findingsWrite is what a transaction of updateFindings stored: whole
// findings, and the ids of findings found again unchanged, whose LastSeen
// became SeenAt. Reload means it stored more than Written holds: the
// cache is dropped instead of patched.
type findingsWrite struct {
	Written []Finding
	Seen    []string
	SeenAt  time.Time
	Reload  bool
}

// updateFindings is update for transactions that write the findings
// bucket. fn returns what it stored; once the transaction is committed it
// is merged into the findings cache. Any write to the findings and
// finding-seen buckets must go through it.
func (s *Store) updateFindings(fn func(tx *bolt.Tx) (findingsWrite, error)) error {
	return s.update(func(tx *bolt.Tx) error {
		w, err := fn(tx)
		if err != nil || (len(w.Written) == 0 && len(w.Seen) == 0 && !w.Reload) {
			return err
		}
		txid := uint64(tx.ID())
		tx.OnCommit(func() { s.patchCache(txid, w) })
		return nil
	})
}
