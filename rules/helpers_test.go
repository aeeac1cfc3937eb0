package rules

import (
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/govaudit/govaudit/config"
	"github.com/govaudit/govaudit/rules/workday"
	"github.com/govaudit/govaudit/store"
)

// Column ids of the synthetic configuration.
const (
	colPolicy  = "u1/政策文件"     // key, policy (requires attachments)
	colNews    = "u2/工作动态"     // dynamic
	colStats   = "u1/统计数据"     // monthly
	colQuarter = "u2/季度数据"     // quarterly
	colYear    = "u2/年度计划"     // yearly
	colReport1 = "u1/年度报告"     // annual-report, district unit
	colReport2 = "u2/年度报告"     // annual-report
	colBlank   = "u3/空白栏目"     // never held an item
	mbox       = "mb-district" // mailbox of u1
)

// testCal is built once per test binary run by each test (cheap).
func testCal(t testing.TB) *workday.Calendar {
	t.Helper()
	c, err := workday.New()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func day(t testing.TB, s string) time.Time {
	t.Helper()
	d, err := workday.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// testConfig is a small configuration with one column of each sort.
func testConfig() *config.Config {
	cfg := &config.Config{
		Units: []config.Unit{
			{ID: "u1", Name: "区政府办公室", District: true},
			{ID: "u2", Name: "区发改局"},
			{ID: "u3", Name: "区教体局"},
		},
		Columns: []config.Column{
			{Unit: "u1", Name: "政策文件", Kind: config.KindPolicy, Key: true, URL: "http://p/u1/policy/"},
			{Unit: "u2", Name: "工作动态", Kind: config.KindDynamic, URL: "http://p/u2/news/"},
			{Unit: "u1", Name: "统计数据", Kind: config.KindStatistics, Cadence: config.CadenceMonthly, URL: "http://p/u1/stats/"},
			{Unit: "u2", Name: "季度数据", Kind: config.KindStatistics, Cadence: config.CadenceQuarterly, URL: "http://p/u2/q/"},
			{Unit: "u2", Name: "年度计划", Kind: config.KindPlanning, Cadence: config.CadenceYearly, URL: "http://p/u2/plan/"},
			{Unit: "u1", Name: "年度报告", Kind: config.KindAnnualReport, URL: "http://p/u1/report/"},
			{Unit: "u2", Name: "年度报告", Kind: config.KindAnnualReport, URL: "http://p/u2/report/"},
			{Unit: "u3", Name: "空白栏目", Kind: config.KindOther, URL: "http://p/u3/blank/"},
		},
		Mailboxes: []config.Mailbox{{ID: mbox, Name: "区长信箱", Unit: "u1", URL: "http://p/mail/"}},
	}
	cfg.ApplyDefaults()
	return cfg
}

// onlyCheck enables a single check.
func onlyCheck(cfg *config.Config, id string) *config.Config {
	off, on := false, true
	cfg.Rules.Checks = map[string]config.Check{}
	for _, d := range Defs() {
		if d.ID == id {
			cfg.Rules.Checks[d.ID] = config.Check{Enabled: &on}
		} else {
			cfg.Rules.Checks[d.ID] = config.Check{Enabled: &off}
		}
	}
	return cfg
}

// audited returns audited source states for every column and mailbox of cfg,
// with the given number of listed items per column (default 1).
func audited(cfg *config.Config, items map[string]int) []store.SourceState {
	var out []store.SourceState
	for _, c := range cfg.Columns {
		n, ok := items[c.ID]
		if !ok {
			n = 1
		}
		out = append(out, store.SourceState{Key: "column:" + c.ID, Kind: store.SourceColumn, ID: c.ID, Unit: c.Unit,
			URL: c.URL, Audited: true, ListPages: 1, Items: n})
	}
	for _, m := range cfg.Mailboxes {
		out = append(out, store.SourceState{Key: "mailbox:" + m.ID, Kind: store.SourceMailbox, ID: m.ID, Unit: m.Unit,
			URL: m.URL, Audited: true, ListPages: 1})
	}
	return out
}

// notAudited marks the source with key as not audited.
func notAudited(srcs []store.SourceState, key string) []store.SourceState {
	out := append([]store.SourceState(nil), srcs...)
	for i := range out {
		if out[i].Key == key {
			out[i].Audited = false
			out[i].Cause = "HTTP 503 after 3 attempts"
		}
	}
	return out
}

// it builds an item.
func it(col, url, title, published, written string) store.Item {
	unit, _, _ := strings.Cut(col, "/")
	return store.Item{URL: url, Unit: unit, Column: col, Title: title, Published: published, ListDate: published,
		Written: written, SnapshotHash: "hash-" + url, FetchedAt: time.Date(2026, 1, 2, 3, 4, 0, 0, time.UTC)}
}

// eval evaluates in as of asOf and returns the findings of rule by subject
// and the rule's summary.
func eval(t *testing.T, in Input, rule, asOf string) (map[string]store.Finding, Summary, Result) {
	t.Helper()
	res, err := Evaluate(in, day(t, asOf))
	if err != nil {
		t.Fatalf("Evaluate: %v", err)
	}
	got := map[string]store.Finding{}
	for _, f := range res.Findings {
		if f.Rule != rule {
			t.Errorf("finding of disabled check %s: %+v", f.Rule, f)
			continue
		}
		if f.ID != store.FindingID(f.Rule, f.Subject) {
			t.Errorf("finding %s: id %s is not FindingID", f.Subject, f.ID)
		}
		got[f.Subject] = f
	}
	var sum Summary
	for _, s := range res.Checks {
		if s.ID == rule {
			sum = s
		}
	}
	return got, sum, res
}

// subjects returns the sorted keys of m.
func subjects(m map[string]store.Finding) []string {
	var s []string
	for k := range m {
		s = append(s, k)
	}
	sort.Strings(s)
	return s
}

// sameSubjects fails when got's subjects are not want.
func sameSubjects(t *testing.T, got map[string]store.Finding, want ...string) {
	t.Helper()
	sort.Strings(want)
	if g := subjects(got); strings.Join(g, "|") != strings.Join(want, "|") {
		t.Errorf("subjects = %q, want %q", g, want)
	}
}
