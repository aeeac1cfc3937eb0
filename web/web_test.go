package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/govaudit/govaudit/config"
	"github.com/govaudit/govaudit/store"
)

func TestUnauthenticatedRedirectsToSignIn(t *testing.T) {
	fx := newFixture(t, nil)
	c := fx.client()
	for _, path := range []string{"/", "/findings?unit=lzqfgj", "/findings/" + fx.ids["first"], "/overview", "/runs", "/snapshot/" + fx.snap} {
		resp, _ := c.get(path)
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login?next=") {
			t.Errorf("GET %s: %d %q, want 303 to /login", path, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	resp, body := c.post("/findings/"+fx.ids["first"]+"/confirm", url.Values{"csrf": {"x"}})
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "请先登录") {
		t.Errorf("anonymous POST: %d, want 401 请先登录", resp.StatusCode)
	}
	if got := fx.status(fx.ids["first"]); got != store.StatusDraft {
		t.Errorf("status after anonymous POST = %s", got)
	}
}

func TestSignIn(t *testing.T) {
	fx := newFixture(t, nil)
	c := fx.client()
	resp, body := c.login("张三", "wrong")
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "用户名或密码错误") {
		t.Fatalf("wrong password: %d", resp.StatusCode)
	}
	resp, body = c.login("无此人", "x")
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "用户名或密码错误") {
		t.Fatalf("unknown user: %d", resp.StatusCode)
	}
	// Without the form's token.
	resp, _ = c.post("/login", url.Values{"name": {"张三"}, "password": {pwInspector}})
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("sign-in without token: %d, want 403", resp.StatusCode)
	}
	resp, _ = c.login("张三", pwInspector)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/findings" {
		t.Fatalf("sign in: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	var sc *http.Cookie
	for _, ck := range resp.Cookies() {
		if ck.Name == sessionCookie {
			sc = ck
		}
	}
	if sc == nil || !sc.HttpOnly || sc.SameSite != http.SameSiteLaxMode || sc.Secure || len(sc.Value) < 40 {
		t.Fatalf("session cookie %+v: want HttpOnly, SameSite=Lax, not Secure on plain http, long random id", sc)
	}
	resp, body = c.get("/findings")
	if resp.StatusCode != 200 || !strings.Contains(body, "张三") {
		t.Fatalf("after sign-in: %d", resp.StatusCode)
	}
	// An open redirect through next is refused.
	c2 := fx.client()
	_, b := c2.get("/login")
	resp, _ = c2.post("/login", url.Values{"csrf": {csrfOf(b)}, "name": {"张三"}, "password": {pwInspector}, "next": {"//evil.test/"}})
	if loc := resp.Header.Get("Location"); loc != "/findings" {
		t.Errorf("next=//evil.test/ redirected to %q", loc)
	}
}

func TestSecureCookieWhenConfigured(t *testing.T) {
	yes := true
	fx := newFixture(t, func(c *config.Config) { c.Web.SecureCookies = &yes })
	resp, _ := fx.client().login("张三", pwInspector)
	for _, ck := range resp.Cookies() {
		if ck.Name == sessionCookie && !ck.Secure {
			t.Fatal("session cookie not Secure with secure_cookies: true")
		}
	}
}

func TestSignInRateLimit(t *testing.T) {
	fx := newFixture(t, nil)
	c := fx.client()
	for i := range maxFailures {
		if resp, _ := c.login("张三", "bad"); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d", i, resp.StatusCode)
		}
	}
	resp, body := c.login("张三", pwInspector)
	if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, "登录失败次数过多") {
		t.Fatalf("6th attempt with the right password: %d, want 429", resp.StatusCode)
	}
	fx.clock.add(failureWindow + time.Second)
	if resp, _ := c.login("张三", pwInspector); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("after the window: %d, want 303", resp.StatusCode)
	}
}

func TestSessionExpires(t *testing.T) {
	fx := newFixture(t, func(c *config.Config) { c.Web.SessionHours = 2 })
	c := fx.signedIn("张三", pwInspector)
	fx.clock.add(2*time.Hour + time.Minute)
	if resp, _ := c.get("/findings"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("expired session: %d, want redirect to sign-in", resp.StatusCode)
	}
}

