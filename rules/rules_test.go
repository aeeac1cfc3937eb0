package rules

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/govaudit/govaudit/config"
	"github.com/govaudit/govaudit/rules/workday"
	"github.com/govaudit/govaudit/store"
)

// richInput is an input on which every check finds something as of 2025-04-01.
func richInput(t testing.TB, cfg *config.Config) Input {
	x1 := it(colNews, "http://p/late.html", "迟发文件", "2024-11-05", "2024-09-20") // timeliness
	x2 := it(colNews, "http://p/back.html", "倒签文件", "2024-09-18", "2024-09-20") // backdated
	x3 := it(colPolicy, "http://p/noatt.html", "政策文件", "2024-02-10", "")        // missing attachment; key column empty 2024Q2…
	x4 := it(colNews, "http://p/brk.html", "有附件", "2024-10-10", "")
	x4.Attachments = []store.Attachment{{URL: "http://p/f/404.pdf", Name: "a.pdf", Checked: true, Status: 404, Broken: "HTTP 404"}}
	x4.Links = []string{"http://p/dead"}
	x5 := it(colStats, "http://p/s.html", "2025年1月统计数据", "2025-02-10", "")
	x6 := it(colReport2, "http://p/r.html", "2024年政府信息公开工作年度报告", "2025-02-10", "") // late
	// Content checks (issue 15): a typo (wording); a 规范性文件 without a
	// 有效性 (validity) whose 解读 in its column does not link it
	// (interpretation); a monthly catalog item not updated (catalog); the
	// missing attachment of x3 listed by a notice and not fixed
	// (rectification).
	x7 := it(colPolicy, "http://p/gfxwj.html", "关于印发临淄区某某管理办法的通知", "2024-02-05", "2024-02-01")
	x7.DocNo = "临政办发〔2024〕9号"
	x7.Attachments = []store.Attachment{{URL: "http://p/f/x7.pdf", Name: "办法.pdf", Checked: true, Status: 200}}
	x8 := it(colPolicy, "http://p/jd.html", "《临淄区某某管理办法》政策解读", "2024-02-05", "2024-02-01")
	x8.Attachments = x7.Attachments
	x8.Validity = "有效" // the unit's pages carry a 有效性 field: x7's lack of one is judged
	for i, x := range []*store.Item{&x4, &x7, &x8} {
		body := []byte(article(x.Title, []string{[]string{"各单位要再接再励。", "正文。", "现对临政办发〔2024〕9号解读如下。"}[i]}))
		x.SnapshotHash = store.SnapshotHash(body)
		richSnapshots[x.SnapshotHash] = body
	}
	if cfg.Rules.Catalog == "" {
		cfg.Rules.Catalog = writeFile(t, "catalog.csv", "unit,item,column,cadence\nu1,统计数据,统计数据,monthly\n")
	}
	items := []store.Item{x1, x2, x3, x4, x5, x6, x7, x8}
	notified := []store.NoticeEntry{{Notice: "2024Q4", FindingID: store.FindingID(MissingAttachment, x3.URL), Rule: MissingAttachment,
		Subject: x3.URL, Unit: "u1", Column: colPolicy, Quarter: "2024Q1", URL: x3.URL,
		NotifiedAt: day(t, "2025-01-08"), Deadline: "2025-01-22", State: store.RectifyPending}}
	letters := []store.Letter{{URL: "http://p/l1", Mailbox: mbox, Unit: "u1", Title: "咨询", Received: "2025-03-03", Status: "办理中"}}
	counts := map[string]int{colBlank: 0}
	pages := map[string]store.Page{"http://p/dead": {URL: "http://p/dead", Status: 404}}
	return Input{
		Config: cfg, Calendar: testCal(t), Items: items, Letters: letters, Sources: audited(cfg, counts),
		Page:     func(u string) (store.Page, bool, error) { p, ok := pages[u]; return p, ok, nil },
		Snapshot: richSnapshot,
		Notified: notified,
		Contents: richContents(items), // content_test.go
	}
}

