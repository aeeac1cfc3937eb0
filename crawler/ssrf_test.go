package crawler

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/govaudit/govaudit/config"
)

// TestInternalAddressesNeverRequested crawls a hostile portal whose list
// entries, redirects and attachments point at another server on loopback
// (standing for the review UI, the intranet or a metadata address), by
// IP literal, by IPv4-mapped IPv6 literal and by a name that resolves
// there ("localhost", even listed in crawl.attachment_hosts). The portal
// itself is on loopback too and is crawled: only the configured host may
// resolve to a non-public address. The other server gets no request; its
// page never becomes an item; off-site entries are recorded unfetched.
func TestInternalAddressesNeverRequested(t *testing.T) {
	var internalHits atomic.Int64
	internal := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		internalHits.Add(1)
		io.WriteString(w, `<html><head><title>内网管理页</title></head><body><div id="zoom">内网</div></body></html>`)
	}))
	defer internal.Close()
	port := internal.URL[strings.LastIndexByte(internal.URL, ':')+1:]
	lit := internal.URL                           // http://127.0.0.1:port
	mapped := "http://[::ffff:127.0.0.1]:" + port // IPv4-mapped
	named := "http://localhost:" + port           // resolves to loopback

	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		switch p := r.URL.Path; {
		case p == "/robots.txt":
			http.NotFound(w, r)
		case p == "/col/":
			fmt.Fprintf(w, `<ul class="doc-list">`+
				`<li><a href="%s/secret.html">站外一</a><span class="date">2026-04-01</span></li>`+
				`<li><a href="%s/mapped.html">站外二</a><span class="date">2026-04-01</span></li>`+
				`<li><a href="%s/named.html">站外三</a><span class="date">2026-04-01</span></li>`+
				`<li><a href="/t20260401_1.html">跳转一</a><span class="date">2026-04-01</span></li>`+
				`<li><a href="/t20260401_2.html">跳转二</a><span class="date">2026-04-01</span></li>`+
				`<li><a href="/t20260401_3.html">附件</a><span class="date">2026-04-01</span></li>`+
				`</ul>`, lit, mapped, named)
		case p == "/t20260401_1.html":
			http.Redirect(w, r, lit+"/admin", http.StatusFound)
		case p == "/t20260401_2.html":
			http.Redirect(w, r, named+"/admin", http.StatusFound)
		case p == "/t20260401_3.html":
			fmt.Fprintf(w, `<html><head><title>附件</title></head><body><div id="zoom">正文`+
				`<a href="%s/a.pdf">附件1.pdf</a><a href="%s/b.pdf">附件2.pdf</a><a href="%s/c.pdf">附件3.pdf</a>`+
				`<a href="/ok.pdf">附件4.pdf</a></div></body></html>`, lit, named, mapped)
		case p == "/ok.pdf":
			w.Header().Set("Content-Type", "application/pdf")
			io.WriteString(w, "%PDF-1.4")
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()

	cfg := baseConfig(srv.URL)
	cfg.Units = cfg.Units[:1]
	cfg.Units[0].Catalog = ""
	cfg.Site.Crawl.AttachmentHosts = []string{"localhost"} // allowed, but resolves to loopback
	cfg.Site.Crawl.Retries = 0
	cfg.Columns = []config.Column{{ID: "col", Unit: "lzqfgj", Name: "栏目", URL: srv.URL + "/col/"}}
	st := openStore(t)
	if _, err := crawlOnce(t, cfg, st); err != nil {
		t.Fatalf("run: %v", err)
	}
	if n := internalHits.Load(); n != 0 {
		t.Errorf("the internal server got %d requests", n)
	}
	items, err := st.ItemsOfColumn("col")
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 6 {
		t.Fatalf("%d items, want the 6 listed", len(items))
	}
	for _, it := range items {
		if strings.Contains(it.Title, "内网") {
			t.Errorf("item %s took the internal page's title %q", it.URL, it.Title)
		}
		switch {
		case strings.Contains(it.Title, "站外"), strings.Contains(it.Title, "跳转"):
			if it.FetchErr == "" {
				t.Errorf("item %s (%s): no fetch error, want recorded unfetched", it.URL, it.Title)
			}
		case it.Title == "附件":
			if it.FetchErr != "" || len(it.Attachments) != 4 {
				t.Fatalf("article with attachments: %+v", it)
			}
			for _, a := range it.Attachments {
				if strings.HasSuffix(a.URL, "/ok.pdf") {
					if !a.Checked || a.Broken != "" {
						t.Errorf("on-site attachment %+v, want checked and fine", a)
					}
				} else if a.Checked || a.Err == "" {
					t.Errorf("internal attachment %+v, want unchecked with a reason", a)
				}
			}
		}
	}
}

// TestDialRefusesInternalAddress checks the connect-time hook alone: a
// name of a configured host may resolve to loopback, any other may not.
func TestDialRefusesInternalAddress(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	g := newNetGuard(&config.Config{Site: config.Site{BaseURL: srv.URL + "/"}})
	c, err := g.dialContext(context.Background(), "tcp", u.Host)
	if err != nil {
		t.Fatalf("dial the configured host: %v", err)
	}
	c.Close()
	if _, err := g.dialContext(context.Background(), "tcp", "localhost:"+u.Port()); err == nil {
		t.Error("dial localhost (not configured): no error")
	}
	for _, s := range []string{"127.0.0.1", "10.1.2.3", "169.254.169.254", "192.168.1.1", "100.64.0.1", "::1", "fe80::1",
		"::ffff:10.0.0.1", "fd00:ec2::254", "0.0.0.0", "64:ff9b::a00:1"} {
		if publicAddr(netip.MustParseAddr(s)) {
			t.Errorf("%s passes for public", s)
		}
	}
	for _, s := range []string{"8.8.8.8", "2001:4860:4860::8888", "64:ff9b::808:808"} {
		if !publicAddr(netip.MustParseAddr(s)) {
			t.Errorf("%s passes for non-public", s)
		}
	}
}

// TestSiteHosts: the configured hosts and their subdomains are the site;
// other hosts, look-alikes and parent domains are not.
func TestSiteHosts(t *testing.T) {
	g := newNetGuard(&config.Config{Site: config.Site{BaseURL: "http://www.linzi.gov.cn/"},
		Columns: []config.Column{{URL: "http://192.0.2.10:8080/col/"}}})
	for _, tt := range []struct {
		u    string
		want bool
	}{
		{"http://www.linzi.gov.cn/a.html", true},
		{"https://www.linzi.gov.cn/a.html", true}, // the same name over https
		{"http://xxgk.linzi.gov.cn/a.html", true},
		{"http://linzi.gov.cn/a.html", false},
		{"http://a.b.linzi.gov.cn/a.html", true},
		{"http://xxgk.linzi.gov.cn:8080/a.html", false},
		{"http://linzi.gov.cn.evil.example/a.html", false},
		{"http://gov.cn/a.html", false},
		{"http://zibo.gov.cn/a.html", false},
		{"http://192.0.2.10:8080/x", true},
		{"http://192.0.2.10/x", false},
	} {
		u, _ := url.Parse(tt.u)
		if got := g.onSite(u); got != tt.want {
			t.Errorf("onSite(%s) = %v, want %v", tt.u, got, tt.want)
		}
	}
}
