package web

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/govaudit/govaudit/store"
)

// chromium returns the path of the browser, skipping the test when it is
// absent (failing under CI=true).
func chromium(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium is not installed (/usr/bin/chromium); CI=true requires the browser test")
	}
	t.Skip("chromium is not installed (/usr/bin/chromium): browser test skipped")
	return ""
}

// Payloads that announce themselves if they ever run.
const (
	xssRunScript = `<script>window.__xss=1;document.title="pwned"</script>`
	xssRunImg    = `"><img src=x onerror="window.__xss=2;document.title='pwned'">`
)

// TestBrowserReview drives headless Chromium through a review: sign in,
// filter to one unit, confirm one finding, dismiss another with a reason,
// read the history, and check that crawled script payloads stay text.
func TestBrowserReview(t *testing.T) {
	exe := chromium(t)
	fx := newFixture(t, nil)
	payloads := []store.Finding{
		{Rule: "broken-link", Subject: "http://www.linzi.gov.cn/mzj/p1.html -> http://x.test/1", Unit: "lzqmzj",
			Title: xssRunScript, Quarter: "2026Q3", Points: 0.2, Evidence: store.Evidence{Text: xssRunImg}},
		{Rule: "broken-link", Subject: "http://www.linzi.gov.cn/mzj/p1.html -> http://x.test/2", Unit: "lzqmzj",
			Title: xssRunImg, Quarter: "2026Q3", Points: 0.2, Evidence: store.Evidence{Text: xssRunScript}},
	}
	if _, err := fx.st.SyncFindings(store.SyncRequest{Rules: []string{"broken-link"}, Found: payloads, Now: t0}); err != nil {
		t.Fatal(err)
	}
	xssID := store.FindingID("broken-link", payloads[0].Subject)

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	browserCtx, cancelBrowser := chromedp.NewContext(allocCtx)
	defer cancelBrowser()
	// The first Run starts the browser; it must not carry the timeout.
	if _, err := chromedp.Run(browserCtx, chromedp.Evaluate[int](`1`)); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	ctx, cancel := context.WithTimeout(browserCtx, 40*time.Second)
	defer cancel()
	base := fx.http.URL

	step := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(sel))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}
	eval := func(js string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
		if err != nil {
			t.Fatalf("evaluate %s: %v", js, err)
		}
		return s
	}
	// waitFor polls a JavaScript condition on the current page.
	// A navigation during the poll interrupts it: then it polls again.
	waitFor := func(what, cond string) {
		t.Helper()
		cond = `document.readyState === "complete" && (` + cond + `)`
		deadline := time.Now().Add(10 * time.Second)
		for {
			_, err := chromedp.Run(ctx, chromedp.Poll[bool](cond, chromedp.WithPollingTimeout(5*time.Second)))
			if err == nil {
				return
			}
			if time.Now().After(deadline) || ctx.Err() != nil {
				t.Fatalf("wait for %s (%s): %v; now at %s", what, cond, err, eval(`location.href`))
			}
			time.Sleep(50 * time.Millisecond)
		}
	}

	// Sign in.
	step("open the sign-in page", chromedp.Navigate(base+"/findings"))
	waitFor("the sign-in page", `location.pathname === "/login" && !!document.querySelector("#login-submit")`)
	step("sign in",
		chromedp.SendKeys("#name", "张三"),
		chromedp.SendKeys("#password", pwInspector),
		chromedp.Click("#login-submit"),
	)
	waitFor("the findings list", `location.pathname === "/findings" && !!document.querySelector("#filters")`)

	// Filter to one unit: the drop-down submits on change (app.js).
	step("choose 区教体局", chromedp.Evaluate[chromedp.Void](
		`(() => { const s = document.querySelector("#f-unit"); s.value = "lzqjtj"; s.dispatchEvent(new Event("change")); })()`))
	waitFor("the filtered list", `location.search.includes("unit=lzqjtj") && document.readyState === "complete"`)
	if n := eval(`String(document.querySelectorAll("a.fid").length)`); n != "2" {
		t.Fatalf("filtered list shows %s findings, want 2", n)
	}
	// The page's script runs under the CSP: select-all ticks both boxes.
	step("select all", chromedp.Click("#select-all"))
	if got := text("#picked"); got != "2" {
		t.Errorf("selected count %q, want 2 (app.js not running?)", got)
	}
	step("unselect all", chromedp.Click("#select-all"))

	// Confirm the first finding from its page.
	jtj1, jtj2 := fx.ids["jtj1"], fx.ids["jtj2"]
	step("open finding", chromedp.Click(`a.fid[href^="/findings/`+jtj1+`?"]`))
	waitFor("the finding page", `location.pathname === "/findings/`+jtj1+`" && !!document.querySelector("#act-confirm")`)
	step("confirm", chromedp.Click("#act-confirm"))
	// Reviewing the filtered list, the confirmation leads on to the next
	// finding of the list (or back to the list).
	waitFor("the confirmation", `!!document.querySelector(".flash") && document.querySelector(".flash").textContent.includes("已确认")`)
	if got := fx.status(jtj1); got != store.StatusConfirmed {
		t.Fatalf("status after confirm: %s", got)
	}

	// Dismiss the second from the list: without a reason the script stops it.
	step("back to the list", chromedp.Navigate(base+"/findings?unit=lzqjtj"))
	waitFor("the list", `!!document.querySelector("#bulk-dismiss")`)
	step("tick the second", chromedp.Click(`input.pick[value="`+jtj2+`"]`))
	step("dismiss without reason", chromedp.Click("#bulk-dismiss"))
	time.Sleep(300 * time.Millisecond)
	if got := fx.status(jtj2); got != store.StatusDraft {
		t.Fatalf("a dismissal without a reason went through: %s", got)
	}
	step("dismiss with reason",
		chromedp.SendKeys("#bulk-reason", "单位已在原文补充附件"),
		chromedp.Click("#bulk-dismiss"),
	)
	waitFor("the dismissal", `!!document.querySelector(".flash") && document.querySelector(".flash").textContent.includes("已驳回 1 条问题")`)

	// The history shows both decisions with author and reason.
	step("open the confirmed finding", chromedp.Navigate(base+"/findings/"+jtj1))
	waitFor("its history", `!!document.querySelector("#history tr.ev-confirm")`)
	if h := text("#history tr.ev-confirm"); !strings.Contains(h, "张三") || !strings.Contains(h, "确认") {
		t.Errorf("confirm history row %q", h)
	}
	step("open the dismissed finding", chromedp.Navigate(base+"/findings/"+jtj2))
	waitFor("its history", `!!document.querySelector("#history tr.ev-dismiss")`)
	if h := text("#history tr.ev-dismiss"); !strings.Contains(h, "张三") || !strings.Contains(h, "驳回") || !strings.Contains(h, "单位已在原文补充附件") {
		t.Errorf("dismiss history row %q", h)
	}
	if got := text("#status"); got != "已驳回" {
		t.Errorf("status shown %q", got)
	}

	// Script payloads in crawled titles stay text.
	for _, path := range []string{"/findings?unit=lzqmzj", "/findings/" + xssID} {
		step("open "+path, chromedp.Navigate(base+path))
		waitFor(path, `document.readyState === "complete"`)
		time.Sleep(200 * time.Millisecond) // let a broken image fire onerror, if it were there
		if v := eval(`String(window.__xss)`); v != "undefined" {
			t.Errorf("%s: a payload ran (window.__xss = %s)", path, v)
		}
		if title := eval(`document.title`); strings.Contains(title, "pwned") {
			t.Errorf("%s: a payload changed the title to %q", path, title)
		}
		body := eval(`document.body.innerText`)
		if !strings.Contains(body, xssRunScript) {
			t.Errorf("%s: the script payload is not shown as text", path)
		}
		if !strings.Contains(body, `"><img src=x onerror=`) {
			t.Errorf("%s: the image payload is not shown as text", path)
		}
		if n := eval(`String(document.querySelectorAll("img").length)`); n != "0" {
			t.Errorf("%s: %s img elements from a payload", path, n)
		}
	}

	// A manual adjustment: the browser refuses the form without a reason,
	// then the entry is stored with its author and shows in the list.
	step("open the adjustments", chromedp.Navigate(base+"/adjustments"))
	waitFor("the add form", `!!document.querySelector("#adj-form")`)
	step("fill the form",
		chromedp.SetValue("#adj-unit", "lzqjtj"),
		chromedp.SetValue("#adj-period", "2026Q3"),
		chromedp.SendKeys("#adj-points", "1.5"),
		chromedp.SetValue("#adj-category", store.CategoryTraining),
		chromedp.Click("#adj-submit"),
	)
	time.Sleep(300 * time.Millisecond)
	if list, err := fx.st.Adjustments(store.AdjustmentFilter{}); err != nil || len(list) != 0 {
		t.Fatalf("an adjustment without a reason went through: %v %v", list, err)
	}
	step("add with a reason",
		chromedp.SendKeys("#adj-reason", "未参加全区政务公开培训"),
		chromedp.Click("#adj-submit"),
	)
	waitFor("the entry", `!!document.querySelector(".flash") && document.querySelector(".flash").textContent.includes("区教体局 2026Q3 扣 1.5 分")`)
	list, err := fx.st.Adjustments(store.AdjustmentFilter{})
	if err != nil || len(list) != 1 || list[0].By != "张三" || list[0].Category != store.CategoryTraining || list[0].Points != 1.5 {
		t.Fatalf("stored adjustments %+v, %v", list, err)
	}
	if n := eval(`String(document.querySelectorAll("#adjustments a.aid").length)`); n != "1" {
		t.Errorf("the list shows %s adjustments, want 1", n)
	}
}
