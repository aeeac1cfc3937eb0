// Package daemon runs govaudit unattended: a scheduler (robfig/cron, in
// Asia/Shanghai time) for the nightly crawl and check, the weekly digest
// and the quarterly notice; availability probes; the review UI, /healthz
// and /metrics from the same process (bbolt admits one writer). Missed
// runs are made up at start-up; SIGTERM stops taking work and lets the
// running job save and mark itself interrupted; SIGHUP reloads the
// configuration.
//
// The work itself (crawl, check, digest, report) is given as functions in
// Work, so that this package depends on the store alone and its tests run
// with fake jobs; cmd/govaudit wires the real ones.
package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/govaudit/govaudit/config"
	"github.com/govaudit/govaudit/probe"
	"github.com/govaudit/govaudit/store"
	"github.com/govaudit/govaudit/web"
)

// Options configure a Daemon.
type Options struct {
	Config *config.Config // required
	Store  *store.Store   // required, open read-write
	Work   Work
	Log    *slog.Logger     // nil: discard
	Now    func() time.Time // nil: time.Now
	// Web builds the review UI for a configuration (again on reload);
	// ops describes the daemon's operations page for the UI to add. Nil
	// serves only /healthz and /metrics.
	Web func(cfg *config.Config, ops OpsPage) (http.Handler, error)
	// Reload reads the configuration again (on SIGHUP).
	Reload func() (*config.Config, error)
	// Hangup delivers the reload signal (signal.Notify(ch, syscall.SIGHUP)).
	Hangup <-chan os.Signal
	// Listener serves HTTP; nil listens on Addr, or cfg.Web.Addr.
	Listener net.Listener
	// HTTPTimeouts are the HTTP server's timeouts; zero fields take
	// web.DefaultTimeouts.
	HTTPTimeouts web.Timeouts
	Addr         string
	// AdminSocket is the path of a Unix socket (mode 0600) that serves
	// GET /backup to `govaudit backup` while the daemon holds the store.
	// Empty: BackupSocket(store path); "-": none.
	AdminSocket string
	// ProbeClient makes the probes' requests; nil: a client of their own.
	ProbeClient *http.Client
	// ProbeRetention is how long probes are kept (default 400 days).
	ProbeRetention time.Duration
	// ShutdownGrace bounds the wait for a running job after a stop
	// signal (default 2 minutes).
	ShutdownGrace time.Duration
}

// BackupSocket returns the default admin socket path of a store file.
func BackupSocket(storePath string) string { return storePath + ".sock" }

// Daemon is the scheduler with its web server. Create it with New and
// start it with Run.
type Daemon struct {
	opt     Options
	st      *store.Store
	log     *slog.Logger
	now     func() time.Time
	loc     *time.Location
	metrics *metrics

	cfg atomic.Pointer[config.Config]
	web atomic.Pointer[http.Handler]

	mu      sync.Mutex
	cron    *cron.Cron
	jobs    map[string]*job // by name
	entries []cron.EntryID
	ctx     context.Context // the jobs' context, set by Run
	wg      sync.WaitGroup  // jobs started outside cron (catch-up)

	lastPrune atomic.Int64
	lastRound atomic.Pointer[[]store.Probe]
}

// job is one named job with its wrapped (skip-if-running, recover)
// cron.Job, which survives reschedules.
type job struct {
	name    string
	spec    string
	gated   bool
	wrapped cron.Job
	running atomic.Pointer[store.Run]
	entry   cron.EntryID
}

