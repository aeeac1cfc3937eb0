package rules

import (
	"strings"
	"testing"

	"github.com/govaudit/govaudit/store"
)

func TestCoverage(t *testing.T) {
	cfg := testConfig()
	srcs := audited(cfg, nil)
	set := func(id string, f func(*store.SourceState)) {
		for i := range srcs {
			if srcs[i].ID == id {
				f(&srcs[i])
			}
		}
	}
	set(colPolicy, func(s *store.SourceState) { s.Items = 4 })
	set(colStats, func(s *store.SourceState) { s.Partial, s.Cause = true, "列表第 2 页无法加载：HTTP 500" })
	set(colYear, func(s *store.SourceState) { s.Suspect = "疑似异常（上次 8 条，本次 0 条）" })
	set(colBlank, func(s *store.SourceState) {
		s.Audited, s.ErrKind, s.Cause = false, store.NotFound, "栏目未找到：目录中没有「空白栏目」"
	})
	items := []store.Item{
		// Every 发布日期 equals its 成文日期: read from the wrong label.
		it(colPolicy, "http://p/1.html", "一", "2026-01-05", "2026-01-05"),
		it(colPolicy, "http://p/2.html", "二", "2026-02-05", "2026-02-05"),
		it(colPolicy, "http://p/3.html", "三", "2026-03-05", "2026-03-05"),
		it(colPolicy, "http://p/4.html", "四", "", ""),
	}
	items[3].FetchErr = "HTTP 500"
	items[0].Attachments = []store.Attachment{{URL: "http://p/1.pdf"}}
	cov := Coverage(Input{Config: cfg, Items: items, Sources: srcs})
	by := map[string]ColumnCoverage{}
	for _, c := range cov {
		by[c.Column] = c
	}
	if len(cov) != len(cfg.Columns) {
		t.Fatalf("%d rows, want one per column (%d)", len(cov), len(cfg.Columns))
	}
	p := by[colPolicy]
	if p.State != CoverJudged || p.Listed != 4 || p.Read != 3 || p.FetchFailed != 1 || p.WithPublished != 3 || p.WithWritten != 3 || p.WithAttachments != 1 {
		t.Errorf("policy column: %+v", p)
	}
	if len(p.Warnings) != 1 || !strings.Contains(p.Warnings[0], "发布日期全部等于成文日期") {
		t.Errorf("policy column warnings %q, want the written-date warning", p.Warnings)
	}
	for id, want := range map[string]string{colStats: CoverPartial, colYear: CoverSuspect, colBlank: CoverNotFound, colNews: CoverJudged} {
		if got := by[id].State; got != want {
			t.Errorf("%s: state %s, want %s", id, got, want)
		}
	}
	SortCoverage(cov)
	if cov[0].State != CoverNotFound || cov[len(cov)-1].State != CoverJudged {
		t.Errorf("sorted: first %s, last %s", cov[0].State, cov[len(cov)-1].State)
	}
}

// TestColumnChecksWaitForAJudgedWalk: the catalog check, like the other
// column checks, judges no column whose latest walk was partial, and
// keeps its finding of it.
func TestColumnChecksWaitForAJudgedWalk(t *testing.T) {
	cfg := testConfig()
	in := richInput(t, cfg)
	in.Config = onlyCheck(cfg, Catalog)
	got, _, _ := eval(t, in, Catalog, "2025-04-01")
	if len(got) == 0 {
		t.Fatal("no catalog finding on the rich input: the test proves nothing")
	}
	for i := range in.Sources {
		if in.Sources[i].ID == colStats {
			in.Sources[i].Partial = true
		}
	}
	got, _, res := eval(t, in, Catalog, "2025-04-01")
	for s, f := range got {
		t.Errorf("catalog finding %s on a partial walk: %s", s, f.Evidence.Text)
	}
	if !res.Keep(store.Finding{Rule: Catalog, Subject: "u1:统计数据", Unit: "u1", Column: colStats, Quarter: "2025Q2"}) {
		t.Error("the catalog finding of a partial walk's column is not kept")
	}
}
