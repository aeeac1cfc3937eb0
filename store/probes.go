package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// bucketProbes holds the availability probes:
//
//	probes  big-endian uint64 Unix nanoseconds of At \x00 target -> Probe
//
// so that a time range is one cursor walk.
const bucketProbes = "probes"

// Probe is one visit of a page by the availability probe.
type Probe struct {
	At        time.Time `json:"at"`
	Target    string    `json:"target"` // "home" or a unit id (its catalog page)
	URL       string    `json:"url"`
	OK        bool      `json:"ok"`     // 2xx and the whole body within the timeout
	Status    int       `json:"status"` // HTTP status; 0 when no answer
	LatencyMS int64     `json:"latency_ms"`
	Err       string    `json:"err,omitempty"`
	// Newest is the date ("2006-01-02") of the newest dated item on the
	// home page; empty for other targets or when the page shows none.
	Newest string `json:"newest,omitempty"`
}

// probeKey is the key of a probe: its time, then its target.
func probeKey(at time.Time, target string) []byte {
	k := make([]byte, 0, 9+len(target))
	k = append(k, u64(uint64(at.UnixNano()))...)
	k = append(k, sep...)
	return append(k, target...)
}

// AddProbe records one probe. A probe of the same target at the same
// instant replaces the earlier one.
func (s *Store) AddProbe(p Probe) error {
	if p.Target == "" {
		return fmt.Errorf("add probe of %s: empty target", p.URL)
	}
	if p.At.IsZero() || p.At.UnixNano() < 0 {
		return fmt.Errorf("add probe of %s: no time", p.Target)
	}
	return s.update(func(tx *bolt.Tx) error {
		return putJSONb(tx, bucketProbes, probeKey(p.At, p.Target), p)
	})
}

// AddProbes records several probes in one transaction.
func (s *Store) AddProbes(ps []Probe) error {
	for _, p := range ps {
		if p.Target == "" || p.At.IsZero() || p.At.UnixNano() < 0 {
			return fmt.Errorf("add probes: probe of %q at %v lacks a target or a time", p.URL, p.At)
		}
	}
	return s.update(func(tx *bolt.Tx) error {
		for _, p := range ps {
			if err := putJSONb(tx, bucketProbes, probeKey(p.At, p.Target), p); err != nil {
				return err
			}
		}
		return nil
	})
}

// Probes returns the probes with since ≤ At < until, oldest first. A zero
// since means from the beginning, a zero until means to the end.
func (s *Store) Probes(since, until time.Time) ([]Probe, error) {
	var out []Probe
	err := s.view(func(tx *bolt.Tx) error {
		return eachProbeKey(tx, since, until, func(k, v []byte) error {
			var p Probe
			if err := json.Unmarshal(v, &p); err != nil {
				return fmt.Errorf("decode %s/%x: %w", bucketProbes, k, err)
			}
			out = append(out, p)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("read probes: %w", err)
	}
	return out, nil
}

// PruneProbes deletes the probes older than before and returns how many
// it deleted.
func (s *Store) PruneProbes(before time.Time) (int, error) {
	var keys [][]byte
	err := s.view(func(tx *bolt.Tx) error {
		return eachProbeKey(tx, time.Time{}, before, func(k, _ []byte) error {
			keys = append(keys, bytes.Clone(k))
			return nil
		})
	})
	if err != nil || len(keys) == 0 {
		return 0, err
	}
	// Delete in chunks so that one transaction stays small.
	const chunk = 10000
	for i := 0; i < len(keys); i += chunk {
		part := keys[i:min(i+chunk, len(keys))]
		err := s.update(func(tx *bolt.Tx) error {
			for _, k := range part {
				if err := deleteKey(tx, bucketProbes, k); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return i, fmt.Errorf("prune probes: %w", err)
		}
	}
	return len(keys), nil
}

// eachProbeKey calls fn for every probe with since ≤ At < until in key
// order; zero times leave that end open.
func eachProbeKey(tx *bolt.Tx, since, until time.Time, fn func(k, v []byte) error) error {
	b := tx.Bucket([]byte(bucketProbes))
	if b == nil {
		return nil
	}
	var from []byte
	if !since.IsZero() && since.UnixNano() > 0 {
		from = u64(uint64(since.UnixNano()))
	}
	var end uint64 = 1<<64 - 1
	if !until.IsZero() {
		if until.UnixNano() <= 0 {
			return nil
		}
		end = uint64(until.UnixNano())
	}
	c := b.Cursor()
	for k, v := c.Seek(from); k != nil; k, v = c.Next() {
		if len(k) < 8 || binary.BigEndian.Uint64(k[:8]) >= end {
			break
		}
		if err := fn(k, v); err != nil {
			return err
		}
	}
	return nil
}