// New checks the configuration's schedule (a bad spec is a *config.Error
// with its line) and builds the daemon and its web UI.
func New(opt Options) (*Daemon, error) {
	if opt.Config == nil || opt.Store == nil {
		return nil, errors.New("daemon: Config and Store are required")
	}
	entries, err := Schedule(opt.Config)
	if err != nil {
		return nil, err
	}
	d := &Daemon{opt: opt, st: opt.Store, log: opt.Log, now: opt.Now, loc: Location(), jobs: map[string]*job{}}
	if d.log == nil {
		d.log = slog.New(slog.DiscardHandler)
	}
	if d.now == nil {
		d.now = time.Now
	}
	if d.opt.ProbeRetention <= 0 {
		d.opt.ProbeRetention = 400 * 24 * time.Hour
	}
	if d.opt.ShutdownGrace <= 0 {
		d.opt.ShutdownGrace = 2 * time.Minute
	}
	d.metrics = newMetrics(d.st, d.log)
	d.cfg.Store(opt.Config)
	if err := d.buildWeb(opt.Config); err != nil {
		return nil, err
	}
	d.cron = cron.New(cron.WithLocation(d.loc), cron.WithLogger(cronLogger{log: d.log}))
	for _, e := range entries {
		if !d.wired(e.Job) {
			d.log.Info("job not wired; not scheduled", "job", e.Job)
			continue
		}
		j := &job{name: e.Job}
		l := cronLogger{log: d.log, job: e.Job, skipped: d.metrics.skipped.WithLabelValues(e.Job)}
		// SkipIfStillRunning outside, Recover inside: a panic is logged and
		// the job becomes runnable again.
		j.wrapped = cron.NewChain(cron.SkipIfStillRunning(l), cron.Recover(l)).Then(cron.FuncJob(func() { d.runJob(j) }))
		d.jobs[e.Job] = j
		d.metrics.running.WithLabelValues(e.Job).Set(0)
		if r, ok, err := d.st.LastRun(e.Job); err == nil && ok {
			d.metrics.finished(e.Job, r, false)
		}
	}
	d.schedule(entries)
	return d, nil
}

// wired reports whether the work of job is given.
func (d *Daemon) wired(name string) bool {
	w := d.opt.Work
	switch name {
	case JobNightly:
		return w.Crawl != nil && w.Check != nil
	case JobDigest:
		return w.Digest != nil
	case JobReport:
		return w.Report != nil
	}
	return true
}

// schedule (re)places the cron entries of the jobs by entries.
func (d *Daemon) schedule(entries []Entry) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, id := range d.entries {
		d.cron.Remove(id)
	}
	d.entries = d.entries[:0]
	for _, e := range entries {
		j := d.jobs[e.Job]
		if j == nil {
			continue
		}
		j.spec, j.gated = e.Spec, e.Gated
		j.entry = d.cron.Schedule(e.Schedule, j.wrapped)
		d.entries = append(d.entries, j.entry)
		d.log.Info("scheduled", "job", e.Job, "spec", e.Spec, "zone", d.loc.String())
	}
}

// Config returns the configuration in force.
func (d *Daemon) Config() *config.Config { return d.cfg.Load() }

// Run starts the web server and the scheduler, makes up missed runs, and
// runs until ctx is canceled (SIGTERM, SIGINT); then it stops scheduling,
// lets the running jobs see the cancellation and finish (recording
// themselves interrupted), and shuts the web server down. It does not
// close the store.
func (d *Daemon) Run(ctx context.Context) error {
	jobs, cancelJobs := context.WithCancelCause(ctx)
	defer cancelJobs(nil)
	d.mu.Lock()
	d.ctx = jobs
	d.mu.Unlock()

	ln := d.opt.Listener
	if ln == nil {
		addr := d.opt.Addr
		if addr == "" {
			addr = d.cfg.Load().Web.Addr
		}
		var err error
		if ln, err = net.Listen("tcp", addr); err != nil {
			return fmt.Errorf("listen on %s: %w", addr, err)
		}
	}
	srv := web.NewHTTPServer(d.Handler(), d.opt.HTTPTimeouts, d.log)
	serveErr := make(chan error, 2)
	go func() { serveErr <- srv.Serve(ln) }()
	d.log.Info("daemon started", "addr", ln.Addr().String(), "store", d.st.Path(), "config", d.cfg.Load().Path)

	admin, err := d.listenAdmin()
	if err != nil {
		d.log.Warn("no backup socket; `govaudit backup` cannot copy the store while the daemon runs", "err", err)
	}
	if admin != nil {
		go func() { serveErr <- admin.srv.Serve(admin.ln) }()
	}

	d.cron.Start()
	if j := d.jobs[JobProbe]; j != nil {
		d.wg.Add(1)
		go func() {
			defer d.wg.Done()
			j.wrapped.Run() // a first round now, not after an interval
		}()
	}
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		d.catchUp(jobs)
	}()

	var runErr error
loop:
	for {
		select {
		case <-ctx.Done():
			d.log.Info("stopping: no new runs; waiting for running jobs", "cause", context.Cause(ctx))
			break loop
		case <-d.opt.Hangup:
			d.reload()
		case err := <-serveErr:
			if !errors.Is(err, http.ErrServerClosed) {
				runErr = fmt.Errorf("web server: %w", err)
				d.log.Error("web server failed; stopping", "err", err)
				break loop
			}
		}
	}
	stopped := d.cron.Stop()
	cancelJobs(errors.New("daemon stopping"))
	waited := make(chan struct{})
	go func() {
		<-stopped.Done()
		d.wg.Wait()
		close(waited)
	}()
	select {
	case <-waited:
	case <-time.After(d.opt.ShutdownGrace):
		runErr = errors.Join(runErr, fmt.Errorf("jobs still running after %s: %v", d.opt.ShutdownGrace, d.runningJobs()))
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		runErr = errors.Join(runErr, fmt.Errorf("shut down web server: %w", err))
	}
	if admin != nil {
		admin.srv.Shutdown(sctx)
		os.Remove(admin.path)
	}
	d.log.Info("daemon stopped")
	return runErr
}

