package store

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// bucketAdjustments holds the manual score entries:
//
//	adjustments  id ("adj-<n>", n zero-padded so keys sort by n) -> Adjustment
//
// Their audit trail is in the events bucket under the adjustment's id.
const bucketAdjustments = "adjustments"

// Actions of adjustment events.
const (
	ActionAdd      = "add"
	ActionWithdraw = "withdraw"
)

// Adjustment categories: what an inspector enters by hand for what no
// crawler sees (Art. 13.4–5 and Art. 14 of the measures).
const (
	CategoryRectification = "整改落实" // rectification of earlier problems (Art. 13.4)
	CategoryTraining      = "培训参训" // training and other tasks (Art. 13.5)
	CategorySubmission    = "报送材料" // submissions (Art. 13.5)
	CategoryYearEnd       = "年度考核" // year-end items (Art. 14)
	CategoryBonus         = "加分"   // bonus points (Art. 14.5–6)
	CategoryOther         = "其他"
)

// AdjustmentCategories lists the valid categories in display order.
func AdjustmentCategories() []string {
	return []string{CategoryRectification, CategoryTraining, CategorySubmission,
		CategoryYearEnd, CategoryBonus, CategoryOther}
}

// Adjustment is a manual score entry. It counts like a confirmed finding
// of its period and keeps an audit trail of Events (subject = ID).
type Adjustment struct {
	ID   string `json:"id"` // "adj-<n>", assigned by AddAdjustment
	Unit string `json:"unit"`
	// Period is a quarter ("2026Q3") or a year end ("2026Y").
	Period string `json:"period"`
	// Points is a deduction when positive, a bonus when negative.
	Points   float64   `json:"points"`
	Category string    `json:"category"`
	Reason   string    `json:"reason"`
	By       string    `json:"by"`
	At       time.Time `json:"at"`
	// Withdrawn adjustments count no more but are kept.
	Withdrawn      bool      `json:"withdrawn,omitempty"`
	WithdrawnBy    string    `json:"withdrawn_by,omitempty"`
	WithdrawnAt    time.Time `json:"withdrawn_at,omitzero"`
	WithdrawReason string    `json:"withdraw_reason,omitempty"`
}

// ValidAdjustmentPeriod reports whether p is "2026Q3" or "2026Y".
func ValidAdjustmentPeriod(p string) bool {
	if len(p) != 5 && len(p) != 6 {
		return false
	}
	y, err := strconv.Atoi(p[:4])
	if err != nil || y < 2000 || y > 2100 {
		return false
	}
	switch rest := p[4:]; {
	case rest == "Y":
		return true
	case len(rest) == 2 && rest[0] == 'Q':
		return rest[1] >= '1' && rest[1] <= '4'
	}
	return false
}

// validateAdjustment checks a new adjustment before it is stored.
func validateAdjustment(a Adjustment) error {
	if strings.TrimSpace(a.Unit) == "" {
		return fmt.Errorf("adjustment: unit is required")
	}
	if !ValidAdjustmentPeriod(a.Period) {
		return fmt.Errorf("adjustment: period %q: want a quarter like 2026Q3 or a year end like 2026Y", a.Period)
	}
	if a.Points == 0 || a.Points != a.Points || a.Points > 100 || a.Points < -100 {
		return fmt.Errorf("adjustment: points %v: want a deduction (> 0) or a bonus (< 0) of at most 100", a.Points)
	}
	ok := false
	for _, c := range AdjustmentCategories() {
		ok = ok || c == a.Category
	}
	if !ok {
		return fmt.Errorf("adjustment: category %q: want one of %s", a.Category, strings.Join(AdjustmentCategories(), ", "))
	}
	if strings.TrimSpace(a.Reason) == "" {
		return fmt.Errorf("adjustment: %w", ErrReasonRequired)
	}
	return nil
}

// AdjustmentFilter selects adjustments; empty fields match everything.
type AdjustmentFilter struct {
	Unit   string
	Period string // "2026Q3", "2026Y", or a year "2026" for all of its periods
	// Withdrawn includes withdrawn adjustments.
	Withdrawn bool
}

