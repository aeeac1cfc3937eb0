// Package jobs holds the office's jobs as the command line, the daemon and
// the web UI all run them: assembling the quarter's notice from the store,
// and the look-ups they share. cmd/govaudit keeps to flags and wiring.
package jobs

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/govaudit/govaudit/config"
	"github.com/govaudit/govaudit/reports"
	"github.com/govaudit/govaudit/rules"
	"github.com/govaudit/govaudit/store"
)

// ErrNoUnits is returned when the configuration lists no unit to rank.
var ErrNoUnits = errors.New("no units configured")

// Notice reads the period's findings and adjustments from the store and
// computes its notice, with the document parts of cfg's notice section.
func Notice(ctx context.Context, cfg *config.Config, st *store.Store, p reports.Period, now time.Time) (*reports.Notice, error) {
	want := map[string]bool{}
	for _, q := range p.Quarters() {
		want[q] = true
	}
	var findings []store.Finding
	err := st.EachFinding(func(f store.Finding) error {
		if want[f.Quarter] && (f.Status == store.StatusConfirmed || f.Status == store.StatusDraft) {
			findings = append(findings, f)
		}
		return ctx.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("read findings: %w", err)
	}
	adjs, err := st.Adjustments(store.AdjustmentFilter{Period: strconv.Itoa(p.Year)})
	if err != nil {
		return nil, err
	}
	n, err := reports.Build(reports.Input{Period: p, Site: cfg.Site.Name, Units: cfg.Units, Columns: ColumnNames(cfg),
		Scoring: cfg.Scoring, Findings: findings, Adjustments: adjs, Generated: now, Issue: cfg.Notice})
	if err != nil {
		return nil, err
	}
	if len(n.Rows) == 0 {
		return nil, fmt.Errorf("%s: %w", cfg.Path, ErrNoUnits)
	}
	return n, nil
}

// ColumnNames maps every configured column id (explicit, or
// "<unit id>/<name>") and every mailbox id to its name.
func ColumnNames(cfg *config.Config) map[string]string {
	m := make(map[string]string, len(cfg.Columns))
	for _, c := range cfg.Columns {
		id := c.ID
		if id == "" {
			id = c.Unit + "/" + c.Name
		}
		m[id] = strings.TrimSpace(c.Name)
	}
	for _, mb := range cfg.Mailboxes {
		if _, ok := m[mb.ID]; !ok && mb.Name != "" {
			m[mb.ID] = strings.TrimSpace(mb.Name)
		}
	}
	return m
}

// LastEndedQuarter returns the quarter before the one holding day (in
// China Standard Time).
func LastEndedQuarter(day time.Time) reports.Period {
	day = day.In(time.FixedZone("CST", 8*3600))
	y, q := day.Year(), (int(day.Month())-1)/3 // q: 0-based current quarter
	if q == 0 {
		y, q = y-1, 4
	}
	return reports.Period{Year: y, Quarter: q}
}

// Baseline is the date before which draft findings are historical problems
// (rules.Historical): rules.baseline of the configuration, else the start
// of the quarter in which the store's first finding was detected; zero
// when there is none yet.
func Baseline(cfg *config.Config, st *store.Store) (time.Time, error) {
	if b := cfg.Rules.Baseline; b != "" {
		return time.ParseInLocation("2006-01-02", b, time.FixedZone("CST", 8*3600))
	}
	var first time.Time
	err := st.EachFinding(func(f store.Finding) error {
		if !f.DetectedAt.IsZero() && (first.IsZero() || f.DetectedAt.Before(first)) {
			first = f.DetectedAt
		}
		return nil
	})
	if err != nil || first.IsZero() {
		return time.Time{}, err
	}
	return rules.QuarterStart(first), nil
}
