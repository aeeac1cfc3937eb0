package crawler

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/govaudit/govaudit/config"
	"github.com/govaudit/govaudit/crawler/extract"
	"github.com/govaudit/govaudit/store"
)

func listFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "listpages", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestJudgeEmptyList(t *testing.T) {
	tests := []struct {
		file  string
		empty bool
		kind  string
		cause string // a part of the cause
	}{
		{"empty_marker.html", true, "", ""},
		{"empty_trs_pager.html", true, "", ""},
		{"empty_hanweb.html", true, "", ""},
		{"challenge200.html", false, errChallenge, "acw_sc__v2"},
		{"cookiejs200.html", false, errChallenge, "脚本验证页面"},
		{"soft404.html", false, errSoft404, "页面不存在"},
		{"login.html", false, errLogin, "登录页面"},
		{"nolist.html", false, errUnreadable, "未识别到信息列表"},
		{"unread_articles.html", false, errUnreadable, "2 个疑似信息链接"},
		{"empty_marker_with_articles.html", false, errEmptyDoubt, "暂无数据"},
		{"vue_template.html", false, errUnreadable, "脚本动态加载"},
		{"hidden_marker.html", false, errUnreadable, "未识别到信息列表"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			v := judgeEmptyList(listFixture(t, tt.file))
			if v.empty != tt.empty || v.kind != tt.kind || !strings.Contains(v.cause, tt.cause) {
				t.Errorf("judgeEmptyList = %+v, want empty %v, kind %q, cause with %q", v, tt.empty, tt.kind, tt.cause)
			}
		})
	}
}

// listSite serves one column whose list page the test swaps night by night.
type listSite struct {
	srv  *httptest.Server
	page atomic.Pointer[func(w http.ResponseWriter, r *http.Request)]
}

func newListSite(t *testing.T) *listSite {
	t.Helper()
	s := &listSite{}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/robots.txt":
			http.NotFound(w, r)
		case strings.HasPrefix(r.URL.Path, "/list/"):
			(*s.page.Load())(w, r)
		default:
			io.WriteString(w, `<html><head><meta name="PubDate" content="2026-04-01 10:00"></head><body><div id="zoom">正文</div></body></html>`)
		}
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *listSite) serve(f func(w http.ResponseWriter, r *http.Request)) { s.page.Store(&f) }

// listOf serves n dated entries on page 1 of a list, and pages more
// pages of n entries each (a plain 下一页 pager).
func listOf(n, pages int, failPage int) func(w http.ResponseWriter, r *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		p := 1
		fmt.Sscanf(strings.TrimPrefix(r.URL.Path, "/list/index_"), "%d.html", &p)
		if p == failPage {
			http.Error(w, "busy", http.StatusInternalServerError)
			return
		}
		var b strings.Builder
		b.WriteString(`<html><body><ul class="doc-list">`)
		for i := 0; i < n; i++ {
			fmt.Fprintf(&b, `<li><a href="/art/p%d_%d.html">第%d页第%d条</a><span class="date">2026-04-%02d</span></li>`, p, i, p, i, i+1)
		}
		b.WriteString(`</ul>`)
		if p < pages {
			fmt.Fprintf(&b, `<a href="/list/index_%d.html">下一页</a>`, p+1)
		}
		b.WriteString(`</body></html>`)
		io.WriteString(w, b.String())
	}
}

func fixturePage(t *testing.T, name string) func(w http.ResponseWriter, r *http.Request) {
	body := listFixture(t, name)
	return func(w http.ResponseWriter, r *http.Request) { w.Write(body) }
}

