package daemon

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/govaudit/govaudit/config"
	"github.com/govaudit/govaudit/store"
)

// TestMain lets a test re-execute the test binary as a second process
// that holds a store (GOVAUDIT_TEST_HOLD=<path>) until its stdin closes.
func TestMain(m *testing.M) {
	if path := os.Getenv("GOVAUDIT_TEST_HOLD"); path != "" {
		st, err := store.Open(path, store.Options{})
		if err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
		fmt.Println("holding")
		io.Copy(io.Discard, os.Stdin)
		st.Close()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func openStore(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "govaudit.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// logBuf is a goroutine-safe log sink.
type logBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// fakeCrawler imitates the crawler's contract: it records its own "crawl"
// run, writes pages in batches, and when canceled saves its progress in
// Run.Resume, marks the run interrupted and returns; the next crawl
// resumes from there.
type fakeCrawler struct {
	st      *store.Store
	pages   int           // pages of a full crawl
	delay   time.Duration // per page
	calls   atomic.Int32
	resumed atomic.Int32  // crawls that started from a saved position
	started chan int      // receives the start position of every crawl (buffered)
	release chan struct{} // when not nil, the crawl waits on it before finishing
}

func (f *fakeCrawler) crawl(ctx context.Context, cfg *config.Config) (store.Run, error) {
	f.calls.Add(1)
	from := 0
	if last, ok, _ := f.st.LastRun("crawl"); ok && last.Status == store.RunInterrupted && len(last.Resume) > 0 {
		from, _ = strconv.Atoi(string(last.Resume))
		f.resumed.Add(1)
	}
	if f.started != nil {
		f.started <- from
	}
	run, err := f.st.StartRun("crawl", time.Now())
	if err != nil {
		return run, err
	}
	for i := from; i < f.pages; i++ {
		select {
		case <-ctx.Done():
			run.Status, run.EndedAt, run.Note = store.RunInterrupted, time.Now(), "interrupted"
			run.Resume = []byte(strconv.Itoa(i))
			return run, errors.Join(f.st.SaveRun(run), ctx.Err())
		case <-time.After(f.delay):
		}
		url := fmt.Sprintf("http://portal.test/p%d.html", i)
		if err := f.st.Write(&store.Batch{Pages: []store.Page{{URL: url, Status: 200, FetchedAt: time.Now(), RunID: run.ID}}}); err != nil {
			return run, err
		}
		run.Pages++
	}
	if f.release != nil {
		select {
		case <-f.release:
		case <-ctx.Done():
		}
	}
	run.Status, run.EndedAt = store.RunOK, time.Now()
	run.Errors = map[string]int{"timeout": 1}
	return run, f.st.SaveRun(run)
}

// fakeCheck counts its calls and reports figures.
type fakeCheck struct{ calls atomic.Int32 }

func (c *fakeCheck) check(ctx context.Context, cfg *config.Config, asOf time.Time) (map[string]int, error) {
	c.calls.Add(1)
	return map[string]int{"new": 2, "resolved": 1}, nil
}

type harness struct {
	d    *Daemon
	st   *store.Store
	logs *logBuf
	url  string
	done chan error
	stop context.CancelFunc
}

// start runs a daemon on a loopback port until the test ends (or stop).
func start(t *testing.T, ctx context.Context, opt Options) *harness {
	t.Helper()
	h := &harness{st: opt.Store, logs: &logBuf{}, done: make(chan error, 1)}
	if opt.Log == nil {
		opt.Log = slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	opt.Listener = ln
	if opt.AdminSocket == "" {
		opt.AdminSocket = "-"
	}
	h.url = "http://" + ln.Addr().String()
	d, err := New(opt)
	if err != nil {
		ln.Close()
		t.Fatal(err)
	}
	h.d = d
	ctx, h.stop = context.WithCancel(ctx)
	go func() { h.done <- d.Run(ctx) }()
	t.Cleanup(func() {
		h.stop()
		select {
		case <-h.done:
		case <-time.After(10 * time.Second):
			t.Error("daemon did not stop")
		}
	})
	return h
}

// wait stops the daemon and returns Run's error.
func (h *harness) wait(t *testing.T) error {
	t.Helper()
	h.stop()
	select {
	case err := <-h.done:
		h.done <- err // for the cleanup
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("daemon did not stop")
	}
	return nil
}

// eventually polls cond every 20 ms for up to d.
func eventually(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func runsOf(t *testing.T, st *store.Store, kind string) []store.Run {
	t.Helper()
	rs, err := st.Runs(kind, 100)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

func countStatus(rs []store.Run, status string) int {
	n := 0
	for _, r := range rs {
		if r.Status == status {
			n++
		}
	}
	return n
}

func testConfig(crawlSpec string) *config.Config {
	cfg := config.Default()
	cfg.Schedule.Crawl = crawlSpec
	cfg.Site.BaseURL = "" // no probes unless a test sets one
	return cfg
}

func TestJobsFire(t *testing.T) {
	st := openStore(t)
	fc := &fakeCrawler{st: st, pages: 3}
	ck := &fakeCheck{}
	h := start(t, context.Background(), Options{Config: testConfig("@every 1s"), Store: st,
		Work: Work{Crawl: fc.crawl, Check: ck.check}})
	eventually(t, 5*time.Second, "three nightly runs", func() bool {
		return countStatus(runsOf(t, st, JobNightly), store.RunOK) >= 3
	})
	if err := h.wait(t); err != nil {
		t.Fatal(err)
	}
	runs := runsOf(t, st, JobNightly)
	r := runs[len(runs)-1] // the oldest
	if r.Status != store.RunOK || r.Pages != 3 || r.Figures["check_new"] != 2 || r.Figures["check_resolved"] != 1 ||
		r.Figures["crawl_run"] == 0 || r.Errors["timeout"] != 1 || r.EndedAt.Before(r.StartedAt) {
		t.Errorf("nightly run = %+v", r)
	}
	if int(fc.calls.Load()) != len(runs) || int(ck.calls.Load()) < countStatus(runs, store.RunOK) {
		t.Errorf("%d crawls and %d checks for %d runs", fc.calls.Load(), ck.calls.Load(), len(runs))
	}
	// No digest or report work was given: those jobs are not scheduled.
	if len(runsOf(t, st, JobDigest))+len(runsOf(t, st, JobReport)) != 0 {
		t.Error("unwired jobs ran")
	}
	if !strings.Contains(h.logs.String(), "job not wired") {
		t.Error("no log line about unwired jobs")
	}
}

func TestOverlappingRunSkipped(t *testing.T) {
	st := openStore(t)
	fc := &fakeCrawler{st: st, pages: 1, release: make(chan struct{})}
	ck := &fakeCheck{}
	h := start(t, context.Background(), Options{Config: testConfig("@every 1s"), Store: st,
		Work: Work{Crawl: fc.crawl, Check: ck.check}})
	// The catch-up run starts at once and blocks; the activations of the
	// next seconds find it running and are skipped.
	eventually(t, 5*time.Second, "two skipped activations", func() bool {
		return strings.Count(h.logs.String(), "this activation is skipped") >= 2
	})
	if n := fc.calls.Load(); n != 1 {
		t.Fatalf("%d crawls while one was running, want 1", n)
	}
	if hl := h.d.Health(); !jobRunning(hl, JobNightly) {
		t.Errorf("healthz does not show the nightly job running: %+v", hl.Jobs)
	}
	metrics := get(t, h.url+"/metrics")
	if !strings.Contains(metrics, `govaudit_job_running{job="nightly"} 1`) ||
		!strings.Contains(metrics, `govaudit_job_skipped_total{job="nightly"} `) {
		t.Errorf("metrics lack running/skipped:\n%s", grepLines(metrics, "govaudit_job_"))
	}
	close(fc.release)
	eventually(t, 5*time.Second, "a second crawl after the first ended", func() bool { return fc.calls.Load() >= 2 })
	if err := h.wait(t); err != nil {
		t.Fatal(err)
	}
	if rs := runsOf(t, st, JobNightly); countStatus(rs, store.RunOK) < 1 || countStatus(rs, store.RunRunning) != 0 {
		t.Errorf("runs after overlap: %+v", rs)
	}
}

func jobRunning(h Health, job string) bool {
	for _, j := range h.Jobs {
		if j.Job == job {
			return j.Running
		}
	}
	return false
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %s\n%s", url, resp.Status, b)
	}
	return string(b)
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func TestCatchUp(t *testing.T) {
	loc := Location()
	now := time.Now().In(loc)
	// A daily spec whose last activation was two hours ago.
	two := now.Add(-2 * time.Hour)
	spec := fmt.Sprintf("%d %d * * *", two.Minute(), two.Hour())
	tests := []struct {
		name      string
		last      time.Duration // age of the last nightly run; 0: none
		status    string
		digestAge time.Duration // age of the last digest; 0: none
		nightly   bool          // a nightly run is made up
		digest    bool
	}{
		{"never ran", 0, "", 0, true, false},
		{"ran after the activation", time.Hour, store.RunOK, 0, false, false},
		{"failed after the activation", time.Hour, store.RunFailed, 0, false, false},
		{"missed", 3 * time.Hour, store.RunOK, 0, true, false},
		{"interrupted after the activation", time.Hour, store.RunInterrupted, 0, true, false},
		{"digest missed", time.Hour, store.RunOK, 8 * 24 * time.Hour, false, true},
		{"digest sent", time.Hour, store.RunOK, time.Minute, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := openStore(t)
			if tt.last > 0 {
				r, _ := st.StartRun(JobNightly, now.Add(-tt.last))
				r.Status, r.EndedAt = tt.status, now.Add(-tt.last+time.Minute)
				st.SaveRun(r)
			}
			if tt.digestAge > 0 {
				r, _ := st.StartRun(JobDigest, now.Add(-tt.digestAge))
				r.Status, r.EndedAt = store.RunOK, now.Add(-tt.digestAge+time.Minute)
				st.SaveRun(r)
			}
			fc := &fakeCrawler{st: st, pages: 1}
			var digests atomic.Int32
			cfg := testConfig(spec)
			h := start(t, context.Background(), Options{Config: cfg, Store: st, Work: Work{Crawl: fc.crawl, Check: (&fakeCheck{}).check,
				Digest: func(ctx context.Context, cfg *config.Config, asOf time.Time) (map[string]int, error) {
					digests.Add(1)
					return map[string]int{"sent": 46}, nil
				}}})
			eventually(t, 5*time.Second, "the catch-up pass", func() bool {
				return strings.Contains(h.logs.String(), "catch-up done")
			})
			if err := h.wait(t); err != nil {
				t.Fatal(err)
			}
			if got := fc.calls.Load() == 1; got != tt.nightly {
				t.Errorf("nightly made up: %v, want %v\n%s", got, tt.nightly, grepLines(h.logs.String(), "catch-up"))
			}
			if got := digests.Load() == 1; got != tt.digest {
				t.Errorf("digest made up: %v, want %v", got, tt.digest)
			}
			if tt.digest {
				if r, ok, _ := st.LastRun(JobDigest); !ok || r.Status != store.RunOK || r.Figures["sent"] != 46 {
					t.Errorf("digest run = %+v", r)
				}
			}
		})
	}
}

func TestSIGTERMMidCrawlThenResume(t *testing.T) {
	path := filepath.Join(t.TempDir(), "govaudit.db")
	st, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	fc := &fakeCrawler{st: st, pages: 40, delay: 25 * time.Millisecond, started: make(chan int, 4)}
	ck := &fakeCheck{}
	cfg := testConfig("0 2 * * *")

	// The real signal path: the daemon's context is the one
	// signal.NotifyContext gives, as in main.
	ctx, stopSignals := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stopSignals()
	h := start(t, ctx, Options{Config: cfg, Store: st, Work: Work{Crawl: fc.crawl, Check: ck.check}})
	if from := <-fc.started; from != 0 {
		t.Fatalf("first crawl started at %d", from)
	}
	eventually(t, 5*time.Second, "a few pages", func() bool {
		r, ok, _ := st.LastRun("crawl")
		return ok && pagesOf(t, st, r.ID) >= 5
	})
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-h.done:
		h.done <- err
		if err != nil {
			t.Fatalf("Run after SIGTERM: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("daemon did not stop after SIGTERM")
	}
	stopSignals()
	if ck.calls.Load() != 0 {
		t.Error("an interrupted crawl was checked")
	}
	nightly, _, _ := st.LastRun(JobNightly)
	crawl, _, _ := st.LastRun("crawl")
	if nightly.Status != store.RunInterrupted || nightly.EndedAt.IsZero() || crawl.Status != store.RunInterrupted || len(crawl.Resume) == 0 {
		t.Fatalf("after SIGTERM: nightly %+v, crawl %+v", nightly, crawl)
	}
	if !strings.Contains(h.logs.String(), "job interrupted") {
		t.Errorf("no log line for the interrupted job:\n%s", h.logs.String())
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	// The store is consistent: it opens, and the pages written are there.
	st, err = store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	done, _ := strconv.Atoi(string(crawl.Resume))
	if done < 5 || done >= 40 {
		t.Fatalf("resume position %d", done)
	}
	for i := range done {
		if _, ok, err := st.Page(fmt.Sprintf("http://portal.test/p%d.html", i)); !ok || err != nil {
			t.Fatalf("page %d of the interrupted crawl missing: %v", i, err)
		}
	}

	// The next start makes the interrupted run up, and the crawl resumes.
	fc2 := &fakeCrawler{st: st, pages: 40, started: make(chan int, 4)}
	h2 := start(t, context.Background(), Options{Config: cfg, Store: st, Work: Work{Crawl: fc2.crawl, Check: ck.check}})
	if from := <-fc2.started; from != done {
		t.Errorf("second crawl started at %d, want %d", from, done)
	}
	eventually(t, 5*time.Second, "the resumed nightly run to finish", func() bool {
		r, ok, _ := st.LastRun(JobNightly)
		return ok && r.Status == store.RunOK
	})
	if err := h2.wait(t); err != nil {
		t.Fatal(err)
	}
	for i := range 40 {
		if _, ok, _ := st.Page(fmt.Sprintf("http://portal.test/p%d.html", i)); !ok {
			t.Errorf("page %d missing after the resumed crawl", i)
		}
	}
	if ck.calls.Load() != 1 {
		t.Errorf("%d checks after the resumed crawl, want 1", ck.calls.Load())
	}
}

func pagesOf(t *testing.T, st *store.Store, runID uint64) int {
	t.Helper()
	n := 0
	for i := range 40 {
		if p, ok, _ := st.Page(fmt.Sprintf("http://portal.test/p%d.html", i)); ok && p.RunID == runID {
			n++
		}
	}
	return n
}

func TestSIGHUPReload(t *testing.T) {
	st := openStore(t)
	good := writeConfig(t, siteYAML+"schedule:\n  crawl: \"0 3 * * *\"\n")
	bad := writeConfig(t, siteYAML) // loads fine; its file is then broken
	os.WriteFile(bad.Path, []byte(siteYAML+"schedule:\n  crawl: \"0 3 * * * * * *\"\n"), 0o644)
	var which atomic.Int32
	reload := func() (*config.Config, error) {
		switch which.Load() {
		case 0:
			return nil, &config.Error{File: "govaudit.yaml", Line: 3, Field: "site.base_url", Msg: "not a URL"}
		case 1:
			return config.Load(bad.Path) // parses, but its schedule is bad
		}
		return good, nil
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	cfg := testConfig("0 2 * * *")
	h := start(t, context.Background(), Options{Config: cfg, Store: st, Reload: reload, Hangup: hup})
	spec := func() string {
		for _, j := range h.d.Health().Jobs {
			if j.Job == JobProbe {
				return j.Spec
			}
		}
		return ""
	}
	probeSpec := spec()

	for i, want := range []string{"site.base_url: not a URL", ":7: schedule.crawl"} {
		which.Store(int32(i))
		syscall.Kill(os.Getpid(), syscall.SIGHUP)
		eventually(t, 3*time.Second, "refusal "+want, func() bool {
			return strings.Count(h.logs.String(), "configuration reload refused") == i+1
		})
		if !strings.Contains(h.logs.String(), want) {
			t.Errorf("refusal does not say %q:\n%s", want, grepLines(h.logs.String(), "refused"))
		}
		if h.d.Config() != cfg || spec() != probeSpec {
			t.Fatal("a refused configuration was applied")
		}
	}
	which.Store(2)
	syscall.Kill(os.Getpid(), syscall.SIGHUP)
	eventually(t, 3*time.Second, "reload", func() bool { return strings.Contains(h.logs.String(), "configuration reloaded") })
	if h.d.Config() != good {
		t.Error("the new configuration is not in force")
	}
	if err := h.wait(t); err != nil {
		t.Fatal(err)
	}
}

func TestHealthzMetricsAndProbes(t *testing.T) {
	st := openStore(t)
	var visits atomic.Int32
	portal := http.NewServeMux()
	portal.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		visits.Add(1)
		w.Write([]byte(`<ul><li><a href="/a">要闻</a> 2026-11-20</li></ul>`))
	})
	portal.HandleFunc("/down/", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "no", http.StatusServiceUnavailable) })
	psrv := newServer(t, portal)
	two := time.Now().In(Location()).Add(-2 * time.Hour) // the nightly job's last activation
	cfg := testConfig(fmt.Sprintf("%d %d * * *", two.Minute(), two.Hour()))
	cfg.Site.BaseURL = psrv + "/"
	cfg.Probes.Catalogs = true
	cfg.Probes.Interval = time.Second
	cfg.Units = []config.Unit{{ID: "u1", Catalog: psrv + "/u1/"}, {ID: "u2", Catalog: psrv + "/down/"}}

	r, _ := st.StartRun(JobNightly, time.Now().Add(-time.Hour))
	r.Status, r.EndedAt, r.Note = store.RunFailed, time.Now().Add(-50*time.Minute), "crawl: portal down"
	st.SaveRun(r)
	_, err := st.SyncFindings(store.SyncRequest{Rules: []string{"timeliness"}, Now: time.Now(), Found: []store.Finding{
		{ID: store.FindingID("timeliness", "a"), Rule: "timeliness", Subject: "a", Unit: "u1", Quarter: "2026Q4", Points: 1},
		{ID: store.FindingID("timeliness", "b"), Rule: "timeliness", Subject: "b", Unit: "u1", Quarter: "2026Q4", Points: 1},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Decide(store.FindingID("timeliness", "a"), store.Action{Kind: "confirm", By: "张三", At: time.Now()}); err != nil {
		t.Fatal(err)
	}

	var webCfg atomic.Pointer[config.Config]
	fc := &fakeCrawler{st: st, pages: 1}
	h := start(t, context.Background(), Options{Config: cfg, Store: st, Work: Work{Crawl: fc.crawl, Check: (&fakeCheck{}).check},
		Web: func(cfg *config.Config, ops OpsPage) (http.Handler, error) {
			webCfg.Store(cfg)
			if ops.Path != "/ops" || ops.Data == nil || !strings.Contains(ops.Template, `define "content"`) {
				return nil, fmt.Errorf("bad ops page %+v", ops)
			}
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				data, err := ops.Data(r)
				if err != nil {
					http.Error(w, err.Error(), 500)
					return
				}
				json.NewEncoder(w).Encode(data)
			}), nil
		}})
	eventually(t, 5*time.Second, "two probe rounds", func() bool {
		ps, _ := st.Probes(time.Time{}, time.Time{})
		return len(ps) >= 6
	})

	var hl Health
	if err := json.Unmarshal([]byte(get(t, h.url+"/healthz")), &hl); err != nil {
		t.Fatal(err)
	}
	if hl.Status != "degraded" || !hl.Store.OK || len(hl.Jobs) != 2 || len(hl.Probes) != 3 {
		t.Errorf("healthz = %+v", hl)
	}
	for _, j := range hl.Jobs {
		if j.Job == JobNightly && (j.Last == nil || j.Last.Note != "crawl: portal down" || j.Next.IsZero() || j.Spec != cfg.Schedule.Crawl) {
			t.Errorf("healthz nightly = %+v", j)
		}
	}

	// The latest national verdict (issue 15) is exported as gauges.
	if err := st.PutVerdict(store.VerdictRecord{Week: "2026-W48", Status: store.VerdictWarn, Indicators: []store.VerdictIndicator{
		{ID: "blank-columns", Value: 3, Warn: 3, Fail: 5, Status: store.VerdictWarn}}}); err != nil {
		t.Fatal(err)
	}
	m := get(t, h.url+"/metrics")
	for _, want := range []string{
		`govaudit_verdict_status{week="2026-W48"} 1`,
		`govaudit_verdict_indicator_status{indicator="blank-columns"} 1`,
		`govaudit_verdict_indicator_value{indicator="blank-columns"} 3`,
		`govaudit_verdict_indicator_fail_threshold{indicator="blank-columns"} 5`,
		`govaudit_findings{status="confirmed"} 1`,
		`govaudit_findings{status="draft"} 1`,
		`govaudit_findings{status="dismissed"} 0`,
		`govaudit_job_last_success{job="nightly"} 0`,
		`govaudit_job_last_duration_seconds{job="nightly"} 600`,
		`govaudit_probe_up{target="home"} 1`,
		`govaudit_probe_up{target="u1"} 1`,
		`govaudit_probe_up{target="u2"} 0`,
		`govaudit_probes_total{outcome="fail",target="u2"}`,
		`govaudit_probe_week_failure_ratio{target="u2"} 1`,
		`govaudit_probe_week_status{target="u2"} 1`,
		`govaudit_home_days_since_update `,
		`go_goroutines `,
	} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %s", want)
		}
	}

	// The web UI is served from the same process, with the ops page.
	ops := get(t, h.url+"/ops")
	var od OpsData
	if err := json.Unmarshal([]byte(ops), &od); err != nil {
		t.Fatal(err)
	}
	if len(od.Week) != 3 || od.Week[0].Name != "首页" || !strings.Contains(od.Week[0].Home, "2026-11-20") || len(od.Runs) != 1 || len(od.Jobs) != 2 {
		t.Errorf("ops data = %s", ops)
	}
	if fc.calls.Load() != 0 {
		t.Error("a run that failed after the last activation was made up")
	}
	if webCfg.Load() != cfg {
		t.Error("the UI was not built with the configuration")
	}
	if err := h.wait(t); err != nil {
		t.Fatal(err)
	}
}

func newServer(t *testing.T, h http.Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String()
}

func TestNightly(t *testing.T) {
	loc := Location()
	st := openStore(t)
	fc := &fakeCrawler{st: st, pages: 2}
	ck := &fakeCheck{}
	var digests atomic.Int32
	w := Work{Crawl: fc.crawl, Check: ck.check, Digest: func(ctx context.Context, cfg *config.Config, asOf time.Time) (map[string]int, error) {
		digests.Add(1)
		return map[string]int{"sent": 3}, nil
	}}
	clock := time.Date(2026, 11, 25, 2, 0, 0, 0, loc) // a Wednesday: the week's digest is not sent yet
	now := func() time.Time { return clock }
	runs, err := Nightly(context.Background(), config.Default(), st, w, now, nil)
	if err != nil || len(runs) != 2 || runs[0].Kind != JobNightly || runs[1].Kind != JobDigest || digests.Load() != 1 {
		t.Fatalf("first nightly: %v %+v", err, runs)
	}
	clock = clock.AddDate(0, 0, 1)
	runs, err = Nightly(context.Background(), config.Default(), st, w, now, nil)
	if err != nil || len(runs) != 1 || digests.Load() != 1 {
		t.Fatalf("second nightly of the week: %v %+v (digests %d)", err, runs, digests.Load())
	}
	clock = time.Date(2026, 11, 30, 2, 0, 0, 0, loc) // Monday
	if runs, _ = Nightly(context.Background(), config.Default(), st, w, now, nil); len(runs) != 2 || digests.Load() != 2 {
		t.Fatalf("Monday nightly: %+v", runs)
	}

	// A failed crawl is not checked, and the night fails with one line.
	checks := ck.calls.Load()
	w.Crawl = func(ctx context.Context, cfg *config.Config) (store.Run, error) {
		return store.Run{ID: 99, Status: store.RunFailed}, errors.New("portal unreachable:\n dial tcp: refused")
	}
	runs, err = Nightly(context.Background(), config.Default(), st, w, now, nil)
	if err == nil || ck.calls.Load() != checks || len(runs) != 1 || runs[0].Status != store.RunFailed ||
		runs[0].Note != "crawl: portal unreachable: dial tcp: refused" {
		t.Fatalf("failed crawl: %v %+v", err, runs)
	}
}

func TestNightlyRefusedWhileAnotherProcessHoldsTheStore(t *testing.T) {
	path := filepath.Join(t.TempDir(), "govaudit.db")
	st, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "GOVAUDIT_TEST_HOLD="+path)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { stdin.Close(); cmd.Wait() }()
	line, _ := bufio.NewReader(stdout).ReadString('\n')
	if strings.TrimSpace(line) != "holding" {
		t.Fatalf("holder: %q", line)
	}
	start := time.Now()
	_, err = OpenStore(path, 300*time.Millisecond)
	if err == nil || !errors.Is(err, store.ErrLocked) || !strings.HasPrefix(err.Error(), "another govaudit run holds "+path) {
		t.Fatalf("OpenStore while held = %v", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("refusal took %s", d)
	}
	stdin.Close()
	cmd.Wait()
	st, err = OpenStore(path, time.Second)
	if err != nil {
		t.Fatalf("after the holder left: %v", err)
	}
	st.Close()
}