// runningJobs lists the jobs running now.
func (d *Daemon) runningJobs() []string {
	var names []string
	for name, j := range d.jobs {
		if j.running.Load() != nil {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return names
}

// jobCtx returns the jobs' context (Run's).
func (d *Daemon) jobCtx() context.Context {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.ctx == nil {
		return context.Background()
	}
	return d.ctx
}

// runJob runs one activation of j (called through j.wrapped).
func (d *Daemon) runJob(j *job) {
	ctx := d.jobCtx()
	if ctx.Err() != nil {
		return // stopping: take no new work
	}
	cfg := d.cfg.Load()
	if j.name == JobProbe {
		d.probeRound(ctx, cfg)
		return
	}
	now := d.now()
	var quarter string
	if j.name == JobReport && j.gated {
		due, q, err := ReportDue(d.st, now, d.isWorkday(cfg))
		if err != nil {
			d.log.Error("cannot tell whether the quarterly notice is due", "err", err)
		}
		if !due {
			return
		}
		quarter = q
	} else if j.name == JobReport {
		_, quarter, _ = NoticeDay(now, weekdays)
	}
	var fn func(ctx context.Context, rec *store.Run) error
	switch j.name {
	case JobNightly:
		fn = func(ctx context.Context, rec *store.Run) error { return d.opt.Work.nightly(ctx, cfg, now, rec) }
	case JobDigest:
		fn = func(ctx context.Context, rec *store.Run) error {
			figs, err := d.opt.Work.Digest(ctx, cfg, now)
			rec.Figures = figs
			return err
		}
	case JobReport:
		fn = func(ctx context.Context, rec *store.Run) error {
			figs, err := d.opt.Work.Report(ctx, cfg, quarter, now)
			rec.Figures = figs
			if rec.Figures == nil {
				rec.Figures = map[string]int{}
			}
			return err
		}
	default:
		return
	}
	d.log.Info("job starting", "job", j.name)
	defer j.running.Store(nil)
	rec, err := Record(ctx, d.st, j.name, d.now, func(ctx context.Context, rec *store.Run) error {
		r := *rec
		j.running.Store(&r)
		d.metrics.started(j.name, r)
		return fn(ctx, rec)
	})
	d.metrics.finished(j.name, rec, true)
	logRun(d.log, rec, err)
}

// isWorkday returns the working-day test for cfg.
func (d *Daemon) isWorkday(cfg *config.Config) func(time.Time) (bool, error) {
	if d.opt.Work.IsWorkday == nil {
		return weekdays
	}
	return func(t time.Time) (bool, error) { return d.opt.Work.IsWorkday(cfg, t) }
}

// catchUp runs, in order, the jobs whose previous activation passed since
// their last finished run (the server was off or the daemon stopped). The
// nightly job also runs when it never ran; the gated report job checks
// whether the quarterly notice is due.
func (d *Daemon) catchUp(ctx context.Context) {
	defer d.log.Debug("catch-up done")
	now := d.now().In(d.loc)
	for _, name := range []string{JobNightly, JobDigest, JobReport} {
		if ctx.Err() != nil {
			return
		}
		j := d.jobs[name]
		if j == nil {
			continue
		}
		missed, why, err := d.missed(j, now)
		if err != nil {
			d.log.Error("catch-up: cannot read the last runs", "job", name, "err", err)
			continue
		}
		if !missed {
			continue
		}
		d.log.Info("catch-up: making up a missed run", "job", name, "why", why)
		j.wrapped.Run()
	}
}

// missed reports whether j missed an activation before now.
func (d *Daemon) missed(j *job, now time.Time) (bool, string, error) {
	if j.name == JobReport && j.gated {
		return true, "checking whether the quarterly notice is due", nil
	}
	d.mu.Lock()
	sched := d.cron.Entry(j.entry).Schedule
	d.mu.Unlock()
	if sched == nil {
		return false, "", nil
	}
	prev, ok := previous(sched, now)
	if !ok {
		return false, "", nil
	}
	last, done, err := lastDone(d.st, j.name, true)
	if err != nil {
		return false, "", err
	}
	switch {
	case !done && j.name == JobNightly:
		return true, "no finished run yet", nil
	case !done:
		return false, "", nil
	case last.Before(prev):
		return true, fmt.Sprintf("last finished run started %s, before the scheduled %s",
			last.In(d.loc).Format(time.DateTime), prev.Format(time.DateTime)), nil
	}
	return false, "", nil
}

// reload reads the configuration again and applies it: schedule, web UI,
// probes, job settings. A bad configuration is refused and the old one
// kept.
func (d *Daemon) reload() {
	if d.opt.Reload == nil {
		d.log.Warn("SIGHUP: no way to reload the configuration")
		return
	}
	cfg, err := d.opt.Reload()
	if err == nil {
		var entries []Entry
		entries, err = Schedule(cfg)
		if err == nil {
			err = d.buildWeb(cfg)
		}
		if err == nil {
			old := d.cfg.Swap(cfg)
			d.schedule(entries)
			if cfg.Web.Addr != old.Web.Addr && d.opt.Listener == nil && d.opt.Addr == "" {
				d.log.Warn("web.addr changed; restart the daemon to listen on it", "addr", old.Web.Addr, "new", cfg.Web.Addr)
			}
			if cfg.Store.Path != old.Store.Path {
				d.log.Warn("store.path changed; restart the daemon to use it", "store", d.st.Path())
			}
			d.log.Info("configuration reloaded", "config", cfg.Path)
			return
		}
	}
	d.log.Error("configuration reload refused; keeping the old configuration", "err", err)
}

// buildWeb builds the UI for cfg and puts it in service.
func (d *Daemon) buildWeb(cfg *config.Config) error {
	var h http.Handler = http.NotFoundHandler()
	if d.opt.Web != nil {
		var err error
		if h, err = d.opt.Web(cfg, d.opsPage()); err != nil {
			return fmt.Errorf("web UI: %w", err)
		}
	}
	d.web.Store(&h)
	return nil
}

// Handler returns the daemon's HTTP handler: /healthz, /metrics and the
// review UI.
func (d *Daemon) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", d.healthz)
	mux.Handle("GET /metrics", d.metrics.handler())
	mux.Handle("/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		(*d.web.Load()).ServeHTTP(w, r)
	}))
	return mux
}

