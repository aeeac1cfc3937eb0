package crawler

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/govaudit/govaudit/config"
	"github.com/govaudit/govaudit/store"
)

var fixtureNow = time.Date(2026, 4, 20, 10, 0, 0, 0, cst)

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// baseConfig is a configuration for a test server: fast, impolite.
func baseConfig(base string) *config.Config {
	return &config.Config{
		Site: config.Site{Name: "测试", BaseURL: base + "/", Profile: "gongkai", Crawl: config.Crawl{
			Parallelism: 4, Timeout: 2 * time.Second, Retries: 2, RetryBackoff: 5 * time.Millisecond,
			UserAgent: "govaudit/test", ObeyRobots: true, MaxBodyBytes: 1 << 20, MaxListPages: 20,
			CheckAttachments: true, CheckLinks: true,
		}},
		Units: []config.Unit{{ID: "lzqfgj", Name: "区发改局", Catalog: base + "/gongkai/site_lzqfgj/", Profile: "gongkai"},
			{ID: "lzqzjj", Name: "区住建局", Profile: "hanweb"}, {ID: "lzqjtj", Name: "区教体局", Profile: "trs"},
			{ID: "lzqkjj", Name: "区科技局", Catalog: base + "/gongkai/site_lzqkjj/"}},
	}
}

func crawlOnce(t *testing.T, cfg *config.Config, st *store.Store) (store.Run, error) {
	t.Helper()
	c, err := New(cfg, st, Options{Now: func() time.Time { return fixtureNow }})
	if err != nil {
		t.Fatal(err)
	}
	return c.Run(context.Background())
}