func TestFilters(t *testing.T) {
	fx := newFixture(t, nil)
	c := fx.signedIn("张三", pwInspector)
	tests := []struct {
		query string
		want  int // rows listed (first page)
		total string
	}{
		{"", 50, "共 124 条"},
		{"unit=lzqjtj", 2, "共 2 条"},
		{"rule=missing-attachment", 4, "共 4 条"},
		{"unit=lzqfgj&quarter=2026Q2", 50, "共 60 条"},
		{"column=lzqjtj%2F%E9%80%9A%E7%9F%A5%E5%85%AC%E5%91%8A", 2, "共 2 条"},
		{"status=confirmed", 0, "没有符合条件的问题"},
		{"q=%E6%95%99%E4%BD%93%E5%B1%80%E9%80%9A%E7%9F%A5%E4%BA%8C", 1, "共 1 条"},
		{"quarter=bogus&unit=lzqmzj", 2, "共 2 条"},
	}
	for _, tt := range tests {
		resp, body := c.get("/findings?" + tt.query)
		if resp.StatusCode != 200 {
			t.Errorf("%s: status %d", tt.query, resp.StatusCode)
			continue
		}
		if got := len(rowIDs(body)); got != tt.want {
			t.Errorf("%s: %d rows, want %d", tt.query, got, tt.want)
		}
		if !strings.Contains(body, tt.total) {
			t.Errorf("%s: page lacks %q", tt.query, tt.total)
		}
	}
	// Counts per status under the unit filter.
	if _, err := fx.st.Decide(fx.ids["jtj1"], store.Action{Kind: "confirm", By: "张三", At: fx.clock.now()}); err != nil {
		t.Fatal(err)
	}
	_, body := c.get("/findings?unit=lzqjtj&status=all")
	for _, want := range []string{`id="count-draft">待审核 <b>1</b>`, `id="count-confirmed">已确认 <b>1</b>`, `全部 <b>2</b>`} {
		if !strings.Contains(body, want) {
			t.Errorf("unit counts: page lacks %q", want)
		}
	}
	_, body = c.get("/findings?unit=lzqjtj&status=confirmed")
	if ids := rowIDs(body); len(ids) != 1 || ids[0] != fx.ids["jtj1"] {
		t.Errorf("confirmed of 区教体局: %v", ids)
	}
}

func TestSortAndPaging(t *testing.T) {
	fx := newFixture(t, nil)
	c := fx.signedIn("张三", pwInspector)
	_, body := c.get("/findings?unit=lzqfgj")
	ids := rowIDs(body)
	if len(ids) != 50 || !strings.Contains(body, "第 1–50 条，共 120 条（第 1/3 页）") || !strings.Contains(body, `id="next"`) {
		t.Fatalf("page 1: %d rows", len(ids))
	}
	// Newest first: the last 30 were detected in the third sync.
	f, _ := fx.st.Finding(ids[0])
	if !f.DetectedAt.Equal(t0.Add(2 * time.Hour)) {
		t.Errorf("first row detected %v, want the newest", f.DetectedAt)
	}
	_, body = c.get("/findings?unit=lzqfgj&page=3")
	if ids3 := rowIDs(body); len(ids3) != 20 || strings.Contains(body, `id="next"`) || !strings.Contains(body, `id="prev"`) {
		t.Errorf("page 3: %d rows", len(ids3))
	}
	seen := map[string]bool{}
	for p := 1; p <= 3; p++ {
		_, body := c.get("/findings?unit=lzqfgj&sort=date&page=" + string(rune('0'+p)))
		for _, id := range rowIDs(body) {
			if seen[id] {
				t.Fatalf("%s listed twice across pages", id)
			}
			seen[id] = true
		}
	}
	if len(seen) != 120 {
		t.Errorf("3 pages listed %d findings, want 120", len(seen))
	}
	_, body = c.get("/findings?sort=date")
	f, _ = fx.st.Finding(rowIDs(body)[0])
	if !f.DetectedAt.Equal(t0) {
		t.Errorf("oldest first: first row detected %v, want %v", f.DetectedAt, t0)
	}
	_, body = c.get("/findings?sort=-points")
	if ids := rowIDs(body); ids[0] != fx.ids["xss"] { // 9 points, the most
		t.Errorf("points descending: first row %s, want %s", ids[0], fx.ids["xss"])
	}
	_, body = c.get("/findings?sort=points&unit=lzqfgj")
	f, _ = fx.st.Finding(rowIDs(body)[0])
	if f.Points != 1 {
		t.Errorf("points ascending: first row has %v points, want 1", f.Points)
	}
}

