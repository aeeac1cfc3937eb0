package crawler

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/govaudit/govaudit/config"
)

// TestHostilePagerStaysOnSite crawls a portal whose list pages point their
// pagers at another server (standing for the review UI on loopback or a
// cloud metadata address): that server gets no request, and the columns
// are still audited from what the portal itself serves. A TRS pager
// announcing an absurd page count is walked up to max_list_pages and
// recorded as cut.
func TestHostilePagerStaysOnSite(t *testing.T) {
	var offsite atomic.Int64
	internal := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		offsite.Add(1)
		io.WriteString(w, `<ul class="doc-list"><li><a href="t20260401_9.html">内网</a><span class="date">2026-04-01</span></li></ul>`)
	}))
	defer internal.Close()
	host := strings.TrimPrefix(internal.URL, "http://")

	var listPages atomic.Int64
	entry := `<ul class="doc-list"><li><a href="t20260401_%d.html">文件%d</a><span class="date">2026-04-01</span></li></ul>`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		switch p := r.URL.Path; {
		case p == "/robots.txt":
			http.NotFound(w, r)
		case p == "/evil/":
			fmt.Fprintf(w, entry+`<script>createPageHTML(3, 0, "//%s/p", "html");</script>`+
				`<a href="http://%s/evil/index_2.html">下一页</a><a href="%s/evil/index_3.html">3</a>`, 1, 1, host, host, internal.URL)
		case p == "/qzxx/list.html":
			fmt.Fprintf(w, `<table><tr><th>编号</th><th>标题</th><th>处理情况</th><th>提交时间</th><th>承办部门</th></tr>`+
				`<tr><td>1</td><td><a href="x.html">来信</a></td><td>已办结</td><td>2026-04-02</td><td>区发改局</td></tr></table>`+
				`<a href="//%s/latest/meta-data/">下一页</a><script>createPageHTML(2, 0, "%s/q", "html");</script>`, host, internal.URL)
		case strings.HasPrefix(p, "/endless/index"):
			listPages.Add(1)
			fmt.Fprintf(w, entry+`<script>createPageHTML(99999999999, 0, "index", "html");</script>`, listPages.Load(), listPages.Load())
		default:
			io.WriteString(w, `<html><body><div id="zoom">正文</div></body></html>`)
		}
	}))
	defer srv.Close()

	cfg := baseConfig(srv.URL)
	cfg.Site.Crawl.CheckLinks = false
	cfg.Columns = []config.Column{
		{ID: "evil", Unit: "lzqfgj", Name: "栏目", URL: srv.URL + "/evil/"},
		{ID: "endless", Unit: "lzqjtj", Name: "无尽", URL: srv.URL + "/endless/index.html", Profile: "trs"},
	}
	cfg.Mailboxes = []config.Mailbox{{ID: "qzxx", Name: "区长信箱", URL: srv.URL + "/qzxx/list.html", Unit: "lzqfgj"}}
	st := openStore(t)
	run, err := crawlOnce(t, cfg, st)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if n := offsite.Load(); n != 0 {
		t.Errorf("the other server got %d requests", n)
	}
	for _, tt := range []struct {
		key   string
		items int
		trunc bool
	}{
		{"column:evil", 1, false},
		{"mailbox:qzxx", 1, false},
		{"column:endless", cfg.Site.Crawl.MaxListPages, true},
	} {
		s, ok, err := st.Source(tt.key)
		if err != nil || !ok || !s.Audited || s.Items != tt.items || s.Truncated != tt.trunc {
			t.Errorf("source %s = %+v (found %v, %v); want audited, %d items, truncated %v", tt.key, s, ok, err, tt.items, tt.trunc)
		}
	}
	if n := listPages.Load(); n != int64(cfg.Site.Crawl.MaxListPages) {
		t.Errorf("%d list pages of the endless pager fetched, want max_list_pages = %d", n, cfg.Site.Crawl.MaxListPages)
	}
	if run.Errors["page-cap"] != 1 {
		t.Errorf("run errors %v: want one page-cap", run.Errors)
	}
}
