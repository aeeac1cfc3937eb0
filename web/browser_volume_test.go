package web

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/govaudit/govaudit/store"
)

// browser is a headless chromium driven by chromedp for one test.
type browser struct {
	t    *testing.T
	ctx  context.Context
	base string
}

// newBrowser starts chromium (skipping without it, failing under CI=true).
func newBrowser(t *testing.T, base string) *browser {
	t.Helper()
	exe := chromium(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()))
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	browserCtx, cancelBrowser := chromedp.NewContext(allocCtx)
	t.Cleanup(cancelBrowser)
	if _, err := chromedp.Run(browserCtx, chromedp.Evaluate[int](`1`)); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	ctx, cancel := context.WithTimeout(browserCtx, 60*time.Second)
	t.Cleanup(cancel)
	return &browser{t: t, ctx: ctx, base: base}
}

func (b *browser) step(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

func (b *browser) eval(js string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](js))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v", js, err)
	}
	return s
}

// waitFor polls a JavaScript condition on the current page; a navigation
// during the poll interrupts it, then it polls again.
func (b *browser) waitFor(what, cond string) {
	b.t.Helper()
	cond = `document.readyState === "complete" && (` + cond + `)`
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := chromedp.Run(b.ctx, chromedp.Poll[bool](cond, chromedp.WithPollingTimeout(5*time.Second)))
		if err == nil {
			return
		}
		if time.Now().After(deadline) || b.ctx.Err() != nil {
			b.t.Fatalf("wait for %s (%s): %v; now at %s", what, cond, err, b.eval(`location.href`))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// open navigates to path and waits for cond.
func (b *browser) open(path, cond string) {
	b.t.Helper()
	b.step("open "+path, chromedp.Navigate(b.base+path))
	b.waitFor(path, cond)
}

// key presses one key on the page.
func (b *browser) key(k string) {
	b.t.Helper()
	b.step("press "+k, chromedp.KeyEvent(k))
}

// shot saves a screenshot of the viewport as name.png in the directory
// GOVAUDIT_SCREENSHOTS names, when it is set (for looking at the pages).
func (b *browser) shot(name string) {
	b.t.Helper()
	dir := os.Getenv("GOVAUDIT_SCREENSHOTS")
	if dir == "" {
		return
	}
	png, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		b.t.Fatalf("screenshot: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// signIn signs in as the inspector.
func (b *browser) signIn() {
	b.t.Helper()
	b.open("/login", `!!document.querySelector("#login-submit")`)
	b.step("sign in", chromedp.SendKeys("#name", "张三"), chromedp.SendKeys("#password", pwInspector), chromedp.Click("#login-submit"))
	b.waitFor("the findings list", `location.pathname === "/findings"`)
}

// TestBrowserReviewAtVolume drives a review of many findings: keyboard
// navigation of the list, previous/next within the filter, c to confirm
// and go on, the sticky bulk bar, 确认扣分 after a refused 驳回, page
// numbers past the end, the Chinese 404 page, and the list at 390 px.
func TestBrowserReviewAtVolume(t *testing.T) {
	fx := newFixture(t, nil)
	b := newBrowser(t, fx.http.URL)
	b.step("desktop size", chromedp.EmulateViewport(1280, 900))
	b.signIn()

	// The list: j moves the cursor, Enter opens the finding in the filter.
	list := "/findings?unit=lzqfgj&status=draft&sort=date"
	b.open(list, `document.querySelectorAll("a.fid").length === 50`)
	b.shot("list-desktop")
	b.key("j")
	b.key("j")
	if got := b.eval(`String([...document.querySelectorAll("#findings-table tbody tr")].findIndex(r => r.classList.contains("cursor")))`); got != "1" {
		t.Fatalf("after j j the cursor is on row %s, want 1", got)
	}
	b.key("k")
	b.key("\r")
	b.waitFor("the first finding", `location.pathname.startsWith("/findings/") && !!document.querySelector("#position")`)
	if got := b.eval(`document.querySelector("#position").textContent`); got != "第 1 / 120 条" {
		t.Errorf("position %q, want 第 1 / 120 条", got)
	}
	first := b.eval(`location.pathname`)
	b.shot("finding-desktop")

	// j and k step through the same filter.
	b.key("j")
	b.waitFor("the second finding", `!!document.querySelector("#position") && document.querySelector("#position").textContent === "第 2 / 120 条"`)
	if !strings.Contains(b.eval(`location.search`), "unit=lzqfgj") {
		t.Errorf("the next link lost the filter: %s", b.eval(`location.href`))
	}
	b.key("k")
	b.waitFor("the first finding again", `location.pathname === "`+first+`" && !!document.querySelector("#position")`)

	// c confirms and goes on to the next draft of the filter.
	b.key("c")
	b.waitFor("the next finding after confirming", `!!document.querySelector(".flash") && document.querySelector(".flash").textContent.includes("已确认") && location.pathname !== "`+first+`"`)
	if got := fx.status(strings.TrimPrefix(first, "/findings/")); got != store.StatusConfirmed {
		t.Fatalf("c left the finding %s", got)
	}
	if got := b.eval(`document.querySelector("#position").textContent`); got != "第 1 / 119 条" {
		t.Errorf("position after confirming %q, want 第 1 / 119 条", got)
	}

	// The bulk bar stays at the top while the long list scrolls.
	b.open(list, `!!document.querySelector("#bulk-bar")`)
	b.step("scroll", chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, document.body.scrollHeight)`))
	time.Sleep(100 * time.Millisecond)
	if top := b.eval(`String(Math.round(document.querySelector("#bulk-bar").getBoundingClientRect().top))`); top != "0" {
		t.Errorf("the scrolled bulk bar is at %s px, want 0 (sticky)", top)
	}
	b.shot("list-scrolled")

	// 驳回 without a reason is refused; 确认扣分 then still goes through.
	b.step("scroll back", chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0)`))
	pick := b.eval(`document.querySelector("input.pick").value`)
	b.step("tick one", chromedp.Click(`input.pick[value="`+pick+`"]`))
	b.step("dismiss without reason", chromedp.Click("#bulk-dismiss"))
	time.Sleep(300 * time.Millisecond)
	if got := fx.status(pick); got != store.StatusDraft {
		t.Fatalf("a dismissal without a reason went through: %s", got)
	}
	b.step("confirm instead", chromedp.Click("#bulk-confirm"))
	b.waitFor("the bulk confirmation", `!!document.querySelector(".flash") && document.querySelector(".flash").textContent.includes("已确认 1 条问题")`)
	if got := fx.status(pick); got != store.StatusConfirmed {
		t.Fatalf("确认扣分 after a refused 驳回: %s", got)
	}

	// A page past the end shows the last page.
	b.open("/findings?unit=lzqfgj&status=all&page=99", `!!document.querySelector(".pager")`)
	if p := b.eval(`document.querySelector(".pager").textContent`); !strings.Contains(p, "第 3/3 页") || !strings.Contains(p, "第 101–120 条") {
		t.Errorf("page 99 of 3 reads %q", strings.TrimSpace(p))
	}

	// Unknown addresses answer in Chinese.
	b.open("/no-such-page", `!!document.querySelector("#error-message")`)
	if msg := b.eval(`document.querySelector("#error-message").textContent`); !strings.Contains(msg, "页面不存在") {
		t.Errorf("404 page says %q", msg)
	}

	// At 390 px the list is cards: no sideways scrolling, titles readable.
	b.step("phone size", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	b.open(list, `document.querySelectorAll("a.fid").length > 0`)
	if w := b.eval(`String(document.documentElement.scrollWidth)`); w != "390" {
		t.Errorf("at 390 px the page is %s px wide", w)
	}
	if ok := b.eval(`String(document.querySelector("td.title").getBoundingClientRect().width >= 300)`); ok != "true" {
		t.Errorf("at 390 px a title is %s px wide", b.eval(`String(document.querySelector("td.title").getBoundingClientRect().width)`))
	}
	b.shot("list-390")
	b.key("j")
	b.key("\r")
	b.waitFor("a finding at 390 px", `!!document.querySelector("#position")`)
	if w := b.eval(`String(document.documentElement.scrollWidth)`); w != "390" {
		t.Errorf("at 390 px the finding page is %s px wide", w)
	}
	b.shot("finding-390")
}
