package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/govaudit/govaudit/store"
)

// TestReportIssueAndRectificationRecord issues a quarter's notice (its
// confirmed findings of rectifiable checks are recorded with a deadline)
// and finds their rectification record in the next quarter's notice.
func TestReportIssueAndRectificationRecord(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "govaudit.yaml")
	if code, _, errs := run(t, "init", cfg); code != 0 {
		t.Fatalf("init: %d %s", code, errs)
	}
	db := filepath.Join(dir, "govaudit.db")
	st, err := store.Open(db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	mk := func(rule, subject string) store.Finding {
		return store.Finding{Rule: rule, Subject: subject, Unit: "lzqzjj", Column: "lzqzjj/工作动态", URL: "http://p/a.html",
			Title: "区住建局召开会议", Quarter: "2026Q3", Points: 1, Scoring: true, Evidence: store.Evidence{Text: "错别字"}}
	}
	wording, late := mk("wording", "http://p/a.html#再接再励"), mk("timeliness", "http://p/a.html")
	if _, err := st.SyncFindings(store.SyncRequest{Rules: []string{"wording", "timeliness"}, Found: []store.Finding{wording, late}, Now: time.Now()}); err != nil {
		t.Fatal(err)
	}
	for _, f := range []store.Finding{wording, late} {
		if _, err := st.Decide(store.FindingID(f.Rule, f.Subject), store.Action{Kind: "confirm", By: "王五", At: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()

	out := filepath.Join(dir, "out")
	code, stdout, errs := run(t, "report", "--config", cfg, "--quarter", "2026Q3", "--issue", "--date", "2026-10-09", "--out", out)
	if code != 0 || !strings.Contains(stdout, "1 条需整改问题") {
		t.Fatalf("report --issue: %d %q %s", code, stdout, errs)
	}
	if code, _, _ := run(t, "report", "--config", cfg, "--year", "2026", "--issue", "--out", out); code != 0 {
		t.Errorf("--issue with --year: exit %d (the year notice is written, nothing issued)", code)
	}
	if code, _, _ := run(t, "report", "--config", cfg, "--quarter", "2026Q3", "--issue", "--date", "9 Oct"); code != 2 {
		t.Errorf("bad --date: exit %d", code)
	}

	st, err = store.Open(db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	es, err := st.NoticeEntries()
	if err != nil || len(es) != 1 || es[0].Rule != "wording" || es[0].Deadline <= "2026-10-09" {
		t.Fatalf("entries %+v %v", es, err)
	}
	es[0].State, es[0].Rectified, es[0].Checked = store.RectifyFixed, "2026-10-15", "2026-10-15"
	if err := st.UpdateNoticeEntries(es); err != nil {
		t.Fatal(err)
	}
	st.Close()

	if code, _, errs := run(t, "report", "--config", cfg, "--quarter", "2026Q4", "--format", "html", "--out", out); code != 0 {
		t.Fatalf("Q4 report: %s", errs)
	}
	html, err := os.ReadFile(filepath.Join(out, "2026Q4-通报.html"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"上期通报问题整改情况", "区住建局", "已整改（2026-10-15）", "按期整改 1 项"} {
		if !strings.Contains(string(html), want) {
			t.Errorf("Q4 notice lacks %q", want)
		}
	}
}
