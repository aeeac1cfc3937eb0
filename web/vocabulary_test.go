package web

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/govaudit/govaudit/config"
	"github.com/govaudit/govaudit/rules"
	"github.com/govaudit/govaudit/store"
)

// pageText is what a reader sees of a page: no style, script, tags or
// attribute values, no URLs and no finding numbers (which the command line
// takes).
func pageText(s string) string {
	s = regexp.MustCompile(`(?s)<(style|script)[^>]*>.*?</(style|script)>`).ReplaceAllString(s, "")
	s = regexp.MustCompile(`<[^>]*>`).ReplaceAllString(s, " ")
	s = regexp.MustCompile(`https?://\S+`).ReplaceAllString(s, "")
	return regexp.MustCompile(`\b[a-z]{3}-[0-9a-f]{10}\b`).ReplaceAllString(s, "")
}

// TestEveryFindingKindInChinese renders a finding of every catalogue check,
// with every evidence date key and the English fragments stored evidence
// may carry, on the findings list and its own page, and fails on any
// untranslated key or internal id.
func TestEveryFindingKindInChinese(t *testing.T) {
	fx := newFixture(t, nil)
	dates := map[string]string{}
	for _, k := range rules.DateKeys() {
		dates[k] = "2026-07-01"
	}
	var found []store.Finding
	var ids []string
	for _, d := range rules.Defs() {
		subject := "lzqfgj/政策文件:2026Q3:" + d.ID
		found = append(found, store.Finding{Rule: d.ID, Subject: subject, Unit: "lzqfgj", Column: "lzqfgj/政策文件",
			Quarter: "2026Q3", Points: 1, Scoring: true,
			Evidence: store.Evidence{Text: "附件无法下载：HTML error page；HTTP 404；empty body；2026Q3", Dates: dates}})
		ids = append(ids, store.FindingID(d.ID, subject))
	}
	var all []string
	for _, d := range rules.Defs() {
		all = append(all, d.ID)
	}
	if _, err := fx.st.SyncFindings(store.SyncRequest{Rules: all, Found: found, Now: t0.Add(3 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	var alts []string
	for _, d := range rules.Defs() {
		alts = append(alts, regexp.QuoteMeta(d.ID))
	}
	for _, k := range rules.DateKeys() {
		alts = append(alts, `\b`+regexp.QuoteMeta(k)+`\b`)
	}
	alts = append(alts, `HTML error page`, `empty body`, `HTTP \d`, `\d{4}Q[1-4]`, `[a-z0-9]+/[^\s/：]+:\d{4}`, `\bdraft\b`, `\bconfirmed\b`)
	bad := regexp.MustCompile(strings.Join(alts, "|"))
	c := fx.signedIn("张三", pwInspector)
	check := func(path string) {
		t.Helper()
		resp, body := c.get(path)
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d", path, resp.StatusCode)
		}
		text := pageText(body)
		if m := bad.FindString(text); m != "" {
			i := strings.Index(text, m)
			t.Errorf("%s shows %q: …%s…", path, m, text[max(0, i-80):min(len(text), i+80)])
		}
	}
	for i, d := range rules.Defs() {
		check("/findings?rule=" + d.ID)
		check("/findings/" + ids[i])
	}
	check("/overview")
}

// TestHistoricalProblems: drafts dated before the baseline are listed
// under their own tab, not under 待审核, and can still be confirmed.
func TestHistoricalProblems(t *testing.T) {
	// The 120 timeliness drafts are dated 2026-09-10 (published): before
	// the baseline, historical. The four missing-attachment drafts carry no
	// date and lie in 2026Q3, whose last day is after it: current.
	fx := newFixture(t, func(c *config.Config) { c.Rules.Baseline = "2026-09-20" })
	c := fx.signedIn("张三", pwInspector)
	_, body := c.get("/findings?status=all")
	if !strings.Contains(body, `id="count-historical">历史问题 <b>120</b>`) || !strings.Contains(body, `id="count-draft">待审核 <b>4</b>`) {
		t.Errorf("tabs: %s", regexp.MustCompile(`(?s)<p class="tabs">.*?</p>`).FindString(body))
	}
	// The list opens on the current drafts, not the historical ones.
	_, body = c.get("/findings")
	if !strings.Contains(body, `id="count-draft" class="active"`) || strings.Contains(body, `class="status st-hist"`) {
		t.Error("the list does not open on the current drafts")
	}
	_, body = c.get("/findings?status=historical&unit=lzqfgj")
	if n := strings.Count(body, `class="status st-hist"`); n != 50 {
		t.Errorf("the historical tab shows %d historical rows, want 50", n)
	}
	resp, _ := c.act(fx.ids["first"], "confirm", nil)
	if resp.StatusCode != 303 || fx.status(fx.ids["first"]) != store.StatusConfirmed {
		t.Errorf("confirming a historical problem: %d %s", resp.StatusCode, fx.status(fx.ids["first"]))
	}
}