// AddAdjustment validates and stores a new adjustment, assigns its ID (and
// At when zero), and records an "add" event in the same transaction.
func (s *Store) AddAdjustment(a Adjustment) (Adjustment, error) {
	a.Unit, a.Reason, a.By = strings.TrimSpace(a.Unit), strings.TrimSpace(a.Reason), strings.TrimSpace(a.By)
	if err := validateAdjustment(a); err != nil {
		return Adjustment{}, err
	}
	if a.At.IsZero() {
		return Adjustment{}, fmt.Errorf("adjustment: time is required")
	}
	a.Withdrawn, a.WithdrawnBy, a.WithdrawReason, a.WithdrawnAt = false, "", "", time.Time{}
	err := s.update(func(tx *bolt.Tx) error {
		n, err := nextSeq(tx, bucketAdjustments)
		if err != nil {
			return err
		}
		a.ID = fmt.Sprintf("adj-%06d", n)
		if err := putJSON(tx, bucketAdjustments, a.ID, a); err != nil {
			return err
		}
		return addEvent(tx, &Event{Subject: a.ID, At: a.At, By: a.By, Action: ActionAdd,
			To: fmt.Sprintf("%s %s %s %s", a.Unit, a.Period, a.Category, formatPoints(a.Points)), Reason: a.Reason})
	})
	if err != nil {
		return Adjustment{}, fmt.Errorf("add adjustment for %s %s: %w", a.Unit, a.Period, err)
	}
	return a, nil
}

// WithdrawAdjustment marks an adjustment withdrawn (it counts no more but is
// kept) and records a "withdraw" event. A reason is required
// (ErrReasonRequired); an unknown id is ErrNotFound; withdrawing twice is an
// error.
func (s *Store) WithdrawAdjustment(id, by, reason string, at time.Time) (Adjustment, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return Adjustment{}, fmt.Errorf("withdraw adjustment %s: %w", id, ErrReasonRequired)
	}
	if at.IsZero() {
		return Adjustment{}, fmt.Errorf("withdraw adjustment %s: time is required", id)
	}
	var a Adjustment
	err := s.update(func(tx *bolt.Tx) error {
		ok, err := getJSON(tx, bucketAdjustments, id, &a)
		if err != nil {
			return err
		}
		if !ok {
			return ErrNotFound
		}
		if a.Withdrawn {
			return fmt.Errorf("already withdrawn on %s by %s", a.WithdrawnAt.Format("2006-01-02"), a.WithdrawnBy)
		}
		a.Withdrawn, a.WithdrawnBy, a.WithdrawnAt, a.WithdrawReason = true, strings.TrimSpace(by), at, reason
		if err := putJSON(tx, bucketAdjustments, a.ID, a); err != nil {
			return err
		}
		return addEvent(tx, &Event{Subject: a.ID, At: at, By: a.WithdrawnBy, Action: ActionWithdraw,
			From: "active", To: "withdrawn", Reason: reason})
	})
	if err != nil {
		return Adjustment{}, fmt.Errorf("withdraw adjustment %s: %w", id, err)
	}
	return a, nil
}

// Adjustment returns one adjustment; ErrNotFound when unknown.
func (s *Store) Adjustment(id string) (Adjustment, error) {
	a, ok, err := getOne[Adjustment](s, bucketAdjustments, id)
	if err != nil {
		return Adjustment{}, fmt.Errorf("adjustment %s: %w", id, err)
	}
	if !ok {
		return Adjustment{}, fmt.Errorf("adjustment %s: %w", id, ErrNotFound)
	}
	return a, nil
}

// Adjustments returns the adjustments matching f, oldest first.
func (s *Store) Adjustments(f AdjustmentFilter) ([]Adjustment, error) {
	var out []Adjustment
	err := s.view(func(tx *bolt.Tx) error {
		return eachJSON(tx, bucketAdjustments, "", func(_ string, a Adjustment) error {
			switch {
			case f.Unit != "" && a.Unit != f.Unit:
			case f.Period != "" && a.Period != f.Period && !(len(f.Period) == 4 && strings.HasPrefix(a.Period, f.Period)):
			case a.Withdrawn && !f.Withdrawn:
			default:
				out = append(out, a)
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list adjustments: %w", err)
	}
	return out, nil
}
