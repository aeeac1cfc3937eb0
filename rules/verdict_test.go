package rules

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/govaudit/govaudit/config"
	"github.com/govaudit/govaudit/probe"
	"github.com/govaudit/govaudit/store"
)

func indicators(v store.VerdictRecord) map[string]store.VerdictIndicator {
	m := map[string]store.VerdictIndicator{}
	for _, i := range v.Indicators {
		m[i.ID] = i
	}
	return m
}

func TestNationalVerdict(t *testing.T) {
	cfg := testConfig()
	// Three more blank columns (4 in all: warn), five stale news columns (fail).
	for i := range 3 {
		cfg.Columns = append(cfg.Columns, config.Column{Unit: "u3", Name: fmt.Sprintf("空白%d", i), Kind: config.KindOther, URL: "http://p/b/"})
	}
	var items []store.Item
	for i := range 5 {
		c := config.Column{Unit: "u2", Name: fmt.Sprintf("动态%d", i), Kind: config.KindDynamic, URL: "http://p/d/"}
		cfg.Columns = append(cfg.Columns, c)
		items = append(items, it("u2/"+c.Name, fmt.Sprintf("http://p/d/%d.html", i), "旧闻", "2025-10-01", ""))
	}
	// One news column updated recently: not stale.
	items = append(items, it(colNews, "http://p/news/new.html", "新闻", "2025-11-25", ""))
	cfg.ApplyDefaults()
	counts := map[string]int{colBlank: 0}
	for i := range 3 {
		counts[fmt.Sprintf("u3/空白%d", i)] = 0
	}
	letters := []store.Letter{
		{URL: "http://p/l/old", Mailbox: mbox, Unit: "u1", Received: "2025-08-20", Status: "办理中"},                        // > 3 months: fail
		{URL: "http://p/l/warn", Mailbox: mbox, Unit: "u1", Received: "2025-09-20", Status: "办理中"},                       // > 2 months
		{URL: "http://p/l/ans", Mailbox: mbox, Unit: "u1", Received: "2025-06-20", Replied: "2025-06-22", Status: "已办结"}, // answered
		{URL: "http://p/l/yr", Mailbox: mbox, Unit: "u1", Received: "2024-10-20", Status: "办理中"},                         // over a year ago
	}
	in := Input{Config: cfg, Calendar: testCal(t), Items: items, Letters: letters, Sources: audited(cfg, counts)}
	home := &probe.Summary{Target: probe.HomeTarget, Visits: 700, Failures: 28, Ratio: 0.04, Sufficient: true, Status: probe.StatusWarn,
		Newest: "2025-11-20", DaysSinceUpdate: 11, Freshness: probe.StatusWarn}
	v, err := NationalVerdict(in, home, day(t, "2025-12-01"))
	if err != nil {
		t.Fatal(err)
	}
	got := indicators(v)
	want := map[string]struct {
		status string
		value  float64
	}{
		"availability":  {store.VerdictWarn, 4},
		"home-update":   {store.VerdictWarn, 11},
		"stale-columns": {store.VerdictFail, 5},
		"blank-columns": {store.VerdictWarn, 4},
		"interaction":   {store.VerdictFail, 1},
	}
	for id, w := range want {
		if g := got[id]; g.Status != w.status || g.Value != w.value || g.Note == "" || g.Name == "" {
			t.Errorf("%s = %+v, want %s %v", id, g, w.status, w.value)
		}
	}
	if v.Status != store.VerdictFail || v.Week != "2025-W49" {
		t.Errorf("verdict %s week %s", v.Status, v.Week)
	}

	// The letter answered: interaction only warns; no probes: none.
	in.Letters = in.Letters[1:]
	v, _ = NationalVerdict(in, nil, day(t, "2025-12-01"))
	got = indicators(v)
	if got["interaction"].Status != store.VerdictWarn || got["availability"].Status != store.VerdictNone || got["home-update"].Status != store.VerdictNone {
		t.Errorf("indicators %+v", got)
	}
}

// TestSaveVerdict computes the verdict with a real store's probes and keeps it.
func TestSaveVerdict(t *testing.T) {
	cfg := testConfig()
	st := openTestStore(t)
	in := richInput(t, cfg)
	writeInput(t, st, in)
	asOf := day(t, "2025-04-01")
	var ps []store.Probe
	weekEnd := asOf.AddDate(0, 0, 1)
	for k := 1; k <= 7*30; k++ { // 30 visits a day, one in ten failing
		at := weekEnd.Add(-time.Duration(k) * probe.Week / (7 * 30))
		ps = append(ps, store.Probe{At: at, Target: probe.HomeTarget, URL: "http://p/", OK: k%10 != 0, Status: 200, Newest: "2025-03-28"})
	}
	if err := st.AddProbes(ps); err != nil {
		t.Fatal(err)
	}
	rep, err := Check(context.Background(), cfg, st, in.Calendar, asOf)
	if err != nil {
		t.Fatal(err)
	}
	v, ok, err := st.LatestVerdict()
	if err != nil || !ok || v.Week != rep.Verdict.Week || v.Week != "2025-W14" {
		t.Fatalf("latest verdict %+v %v %v, report %s", v, ok, err, rep.Verdict.Week)
	}
	a := indicators(v)["availability"]
	if a.Status != store.VerdictFail || !strings.Contains(a.Note, "失败") {
		t.Errorf("availability %+v", a)
	}
	// The catalog's remarks for the office are kept for the UI.
	if n, ok, err := st.LatestCheckNotes(); err != nil || !ok || len(n.Notes[Catalog]) == 0 || n.AsOf != "2025-04-01" {
		t.Errorf("check notes %+v %v %v", n, ok, err)
	}
	// richInput's typo is no severe error.
	if w := indicators(v)["severe-wording"]; w.Status != store.VerdictOK {
		t.Errorf("severe wording %+v", w)
	}
}

func TestSevereWordingIndicator(t *testing.T) {
	sev := store.Finding{Rule: Wording, Status: store.StatusDraft, Evidence: store.Evidence{Text: "严重表述错误（严重）：「攻府」应为「政府」"}}
	gen := store.Finding{Rule: Wording, Status: store.StatusConfirmed, Evidence: store.Evidence{Text: "错别字（一般）：「布署」应为「部署」"}}
	if ind := severeWording([]store.Finding{sev, gen}); ind.Status != store.VerdictWarn || ind.Value != 1 {
		t.Errorf("draft severe: %+v", ind)
	}
	sev.Status = store.StatusConfirmed
	if ind := severeWording([]store.Finding{sev, gen}); ind.Status != store.VerdictFail || ind.Value != 1 {
		t.Errorf("confirmed severe: %+v", ind)
	}
}
