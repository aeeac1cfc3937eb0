package rules

import (
	"strings"
	"testing"

	"github.com/govaudit/govaudit/pii"
	"github.com/govaudit/govaudit/store"
)

// richContents gives richInput's items content records on which every
// content check finds something: an ID number in the body of brk.html, a
// mobile in an attachment, a hidden link, a link to an IP address.
func richContents(items []store.Item) map[string]store.Content {
	m := map[string]store.Content{}
	for _, it := range items {
		c := store.Content{URL: it.URL, PageHash: it.SnapshotHash}
		// Attachments of the other checks' items were read and are clean.
		for _, a := range it.Attachments {
			c.Attachments = append(c.Attachments, store.AttachmentText{URL: a.URL, Name: a.Name, Audited: true, TextLen: 100})
		}
		m[it.URL] = c
	}
	c := m["http://p/brk.html"]
	c.Personal = []store.PersonalMatch{{Kind: pii.KindID, Masked: "370305********1234", Hash: pii.Hash("370305198001011234"), Where: "第 4 行", Context: "张三 370305********1234"}}
	c.PersonalCounts = map[string]int{pii.KindID: 1}
	c.Links = []store.ContentLink{
		{URL: "http://bet.example.com/", Text: "博彩", Hidden: "display:none"},
		{URL: "http://10.1.2.3/x.html", Text: "内网"},
		{URL: "http://www.shandong.gov.cn/", Text: "省政府"},
		{URL: "http://www.people.com.cn/", Text: "人民网"},
		{URL: "http://shop.example.com/"},
	}
	c.Attachments = []store.AttachmentText{
		{URL: "http://p/f/404.pdf", Name: "a.pdf", Cause: "附件无法下载（HTTP 404）"},
		{URL: "http://p/f/list.xlsx", Name: "名单.xlsx", Audited: true, TextLen: 400,
			Personal: []store.PersonalMatch{
				{Kind: pii.KindMobile, Masked: "138****5678", Hash: pii.Hash("13812345678"), Where: "工作表 名单 C2"},
				{Kind: pii.KindMobile, Masked: "139****0000", Hash: pii.Hash("13900000000"), Where: "工作表 名单 C3"},
			},
			PersonalCounts: map[string]int{pii.KindMobile: 2}},
		{URL: "http://p/f/scan.pdf", Name: "扫描件.pdf", Cause: "无法提取文字：图片型 PDF，无文字层"},
	}
	m[c.URL] = c
	return m
}

func TestContentChecks(t *testing.T) {
	cfg := testConfig()
	cfg.Rules.PersonalData.Allow = []string{"139-0000-0000"}
	in := richInput(t, cfg)
	in.Config = onlyCheck(cfg, PersonalData)
	pd, sum, _ := eval(t, in, PersonalData, "2025-04-01")
	body, ok := pd["http://p/brk.html"]
	if !ok || len(pd) != 2 {
		t.Fatalf("personal-data findings %v", keys(pd))
	}
	att := pd["http://p/f/list.xlsx"]
	if !strings.Contains(att.Evidence.Text, "手机号码 1 处") || strings.Contains(att.Evidence.Text, "139****0000") {
		t.Errorf("allow list not applied: %s", att.Evidence.Text)
	}
	if !strings.Contains(body.Evidence.Text, "370305********1234") || !strings.Contains(body.Evidence.Text, "第 4 行") || body.Points != 2 || !body.Scoring {
		t.Errorf("body finding %+v", body)
	}
	// The scanned PDF and the broken attachment are not audited; nothing unmasked anywhere.
	if sum.NotAudited != 2 {
		t.Errorf("not audited %d, want 2", sum.NotAudited)
	}
	for _, f := range pd {
		if strings.Contains(f.Evidence.Text, "13812345678") || strings.Contains(f.Evidence.Text, "198001011234") {
			t.Errorf("clear number in evidence: %s", f.Evidence.Text)
		}
	}

	in.Config = onlyCheck(cfg, ExternalLink)
	ext, _, _ := eval(t, in, ExternalLink, "2025-04-01")
	for _, s := range []string{"http://p/brk.html -> http://bet.example.com/", "http://p/brk.html -> http://10.1.2.3/x.html", "http://p/brk.html -> http://shop.example.com/"} {
		if _, ok := ext[s]; !ok {
			t.Errorf("external-link misses %s (has %v)", s, keys(ext))
		}
	}
	if len(ext) != 3 {
		t.Errorf("external-link %v", keys(ext))
	}
	if f := ext["http://p/brk.html -> http://10.1.2.3/x.html"]; !strings.Contains(f.Evidence.Text, "IP 地址") || f.Scoring || f.Points != 0.5 {
		t.Errorf("IP link finding %+v", f)
	}
	in.Config = onlyCheck(cfg, HiddenLink)
	hid, _, _ := eval(t, in, HiddenLink, "2025-04-01")
	if len(hid) != 2 {
		t.Errorf("hidden-link %v", keys(hid))
	}
	if _, ok := hid["http://p/brk.html -> http://shop.example.com/"]; !ok {
		t.Error("text-less outside link not flagged")
	}

	cfg.Site.AllowedDomains = []string{"shop.example.com", "10.1.2.3"}
	in.Config = onlyCheck(cfg, ExternalLink)
	ext, _, _ = eval(t, in, ExternalLink, "2025-04-01")
	if len(ext) != 1 {
		t.Errorf("allowed_domains not applied: %v", keys(ext))
	}
}

// TestContentNotAudited: items without content records are not audited, never clean.
func TestContentNotAudited(t *testing.T) {
	in := richInput(t, testConfig())
	in.Contents = nil
	for _, rule := range []string{PersonalData, ExternalLink, HiddenLink} {
		in.Config = onlyCheck(testConfig(), rule)
		fs, sum, _ := eval(t, in, rule, "2025-04-01")
		if len(fs) != 0 || sum.NotAudited == 0 || sum.Examined != 0 {
			t.Errorf("%s without content: %d findings, %+v", rule, len(fs), sum)
		}
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestUnreadAttachmentNotAudited: an attachment the content record does
// not cover (attachment text off) is not audited, not clean.
func TestUnreadAttachmentNotAudited(t *testing.T) {
	cfg := onlyCheck(testConfig(), PersonalData)
	in := richInput(t, cfg)
	c := in.Contents["http://p/brk.html"]
	c.Attachments = nil
	c.Personal, c.PersonalCounts = nil, nil
	in.Contents["http://p/brk.html"] = c
	fs, sum, _ := eval(t, in, PersonalData, "2025-04-01")
	if len(fs) != 0 || sum.NotAudited != 1 {
		t.Errorf("findings %v, summary %+v; want none and 1 not audited", keys(fs), sum)
	}
}