// fixtureSite serves the fixtures of testdata as a small portal of the
// three families.
func fixtureSite(t *testing.T) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var proxyCalls atomic.Int64
	mux := http.NewServeMux()
	html := func(name, ct string) http.HandlerFunc {
		body := readFixture(t, name)
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", ct)
			w.Write(body)
		}
	}
	utf8 := "text/html; charset=utf-8"
	mux.HandleFunc("/robots.txt", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "User-agent: *\nDisallow: /private/\n")
	})
	gk := "/gongkai/site_lzqfgj/"
	ch := gk + "channel_c_5f1a2b3c4d5e6f7a8b9c0d1f_n_1600000001/"
	mux.HandleFunc(gk+"{$}", html("gongkai_catalog.html", utf8))
	mux.HandleFunc(ch+"{$}", html("gongkai_list.html", utf8))
	mux.HandleFunc(ch+"index_2.html", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<html><body><ul class="doc-list"><li><a href="../doc_0a1b2c3d4e5f60718293a4b9.html" title="第二页的文件">第二页的文件</a><span class="date">2026-02-01</span></li></ul>
<div class="pager"><a href="index_3.html">下一页</a></div></body></html>`)
	})
	mux.HandleFunc(ch+"index_3.html", html("gongkai_list_3.html", utf8))
	doc := html("gongkai_doc.html", utf8)
	mux.HandleFunc(gk+"{file}", func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.PathValue("file"), "doc_") {
			http.NotFound(w, r)
			return
		}
		doc(w, r)
	})
	mux.HandleFunc(gk+"files/20260409/{f}", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("f") == "sqb.docx" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/pdf")
		w.Write([]byte("%PDF-1.4 test"))
	})
	mux.HandleFunc("/col/col1229/index.html", html("hanweb_col.html", utf8))
	mux.HandleFunc("/module/web/jpage/dataproxy.jsp", func(w http.ResponseWriter, r *http.Request) {
		proxyCalls.Add(1)
		r.ParseForm()
		if r.Method != "POST" || r.PostForm.Get("columnid") != "1229" || r.PostForm.Get("unitid") != "93271" ||
			r.URL.Query().Get("startrecord") != "4" || r.URL.Query().Get("endrecord") != "48" {
			http.Error(w, "bad proxy request", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "text/xml;charset=utf-8")
		w.Write(readFixture(t, "hanweb_proxy.xml"))
	})
	mux.HandleFunc("/art/", html("hanweb_art.html", utf8))
	mux.HandleFunc("/module/download/downfile.jsp", func(w http.ResponseWriter, r *http.Request) {
		if r.Method == "HEAD" {
			w.WriteHeader(http.StatusMethodNotAllowed)
			return
		}
		if strings.HasSuffix(r.URL.Query().Get("filename"), ".pdf") {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			io.WriteString(w, "<html><body>文件不存在</body></html>")
			return
		}
		w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		w.Header().Set("Content-Range", "bytes 0-9/5000")
		w.WriteHeader(http.StatusPartialContent)
		w.Write([]byte("PK\x03\x04xxxxxx"))
	})
	trs := strings.Replace(string(readFixture(t, "trs_index.html")), "createPageHTML(5,", "createPageHTML(1,", 1)
	mux.HandleFunc("/jtj/zcwj/index.html", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, trs) })
	mux.HandleFunc("/jtj/zcwj/{month}/{file}", func(w http.ResponseWriter, r *http.Request) {
		f := r.PathValue("file")
		if strings.HasPrefix(f, "P0") {
			w.Header().Set("Content-Type", "application/octet-stream")
			w.Write([]byte("data"))
			return
		}
		w.Header().Set("Content-Type", "text/html") // GBK declared only in the page
		w.Write(readFixture(t, "trs_art_gbk.html"))
	})
	mux.HandleFunc("/qzxx/list.html", html("mailbox_table.html", utf8))
	mux.HandleFunc("/qzxx/list_2.html", html("mailbox_script.html", utf8))
	mux.HandleFunc("/qzxx/letter_1234.html", html("letter.html", utf8))
	mux.HandleFunc("/qzxx/letter_1201.html", html("letter_unanswered.html", utf8))
	mux.HandleFunc("/xx/", html("letter.html", utf8))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, &proxyCalls
}

func TestFixtureSite(t *testing.T) {
	srv, proxyCalls := fixtureSite(t)
	cfg := baseConfig(srv.URL)
	cfg.Columns = []config.Column{
		{ID: "lzqzjj/通知公告", Unit: "lzqzjj", Name: "通知公告", URL: srv.URL + "/col/col1229/index.html"},
		{ID: "lzqjtj/政策文件", Unit: "lzqjtj", Name: "政策文件", URL: srv.URL + "/jtj/zcwj/index.html"},
		{ID: "lzqjtj/私密", Unit: "lzqjtj", Name: "私密", URL: srv.URL + "/private/index.html"},
	}
	cfg.Templates = []config.Template{{Name: "政府文件", Match: []string{"政策文件"}, Kind: "policy", Units: []string{"lzqfgj", "lzqkjj"}},
		{Name: "人事信息", Units: []string{"lzqfgj"}}}
	cfg.Mailboxes = []config.Mailbox{{ID: "qzxx", Name: "区长信箱", URL: srv.URL + "/qzxx/list.html", Unit: "lzqfgj"}}
	st := openStore(t)
	run, err := crawlOnce(t, cfg, st)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	t.Logf("run %+v", run)
	if proxyCalls.Load() != 1 {
		t.Errorf("data proxy called %d times, want 1", proxyCalls.Load())
	}
	want := map[string]store.SourceState{
		"column:lzqfgj/政府文件": {Audited: true, Items: 5, ListPages: 3},
		"column:lzqkjj/政府文件": {Audited: false, ErrKind: "http-4xx"},
		"column:lzqfgj/人事信息": {Audited: false, ErrKind: "not-found"},
		"column:lzqzjj/通知公告": {Audited: true, Items: 7, ListPages: 2},
		"column:lzqjtj/政策文件": {Audited: true, Items: 3, ListPages: 1},
		"column:lzqjtj/私密":   {Audited: false, ErrKind: "robots"},
		"mailbox:qzxx":       {Audited: true, Items: 4, ListPages: 2},
		"catalog:lzqfgj":     {Audited: true, Items: 5, ListPages: 1},
		"catalog:lzqkjj":     {Audited: false, ErrKind: "http-4xx"},
	}
	srcs, _ := st.Sources()
	if len(srcs) != len(want) {
		t.Errorf("%d sources, want %d", len(srcs), len(want))
	}
	for _, s := range srcs {
		w, ok := want[s.Key]
		if !ok {
			t.Errorf("unexpected source %s", s.Key)
			continue
		}
		if s.Audited != w.Audited || s.ErrKind != w.ErrKind || w.Audited && (s.Items != w.Items || s.ListPages != w.ListPages) {
			t.Errorf("source %s = audited %v %s %q items %d pages %d; want %+v", s.Key, s.Audited, s.ErrKind, s.Cause, s.Items, s.ListPages, w)
		}
		if !s.Audited && s.Cause == "" {
			t.Errorf("source %s not audited without a cause", s.Key)
		}
	}
	if run.Items != 15 || run.Letters != 4 || run.Parsed != 15 {
		t.Errorf("run items %d letters %d parsed %d", run.Items, run.Letters, run.Parsed)
	}

	// GBK declared only in the page's meta, decoded right.
	it, ok, _ := st.Item(srv.URL + "/jtj/zcwj/202103/t20210317_6512345.html")
	if !ok || it.Title != "关于做好2021年春季学期开学工作的通知" || it.Written != "2021-03-10" || it.Family != "trs" || len(it.Attachments) != 2 {
		t.Errorf("trs item = %+v", it)
	}
	pg, _, _ := st.Page(it.URL)
	if pg.Charset != "gbk" || pg.Hash == "" {
		t.Errorf("trs page = %+v", pg)
	}
	// Published in 2021, before the checks' window: only its hash is kept.
	if _, err := st.Snapshot(pg.Hash); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("snapshot of an article before the window: %v, want none kept", err)
	}
	// Attachments: a 404 and an HTML error page behind a refused HEAD.
	doc, _, _ := st.Item(srv.URL + "/gongkai/site_lzqfgj/doc_0a1b2c3d4e5f60718293a4b5.html")
	if dp, _, _ := st.Page(doc.URL); dp.Hash == "" {
		t.Errorf("gongkai page = %+v", dp)
	} else if snap, err := st.Snapshot(dp.Hash); err != nil || !strings.Contains(string(snap), doc.DocNo) {
		t.Errorf("snapshot of an article in the window: %v", err)
	}
	if len(doc.Attachments) != 2 || doc.Attachments[0].Broken != "" || !doc.Attachments[0].Checked || doc.Attachments[1].Broken != "HTTP 404" ||
		doc.Column != "lzqfgj/政府文件" || doc.DocNo != "临发改发〔2026〕12号" || len(doc.NamedAttachments) != 2 {
		t.Errorf("gongkai item = %+v", doc)
	}
	hw, _, _ := st.Item(srv.URL + "/art/2026/3/17/art_1229_3099.html")
	if len(hw.Attachments) != 2 || hw.Attachments[0].Broken != "" || hw.Attachments[0].Length != 5000 ||
		hw.Attachments[1].Broken != "HTML error page" || hw.Published != "2026-03-17" {
		t.Errorf("hanweb item = %+v", hw)
	}
	// Letters from both list forms, with the letter pages' times.
	letters := map[string]store.Letter{}
	st.EachLetter(func(l store.Letter) error { letters[l.URL] = l; return nil })
	if l := letters[srv.URL+"/qzxx/letter_1201.html"]; l.Received != "2026-04-07 08:02" || l.Replied != "" || l.Status != "办理中" || l.Answered {
		t.Errorf("letter 1201 = %+v", l)
	}
	if l := letters[srv.URL+"/qzxx/letter_1234.html"]; l.Replied != "2026-04-14 16:05" || !l.Answered {
		t.Errorf("answered letter 1234 = %+v, want its reply time and Answered", l)
	}
	if l := letters[srv.URL+"/xx/letter_0502.html"]; l.Mailbox != "qzxx" || l.Handler != "区交通运输局" {
		t.Errorf("script letter = %+v", l)
	}
	// Links probed once and stored as pages.
	if p, ok, _ := st.Page(srv.URL + "/gongkai/site_lzqfgj/"); !ok || p.Status != 200 {
		t.Errorf("catalog link page = %+v", p)
	}
}

func TestHTTPFaults(t *testing.T) {
	tests := []struct {
		name    string
		handler func(n int64, w http.ResponseWriter, r *http.Request)
		tweak   func(*config.Crawl)
		audited bool
		kind    string
		cause   string
		trunc   bool
	}{
		{name: "5xx then success", handler: func(n int64, w http.ResponseWriter, r *http.Request) {
			if n == 1 {
				http.Error(w, "busy", http.StatusServiceUnavailable)
				return
			}
			io.WriteString(w, `<ul class="doc-list"><li><a href="a.html">甲</a><span class="date">2026-04-01</span></li></ul>`)
		}, audited: true},
		{name: "permanent 5xx", handler: func(n int64, w http.ResponseWriter, r *http.Request) {
			http.Error(w, "down", http.StatusBadGateway)
		}, kind: errHTTP5xx, cause: "HTTP 502（共尝试 3 次）"},
		{name: "412 challenge", handler: func(n int64, w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusPreconditionFailed)
			io.WriteString(w, "<script>document.cookie='x=1';location.reload()</script>")
		}, kind: errBlocked, cause: "被站点防火墙拦截 (HTTP 412)（共尝试 3 次）"},
		{name: "slow page", handler: func(n int64, w http.ResponseWriter, r *http.Request) {
			select {
			case <-time.After(2 * time.Second):
			case <-r.Context().Done():
			}
		}, tweak: func(c *config.Crawl) { c.Timeout = 100 * time.Millisecond; c.Retries = 1 }, kind: errTimeout, cause: "超时（共尝试 2 次）"},
		{name: "truncated body", handler: func(n int64, w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "5000")
			io.WriteString(w, "<html><body><ul>")
		}, kind: errTruncated, cause: "页面传输不完整（共尝试 3 次）"},
		{name: "too large", handler: func(n int64, w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "<html><body>"+strings.Repeat("很大的页面", 1000)+"</body></html>")
		}, tweak: func(c *config.Crawl) { c.MaxBodyBytes = 4096 }, kind: errTooLarge, cause: "页面超过大小上限 4 KiB"},
		{name: "too large, declared", handler: func(n int64, w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", strconv.Itoa(50<<20))
			w.WriteHeader(http.StatusOK)
			chunk := []byte(strings.Repeat("x", 64<<10))
			for i := 0; i < 800; i++ {
				if _, err := w.Write(chunk); err != nil {
					return // the crawler hung up without reading the body
				}
			}
		}, tweak: func(c *config.Crawl) { c.MaxBodyBytes = 4096 }, kind: errTooLarge, cause: "页面超过大小上限 4 KiB"},
		{name: "redirect loop", handler: func(n int64, w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, fmt.Sprintf("/list/?n=%d", n), http.StatusFound)
		}, kind: errRedirectLoop, cause: "重定向循环"},
		{name: "not html", handler: func(n int64, w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/pdf")
			w.Write([]byte("%PDF-1.4"))
		}, kind: errNotHTML},
		{name: "endless pager", handler: func(n int64, w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, `<ul class="doc-list"><li><a href="a%d.html">文%d</a><span class="date">2026-04-01</span></li></ul><a href="index_%d.html">下一页</a>`, n, n, n+1)
		}, tweak: func(c *config.Crawl) { c.MaxListPages = 5 }, audited: true, trunc: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var n atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				switch {
				case r.URL.Path == "/robots.txt":
					http.NotFound(w, r)
				case strings.HasPrefix(r.URL.Path, "/list/"):
					tt.handler(n.Add(1), w, r)
				case r.URL.Path == "/ok/":
					io.WriteString(w, "<html><body><ul class='doc-list'></ul><p class='empty'>暂无信息</p></body></html>")
				default:
					io.WriteString(w, "<html><body><div id='zoom'>正文</div></body></html>")
				}
			}))
			defer srv.Close()
			cfg := baseConfig(srv.URL)
			cfg.Columns = []config.Column{{ID: "c", Unit: "lzqfgj", Name: "栏目", URL: srv.URL + "/list/"},
				{ID: "ok", Unit: "lzqfgj", Name: "正常", URL: srv.URL + "/ok/"}}
			cfg.Site.Crawl.CheckLinks = false
			if tt.tweak != nil {
				tt.tweak(&cfg.Site.Crawl)
			}
			st := openStore(t)
			run, err := crawlOnce(t, cfg, st)
			if err != nil {
				t.Fatalf("run: %v", err)
			}
			s, ok, _ := st.Source("column:c")
			if !ok || s.Audited != tt.audited || s.ErrKind != tt.kind || tt.cause != "" && s.Cause != tt.cause || s.Truncated != tt.trunc {
				t.Errorf("source = %+v", s)
			}
			if tt.kind != "" && run.Errors[tt.kind] == 0 {
				t.Errorf("run errors %v lack %s", run.Errors, tt.kind)
			}
			if tt.trunc && (s.ListPages != 5 || s.Items != 5 || run.Errors["page-cap"] != 1) {
				t.Errorf("page cap: %+v, errors %v", s, run.Errors)
			}
			if tt.name == "5xx then success" && (run.Requests < 3 || s.Items != 1) {
				t.Errorf("retry: requests %d, items %d", run.Requests, s.Items)
			}
			if p, ok, _ := st.Page(srv.URL + "/list/"); tt.kind != "" && (!ok || p.ErrKind != tt.kind) {
				t.Errorf("page record = %+v", p)
			}
		})
	}
}

func TestInterrupt(t *testing.T) {
	started := make(chan struct{}, 100)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/" {
			io.WriteString(w, "<html><body>首页</body></html>")
			return
		}
		if strings.HasSuffix(r.URL.Path, "/list/") {
			io.WriteString(w, `<ul class="doc-list"><li><a href="a.html">甲</a><span class="date">2026-04-01</span></li><li><a href="b.html">乙</a><span class="date">2026-04-02</span></li></ul>`)
			return
		}
		started <- struct{}{}
		select {
		case <-time.After(5 * time.Second):
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	cfg := baseConfig(srv.URL)
	cfg.Site.Crawl.ObeyRobots = false
	for i := 0; i < 6; i++ {
		cfg.Columns = append(cfg.Columns, config.Column{ID: fmt.Sprint("c", i), Unit: "lzqfgj", Name: "栏目", URL: fmt.Sprintf("%s/%d/list/", srv.URL, i)})
	}
	st := openStore(t)
	c, err := New(cfg, st, Options{Now: func() time.Time { return fixtureNow }})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-started; cancel() }()
	run, err := c.Run(ctx)
	if err == nil || run.Status != "interrupted" {
		t.Fatalf("status %s, err %v", run.Status, err)
	}
	var rs ResumeState
	if err := json.Unmarshal(run.Resume, &rs); err != nil {
		t.Fatalf("resume %q: %v", run.Resume, err)
	}
	saved, err := st.Run(run.ID)
	if err != nil || saved.Status != "interrupted" {
		t.Errorf("saved run %+v, %v", saved, err)
	}
	srcs, _ := st.Sources()
	if len(srcs) != len(rs.Done) {
		t.Errorf("%d sources stored, resume lists %d", len(srcs), len(rs.Done))
	}
	for _, s := range srcs {
		if s.Audited {
			t.Errorf("source %s recorded audited although its articles were interrupted", s.Key)
		}
	}
}

// TestRequestLog: the request log lists every request the run counted,
// with its method, in the form bench/run replays.
func TestRequestLog(t *testing.T) {
	srv, _ := fixtureSite(t)
	cfg := baseConfig(srv.URL)
	cfg.Site.Crawl.AttachmentText = true // attachments downloaded too, by their own client
	cfg.Columns = []config.Column{
		{ID: "lzqzjj/通知公告", Unit: "lzqzjj", Name: "通知公告", URL: srv.URL + "/col/col1229/index.html"},
		{ID: "lzqjtj/政策文件", Unit: "lzqjtj", Name: "政策文件", URL: srv.URL + "/jtj/zcwj/index.html"},
	}
	st := openStore(t)
	var log bytes.Buffer
	c, err := New(cfg, st, Options{Now: func() time.Time { return fixtureNow }, RequestLog: &log})
	if err != nil {
		t.Fatal(err)
	}
	run, err := c.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(log.String(), "\n"), "\n")
	if len(lines) != run.Requests {
		t.Fatalf("request log has %d lines, the run counted %d requests", len(lines), run.Requests)
	}
	methods := map[string]int{}
	for _, l := range lines {
		m, u, ok := strings.Cut(l, "\t")
		if !ok || !strings.HasPrefix(u, srv.URL+"/") {
			t.Fatalf("request log line %q: want METHOD<tab>URL of the site", l)
		}
		methods[m]++
	}
	if methods["GET"] == 0 || methods["POST"] != 1 {
		t.Errorf("methods %v: want GETs and the one data-proxy POST", methods)
	}
	for m := range methods {
		if m != "GET" && m != "HEAD" && m != "POST" && m != "GET-RANGE" {
			t.Errorf("unknown method %q in the request log", m)
		}
	}
}
