package reports

import (
	"reflect"
	"testing"
	"time"

	"github.com/govaudit/govaudit/config"
	"github.com/govaudit/govaudit/store"
)

func fnd(unit, rule, quarter, status string, points float64, scoring bool) store.Finding {
	return store.Finding{ID: store.FindingID(rule, unit+quarter+status+FormatPoints(points)), Rule: rule, Unit: unit,
		Quarter: quarter, Status: status, Points: points, Scoring: scoring}
}

func adj(unit, period string, points float64) store.Adjustment {
	return store.Adjustment{ID: "adj-" + unit + period, Unit: unit, Period: period, Points: points,
		Category: store.CategoryOther, Reason: "测试", At: time.Date(2026, 10, 8, 9, 0, 0, 0, cst)}
}

func TestQuarterScores(t *testing.T) {
	const q = "2026Q3"
	sc := NewScorer(config.Scoring{Caps: map[string]float64{"timeliness": 5}})
	findings := []store.Finding{
		// a: 3 timeliness (3), a draft and a dismissed one that do not count.
		fnd("a", "timeliness", q, store.StatusConfirmed, 1, true),
		fnd("a", "timeliness", q, store.StatusConfirmed, 1.5, true),
		fnd("a", "mailbox-reply", q, store.StatusConfirmed, 0.5, true),
		fnd("a", "timeliness", q, store.StatusDraft, 4, true),
		fnd("a", "timeliness", q, store.StatusDismissed, 4, true),
		fnd("a", "timeliness", q, store.StatusResolved, 4, true),
		// b: 8 timeliness capped at 5, a non-scoring finding, another quarter.
		fnd("b", "timeliness", q, store.StatusConfirmed, 4, true),
		fnd("b", "timeliness", q, store.StatusConfirmed, 4, true),
		fnd("b", "stale-column", q, store.StatusConfirmed, 3, false),
		fnd("b", "timeliness", "2026Q2", store.StatusConfirmed, 9, true),
		// c: far more than 20: floor at 0.
		fnd("c", "key-column-empty", q, store.StatusConfirmed, 15, true),
		fnd("c", "annual-report", q, store.StatusConfirmed, 10, true),
		// e: unknown unit still scored.
		fnd("e", "backdated", q, store.StatusConfirmed, 0.5, true),
	}
	adjs := []store.Adjustment{
		adj("a", q, 1),        // deduction
		adj("d", q, -3),       // bonus on a full quarter: stays 20
		adj("b", q, -2),       // bonus makes up for a deduction
		adj("d", "2026Q2", 5), // other quarter
		{Unit: "a", Period: q, Points: 10, Withdrawn: true}, // withdrawn: ignored
	}
	got := sc.Quarters(q, []string{"a", "b", "c", "d"}, findings, adjs)
	tests := []struct {
		unit    string
		score   float64
		drafts  int
		counted int
		capped  []string
		ded     map[string]float64
	}{
		{"a", 20 - 2.5 - 0.5 - 1, 1, 3, nil, map[string]float64{"timeliness": 2.5, "mailbox-reply": 0.5}},
		{"b", 20 - 5 + 2, 0, 2, []string{"timeliness"}, map[string]float64{"timeliness": 5}},
		{"c", 0, 0, 2, nil, map[string]float64{"key-column-empty": 15, "annual-report": 10}},
		{"d", 20, 0, 0, nil, map[string]float64{}},
		{"e", 19.5, 0, 1, nil, map[string]float64{"backdated": 0.5}},
	}
	if len(got) != len(tests) {
		t.Fatalf("scored %d units, want %d", len(got), len(tests))
	}
	for _, tt := range tests {
		s := got[tt.unit]
		if s == nil {
			t.Fatalf("unit %s not scored", tt.unit)
		}
		if s.Score != tt.score || s.Drafts != tt.drafts || s.Counted != tt.counted {
			t.Errorf("%s: score %v drafts %d counted %d, want %v %d %d", tt.unit, s.Score, s.Drafts, s.Counted, tt.score, tt.drafts, tt.counted)
		}
		if !reflect.DeepEqual(s.Capped, tt.capped) {
			t.Errorf("%s: capped %v, want %v", tt.unit, s.Capped, tt.capped)
		}
		if !reflect.DeepEqual(s.Deductions, tt.ded) {
			t.Errorf("%s: deductions %v, want %v", tt.unit, s.Deductions, tt.ded)
		}
	}
	if got["b"].Raw["timeliness"] != 8 {
		t.Errorf("b raw timeliness %v, want 8", got["b"].Raw["timeliness"])
	}
}

