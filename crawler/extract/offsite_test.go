package extract

import (
	"fmt"
	"net/url"
	"slices"
	"testing"
)

// TestPagerStaysOnSite: a list page may not send the crawler to another
// host through its pager. A hostile or hijacked page could otherwise make
// the crawler fetch internal addresses (the review UI on loopback, the
// office network) and count another site's entries as the column's items.
func TestPagerStaysOnSite(t *testing.T) {
	base, _ := url.Parse("http://www.example.gov.cn/col/col1/index.html")
	pages := []string{
		`<script>createPageHTML(3, 0, "//evil.test/p", "html");</script>`,
		`<script>createPageHTML(3, 0, "http://127.0.0.1:8080/findings", "html");</script>`,
		`<script>createPageHTML(3, 0, "http://www.example.gov.cn:8080/col/col1/index", "html");</script>`,
		`<a href="http://evil.test/col/col1/index_2.html">下一页</a>`,
		`<a href="//169.254.169.254/latest/meta-data/">下一页</a>`,
		`<a href="http://www.example.gov.cn:8443/col/col1/index_2.html">下一页</a>`,
		`<a href="http://evil.test/col/col1/index_2.html">2</a><a href="http://www.example.gov.cn.evil.test/col/col1/index_3.html">3</a>`,
		`<ul><li><a href="t20260101_1.html">a</a><span>2026-01-01</span></li></ul><a href="http://evil.test/index_2.html" title="下一页">&gt;</a>`,
	}
	for _, fam := range []string{TRS, Gongkai, Hanweb, Generic} {
		for _, body := range pages {
			lp, err := List(Page{URL: base, Body: []byte(body), Family: fam, Now: now})
			if err != nil {
				t.Fatal(err)
			}
			for _, u := range append([]string{lp.Next}, lp.Pages...) {
				if u == "" {
					continue
				}
				if p, err := url.Parse(u); err != nil || p.Host != base.Host {
					t.Errorf("%s page %q: the pager leads to %s", fam, body, u)
				}
			}
		}
	}
	// The same for a mailbox's letter list.
	mailbox, _ := url.Parse("http://www.example.gov.cn/qzxx/list.html")
	table := `<table><tr><th>编号</th><th>标题</th><th>处理情况</th><th>提交时间</th><th>承办部门</th></tr>` +
		`<tr><td>1</td><td><a href="x.html">t</a></td><td>已办结</td><td>2026-01-02</td><td>a</td></tr></table>`
	for _, body := range pages {
		ll, err := Letters(Page{URL: mailbox, Body: []byte(table + body), Now: now})
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range append([]string{ll.Next}, ll.Pages...) {
			if p, err := url.Parse(u); u != "" && (err != nil || p.Host != mailbox.Host) {
				t.Errorf("letter list %q: the pager leads to %s", body, u)
			}
		}
	}
}

// TestPagerOnSiteKept: the host check keeps the pager of the list's own
// host, however its links spell the host, and passes over an off-site
// "下一页" for an on-site one.
func TestPagerOnSiteKept(t *testing.T) {
	tests := []struct {
		name, list, body string
		next             string
		pages            []string
	}{
		{name: "TRS pager, relative prefix", list: "http://www.example.gov.cn/col/col1/index.html",
			body:  `<script>createPageHTML(3, 0, "index", "html");</script>`,
			pages: []string{"http://www.example.gov.cn/col/col1/index_1.html", "http://www.example.gov.cn/col/col1/index_2.html"}},
		{name: "TRS pager, absolute prefix in upper case with the default port", list: "http://www.example.gov.cn/col/col1/index.html",
			body:  `<script>createPageHTML(2, 0, "HTTP://WWW.Example.gov.cn:80/col/col1/index", "html");</script>`,
			pages: []string{"http://www.example.gov.cn/col/col1/index_1.html"}},
		{name: "list on a port", list: "http://127.0.0.1:8081/col/col1/index.html",
			body: `<script>createPageHTML(2, 0, "index", "html");</script><a href="http://127.0.0.1:8081/col/col1/index_1.html">下一页</a>`,
			next: "http://127.0.0.1:8081/col/col1/index_1.html", pages: []string{"http://127.0.0.1:8081/col/col1/index_1.html"}},
		{name: "https list, scheme-relative next", list: "https://www.example.gov.cn/xxgk/list.html",
			body: `<a href="//www.example.gov.cn:443/xxgk/list_2.html">下一页</a>`,
			next: "https://www.example.gov.cn/xxgk/list_2.html", pages: []string{"https://www.example.gov.cn/xxgk/list_2.html"}},
		{name: "off-site next passed over", list: "http://www.example.gov.cn/xxgk/list.html",
			body: `<a href="http://evil.test/xxgk/list_2.html">下一页</a><a href="list_2.html">下一页</a>`,
			next: "http://www.example.gov.cn/xxgk/list_2.html", pages: []string{"http://www.example.gov.cn/xxgk/list_2.html"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, _ := url.Parse(tt.list)
			lp, err := List(Page{URL: u, Body: []byte(tt.body), Family: TRS, Now: now})
			if err != nil {
				t.Fatal(err)
			}
			if lp.Next != tt.next || !slices.Equal(lp.Pages, tt.pages) {
				t.Errorf("next %q, pages %q; want %q, %q", lp.Next, lp.Pages, tt.next, tt.pages)
			}
		})
	}
}

// TestPagerPageCountCapped: a TRS pager announcing an absurd page count
// yields one page URL past the caller's cap (Page.MaxPages, default
// DefaultMaxPages), so that the crawler records the list as cut, and
// builds no more.
func TestPagerPageCountCapped(t *testing.T) {
	base, _ := url.Parse("http://www.example.gov.cn/col/col1/index.html")
	tests := []struct {
		count    string
		maxPages int
		want     int // pages named besides the list page itself
	}{
		{"5", 0, 4},
		{"5", 3, 3},
		{"4999", 0, DefaultMaxPages},
		{"99999999999", 0, DefaultMaxPages},
		{"99999999999999999999", 0, DefaultMaxPages},
		{"99999999999", 50, 50},
		{"99999999999", 1 << 40, maxPagerPages - 1},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s pages, cap %d", tt.count, tt.maxPages), func(t *testing.T) {
			body := `<script>createPageHTML(` + tt.count + `, 0, "index", "html");</script>`
			lp, err := List(Page{URL: base, Body: []byte(body), Family: TRS, Now: now, MaxPages: tt.maxPages})
			if err != nil {
				t.Fatal(err)
			}
			if len(lp.Pages) != tt.want {
				t.Fatalf("%d page URLs, want %d", len(lp.Pages), tt.want)
			}
			if want := fmt.Sprintf("http://www.example.gov.cn/col/col1/index_%d.html", tt.want); lp.Pages[len(lp.Pages)-1] != want {
				t.Errorf("last page %s, want %s", lp.Pages[len(lp.Pages)-1], want)
			}
			if lp.PageCount < len(lp.Pages) || lp.PageCount > maxPagerPages {
				t.Errorf("page count %d for %d page URLs", lp.PageCount, len(lp.Pages))
			}
		})
	}
}
