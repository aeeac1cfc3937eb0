package extract

import (
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/govaudit/govaudit/config"
)

var now = time.Date(2026, 4, 20, 0, 0, 0, 0, time.UTC)

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func page(t testing.TB, raw, name, family string) Page {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	body := fixture(t, name)
	if strings.Contains(name, "gbk") {
		body, err = simplifiedchinese.GB18030.NewDecoder().Bytes(body)
		if err != nil {
			t.Fatal(err)
		}
	}
	return Page{URL: u, Body: body, Family: family, Now: now}
}

func TestListGongkai(t *testing.T) {
	base := "http://www.example.gov.cn/gongkai/site_lzqfgj/channel_c_5f1a2b3c4d5e6f7a8b9c0d1f_n_1600000001/"
	lp, err := List(page(t, base, "gongkai_list.html", Gongkai))
	if err != nil {
		t.Fatal(err)
	}
	if len(lp.Entries) != 3 {
		t.Fatalf("entries = %d, want 3: %+v", len(lp.Entries), lp.Entries)
	}
	e := lp.Entries[0]
	if e.URL != "http://www.example.gov.cn/gongkai/site_lzqfgj/doc_0a1b2c3d4e5f60718293a4b5.html" || e.Date != "2026-04-09" ||
		e.Title != "关于印发《临淄区促进民营经济高质量发展若干措施》的通知" {
		t.Errorf("entry 0 = %+v", e)
	}
	if lp.Entries[2].Title != "关于做好2026年粮食收购工作的通知" {
		t.Errorf("title attribute not preferred: %q", lp.Entries[2].Title)
	}
	if lp.Next != base+"index_2.html" {
		t.Errorf("next = %q", lp.Next)
	}
	if want := []string{base + "index_2.html", base + "index_3.html"}; !reflect.DeepEqual(lp.Pages, want) {
		t.Errorf("pages = %v, want %v", lp.Pages, want)
	}
	last, err := List(page(t, base+"index_3.html", "gongkai_list_3.html", Gongkai))
	if err != nil {
		t.Fatal(err)
	}
	if last.Next != "" || len(last.Entries) != 1 {
		t.Errorf("last page: next %q, %d entries", last.Next, len(last.Entries))
	}
}