// TestUnreadableListIsNotEmpty crawls a column whose list page answers
// 200 without a list: it is not audited with the page's cause, never
// audited with zero items (which the checks would call a blank column).
func TestUnreadableListIsNotEmpty(t *testing.T) {
	for _, tt := range []struct {
		file, kind string
	}{
		{"challenge200.html", errChallenge},
		{"cookiejs200.html", errChallenge},
		{"soft404.html", errSoft404},
		{"login.html", errLogin},
		{"nolist.html", errUnreadable},
	} {
		t.Run(tt.file, func(t *testing.T) {
			site := newListSite(t)
			site.serve(fixturePage(t, tt.file))
			cfg := baseConfig(site.srv.URL)
			cfg.Columns = []config.Column{{ID: "c", Unit: "lzqfgj", Name: "栏目", URL: site.srv.URL + "/list/"}}
			st := openStore(t)
			run, _ := crawlOnce(t, cfg, st)
			s, _, _ := st.Source("column:c")
			if s.Audited || s.ErrKind != tt.kind || s.Cause == "" {
				t.Errorf("source %+v: want not audited, kind %s", s, tt.kind)
			}
			if run.Errors[tt.kind] == 0 {
				t.Errorf("run errors %v lack %s", run.Errors, tt.kind)
			}
		})
	}
	t.Run("empty marker", func(t *testing.T) {
		site := newListSite(t)
		site.serve(fixturePage(t, "empty_marker.html"))
		cfg := baseConfig(site.srv.URL)
		cfg.Columns = []config.Column{{ID: "c", Unit: "lzqfgj", Name: "栏目", URL: site.srv.URL + "/list/"}}
		st := openStore(t)
		if _, err := crawlOnce(t, cfg, st); err != nil {
			t.Fatal(err)
		}
		s, _, _ := st.Source("column:c")
		if !s.Audited || s.Items != 0 || !s.Judged() {
			t.Errorf("a list that says 暂无信息: %+v, want audited, judged, 0 items", s)
		}
	})
}

// TestSuspectDrop: a column that listed 8 entries and lists none (with
// an empty marker) or 3 the next night is suspect, not judged; the night
// after, the same list again is judged.
func TestSuspectDrop(t *testing.T) {
	for _, tt := range []struct {
		name    string
		then    func(t *testing.T) func(w http.ResponseWriter, r *http.Request)
		suspect string
	}{
		{"to zero", func(t *testing.T) func(w http.ResponseWriter, r *http.Request) {
			return fixturePage(t, "empty_marker.html")
		}, "疑似异常（上次 8 条，本次 0 条）"},
		{"below half", func(*testing.T) func(w http.ResponseWriter, r *http.Request) { return listOf(3, 1, 0) }, "疑似异常（上次 8 条，本次 3 条）"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			site := newListSite(t)
			cfg := baseConfig(site.srv.URL)
			cfg.Columns = []config.Column{{ID: "c", Unit: "lzqfgj", Name: "栏目", URL: site.srv.URL + "/list/"}}
			st := openStore(t)
			night := func() store.SourceState {
				t.Helper()
				if _, err := crawlOnce(t, cfg, st); err != nil {
					t.Fatal(err)
				}
				s, _, _ := st.Source("column:c")
				return s
			}
			site.serve(listOf(8, 1, 0))
			if s := night(); !s.Judged() || s.Items != 8 {
				t.Fatalf("night 1: %+v", s)
			}
			site.serve(tt.then(t))
			s := night()
			if !s.Audited || s.Judged() || s.Suspect != tt.suspect {
				t.Errorf("night 2: %+v, want audited, suspect %q", s, tt.suspect)
			}
			s = night()
			if !s.Judged() || s.Suspect != "" {
				t.Errorf("night 3 (the same list again): %+v, want judged", s)
			}
		})
	}
}

// TestPartialWalk: page 3 of 4 fails; the entries of pages 1, 2 and 4
// are stored, the source is audited but partial (the column checks do
// not judge it), with the failed page in its cause.
func TestPartialWalk(t *testing.T) {
	site := newListSite(t)
	site.serve(func(w http.ResponseWriter, r *http.Request) {
		// A TRS-like pager that names every page, so page 4 is known
		// even though page 3 fails.
		p := 1
		fmt.Sscanf(strings.TrimPrefix(r.URL.Path, "/list/index_"), "%d.html", &p)
		if p == 3 {
			http.Error(w, "busy", http.StatusInternalServerError)
			return
		}
		var b strings.Builder
		b.WriteString(`<html><body><ul class="doc-list">`)
		for i := 0; i < 5; i++ {
			fmt.Fprintf(&b, `<li><a href="/art/p%d_%d.html">第%d页第%d条</a><span class="date">2026-04-%02d</span></li>`, p, i, p, i, i+1)
		}
		b.WriteString(`</ul><div class="pager"><a href="/list/index_2.html">2</a><a href="/list/index_3.html">3</a><a href="/list/index_4.html">4</a></div></body></html>`)
		io.WriteString(w, b.String())
	})
	cfg := baseConfig(site.srv.URL)
	cfg.Site.Crawl.Retries = 0
	cfg.Columns = []config.Column{{ID: "c", Unit: "lzqfgj", Name: "栏目", URL: site.srv.URL + "/list/"}}
	st := openStore(t)
	if _, err := crawlOnce(t, cfg, st); err != nil {
		t.Fatal(err)
	}
	s, _, _ := st.Source("column:c")
	if !s.Audited || !s.Partial || s.Judged() || s.PagesFailed != 1 || !strings.Contains(s.Cause, "列表第 3 页无法加载") || s.Items != 15 {
		t.Errorf("source %+v: want audited, partial, 15 items, page 3 failed", s)
	}
	n := 0
	st.EachItem(func(it store.Item) error {
		if strings.Contains(it.URL, "/art/p3_") {
			t.Errorf("item %s of the failed page stored", it.URL)
		}
		n++
		return nil
	})
	if n != 15 {
		t.Errorf("%d items stored, want 15 (pages 1, 2 and 4)", n)
	}
}