// richSnapshots are the page bodies of richInput by hash.
var richSnapshots = map[string][]byte{}

// richSnapshot is Input.Snapshot over richSnapshots.
func richSnapshot(hash string) ([]byte, error) {
	if b, ok := richSnapshots[hash]; ok {
		return b, nil
	}
	return nil, fmt.Errorf("snapshot %s: %w", hash, store.ErrNotFound)
}

func TestEveryCheckFinds(t *testing.T) {
	in := richInput(t, testConfig())
	res, err := Evaluate(in, day(t, "2025-04-01"))
	if err != nil {
		t.Fatal(err)
	}
	per := map[string]int{}
	for _, f := range res.Findings {
		per[f.Rule]++
		if f.Unit == "" || f.Column == "" || f.Quarter == "" || f.Evidence.Text == "" || f.Status != store.StatusDraft {
			t.Errorf("incomplete finding %+v", f)
		}
	}
	for _, d := range Defs() {
		if per[d.ID] == 0 {
			t.Errorf("check %s found nothing", d.ID)
		}
	}
	if len(res.Rules) != len(Defs()) {
		t.Errorf("evaluated rules = %v", res.Rules)
	}
}

func TestNotAuditedSourcesFindNothing(t *testing.T) {
	cfg := testConfig()
	in := richInput(t, cfg)
	found, err := Evaluate(in, day(t, "2025-04-01"))
	if err != nil {
		t.Fatal(err)
	}
	for i := range in.Sources {
		in.Sources[i].Audited = false
		in.Sources[i].Cause = "站点防火墙拦截 (HTTP 412)"
	}
	res, err := Evaluate(in, day(t, "2025-04-01"))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Findings) != 0 {
		t.Fatalf("not audited sources gave %d findings, e.g. %+v", len(res.Findings), res.Findings[0])
	}
	notAud := 0
	for _, s := range res.Checks {
		notAud += s.NotAudited
	}
	if notAud == 0 {
		t.Error("summary counts nothing as not audited")
	}
	// Every earlier finding is kept, none resolved.
	for _, f := range found.Findings {
		if !res.Keep(f) {
			t.Errorf("finding %s %s of a source not audited is not kept", f.Rule, f.Subject)
		}
	}
	// Sources never crawled at all count as not audited too.
	in.Sources = nil
	res, err = Evaluate(in, day(t, "2025-04-01"))
	if err != nil || len(res.Findings) != 0 {
		t.Fatalf("no source states: %d findings, %v", len(res.Findings), err)
	}
	// With every source audited, nothing found earlier is kept.
	in = richInput(t, cfg)
	res, _ = Evaluate(in, day(t, "2025-04-01"))
	for _, f := range found.Findings {
		if res.Keep(f) && f.Rule != BrokenAttachment {
			t.Errorf("finding %s %s of an audited source is kept", f.Rule, f.Subject)
		}
	}
	// Findings before the window are kept (not resolved by a moving window).
	if !res.Keep(store.Finding{Rule: Timeliness, Subject: "x", Column: colNews, Quarter: "2023Q4"}) {
		t.Error("a finding before the window is not kept")
	}
}

