package store

import (
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// bucketVerdicts keeps the national verdict (单项否决) of the site per
// week, as the checks computed it last:
//
//	verdicts  ISO week "2026-W48" -> VerdictRecord (JSON)
//
// The bucket is additive: no schema version change.
const bucketVerdicts = "verdicts"

// Verdict statuses, from best to worst ("none": nothing to judge).
const (
	VerdictOK   = "ok"
	VerdictWarn = "warn"
	VerdictFail = "fail"
	VerdictNone = "none"
)

// VerdictRecord is the site's national verdict for one week.
type VerdictRecord struct {
	Week string    `json:"week"`  // ISO week, "2026-W48"
	AsOf string    `json:"as_of"` // the day it was computed for, "2006-01-02"
	At   time.Time `json:"at"`    // when it was computed
	// Status is the worst indicator status.
	Status     string             `json:"status"`
	Indicators []VerdictIndicator `json:"indicators"`
}

// VerdictIndicator is one 单项否决 indicator.
type VerdictIndicator struct {
	ID     string  `json:"id"`   // availability, home-update, stale-columns, blank-columns, interaction
	Name   string  `json:"name"` // in Chinese
	Value  float64 `json:"value"`
	Warn   float64 `json:"warn"` // the value from which it warns
	Fail   float64 `json:"fail"` // the value from which the site fails
	Unit   string  `json:"unit"` // %, 天, 个, 件
	Status string  `json:"status"`
	Note   string  `json:"note"` // one line in Chinese
}

// PutVerdict stores the verdict of its week, replacing an earlier one.
func (s *Store) PutVerdict(v VerdictRecord) error {
	if v.Week == "" {
		return fmt.Errorf("put verdict: week is required")
	}
	if err := s.update(func(tx *bolt.Tx) error { return putJSON(tx, bucketVerdicts, v.Week, v) }); err != nil {
		return fmt.Errorf("put verdict %s: %w", v.Week, err)
	}
	return nil
}

// Verdict returns the verdict of an ISO week and whether there is one.
func (s *Store) Verdict(week string) (VerdictRecord, bool, error) {
	return getOne[VerdictRecord](s, bucketVerdicts, week)
}

// LatestVerdict returns the verdict of the latest week and whether there
// is one.
func (s *Store) LatestVerdict() (VerdictRecord, bool, error) {
	var v VerdictRecord
	found := false
	err := s.view(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(bucketVerdicts))
		if b == nil {
			return nil
		}
		k, data := b.Cursor().Last()
		if k == nil {
			return nil
		}
		found = true
		return decodeJSON(data, &v)
	})
	if err != nil {
		return VerdictRecord{}, false, fmt.Errorf("latest verdict: %w", err)
	}
	return v, found, nil
}

// bucketCheckNotes keeps the remarks for the office of the latest check
// run (e.g. the columns the 主动公开基本目录 does not assign):
//
//	check-notes  "latest" -> CheckNotes (JSON)
const bucketCheckNotes = "check-notes"

// CheckNotes are the remarks of one check run, by check id.
type CheckNotes struct {
	AsOf  string              `json:"as_of"`
	At    time.Time           `json:"at"`
	Notes map[string][]string `json:"notes,omitempty"`
}

// PutCheckNotes replaces the latest check run's remarks.
func (s *Store) PutCheckNotes(n CheckNotes) error {
	if err := s.update(func(tx *bolt.Tx) error { return putJSON(tx, bucketCheckNotes, "latest", n) }); err != nil {
		return fmt.Errorf("put check notes: %w", err)
	}
	return nil
}

// LatestCheckNotes returns the latest check run's remarks and whether
// there are any.
func (s *Store) LatestCheckNotes() (CheckNotes, bool, error) {
	return getOne[CheckNotes](s, bucketCheckNotes, "latest")
}