// TestProbeOutagesAreNotBroken: a rate limit or a firewall in front of an
// attachment says nothing about the document; a server's own refusal does.
func TestProbeOutagesAreNotBroken(t *testing.T) {
	html := http.Header{"Content-Type": {"text/html; charset=utf-8"}}
	tests := []struct {
		name   string
		res    response
		err    bool   // not audited
		broken string // a deduction's reason
	}{
		{"429", response{status: 429, header: html, errKind: errHTTP4xx}, true, ""},
		{"403 firewall page", response{status: 403, header: html, errKind: errHTTP4xx, body: []byte("<html><title>访问被拦截</title><body>您的请求疑似攻击行为，已被网站防火墙拦截。</body></html>")}, true, ""},
		{"403 challenge", response{status: 403, header: html, errKind: errHTTP4xx, body: listFixture(t, "challenge200.html")}, true, ""},
		{"403 empty body", response{status: 403, header: html, errKind: errHTTP4xx}, true, ""},
		{"403 from the server", response{status: 403, header: html, errKind: errHTTP4xx, body: []byte("<html><head><title>403</title></head><body><h1>403</h1><p>没有权限下载此文件</p></body></html>")}, false, "HTTP 403"},
		{"404", response{status: 404, header: html, errKind: errHTTP4xx, body: []byte("<html><body>文件不存在</body></html>")}, false, "HTTP 404"},
		{"200 challenge instead of the file", response{status: 200, header: html, contentType: "text/html", body: listFixture(t, "challenge200.html")}, true, ""},
		{"200 error page", response{status: 200, header: html, contentType: "text/html", body: []byte("<html><body>文件不存在</body></html>")}, false, "HTML error page"},
		{"200 pdf", response{status: 200, header: http.Header{"Content-Length": {"9"}}, contentType: "application/pdf", body: []byte("%PDF-1.4\n")}, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.res.contentType == "" {
				tt.res.contentType = tt.res.header.Get("Content-Type")
			}
			p := evaluate(&tt.res, true, false)
			if (p.err != "") != tt.err || p.broken != tt.broken {
				t.Errorf("evaluate = %+v, want not audited %v, broken %q", p, tt.err, tt.broken)
			}
		})
	}
}

func TestCutOff(t *testing.T) {
	for body, want := range map[string]bool{
		"<html><body><div id=zoom>正文</div></body></html>": false,
		"<HTML><BODY>正文</BODY></HTML>\n<!-- 统计代码 -->":     false,
		"<html><body><div id=zoom>正文的前一半":                 true,
		"":                    true,
		"</":                  true,
		"<p>正文</p></Body>":    false,
		"<p>正文</p></htm":      true,
		"<p>正文</p><!-- </bod": true,
	} {
		if got := cutOff([]byte(body)); got != want {
			t.Errorf("cutOff(%q) = %v, want %v", body, got, want)
		}
	}
}

// TestArticleClosedEarly: an article page sent without a length and
// closed half way is not audited, so it cannot look like a page without
// attachments.
func TestArticleClosedEarly(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/robots.txt":
			http.NotFound(w, r)
		case r.URL.Path == "/list/":
			io.WriteString(w, `<html><body><ul class="doc-list"><li><a href="/art/a.html">关于印发某办法的通知</a><span class="date">2026-04-01</span></li></ul></body></html>`)
		default:
			conn, buf, err := w.(http.Hijacker).Hijack()
			if err != nil {
				return
			}
			buf.WriteString("HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nConnection: close\r\n\r\n")
			buf.WriteString(`<html><head><meta name="PubDate" content="2026-04-01"></head><body><div id="zoom"><p>正文第一段`)
			buf.Flush()
			conn.Close()
		}
	}))
	defer srv.Close()
	cfg := baseConfig(srv.URL)
	cfg.Site.Crawl.Retries = 0
	cfg.Columns = []config.Column{{ID: "c", Unit: "lzqfgj", Name: "政策文件", Kind: config.KindPolicy, URL: srv.URL + "/list/"}}
	st := openStore(t)
	if _, err := crawlOnce(t, cfg, st); err != nil {
		t.Fatal(err)
	}
	it, ok, _ := st.Item(srv.URL + "/art/a.html")
	if !ok || !strings.Contains(it.FetchErr, "页面传输不完整") {
		t.Errorf("item %+v: want a fetch error for a page closed early", it)
	}
}

