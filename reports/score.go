package reports

import (
	"math"
	"slices"
	"sort"

	"github.com/govaudit/govaudit/config"
	"github.com/govaudit/govaudit/store"
)

// Default points of the measures (Art. 12).
const (
	DefaultQuarterPoints = 20
	DefaultYearEndPoints = 20
)

// QuarterScore is one unit's daily-assessment score of one quarter.
//
// Score = Max − Σ per check min(confirmed deductions, cap) − Σ adjustments,
// clamped to [0, Max]: a bonus (a negative adjustment) can make up for
// deductions but never lifts a quarter above its maximum.
type QuarterScore struct {
	Unit    string
	Quarter string
	Max     float64
	Score   float64
	// Raw is the sum of confirmed scoring findings' points per check.
	Raw map[string]float64
	// Deductions is Raw after the per-check caps of config.Scoring.Caps.
	Deductions map[string]float64
	// Capped lists the checks whose cap applied, sorted.
	Capped []string
	// Adjusted is the sum of the period's adjustments (bonus negative).
	Adjusted float64
	// Counted is the number of confirmed scoring findings.
	Counted int
	// Drafts is the number of draft findings still waiting for review.
	Drafts int
}

// Deducted returns the total deducted from Max before the clamp.
func (q QuarterScore) Deducted() float64 {
	t := q.Adjusted
	for _, v := range q.Deductions {
		t += v
	}
	return round2(t)
}

// YearEndScore is the year-end assessment part (Art. 14).
//
// Score = max(0, Max − deductions) + bonus: bonus points (加分) of the
// year end come on top, so a year total may exceed 100.
type YearEndScore struct {
	Max        float64
	Deductions float64 // positive year-end adjustments
	Bonus      float64 // negated negative year-end adjustments (≥ 0)
	Score      float64
}

// YearScore is one unit's annual total: four quarters plus the year end.
type YearScore struct {
	Unit     string
	Quarters [4]QuarterScore
	YearEnd  YearEndScore
	Total    float64
	Drafts   int
}

// Scorer computes scores from findings and adjustments.
type Scorer struct {
	QuarterPoints float64
	YearEndPoints float64
	Caps          map[string]float64
}

// NewScorer returns a scorer for the configuration, with the defaults of
// the measures where it says nothing.
func NewScorer(sc config.Scoring) Scorer {
	s := Scorer{QuarterPoints: sc.QuarterPoints, YearEndPoints: sc.YearEndPoints, Caps: sc.Caps}
	if s.QuarterPoints <= 0 {
		s.QuarterPoints = DefaultQuarterPoints
	}
	if s.YearEndPoints <= 0 {
		s.YearEndPoints = DefaultYearEndPoints
	}
	return s
}

// Quarters scores every unit in units for quarter q ("2026Q3"). Units
// found in findings or adjustments but not in units are scored too.
func (s Scorer) Quarters(q string, units []string, findings []store.Finding, adjs []store.Adjustment) map[string]*QuarterScore {
	out := make(map[string]*QuarterScore, len(units))
	get := func(u string) *QuarterScore {
		qs := out[u]
		if qs == nil {
			qs = &QuarterScore{Unit: u, Quarter: q, Max: s.QuarterPoints,
				Raw: map[string]float64{}, Deductions: map[string]float64{}}
			out[u] = qs
		}
		return qs
	}
	for _, u := range units {
		get(u)
	}
	for _, f := range findings {
		if f.Quarter != q {
			continue
		}
		switch {
		case f.Status == store.StatusDraft:
			get(f.Unit).Drafts++
		case f.Status == store.StatusConfirmed && f.Scoring:
			qs := get(f.Unit)
			qs.Raw[f.Rule] += f.Points
			qs.Counted++
		}
	}
	for _, a := range adjs {
		if a.Withdrawn || a.Period != q {
			continue
		}
		get(a.Unit).Adjusted += a.Points
	}
	for _, qs := range out {
		for rule, v := range qs.Raw {
			v = round2(v)
			qs.Raw[rule] = v
			if c, ok := s.Caps[rule]; ok && c >= 0 && v > c {
				v = c
				qs.Capped = append(qs.Capped, rule)
			}
			qs.Deductions[rule] = v
		}
		sort.Strings(qs.Capped)
		qs.Adjusted = round2(qs.Adjusted)
		qs.Score = clamp(round2(qs.Max-qs.Deducted()), 0, qs.Max)
	}
	return out
}

// Year scores every unit for a whole year: the four quarters and the
// year-end part (adjustments of period "<year>Y").
func (s Scorer) Year(year int, units []string, findings []store.Finding, adjs []store.Adjustment) map[string]*YearScore {
	p := Period{Year: year}
	out := map[string]*YearScore{}
	get := func(u string) *YearScore {
		ys := out[u]
		if ys == nil {
			ys = &YearScore{Unit: u, YearEnd: YearEndScore{Max: s.YearEndPoints}}
			out[u] = ys
		}
		return ys
	}
	for _, u := range units {
		get(u)
	}
	for i, q := range p.Quarters() {
		for u, qs := range s.Quarters(q, units, findings, adjs) {
			ys := get(u)
			ys.Quarters[i] = *qs
			ys.Drafts += qs.Drafts
		}
	}
	ye := p.YearEnd()
	for _, a := range adjs {
		if a.Withdrawn || a.Period != ye {
			continue
		}
		ys := get(a.Unit)
		if a.Points > 0 {
			ys.YearEnd.Deductions += a.Points
		} else {
			ys.YearEnd.Bonus -= a.Points
		}
	}
	for _, ys := range out {
		for i := range ys.Quarters {
			if ys.Quarters[i].Quarter == "" { // a unit known only from the year end
				ys.Quarters[i] = QuarterScore{Unit: ys.Unit, Quarter: p.Quarters()[i], Max: s.QuarterPoints,
					Score: s.QuarterPoints, Raw: map[string]float64{}, Deductions: map[string]float64{}}
			}
		}
		e := &ys.YearEnd
		e.Deductions, e.Bonus = round2(e.Deductions), round2(e.Bonus)
		e.Score = round2(math.Max(0, e.Max-e.Deductions) + e.Bonus)
		t := e.Score
		for _, q := range ys.Quarters {
			t += q.Score
		}
		ys.Total = round2(t)
	}
	return out
}

// Ranks returns competition ranks ("1224") of scores given in ranking
// order (highest first): equal scores share a rank.
func Ranks(sorted []float64) []int {
	r := make([]int, len(sorted))
	for i, v := range sorted {
		if i > 0 && v == sorted[i-1] {
			r[i] = r[i-1]
		} else {
			r[i] = i + 1
		}
	}
	return r
}

// orderUnits returns unit ids in config order followed by any others
// (sorted), so that units missing from the config are never dropped.
func orderUnits(units []config.Unit, extra map[string]bool) []string {
	ids := make([]string, 0, len(units)+len(extra))
	seen := map[string]bool{}
	for _, u := range units {
		if !seen[u.ID] {
			ids = append(ids, u.ID)
			seen[u.ID] = true
		}
	}
	var more []string
	for id := range extra {
		if !seen[id] && id != "" {
			more = append(more, id)
		}
	}
	slices.Sort(more)
	return append(ids, more...)
}

func round2(v float64) float64 { return math.Round(v*100) / 100 }

func clamp(v, lo, hi float64) float64 { return math.Min(math.Max(v, lo), hi) }
