package web

// Hostile input against the review UI: crawled text with HTML and script
// payloads stays text on every page, no URL but http(s) becomes a link,
// the snapshot viewer serves nothing but sanitised snapshots from the
// store, sign-in is rate-limited per user and per address, sessions
// expire and die with sign-out, and sign-in never redirects off the site.

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/govaudit/govaudit/config"
	"github.com/govaudit/govaudit/store"
)

// uiPayloads are crawled texts that would run script if a page wrote them
// unescaped.
var uiPayloads = []string{
	`<script>alert(1)</script>`,
	`"><img src=x onerror=alert(1)>`,
	`'><svg onload=alert(1)>`,
	`</title></textarea><script>alert(1)</script>`,
	`<a href="javascript:alert(1)">点我</a>`,
	`{{.CSRF}}<!--`,
	`javascript:alert(1)`,
}

// uiURLs are item URLs that must never become a link.
var uiURLs = []string{
	"javascript:alert(1)",
	"JaVaScRiPt:alert(document.cookie)",
	" javascript:alert(1)",
	"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
	"vbscript:msgbox(1)",
	"//evil.test/x",
	"http://x.test/\"><script>alert(1)</script>",
}

var snapshotPathRE = regexp.MustCompile(`^/snapshot/[0-9a-f]{16,64}$`)

// localOrHTTP reports whether an href may appear on a UI page: a path of
// this server, a query, or an absolute http(s) URL.
func localOrHTTP(v string) bool {
	l := strings.ToLower(v)
	switch {
	case strings.HasPrefix(l, "http://"), strings.HasPrefix(l, "https://"), strings.HasPrefix(l, "?"):
		return true
	case strings.HasPrefix(v, "/"):
		return isLocalPath(v) && !strings.ContainsAny(v, "\t\n\r\\")
	}
	return false
}

// checkPage parses a UI page and fails the test if it holds inline script,
// a script from elsewhere, an event handler, an object, a frame that is not
// the sandboxed snapshot, or a link that is neither local nor http(s). It
// returns the page's text.
func checkPage(t *testing.T, what, doc string) string {
	t.Helper()
	z := html.NewTokenizer(strings.NewReader(doc))
	var text strings.Builder
	inScript := false
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			if z.Err() != io.EOF {
				t.Fatalf("%s: %v", what, z.Err())
			}
			return text.String()
		case html.TextToken:
			if inScript && strings.TrimSpace(string(z.Text())) != "" {
				t.Errorf("%s: inline script %q", what, z.Text())
			}
			text.Write(z.Text())
		case html.EndTagToken:
			inScript = false
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			attr := map[string]string{}
			for _, a := range tok.Attr {
				attr[strings.ToLower(a.Key)] = a.Val
			}
			switch tok.Data {
			case "script":
				inScript = tt == html.StartTagToken
				if !strings.HasPrefix(attr["src"], "/static/") {
					t.Errorf("%s: script %v", what, tok.Attr)
				}
			case "iframe":
				if sb, ok := attr["sandbox"]; !ok || sb != "" || !snapshotPathRE.MatchString(attr["src"]) {
					t.Errorf("%s: frame %v is not the bare-sandboxed snapshot", what, tok.Attr)
				}
			case "img", "object", "embed", "base", "math", "frame":
				t.Errorf("%s: element <%s %v>", what, tok.Data, tok.Attr)
			case "meta":
				if _, ok := attr["http-equiv"]; ok {
					t.Errorf("%s: <meta %v>", what, tok.Attr)
				}
			}
			for k, v := range attr {
				switch {
				case strings.HasPrefix(k, "on"):
					t.Errorf("%s: event handler %s=%q on <%s>", what, k, v, tok.Data)
				case k == "href" || k == "action" || k == "formaction" || (k == "src" && tok.Data != "iframe" && tok.Data != "script"):
					if !localOrHTTP(v) {
						t.Errorf("%s: <%s %s=%q>", what, tok.Data, k, v)
					}
				case k == "style":
					t.Errorf("%s: inline style %q on <%s>", what, v, tok.Data)
				}
			}
		}
	}
}

