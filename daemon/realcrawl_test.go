package daemon_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/govaudit/govaudit/config"
	"github.com/govaudit/govaudit/crawler"
	"github.com/govaudit/govaudit/daemon"
	"github.com/govaudit/govaudit/portalsim"
	"github.com/govaudit/govaudit/rules"
	"github.com/govaudit/govaudit/rules/workday"
	"github.com/govaudit/govaudit/store"
)

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// realWork wires the daemon to the real crawler and checks, as cmd does.
func realWork(t *testing.T, st *store.Store, log *slog.Logger, now time.Time) daemon.Work {
	cal, err := workday.New()
	if err != nil {
		t.Fatal(err)
	}
	return daemon.Work{
		Crawl: func(ctx context.Context, cfg *config.Config) (store.Run, error) {
			c, err := crawler.New(cfg, st, crawler.Options{Log: log, Now: func() time.Time { return now }})
			if err != nil {
				return store.Run{}, err
			}
			return c.Run(ctx)
		},
		Check: func(ctx context.Context, cfg *config.Config, asOf time.Time) (map[string]int, error) {
			rep, err := rules.Check(ctx, cfg, st, cal, workday.Day(now))
			return map[string]int{"findings": rep.Findings, "new": rep.Sync.New}, err
		},
	}
}

// portalGate lets a test stop the simulated portal from answering at a
// known point of a crawl: once closed, every request that reaches it waits
// until the gate is opened again or the client gives up.
type portalGate struct {
	mu     sync.Mutex
	hold   chan struct{} // nil while open
	held   atomic.Int64  // requests that waited
	inner  http.Handler
	closed chan struct{} // closed when the gate first closes
	once   sync.Once
}

func newPortalGate(h http.Handler) *portalGate {
	return &portalGate{inner: h, closed: make(chan struct{})}
}

func (g *portalGate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	hold := g.hold
	g.mu.Unlock()
	if hold != nil {
		g.held.Add(1)
		select {
		case <-hold:
		case <-r.Context().Done():
			return
		}
	}
	g.inner.ServeHTTP(w, r)
}

// close holds every later request.
func (g *portalGate) close() {
	g.once.Do(func() {
		g.mu.Lock()
		g.hold = make(chan struct{})
		g.mu.Unlock()
		close(g.closed)
	})
}

// open lets held and later requests through.
func (g *portalGate) open() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.hold != nil {
		close(g.hold)
		g.hold = nil
	}
}

// firstSource is the log line of a source crawled with items, the marker
// that a crawl is under way: "source crawled" is logged once a source's
// state and all its items are handed to the store writer.
var firstSource = regexp.MustCompile(`msg="source crawled" .*items=[1-9]`)

// markerLog is the test's log: it keeps every line, and closes gate
// synchronously while logging the first line matching marker, so that no
// request arrives at the portal after the marker is written.
type markerLog struct {
	buf    syncBuf
	marker *regexp.Regexp
	gate   *portalGate
	armed  atomic.Bool
}

func (m *markerLog) Write(p []byte) (int, error) {
	if m.armed.Load() && m.marker.Match(p) {
		m.armed.Store(false)
		m.gate.close()
	}
	return m.buf.Write(p)
}

