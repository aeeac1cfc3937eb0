package daemon_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"net/http/httptest"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
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

// TestSIGTERMMidRealCrawl runs the daemon with the real crawler and checks
// against the simulated portal, sends the process SIGTERM in the middle of
// the crawl, and checks that the store is consistent, the runs are marked
// interrupted with what the crawler needs to resume, and that the next
// start makes the run up, crawls to the end and checks.
func TestSIGTERMMidRealCrawl(t *testing.T) {
	cst := time.FixedZone("CST", 8*3600)
	today := time.Date(2026, 11, 27, 0, 0, 0, 0, cst)
	sim, err := portalsim.New(portalsim.Options{Seed: 3, Units: 6, ChannelsMin: 3, ChannelsMax: 4, Items: 8, Letters: 20,
		Today: today, Faults: portalsim.Faults{SlowEvery: 1, SlowDelay: 15 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim.Handler())
	defer srv.Close()
	cfg := sim.Config(srv.URL)
	cfg.Site.BaseURL = "" // no probes: this test is about the crawl
	path := filepath.Join(t.TempDir(), "govaudit.db")
	st, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuf{}
	log := slog.New(slog.NewTextHandler(logs, nil))
	now := today.Add(10 * time.Hour)

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	d, err := daemon.New(daemon.Options{Config: cfg, Store: st, Work: realWork(t, st, log, now), Log: log,
		Listener: ln, AdminSocket: "-"})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()

	// Wait for the catch-up crawl to store some items, then SIGTERM.
	deadline := time.Now().Add(20 * time.Second)
	for items(t, st) < 10 {
		if time.Now().After(deadline) {
			t.Fatalf("the crawl stored no items:\n%s", logs.String())
		}
		time.Sleep(20 * time.Millisecond)
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
	crawl, _, _ := st.LastRun("crawl")
	nightly, _, _ := st.LastRun(daemon.JobNightly)
	if crawl.Status != store.RunInterrupted || nightly.Status != store.RunInterrupted {
		t.Fatalf("after SIGTERM: crawl %s (%s), nightly %s (%s)", crawl.Status, crawl.Note, nightly.Status, nightly.Note)
	}
	var resume crawler.ResumeState
	if err := json.Unmarshal(crawl.Resume, &resume); err != nil {
		t.Fatalf("crawl run's Resume %q: %v", crawl.Resume, err)
	}
	if _, ok, _ := st.LastRun("check"); ok {
		t.Error("an interrupted crawl was checked")
	}
	partial := items(t, st)
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

	// The next start makes the interrupted night up: the crawl ends and the
	// checks run.
	ln, _ = net.Listen("tcp", "127.0.0.1:0")
	d, err = daemon.New(daemon.Options{Config: cfg, Store: st, Work: realWork(t, st, log, now), Log: log,
		Listener: ln, AdminSocket: "-"})
	if err != nil {
		t.Fatal(err)
	}
	ctx2, cancel := context.WithCancel(context.Background())
	go func() { done <- d.Run(ctx2) }()
	deadline = time.Now().Add(60 * time.Second)
	for {
		r, ok, _ := st.LastRun(daemon.JobNightly)
		if ok && r.ID != nightly.ID && r.Status != store.RunRunning {
			if r.Status != store.RunOK {
				t.Fatalf("the made-up nightly run ended %s: %s", r.Status, r.Note)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the made-up run did not finish:\n%s", logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	crawl2, _, _ := st.LastRun("crawl")
	if crawl2.Status != store.RunOK || crawl2.ID == crawl.ID {
		t.Errorf("second crawl = %s %s", crawl2.Status, crawl2.Note)
	}
	if n := items(t, st); n <= partial {
		t.Errorf("%d items after the second crawl, %d after the interrupted one", n, partial)
	}
	if chk, ok, _ := st.LastRun("check"); !ok || chk.Status != store.RunOK {
		t.Errorf("check after the made-up crawl: %+v", chk)
	}
	if !strings.Contains(logs.String(), "catch-up: making up a missed run") {
		t.Error("no catch-up log line")
	}
	t.Logf("interrupted after %d items (%d sources done); the made-up crawl made %d requests", partial, len(resume.Done), crawl2.Requests)
}

func items(t *testing.T, st *store.Store) int {
	t.Helper()
	n := 0
	if err := st.EachItem(func(store.Item) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	return n
}