func TestListHanweb(t *testing.T) {
	lp, err := List(page(t, "http://www.example.gov.cn/col/col1229/index.html", "hanweb_col.html", Hanweb))
	if err != nil {
		t.Fatal(err)
	}
	if len(lp.Entries) != 3 || lp.Hanweb == nil {
		t.Fatalf("entries = %d, hanweb %v", len(lp.Entries), lp.Hanweb)
	}
	if lp.Entries[1].URL != "http://www.example.gov.cn/art/2026/3/17/art_1229_3099.html" || lp.Entries[1].Date != "2026-03-17" {
		t.Errorf("entry 1 = %+v", lp.Entries[1])
	}
	h := lp.Hanweb
	if h.Total != 7 || h.PerPage != 3 || h.Embedded != 3 {
		t.Errorf("hanweb = %+v", h)
	}
	if h.Form.Get("columnid") != "1229" || h.Form.Get("unitid") != "93271" || h.Form.Get("webname") != "临淄区" || h.Form.Get("col") != "1" {
		t.Errorf("form = %v", h.Form)
	}
	if got := h.BatchURL(4, 48); got != "http://www.example.gov.cn/module/web/jpage/dataproxy.jsp?startrecord=4&endrecord=48&perpage=3" {
		t.Errorf("batch URL = %q", got)
	}
	u, _ := url.Parse(h.BatchURL(4, 48))
	pp, err := HanwebProxy(Page{URL: u, Body: fixture(t, "hanweb_proxy.xml"), Family: Hanweb, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if pp.Total != 7 || len(pp.Entries) != 4 || pp.Entries[3].Date != "2025-06-01" {
		t.Errorf("proxy = total %d, %+v", pp.Total, pp.Entries)
	}
	if _, err := HanwebProxy(Page{URL: u, Body: []byte("<html>error</html>")}); err == nil {
		t.Error("proxy answer without datastore accepted")
	}
}

func TestListTRS(t *testing.T) {
	base := "http://www.example.gov.cn/jtj/zcwj/"
	lp, err := List(page(t, base+"index.html", "trs_index.html", TRS))
	if err != nil {
		t.Fatal(err)
	}
	if len(lp.Entries) != 3 {
		t.Fatalf("entries = %+v", lp.Entries)
	}
	if lp.Entries[0].Date != "2021-03-17" || lp.Entries[0].URL != base+"202103/t20210317_6512345.html" {
		t.Errorf("entry 0 = %+v (year of [03-17] must come from the URL)", lp.Entries[0])
	}
	if lp.PageCount != 5 || len(lp.Pages) != 4 || lp.Pages[0] != base+"index_1.html" || lp.Pages[3] != base+"index_4.html" {
		t.Errorf("pager = %d %v", lp.PageCount, lp.Pages)
	}
}

func TestListGenericSelectors(t *testing.T) {
	p := page(t, "http://www.example.gov.cn/x/list.html", "trs_index.html", Generic)
	p.Selectors = &config.Selectors{Item: ".list li", Link: "a", Date: "span"}
	lp, err := List(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(lp.Entries) != 3 || lp.Entries[1].Date != "2020-12-30" {
		t.Errorf("entries = %+v", lp.Entries)
	}
}

func TestArticleGongkai(t *testing.T) {
	a, err := ParseArticle(page(t, "http://www.example.gov.cn/gongkai/site_lzqfgj/doc_0a1b2c3d4e5f60718293a4b5.html", "gongkai_doc.html", Gongkai))
	if err != nil {
		t.Fatal(err)
	}
	want := Article{
		Title: "关于印发《临淄区促进民营经济高质量发展若干措施》的通知", Published: "2026-04-09", Written: "2026-03-12",
		DocNo: "临发改发〔2026〕12号", IndexNo: "11370305K21216551K/2026-5502503", Publisher: "区发改局",
		Validity: "有效", Subject: "国民经济管理", ColumnName: "政策文件",
	}
	got := *a
	got.Attachments, got.Named, got.Links, got.BodyLen = nil, nil, nil, 0
	if got.PublishedFrom != "label 发布日期 (text)" || got.WrittenFrom != "label 发文日期 (table)" {
		t.Errorf("date sources = %q, %q", got.PublishedFrom, got.WrittenFrom)
	}
	got.PublishedFrom, got.WrittenFrom, got.Fields = "", "", nil
	if !reflect.DeepEqual(got, want) {
		t.Errorf("article =\n%+v\nwant\n%+v", got, want)
	}
	if a.BodyLen < 60 {
		t.Errorf("body len = %d", a.BodyLen)
	}
	if want := []string{"临淄区促进民营经济高质量发展若干措施.pdf", "政策兑现申请表.docx"}; !reflect.DeepEqual(a.Named, want) {
		t.Errorf("named = %q, want %q", a.Named, want)
	}
	if len(a.Attachments) != 2 || a.Attachments[0].Type != "pdf" || a.Attachments[1].Name != "政策兑现申请表.docx" ||
		a.Attachments[0].URL != "http://www.example.gov.cn/gongkai/site_lzqfgj/files/20260409/%E6%8E%AA%E6%96%BD.pdf" {
		t.Errorf("attachments = %+v", a.Attachments)
	}
	for _, l := range a.Links {
		if strings.HasPrefix(l, "javascript") || strings.Contains(l, "#") {
			t.Errorf("link %q kept", l)
		}
	}
	if len(a.Links) != 5 {
		t.Errorf("links = %q", a.Links)
	}
}

func TestArticleHanweb(t *testing.T) {
	a, err := ParseArticle(page(t, "http://www.example.gov.cn/art/2026/3/17/art_1229_3099.html", "hanweb_art.html", Hanweb))
	if err != nil {
		t.Fatal(err)
	}
	if a.Published != "2026-03-17" || a.Written != "" || a.Publisher != "区住建局" {
		t.Errorf("article = %+v", a)
	}
	if want := []string{"企业名单", "资质证书领取须知"}; !reflect.DeepEqual(a.Named, want) {
		t.Errorf("named = %q", a.Named)
	}
	if len(a.Attachments) != 2 || a.Attachments[0].Type != "xlsx" || a.Attachments[0].Name != "企业名单.xlsx" ||
		!strings.Contains(a.Attachments[1].URL, "downfile.jsp?classid=0&filename=b4c5d6e7f8a9.pdf") {
		t.Errorf("attachments = %+v", a.Attachments)
	}
}

func TestArticleTRSGBK(t *testing.T) {
	a, err := ParseArticle(page(t, "http://www.example.gov.cn/jtj/zcwj/202103/t20210317_6512345.html", "trs_art_gbk.html", TRS))
	if err != nil {
		t.Fatal(err)
	}
	if a.Title != "关于做好2021年春季学期开学工作的通知" || a.Published != "2021-03-17" || a.Written != "2021-03-10" ||
		a.DocNo != "" || a.Publisher != "临淄区教育和体育局" || a.Validity != "有效" {
		t.Errorf("article = %+v", a)
	}
	if len(a.Attachments) != 2 || a.Attachments[0].URL != "http://www.example.gov.cn/jtj/zcwj/202103/P020210317123456.pdf" ||
		a.Attachments[0].Name != "开学工作检查表.pdf" || a.Attachments[1].Name != "疫情防控指南.docx" || a.Attachments[1].Type != "docx" {
		t.Errorf("script attachments = %+v", a.Attachments)
	}
	if want := []string{"开学工作检查表", "疫情防控指南"}; !reflect.DeepEqual(a.Named, want) {
		t.Errorf("named = %q", a.Named)
	}
}

func TestNamedAttachments(t *testing.T) {
	tests := []struct {
		text string
		want []string
	}{
		{"附件：1. 某某办法.pdf", []string{"某某办法.pdf"}},
		{"附件：某某申请表", []string{"某某申请表"}},
		{"附件:1.甲表 2.乙表", []string{"甲表", "乙表"}},
		{"附件：\n1、甲\n2、乙\n落款", []string{"甲", "乙"}},
		{"附件1：甲方案\n附件2：乙方案", []string{"甲方案", "乙方案"}},
		{"详见附件。", nil},
		{"附件：无", nil},
	}
	for _, tt := range tests {
		if got := namedAttachments(tt.text); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("namedAttachments(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
}

func TestLetters(t *testing.T) {
	ll, err := Letters(page(t, "http://www.example.gov.cn/qzxx/list.html", "mailbox_table.html", ""))
	if err != nil {
		t.Fatal(err)
	}
	if !ll.Found || len(ll.Rows) != 2 || ll.Next != "http://www.example.gov.cn/qzxx/list_2.html" {
		t.Fatalf("list = %+v", ll)
	}
	want := LetterRow{URL: "http://www.example.gov.cn/qzxx/letter_1234.html", No: "X2026041234", Title: "关于小区供暖不热的问题",
		Status: "已办结", Received: "2026-04-09", Handler: "区住建局"}
	if ll.Rows[0] != want {
		t.Errorf("row 0 = %+v", ll.Rows[0])
	}
	sl, err := Letters(page(t, "http://www.example.gov.cn/bmxx/list.html", "mailbox_script.html", ""))
	if err != nil {
		t.Fatal(err)
	}
	if !sl.Found || len(sl.Rows) != 2 || sl.Rows[1].URL != "http://www.example.gov.cn/xx/letter_0502.html" ||
		sl.Rows[1].Title != `公交线路调整建议 "急"` || sl.Rows[1].Status != "待处理" || sl.Rows[0].Handler != "区交通运输局" {
		t.Errorf("script list = %+v", sl.Rows)
	}
	empty, _ := Letters(page(t, "http://www.example.gov.cn/x.html", "gongkai_catalog.html", ""))
	if empty.Found {
		t.Error("a page without letter list reported as found")
	}

	l, err := ParseLetter(page(t, "http://www.example.gov.cn/qzxx/letter_1234.html", "letter.html", ""))
	if err != nil {
		t.Fatal(err)
	}
	if l.No != "X2026041234" || l.Received != "2026-04-09 10:21" || l.Replied != "2026-04-14 16:05" || l.ReplyUnit != "区住建局" || l.Status != "已办结" || l.Answer == 0 {
		t.Errorf("letter = %+v", l)
	}
	u, err := ParseLetter(page(t, "http://www.example.gov.cn/qzxx/letter_1201.html", "letter_unanswered.html", ""))
	if err != nil {
		t.Fatal(err)
	}
	if u.Replied != "" || u.ReplyUnit != "" || u.Received != "2026-04-07 08:02" || u.Title != "咨询新生入学政策" {
		t.Errorf("unanswered letter = %+v", u)
	}
}

func TestCatalog(t *testing.T) {
	chs, err := Catalog(page(t, "http://www.example.gov.cn/gongkai/site_lzqfgj/", "gongkai_catalog.html", ""))
	if err != nil {
		t.Fatal(err)
	}
	if len(chs) != 5 || chs[3].Name != "工作动态" || chs[1].URL != "http://www.example.gov.cn/gongkai/site_lzqfgj/channel_c_5f1a2b3c4d5e6f7a8b9c0d1f_n_1600000001/" {
		t.Errorf("channels = %+v", chs)
	}
	if !SameName(chs[3].Name, "工作 动态") || SameName("政策文件解读", "政策文件") {
		t.Error("SameName")
	}
}

func TestDetectFamily(t *testing.T) {
	for _, tt := range []struct{ u, file, want string }{
		{"http://x/gongkai/site_a/", "gongkai_list.html", Gongkai},
		{"http://x/col/col1/index.html", "hanweb_col.html", Hanweb},
		{"http://x/a/b/index.html", "trs_index.html", TRS},
		{"http://x/a/list.html", "mailbox_table.html", Generic},
	} {
		u, _ := url.Parse(tt.u)
		if got := DetectFamily(u, fixture(t, tt.file)); got != tt.want {
			t.Errorf("DetectFamily(%s) = %s, want %s", tt.u, got, tt.want)
		}
	}
}
