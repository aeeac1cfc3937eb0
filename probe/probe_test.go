package probe

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/govaudit/govaudit/config"
)

func TestProbe(t *testing.T) {
	gbkPage, err := simplifiedchinese.GBK.NewEncoder().String(`<html><head><meta charset="gbk"></head><body><ul><li>通知公告 2026年11月20日</li></ul></body></html>`)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`<ul><li>2026-11-24</li></ul>`))
	})
	mux.HandleFunc("/gbk", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html") // the charset is only in the meta tag
		w.Write([]byte(gbkPage))
	})
	mux.HandleFunc("/down", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "maintenance", http.StatusServiceUnavailable)
	})
	mux.HandleFunc("/waf", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(412)
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("<p>start"))
		w.(http.Flusher).Flush()
		select { // headers arrived quickly, the body does not
		case <-time.After(2 * time.Second):
		case <-r.Context().Done():
		}
	})
	mux.HandleFunc("/reset", func(w http.ResponseWriter, r *http.Request) {
		conn, _, _ := w.(http.Hijacker).Hijack()
		conn.Close()
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	now := time.Date(2026, 11, 27, 10, 0, 0, 0, cst)
	p := &Prober{Timeout: 300 * time.Millisecond, Now: func() time.Time { return now }}
	tests := []struct {
		target, path string
		ok           bool
		status       int
		err, newest  string
	}{
		{HomeTarget, "/ok", true, 200, "", "2026-11-24"},
		{HomeTarget, "/gbk", true, 200, "", "2026-11-20"},
		{"unit1", "/ok", true, 200, "", ""}, // dates are tracked for the home page only
		{HomeTarget, "/down", false, 503, "HTTP 503", ""},
		{HomeTarget, "/waf", false, 412, "HTTP 412 (firewall challenge)", ""},
		{HomeTarget, "/slow", false, 200, "timeout", ""},
		{HomeTarget, "/reset", false, 0, "EOF", ""},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			got := p.Probe(context.Background(), Target{Name: tt.target, URL: srv.URL + tt.path})
			if got.OK != tt.ok || got.Status != tt.status || !strings.Contains(got.Err, tt.err) || got.Newest != tt.newest {
				t.Errorf("Probe = %+v, want ok %v status %d err ~%q newest %q", got, tt.ok, tt.status, tt.err, tt.newest)
			}
			if got.Target != tt.target || !got.At.Equal(now) || got.URL != srv.URL+tt.path {
				t.Errorf("Probe identity = %q %v %q", got.Target, got.At, got.URL)
			}
		})
	}
}

func TestRoundAndTargets(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.URL.Path == "/b/" {
			http.NotFound(w, r)
			return
		}
		w.Write([]byte("<ul><li>2026-11-01</li></ul>"))
	}))
	defer srv.Close()
	cfg := &config.Config{Site: config.Site{BaseURL: srv.URL + "/"}, Units: []config.Unit{
		{ID: "a", Catalog: srv.URL + "/a/"}, {ID: "b", Catalog: srv.URL + "/b/"}, {ID: "c"}}}
	if got := Targets(cfg); len(got) != 1 || got[0].Name != HomeTarget {
		t.Fatalf("Targets without catalogs = %+v, want the home page only", got)
	}
	cfg.Probes.Catalogs = true
	targets := Targets(cfg)
	if len(targets) != 3 || targets[1].Name != "a" || targets[2].Name != "b" {
		t.Fatalf("Targets = %+v, want home, a, b (c has no catalog)", targets)
	}
	ps := (&Prober{Parallel: 2}).Round(context.Background(), targets)
	if len(ps) != 3 || hits.Load() != 3 {
		t.Fatalf("Round = %d probes, %d requests; want 3 and 3", len(ps), hits.Load())
	}
	for i, want := range []bool{true, true, false} {
		if ps[i].Target != targets[i].Name || ps[i].OK != want {
			t.Errorf("probe %d = %+v, want target %s ok %v", i, ps[i], targets[i].Name, want)
		}
	}
	if ps[0].Newest != "2026-11-01" {
		t.Errorf("home Newest = %q", ps[0].Newest)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if ps := (&Prober{}).Round(ctx, targets); len(ps) != 0 {
		t.Errorf("Round with a canceled context = %d probes, want none", len(ps))
	}
}
