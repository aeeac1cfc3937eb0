package web

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"github.com/govaudit/govaudit/store"
)

// TestBrowserNotice writes the quarter's notice from the browser: the
// reports page opens on the last ended quarter, warns of drafts, previews
// the printable notice and downloads every format; the filtered findings
// list exports as CSV.
func TestBrowserNotice(t *testing.T) {
	fx := newFixture(t, nil)
	for _, name := range []string{"jtj1", "jtj2"} {
		if _, err := fx.st.Decide(fx.ids[name], store.Action{Kind: store.DecideConfirm, By: "张三", At: t0}); err != nil {
			t.Fatal(err)
		}
	}
	b := newBrowser(t, fx.http.URL)
	b.step("desktop size", chromedp.EmulateViewport(1280, 900))
	b.signIn()

	b.open("/reports", `!!document.querySelector("#notice-docx")`)
	if got := b.eval(`document.querySelector("#f-period").value`); got != "2026Q3" {
		t.Errorf("the reports page opens on %s, want the last ended quarter 2026Q3", got)
	}
	if w := b.eval(`document.querySelector("#drafts-warning") ? document.querySelector("#drafts-warning").textContent : ""`); !strings.Contains(w, "待审核") {
		t.Errorf("no warning of drafts: %q", w)
	}
	if r := b.eval(`document.querySelector("#ranking tbody").textContent`); !strings.Contains(r, "区教体局") {
		t.Errorf("the ranking lacks 区教体局: %q", r)
	}
	b.shot("reports")

	// Every file downloads under its Chinese name; DOCX and XLSX are zips.
	dir := t.TempDir()
	b.step("allow downloads", chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{
			Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllow, DownloadPath: dir})
		return err
	}))
	for _, f := range []struct{ key, name string }{{"html", "2026Q3-通报.html"}, {"docx", "2026Q3-通报.docx"},
		{"xlsx", "2026Q3-通报.xlsx"}, {"ranking\\.csv", "2026Q3-排名.csv"}, {"problems\\.csv", "2026Q3-问题清单.csv"}} {
		b.step("download "+f.name, chromedp.Click("#notice-"+f.key))
		path := filepath.Join(dir, f.name)
		var data []byte
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
			if d, err := os.ReadFile(path); err == nil && len(d) > 0 {
				data = d
				break
			}
		}
		if len(data) == 0 {
			names, _ := os.ReadDir(dir)
			t.Fatalf("%s was not downloaded (%v)", f.name, names)
		}
		if strings.HasSuffix(f.name, "x") && string(data[:2]) != "PK" {
			t.Errorf("%s is not a zip", f.name)
		}
		if strings.HasSuffix(f.name, ".html") && !strings.Contains(string(data), "关于2026年第三季度政务公开工作考核情况的通报") {
			t.Errorf("%s is not the notice", f.name)
		}
	}

	// The preview is the printable document, its style applied.
	b.open("/reports/2026Q3/html", `!!document.querySelector("h1")`)
	if h := b.eval(`document.querySelector("h1").textContent`); h != "关于2026年第三季度政务公开工作考核情况的通报" {
		t.Errorf("preview title %q", h)
	}
	if ff := b.eval(`getComputedStyle(document.querySelector("h1")).textAlign`); ff != "center" {
		t.Errorf("the notice's style sheet does not apply in the preview (h1 text-align %q)", ff)
	}
	if body := b.eval(`document.body.innerText`); !strings.Contains(body, "整改要求") || strings.Contains(body, "http") {
		t.Errorf("preview text: %q", body[:min(len(body), 300)])
	}
	b.shot("notice-preview")

	// The overview opens on the last ended quarter, ranked, with trends.
	b.open("/overview", `!!document.querySelector("#overview")`)
	if got := b.eval(`document.querySelector("#o-quarter").value`); got != "2026Q3" {
		t.Errorf("the overview opens on %s", got)
	}
	if n := b.eval(`String(document.querySelectorAll("#overview svg.spark").length)`); n != "3" {
		t.Errorf("%s trend lines, want 3", n)
	}
	b.shot("overview")
	b.step("open a unit", chromedp.Click(`#unit-lzqjtj a.unit-link`))
	b.waitFor("the unit page", `!!document.querySelector("#unit-history")`)
	b.shot("unit")

	// The week's digest, previewed.
	b.open("/digest", `!!document.querySelector("#digest-send")`)
	b.shot("digest")

	// The filtered list exports as CSV.
	b.open("/findings?unit=lzqjtj&status=all", `!!document.querySelector("#export-csv")`)
	b.step("export", chromedp.Click("#export-csv"))
	var got string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline) && got == ""; time.Sleep(100 * time.Millisecond) {
		names, _ := filepath.Glob(filepath.Join(dir, "问题清单-*.csv"))
		for _, n := range names {
			if d, err := os.ReadFile(n); err == nil && len(d) > 0 {
				got = string(d)
			}
		}
	}
	lines := strings.Split(strings.TrimSpace(strings.TrimPrefix(got, "\ufeff")), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "编号,单位,检查项") || !strings.Contains(got, "区教体局") || !strings.Contains(got, "缺少附件") {
		t.Errorf("export:\n%s", got)
	}
}
