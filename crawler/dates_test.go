package crawler

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/govaudit/govaudit/config"
)

// TestImplausibleDatesUnreadable crawls articles whose metadata and list
// carry dates no page seen on fixtureNow (2026-04-20) can bear: 成文日期
// 2099, a list date next year. They are recorded as unreadable (empty,
// counted in the run's errors), never as dates a check would judge; a
// date two days ahead (a clock slip) and ordinary dates are kept.
func TestImplausibleDatesUnreadable(t *testing.T) {
	meta := func(written, pub string) string {
		return fmt.Sprintf(`<html><head><title>通知</title></head><body><table class="xxgk-table">`+
			`<tr><td class="label">索引号</td><td>001</td><td class="label">主题分类</td><td>其他</td></tr>`+
			`<tr><td class="label">发布机构</td><td>区发改局</td><td class="label">成文日期</td><td>%s</td></tr>`+
			`<tr><td class="label">发布日期</td><td>%s</td><td class="label">文号</td><td>临发改〔2026〕1号</td></tr>`+
			`</table><div id="zoom">正文</div></body></html>`, written, pub)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		switch r.URL.Path {
		case "/robots.txt":
			http.NotFound(w, r)
		case "/col/":
			io.WriteString(w, `<ul class="doc-list">`+
				`<li><a href="/t20260401_1.html">成文于未来</a><span class="date">2026-04-01</span></li>`+
				`<li><a href="/t20260401_2.html">列表日期在明年</a><span class="date">2027-04-01</span></li>`+
				`<li><a href="/t20260401_3.html">后天</a><span class="date">2026-04-22</span></li>`+
				`</ul>`)
		case "/t20260401_1.html":
			io.WriteString(w, meta("2099-01-01", "2026-04-01"))
		case "/t20260401_2.html":
			io.WriteString(w, meta("2026-03-30", "2027年4月1日"))
		case "/t20260401_3.html":
			io.WriteString(w, meta("2026-04-18", "2026-04-22"))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	cfg := baseConfig(srv.URL)
	cfg.Units = cfg.Units[:1]
	cfg.Units[0].Catalog = ""
	cfg.Columns = []config.Column{{ID: "col", Unit: "lzqfgj", Name: "栏目", URL: srv.URL + "/col/"}}
	st := openStore(t)
	run, err := crawlOnce(t, cfg, st)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	want := map[string][3]string{ // list date, published, written
		"/t20260401_1.html": {"2026-04-01", "2026-04-01", ""},
		"/t20260401_2.html": {"", "", "2026-03-30"},
		"/t20260401_3.html": {"2026-04-22", "2026-04-22", "2026-04-18"},
	}
	items, err := st.ItemsOfColumn("col")
	if err != nil || len(items) != 3 {
		t.Fatalf("%d items, %v", len(items), err)
	}
	for _, it := range items {
		w := want[it.URL[len(srv.URL):]]
		if got := [3]string{it.ListDate, it.Published, it.Written}; got != w {
			t.Errorf("%s: list, published, written = %q, want %q", it.URL, got, w)
		}
	}
	if n := run.Errors[errImplausibleDate]; n != 3 {
		t.Errorf("run errors %v: want 3 implausible dates", run.Errors)
	}
}