// TestSIGTERMMidRealCrawl runs the daemon with the real crawler and checks
// against the simulated portal, sends the process SIGTERM in the middle of
// the crawl, and checks that the store is consistent, the runs are marked
// interrupted with what the crawler needs to resume, and that the next
// start makes the run up: it skips the sources finished before the stop,
// crawls the rest, checks, and leaves the store holding what a clean crawl
// stores.
//
// The stop point does not depend on timing: as the first source is logged
// as crawled, the portal stops answering (portalGate) and the test sends
// SIGTERM; the rest of the crawl cannot have happened.
func TestSIGTERMMidRealCrawl(t *testing.T) {
	cst := time.FixedZone("CST", 8*3600)
	today := time.Date(2026, 11, 27, 0, 0, 0, 0, cst)
	sim, err := portalsim.New(portalsim.Options{Seed: 3, Units: 6, ChannelsMin: 3, ChannelsMax: 4, Items: 8, Letters: 20,
		Today: today})
	if err != nil {
		t.Fatal(err)
	}
	gate := newPortalGate(sim.Handler())
	srv := httptest.NewServer(gate)
	defer srv.Close()
	defer gate.open() // never leave a handler waiting on a failed test
	cfg := sim.Config(srv.URL)
	cfg.Site.BaseURL = "" // no probes: this test is about the crawl
	now := today.Add(10 * time.Hour)
	dir := t.TempDir()

	// What a clean crawl of the portal stores, for comparison.
	clean := cleanCrawl(t, cfg, filepath.Join(dir, "clean.db"), now)
	if clean.items < 20 || clean.sources < 4 {
		t.Fatalf("the portal is too small for this test: %d items, %d sources", clean.items, clean.sources)
	}

	path := filepath.Join(dir, "govaudit.db")
	st, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	logs := &markerLog{marker: firstSource, gate: gate}
	logs.armed.Store(true)
	log := slog.New(slog.NewTextHandler(logs, nil))

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	d, err := daemon.New(daemon.Options{Config: cfg, Store: st, Work: realWork(t, st, log, now), Log: log,
		Listener: ln, AdminSocket: "-"})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()

	// Wait for the catch-up crawl to finish its first source (the portal
	// holds every request from then on), then SIGTERM.
	select {
	case <-gate.closed:
	case err := <-done:
		t.Fatalf("the daemon stopped before the crawl finished a source: %v\n%s", err, logs.buf.String())
	case <-time.After(20 * time.Second):
		t.Fatalf("the crawl finished no source:\n%s", logs.buf.String())
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run after SIGTERM: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the daemon did not stop after SIGTERM")
	}
	stop()
	gate.open()
	crawl, _, _ := st.LastRun("crawl")
	nightly, _, _ := st.LastRun(daemon.JobNightly)
	if crawl.Status != store.RunInterrupted || nightly.Status != store.RunInterrupted {
		t.Fatalf("after SIGTERM: crawl %s (%s), nightly %s (%s)", crawl.Status, crawl.Note, nightly.Status, nightly.Note)
	}
	var resume crawler.ResumeState
	if err := json.Unmarshal(crawl.Resume, &resume); err != nil {
		t.Fatalf("crawl run's Resume %q: %v", crawl.Resume, err)
	}
	if len(resume.Done) == 0 || len(resume.Done) >= clean.sources {
		t.Fatalf("the interrupted crawl lists %d of %d sources done (want some, not all): %v",
			len(resume.Done), clean.sources, resume.Done)
	}
	if _, ok, _ := st.LastRun("check"); ok {
		t.Error("an interrupted crawl was checked")
	}
	partial := items(t, st)
	if partial == 0 || partial >= clean.items {
		t.Fatalf("the interrupted crawl stored %d items, a clean one %d (want some, not all)", partial, clean.items)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	// The store is consistent after the stop: it opens, and holds what the
	// crawl had written.
	st, err = store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if n := items(t, st); n != partial {
		t.Fatalf("%d items after reopening, %d before", n, partial)
	}

	// The next start makes the interrupted night up: the crawl resumes,
	// skipping the sources done, ends, and the checks run.
	ln, err = net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	d, err = daemon.New(daemon.Options{Config: cfg, Store: st, Work: realWork(t, st, log, now), Log: log,
		Listener: ln, AdminSocket: "-"})
	if err != nil {
		t.Fatal(err)
	}
	ctx2, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { done <- d.Run(ctx2) }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		r, ok, _ := st.LastRun(daemon.JobNightly)
		if ok && r.ID != nightly.ID && r.Status != store.RunRunning {
			if r.Status != store.RunOK {
				t.Fatalf("the made-up nightly run ended %s: %s", r.Status, r.Note)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the made-up run did not finish:\n%s", logs.buf.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	crawl2, _, _ := st.LastRun("crawl")
	if crawl2.Status != store.RunOK || crawl2.ID == crawl.ID {
		t.Fatalf("second crawl = %d %s %s", crawl2.ID, crawl2.Status, crawl2.Note)
	}
	if want := fmt.Sprintf("续跑 run %d", crawl.ID); !strings.Contains(crawl2.Note, want) {
		t.Errorf("second crawl's note %q does not say %q", crawl2.Note, want)
	}
	resumed, crawled := crawl2.Figures["resumed"], crawl2.Figures["sources"]
	if resumed < len(resume.Done) || crawled == 0 || resumed+crawled != clean.sources {
		t.Errorf("second crawl skipped %d sources and crawled %d; want at least the %d done, the rest crawled, %d in all",
			resumed, crawled, len(resume.Done), clean.sources)
	}
	if n := items(t, st); n != clean.items {
		t.Errorf("%d items after the resumed crawl, %d after a clean crawl (%d after the interrupted one)", n, clean.items, partial)
	}
	if chk, ok, _ := st.LastRun("check"); !ok || chk.Status != store.RunOK {
		t.Errorf("check after the made-up crawl: %+v", chk)
	}
	if !strings.Contains(logs.buf.String(), "catch-up: making up a missed run") {
		t.Error("no catch-up log line")
	}
	t.Logf("interrupted after %d of %d items (%d of %d sources done, %d requests held); the resumed crawl skipped %d sources and made %d requests",
		partial, clean.items, len(resume.Done), clean.sources, gate.held.Load(), resumed, crawl2.Requests)
}

// cleanResult is what an uninterrupted crawl stored.
type cleanResult struct {
	items, sources int
}

// cleanCrawl crawls the portal of cfg once, without interruption, into a
// store of its own.
func cleanCrawl(t *testing.T, cfg *config.Config, path string, now time.Time) cleanResult {
	t.Helper()
	st, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	c, err := crawler.New(cfg, st, crawler.Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	rec, err := c.Run(context.Background())
	if err != nil || rec.Status != store.RunOK {
		t.Fatalf("clean crawl: %s %s: %v", rec.Status, rec.Note, err)
	}
	return cleanResult{items: items(t, st), sources: rec.Figures["sources"]}
}

func items(t *testing.T, st *store.Store) int {
	t.Helper()
	n := 0
	if err := st.EachItem(func(store.Item) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	return n
}
