package rules

import (
	"errors"
	"strings"
	"testing"

	"github.com/govaudit/govaudit/config"
	"github.com/govaudit/govaudit/store"
)

func TestTimeliness(t *testing.T) {
	cfg := onlyCheck(testConfig(), Timeliness)
	cases := []struct {
		name      string
		published string
		written   string
		fetchErr  string
		srcDown   bool
		want      bool
		undatable int
		notAud    int
		text      string
	}{
		{name: "exactly 20 on time", published: "2024-10-23", written: "2024-09-20"},
		{name: "21 late", published: "2024-10-24", written: "2024-09-20", want: true,
			text: "成文 2024-09-20，发布 2024-10-24：21 个工作日，超过 20 个工作日（节假日不计：国庆节 2024-10-01、10-02、10-03、10-04、10-07（5 个工作日）；调休上班计入：国庆节调休 2024-09-29（周日）、国庆节调休 2024-10-12（周六））"},
		{name: "21 late without holidays", published: "2024-12-20", written: "2024-11-20", want: true, text: "成文 2024-11-20，发布 2024-12-20：22 个工作日，超过 20 个工作日"},
		{name: "29 with holidays", published: "2024-11-05", written: "2024-09-20", want: true,
			text: "成文 2024-09-20，发布 2024-11-05：29 个工作日，超过 20 个工作日（节假日不计：国庆节 2024-10-01、10-02、10-03、10-04、10-07（5 个工作日）；调休上班计入：国庆节调休 2024-09-29（周日）、国庆节调休 2024-10-12（周六））"},
		{name: "same day", published: "2024-09-20", written: "2024-09-20"},
		{name: "no written date", published: "2024-11-05", undatable: 1},
		{name: "article page failed", published: "2024-11-05", written: "2024-09-20", fetchErr: "timeout", notAud: 1},
		{name: "column not audited", published: "2024-11-05", written: "2024-09-20", srcDown: true, notAud: 1},
		{name: "before the window", published: "2022-12-30", written: "2022-10-01"},
		{name: "after as-of", published: "2025-01-02", written: "2024-09-20"},
		{name: "written in a year without data", published: "2024-11-05", written: "1999-01-04", undatable: 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			x := it(colNews, "http://p/a.html", "关于印发某方案的通知", tc.published, tc.written)
			x.FetchErr = tc.fetchErr
			srcs := audited(cfg, nil)
			if tc.srcDown {
				srcs = notAudited(srcs, "column:"+colNews)
			}
			got, sum, res := eval(t, Input{Config: cfg, Calendar: testCal(t), Items: []store.Item{x}, Sources: srcs}, Timeliness, "2024-12-31")
			if (len(got) == 1) != tc.want || len(got) > 1 {
				t.Fatalf("findings = %v, want finding %v", subjects(got), tc.want)
			}
			if sum.Undatable != tc.undatable || sum.NotAudited != tc.notAud {
				t.Errorf("summary = %+v, want undatable %d, not audited %d", sum, tc.undatable, tc.notAud)
			}
			if tc.want {
				f := got[x.URL]
				if f.Evidence.Text != tc.text {
					t.Errorf("evidence\n got %s\nwant %s", f.Evidence.Text, tc.text)
				}
				if f.Quarter != Quarter(day(t, tc.published)) || f.Unit != "u2" || f.Column != colNews || f.Points != 1 || !f.Scoring {
					t.Errorf("finding fields: %+v", f)
				}
				if f.Evidence.SnapshotHash != x.SnapshotHash || f.Evidence.FetchedAt.IsZero() || (tc.written == "2024-09-20" && f.Evidence.Dates["due"] != "2024-10-23") {
					t.Errorf("evidence fields: %+v", f.Evidence)
				}
			}
			if tc.fetchErr != "" || tc.srcDown {
				old := store.Finding{Rule: Timeliness, Subject: x.URL, URL: x.URL, Column: colNews, Quarter: "2024Q4"}
				if !res.Keep(old) {
					t.Error("a finding of an item that was not audited is not kept")
				}
			}
		})
	}
}