func TestActions(t *testing.T) {
	fx := newFixture(t, nil)
	c := fx.signedIn("张三", pwInspector)
	id := fx.ids["jtj1"]

	resp, body := c.act(id, "dismiss", url.Values{"reason": {"   "}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "驳回必须填写理由") {
		t.Fatalf("dismiss without reason: %d, want 400 驳回必须填写理由", resp.StatusCode)
	}
	if fx.status(id) != store.StatusDraft {
		t.Fatal("a refused dismissal changed the status")
	}
	resp, _ = c.act(id, "confirm", nil)
	if resp.StatusCode != http.StatusSeeOther || fx.status(id) != store.StatusConfirmed {
		t.Fatalf("confirm: %d, status %s", resp.StatusCode, fx.status(id))
	}
	_, body = c.get(resp.Header.Get("Location"))
	if !strings.Contains(body, "已确认") || !strings.Contains(body, `<td class="by">张三</td>`) {
		t.Error("finding page lacks the confirmation in its history")
	}
	resp, body = c.act(id, "confirm", nil)
	if resp.StatusCode != http.StatusConflict || !strings.Contains(body, "当前状态不允许此操作") {
		t.Errorf("confirm twice: %d", resp.StatusCode)
	}
	resp, body = c.act(id, "adjust", url.Values{"points": {"abc"}, "reason": {"酌情"}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "扣分必须是") {
		t.Errorf("adjust with bad points: %d", resp.StatusCode)
	}
	resp, body = c.act(id, "adjust", url.Values{"points": {"0.3"}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "调整扣分必须填写理由") {
		t.Errorf("adjust without reason: %d", resp.StatusCode)
	}
	if resp, _ = c.act(id, "adjust", url.Values{"points": {"0.3"}, "reason": {"情节较轻"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("adjust: %d", resp.StatusCode)
	}
	if resp, _ = c.act(id, "dismiss", url.Values{"reason": {"单位已提供附件截图"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("dismiss: %d", resp.StatusCode)
	}
	if resp, _ = c.act(id, "reopen", nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("reopen: %d", resp.StatusCode)
	}
	hist, err := fx.st.History(id)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range hist {
		got = append(got, e.Action+"/"+e.By+"/"+e.Reason)
	}
	want := []string{"detected/govaudit/", "confirm/张三/", "adjust/张三/情节较轻", "dismiss/张三/单位已提供附件截图", "reopen/张三/"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("history\n got %v\nwant %v", got, want)
	}
	_, body = c.get("/findings/" + id)
	for _, s := range []string{"情节较轻", "单位已提供附件截图", "扣分 0.5 → 0.3", "重新打开"} {
		if !strings.Contains(body, s) {
			t.Errorf("finding page lacks %q", s)
		}
	}
	if resp, _ := c.act("tim-0000000000", "confirm", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown finding: %d", resp.StatusCode)
	}
	if resp, _ := c.act(id, "delete", nil); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("unknown action: %d", resp.StatusCode)
	}
}

func TestBulk(t *testing.T) {
	fx := newFixture(t, nil)
	c := fx.signedIn("张三", pwInspector)
	ids := []string{fx.ids["jtj1"], fx.ids["jtj2"], fx.ids["xss2"]}
	back := "/findings?unit=lzqjtj"
	resp, body := c.post("/findings/bulk", url.Values{"csrf": {c.csrf}, "action": {"dismiss"}, "id": ids, "back": {back}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "驳回必须填写理由") {
		t.Fatalf("bulk dismiss without reason: %d", resp.StatusCode)
	}
	for _, id := range ids {
		if fx.status(id) != store.StatusDraft {
			t.Fatalf("%s changed by a refused bulk dismissal", id)
		}
	}
	resp, _ = c.post("/findings/bulk", url.Values{"csrf": {c.csrf}, "action": {"confirm"}, "id": ids[:2], "back": {back}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != back {
		t.Fatalf("bulk confirm: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, body = c.get(back)
	if !strings.Contains(body, "已确认 2 条问题") {
		t.Error("no flash after bulk confirm")
	}
	// One already confirmed: reported, the other dismissed.
	resp, _ = c.post("/findings/bulk", url.Values{"csrf": {c.csrf}, "action": {"dismiss"}, "reason": {"重复检出"},
		"id": {ids[0], ids[2]}, "back": {"//evil.test"}})
	if resp.Header.Get("Location") != "/findings" {
		t.Errorf("bulk back to %q", resp.Header.Get("Location"))
	}
	for id, want := range map[string]string{ids[0]: store.StatusDismissed, ids[1]: store.StatusConfirmed, ids[2]: store.StatusDismissed} {
		if got := fx.status(id); got != want {
			t.Errorf("%s: %s, want %s", id, got, want)
		}
	}
}

func TestCSRF(t *testing.T) {
	fx := newFixture(t, nil)
	c := fx.signedIn("张三", pwInspector)
	id := fx.ids["jtj1"]
	for _, form := range []url.Values{{"csrf": {""}}, {"csrf": {"forged"}}} {
		resp, body := c.act(id, "confirm", form)
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "安全令牌") {
			t.Errorf("confirm with csrf=%q: %d, want 403", form.Get("csrf"), resp.StatusCode)
		}
	}
	resp, _ := c.post("/findings/bulk", url.Values{"action": {"confirm"}, "id": {id}})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("bulk without token: %d", resp.StatusCode)
	}
	// Another session's token does not do.
	other := fx.signedIn("张三", pwInspector)
	if resp, _ := c.act(id, "confirm", url.Values{"csrf": {other.csrf}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("another session's token: %d", resp.StatusCode)
	}
	if fx.status(id) != store.StatusDraft {
		t.Fatal("a POST without a valid token changed the finding")
	}
	if resp, _ := c.post("/logout", url.Values{}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("logout without token: %d", resp.StatusCode)
	}
}

func TestViewerCannotAct(t *testing.T) {
	fx := newFixture(t, nil)
	c := fx.signedIn("李四", pwViewer)
	_, body := c.get("/findings/" + fx.ids["jtj1"])
	if strings.Contains(body, `id="act-confirm"`) || !strings.Contains(body, "（只读）") {
		t.Error("a viewer is offered actions")
	}
	_, body = c.get("/findings")
	if strings.Contains(body, `id="bulk-confirm"`) {
		t.Error("a viewer is offered bulk actions")
	}
	c.csrf = csrfOf(body) // the logout form's token
	resp, body := c.act(fx.ids["jtj1"], "confirm", nil)
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "只读账号") {
		t.Errorf("viewer confirm: %d", resp.StatusCode)
	}
	if fx.status(fx.ids["jtj1"]) != store.StatusDraft {
		t.Fatal("a viewer changed a finding")
	}
}

func TestAnonymousViewers(t *testing.T) {
	fx := newFixture(t, func(c *config.Config) { c.Web.AllowViewers = true })
	c := fx.client()
	resp, body := c.get("/findings")
	if resp.StatusCode != 200 || !strings.Contains(body, "访客") || strings.Contains(body, `id="bulk-confirm"`) {
		t.Fatalf("anonymous viewer: %d", resp.StatusCode)
	}
	if resp, _ := c.act(fx.ids["jtj1"], "confirm", url.Values{"csrf": {""}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("anonymous confirm: %d", resp.StatusCode)
	}
}

func TestSSOHeader(t *testing.T) {
	tests := []struct {
		name, cidr, user string
		allowViewers     bool
		wantStatus       int
		wantActs         bool
	}{
		{"trusted inspector", "127.0.0.0/8", "张三", false, 200, true},
		{"trusted viewer", "127.0.0.0/8", "李四", false, 200, false},
		{"trusted unknown refused", "127.0.0.0/8", "王五", false, 303, false},
		{"trusted unknown as viewer", "127.0.0.0/8", "王五", true, 200, false},
		{"untrusted peer", "10.0.0.0/8", "张三", false, 303, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fx := newFixture(t, func(c *config.Config) {
				c.Web.SSOHeader, c.Web.TrustedProxy, c.Web.AllowViewers = "X-Remote-User", tt.cidr, tt.allowViewers
			})
			c := fx.client()
			req, _ := http.NewRequest(http.MethodGet, fx.http.URL+"/findings/"+fx.ids["jtj1"], nil)
			req.Header.Set("X-Remote-User", tt.user)
			resp, body := c.do(req)
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			if acts := strings.Contains(body, `id="act-confirm"`); acts != tt.wantActs {
				t.Errorf("actions offered: %v, want %v", acts, tt.wantActs)
			}
			if !tt.wantActs {
				return
			}
			// The SSO session carries a CSRF token; an action works with it.
			form := url.Values{"csrf": {csrfOf(body)}}
			req, _ = http.NewRequest(http.MethodPost, fx.http.URL+"/findings/"+fx.ids["jtj1"]+"/confirm", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("X-Remote-User", tt.user)
			if resp, _ := c.do(req); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("SSO confirm: %d", resp.StatusCode)
			}
			h, _ := fx.st.History(fx.ids["jtj1"])
			if last := h[len(h)-1]; last.By != tt.user || last.Action != "confirm" {
				t.Errorf("last event %+v", last)
			}
		})
	}
	if _, err := New(Options{Config: &config.Config{Web: config.Web{SSOHeader: "X-User"}}, Store: newFixture(t, nil).st}); err == nil {
		t.Error("an SSO header without a trusted proxy was accepted")
	}
}

func TestScriptPayloadsShownAsText(t *testing.T) {
	fx := newFixture(t, nil)
	c := fx.signedIn("张三", pwInspector)
	pages := []string{"/findings?unit=lzqmzj", "/findings/" + fx.ids["xss"], "/findings/" + fx.ids["xss2"]}
	for _, p := range pages {
		_, body := c.get(p)
		for _, raw := range []string{xssScript, "<img src=x", "onerror=alert(1)>", `href="javascript:`} {
			if strings.Contains(body, raw) {
				t.Errorf("%s carries %q unescaped", p, raw)
			}
		}
	}
	_, body := c.get("/findings/" + fx.ids["xss"])
	for _, want := range []string{"&lt;script&gt;alert(1)&lt;/script&gt;", "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;", "不是有效的网址"} {
		if !strings.Contains(body, want) {
			t.Errorf("finding page lacks %q", want)
		}
	}
}

func TestSecurityHeaders(t *testing.T) {
	fx := newFixture(t, nil)
	c := fx.signedIn("张三", pwInspector)
	for _, p := range []string{"/login", "/findings", "/findings/" + fx.ids["first"], "/overview", "/runs", "/static/app.js", "/nope"} {
		resp, _ := c.get(p)
		h := resp.Header
		csp := h.Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") ||
			!strings.Contains(csp, "frame-ancestors 'none'") || h.Get("X-Content-Type-Options") != "nosniff" ||
			h.Get("Referrer-Policy") == "" {
			t.Errorf("%s: headers %v", p, h)
		}
	}
	resp, body := c.get("/findings/" + fx.ids["first"])
	if resp.StatusCode != 200 || strings.Contains(body, "<script>") || strings.Contains(body, " style=") {
		t.Error("a page carries inline script or style, which the policy blocks")
	}
	if !strings.Contains(body, `<iframe sandbox src="/snapshot/`+fx.snap+`"`) {
		t.Error("snapshot not framed with a bare sandbox attribute")
	}
	if !strings.Contains(body, `rel="noopener noreferrer"`) {
		t.Error("live link lacks rel=noopener noreferrer")
	}
	for _, want := range []string{"间隔工作日：<b>28</b>", "中秋节 2026-09-25", "成文日期", "2026-08-01"} {
		if !strings.Contains(body, want) {
			t.Errorf("evidence lacks %q", want)
		}
	}
}

func TestSnapshotRoute(t *testing.T) {
	fx := newFixture(t, nil)
	c := fx.signedIn("张三", pwInspector)
	resp, body := c.get("/snapshot/" + fx.snap)
	if resp.StatusCode != 200 {
		t.Fatalf("snapshot: %d", resp.StatusCode)
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.HasPrefix(csp, "default-src 'none'; style-src 'unsafe-inline'; img-src data:") ||
		!strings.Contains(csp, "sandbox") || !strings.Contains(csp, "frame-ancestors 'self'") {
		t.Errorf("snapshot CSP %q", csp)
	}
	if strings.Contains(body, "<script") || strings.Contains(body, "onerror") || strings.Contains(body, `src="http`) ||
		!strings.Contains(body, "关于印发通知") {
		t.Errorf("snapshot not sanitised:\n%s", body)
	}
	tests := []struct {
		path string
		want int
	}{
		{"/snapshot/..%2F..%2F..%2Fetc%2Fpasswd", http.StatusBadRequest},
		{"/snapshot/%2e%2e", http.StatusBadRequest},
		{"/snapshot/ABCDEF0123456789ABCDEF0123456789", http.StatusBadRequest},
		{"/snapshot/" + fx.snap + "x", http.StatusBadRequest},
		{"/snapshot/0123456789abcdef0123456789abcdef", http.StatusNotFound},
	}
	for _, tt := range tests {
		if resp, _ := c.get(tt.path); resp.StatusCode != tt.want {
			t.Errorf("%s: %d, want %d", tt.path, resp.StatusCode, tt.want)
		}
	}
}

func TestAuditTrailSurvivesRestart(t *testing.T) {
	fx := newFixture(t, nil)
	c := fx.signedIn("张三", pwInspector)
	if resp, _ := c.act(fx.ids["jtj2"], "dismiss", url.Values{"reason": {"栏目不要求附件"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("dismiss: %d", resp.StatusCode)
	}
	fx.restart()
	c = fx.signedIn("张三", pwInspector) // sessions are in memory: sign in again
	_, body := c.get("/findings/" + fx.ids["jtj2"])
	if !strings.Contains(body, "栏目不要求附件") || !strings.Contains(body, `<td class="by">张三</td>`) ||
		!strings.Contains(body, `<span class="status st-dismissed" id="status">已驳回</span>`) {
		t.Error("the dismissal did not survive closing and reopening the store")
	}
}

func TestOverview(t *testing.T) {
	fx := newFixture(t, nil)
	if _, err := fx.st.Decide(fx.ids["jtj1"], store.Action{Kind: "confirm", By: "张三", At: fx.clock.now()}); err != nil {
		t.Fatal(err)
	}
	c := fx.signedIn("李四", pwViewer)
	resp, body := c.get("/overview?quarter=2026Q3")
	if resp.StatusCode != 200 {
		t.Fatalf("overview: %d", resp.StatusCode)
	}
	for _, want := range []string{"区发改局", "区教体局", "区民政局", "<svg", `class="bar-confirmed"`, `class="bar-draft"`,
		"区教体局 已确认 0.5 分", "status=confirmed&amp;unit=lzqjtj"} {
		if !strings.Contains(body, want) {
			t.Errorf("overview lacks %q", want)
		}
	}
	// 区教体局: one draft 0.5, one confirmed 0.5: score 19.5, rank 3.
	row := regexp.MustCompile(`(?s)<tr id="unit-lzqjtj">.*?</tr>`).FindString(body)
	for _, want := range []string{`<td class="num rank">3</td>`, `<b>19.5</b>`, `<svg class="spark"`,
		`<a href="/findings?quarter=2026Q3&amp;status=draft&amp;unit=lzqjtj">1</a>`,
		`<a href="/findings?quarter=2026Q3&amp;status=confirmed&amp;unit=lzqjtj">1</a></td><td class="num">0.5</td>`} {
		if !strings.Contains(row, want) {
			t.Errorf("区教体局's row lacks %q:\n%s", want, row)
		}
	}
	// Ranked by default; sortable by name.
	if i, j := strings.Index(body, `id="unit-lzqfgj"`), strings.Index(body, `id="unit-lzqjtj"`); i > j {
		t.Error("the overview is not in rank order")
	}
	// The default quarter is the last ended one (now is in 2026Q4).
	_, def := c.get("/overview")
	if !strings.Contains(def, `<option value="2026Q3" selected>`) {
		t.Error("the overview does not open on the last ended quarter")
	}
	// One page per unit, and an export.
	resp, unit := c.get("/overview/unit/lzqjtj?quarter=2026Q3")
	if resp.StatusCode != 200 || !strings.Contains(unit, "第 3 名") || !strings.Contains(unit, "教体局通知一") {
		t.Errorf("unit page: %d", resp.StatusCode)
	}
	resp, csvBody := c.get("/overview/export.csv?quarter=2026Q3")
	if resp.StatusCode != 200 || !strings.Contains(csvBody, "排名,单位,得分") || !strings.Contains(csvBody, "3,区教体局,19.5") {
		t.Errorf("overview export: %d\n%s", resp.StatusCode, csvBody)
	}
	if strings.Count(body, `<text x="150" dx="-6"`) != 3 {
		t.Error("the chart has not one bar label per unit")
	}
}

func TestRunsPage(t *testing.T) {
	fx := newFixture(t, nil)
	r, err := fx.st.StartRun("crawl", t0)
	if err != nil {
		t.Fatal(err)
	}
	r.Status, r.EndedAt, r.Pages, r.Errors = "ok", t0.Add(95*time.Second), 1234, map[string]int{"timeout": 3}
	if err := fx.st.SaveRun(r); err != nil {
		t.Fatal(err)
	}
	// The latest crawl's coverage: one column judged, one not found.
	b := &store.Batch{Sources: []store.SourceState{
		{Key: "column:lzqfgj/政策文件", Kind: store.SourceColumn, ID: "lzqfgj/政策文件", Unit: "lzqfgj", Audited: true, Items: 3},
		{Key: "column:lzqjtj/通知公告", Kind: store.SourceColumn, ID: "lzqjtj/通知公告", Unit: "lzqjtj", ErrKind: store.NotFound,
			Cause: "栏目未找到：目录中没有「<b>通知公告</b>」"},
	}}
	if err := fx.st.Write(b); err != nil {
		t.Fatal(err)
	}
	c := fx.signedIn("张三", pwInspector)
	_, body := c.get("/runs")
	for _, want := range []string{"<td>抓取</td>", "1 分 35 秒", "成功", "页面 1234", "错误 timeout 3", "2026-10-12 02:00",
		"栏目覆盖情况", "配置栏目 2 个，已完整审计 1 个", "栏目未找到", "&lt;b&gt;通知公告&lt;/b&gt;"} {
		if !strings.Contains(body, want) {
			t.Errorf("runs page lacks %q", want)
		}
	}
}

// TestAcceptDrop: an inspector confirms a suspect column's drop from the
// runs page; the column is then judged, and the audit trail has it.
func TestAcceptDrop(t *testing.T) {
	fx := newFixture(t, nil)
	b := &store.Batch{Sources: []store.SourceState{
		{Key: "column:lzqfgj/政策文件", Kind: store.SourceColumn, ID: "lzqfgj/政策文件", Unit: "lzqfgj", Audited: true,
			Suspect: "疑似异常（上次 8 条，本次 0 条）"},
	}}
	if err := fx.st.Write(b); err != nil {
		t.Fatal(err)
	}
	viewer := fx.signedIn("李四", pwViewer)
	if _, body := viewer.get("/runs"); strings.Contains(body, "确认下降属实") {
		t.Error("a viewer is offered the confirmation form")
	}
	c := fx.signedIn("张三", pwInspector)
	_, body := c.get("/runs")
	if !strings.Contains(body, "确认下降属实") {
		t.Fatalf("the runs page offers no confirmation of the suspect column:\n%s", body)
	}
	form := func(reason string) url.Values {
		return url.Values{"csrf": {c.csrf}, "column": {"lzqfgj/政策文件"}, "reason": {reason}}
	}
	if resp, _ := c.post("/coverage/accept", url.Values{"column": {"lzqfgj/政策文件"}, "reason": {"x"}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("confirmation without the CSRF token: %d, want 403", resp.StatusCode)
	}
	if resp, _ := c.post("/coverage/accept", form("")); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("confirmation without a reason: %d, want 400", resp.StatusCode)
	}
	if resp, _ := c.post("/coverage/accept", form("单位已撤并该栏目")); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("confirmation: %d", resp.StatusCode)
	}
	s, _, _ := fx.st.Source("column:lzqfgj/政策文件")
	if s.Suspect != "" || !s.Judged() {
		t.Errorf("after the confirmation: %+v", s)
	}
	if resp, _ := c.post("/coverage/accept", form("再次")); resp.StatusCode != http.StatusConflict {
		t.Errorf("a second confirmation: %d, want 409", resp.StatusCode)
	}
}

func TestAddPage(t *testing.T) {
	fx := newFixture(t, nil)
	err := fx.srv.AddPage(Page{Path: "/ops", Title: "运行状态",
		Template: `{{define "content"}}<h1>运行状态</h1><p id="x">{{.Data}}</p>{{end}}`,
		Data:     func(*http.Request) (any, error) { return "<b>探测正常</b>", nil }})
	if err != nil {
		t.Fatal(err)
	}
	c := fx.signedIn("张三", pwInspector)
	_, body := c.get("/ops")
	if !strings.Contains(body, `<p id="x">&lt;b&gt;探测正常&lt;/b&gt;</p>`) || !strings.Contains(body, `<a href="/ops" class="active">运行状态</a>`) {
		t.Errorf("extra page:\n%s", body)
	}
	if resp, _ := fx.client().get("/ops"); resp.StatusCode != http.StatusSeeOther {
		t.Error("an extra page is served without sign-in")
	}
}

func TestAPIRequiresToken(t *testing.T) {
	fx := newFixture(t, nil)
	c := fx.signedIn("张三", pwInspector) // a browser session is not enough
	id := fx.ids["jtj1"]
	resp, body := c.post("/api/findings/"+id+"/confirm", url.Values{"csrf": {c.csrf}})
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, `"unauthorized"`) {
		t.Fatalf("API with a session cookie: %d %s", resp.StatusCode, body)
	}
	call := func(method, path, token, body string) (*http.Response, string) {
		req, _ := http.NewRequest(method, fx.http.URL+path, strings.NewReader(body))
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		return c.do(req)
	}
	tok := fx.srv.APIToken()
	tests := []struct {
		name, method, path, token, body string
		status                          int
		want                            string
	}{
		{"wrong token", "GET", "/api/findings/" + id, "nope", "", 401, "unauthorized"},
		{"read", "GET", "/api/findings/" + id, tok, "", 200, `"action":"detected"`},
		{"list", "GET", "/api/findings?unit=lzqjtj&sort=-points&limit=1", tok, "", 200, `"total":2`},
		{"list bad limit", "GET", "/api/findings?limit=-1", tok, "", 400, "limit"},
		{"unknown", "GET", "/api/findings/tim-0000000000", tok, "", 404, "not_found"},
		{"no by", "POST", "/api/findings/" + id + "/confirm", tok, `{}`, 400, "by (who decides)"},
		{"unknown field", "POST", "/api/findings/" + id + "/confirm", tok, `{"by":"x","pts":1}`, 400, "bad_request"},
		{"dismiss without reason", "POST", "/api/findings/" + id + "/dismiss", tok, `{"by":"张三"}`, 400, "reason_required"},
		{"adjust huge points", "POST", "/api/findings/" + id + "/adjust", tok, `{"by":"张三","reason":"x","points":1.7e308}`, 400, "from 0 to 20"},
		{"adjust above a quarter", "POST", "/api/findings/" + id + "/adjust", tok, `{"by":"张三","reason":"x","points":25}`, 400, "from 0 to 20"},
		{"confirm", "POST", "/api/findings/" + id + "/confirm", tok, `{"by":"张三"}`, 200, `"status":"confirmed"`},
		{"confirm again", "POST", "/api/findings/" + id + "/confirm", tok, `{"by":"张三"}`, 409, "transition"},
	}
	for _, tt := range tests {
		resp, body := call(tt.method, tt.path, tt.token, tt.body)
		if resp.StatusCode != tt.status || !strings.Contains(body, tt.want) {
			t.Errorf("%s: %d %s, want %d %q", tt.name, resp.StatusCode, body, tt.status, tt.want)
		}
	}
}

func TestSignInsSurviveServerRebuild(t *testing.T) {
	fx := newFixture(t, nil)
	si := NewSignIns()
	var current atomic.Pointer[http.Handler]
	build := func(cfg *config.Config) {
		srv, err := New(Options{Config: cfg, Store: fx.st, Now: fx.clock.now, SignIns: si})
		if err != nil {
			t.Fatal(err)
		}
		h := srv.Handler()
		current.Store(&h)
	}
	build(fx.cfg)
	fx.http.Close()
	fx.http = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		(*current.Load()).ServeHTTP(w, r)
	}))
	defer fx.http.Close()
	c := fx.signedIn("张三", pwInspector)
	build(fx.cfg) // a configuration reload
	if resp, _ := c.get("/findings"); resp.StatusCode != 200 {
		t.Fatalf("after a rebuild with the same SignIns: %d", resp.StatusCode)
	}
	// A reload that removes the user ends the session.
	cfg := *fx.cfg
	cfg.Inspectors = cfg.Inspectors[1:]
	build(&cfg)
	if resp, _ := c.get("/findings"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("a removed user still signed in: %d", resp.StatusCode)
	}
}
