package rules

import (
	"testing"
)

func TestAtRisk(t *testing.T) {
	in := richInput(t, testConfig())
	r, err := AtRisk(in, day(t, "2025-03-20"))
	if err != nil {
		t.Fatal(err)
	}
	if r.Quarter != "2025Q1" || r.WorkdaysLeft != 7 || r.QuarterEnd.Format(dateLayout) != "2025-03-31" {
		t.Errorf("quarter %s, %d working days left until %v; want 2025Q1, 7, 2025-03-31", r.Quarter, r.WorkdaysLeft, r.QuarterEnd)
	}
	if len(r.KeyColumns) != 1 || r.KeyColumns[0].Column != colPolicy || r.KeyColumns[0].LastPublished.Format(dateLayout) != "2024-02-10" {
		t.Errorf("key columns at risk = %+v", r.KeyColumns)
	}
	periods := map[string]PeriodRisk{}
	for _, p := range r.Periods {
		periods[p.Column+":"+p.Period] = p
	}
	if p, ok := periods[colStats+":2025-02"]; !ok || !p.Overdue || p.Deadline.Format(dateLayout) != "2025-03-15" {
		t.Errorf("overdue 2025-02 = %+v, %v", p, ok)
	}
	if _, ok := periods[colStats+":2025-01"]; ok {
		t.Error("a published period is at risk")
	}
	if _, ok := periods[colStats+":2025-03"]; ok {
		t.Error("2025-03 (due 04-15) is beyond the horizon")
	}
	if p, ok := periods[colReport1+":2024"]; !ok || p.Overdue || p.WorkdaysLeft != 7 || p.Check != AnnualReport {
		t.Errorf("district annual report due 2025-03-31 = %+v, %v", p, ok)
	}
	if _, ok := periods[colReport2+":2024"]; ok {
		t.Error("a published annual report is at risk")
	}
	if len(r.Letters) != 1 || r.Letters[0].Workdays != 13 || r.Letters[0].Limit != 5 {
		t.Errorf("letters at risk = %+v", r.Letters)
	}
	stale := map[string]bool{}
	for _, s := range r.Stale {
		stale[s.Column] = true
	}
	if !stale[colNews] || stale[colBlank] {
		t.Errorf("stale = %+v", r.Stale)
	}
	// A key column with a post this quarter is not at risk; nothing of a
	// source that was not audited is listed.
	in.Sources = notAudited(in.Sources, "column:"+colPolicy)
	in.Sources = notAudited(in.Sources, "mailbox:"+mbox)
	r, err = AtRisk(in, day(t, "2025-03-20"))
	if err != nil {
		t.Fatal(err)
	}
	if len(r.KeyColumns) != 0 || len(r.Letters) != 0 {
		t.Errorf("not audited sources at risk: %+v %+v", r.KeyColumns, r.Letters)
	}
}