func TestBackdated(t *testing.T) {
	cfg := onlyCheck(testConfig(), Backdated)
	items := []store.Item{
		it(colNews, "http://p/1.html", "a", "2024-09-18", "2024-09-20"), // backdated
		it(colNews, "http://p/2.html", "b", "2024-09-20", "2024-09-20"), // same day
		it(colNews, "http://p/3.html", "c", "2024-09-21", "2024-09-20"),
		it(colNews, "http://p/4.html", "d", "2024-09-21", ""), // undatable
	}
	got, sum, _ := eval(t, Input{Config: cfg, Calendar: testCal(t), Items: items, Sources: audited(cfg, nil)}, Backdated, "2024-12-31")
	sameSubjects(t, got, "http://p/1.html")
	if f := got["http://p/1.html"]; f.Evidence.Text != "发布日期 2024-09-18 早于成文日期 2024-09-20（早 2 天）" || f.Points != 0.5 {
		t.Errorf("finding = %+v", f)
	}
	if sum.Undatable != 1 || sum.Examined != 3 {
		t.Errorf("summary = %+v", sum)
	}
}

func TestKeyColumnEmpty(t *testing.T) {
	cfg := onlyCheck(testConfig(), KeyColumnEmpty)
	items := []store.Item{
		it(colPolicy, "http://p/q1.html", "a", "2024-02-10", ""),
		it(colPolicy, "http://p/q3.html", "b", "2024-09-30", ""),
		it(colPolicy, "http://p/q5.html", "c", "2025-01-01", ""),
	}
	cases := []struct {
		asOf string
		want []string
	}{
		// 2025Q1 ends 03-31: judged from 04-01 on.
		{"2025-03-31", []string{colPolicy + ":2024Q2", colPolicy + ":2024Q4"}},
		{"2025-04-01", []string{colPolicy + ":2024Q2", colPolicy + ":2024Q4"}},
		{"2025-07-01", []string{colPolicy + ":2024Q2", colPolicy + ":2024Q4", colPolicy + ":2025Q2"}},
		{"2025-12-31", []string{colPolicy + ":2024Q2", colPolicy + ":2024Q4", colPolicy + ":2025Q2", colPolicy + ":2025Q3"}},
		// The window moves: from 2026 on, 2024's quarters are no longer judged.
		{"2026-01-01", []string{colPolicy + ":2025Q2", colPolicy + ":2025Q3", colPolicy + ":2025Q4"}},
		{"2026-04-01", []string{colPolicy + ":2025Q2", colPolicy + ":2025Q3", colPolicy + ":2025Q4", colPolicy + ":2026Q1"}},
	}
	for _, tc := range cases {
		got, _, _ := eval(t, Input{Config: cfg, Calendar: testCal(t), Items: items, Sources: audited(cfg, nil)}, KeyColumnEmpty, tc.asOf)
		t.Run(tc.asOf, func(t *testing.T) { sameSubjects(t, got, tc.want...) })
	}
	got, _, _ := eval(t, Input{Config: cfg, Calendar: testCal(t), Items: items, Sources: audited(cfg, nil)}, KeyColumnEmpty, "2025-04-01")
	f := got[colPolicy+":2024Q2"]
	if f.Quarter != "2024Q2" || f.Points != 2 || f.Unit != "u1" || f.Column != colPolicy ||
		f.Evidence.Text != "重点栏目「政策文件」2024年第二季度（2024-04-01 至 2024-06-30）无信息发布；此前最近一次发布 2024-02-10" {
		t.Errorf("finding = %+v", f)
	}
	// A column walked only partly (a page cap) is not judged before its oldest item.
	srcs := audited(cfg, nil)
	for i := range srcs {
		if srcs[i].Key == "column:"+colPolicy {
			srcs[i].Truncated = true
		}
	}
	got, sum, _ := eval(t, Input{Config: cfg, Calendar: testCal(t), Items: items[1:], Sources: srcs}, KeyColumnEmpty, "2025-04-01")
	sameSubjects(t, got, colPolicy+":2024Q4")
	if sum.NotAudited != 3 {
		t.Errorf("truncated column: not audited = %d, want 3 (2024Q1..Q3 before the oldest item)", sum.NotAudited)
	}
}

