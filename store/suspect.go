package store

import (
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// ActionAcceptDrop is the audit action of an inspector who confirms that
// a suspect column's sharp drop is real (store.SourceState.Suspect).
const ActionAcceptDrop = "accept-drop"

// AcceptDrop records that an inspector confirmed the drop of a suspect
// column: its latest walk becomes judged, so the column checks judge it
// at the next check instead of waiting for the next walk. It returns the
// suspicion that was cleared; a source that is not suspect is an error.
func (s *Store) AcceptDrop(key, by, reason string, at time.Time) (string, error) {
	var was string
	err := s.update(func(tx *bolt.Tx) error {
		var st SourceState
		ok, err := getJSON(tx, bucketSources, key, &st)
		if err != nil {
			return fmt.Errorf("accept drop of %s: %w", key, err)
		}
		if !ok {
			return fmt.Errorf("accept drop of %s: no such source", key)
		}
		if st.Suspect == "" {
			return fmt.Errorf("accept drop of %s: the source is not suspect", key)
		}
		was = st.Suspect
		st.Suspect = ""
		if err := putJSON(tx, bucketSources, key, st); err != nil {
			return err
		}
		return addEvent(tx, &Event{Subject: key, At: at, By: by, Action: ActionAcceptDrop, From: was, To: "judged", Reason: reason})
	})
	return was, err
}
