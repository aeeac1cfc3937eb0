package rules

import (
	"regexp"
	"testing"
)

var asciiWord = regexp.MustCompile(`[A-Za-z_]{2,}`)

// TestCatalogue holds every catalogue entry to the vocabulary's promise:
// a Chinese title, short name and action, and a unique id.
func TestCatalogue(t *testing.T) {
	seen := map[string]bool{}
	for _, d := range Defs() {
		if seen[d.ID] {
			t.Errorf("check %s listed twice", d.ID)
		}
		seen[d.ID] = true
		for what, s := range map[string]string{"Title": d.Title, "Short": d.Short, "Action": d.Action, "Article": d.Article} {
			if s == "" {
				t.Errorf("check %s: no %s", d.ID, what)
			}
			if what != "Article" && asciiWord.MatchString(s) {
				t.Errorf("check %s: %s %q is not Chinese", d.ID, what, s)
			}
		}
		if len([]rune(d.Short)) > 8 {
			t.Errorf("check %s: short name %q longer than 8 characters", d.ID, d.Short)
		}
		if CheckName(d.ID) != d.Title || CheckShort(d.ID) != d.Short || CheckAction(d.ID) != d.Action {
			t.Errorf("check %s: look-ups disagree with the entry", d.ID)
		}
	}
	if asciiWord.MatchString(CheckName("no-such-check")) {
		t.Errorf("unknown check renders its id")
	}
	for _, k := range DateKeys() {
		if n := DateName(k); n == "日期" || asciiWord.MatchString(n) {
			t.Errorf("date key %s has no Chinese name", k)
		}
	}
}

func TestEvidenceWording(t *testing.T) {
	for in, want := range map[string]string{
		"附件「a.pdf」无法下载：HTML error page（http://x/a.pdf；所在页面发布 2026-01-02）":           "附件「a.pdf」无法下载：打开为网页而非文件（所在页面发布 2026-01-02）",
		"附件「http://x/b.doc」无法下载：empty body（http://x/b.doc；所在页面发布 2026-01-02）":       "附件无法下载：文件内容为空（所在页面发布 2026-01-02）",
		"页面（发布 2026-01-02）上的链接 https://x/y?z=1 无法访问：HTTP 404（探测于 2026-01-03 08:00）": "页面（发布 2026-01-02）上的链接无法访问：网页状态码 404（页面不存在）（探测于 2026-01-03 08:00）",
		"HTTP 599": "网页状态码 599",
		"成文 2026-06-17，发布 2026-08-19：44 个工作日，超过 20 个工作日（节假日不计：端午节 2026-06-19（1 个工作日））": "成文 2026-06-17，发布 2026-08-19：44 个工作日，超过 20 个工作日",
		"重点栏目「通知公告」2026Q3（2026-07-01 至 2026-09-30）无信息发布":                               "重点栏目「通知公告」2026年第三季度（2026-07-01 至 2026-09-30）无信息发布",
	} {
		if got := PlainEvidence(in); got != want {
			t.Errorf("PlainEvidence(%q)\n got %q\nwant %q", in, got, want)
		}
	}
	if got := FormatDates(map[string]string{"to": "2026-09-30", "from": "2026-07-01", "last_published": "2026-06-22"}); got != "考核期起 2026-07-01；考核期止 2026-09-30；最近发布 2026-06-22" {
		t.Errorf("FormatDates = %q", got)
	}
}
