package crawler

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/govaudit/govaudit/config"
	"github.com/govaudit/govaudit/store"
)

// TestProgressSaved: while a crawl runs, its run record carries its
// figures and when they were saved, so that a crawl killed with kill -9
// shows them and a finite duration (store.Run.UpdatedAt).
func TestProgressSaved(t *testing.T) {
	hold := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		switch {
		case r.URL.Path == "/robots.txt":
			http.NotFound(w, r)
		case r.URL.Path == "/col/":
			io.WriteString(w, `<ul class="doc-list"><li><a href="/t20260401_1.html">一</a><span class="date">2026-04-01</span></li>`+
				`<li><a href="/t20260401_2.html">二</a><span class="date">2026-04-01</span></li></ul>`)
		case strings.HasSuffix(r.URL.Path, "_2.html"):
			select { // the crawl stays running until the test has seen its progress
			case <-hold:
			case <-r.Context().Done():
			}
			io.WriteString(w, `<html><body><div id="zoom">正文</div></body></html>`)
		default:
			io.WriteString(w, `<html><body><div id="zoom">正文</div></body></html>`)
		}
	}))
	defer srv.Close()
	defer func() {
		select {
		case <-hold:
		default:
			close(hold)
		}
	}()
	cfg := baseConfig(srv.URL)
	cfg.Units = cfg.Units[:1]
	cfg.Units[0].Catalog = ""
	cfg.Site.Crawl.Timeout = 10 * time.Second
	cfg.Columns = []config.Column{{ID: "col", Unit: "lzqfgj", Name: "栏目", URL: srv.URL + "/col/"}}
	st := openStore(t)
	c, err := New(cfg, st, Options{Now: func() time.Time { return fixtureNow }, ProgressEvery: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { _, err := c.Run(context.Background()); done <- err }()
	var seen store.Run
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		r, ok, err := st.LastRun("crawl")
		if err != nil {
			t.Fatal(err)
		}
		if ok && r.Status == store.RunRunning && r.Pages >= 2 && !r.UpdatedAt.IsZero() {
			seen = r
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	close(hold)
	if err := <-done; err != nil {
		t.Fatalf("run: %v", err)
	}
	if seen.ID == 0 {
		r, _, _ := st.LastRun("crawl")
		t.Fatalf("no progress saved while the crawl ran; the run ended as %+v", r)
	}
}
