package store

import "testing"

func TestVerdicts(t *testing.T) {
	s := openTemp(t)
	if _, ok, err := s.LatestVerdict(); ok || err != nil {
		t.Fatalf("empty store: %v %v", ok, err)
	}
	if err := s.PutVerdict(VerdictRecord{}); err == nil {
		t.Error("a verdict without a week was stored")
	}
	for _, w := range []string{"2026-W52", "2027-W01", "2026-W09"} {
		if err := s.PutVerdict(VerdictRecord{Week: w, Status: VerdictOK}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.PutVerdict(VerdictRecord{Week: "2027-W01", Status: VerdictFail,
		Indicators: []VerdictIndicator{{ID: "blank-columns", Value: 6, Fail: 5, Status: VerdictFail}}}); err != nil {
		t.Fatal(err)
	}
	v, ok, err := s.LatestVerdict()
	if err != nil || !ok || v.Week != "2027-W01" || v.Status != VerdictFail || len(v.Indicators) != 1 {
		t.Errorf("latest %+v %v %v", v, ok, err)
	}
	if v, ok, _ := s.Verdict("2026-W09"); !ok || v.Status != VerdictOK {
		t.Errorf("2026-W09: %+v %v", v, ok)
	}
	if err := s.Verify(); err != nil {
		t.Errorf("verify: %v", err)
	}
}