// seedPayloads stores findings (and an adjustment and a run) carrying the
// payloads in every crawled field, and returns the finding ids.
func seedPayloads(t *testing.T, fx *fixture) []string {
	t.Helper()
	var found []store.Finding
	for i, p := range uiPayloads {
		u := uiURLs[i%len(uiURLs)]
		found = append(found, store.Finding{Rule: "timeliness", Subject: fmt.Sprintf("payload-%d", i), URL: u,
			Unit: "lzqmzj", Column: p, Title: p, Quarter: "2026Q3", Points: 1, Scoring: true,
			Evidence: store.Evidence{Text: p, Dates: map[string]string{"written": p, "published": "2026-09-10"},
				Skipped: []string{p}, MakeUp: []string{p}, SnapshotHash: fx.snap}})
	}
	if _, err := fx.st.SyncFindings(store.SyncRequest{Rules: []string{"timeliness"}, Found: found, Now: t0.Add(3 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	// The item behind one finding, with payload attachments and links.
	it := store.Item{URL: uiURLs[1], Unit: "lzqmzj", Column: uiPayloads[0], Title: uiPayloads[1], FetchedAt: t0,
		DocNo: uiPayloads[2], Publisher: uiPayloads[3], Links: uiURLs,
		Attachments:      []store.Attachment{{URL: uiURLs[0], Name: uiPayloads[0], Type: "pdf"}, {URL: uiURLs[3], Name: uiPayloads[1]}},
		NamedAttachments: uiPayloads}
	if err := fx.st.Write(&store.Batch{Items: []store.Item{it}}); err != nil {
		t.Fatal(err)
	}
	ids := make([]string, len(found))
	for i, f := range found {
		ids[i] = store.FindingID(f.Rule, f.Subject)
	}
	// A decision whose reason carries a payload.
	if _, err := fx.st.Decide(ids[0], store.Action{Kind: store.DecideDismiss, By: "张三", Reason: uiPayloads[1], At: t0.Add(4 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if _, err := fx.st.AddAdjustment(store.Adjustment{Unit: "lzqmzj", Period: "2026Q3", Points: 1,
		Category: store.CategoryRectification, Reason: uiPayloads[0], By: "张三", At: t0.Add(4 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	r, err := fx.st.StartRun("crawl", t0)
	if err != nil {
		t.Fatal(err)
	}
	r.Status, r.Note, r.EndedAt = store.RunFailed, uiPayloads[1], t0.Add(time.Minute)
	r.Errors = map[string]int{uiPayloads[0]: 1}
	if err := fx.st.SaveRun(r); err != nil {
		t.Fatal(err)
	}
	return ids
}

func TestUIKeepsPayloadsText(t *testing.T) {
	fx := newFixture(t, nil)
	ids := seedPayloads(t, fx)
	c := fx.signedIn("张三", pwInspector)
	q := url.QueryEscape
	pages := []string{
		"/findings", "/findings?unit=lzqmzj", "/findings?unit=lzqmzj&sort=-date",
		"/findings?q=" + q(uiPayloads[0]), "/findings?unit=" + q(uiPayloads[1]) + "&rule=" + q(uiPayloads[0]) + "&column=" + q(uiPayloads[2]),
		"/overview", "/runs", "/runs?kind=" + q(uiPayloads[0]), "/adjustments", "/adjustments?unit=" + q(uiPayloads[1]),
		"/findings/" + q(uiPayloads[0]), "/nope/" + q(uiPayloads[1]),
	}
	for _, id := range ids {
		pages = append(pages, "/findings/"+id)
	}
	var all strings.Builder
	for _, p := range pages {
		resp, body := c.get(p)
		if resp.StatusCode >= 500 {
			t.Errorf("%s: status %d", p, resp.StatusCode)
		}
		all.WriteString(checkPage(t, p, body))
	}
	shown := strings.Join(strings.Fields(all.String()), " ")
	for _, p := range uiPayloads {
		if !strings.Contains(shown, strings.Join(strings.Fields(p), " ")) {
			t.Errorf("payload %q is not shown as text anywhere", p)
		}
	}
	// An error page's way back is never a foreign or script URL.
	for _, back := range []string{"javascript:alert(1)", "//evil.test/", "/\\evil.test/", "/\t/evil.test/", "http://evil.test/"} {
		resp, body := c.act(ids[1], "dismiss", url.Values{"back": {back}}) // no reason: an error page
		if resp.StatusCode < 400 {
			t.Fatalf("dismiss without reason: %d", resp.StatusCode)
		}
		checkPage(t, "error page with back="+back, body)
		m := regexp.MustCompile(`<a href="([^"]*)">返回</a>`).FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("error page without a way back:\n%s", body)
		}
		if href := html.UnescapeString(m[1]); browserPath(href) != href || !isLocalPath(href) {
			t.Errorf("error page with back=%q links back to %q", back, href)
		}
	}
}

func TestSnapshotViewerConfinement(t *testing.T) {
	fx := newFixture(t, nil)
	// A file next to the store that must never be served.
	secret := filepath.Join(filepath.Dir(fx.path), "secret.txt")
	if err := os.WriteFile(secret, []byte("TOP-SECRET-FILE"), 0o600); err != nil {
		t.Fatal(err)
	}
	// A hostile snapshot.
	hostile := []byte(`<html><head><base href="http://evil.test/"><meta http-equiv="refresh" content="0;url=javascript:alert(1)">
<link rel="stylesheet" href="http://evil.test/x.css"><style>body{background:url(http://evil.test/bg.png)}</style>
<script>alert(1)</script><script/>alert(2)</script></head><body onload="alert(3)">
<h1>正文<img src=x onerror=alert(4)></h1><a href="javascript:alert(5)">点我</a>
<form action="http://evil.test/"><input name=q><button formaction="javascript:alert(6)">提交</button></form>
<iframe src="http://evil.test/"></iframe><object data="x.swf"></object><embed src="x.swf">
<svg><script>alert(7)</script><a xlink:href="javascript:alert(8)"><text>s</text></a></svg>
<math><mtext><table><mglyph><style><img src=x onerror=alert(9)></style></mglyph></table></mtext></math>
<div style="width:expression(alert(10))">x</div><p style="color:red">保留</p>
<noscript><p title="</noscript><img src=x onerror=alert(11)>"></p></noscript>
<img src="data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=">
</body></html>`)
	hash := store.SnapshotHash(hostile)
	if err := fx.st.Write(&store.Batch{Snapshots: map[string][]byte{hash: hostile}}); err != nil {
		t.Fatal(err)
	}
	c := fx.signedIn("张三", pwInspector)
	resp, body := c.get("/snapshot/" + hash)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("snapshot: %d", resp.StatusCode)
	}
	csp := resp.Header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "sandbox", "frame-ancestors 'self'", "form-action 'none'", "base-uri 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("snapshot CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "script-src") || strings.Contains(csp, "allow-scripts") {
		t.Errorf("snapshot CSP %q lets script run", csp)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("snapshot content type %q", ct)
	}
	z := html.NewTokenizer(strings.NewReader(body))
	for tt := z.Next(); tt != html.ErrorToken; tt = z.Next() {
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		tok := z.Token()
		switch tok.Data {
		case "script", "iframe", "object", "embed", "form", "input", "button", "base", "link", "svg", "math", "noscript":
			t.Errorf("sanitised snapshot keeps <%s %v>", tok.Data, tok.Attr)
		case "meta":
			if len(tok.Attr) != 1 || tok.Attr[0].Key != "charset" {
				t.Errorf("sanitised snapshot keeps <meta %v>", tok.Attr)
			}
		}
		for _, a := range tok.Attr {
			k, v := strings.ToLower(a.Key), strings.ToLower(a.Val)
			switch {
			case strings.HasPrefix(k, "on"), k == "href", k == "action", k == "formaction", k == "xlink:href", k == "data":
				t.Errorf("sanitised snapshot keeps %s=%q on <%s>", a.Key, a.Val, tok.Data)
			case k == "src" && !strings.HasPrefix(v, "data:image/png") && !strings.HasPrefix(v, "data:image/gif") && !strings.HasPrefix(v, "data:image/jpeg"):
				t.Errorf("sanitised snapshot keeps src=%q", a.Val)
			case k == "style" && (strings.Contains(v, "url(") || strings.Contains(v, "expression")):
				t.Errorf("sanitised snapshot keeps style=%q", a.Val)
			}
		}
	}
	if strings.Contains(body, "evil.test/bg.png") && strings.Contains(body, "url(") {
		t.Error("sanitised snapshot keeps a CSS url()")
	}
	for _, want := range []string{"正文", "点我", "保留"} {
		if !strings.Contains(body, want) {
			t.Errorf("sanitised snapshot lost the text %q", want)
		}
	}

	// The finding page frames it sandboxed (no allow-scripts, no
	// allow-same-origin).
	_, page := c.get("/findings/" + fx.ids["first"])
	frames := regexp.MustCompile(`<iframe[^>]*>`).FindAllString(page, -1)
	if len(frames) != 1 || !strings.Contains(frames[0], "<iframe sandbox ") || strings.Contains(frames[0], "allow-") {
		t.Errorf("snapshot frames %q, want one with a bare sandbox attribute", frames)
	}

	// Nothing but a stored snapshot is served under /snapshot/.
	paths := []string{
		"/snapshot/../govaudit.db", "/snapshot/..%2fgovaudit.db", "/snapshot/%2e%2e%2fgovaudit.db", "/snapshot/%2e%2e/%2e%2e/etc/passwd",
		"/snapshot/..%252f..%252fetc%252fpasswd", "/snapshot/%252e%252e", "/snapshot//etc/passwd", "/snapshot/%2Fetc%2Fpasswd",
		"/snapshot/" + url.PathEscape(secret), "/snapshot/" + url.PathEscape(fx.path), "/snapshot/C:%5CWindows%5Cwin.ini",
		"/snapshot/secret.txt", "/snapshot/" + strings.ToUpper(hash), "/snapshot/" + hash + "%00", "/snapshot/" + hash + "/..",
		"/snapshot/" + hash + "%2f..%2fsecret.txt", "/snapshot/" + hash[:15], "/snapshot/" + hash + hash, "/snapshot/０１２３４５６７８９abcdef",
		"/snapshot/" + hash[:len(hash)-1] + "g", "/snapshot/", "/snapshot/%20" + hash, "/static/../govaudit.db", "/static/%2e%2e/govaudit.db",
		"/static/..%2f..%2fsecret.txt",
	}
	statuses := map[int]int{}
	for _, p := range paths {
		req, err := http.NewRequest(http.MethodGet, fx.http.URL+p, nil)
		if err != nil {
			continue // not even a URL
		}
		req.URL.RawPath = "" // send the path exactly as written
		req.URL.Opaque = p
		resp, body := c.do(req)
		if strings.Contains(body, "TOP-SECRET-FILE") || strings.Contains(body, "root:x:0") {
			t.Errorf("%s: served a file: %.80q", p, body)
		}
		if resp.StatusCode == http.StatusOK {
			t.Errorf("%s: status 200 (%.60q)", p, body)
		}
		statuses[resp.StatusCode]++
		if strings.HasPrefix(p, "/snapshot/") && resp.Header.Get("Content-Security-Policy") != snapshotCSP {
			t.Errorf("%s: answered without the snapshot policy", p)
		}
	}
	t.Logf("traversal attempts answered (status: count) %v", statuses)
	if statuses[http.StatusBadRequest]+statuses[http.StatusNotFound] < len(paths)/2 {
		t.Errorf("most traversal attempts should be refused with 400 or 404: %v", statuses)
	}
	// Only the signed-in see snapshots.
	if resp, _ := fx.client().get("/snapshot/" + hash); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("snapshot without sign-in: %d, want a redirect to sign-in", resp.StatusCode)
	}
}

func TestSignInLimitedPerAddressAndUser(t *testing.T) {
	fx := newFixture(t, func(c *config.Config) { c.Web.TrustedProxy = "127.0.0.1/32" })
	from := func(c *client, ip string) *client {
		c.c.Transport = headerTransport{"X-Forwarded-For": ip}
		return c
	}
	// One address guessing many names is stopped, also for a right
	// password of another user.
	c := from(fx.client(), "10.0.0.1")
	for i := range maxFailures {
		if resp, _ := c.login(fmt.Sprintf("user%d", i), "guess"); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d", i, resp.StatusCode)
		}
	}
	if resp, body := c.login("张三", pwInspector); resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, "登录失败次数过多") {
		t.Errorf("right password from a blocked address: %d, want 429", resp.StatusCode)
	}
	// Another address is not blocked by the first one's failures.
	if resp, _ := from(fx.client(), "10.0.0.2").login("张三", pwInspector); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("right password from another address: %d", resp.StatusCode)
	}

	// Many addresses guessing one name: the name is stopped.
	for i := range maxFailures {
		if resp, _ := from(fx.client(), fmt.Sprintf("10.1.0.%d", i)).login("李四", "guess"); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d", i, resp.StatusCode)
		}
	}
	if resp, _ := from(fx.client(), "10.1.1.1").login("李四", pwViewer); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("right password of a guessed name from a fresh address: %d, want 429", resp.StatusCode)
	}
	// Refusals while blocked do not extend the block; failures age out of
	// the window one by one.
	fx.clock.add(failureWindow - time.Minute)
	if resp, _ := from(fx.client(), "10.1.1.2").login("李四", pwViewer); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("within the window: %d, want 429", resp.StatusCode)
	}
	fx.clock.add(time.Minute + time.Second)
	if resp, _ := from(fx.client(), "10.1.1.3").login("李四", pwViewer); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("after the window: %d, want a sign-in", resp.StatusCode)
	}
	// A forged X-Forwarded-For from a peer that is not the trusted proxy
	// does not escape the address limit.
	fx2 := newFixture(t, nil)
	for i := range maxFailures + 2 {
		resp, _ := from(fx2.client(), fmt.Sprintf("10.2.0.%d", i)).login(fmt.Sprintf("x%d", i), "guess")
		if i >= maxFailures && resp.StatusCode != http.StatusTooManyRequests {
			t.Errorf("attempt %d with a forged address: %d, want 429", i, resp.StatusCode)
		}
	}
}

