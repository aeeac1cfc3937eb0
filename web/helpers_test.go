package web

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/govaudit/govaudit/config"
	"github.com/govaudit/govaudit/store"
)

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// Passwords of the test users.
const (
	pwInspector = "zhang-secret-1"
	pwViewer    = "li-secret-2"
)

const (
	xssScript = `<script>alert(1)</script>`
	xssImg    = `"><img src=x onerror=alert(1)>`
)

// fixture is a review UI over a real store in a temporary directory.
type fixture struct {
	t     *testing.T
	cfg   *config.Config
	st    *store.Store
	path  string
	clock *clock
	srv   *Server
	http  *httptest.Server
	ids   map[string]string // named findings -> id
	snap  string            // hash of the seeded snapshot
}

func testConfig(t testing.TB) *config.Config {
	hash := func(pw string) string {
		h, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.MinCost)
		if err != nil {
			t.Fatal(err)
		}
		return string(h)
	}
	return &config.Config{
		Path: "test.yaml",
		Units: []config.Unit{
			{ID: "lzqfgj", Name: "区发改局"},
			{ID: "lzqjtj", Name: "区教体局"},
			{ID: "lzqmzj", Name: "区民政局"},
		},
		Columns: []config.Column{
			{ID: "lzqfgj/政策文件", Unit: "lzqfgj", Name: "政策文件"},
			{ID: "lzqjtj/通知公告", Unit: "lzqjtj", Name: "通知公告"},
		},
		// Findings of 2026 are current (not historical problems), so that
		// the 待审核 tab lists them all.
		Rules: config.Rules{Baseline: "2026-01-01"},
		Inspectors: []config.Inspector{
			{Name: "张三", PasswordHash: hash(pwInspector), Role: "inspector"},
			{Name: "李四", PasswordHash: hash(pwViewer), Role: "viewer"},
		},
	}
}

var t0 = time.Date(2026, 10, 12, 2, 0, 0, 0, cst)

