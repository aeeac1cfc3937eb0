package store

import (
	"fmt"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// Event actions written by the store itself.
const (
	ActionDetected = "detected" // SyncFindings saw a new finding
	ActionResolved = "resolved" // SyncFindings no longer saw a draft
	ActionReopened = "reopened" // SyncFindings saw a resolved finding again
)

// SystemActor is the Event.By of changes made by the checks, not a person.
const SystemActor = "govaudit"

// AddEvent appends an event to the audit trail of e.Subject and assigns
// its Seq. The store records the events of findings (SyncFindings, Decide)
// and adjustments (AddAdjustment, WithdrawAdjustment) itself; AddEvent is
// for further notes on one of those. It does not check that e.Subject is
// the id of a stored finding or adjustment, but Verify reports an event of
// any other subject as damage, which makes the next backup fail.
func (s *Store) AddEvent(e Event) error {
	if err := s.update(func(tx *bolt.Tx) error { return addEvent(tx, &e) }); err != nil {
		return fmt.Errorf("add event %s of %s: %w", e.Action, e.Subject, err)
	}
	return nil
}

// addEvent stores e under its subject with the next sequence number, which
// it sets in e. Call it in the transaction of the change it records.
func addEvent(tx *bolt.Tx, e *Event) error {
	switch {
	case e.Subject == "" || strings.Contains(e.Subject, sep):
		return fmt.Errorf("event subject %q: want a non-empty id without NUL", e.Subject)
	case e.Action == "":
		return fmt.Errorf("event of %s: action is required", e.Subject)
	case e.At.IsZero():
		return fmt.Errorf("event %s of %s: time is required", e.Action, e.Subject)
	}
	seq, err := nextSeq(tx, bucketEvents)
	if err != nil {
		return err
	}
	e.Seq = seq
	return putJSONb(tx, bucketEvents, eventKey(e.Subject, seq), e)
}

// eventKey is subject \x00 big-endian seq, so a subject's events are
// adjacent and in order.
func eventKey(subject string, seq uint64) []byte {
	return append([]byte(subject+sep), u64(seq)...)
}

// History returns the events of a subject (finding or adjustment id),
// oldest first.
func (s *Store) History(subject string) ([]Event, error) {
	var out []Event
	err := s.view(func(tx *bolt.Tx) error {
		var err error
		out, err = listJSON[Event](tx, bucketEvents, subject+sep)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("history of %s: %w", subject, err)
	}
	return out, nil
}

// hasEvent reports whether subject has an event with the given action.
func hasEvent(tx *bolt.Tx, subject, action string) (bool, error) {
	found := false
	errStop := fmt.Errorf("stop")
	err := eachJSON(tx, bucketEvents, subject+sep, func(_ string, e Event) error {
		if e.Action == action {
			found = true
			return errStop
		}
		return nil
	})
	if err != nil && err != errStop {
		return false, err
	}
	return found, nil
}
