package store

import (
	"encoding/binary"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Run statuses.
const (
	RunRunning     = "running"
	RunOK          = "ok"
	RunFailed      = "failed"
	RunInterrupted = "interrupted"
)

// StartRun records a new run of the given kind (crawl, check, digest …)
// started at at, with Status "running" and a new ID.
func (s *Store) StartRun(kind string, at time.Time) (Run, error) {
	if kind == "" {
		return Run{}, fmt.Errorf("start run: kind is required")
	}
	r := Run{Kind: kind, StartedAt: at, Status: RunRunning}
	if err := s.update(func(tx *bolt.Tx) error { return saveRun(tx, &r) }); err != nil {
		return Run{}, fmt.Errorf("start %s run: %w", kind, err)
	}
	return r, nil
}

// SaveRun creates or updates a run by its ID; a run with ID 0 gets a new ID
// (not returned: use StartRun to learn it).
func (s *Store) SaveRun(r Run) error {
	if r.Kind == "" {
		return fmt.Errorf("save run %d: kind is required", r.ID)
	}
	if err := s.update(func(tx *bolt.Tx) error { return saveRun(tx, &r) }); err != nil {
		return fmt.Errorf("save run %d: %w", r.ID, err)
	}
	return nil
}

// saveRun stores r, assigning an ID when it has none, and keeps the kind
// index in step.
func saveRun(tx *bolt.Tx, r *Run) error {
	b, err := writeBucket(tx, bucketRuns)
	if err != nil {
		return err
	}
	if r.ID == 0 {
		if r.ID, err = b.NextSequence(); err != nil {
			return fmt.Errorf("next run id: %w", err)
		}
	} else if r.ID > b.Sequence() {
		if err := b.SetSequence(r.ID); err != nil {
			return fmt.Errorf("run sequence: %w", err)
		}
	}
	var old Run
	found, err := getJSONb(tx, bucketRuns, u64(r.ID), &old)
	if err != nil {
		return err
	}
	if found && old.Kind != r.Kind {
		if err := deleteKey(tx, bucketRunKinds, runKindKey(old.Kind, r.ID)); err != nil {
			return err
		}
	}
	if err := putJSONb(tx, bucketRuns, u64(r.ID), r); err != nil {
		return err
	}
	return putRaw(tx, bucketRunKinds, runKindKey(r.Kind, r.ID), []byte{})
}

// runKindKey is the run-kinds index key of a run.
func runKindKey(kind string, id uint64) []byte {
	return append([]byte(kind+sep), u64(id)...)
}

// markInterrupted marks runs still "running" as interrupted: the process
// that started them holds the file lock no more, so it died.
func markInterrupted(tx *bolt.Tx) error {
	stale, err := runningRuns(tx)
	if err != nil {
		return err
	}
	for _, r := range stale {
		r.markDead()
		if err := putJSONb(tx, bucketRuns, u64(r.ID), r); err != nil {
			return err
		}
	}
	return nil
}

// runningRuns returns the runs whose status is running.
func runningRuns(tx *bolt.Tx) ([]Run, error) {
	var out []Run
	err := eachJSON(tx, bucketRuns, "", func(_ string, r Run) error {
		if r.Status == RunRunning {
			out = append(out, r)
		}
		return nil
	})
	return out, err
}

// markDead marks a run left running by a process that died: interrupted,
// ended when it last saved its progress (its figures are those), or when
// it started if it never did.
func (r *Run) markDead() {
	r.Status = RunInterrupted
	if r.Note == "" {
		r.Note = "process ended before the run finished"
	}
	if r.EndedAt.IsZero() {
		r.EndedAt = r.StartedAt
		if r.UpdatedAt.After(r.StartedAt) {
			r.EndedAt = r.UpdatedAt
		}
	}
}

// present is a run as a reader should see it. A read-only store is open
// only while no process has it open for writing (the file lock): a run
// still "running" there belongs to a process that died, and is shown as
// the next read-write open will mark it (markInterrupted).
func (s *Store) present(r Run) Run {
	if s.readOnly && r.Status == RunRunning {
		r.markDead()
	}
	return r
}

// Run returns the run with the given ID, or an error wrapping ErrNotFound.
func (s *Store) Run(id uint64) (Run, error) {
	var r Run
	err := s.view(func(tx *bolt.Tx) error {
		found, err := getJSONb(tx, bucketRuns, u64(id), &r)
		if err == nil && !found {
			err = ErrNotFound
		}
		return err
	})
	if err != nil {
		return Run{}, fmt.Errorf("run %d: %w", id, err)
	}
	return s.present(r), nil
}

// Runs returns up to limit runs of the given kind, newest first; kind ""
// means every kind and limit <= 0 means no limit.
func (s *Store) Runs(kind string, limit int) ([]Run, error) {
	var out []Run
	full := func() bool { return limit > 0 && len(out) >= limit }
	err := s.view(func(tx *bolt.Tx) error {
		if kind == "" {
			b := tx.Bucket([]byte(bucketRuns))
			if b == nil {
				return nil
			}
			c := b.Cursor()
			for k, _ := c.Last(); k != nil && !full(); k, _ = c.Prev() {
				var r Run
				if _, err := getJSONb(tx, bucketRuns, k, &r); err != nil {
					return err
				}
				out = append(out, s.present(r))
			}
			return nil
		}
		idx := tx.Bucket([]byte(bucketRunKinds))
		if idx == nil {
			return nil
		}
		prefix := []byte(kind + sep)
		// Seek past the last key of the prefix, then walk back.
		end := append(append([]byte{}, prefix...), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff)
		c := idx.Cursor()
		k, _ := c.Seek(end)
		if k == nil {
			k, _ = c.Last()
		} else {
			k, _ = c.Prev()
		}
		for ; k != nil && len(k) == len(prefix)+8 && string(k[:len(prefix)]) == string(prefix) && !full(); k, _ = c.Prev() {
			var r Run
			found, err := getJSONb(tx, bucketRuns, k[len(prefix):], &r)
			if err != nil {
				return err
			}
			if !found {
				return fmt.Errorf("%w: run index names missing run %d", ErrCorrupt, binary.BigEndian.Uint64(k[len(prefix):]))
			}
			out = append(out, s.present(r))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list %q runs: %w", kind, err)
	}
	return out, nil
}

// LastRun returns the newest run of the given kind ("" = any) and whether
// there is one.
func (s *Store) LastRun(kind string) (Run, bool, error) {
	runs, err := s.Runs(kind, 1)
	if err != nil || len(runs) == 0 {
		return Run{}, false, err
	}
	return runs[0], true, nil
}
