package web

import (
	"time"

	"github.com/govaudit/govaudit/jobs"
	"github.com/govaudit/govaudit/rules"
	"github.com/govaudit/govaudit/store"
)

// statusHistorical is the list's pseudo-status of the historical problems
// (历史问题): drafts dated before the baseline (rules.Historical). The 待审核
// tab lists the other drafts, so that a first run does not flood it.
const statusHistorical = "historical"

// baseline returns the date before which drafts are historical. Once
// known it is kept: the configured date does not change while the server
// runs, and the first detection of the store never does.
func (s *Server) baseline() (time.Time, error) {
	s.mu.RLock()
	b := s.base
	s.mu.RUnlock()
	if !b.IsZero() {
		return b, nil
	}
	b, err := jobs.Baseline(s.cfg, s.st)
	if err == nil && !b.IsZero() {
		s.mu.Lock()
		s.base = b
		s.mu.Unlock()
	}
	return b, err
}

// query lists findings like store.Findings, splitting the drafts into
// current ones (status draft) and historical ones (status historical).
func (s *Server) query(f store.Filter) ([]store.Finding, int, error) {
	if f.Status != store.StatusDraft && f.Status != statusHistorical {
		return s.st.Findings(f)
	}
	base, err := s.baseline()
	if err != nil {
		return nil, 0, err
	}
	want := f.Status == statusHistorical
	all := f
	all.Status, all.Offset, all.Limit = store.StatusDraft, 0, 0
	rows, _, err := s.st.Findings(all)
	if err != nil {
		return nil, 0, err
	}
	keep := rows[:0]
	for _, x := range rows {
		if rules.Historical(x, base) == want {
			keep = append(keep, x)
		}
	}
	total := len(keep)
	if f.Offset > 0 {
		keep = keep[min(f.Offset, len(keep)):]
	}
	if f.Limit > 0 && len(keep) > f.Limit {
		keep = keep[:f.Limit]
	}
	return keep, total, nil
}

// historicalIDs marks the historical findings among rows.
func (s *Server) historicalIDs(rows []store.Finding) map[string]bool {
	base, err := s.baseline()
	if err != nil || base.IsZero() {
		return nil
	}
	m := map[string]bool{}
	for _, x := range rows {
		if rules.Historical(x, base) {
			m[x.ID] = true
		}
	}
	return m
}