// headerTransport adds headers to every request.
type headerTransport map[string]string

func (h headerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	for k, v := range h {
		r.Header.Set(k, v)
	}
	return http.DefaultTransport.RoundTrip(r)
}

func TestSessionLifetimeAndSignOut(t *testing.T) {
	fx := newFixture(t, func(c *config.Config) { c.Web.SessionHours = 1 })
	c := fx.signedIn("张三", pwInspector)
	// Activity does not extend a session past its lifetime.
	for range 5 {
		fx.clock.add(11 * time.Minute)
		if resp, _ := c.get("/findings"); resp.StatusCode != http.StatusOK {
			t.Fatalf("session within its hour: %d", resp.StatusCode)
		}
	}
	fx.clock.add(6 * time.Minute)
	if resp, _ := c.get("/findings"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("after 61 minutes of activity: %d, want a redirect to sign-in", resp.StatusCode)
	}
	// An expired session cannot act either, even with its CSRF token.
	if resp, _ := c.act(fx.ids["jtj1"], "confirm", nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("action with an expired session: %d, want 401", resp.StatusCode)
	}
	if fx.status(fx.ids["jtj1"]) != store.StatusDraft {
		t.Error("an expired session confirmed a finding")
	}

	// Sign-out kills the session on the server: its cookie replayed is
	// worthless.
	c = fx.signedIn("张三", pwInspector)
	u, _ := url.Parse(fx.http.URL)
	var cookie *http.Cookie
	for _, ck := range c.c.Jar.Cookies(u) {
		if ck.Name == sessionCookie {
			cookie = ck
		}
	}
	if cookie == nil {
		t.Fatal("no session cookie")
	}
	if resp, _ := c.post("/logout", url.Values{"csrf": {c.csrf}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-out: %d", resp.StatusCode)
	}
	req, _ := http.NewRequest(http.MethodGet, fx.http.URL+"/findings", nil)
	req.AddCookie(cookie)
	if resp, _ := fx.client().do(req); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("the signed-out session's cookie still works: %d", resp.StatusCode)
	}
}