func TestYearScores(t *testing.T) {
	sc := NewScorer(config.Scoring{})
	findings := []store.Finding{
		fnd("a", "timeliness", "2026Q1", store.StatusConfirmed, 2, true),
		fnd("a", "timeliness", "2026Q4", store.StatusConfirmed, 30, true),
		fnd("a", "timeliness", "2027Q1", store.StatusConfirmed, 3, true),
		fnd("a", "timeliness", "2026Q2", store.StatusDraft, 3, true),
	}
	adjs := []store.Adjustment{
		adj("a", "2026Y", 5),
		{ID: "x", Unit: "a", Period: "2026Y", Points: -2, Category: store.CategoryBonus},
		adj("b", "2026Y", 25), // year end floors at 0
		{ID: "y", Unit: "c", Period: "2026Y", Points: -1.5, Category: store.CategoryBonus}, // bonus above 100
	}
	got := sc.Year(2026, []string{"a", "b", "c"}, findings, adjs)
	tests := []struct {
		unit    string
		total   float64
		yearEnd float64
		drafts  int
	}{
		{"a", 18 + 20 + 20 + 0 + (15 + 2), 17, 1},
		{"b", 80, 0, 0},
		{"c", 101.5, 21.5, 0},
	}
	for _, tt := range tests {
		y := got[tt.unit]
		if y.Total != tt.total || y.YearEnd.Score != tt.yearEnd || y.Drafts != tt.drafts {
			t.Errorf("%s: total %v year end %v drafts %d, want %v %v %d", tt.unit, y.Total, y.YearEnd.Score, y.Drafts, tt.total, tt.yearEnd, tt.drafts)
		}
	}
}

func TestRanks(t *testing.T) {
	tests := []struct {
		in   []float64
		want []int
	}{
		{nil, []int{}},
		{[]float64{20, 19, 19, 18}, []int{1, 2, 2, 4}},
		{[]float64{20, 20, 20}, []int{1, 1, 1}},
		{[]float64{20, 19.5, 19, 19, 19, 0}, []int{1, 2, 3, 3, 3, 6}},
	}
	for _, tt := range tests {
		got := Ranks(tt.in)
		if len(got) != len(tt.want) || (len(got) > 0 && !reflect.DeepEqual(got, tt.want)) {
			t.Errorf("Ranks(%v) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestPeriods(t *testing.T) {
	for _, s := range []string{"2026Q0", "2026Q5", "26Q1", "2026-Q1", ""} {
		if _, err := ParseQuarter(s); err == nil {
			t.Errorf("ParseQuarter(%q) accepted", s)
		}
	}
	p, err := ParseQuarter("2026Q3")
	if err != nil || p.Label() != "2026年第三季度" || p.String() != "2026Q3" {
		t.Fatalf("ParseQuarter: %v %v %q", p, err, p.Label())
	}
	w, err := ParseWeek("2026-W47")
	if err != nil {
		t.Fatal(err)
	}
	if m := w.Monday().Format("2006-01-02"); m != "2026-11-16" {
		t.Errorf("Monday of 2026-W47 = %s, want 2026-11-16", m)
	}
	if got := WeekOf(time.Date(2027, 1, 1, 12, 0, 0, 0, cst)).String(); got != "2026-W53" {
		t.Errorf("WeekOf(2027-01-01) = %s, want 2026-W53", got)
	}
	if _, err := ParseWeek("2025-W53"); err == nil {
		t.Error("2025-W53 accepted (2025 has 52 weeks)")
	}
}
