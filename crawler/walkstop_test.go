package crawler

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/govaudit/govaudit/config"
)

// TestUnchangedFirstPageStopsWalk: a column whose first list page shows
// what it showed last time (here a server without validators: the same
// entries) is not walked further on a night that is not its night of the
// cycle; on its night every page is requested again.
func TestUnchangedFirstPageStopsWalk(t *testing.T) {
	var mu sync.Mutex
	hits := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits[r.URL.Path]++
		mu.Unlock()
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		p := r.URL.Path
		switch {
		case p == "/robots.txt":
			http.NotFound(w, r)
		case strings.HasPrefix(p, "/c/index"):
			n := 0
			fmt.Sscanf(strings.TrimPrefix(p, "/c/index_"), "%d", &n)
			fmt.Fprintf(w, `<ul class="doc-list"><li><a href="/c/t20260401_%d.html">文件%d</a><span class="date">2026-04-01</span></li></ul>`+
				`<script>createPageHTML(3, %d, "index", "html");</script>`, n, n, n)
		default:
			fmt.Fprint(w, `<html><body><div id="zoom">正文</div></body></html>`)
		}
	}))
	defer srv.Close()
	cfg := baseConfig(srv.URL)
	cfg.Units = cfg.Units[:1]
	cfg.Units[0].Catalog = ""
	cfg.Site.Crawl.CheckLinks = false
	col := srv.URL + "/c/index.html"
	cfg.Columns = []config.Column{{ID: "c", Unit: "lzqfgj", Name: "栏目", URL: col, Profile: "trs"}}
	st := openStore(t)
	crawl := func(at time.Time) map[string]int {
		t.Helper()
		mu.Lock()
		clear(hits)
		mu.Unlock()
		c, err := New(cfg, st, Options{Now: func() time.Time { return at }})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		defer mu.Unlock()
		return map[string]int{"1": hits["/c/index.html"], "2": hits["/c/index_1.html"], "3": hits["/c/index_2.html"]}
	}
	// Nights after the first: one that is not the column's, one that is.
	first := fixtureNow
	var off, on time.Time
	for d := 1; d <= 7; d++ {
		at := first.Add(time.Duration(d) * 24 * time.Hour)
		r := &run{start: at, cycle: 7}
		if r.due(col) && on.IsZero() {
			on = at
		} else if !r.due(col) && off.IsZero() {
			off = at
		}
	}
	if got := crawl(first); got["1"] != 1 || got["2"] != 1 || got["3"] != 1 {
		t.Fatalf("first crawl requested the list pages %v times, want once each", got)
	}
	if got := crawl(off); got["1"] != 1 || got["2"] != 0 || got["3"] != 0 {
		t.Errorf("a night not the column's: list pages requested %v times, want only the first", got)
	}
	items, err := st.ItemsOfColumn("c")
	if err != nil || len(items) != 3 {
		t.Errorf("after the short walk: %d items (%v), want the 3 listed", len(items), err)
	}
	if got := crawl(on); got["1"] != 1 || got["2"] != 1 || got["3"] != 1 {
		t.Errorf("the column's night: list pages requested %v times, want once each", got)
	}
}

// TestKnownListPagesFetchedAhead: the list pages a column's pager names
// are fetched a few at a time, not one after the other.
func TestKnownListPagesFetchedAhead(t *testing.T) {
	var mu sync.Mutex
	cur, peak := 0, 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		p := r.URL.Path
		switch {
		case p == "/robots.txt":
			http.NotFound(w, r)
		case strings.HasPrefix(p, "/c/index"):
			n := 0
			fmt.Sscanf(strings.TrimPrefix(p, "/c/index_"), "%d", &n)
			if n > 0 {
				mu.Lock()
				cur++
				peak = max(peak, cur)
				mu.Unlock()
				time.Sleep(100 * time.Millisecond)
				mu.Lock()
				cur--
				mu.Unlock()
			}
			fmt.Fprintf(w, `<ul class="doc-list"><li><a href="/c/t20260401_%d.html">文件%d</a><span class="date">2026-04-01</span></li></ul>`+
				`<script>createPageHTML(6, %d, "index", "html");</script>`, n, n, n)
		default:
			fmt.Fprint(w, `<html><body><div id="zoom">正文</div></body></html>`)
		}
	}))
	defer srv.Close()
	cfg := baseConfig(srv.URL)
	cfg.Units = cfg.Units[:1]
	cfg.Units[0].Catalog = ""
	cfg.Site.Crawl.CheckLinks = false
	cfg.Columns = []config.Column{{ID: "c", Unit: "lzqfgj", Name: "栏目", URL: srv.URL + "/c/index.html", Profile: "trs"}}
	st := openStore(t)
	run, err := crawlOnce(t, cfg, st)
	if err != nil {
		t.Fatal(err)
	}
	if s, ok, _ := st.Source("column:c"); !ok || !s.Audited || s.Items != 6 || s.ListPages != 6 {
		t.Errorf("source %+v, want audited with 6 items on 6 pages", s)
	}
	if peak < 2 {
		t.Errorf("at most %d list page requests at a time (run %d), want the known pages fetched ahead", peak, run.ID)
	}
}
