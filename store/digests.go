package store

import (
	"fmt"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// bucketDigests records the weekly digest emails that were sent:
//
//	digests  week \x00 lower-case recipient \x00 unit id -> DigestRecord
//
// so that running the digest of a week again sends nothing twice.
const bucketDigests = "digests"

// DigestRecord is one digest email that the SMTP server accepted.
type DigestRecord struct {
	Week      string `json:"week"`      // ISO week, "2026-W47"
	Recipient string `json:"recipient"` // email address
	// Unit is the unit id of a unit's digest; empty for the office summary.
	Unit      string    `json:"unit,omitempty"`
	Subject   string    `json:"subject"`
	Items     int       `json:"items"`
	MessageID string    `json:"message_id,omitempty"`
	SentAt    time.Time `json:"sent_at"`
}

func digestKey(week, recipient, unit string) (string, error) {
	if week == "" || recipient == "" {
		return "", fmt.Errorf("digest record: week and recipient are required")
	}
	for _, s := range []string{week, recipient, unit} {
		if strings.Contains(s, sep) {
			return "", fmt.Errorf("digest record: NUL in %q", s)
		}
	}
	return week + sep + strings.ToLower(strings.TrimSpace(recipient)) + sep + unit, nil
}

// DigestSent returns the record of the digest of week to recipient for
// unit ("" for the office summary), and whether it was sent.
func (s *Store) DigestSent(week, recipient, unit string) (DigestRecord, bool, error) {
	k, err := digestKey(week, recipient, unit)
	if err != nil {
		return DigestRecord{}, false, err
	}
	return getOne[DigestRecord](s, bucketDigests, k)
}

// RecordDigest records a digest email as sent. Recording the same week,
// recipient and unit again replaces the record.
func (s *Store) RecordDigest(r DigestRecord) error {
	k, err := digestKey(r.Week, r.Recipient, r.Unit)
	if err != nil {
		return err
	}
	if r.SentAt.IsZero() {
		return fmt.Errorf("digest record %s %s: time is required", r.Week, r.Recipient)
	}
	if err := s.update(func(tx *bolt.Tx) error { return putJSON(tx, bucketDigests, k, r) }); err != nil {
		return fmt.Errorf("record digest %s to %s: %w", r.Week, r.Recipient, err)
	}
	return nil
}

// Digests returns the digests sent for a week ("" for every week), in key order.
func (s *Store) Digests(week string) ([]DigestRecord, error) {
	prefix := ""
	if week != "" {
		prefix = week + sep
	}
	var out []DigestRecord
	err := s.view(func(tx *bolt.Tx) error {
		var err error
		out, err = listJSON[DigestRecord](tx, bucketDigests, prefix)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list digests: %w", err)
	}
	return out, nil
}