func TestBlankColumn(t *testing.T) {
	cfg := onlyCheck(testConfig(), BlankColumn)
	items := []store.Item{it(colNews, "http://p/1.html", "a", "2024-09-18", "")}
	counts := map[string]int{colBlank: 0, colNews: 1}
	for _, c := range cfg.Columns {
		if _, ok := counts[c.ID]; !ok {
			counts[c.ID] = 3
		}
	}
	srcs := audited(cfg, counts)
	got, _, _ := eval(t, Input{Config: cfg, Calendar: testCal(t), Items: items, Sources: srcs}, BlankColumn, "2024-12-31")
	sameSubjects(t, got, colBlank)
	if f := got[colBlank]; f.Quarter != "2024Q4" || f.Unit != "u3" || !strings.Contains(f.Evidence.Text, "没有任何信息") {
		t.Errorf("finding = %+v", f)
	}
	// Not audited: no finding, never "blank".
	got, sum, _ := eval(t, Input{Config: cfg, Calendar: testCal(t), Items: items, Sources: notAudited(srcs, "column:"+colBlank)}, BlankColumn, "2024-12-31")
	sameSubjects(t, got)
	if sum.NotAudited != 1 {
		t.Errorf("not audited = %d, want 1", sum.NotAudited)
	}
}

func TestMissingAttachment(t *testing.T) {
	cfg := onlyCheck(testConfig(), MissingAttachment)
	att := func(name string) store.Attachment {
		return store.Attachment{URL: "http://p/f/" + name, Name: name, Checked: true, Status: 200}
	}
	cases := []struct {
		name  string
		col   string
		atts  []store.Attachment
		named []string
		want  string // evidence fragment, "" for none
	}{
		{"policy without attachment", colPolicy, nil, nil, "须提供附件下载"},
		{"policy with attachment", colPolicy, []store.Attachment{att("方案.pdf")}, nil, ""},
		{"dynamic without attachment", colNews, nil, nil, ""},
		{"named and linked", colPolicy, []store.Attachment{att("2024年预算表.xlsx")}, []string{"附件1：2024年预算表"}, ""},
		{"named with numbering", colPolicy, []store.Attachment{att("1.实施细则.docx"), att("申请表.doc")}, []string{"1、实施细则", "2. 申请表"}, ""},
		{"named not linked", colPolicy, []store.Attachment{att("申请表.doc")}, []string{"附件：申请表", "附件2：填报说明"}, "「附件2：填报说明」"},
		{"named none linked", colPolicy, []store.Attachment{att("其他.pdf")}, []string{"附件：汇总表.xls"}, "附件：汇总表.xls"},
		{"named not linked outside policy and service columns", colNews, []store.Attachment{att("申请表.doc")}, []string{"附件2：填报说明"}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			x := it(tc.col, "http://p/a.html", "某文件", "2024-10-10", "2024-10-09")
			x.Attachments, x.NamedAttachments = tc.atts, tc.named
			got, _, _ := eval(t, Input{Config: cfg, Calendar: testCal(t), Items: []store.Item{x}, Sources: audited(cfg, nil)}, MissingAttachment, "2024-12-31")
			if tc.want == "" {
				sameSubjects(t, got)
				return
			}
			sameSubjects(t, got, x.URL)
			if !strings.Contains(got[x.URL].Evidence.Text, tc.want) {
				t.Errorf("evidence %q does not contain %q", got[x.URL].Evidence.Text, tc.want)
			}
		})
	}
	// requires_attachment overrides the kind.
	no := false
	cfg.Columns[0].RequiresAttachment = &no
	x := it(colPolicy, "http://p/a.html", "某文件", "2024-10-10", "")
	got, _, _ := eval(t, Input{Config: cfg, Calendar: testCal(t), Items: []store.Item{x}, Sources: audited(cfg, nil)}, MissingAttachment, "2024-12-31")
	sameSubjects(t, got)
}