func TestSignInNeverRedirectsOffSite(t *testing.T) {
	fx := newFixture(t, nil)
	for _, next := range []string{"http://evil.test/", "//evil.test/", "/\\evil.test/", "/\t/evil.test/", "/\n/evil.test/",
		"/\r/evil.test/", "\\\\evil.test/", " //evil.test/", "javascript:alert(1)", "/%2F%2Fevil.test/", "https:evil.test",
		"/findings?x=\\/evil.test"} {
		c := fx.client()
		_, body := c.get("/login?next=" + url.QueryEscape(next))
		req, _ := http.NewRequest(http.MethodPost, fx.http.URL+"/login", strings.NewReader(url.Values{"csrf": {csrfOf(body)},
			"name": {"张三"}, "password": {pwInspector}, "next": {next}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for _, ck := range c.c.Jar.Cookies(req.URL) {
			req.AddCookie(ck)
		}
		// The transport, not the client: the client would refuse to
		// parse a Location header a browser follows happily.
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("sign in with next=%q: %d", next, resp.StatusCode)
		}
		loc := resp.Header.Get("Location")
		if p := browserPath(loc); !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") {
			t.Errorf("next=%q: signed in and sent to %q, which a browser reads as %q", next, loc, p)
		}
	}
}

// browserPath is what a browser makes of a relative URL: it drops tabs
// and line breaks and reads backslashes as slashes.
func browserPath(s string) string {
	return strings.NewReplacer("\t", "", "\n", "", "\r", "", "\\", "/").Replace(strings.TrimLeft(s, " "))
}
