package store

import (
	"fmt"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// bucketNotices records which confirmed findings each quarterly notice
// (通报) listed, with the rectification deadline and what the nightly
// check saw after it:
//
//	notices  finding id \x00 notice -> NoticeEntry (JSON)
//
// The bucket is additive (no schema version change): a store written
// before it exists reads as one without notices, and Open creates it.
const bucketNotices = "notices"

// Rectification states of a NoticeEntry.
const (
	RectifyPending  = "pending"   // before the deadline, violation still seen
	RectifyFixed    = "rectified" // no longer seen, on or before the deadline
	RectifyLate     = "late"      // no longer seen, but only after the deadline
	RectifyOverdue  = "overdue"   // still seen after the deadline
	RectifyUnknown  = "unknown"   // could not be re-examined (source not audited, check off)
	RectifyNotFound = "gone"      // the finding no longer exists in the store
)

// NoticeEntry is one finding listed in one notice.
type NoticeEntry struct {
	Notice     string    `json:"notice"` // the notice's period, e.g. 2026Q3
	FindingID  string    `json:"finding_id"`
	Rule       string    `json:"rule"`
	Subject    string    `json:"subject"`
	Unit       string    `json:"unit"`
	Column     string    `json:"column,omitempty"`
	Quarter    string    `json:"quarter"` // the finding's quarter
	URL        string    `json:"url,omitempty"`
	Title      string    `json:"title,omitempty"`
	NotifiedAt time.Time `json:"notified_at"`
	// Deadline is the last day of the rectification period ("2006-01-02").
	Deadline string `json:"deadline"`
	// State is one of the Rectify* states, as of Checked.
	State string `json:"state"`
	// Rectified is the first check date on which the violation was no
	// longer seen; empty while it is seen.
	Rectified string `json:"rectified,omitempty"`
	// Checked is the date of the last re-examination.
	Checked string `json:"checked,omitempty"`
}

func noticeKey(findingID, notice string) (string, error) {
	if findingID == "" || notice == "" {
		return "", fmt.Errorf("notice entry: finding id and notice are required")
	}
	if strings.Contains(findingID, sep) || strings.Contains(notice, sep) {
		return "", fmt.Errorf("notice entry: NUL in %q / %q", findingID, notice)
	}
	return findingID + sep + notice, nil
}

// RecordNotice records that the notice of period notice, issued at at,
// listed the findings fs, to be rectified by deadline ("2006-01-02").
// Entries already recorded for a finding and this notice are left as
// they are (issuing the same notice again resets no rectification), so
// it returns the number of entries added.
func (s *Store) RecordNotice(notice string, at time.Time, deadline string, fs []Finding) (int, error) {
	if _, err := time.Parse("2006-01-02", deadline); err != nil {
		return 0, fmt.Errorf("record notice %s: deadline %q: want YYYY-MM-DD", notice, deadline)
	}
	added := 0
	err := s.update(func(tx *bolt.Tx) error {
		for _, f := range fs {
			k, err := noticeKey(f.ID, notice)
			if err != nil {
				return err
			}
			var old NoticeEntry
			exists, err := getJSON(tx, bucketNotices, k, &old)
			if err != nil {
				return err
			}
			if exists {
				continue
			}
			e := NoticeEntry{Notice: notice, FindingID: f.ID, Rule: f.Rule, Subject: f.Subject, Unit: f.Unit, Column: f.Column,
				Quarter: f.Quarter, URL: f.URL, Title: f.Title, NotifiedAt: at, Deadline: deadline, State: RectifyPending}
			if err := putJSON(tx, bucketNotices, k, e); err != nil {
				return err
			}
			added++
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("record notice %s: %w", notice, err)
	}
	return added, nil
}

// NoticeEntries returns every notice entry, by finding id then notice.
func (s *Store) NoticeEntries() ([]NoticeEntry, error) {
	var out []NoticeEntry
	err := s.view(func(tx *bolt.Tx) error {
		var err error
		out, err = listJSON[NoticeEntry](tx, bucketNotices, "")
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list notice entries: %w", err)
	}
	return out, nil
}

// UpdateNoticeEntries stores the rectification state (State, Rectified,
// Checked) of entries already recorded; an entry not recorded is an error
// wrapping ErrNotFound, and nothing is written then.
func (s *Store) UpdateNoticeEntries(es []NoticeEntry) error {
	err := s.update(func(tx *bolt.Tx) error {
		for _, e := range es {
			k, err := noticeKey(e.FindingID, e.Notice)
			if err != nil {
				return err
			}
			var old NoticeEntry
			exists, err := getJSON(tx, bucketNotices, k, &old)
			if err != nil {
				return err
			}
			if !exists {
				return fmt.Errorf("notice entry %s of %s: %w", e.FindingID, e.Notice, ErrNotFound)
			}
			old.State, old.Rectified, old.Checked = e.State, e.Rectified, e.Checked
			if err := putJSON(tx, bucketNotices, k, old); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("update notice entries: %w", err)
	}
	return nil
}
