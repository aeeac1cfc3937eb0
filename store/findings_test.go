package store

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func TestFindingID(t *testing.T) {
	id := FindingID("timeliness", "https://gov.test/a.html")
	if !regexp.MustCompile(`^tim-[0-9a-f]{10}$`).MatchString(id) {
		t.Errorf("FindingID = %q, want tim- and 10 hex digits", id)
	}
	if id != FindingID("timeliness", "https://gov.test/a.html") {
		t.Error("FindingID is not stable")
	}
	for _, other := range []string{FindingID("timeliness", "https://gov.test/b.html"), FindingID("timing", "https://gov.test/a.html")} {
		if other == id {
			t.Errorf("FindingID collides: %s", other)
		}
	}
	if got := FindingID("A-1 x", "s"); !strings.HasPrefix(got, "a1x-") {
		t.Errorf("FindingID(A-1 x) = %q, want prefix a1x-", got)
	}
	if got := FindingID("时效", "s"); !strings.HasPrefix(got, "f-") {
		t.Errorf("FindingID of a non-ASCII rule = %q, want prefix f-", got)
	}
}

func TestFindingRoundTrip(t *testing.T) {
	s := openTemp(t)
	f := mkFinding("timeliness", "https://gov.test/a", "u1", 2)
	f.Evidence.SnapshotHash, f.Evidence.FetchedAt, f.Evidence.MakeUp = "ab", t0, []string{"2026-02-28"}
	if _, err := s.SyncFindings(SyncRequest{Rules: []string{"timeliness"}, Found: []Finding{f}, Now: t0}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Finding(f.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := f
	want.Status, want.DetectedAt, want.LastSeen = StatusDraft, t0, t0
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Finding = %+v\nwant %+v", got, want)
	}
	if _, err := s.Finding("nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Finding(nope) error = %v, want ErrNotFound", err)
	}
	// A caller changing what it got does not change the store's copy.
	list, _, _ := s.Findings(Filter{})
	list[0].Evidence.Dates["written"] = "changed"
	again, _, _ := s.Findings(Filter{})
	if again[0].Evidence.Dates["written"] != "2026-01-05" {
		t.Error("changing a listed finding changed the cache")
	}
}

