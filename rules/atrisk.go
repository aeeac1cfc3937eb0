package rules

import (
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/govaudit/govaudit/config"
	"github.com/govaudit/govaudit/rules/workday"
)

// DueSoonWorkdays is how many working days ahead AtRisk warns of a
// periodic publication deadline.
const DueSoonWorkdays = 10

// Risks are the early warnings of the weekly digest as of a date: what is
// about to become a finding, or is overdue and still open. Only audited
// sources are considered.
type Risks struct {
	AsOf    time.Time
	Quarter string // the running quarter, e.g. 2026Q4
	// QuarterEnd is the last day of the running quarter and WorkdaysLeft the
	// working days after AsOf up to it.
	QuarterEnd   time.Time
	WorkdaysLeft int

	KeyColumns []ColumnRisk
	Periods    []PeriodRisk
	Letters    []LetterRisk
	Stale      []StaleRisk
}

// ColumnRisk is a key column with no post yet in the running quarter.
type ColumnRisk struct {
	Unit, Column, Name, URL string
	// LastPublished is the newest publication date before the quarter
	// (zero when the column never published).
	LastPublished time.Time
	WorkdaysLeft  int
}

// PeriodRisk is a period of a periodic column (or a unit's annual report)
// not yet published whose deadline is near or has passed.
type PeriodRisk struct {
	Unit, Column, Name, URL string
	Check                   string // periodic-gap or annual-report
	Period                  string // 2026-03, 2026Q1, 2026
	Label                   string // 2026年3月 …
	Deadline                time.Time
	Overdue                 bool
	// WorkdaysLeft until the deadline (0 when overdue).
	WorkdaysLeft int
}

// LetterRisk is an unanswered letter older than its mailbox's limit.
type LetterRisk struct {
	Unit, Mailbox, URL, Title string
	Received                  time.Time
	Workdays, Limit           int
}

// StaleRisk is a column older than its kind allows (national pack).
type StaleRisk struct {
	Unit, Column, Name, URL, Kind string
	LastPublished                 time.Time // zero when no item is dated
	Days, Limit                   int
}

// AtRisk returns the early warnings as of asOf.
func AtRisk(in Input, asOf time.Time) (Risks, error) {
	if in.Config == nil || in.Calendar == nil {
		return Risks{}, fmt.Errorf("at-risk: config and calendar are required")
	}
	e, err := newEnv(in, asOf)
	if err != nil {
		return Risks{}, err
	}
	r := Risks{AsOf: e.asOf, Quarter: Quarter(e.asOf)}
	qFirst := quarterStart(e.asOf)
	r.QuarterEnd = qFirst.AddDate(0, 3, -1)
	if r.WorkdaysLeft, err = e.cal.Between(e.asOf, r.QuarterEnd); err != nil {
		return Risks{}, fmt.Errorf("at-risk: working days left in %s: %w", r.Quarter, err)
	}

	for _, col := range e.columns {
		st, ok := e.columnJudged(col.ID)
		if !ok {
			continue
		}
		items := e.byColumn[col.ID]
		if col.Key {
			posted := false
			var last time.Time
			for _, it := range items {
				if !it.hasPub {
					continue
				}
				if !it.pub.Before(qFirst) {
					posted = true
				} else if it.pub.After(last) {
					last = it.pub
				}
			}
			if !posted {
				r.KeyColumns = append(r.KeyColumns, ColumnRisk{Unit: col.Unit, Column: col.ID, Name: col.Name,
					URL: colURL(col, st), LastPublished: last, WorkdaysLeft: r.WorkdaysLeft})
			}
		}
		if cadenceWord(col.Cadence) != "" {
			if err := e.periodRisks(&r, col, colURL(col, st), items); err != nil {
				return Risks{}, err
			}
		}
		if limit := e.cfg.Rules.Stale[col.Kind]; limit > 0 && len(items) > 0 {
			newest, n := newestPub(items)
			if n == 0 || days(newest, e.asOf) > limit {
				sr := StaleRisk{Unit: col.Unit, Column: col.ID, Name: col.Name, URL: colURL(col, st), Kind: col.Kind, Limit: limit}
				if n > 0 {
					sr.LastPublished, sr.Days = newest, days(newest, e.asOf)
				}
				r.Stale = append(r.Stale, sr)
			}
		}
	}
	if err := e.annualRisks(&r); err != nil {
		return Risks{}, err
	}

	for _, l := range e.letters {
		if _, ok := e.mailboxState(l.Mailbox); !ok || l.FetchErr != "" || l.Replied != "" || answeredStatus(l.Status) {
			continue
		}
		received, err := parseDay(l.Received)
		if err != nil || !e.inWindow(received) {
			continue
		}
		n, err := e.cal.Between(received, e.asOf)
		if err != nil {
			if errors.Is(err, workday.ErrNoData) {
				continue
			}
			return Risks{}, err
		}
		if limit := e.replyLimit(l.Mailbox); n > limit {
			unit := l.Unit
			if unit == "" {
				unit = e.mailboxes[l.Mailbox].Unit
			}
			r.Letters = append(r.Letters, LetterRisk{Unit: unit, Mailbox: l.Mailbox, URL: l.URL, Title: l.Title,
				Received: received, Workdays: n, Limit: limit})
		}
	}
	sort.SliceStable(r.Periods, func(i, j int) bool { return r.Periods[i].Deadline.Before(r.Periods[j].Deadline) })
	return r, nil
}

