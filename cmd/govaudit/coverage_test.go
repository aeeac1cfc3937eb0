package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/govaudit/govaudit/store"
)

// TestCoverageCommand: the coverage of a store with a judged, a suspect,
// a partial and a not-found column, and an inspector's confirmation of
// the suspect drop.
func TestCoverageCommand(t *testing.T) {
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "govaudit.yaml")
	cfg := `site:
  base_url: http://portal.test/
store:
  path: cov.db
units:
  - {id: u1, name: 区发改局, catalog: "http://portal.test/gongkai/site_u1/"}
templates:
  - {name: 人事信息, kind: personnel}
columns:
  - {unit: u1, name: 政策文件, url: "http://portal.test/u1/zcwj/", kind: policy}
  - {unit: u1, name: 工作动态, url: "http://portal.test/u1/gzdt/", kind: dynamic}
  - {unit: u1, name: 通知公告, url: "http://portal.test/u1/tzgg/", kind: notice}
`
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(filepath.Join(dir, "cov.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 20, 21, 0, 0, 0, time.FixedZone("CST", 8*3600))
	src := func(id string, f func(*store.SourceState)) store.SourceState {
		s := store.SourceState{Key: "column:" + id, Kind: store.SourceColumn, ID: id, Unit: "u1", Audited: true, ListPages: 1, RunID: 1, CrawledAt: now}
		f(&s)
		return s
	}
	b := &store.Batch{Sources: []store.SourceState{
		src("u1/政策文件", func(s *store.SourceState) { s.Items = 2 }),
		src("u1/工作动态", func(s *store.SourceState) { s.Suspect = "疑似异常（上次 8 条，本次 0 条）" }),
		src("u1/通知公告", func(s *store.SourceState) {
			s.Items, s.Partial, s.PagesFailed, s.Cause = 15, true, 1, "列表第 2 页无法加载：HTTP 500"
		}),
		src("u1/人事信息", func(s *store.SourceState) {
			s.Audited, s.ErrKind, s.Cause = false, store.NotFound, "栏目未找到：目录中没有「人事信息」"
		}),
	}}
	if err := st.Write(b); err != nil {
		t.Fatal(err)
	}
	st.Close()

	code, out, stderr := run(t, "coverage", "--config", cfgPath)
	if code != 0 {
		t.Fatalf("coverage: exit %d\n%s", code, stderr)
	}
	for _, want := range []string{"栏目 4 个：已审计 1，部分抓取 1，疑似异常 1，栏目未找到 1", "栏目未找到：目录中没有「人事信息」",
		"疑似异常（上次 8 条，本次 0 条）", "列表第 2 页无法加载"} {
		if !strings.Contains(out, want) {
			t.Errorf("coverage output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "u1/政策文件") {
		t.Errorf("a judged column without warnings is listed without --all:\n%s", out)
	}
	if _, out, _ := run(t, "coverage", "--config", cfgPath, "--all"); !strings.Contains(out, "u1/政策文件") {
		t.Errorf("--all does not list the judged column:\n%s", out)
	}

	if code, _, _ := run(t, "coverage", "--config", cfgPath, "--accept", "u1/工作动态"); code != 2 {
		t.Errorf("--accept without --reason: exit %d, want 2", code)
	}
	if code, _, stderr := run(t, "coverage", "--config", cfgPath, "--accept", "u1/政策文件", "--reason", "x"); code != 1 || !strings.Contains(stderr, "not suspect") {
		t.Errorf("--accept of a column that is not suspect: exit %d\n%s", code, stderr)
	}
	code, out, stderr = run(t, "coverage", "--config", cfgPath, "--accept", "u1/工作动态", "--reason", "单位确认栏目已清空", "--by", "张三")
	if code != 0 || !strings.Contains(out, "已确认") {
		t.Fatalf("--accept: exit %d\n%s%s", code, out, stderr)
	}
	if _, out, _ := run(t, "coverage", "--config", cfgPath); strings.Contains(out, "疑似异常（上次") {
		t.Errorf("the accepted column is still suspect:\n%s", out)
	}
	if code, out, stderr := run(t, "verify", "--config", cfgPath); code != 0 {
		t.Errorf("verify after --accept: exit %d\n%s%s", code, out, stderr)
	}
}