// statuses returns id -> status of every finding.
func statuses(t *testing.T, s *Store) map[string]string {
	t.Helper()
	out := map[string]string{}
	if err := s.EachFinding(func(f Finding) error { out[f.ID] = f.Status; return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestSyncFindings(t *testing.T) {
	const tim, att = "timeliness", "attachment"
	a := mkFinding(tim, "https://gov.test/a", "u1", 2)
	b := mkFinding(tim, "https://gov.test/b", "u1", 1)
	c := mkFinding(att, "https://gov.test/c", "u2", 0.5)
	d := mkFinding(tim, "https://gov.test/d", "u3", 1) // its column will fail to crawl
	keepD := func(f Finding) bool { return f.Unit == "u3" }

	type step struct {
		name   string
		decide map[string]Action // applied before the sync
		rules  []string
		found  []Finding
		keep   func(Finding) bool
		want   SyncResult
		status map[string]string
		events map[string][]string // actions of History, oldest first
	}
	steps := []step{
		{name: "all new", rules: []string{tim, att}, found: []Finding{a, b, c, d},
			want:   SyncResult{New: 4, PerRule: map[string]RuleCounts{tim: {New: 3}, att: {New: 1}}},
			status: map[string]string{a.ID: StatusDraft, b.ID: StatusDraft, c.ID: StatusDraft, d.ID: StatusDraft},
			events: map[string][]string{a.ID: {"detected"}}},
		{name: "rerun changes nothing", rules: []string{tim, att}, found: []Finding{a, b, c, d},
			want:   SyncResult{Unchanged: 4, PerRule: map[string]RuleCounts{tim: {Unchanged: 3}, att: {Unchanged: 1}}},
			status: map[string]string{a.ID: StatusDraft, b.ID: StatusDraft, c.ID: StatusDraft, d.ID: StatusDraft},
			events: map[string][]string{a.ID: {"detected"}}},
		{name: "b gone resolves, d kept, rule att not evaluated", rules: []string{tim}, found: []Finding{a}, keep: keepD,
			want:   SyncResult{Unchanged: 1, Resolved: 1, PerRule: map[string]RuleCounts{tim: {Unchanged: 1, Resolved: 1}}},
			status: map[string]string{a.ID: StatusDraft, b.ID: StatusResolved, c.ID: StatusDraft, d.ID: StatusDraft},
			events: map[string][]string{b.ID: {"detected", "resolved"}, d.ID: {"detected"}}},
		{name: "resolved b found again reopens", rules: []string{tim}, found: []Finding{a, b}, keep: keepD,
			want:   SyncResult{Unchanged: 1, Reopened: 1, PerRule: map[string]RuleCounts{tim: {New: 1, Unchanged: 1}}},
			status: map[string]string{a.ID: StatusDraft, b.ID: StatusDraft, c.ID: StatusDraft, d.ID: StatusDraft},
			events: map[string][]string{b.ID: {"detected", "resolved", "reopened"}}},
		{name: "decided findings keep their status when gone",
			decide: map[string]Action{
				a.ID: {Kind: DecideConfirm, By: "li", At: t0},
				b.ID: {Kind: DecideDismiss, By: "li", Reason: "附件已补", At: t0},
			},
			rules: []string{tim, att}, found: nil,
			want:   SyncResult{Resolved: 2, PerRule: map[string]RuleCounts{tim: {Resolved: 1}, att: {Resolved: 1}}},
			status: map[string]string{a.ID: StatusConfirmed, b.ID: StatusDismissed, c.ID: StatusResolved, d.ID: StatusResolved},
			events: map[string][]string{a.ID: {"detected", "confirm"}, b.ID: {"detected", "resolved", "reopened", "dismiss"}}},
		{name: "decided findings found again stay decided", rules: []string{tim}, found: []Finding{a, b}, keep: keepD,
			want:   SyncResult{Unchanged: 2, PerRule: map[string]RuleCounts{tim: {Unchanged: 2}}},
			status: map[string]string{a.ID: StatusConfirmed, b.ID: StatusDismissed, c.ID: StatusResolved, d.ID: StatusResolved},
			events: map[string][]string{a.ID: {"detected", "confirm"}}},
	}
	// The same steps, with the findings handed over in memory, in a
	// spool, or split between the two; and with new findings staged one
	// transaction each (stage.go).
	for _, via := range []string{"found", "spool", "split", "found/staged one by one"} {
		t.Run(via, func(t *testing.T) {
			s := openTemp(t)
			if v, ok := strings.CutSuffix(via, "/staged one by one"); ok {
				via, s.stageChunk = v, 1
			}
			for i, st := range steps {
				now := t0.Add(time.Duration(i) * 24 * time.Hour)
				for id, act := range st.decide {
					if _, err := s.Decide(id, act); err != nil {
						t.Fatalf("%s: decide %s: %v", st.name, id, err)
					}
				}
				got, err := s.SyncFindings(deliver(t, via, SyncRequest{Rules: st.rules, Keep: st.keep, Now: now}, st.found))
				if err != nil {
					t.Fatalf("%s: %v", st.name, err)
				}
				if !reflect.DeepEqual(got, st.want) {
					t.Errorf("%s: result %+v, want %+v", st.name, got, st.want)
				}
				if got := statuses(t, s); !reflect.DeepEqual(got, st.status) {
					t.Errorf("%s: statuses %v, want %v", st.name, got, st.status)
				}
				for id, want := range st.events {
					h, err := s.History(id)
					if err != nil {
						t.Fatal(err)
					}
					var acts []string
					for _, e := range h {
						acts = append(acts, e.Action)
					}
					if !reflect.DeepEqual(acts, want) {
						t.Errorf("%s: history of %s = %v, want %v", st.name, id, acts, want)
					}
				}
				if _, total, _ := s.Findings(Filter{}); total != 4 {
					t.Errorf("%s: %d findings stored, want 4 (no duplicates)", st.name, total)
				}
			}
			// The last sync refreshed LastSeen and evidence of the confirmed finding, not its points.
			fa, _ := s.Finding(a.ID)
			if !fa.LastSeen.Equal(t0.Add(5*24*time.Hour)) || !fa.DetectedAt.Equal(t0) || fa.Points != 2 {
				t.Errorf("confirmed finding after resync: LastSeen %v DetectedAt %v Points %v", fa.LastSeen, fa.DetectedAt, fa.Points)
			}
		})
	}
}

// deliver puts found into req as via says: all in Found, all in a Spool,
// or split between the two (every other one spooled).
func deliver(t *testing.T, via string, req SyncRequest, found []Finding) SyncRequest {
	t.Helper()
	if via == "found" {
		req.Found = found
		return req
	}
	sp, err := NewFindingSpool(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sp.Close() })
	req.Spool = sp
	for i, f := range found {
		if via == "split" && i%2 == 0 {
			req.Found = append(req.Found, f)
			continue
		}
		if err := sp.Add(f); err != nil {
			t.Fatal(err)
		}
	}
	return req
}

// syncedPair is a store holding two draft timeliness findings, a and b,
// synced at t0.
func syncedPair(t *testing.T) (s *Store, rules []string, a, b Finding) {
	t.Helper()
	s = openTemp(t)
	rules = []string{"timeliness"}
	a = mkFinding("timeliness", "https://gov.test/a", "u1", 2)
	b = mkFinding("timeliness", "https://gov.test/b", "u1", 2)
	if _, err := s.SyncFindings(SyncRequest{Rules: rules, Found: []Finding{a, b}, Now: t0}); err != nil {
		t.Fatal(err)
	}
	return s, rules, a, b
}

func TestSyncKeepsDecidedPointsAndTakesNewEvidence(t *testing.T) {
	s, rules, a, b := syncedPair(t)
	if _, err := s.Decide(a.ID, Action{Kind: DecideAdjust, Points: 0.5, Reason: "情节轻微", By: "li", At: t0}); err != nil {
		t.Fatal(err)
	}
	a2, b2 := a, b
	a2.Points, b2.Points = 3, 3
	a2.Evidence.Text, b2.Evidence.Text = "新证据", "新证据"
	if _, err := s.SyncFindings(SyncRequest{Rules: rules, Found: []Finding{a2, b2}, Now: t0.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	fa, _ := s.Finding(a.ID)
	fb, _ := s.Finding(b.ID)
	if fa.Points != 0.5 || fa.Status != StatusDraft || fa.Evidence.Text != "新证据" {
		t.Errorf("adjusted draft after resync: points %v status %s evidence %q; want 0.5, draft, new evidence", fa.Points, fa.Status, fa.Evidence.Text)
	}
	if fb.Points != 3 || fb.Evidence.Text != "新证据" {
		t.Errorf("plain draft after resync: points %v evidence %q; want 3 and new evidence", fb.Points, fb.Evidence.Text)
	}
}

// TestSyncRecordsUnchangedFindingsAsSeen syncs the same findings again: the
// records stay byte for byte as they were (a nightly check does not
// rewrite tens of thousands of them), yet LastSeen moves on everywhere it
// is read; a finding whose evidence changed is rewritten.
func TestSyncRecordsUnchangedFindingsAsSeen(t *testing.T) {
	s, rules, a, b := syncedPair(t)
	records := func() map[string]string {
		out := map[string]string{}
		err := s.view(func(tx *bolt.Tx) error {
			return tx.Bucket([]byte(bucketFindings)).ForEach(func(k, v []byte) error {
				out[string(k)] = string(v)
				return nil
			})
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	s.Findings(Filter{}) // load the cache, which must follow too
	before := records()
	b2 := b
	b2.Evidence.Text = "新证据"
	later := t0.Add(24 * time.Hour)
	res, err := s.SyncFindings(SyncRequest{Rules: rules, Found: []Finding{a, b2}, Now: later})
	if err != nil {
		t.Fatal(err)
	}
	if res.Unchanged != 2 || res.New != 0 || res.Resolved != 0 {
		t.Errorf("second sync = %+v, want 2 unchanged", res)
	}
	after := records()
	if after[a.ID] != before[a.ID] {
		t.Errorf("unchanged finding rewritten:\n%s\n%s", before[a.ID], after[a.ID])
	}
	if after[b.ID] == before[b.ID] || !strings.Contains(after[b.ID], "新证据") {
		t.Errorf("finding with new evidence not rewritten: %s", after[b.ID])
	}
	check := func(how string, got []Finding) {
		t.Helper()
		if len(got) != 2 {
			t.Fatalf("%s: %d findings, want 2", how, len(got))
		}
		for _, f := range got {
			if !f.LastSeen.Equal(later) || !f.DetectedAt.Equal(t0) {
				t.Errorf("%s: %s detected %v last seen %v, want %v and %v", how, f.ID, f.DetectedAt, f.LastSeen, t0, later)
			}
		}
	}
	fa, err := s.Finding(a.ID)
	if err != nil {
		t.Fatal(err)
	}
	fb, _ := s.Finding(b.ID)
	check("Finding", []Finding{fa, fb})
	cached, _, _ := s.Findings(Filter{})
	check("cached Findings", cached)
	s.cacheMu.Lock()
	s.cache = nil
	s.cacheMu.Unlock()
	fresh, _, _ := s.Findings(Filter{})
	check("reloaded Findings", fresh)
	if !reflect.DeepEqual(cached, fresh) {
		t.Errorf("cache after a seen-only sync differs from a fresh load:\n%+v\n%+v", cached, fresh)
	}
	// A decision read back keeps the later LastSeen.
	if f, err := s.Decide(a.ID, Action{Kind: DecideConfirm, By: "li", At: later}); err != nil || !f.LastSeen.Equal(later) {
		t.Errorf("Decide = %v, %v; want LastSeen %v", f.LastSeen, err, later)
	}
	if err := s.Verify(); err != nil {
		t.Errorf("Verify after a seen-only sync: %v", err)
	}
}

func TestSyncFindingsRefusesBadInput(t *testing.T) {
	s := openTemp(t)
	good := mkFinding("timeliness", "https://gov.test/a", "u1", 1)
	for name, req := range map[string]SyncRequest{
		"no time":         {Rules: []string{"timeliness"}, Found: []Finding{good}},
		"rule not listed": {Rules: []string{"other"}, Found: []Finding{good}, Now: t0},
		"no subject":      {Rules: []string{"timeliness"}, Found: []Finding{{Rule: "timeliness"}}, Now: t0},
		"wrong id":        {Rules: []string{"timeliness"}, Found: []Finding{{ID: "x", Rule: "timeliness", Subject: "s"}}, Now: t0},
		"negative points": {Rules: []string{"timeliness"}, Found: []Finding{{Rule: "timeliness", Subject: "s", Points: -1}}, Now: t0},
		"empty rule name": {Rules: []string{""}, Now: t0},
	} {
		if _, err := s.SyncFindings(req); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, total, _ := s.Findings(Filter{}); total != 0 {
		t.Errorf("refused syncs stored %d findings", total)
	}
	// A subject reported twice is stored once.
	res, err := s.SyncFindings(SyncRequest{Rules: []string{"timeliness"}, Found: []Finding{good, good}, Now: t0})
	if err != nil || res.New != 1 {
		t.Errorf("duplicate in Found: %+v %v, want one new", res, err)
	}
}

// TestSyncFindingsRefusesIncompleteFinding: a finding that Verify would
// report as damage (no rule, subject, unit or quarter) fails the sync, with
// an error naming it, and nothing of the request is stored.
func TestSyncFindingsRefusesIncompleteFinding(t *testing.T) {
	s := openTemp(t)
	good := mkFinding("timeliness", "https://gov.test/a", "u1", 1)
	for _, tc := range []struct {
		name string
		f    Finding
		want string
	}{
		{"no rule", Finding{Subject: "https://gov.test/r", Unit: "u1", Quarter: "2026Q4"}, `"https://gov.test/r" (unit "u1", quarter "2026Q4") without rule`},
		{"no subject", Finding{Rule: "timeliness", Unit: "u1", Quarter: "2026Q4"}, "without subject"},
		{"no unit", Finding{Rule: "timeliness", Subject: "https://gov.test/u", Quarter: "2026Q4"}, `"https://gov.test/u" of rule timeliness without unit`},
		{"no quarter", Finding{Rule: "timeliness", Subject: "https://gov.test/q", Unit: "u1"}, `"https://gov.test/q" of rule timeliness without quarter`},
	} {
		_, err := s.SyncFindings(SyncRequest{Rules: []string{"timeliness"}, Found: []Finding{good, tc.f}, Now: t0})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err %v, want one naming %s", tc.name, err, tc.want)
		}
	}
	if _, total, _ := s.Findings(Filter{}); total != 0 {
		t.Errorf("refused incomplete findings stored %d findings", total)
	}
	if err := s.Verify(); err != nil {
		t.Errorf("Verify after refused syncs: %v", err)
	}
}

func TestDecide(t *testing.T) {
	const rule = "timeliness"
	at := t0.Add(time.Hour)
	tests := []struct {
		name      string
		from      string // status to bring the finding to first
		act       Action
		wantErr   error // nil: must succeed
		wantState string
		wantFrom  string
		wantTo    string
	}{
		{"confirm draft", StatusDraft, Action{Kind: DecideConfirm, By: "li", At: at}, nil, StatusConfirmed, StatusDraft, StatusConfirmed},
		{"confirm confirmed", StatusConfirmed, Action{Kind: DecideConfirm, By: "li", At: at}, ErrTransition, "", "", ""},
		{"confirm dismissed", StatusDismissed, Action{Kind: DecideConfirm, By: "li", At: at}, ErrTransition, "", "", ""},
		{"confirm resolved", StatusResolved, Action{Kind: DecideConfirm, By: "li", At: at}, ErrTransition, "", "", ""},
		{"dismiss draft", StatusDraft, Action{Kind: DecideDismiss, By: "li", Reason: "已整改", At: at}, nil, StatusDismissed, StatusDraft, StatusDismissed},
		{"dismiss confirmed", StatusConfirmed, Action{Kind: DecideDismiss, By: "li", Reason: "误报", At: at}, nil, StatusDismissed, StatusConfirmed, StatusDismissed},
		{"dismiss without reason", StatusDraft, Action{Kind: DecideDismiss, By: "li", At: at}, ErrReasonRequired, "", "", ""},
		{"dismiss blank reason", StatusDraft, Action{Kind: DecideDismiss, By: "li", Reason: "  ", At: at}, ErrReasonRequired, "", "", ""},
		{"dismiss dismissed", StatusDismissed, Action{Kind: DecideDismiss, By: "li", Reason: "x", At: at}, ErrTransition, "", "", ""},
		{"adjust draft", StatusDraft, Action{Kind: DecideAdjust, By: "li", Reason: "情节轻微", Points: 0.5, At: at}, nil, StatusDraft, "2", "0.5"},
		{"adjust confirmed to zero", StatusConfirmed, Action{Kind: DecideAdjust, By: "li", Reason: "r", Points: 0, At: at}, nil, StatusConfirmed, "2", "0"},
		{"adjust without reason", StatusDraft, Action{Kind: DecideAdjust, By: "li", Points: 1, At: at}, ErrReasonRequired, "", "", ""},
		{"adjust negative", StatusDraft, Action{Kind: DecideAdjust, By: "li", Reason: "r", Points: -1, At: at}, errAny, "", "", ""},
		{"adjust resolved", StatusResolved, Action{Kind: DecideAdjust, By: "li", Reason: "r", Points: 1, At: at}, ErrTransition, "", "", ""},
		{"reopen dismissed", StatusDismissed, Action{Kind: DecideReopen, By: "wang", At: at}, nil, StatusDraft, StatusDismissed, StatusDraft},
		{"reopen confirmed", StatusConfirmed, Action{Kind: DecideReopen, By: "wang", At: at}, nil, StatusDraft, StatusConfirmed, StatusDraft},
		{"reopen resolved", StatusResolved, Action{Kind: DecideReopen, By: "wang", At: at}, nil, StatusDraft, StatusResolved, StatusDraft},
		{"reopen draft", StatusDraft, Action{Kind: DecideReopen, By: "wang", At: at}, ErrTransition, "", "", ""},
		{"unknown kind", StatusDraft, Action{Kind: "approve", By: "li", At: at}, errAny, "", "", ""},
		{"no actor", StatusDraft, Action{Kind: DecideConfirm, At: at}, errAny, "", "", ""},
		{"no time", StatusDraft, Action{Kind: DecideConfirm, By: "li"}, errAny, "", "", ""},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := openTemp(t)
			f := mkFinding(rule, fmt.Sprintf("https://gov.test/%d", i), "u1", 2)
			if _, err := s.SyncFindings(SyncRequest{Rules: []string{rule}, Found: []Finding{f}, Now: t0}); err != nil {
				t.Fatal(err)
			}
			bringTo(t, s, f.ID, tc.from)
			before, _ := s.History(f.ID)
			got, err := s.Decide(f.ID, tc.act)
			after, _ := s.History(f.ID)
			if tc.wantErr != nil {
				if err == nil || (tc.wantErr != errAny && !errors.Is(err, tc.wantErr)) {
					t.Fatalf("error = %v, want %v", err, tc.wantErr)
				}
				if !strings.Contains(err.Error(), f.ID) {
					t.Errorf("error %q does not name the finding", err)
				}
				if stored, _ := s.Finding(f.ID); stored.Status != tc.from || stored.Points != 2 {
					t.Errorf("refused decision changed the finding: %s %v", stored.Status, stored.Points)
				}
				if len(after) != len(before) {
					t.Errorf("refused decision wrote an event")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			stored, _ := s.Finding(f.ID)
			if got.Status != tc.wantState || !reflect.DeepEqual(stored, got) {
				t.Errorf("Decide = status %s (stored %s), want %s", got.Status, stored.Status, tc.wantState)
			}
			if tc.act.Kind == DecideAdjust && stored.Points != tc.act.Points {
				t.Errorf("adjusted points = %v, want %v", stored.Points, tc.act.Points)
			}
			if len(after) != len(before)+1 {
				t.Fatalf("history grew from %d to %d events, want one more", len(before), len(after))
			}
			e := after[len(after)-1]
			want := Event{Seq: e.Seq, Subject: f.ID, At: at, By: tc.act.By, Action: tc.act.Kind, From: tc.wantFrom, To: tc.wantTo, Reason: tc.act.Reason}
			if !reflect.DeepEqual(e, want) {
				t.Errorf("event = %+v, want %+v", e, want)
			}
		})
	}
	s := openTemp(t)
	if _, err := s.Decide("tim-0000000000", Action{Kind: DecideConfirm, By: "li", At: at}); !errors.Is(err, ErrNotFound) {
		t.Errorf("Decide on a missing finding: %v, want ErrNotFound", err)
	}
}

// errAny in a test table means "some error".
var errAny = errors.New("any error")

// bringTo moves a fresh draft to the given status by decisions or a sync.
func bringTo(t *testing.T, s *Store, id, status string) {
	t.Helper()
	var err error
	switch status {
	case StatusDraft:
	case StatusConfirmed:
		_, err = s.Decide(id, Action{Kind: DecideConfirm, By: "setup", At: t0})
	case StatusDismissed:
		_, err = s.Decide(id, Action{Kind: DecideDismiss, By: "setup", Reason: "setup", At: t0})
	case StatusResolved:
		f, _ := s.Finding(id)
		_, err = s.SyncFindings(SyncRequest{Rules: []string{f.Rule}, Now: t0})
	}
	if err != nil {
		t.Fatal(err)
	}
	if f, _ := s.Finding(id); f.Status != status {
		t.Fatalf("setup: finding is %s, want %s", f.Status, status)
	}
}

func TestHistoryAndAddEvent(t *testing.T) {
	s := openTemp(t)
	for i, act := range []string{"add", "withdraw", "add"} {
		if err := s.AddEvent(Event{Subject: "adj-1", At: t0.Add(time.Duration(i) * time.Minute), By: "li", Action: act}); err != nil {
			t.Fatal(err)
		}
		// Interleave another subject, and one whose id extends this one.
		s.AddEvent(Event{Subject: "adj-10", At: t0, By: "li", Action: "add"})
	}
	h, err := s.History("adj-1")
	if err != nil {
		t.Fatal(err)
	}
	var acts []string
	for i, e := range h {
		acts = append(acts, e.Action)
		if i > 0 && e.Seq <= h[i-1].Seq {
			t.Errorf("history not in order: seq %d after %d", e.Seq, h[i-1].Seq)
		}
	}
	if !reflect.DeepEqual(acts, []string{"add", "withdraw", "add"}) {
		t.Errorf("History(adj-1) = %v", acts)
	}
	if h, _ := s.History("adj-10"); len(h) != 3 {
		t.Errorf("History(adj-10) has %d events, want 3", len(h))
	}
	if h, err := s.History("adj-2"); len(h) != 0 || err != nil {
		t.Errorf("History of an unknown subject = %v, %v", h, err)
	}
	for name, e := range map[string]Event{
		"no subject":  {At: t0, By: "li", Action: "add"},
		"NUL subject": {Subject: "a\x00b", At: t0, By: "li", Action: "add"},
		"no action":   {Subject: "adj-1", At: t0, By: "li"},
		"no time":     {Subject: "adj-1", By: "li", Action: "add"},
	} {
		if err := s.AddEvent(e); err == nil {
			t.Errorf("AddEvent %s: accepted", name)
		}
	}
}

func TestFindingsFilterSortPage(t *testing.T) {
	s := openTemp(t)
	var found []Finding
	for i := range 30 {
		f := mkFinding([]string{"timeliness", "attachment"}[i%2], fmt.Sprintf("https://gov.test/%02d", i), fmt.Sprintf("u%d", i%3), float64(i%5))
		f.Quarter = []string{"2026Q1", "2025Q4"}[i%2]
		if i == 7 {
			f.Title = "关于开展<script>安全检查</script>的通知"
		}
		found = append(found, f)
	}
	// Different detection times: three syncs of ten each.
	for k := range 3 {
		if _, err := s.SyncFindings(SyncRequest{Rules: []string{"timeliness", "attachment"}, Found: found[:10*(k+1)], Now: t0.Add(time.Duration(k) * time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	s.Decide(found[0].ID, Action{Kind: DecideConfirm, By: "li", At: t0})
	s.Decide(found[2].ID, Action{Kind: DecideConfirm, By: "li", At: t0})

	tests := []struct {
		name  string
		f     Filter
		total int
		check func([]Finding) error
	}{
		{"all", Filter{}, 30, inOrder(func(a, b Finding) bool {
			return a.Unit < b.Unit || a.Unit == b.Unit && (a.Rule < b.Rule || a.Rule == b.Rule && a.Subject <= b.Subject)
		})},
		{"rule", Filter{Rule: "attachment"}, 15, every(func(f Finding) bool { return f.Rule == "attachment" })},
		{"unit", Filter{Unit: "u1"}, 10, every(func(f Finding) bool { return f.Unit == "u1" })},
		{"status", Filter{Status: StatusConfirmed}, 2, every(func(f Finding) bool { return f.Status == StatusConfirmed })},
		{"quarter+rule", Filter{Quarter: "2026Q1", Rule: "timeliness"}, 15, every(func(f Finding) bool { return f.Quarter == "2026Q1" })},
		{"quarter+other rule", Filter{Quarter: "2026Q1", Rule: "attachment"}, 0, nil},
		{"column", Filter{Column: "col-u2"}, 10, every(func(f Finding) bool { return f.Column == "col-u2" })},
		{"query title", Filter{Query: "<SCRIPT>安全"}, 1, every(func(f Finding) bool { return f.ID == found[7].ID })},
		{"query url", Filter{Query: "gov.test/2"}, 10, nil},
		{"query evidence", Filter{Query: "工作日"}, 30, nil},
		{"date asc", Filter{Sort: "date"}, 30, inOrder(func(a, b Finding) bool { return !a.DetectedAt.After(b.DetectedAt) })},
		{"date desc", Filter{Sort: "-date"}, 30, inOrder(func(a, b Finding) bool { return !a.DetectedAt.Before(b.DetectedAt) })},
		{"points desc", Filter{Sort: "-points"}, 30, inOrder(func(a, b Finding) bool { return a.Points >= b.Points })},
		{"points asc page", Filter{Sort: "points", Offset: 5, Limit: 10}, 30, func(fs []Finding) error {
			if len(fs) != 10 {
				return fmt.Errorf("%d findings, want 10", len(fs))
			}
			return inOrder(func(a, b Finding) bool { return a.Points <= b.Points })(fs)
		}},
		{"offset past end", Filter{Offset: 100}, 30, func(fs []Finding) error {
			if len(fs) != 0 {
				return fmt.Errorf("%d findings", len(fs))
			}
			return nil
		}},
	}
	for _, tc := range tests {
		got, total, err := s.Findings(tc.f)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if total != tc.total {
			t.Errorf("%s: total %d, want %d", tc.name, total, tc.total)
		}
		if tc.f.Limit == 0 && tc.f.Offset == 0 && len(got) != total {
			t.Errorf("%s: %d findings for total %d", tc.name, len(got), total)
		}
		if tc.check != nil {
			if err := tc.check(got); err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
		}
	}
	// Paging walks the whole sorted list exactly once.
	full, _, _ := s.Findings(Filter{Sort: "-points"})
	var paged []Finding
	for off := 0; off < 30; off += 7 {
		page, _, _ := s.Findings(Filter{Sort: "-points", Offset: off, Limit: 7})
		paged = append(paged, page...)
	}
	if !reflect.DeepEqual(paged, full) {
		t.Error("pages of 7 differ from the full list")
	}
	if _, _, err := s.Findings(Filter{Sort: "title"}); err == nil {
		t.Error("unknown sort accepted")
	}
}

// every checks that all findings satisfy ok.
func every(ok func(Finding) bool) func([]Finding) error {
	return func(fs []Finding) error {
		for _, f := range fs {
			if !ok(f) {
				return fmt.Errorf("finding %s (%s %s %s) does not match", f.ID, f.Rule, f.Unit, f.Status)
			}
		}
		return nil
	}
}

// inOrder checks that consecutive findings are in order.
func inOrder(less func(a, b Finding) bool) func([]Finding) error {
	return func(fs []Finding) error {
		for i := 1; i < len(fs); i++ {
			if !less(fs[i-1], fs[i]) {
				return fmt.Errorf("findings %d and %d out of order", i-1, i)
			}
		}
		return nil
	}
}

// TestFindingsPagesMatchFullSort checks that a page near the start of a
// long list (chosen by selection, not a full sort) is the same slice of the
// fully sorted list, for every sort.
func TestFindingsPagesMatchFullSort(t *testing.T) {
	s := openTemp(t)
	var found []Finding
	for i := range 400 {
		found = append(found, mkFinding("timeliness", fmt.Sprintf("https://gov.test/%03d", (i*7919)%400), fmt.Sprintf("u%d", i%9), float64(i%4)))
	}
	for k := range 4 {
		if _, err := s.SyncFindings(SyncRequest{Rules: []string{"timeliness"}, Found: found[:100*(k+1)], Now: t0.Add(time.Duration(k) * time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	for _, sort := range []string{"", "date", "-date", "points", "-points"} {
		full, _, _ := s.Findings(Filter{Sort: sort})
		for _, off := range []int{0, 3, 20} {
			page, total, err := s.Findings(Filter{Sort: sort, Offset: off, Limit: 10})
			if err != nil || total != 400 {
				t.Fatalf("sort %q: total %d, %v", sort, total, err)
			}
			if !reflect.DeepEqual(page, full[off:off+10]) {
				t.Errorf("sort %q offset %d: page differs from the full list", sort, off)
			}
		}
	}
}