// periodRisks adds the uncovered periods of a periodic column whose
// deadline is within DueSoonWorkdays or has passed (in the window).
func (e *env) periodRisks(r *Risks, col config.Column, url string, items []*item) error {
	dd := col.DeadlineDays
	if dd <= 0 {
		dd = config.DefaultDeadlineDays(col.Cadence)
	}
	horizon, err := e.cal.Add(e.asOf, DueSoonWorkdays)
	if err != nil {
		return fmt.Errorf("at-risk: %w", err)
	}
	covered := map[string]bool{}
	for _, it := range items {
		for _, k := range coveredPeriods(col.Cadence, it.Title) {
			covered[k] = true
		}
	}
	// Periods due up to the horizon: those due before asOf are overdue.
	for _, p := range periodsDue(col.Cadence, dd, e.since, horizon.AddDate(0, 0, 1)) {
		if covered[p.key] {
			continue
		}
		due := p.deadline(dd)
		pr := PeriodRisk{Unit: col.Unit, Column: col.ID, Name: col.Name, URL: url, Check: PeriodicGap,
			Period: p.key, Label: p.label, Deadline: due, Overdue: due.Before(e.asOf)}
		if !pr.Overdue {
			n, err := e.cal.Between(e.asOf, due)
			if err != nil {
				return fmt.Errorf("at-risk: %w", err)
			}
			pr.WorkdaysLeft = n
		}
		r.Periods = append(r.Periods, pr)
	}
	return nil
}

// annualRisks adds the annual reports not yet published whose deadline is
// near or has passed.
func (e *env) annualRisks(r *Risks) error {
	horizon, err := e.cal.Add(e.asOf, DueSoonWorkdays)
	if err != nil {
		return fmt.Errorf("at-risk: %w", err)
	}
	done := map[string]bool{}
	for _, col := range e.columns {
		if col.Kind != config.KindAnnualReport || done[col.Unit] {
			continue
		}
		st, ok := e.columnJudged(col.ID)
		if !ok {
			continue
		}
		done[col.Unit] = true
		u, ok := e.units[col.Unit]
		if !ok {
			u = config.Unit{ID: col.Unit}
		}
		for y := e.since.Year() - 1; y <= e.asOf.Year(); y++ {
			due := annualDeadline(u, y)
			if due.Before(e.since) || due.After(horizon) {
				continue
			}
			found := false
			for _, c := range e.columns {
				if c.Unit != col.Unit || c.Kind != config.KindAnnualReport {
					continue
				}
				for _, it := range e.byColumn[c.ID] {
					if isAnnualReport(it.Title, y) {
						found = true
					}
				}
			}
			if found {
				continue
			}
			pr := PeriodRisk{Unit: col.Unit, Column: col.ID, Name: col.Name, URL: colURL(col, st), Check: AnnualReport,
				Period: fmt.Sprint(y), Label: fmt.Sprintf("%d 年政府信息公开工作年度报告", y), Deadline: due, Overdue: due.Before(e.asOf)}
			if !pr.Overdue {
				if pr.WorkdaysLeft, err = e.cal.Between(e.asOf, due); err != nil {
					return fmt.Errorf("at-risk: %w", err)
				}
			}
			r.Periods = append(r.Periods, pr)
		}
	}
	return nil
}