func TestFindChannelPrefersTheUnitsOwn(t *testing.T) {
	chs := []extract.Channel{
		{Name: "政策文件", URL: "http://www.linzi.gov.cn/gongkai/channel_c_district_n_1/"}, // the site's navigation
		{Name: "通知公告", URL: "http://other.example.cn/tzgg/"},
		{Name: "通知公告", URL: "http://www.linzi.gov.cn/xwzx/tzgg/"},
		{Name: "政策文件", URL: "http://www.linzi.gov.cn/gongkai/site_lzqfgj/channel_c_aa_n_2/"},
		{Name: "政府信息公开年报", URL: "http://www.linzi.gov.cn/gongkai/site_lzqfgj/channel_c_bb_n_3/"},
	}
	cat := "http://www.linzi.gov.cn/gongkai/site_lzqfgj/"
	for _, tt := range []struct {
		names []string
		want  string
	}{
		{[]string{"政策文件"}, "http://www.linzi.gov.cn/gongkai/site_lzqfgj/channel_c_aa_n_2/"},
		{[]string{"通知公告"}, "http://www.linzi.gov.cn/xwzx/tzgg/"},
		{[]string{"政府信息公开年度报告", "政府信息公开年报"}, "http://www.linzi.gov.cn/gongkai/site_lzqfgj/channel_c_bb_n_3/"},
		{[]string{"人事信息"}, ""},
	} {
		ch, ok := findChannel(chs, tt.names, cat)
		if ok != (tt.want != "") || ch.URL != tt.want {
			t.Errorf("findChannel(%v) = %q, %v; want %q", tt.names, ch.URL, ok, tt.want)
		}
	}
	// Hanweb: a unit's channels are siblings of its catalog (/col/colN/),
	// like the district's in the site's menu bar; the menu's link loses.
	hw := []extract.Channel{
		{Name: "政策文件", URL: "http://www.zb.gov.cn/col/col100/index.html", Chrome: true},
		{Name: "政策文件", URL: "http://www.zb.gov.cn/col/col302/index.html"},
	}
	if ch, _ := findChannel(hw, []string{"政策文件"}, "http://www.zb.gov.cn/col/col300/index.html"); ch.URL != hw[1].URL {
		t.Errorf("findChannel on a Hanweb catalog = %q, want the catalog's own %q", ch.URL, hw[1].URL)
	}
	// A name only the menu bar carries is the district's channel, not
	// the unit's: not found.
	hw = append(hw, extract.Channel{Name: "通知公告", URL: "http://www.zb.gov.cn/col/col101/index.html", Chrome: true})
	if ch, ok := findChannel(hw, []string{"通知公告"}, "http://www.zb.gov.cn/col/col300/index.html"); ok {
		t.Errorf("findChannel took the menu bar's %q for the unit's", ch.URL)
	}
}

// TestHanwebRecordsUnreadBlockTheColumn: a Hanweb column page whose
// datastore holds records none of which the extractor can read is not
// audited; it must never pass for an empty column.
func TestHanwebRecordsUnreadBlockTheColumn(t *testing.T) {
	site := newListSite(t)
	site.serve(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `<html><body><div id="1"><script type="text/xml"><datastore><nextgroup><![CDATA[]]></nextgroup><recordset>`+
			`<record><![CDATA[<p class="x">没有链接的记录</p>]]></record><record><![CDATA[<p class="x">另一条</p>]]></record>`+
			`</recordset></datastore></script><script>var totalRecord = 2;</script></div></body></html>`)
	})
	cfg := baseConfig(site.srv.URL)
	cfg.Columns = []config.Column{{ID: "c", Unit: "lzqzjj", Name: "栏目", URL: site.srv.URL + "/list/", Profile: "hanweb"}}
	st := openStore(t)
	crawlOnce(t, cfg, st)
	s, _, _ := st.Source("column:c")
	if s.Audited || s.ErrKind != errUnreadable || !strings.Contains(s.Cause, "2 条数据记录") {
		t.Errorf("source %+v: want not audited, unreadable records", s)
	}
}
