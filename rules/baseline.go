package rules

import (
	"time"

	"github.com/govaudit/govaudit/store"
)

// A first run over a portal finds years of old problems at once. The
// baseline date separates them: a finding whose own date lies before it is
// a historical problem (历史问题) — listed and filterable like any draft,
// never in a digest, and, like every draft, scored only once an inspector
// confirms it. The baseline is configured (rules.baseline) or, by default,
// the start of the quarter in which the store's first check ran.

// FindingDate is the date a finding is about: the latest of its evidence
// dates (published, due, replied …), else the last day of its quarter;
// zero when it has neither.
func FindingDate(f store.Finding) time.Time {
	var latest time.Time
	for _, v := range f.Evidence.Dates {
		if len(v) < 10 {
			continue
		}
		if d, err := time.ParseInLocation("2006-01-02", v[:10], cst); err == nil && d.After(latest) {
			latest = d
		}
	}
	if !latest.IsZero() {
		return latest
	}
	if _, last, err := ParseQuarter(f.Quarter); err == nil {
		return last
	}
	return time.Time{}
}

// Historical reports whether a draft finding is a historical problem: its
// date lies before the baseline. Decided findings never are: an inspector
// has looked at them.
func Historical(f store.Finding, baseline time.Time) bool {
	if baseline.IsZero() || f.Status != store.StatusDraft {
		return false
	}
	d := FindingDate(f)
	return !d.IsZero() && d.Before(baseline)
}

// QuarterStart returns the first day of the quarter holding d (CST).
func QuarterStart(d time.Time) time.Time { return quarterStart(d.In(cst)) }

// cst is China Standard Time.
var cst = time.FixedZone("CST", 8*3600)