func TestAttachmentKey(t *testing.T) {
	cases := map[string]string{
		"附件1：2024年预算表.xlsx": "2024年预算表",
		"附件：申请表":            "申请表",
		"1.实施细则.docx":       "实施细则",
		"（2）填报 说明.pdf":      "填报说明",
		"附件 3、《管理办法》":       "管理办法",
		"2024年预算表":          "2024年预算表",
	}
	for in, want := range cases {
		if got := attachmentKey(in); got != want {
			t.Errorf("attachmentKey(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestBrokenAttachment(t *testing.T) {
	cfg := onlyCheck(testConfig(), BrokenAttachment)
	x := it(colPolicy, "http://p/a.html", "某文件", "2024-10-10", "")
	x.Attachments = []store.Attachment{
		{URL: "http://p/f/ok.pdf", Name: "ok.pdf", Checked: true, Status: 200},
		{URL: "http://p/f/404.pdf", Name: "实施方案.pdf", Checked: true, Status: 404, Broken: "HTTP 404"},
		{URL: "http://p/f/html.pdf", Name: "b.pdf", Checked: true, Status: 200, Broken: "HTML error page"},
		{URL: "http://p/f/empty.doc", Name: "c.doc", Checked: true, Status: 200, Broken: "empty body"},
		{URL: "http://p/f/500.doc", Name: "d.doc", Checked: true, Status: 500},
		{URL: "http://p/f/timeout.pdf", Name: "e.pdf", Checked: true, Err: "timeout"},
		{URL: "http://p/f/unprobed.pdf", Name: "f.pdf"},
	}
	got, sum, res := eval(t, Input{Config: cfg, Calendar: testCal(t), Items: []store.Item{x}, Sources: audited(cfg, nil)}, BrokenAttachment, "2024-12-31")
	sameSubjects(t, got, "http://p/f/404.pdf", "http://p/f/html.pdf", "http://p/f/empty.doc", "http://p/f/500.doc")
	if f := got["http://p/f/404.pdf"]; f.URL != x.URL || f.Quarter != "2024Q4" || f.Evidence.Text != "附件「实施方案.pdf」无法下载：网页状态码 404（页面不存在）（http://p/f/404.pdf；所在页面发布 2024-10-10）" {
		t.Errorf("finding = %+v", f)
	}
	if sum.NotAudited != 2 || sum.Examined != 5 {
		t.Errorf("summary = %+v", sum)
	}
	if !res.Keep(store.Finding{Rule: BrokenAttachment, Subject: "http://p/f/timeout.pdf", Column: colPolicy, Quarter: "2024Q4"}) {
		t.Error("finding of an attachment whose probe timed out is not kept")
	}
}

func TestMailboxReply(t *testing.T) {
	cfg := onlyCheck(testConfig(), MailboxReply)
	letter := func(url, received, replied, status string) store.Letter {
		return store.Letter{URL: url, Mailbox: mbox, Unit: "u1", Title: "咨询", Received: received, Replied: replied, Status: status}
	}
	cases := []struct {
		name string
		l    store.Letter
		asOf string
		text string // "" for no finding
	}{
		// 09-27 (Fri) + 5: 09-29 (make-up Sunday), 09-30, 10-08, 10-09, 10-10.
		{"5 working days on time", letter("l1", "2024-09-27 16:20", "2024-10-10 09:00", "已办结"), "2024-12-31", ""},
		{"6 working days late", letter("l2", "2024-09-27 16:20", "2024-10-11", "已办结"), "2024-12-31",
			"来信 2024-09-27，答复 2024-10-11：6 个工作日，超过 5 个工作日（节假日不计：国庆节 2024-10-01、10-02、10-03、10-04、10-07（5 个工作日）；调休上班计入：国庆节调休 2024-09-29（周日））"},
		{"unanswered within the limit", letter("l3", "2024-12-20", "", "办理中"), "2024-12-27", ""},
		{"unanswered past the limit", letter("l4", "2024-12-20", "", "办理中"), "2024-12-30",
			"来信 2024-12-20，截至 2024-12-30 未答复：已 6 个工作日，超过 5 个工作日"},
		{"answered after as-of counts as unanswered", letter("l5", "2024-12-20", "2025-01-10", "已办结"), "2024-12-30",
			"来信 2024-12-20，截至 2024-12-30 未答复：已 6 个工作日，超过 5 个工作日"},
		{"answered without a date", letter("l6", "2024-11-01", "", "已办结"), "2024-12-30", ""},
		{"已反馈 without a date is answered", letter("l7", "2024-11-01", "", "已反馈"), "2024-12-30", ""},
		{"未办结 is not answered", letter("l8", "2024-12-20", "", "未办结"), "2024-12-30",
			"来信 2024-12-20，截至 2024-12-30 未答复：已 6 个工作日，超过 5 个工作日"},
		{"a reply text without a date", func() store.Letter {
			l := letter("l9", "2024-11-01", "", "")
			l.Answered = true
			return l
		}(), "2024-12-30", ""},
		{"办理中 outweighs a reply text", func() store.Letter {
			l := letter("l10", "2024-12-20", "", "办理中")
			l.Answered = true
			return l
		}(), "2024-12-30", "来信 2024-12-20，截至 2024-12-30 未答复：已 6 个工作日，超过 5 个工作日"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, _, _ := eval(t, Input{Config: cfg, Calendar: testCal(t), Letters: []store.Letter{tc.l}, Sources: audited(cfg, nil)}, MailboxReply, tc.asOf)
			if tc.text == "" {
				sameSubjects(t, got)
				return
			}
			sameSubjects(t, got, tc.l.URL)
			f := got[tc.l.URL]
			if f.Evidence.Text != tc.text || f.Column != mbox || f.Unit != "u1" || f.Quarter != Quarter(day(t, tc.l.Received[:10])) {
				t.Errorf("finding = %+v\nwant text %s", f, tc.text)
			}
		})
	}
	// The limit is per mailbox.
	cfg.Mailboxes[0].ReplyDays = 10
	got, _, _ := eval(t, Input{Config: cfg, Calendar: testCal(t), Letters: []store.Letter{cases[1].l}, Sources: audited(cfg, nil)}, MailboxReply, "2024-12-31")
	sameSubjects(t, got)
	// A mailbox that was not crawled yields nothing and keeps its findings.
	cfg.Mailboxes[0].ReplyDays = 5
	got, sum, res := eval(t, Input{Config: cfg, Calendar: testCal(t), Letters: []store.Letter{cases[1].l},
		Sources: notAudited(audited(cfg, nil), "mailbox:"+mbox)}, MailboxReply, "2024-12-31")
	sameSubjects(t, got)
	if sum.NotAudited != 1 || !res.Keep(store.Finding{Rule: MailboxReply, Subject: "l2", Column: mbox, Quarter: "2024Q3"}) {
		t.Errorf("not audited mailbox: summary %+v, keep false", sum)
	}
}

func TestAnsweredStatus(t *testing.T) {
	for s, want := range map[string]bool{
		"已办结": true, "办结": true, "已回复": true, "已答复": true, "已处理": true, "已反馈": true,
		"已解答": true, "已办理": true, "已完成": true, "已回复（未公开）": true, "回复完成": true,
		"未办结": false, "未回复": false, "待反馈": false, "尚未答复": false, "办理中": false,
		"处理中": false, "不予办理": false, "已受理": false, "已转办": false, "待受理": false, "": false,
		"已公开": true, "不公开": false, "未公开": false, "已签收": false,
	} {
		if got := answeredStatus(s); got != want {
			t.Errorf("answeredStatus(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestPeriodicGap(t *testing.T) {
	cfg := onlyCheck(testConfig(), PeriodicGap)
	cfg.Rules.Since = "2024-01-01"
	items := []store.Item{
		it(colStats, "http://p/s1.html", "2023年12月统计数据", "2024-01-10", ""),
		it(colStats, "http://p/s2.html", "2024年1月统计数据", "2024-02-10", ""),
		it(colStats, "http://p/s3.html", "2024年03月统计数据", "2024-04-20", ""), // deadline 04-15: late
		it(colStats, "http://p/s3b.html", "2024年3月统计数据（更正）", "2024-04-25", ""),
		it(colStats, "http://p/s4.html", "2024年4月统计数据", "2024-05-10", ""),
		it(colQuarter, "http://p/q1.html", "2023年第四季度数据", "2024-01-15", ""),
		it(colQuarter, "http://p/q2.html", "2024年一季度数据", "2024-04-10", ""),
		it(colYear, "http://p/y1.html", "2023年工作总结", "2024-01-31", ""),
	}
	got, sum, _ := eval(t, Input{Config: cfg, Calendar: testCal(t), Items: items, Sources: audited(cfg, nil)}, PeriodicGap, "2024-05-20")
	// Monthly: 2023-12 (due 01-15) … 2024-04 (due 05-15); quarterly 2023Q4
	// (due 01-20), 2024Q1 (due 04-20); yearly 2023 (due 01-31).
	sameSubjects(t, got, colStats+":2024-02", colStats+":2024-03")
	if f := got[colStats+":2024-02"]; f.Quarter != "2024Q1" || f.Evidence.Text != "月度信息「2024年2月」应于 2024-03-15 前发布（期末后 15 天），截至 2024-05-20 未发布" {
		t.Errorf("missing finding = %+v", f)
	}
	if f := got[colStats+":2024-03"]; f.Quarter != "2024Q2" || f.URL != "http://p/s3.html" || !strings.Contains(f.Evidence.Text, "2024-04-20 才发布，逾期 5 天") {
		t.Errorf("late finding = %+v", f)
	}
	if sum.Examined != 8 {
		t.Errorf("examined = %d, want 8 periods", sum.Examined)
	}
	// On the deadline day itself the period is not yet judged; the day after it is.
	got, _, _ = eval(t, Input{Config: cfg, Calendar: testCal(t), Items: items[:4], Sources: audited(cfg, nil)}, PeriodicGap, "2024-05-15")
	sameSubjects(t, got, colStats+":2024-02", colStats+":2024-03", colQuarter+":2023Q4", colQuarter+":2024Q1", colYear+":2023")
	got, _, _ = eval(t, Input{Config: cfg, Calendar: testCal(t), Items: items[:4], Sources: audited(cfg, nil)}, PeriodicGap, "2024-05-16")
	sameSubjects(t, got, colStats+":2024-02", colStats+":2024-03", colStats+":2024-04", colQuarter+":2023Q4", colQuarter+":2024Q1", colYear+":2023")
	// deadline_days is per column.
	cfg.Columns[2].DeadlineDays = 30
	got, _, _ = eval(t, Input{Config: cfg, Calendar: testCal(t), Items: items, Sources: audited(cfg, nil)}, PeriodicGap, "2024-05-20")
	sameSubjects(t, got, colStats+":2024-02")
}

func TestCoveredPeriods(t *testing.T) {
	cases := []struct {
		cadence, title string
		want           string
	}{
		{config.CadenceMonthly, "2026年3月统计月报", "2026-03"},
		{config.CadenceMonthly, "2026年03月统计月报", "2026-03"},
		{config.CadenceMonthly, "2026年12月", "2026-12"},
		{config.CadenceMonthly, "2026年1月至2026年2月", "2026-01,2026-02"},
		{config.CadenceMonthly, "2026年1-2月统计月报", "2026-01,2026-02"},
		{config.CadenceMonthly, "2026年1—2月份主要经济指标", "2026-01,2026-02"},
		{config.CadenceMonthly, "２０２６年３月统计月报", "2026-03"},
		{config.CadenceMonthly, "２０２６年１－２月统计月报", "2026-01,2026-02"},
		{config.CadenceMonthly, "2026年3-1月", ""},
		{config.CadenceMonthly, "12026年3月", ""},
		{config.CadenceMonthly, "2026年13月", ""},
		{config.CadenceMonthly, "临淄区2026年1-2月份经济运行简况", "2026-01,2026-02"},
		{config.CadenceMonthly, "2026年1—3月统计月报", "2026-01,2026-02,2026-03"},
		{config.CadenceMonthly, "临淄区２０２６年３月份经济运行简况", "2026-03"},
		{config.CadenceMonthly, "２０２５年１-２月统计月报", "2025-01,2025-02"},
		{config.CadenceQuarterly, "２０２６年第一季度", "2026Q1"},
		{config.CadenceQuarterly, "2026年第一季度", "2026Q1"},
		{config.CadenceQuarterly, "2026年一季度", "2026Q1"},
		{config.CadenceQuarterly, "2026年3季度", "2026Q3"},
		{config.CadenceQuarterly, "2026年第四季度经济运行", "2026Q4"},
		{config.CadenceQuarterly, "2026年5季度", ""},
		{config.CadenceYearly, "2026年工作计划", "2026"},
		{config.CadenceYearly, "关于2025年度预算的报告", "2025"},
		{config.CadenceNone, "2026年工作计划", ""},
	}
	for _, tc := range cases {
		if got := strings.Join(coveredPeriods(tc.cadence, tc.title), ","); got != tc.want {
			t.Errorf("coveredPeriods(%s, %q) = %q, want %q", tc.cadence, tc.title, got, tc.want)
		}
	}
}

func TestAnnualReport(t *testing.T) {
	cfg := onlyCheck(testConfig(), AnnualReport)
	items := []store.Item{
		it(colReport2, "http://p/r1.html", "区发改局2023年政府信息公开工作年度报告", "2024-01-20", ""),
		it(colReport2, "http://p/r2.html", "区发改局2024年政府信息公开工作年度报告", "2025-02-05", ""), // late
		it(colReport1, "http://p/r3.html", "临淄区人民政府2023年政府信息公开工作年度报告", "2024-03-30", ""),
		it(colReport1, "http://p/r4.html", "2024年政务公开工作要点", "2024-03-01", ""), // not a report
	}
	cases := []struct {
		asOf string
		want []string
	}{
		{"2025-01-31", nil},                 // deadlines not passed yet
		{"2025-02-01", []string{"u2:2024"}}, // late report of u2
		{"2025-03-31", []string{"u2:2024"}}, // district: until 31 March
		{"2025-04-01", []string{"u1:2024", "u2:2024"}},
	}
	for _, tc := range cases {
		got, _, _ := eval(t, Input{Config: cfg, Calendar: testCal(t), Items: items, Sources: audited(cfg, nil)}, AnnualReport, tc.asOf)
		t.Run(tc.asOf, func(t *testing.T) { sameSubjects(t, got, tc.want...) })
	}
	got, _, _ := eval(t, Input{Config: cfg, Calendar: testCal(t), Items: items, Sources: audited(cfg, nil)}, AnnualReport, "2025-04-01")
	if f := got["u1:2024"]; f.Quarter != "2025Q1" || f.Column != colReport1 || f.Points != 2 ||
		f.Evidence.Text != "区政府办公室 2024 年政府信息公开工作年度报告应于 2025-03-31 前发布（区政府报告期限：次年 3 月 31 日），截至 2025-04-01 未发布" {
		t.Errorf("missing finding = %+v", f)
	}
	if f := got["u2:2024"]; f.URL != "http://p/r2.html" || !strings.Contains(f.Evidence.Text, "2025-02-05 才发布，逾期 5 天") {
		t.Errorf("late finding = %+v", f)
	}
}

func TestStaleColumn(t *testing.T) {
	cfg := onlyCheck(testConfig(), StaleColumn)
	items := []store.Item{
		it(colNews, "http://p/n1.html", "动态", "2024-12-01", ""),
		it(colPolicy, "http://p/p1.html", "政策", "2024-06-01", ""),
	}
	cases := []struct {
		asOf string
		want []string
	}{
		{"2024-12-15", nil},               // 14 days: not stale
		{"2024-12-16", []string{colNews}}, // 15 days
		{"2024-12-02", nil},
		{"2024-12-01", nil},
		{"2024-12-31", []string{colNews}},            // policy: 213 days > 183
		{"2025-01-01", []string{colNews, colPolicy}}, // (214)
	}
	// Fix the policy date so that the 183-day boundary falls on 2024-12-31/2025-01-01.
	items[1].Published, items[1].ListDate = "2024-07-01", "2024-07-01"
	for _, tc := range cases {
		got, _, _ := eval(t, Input{Config: cfg, Calendar: testCal(t), Items: items, Sources: audited(cfg, nil)}, StaleColumn, tc.asOf)
		t.Run(tc.asOf, func(t *testing.T) { sameSubjects(t, got, tc.want...) })
	}
	got, _, _ := eval(t, Input{Config: cfg, Calendar: testCal(t), Items: items, Sources: audited(cfg, nil)}, StaleColumn, "2024-12-16")
	if f := got[colNews]; f.Scoring || f.Points != 0 || f.Evidence.Text != "栏目「工作动态」最近一次发布 2024-12-01，截至 2024-12-16 已 15 天未更新，超过 14 天" {
		t.Errorf("finding = %+v", f)
	}
}

func TestBrokenLink(t *testing.T) {
	cfg := onlyCheck(testConfig(), BrokenLink)
	x := it(colNews, "http://p/a.html", "a", "2024-10-10", "")
	x.Links = []string{"http://p/404", "http://p/ok", "http://p/unprobed", "http://p/timeout", "http://p/waf", "http://p/404"}
	pages := map[string]store.Page{
		"http://p/404":     {URL: "http://p/404", Status: 404, ErrKind: "http-4xx"},
		"http://p/ok":      {URL: "http://p/ok", Status: 200},
		"http://p/timeout": {URL: "http://p/timeout", ErrKind: "timeout"},
		"http://p/waf":     {URL: "http://p/waf", Status: 412, ErrKind: "blocked"},
	}
	lookup := func(u string) (store.Page, bool, error) { p, ok := pages[u]; return p, ok, nil }
	var batches [][]string
	batch := func(urls []string) (map[string]store.Page, error) {
		batches = append(batches, urls)
		m := map[string]store.Page{}
		for _, u := range urls {
			if p, ok := pages[u]; ok {
				m[u] = p
			}
		}
		return m, nil
	}
	for _, tc := range []struct {
		name  string
		page  func(string) (store.Page, bool, error)
		pages func([]string) (map[string]store.Page, error)
	}{
		{"one look-up per link", lookup, nil},
		{"batch look-up", nil, batch},
		{"both", lookup, batch},
	} {
		t.Run(tc.name, func(t *testing.T) {
			batches = nil
			in := Input{Config: cfg, Calendar: testCal(t), Items: []store.Item{x}, Sources: audited(cfg, nil), Page: tc.page, Pages: tc.pages}
			got, sum, _ := eval(t, in, BrokenLink, "2024-12-31")
			sameSubjects(t, got, "http://p/a.html -> http://p/404")
			if f := got["http://p/a.html -> http://p/404"]; f.Scoring || f.Points != 0.2 || f.URL != x.URL || !strings.Contains(f.Evidence.Text, "网页状态码 404（页面不存在）") {
				t.Errorf("finding = %+v", f)
			}
			if sum.Examined != 2 || sum.NotAudited != 3 {
				t.Errorf("summary = %+v", sum)
			}
			if tc.pages != nil && len(batches) != 1 {
				t.Errorf("%d batch look-ups, want 1", len(batches))
			}
		})
	}
	// A failing look-up stops the evaluation with an error naming it.
	fail := func([]string) (map[string]store.Page, error) { return nil, errors.New("disk on fire") }
	in := Input{Config: cfg, Calendar: testCal(t), Items: []store.Item{x}, Sources: audited(cfg, nil), Pages: fail}
	if _, err := Evaluate(in, day(t, "2024-12-31")); err == nil || !strings.Contains(err.Error(), "disk on fire") {
		t.Errorf("Evaluate with a failing page look-up: %v", err)
	}
}

// TestPeriodicGapCombinedAndAnnual: a combined "1-2月" item covers both
// months and answers to February's deadline; a yearly annual-report
// column is judged by annual-report alone; a partial or suspect walk is
// not judged by the column checks and keeps their findings.
func TestPeriodicGapCombinedAndAnnual(t *testing.T) {
	cfg := onlyCheck(testConfig(), PeriodicGap)
	cfg.Rules.Since = "2024-01-01"
	for i := range cfg.Columns {
		if cfg.Columns[i].Kind == config.KindAnnualReport {
			cfg.Columns[i].Cadence = config.CadenceYearly
			cfg.Columns[i].DeadlineDays = 31
		}
	}
	items := []store.Item{
		it(colStats, "http://p/s1.html", "2023年12月统计数据", "2024-01-10", ""),
		it(colStats, "http://p/s2.html", "2024年1-2月统计数据", "2024-03-12", ""), // January's own deadline was 02-15
		it(colStats, "http://p/s3.html", "２０２４年３月统计数据", "2024-04-10", ""),
	}
	got, _, _ := eval(t, Input{Config: cfg, Calendar: testCal(t), Items: items, Sources: audited(cfg, nil)}, PeriodicGap, "2024-04-20")
	for s := range got {
		if strings.HasPrefix(s, colStats) {
			t.Errorf("monthly finding %s: 1-2月 covers January and February by February's deadline, ３月 is March", s)
		}
		if strings.Contains(s, "年度报告") {
			t.Errorf("periodic-gap finding %s on an annual-report column: annual-report owns it", s)
		}
	}

	srcs := audited(cfg, nil)
	for i := range srcs {
		if srcs[i].ID == colStats {
			srcs[i].Partial = true
		}
	}
	res := evalResult(t, Input{Config: cfg, Calendar: testCal(t), Items: items[:1], Sources: srcs}, "2024-04-20")
	for _, f := range res.Findings {
		if f.Column == colStats {
			t.Errorf("finding %s on a partial walk", f.Subject)
		}
	}
	if !res.Keep(store.Finding{Rule: PeriodicGap, Subject: colStats + ":2024-02", Column: colStats, Quarter: "2024Q1"}) {
		t.Error("a partial walk must keep the column's earlier periodic-gap findings")
	}
	if res.Keep(store.Finding{Rule: Timeliness, Subject: "http://p/x.html", Column: colStats, URL: "http://p/x.html", Quarter: "2024Q1"}) {
		t.Error("a partial walk still judges its items: an item finding not found again resolves")
	}
}

func evalResult(t *testing.T, in Input, asOf string) Result {
	t.Helper()
	res, err := Evaluate(in, day(t, asOf))
	if err != nil {
		t.Fatal(err)
	}
	return res
}