// probeRound probes every target once, records the probes, updates the
// metrics, and prunes old probes once a day.
func (d *Daemon) probeRound(ctx context.Context, cfg *config.Config) {
	targets := probe.Targets(cfg)
	if len(targets) == 0 {
		return
	}
	p := &probe.Prober{Client: d.opt.ProbeClient, Timeout: cfg.Probes.Timeout, UserAgent: cfg.Site.Crawl.UserAgent,
		Now: d.now, Log: d.log}
	ps := p.Round(ctx, targets)
	if len(ps) == 0 {
		return
	}
	if err := d.st.AddProbes(ps); err != nil {
		d.log.Error("record probes", "err", err)
		return
	}
	d.lastRound.Store(&ps)
	now := d.now()
	week, err := probe.WeekOf(d.st, now)
	if err != nil {
		d.log.Error("summarize probes", "err", err)
	}
	d.metrics.probed(ps, week)
	if last := d.lastPrune.Load(); now.Unix()-last > 24*3600 {
		d.lastPrune.Store(now.Unix())
		n, err := d.st.PruneProbes(now.Add(-d.opt.ProbeRetention))
		if err != nil {
			d.log.Error("prune probes", "err", err)
		} else if n > 0 {
			d.log.Info("pruned old probes", "deleted", n, "retention", d.opt.ProbeRetention)
		}
	}
}

// cronLogger sends robfig/cron's log to slog and counts skips.
type cronLogger struct {
	log     *slog.Logger
	job     string
	skipped interface{ Inc() }
}

// Info implements cron.Logger.
func (l cronLogger) Info(msg string, kv ...any) {
	if msg == "skip" {
		if l.skipped != nil {
			l.skipped.Inc()
		}
		l.log.Warn("previous run still going; this activation is skipped", "job", l.job)
		return
	}
	l.log.Debug("cron: "+msg, append([]any{"job", l.job}, kv...)...)
}

// Error implements cron.Logger.
func (l cronLogger) Error(err error, msg string, kv ...any) {
	l.log.Error("cron: "+msg, append([]any{"job", l.job, "err", err}, kv...)...)
}