func TestConfigured(t *testing.T) {
	cfg := testConfig()
	off, pts, on := false, 3.5, true
	cfg.Rules.Checks = map[string]config.Check{
		Timeliness:  {Points: &pts},
		Backdated:   {Enabled: &off},
		StaleColumn: {Scoring: &on},
	}
	res, err := Evaluate(richInput(t, cfg), day(t, "2025-04-01"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range res.Findings {
		switch f.Rule {
		case Timeliness:
			if f.Points != 3.5 {
				t.Errorf("timeliness points = %v, want 3.5", f.Points)
			}
		case Backdated:
			t.Error("disabled check found something")
		case StaleColumn:
			if !f.Scoring {
				t.Error("stale-column scoring not configured")
			}
		}
	}
	for _, r := range res.Rules {
		if r == Backdated {
			t.Error("disabled check listed as evaluated")
		}
	}
	cfg.Rules.Checks = map[string]config.Check{"timelyness": {Enabled: &off}}
	if _, err := Evaluate(richInput(t, cfg), day(t, "2025-04-01")); err == nil || !strings.Contains(err.Error(), "timelyness") {
		t.Errorf("unknown check id: err = %v", err)
	}
}

func TestEvaluateCalendarCoverage(t *testing.T) {
	in := richInput(t, testConfig())
	_, err := Evaluate(in, day(t, "2028-02-01"))
	if !errors.Is(err, workday.ErrNoData) || !strings.Contains(err.Error(), "2028") {
		t.Fatalf("as of 2028 without holiday data: err = %v", err)
	}
	in.Config.Rules.Since = "2025-13-01"
	if _, err := Evaluate(in, day(t, "2025-04-01")); err == nil || !strings.Contains(err.Error(), "rules.since") {
		t.Errorf("bad rules.since: err = %v", err)
	}
}

func TestDeterministic(t *testing.T) {
	in := richInput(t, testConfig())
	a, err := Evaluate(in, day(t, "2025-04-01"))
	if err != nil {
		t.Fatal(err)
	}
	// Reverse the input order: same findings in the same order.
	for i, j := 0, len(in.Items)-1; i < j; i, j = i+1, j-1 {
		in.Items[i], in.Items[j] = in.Items[j], in.Items[i]
	}
	b, err := Evaluate(in, day(t, "2025-04-01"))
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Findings) != len(b.Findings) {
		t.Fatalf("%d vs %d findings", len(a.Findings), len(b.Findings))
	}
	for i := range a.Findings {
		if a.Findings[i].ID != b.Findings[i].ID || a.Findings[i].Evidence.Text != b.Findings[i].Evidence.Text {
			t.Errorf("finding %d differs: %s vs %s", i, a.Findings[i].Subject, b.Findings[i].Subject)
		}
	}
}

func TestQuarter(t *testing.T) {
	for in, want := range map[string]string{"2026-01-01": "2026Q1", "2026-03-31": "2026Q1", "2026-07-01": "2026Q3", "2026-12-31": "2026Q4"} {
		if got := Quarter(day(t, in)); got != want {
			t.Errorf("Quarter(%s) = %s, want %s", in, got, want)
		}
	}
	first, last, err := ParseQuarter("2026Q3")
	if err != nil || first.Format(dateLayout) != "2026-07-01" || last.Format(dateLayout) != "2026-09-30" {
		t.Errorf("ParseQuarter(2026Q3) = %v, %v, %v", first, last, err)
	}
	for _, bad := range []string{"2026Q5", "2026Q0", "26Q1", "2026q1", "2026Q1x", ""} {
		if _, _, err := ParseQuarter(bad); err == nil {
			t.Errorf("ParseQuarter(%q): no error", bad)
		}
	}
}

// FuzzParseDay: store dates parse to their own calendar day or fail; never
// panic, never a wrong date.
func FuzzParseDay(f *testing.F) {
	for _, s := range []string{"2026-04-09", "2026-04-28 18:20", "2026-04-28 18:20:05", "2026-04-28T18:20", "2024-02-30",
		"2024年03月17日", "[2021-03-17]", "20261006", "2026/08/31 09:30", "", " 2026-04-09 ", "2026-04-09 25:00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := parseDay(s)
		if err != nil {
			return
		}
		trimmed := strings.TrimSpace(s)
		if d.Format(dateLayout) != trimmed[:10] {
			t.Fatalf("parseDay(%q) = %s", s, d.Format(dateLayout))
		}
		if d.Hour() != 0 || d.Minute() != 0 || d.Location() != workday.CST() {
			t.Fatalf("parseDay(%q) = %v: not midnight CST", s, d)
		}
		if _, err := time.Parse(dateLayout, trimmed[:10]); err != nil {
			t.Fatalf("parseDay(%q) accepted an invalid date", s)
		}
	})
}