// newFixture opens a store, seeds it and serves the UI. mod may change the
// configuration first.
func newFixture(t *testing.T, mod func(*config.Config)) *fixture {
	t.Helper()
	cfg := testConfig(t)
	if mod != nil {
		mod(cfg)
	}
	fx := &fixture{t: t, cfg: cfg, path: filepath.Join(t.TempDir(), "govaudit.db"),
		clock: &clock{t: t0.Add(8 * time.Hour)}, ids: map[string]string{}}
	st, err := store.Open(fx.path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	fx.st = st
	t.Cleanup(func() { fx.st.Close() })
	fx.seed()
	fx.serve()
	return fx
}

// restart closes and reopens the store and serves it with a new server.
func (fx *fixture) restart() {
	fx.t.Helper()
	if err := fx.st.Close(); err != nil {
		fx.t.Fatal(err)
	}
	st, err := store.Open(fx.path, store.Options{})
	if err != nil {
		fx.t.Fatal(err)
	}
	fx.st = st
	fx.serve()
}

// serve (re)creates the server over fx.st.
func (fx *fixture) serve() {
	fx.t.Helper()
	srv, err := New(Options{Config: fx.cfg, Store: fx.st, Now: fx.clock.now})
	if err != nil {
		fx.t.Fatal(err)
	}
	fx.srv = srv
	if fx.http != nil {
		fx.http.Close()
	}
	fx.http = httptest.NewServer(srv.Handler())
	fx.t.Cleanup(fx.http.Close)
}

const snapshotHTML = `<html><head><title>关于印发通知</title><script>window.__x=1</script></head>
<body><h1>关于印发通知</h1><p>正文</p><img src="http://evil.test/x.png" onerror="alert(1)"></body></html>`

// seed stores 120 timeliness findings of 区发改局 (paging), a few of other
// checks and units, two carrying script payloads in their titles, and a
// snapshot. They are detected over three syncs so that dates differ.
func (fx *fixture) seed() {
	t := fx.t
	t.Helper()
	body := []byte(snapshotHTML)
	fx.snap = store.SnapshotHash(body)
	if err := fx.st.Write(&store.Batch{Snapshots: map[string][]byte{fx.snap: body}}); err != nil {
		t.Fatal(err)
	}
	var tim, att []store.Finding
	for i := range 120 {
		q := "2026Q3"
		if i%2 == 1 {
			q = "2026Q2"
		}
		u := fmt.Sprintf("http://www.linzi.gov.cn/gongkai/site_lzqfgj/doc_%03d.html", i)
		tim = append(tim, store.Finding{Rule: "timeliness", Subject: u, URL: u, Unit: "lzqfgj",
			Column: "lzqfgj/政策文件", Title: fmt.Sprintf("发改文件 %03d", i), Quarter: q,
			Points: 1 + float64(i%5)/2, Scoring: true,
			Evidence: store.Evidence{Text: fmt.Sprintf("成文 2026-08-01，发布 2026-09-%02d，超过 20 个工作日", 1+i%28),
				Dates: map[string]string{"written": "2026-08-01", "published": "2026-09-10"}, WorkingDays: 28,
				Skipped: []string{"中秋节 2026-09-25"}, SnapshotHash: fx.snap}})
	}
	sync := func(now time.Time, found ...[]store.Finding) {
		var all []store.Finding
		for _, f := range found {
			all = append(all, f...)
		}
		if _, err := fx.st.SyncFindings(store.SyncRequest{Rules: []string{"timeliness", "missing-attachment"},
			Found: all, Now: now}); err != nil {
			t.Fatal(err)
		}
	}
	sync(t0, tim[:60])
	att = []store.Finding{
		{Rule: "missing-attachment", Subject: "http://www.linzi.gov.cn/jtj/a1.html", URL: "http://www.linzi.gov.cn/jtj/a1.html",
			Unit: "lzqjtj", Column: "lzqjtj/通知公告", Title: "教体局通知一", Quarter: "2026Q3", Points: 0.5, Scoring: true,
			Evidence: store.Evidence{Text: "正文提到附件，页面没有附件链接"}},
		{Rule: "missing-attachment", Subject: "http://www.linzi.gov.cn/jtj/a2.html", URL: "http://www.linzi.gov.cn/jtj/a2.html",
			Unit: "lzqjtj", Column: "lzqjtj/通知公告", Title: "教体局通知二", Quarter: "2026Q3", Points: 0.5, Scoring: true,
			Evidence: store.Evidence{Text: "正文提到附件，页面没有附件链接"}},
		{Rule: "missing-attachment", Subject: "http://www.linzi.gov.cn/mzj/x1.html", URL: "javascript:alert(1)",
			Unit: "lzqmzj", Title: xssScript, Quarter: "2026Q3", Points: 9, Scoring: true,
			Evidence: store.Evidence{Text: xssImg}},
		{Rule: "missing-attachment", Subject: "http://www.linzi.gov.cn/mzj/x2.html", URL: "http://www.linzi.gov.cn/mzj/x2.html",
			Unit: "lzqmzj", Title: xssImg, Quarter: "2026Q3", Points: 0.5, Scoring: true,
			Evidence: store.Evidence{Text: "正文提到附件"}},
	}
	sync(t0.Add(time.Hour), tim[:90], att)
	sync(t0.Add(2*time.Hour), tim, att)
	fx.ids["first"] = store.FindingID("timeliness", tim[0].Subject)
	fx.ids["last"] = store.FindingID("timeliness", tim[119].Subject)
	fx.ids["jtj1"] = store.FindingID("missing-attachment", att[0].Subject)
	fx.ids["jtj2"] = store.FindingID("missing-attachment", att[1].Subject)
	fx.ids["xss"] = store.FindingID("missing-attachment", att[2].Subject)
	fx.ids["xss2"] = store.FindingID("missing-attachment", att[3].Subject)
}

// client is a browser-like HTTP client with its own cookies that does not
// follow redirects.
type client struct {
	fx   *fixture
	c    *http.Client
	csrf string
}

func (fx *fixture) client() *client {
	jar, _ := cookiejar.New(nil)
	return &client{fx: fx, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// signedIn returns a client signed in as name.
func (fx *fixture) signedIn(name, password string) *client {
	fx.t.Helper()
	c := fx.client()
	resp, _ := c.login(name, password)
	if resp.StatusCode != http.StatusSeeOther {
		fx.t.Fatalf("sign in as %s: status %d", name, resp.StatusCode)
	}
	_, body := c.get("/findings")
	c.csrf = csrfOf(body)
	if c.csrf == "" && name != "李四" {
		fx.t.Fatalf("no CSRF token on the findings page of %s", name)
	}
	return c
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func csrfOf(body string) string {
	m := csrfRE.FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return m[1]
}

func (c *client) login(name, password string) (*http.Response, string) {
	c.fx.t.Helper()
	_, body := c.get("/login")
	tok := csrfOf(body)
	return c.post("/login", url.Values{"csrf": {tok}, "name": {name}, "password": {password}, "next": {"/findings"}})
}

func (c *client) do(req *http.Request) (*http.Response, string) {
	c.fx.t.Helper()
	resp, err := c.c.Do(req)
	if err != nil {
		c.fx.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.fx.t.Fatal(err)
	}
	return resp, string(b)
}

func (c *client) get(path string) (*http.Response, string) {
	c.fx.t.Helper()
	req, err := http.NewRequest(http.MethodGet, c.fx.http.URL+path, nil)
	if err != nil {
		c.fx.t.Fatal(err)
	}
	return c.do(req)
}

func (c *client) post(path string, form url.Values) (*http.Response, string) {
	c.fx.t.Helper()
	req, err := http.NewRequest(http.MethodPost, c.fx.http.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		c.fx.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req)
}

// act posts an action with the client's CSRF token.
func (c *client) act(id, action string, form url.Values) (*http.Response, string) {
	c.fx.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["csrf"]; !ok {
		form.Set("csrf", c.csrf)
	}
	return c.post("/findings/"+id+"/"+action, form)
}

func (fx *fixture) status(id string) string {
	fx.t.Helper()
	f, err := fx.st.Finding(id)
	if err != nil {
		fx.t.Fatal(err)
	}
	return f.Status
}

// rowIDs returns the finding ids listed on a findings page, in order.
func rowIDs(body string) []string {
	var ids []string
	for _, m := range regexp.MustCompile(`class="fid">([^<]+)<`).FindAllStringSubmatch(body, -1) {
		ids = append(ids, m[1])
	}
	return ids
}
