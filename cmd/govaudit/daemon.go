package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/govaudit/govaudit/config"
	"github.com/govaudit/govaudit/crawler"
	"github.com/govaudit/govaudit/daemon"
	"github.com/govaudit/govaudit/reports"
	"github.com/govaudit/govaudit/rules"
	"github.com/govaudit/govaudit/rules/workday"
	"github.com/govaudit/govaudit/store"
	"github.com/govaudit/govaudit/web"
)

func daemonCmd() command {
	return command{
		name:    "daemon",
		summary: "run unattended: scheduled crawl, check, digest and notice, probes, review UI, /healthz, /metrics",
		run:     runDaemon,
	}
}

func runDaemon(ctx context.Context, a *app, args []string) error {
	fs := newFlagSet(a, "daemon", "[--config FILE] [--db FILE] [--addr HOST:PORT] [--log-format text|json]\n\n"+
		"Runs the schedule of the configuration (schedule.crawl, schedule.digest, schedule.report, in\n"+
		"Asia/Shanghai time), probes the portal every probes.interval, and serves the review UI with\n"+
		"/healthz and /metrics from the same process. Runs missed while it was down are made up at\n"+
		"start-up. SIGTERM or SIGINT stops it (a running crawl is saved and marked interrupted; the next\n"+
		"run resumes it); SIGHUP reloads the configuration (a bad one is refused, the old one kept).\n"+
		"`govaudit backup FILE` copies the store while it runs.")
	sf := addStoreFlags(fs)
	addr := fs.String("addr", "", "listen address (default: web.addr of the configuration)")
	logFormat := addLogFormat(fs)
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	if err := setLogFormat(a, *logFormat); err != nil {
		return err
	}
	// SIGHUP is caught from the start, so an early one does not kill us.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)

	cfg, err := loadConfig(sf.config)
	if err != nil {
		return err
	}
	if err := daemon.CheckSchedule(cfg); err != nil {
		return configError{err}
	}
	path, err := storePath(cfg, sf.db)
	if err != nil {
		return err
	}
	st, err := daemon.OpenStore(path, 2*time.Second)
	if err != nil {
		return err
	}
	defer st.Close()

	listen := *addr
	if listen == "" {
		listen = cfg.Web.Addr
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return fmt.Errorf("daemon: %w", err)
	}
	url := endpointURL(ln.Addr())
	if tcp, ok := ln.Addr().(*net.TCPAddr); ok && !tcp.IP.IsLoopback() {
		a.log.Warn("the review UI listens beyond loopback; serve it through an HTTPS proxy", "addr", ln.Addr().String())
	}

	var tokenMu sync.Mutex
	var token string // the API token of the UI in service, for the endpoint file
	defer func() {
		tokenMu.Lock()
		defer tokenMu.Unlock()
		if token != "" {
			web.RemoveEndpoint(st.Path(), token)
		}
	}()
	// One sign-in state for every UI the daemon builds: a reload (SIGHUP)
	// replaces the UI but signs nobody out and forgets no failed sign-in.
	signIns := web.NewSignIns()
	buildWeb := func(cfg *config.Config, ops daemon.OpsPage) (http.Handler, error) {
		srv, err := web.New(web.Options{Config: cfg, Store: st, Log: a.log, SignIns: signIns})
		if err != nil {
			return nil, err
		}
		if err := srv.AddPage(web.Page{Path: ops.Path, Title: ops.Title, Template: ops.Template, Data: ops.Data}); err != nil {
			return nil, err
		}
		// The review commands (govaudit findings confirm …) find the UI's
		// API through the endpoint file while the daemon holds the store.
		if err := web.WriteEndpoint(st.Path(), web.Endpoint{URL: url, Token: srv.APIToken(), PID: os.Getpid()}); err != nil {
			return nil, err
		}
		tokenMu.Lock()
		token = srv.APIToken()
		tokenMu.Unlock()
		return srv.Handler(), nil
	}

	d, err := daemon.New(daemon.Options{
		Config:   cfg,
		Store:    st,
		Work:     newWork(a, st),
		Log:      a.log,
		Web:      buildWeb,
		Listener: ln,
		Hangup:   hup,
		Reload: func() (*config.Config, error) {
			return config.Load(cfg.Path)
		},
	})
	if err != nil {
		ln.Close()
		var ce *config.Error
		var cl config.ErrorList
		if errors.As(err, &ce) || errors.As(err, &cl) {
			return configError{err}
		}
		return err
	}
	if len(cfg.Inspectors) == 0 && cfg.Web.SSOHeader == "" && !cfg.Web.AllowViewers {
		a.log.Warn("no inspector can sign in: add one with `govaudit user add NAME`", "config", cfg.Path)
	}
	fmt.Fprintf(a.stdout, "govaudit daemon: review UI at %s, health at %s/healthz, metrics at %s/metrics\n", url, url, url)
	return d.Run(ctx)
}

// newWork wires the daemon's jobs to the crawler, the checks, the
// reports and the working-day calendar, all on the store st.
func newWork(a *app, st *store.Store) daemon.Work {
	cals := &calendars{}
	return daemon.Work{
		Crawl: func(ctx context.Context, cfg *config.Config) (store.Run, error) {
			c, err := crawler.New(cfg, st, crawler.Options{Log: a.log})
			if err != nil {
				return store.Run{}, err
			}
			return c.Run(ctx)
		},
		Check: func(ctx context.Context, cfg *config.Config, asOf time.Time) (map[string]int, error) {
			if _, err := rules.Configured(cfg); err != nil {
				return nil, fmt.Errorf("%s: %w", cfg.Path, err)
			}
			cal, err := cals.get(cfg)
			if err != nil {
				return nil, err
			}
			rep, err := rules.Check(ctx, cfg, st, cal, workday.Day(asOf))
			if err != nil {
				return nil, err
			}
			return map[string]int{"run": int(rep.RunID), "findings": rep.Findings, "new": rep.Sync.New,
				"unchanged": rep.Sync.Unchanged, "resolved": rep.Sync.Resolved, "reopened": rep.Sync.Reopened}, nil
		},
		Digest: digestWork(a, st, cals),
		Report: reportWork(a, st),
		IsWorkday: func(cfg *config.Config, day time.Time) (bool, error) {
			cal, err := cals.get(cfg)
			if err != nil {
				return false, err
			}
			return cal.IsWorkday(day)
		},
	}
}

// calendars keeps the working-day calendar of the configuration in force
// (rebuilt when a reload brings another configuration).
type calendars struct {
	mu  sync.Mutex
	cfg *config.Config
	cal *workday.Calendar
}

func (c *calendars) get(cfg *config.Config) (*workday.Calendar, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cfg == cfg && c.cal != nil {
		return c.cal, nil
	}
	cal, err := buildCalendar(cfg, nil)
	if err != nil {
		return nil, err
	}
	c.cfg, c.cal = cfg, cal
	return cal, nil
}

// addLogFormat registers --log-format on fs.
func addLogFormat(fs interface {
	String(name, value, usage string) *string
}) *string {
	return fs.String("log-format", os.Getenv("GOVAUDIT_LOG_FORMAT"), "log format: text or json (default $GOVAUDIT_LOG_FORMAT, else text)")
}

// setLogFormat replaces the app's logger by one of the given format.
func setLogFormat(a *app, format string) error {
	switch format {
	case "", "text", "json":
		a.log = newLogger(a.stderr, format)
		return nil
	}
	return usageError{fmt.Errorf("--log-format %q: use text or json", format)}
}

// digestWork returns the weekly digest job: the checks' early warnings and
// the week's new drafts, mailed to every unit (and the summary to
// mail.office). Mails already sent this week are not sent again.
func digestWork(a *app, st *store.Store, cals *calendars) func(ctx context.Context, cfg *config.Config, asOf time.Time) (map[string]int, error) {
	return func(ctx context.Context, cfg *config.Config, asOf time.Time) (map[string]int, error) {
		if cfg.Mail.Host == "" {
			return nil, fmt.Errorf("%s: mail.host is not set: the weekly digest cannot be sent", cfg.Path)
		}
		smtp, err := reports.SMTPFromConfig(cfg.Mail, os.Getenv)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", cfg.Path, err)
		}
		cal, err := cals.get(cfg)
		if err != nil {
			return nil, err
		}
		day := workday.Day(asOf)
		week := reports.WeekOf(day)
		d, err := buildDigest(ctx, cfg, st, cal, week, day)
		if err != nil {
			return nil, err
		}
		ms, err := d.Messages(cfg.Mail.Office)
		if err != nil {
			return nil, err
		}
		res, err := reports.Send(ctx, smtp, st, week, ms.List, time.Now)
		figs := map[string]int{"units": len(d.Units), "sent": len(res.Sent), "skipped": len(res.Skipped),
			"failed": len(res.Failed), "no_address": len(ms.NoAddress)}
		return figs, errors.Join(err, res.Err())
	}
}

// reportWork returns the quarterly notice job: the notice of the quarter
// in HTML, XLSX and CSV, written to the "reports" directory next to the
// store. Drafts are not counted; `govaudit report` writes it again once
// they are reviewed.
func reportWork(a *app, st *store.Store) func(ctx context.Context, cfg *config.Config, quarter string, asOf time.Time) (map[string]int, error) {
	return func(ctx context.Context, cfg *config.Config, quarter string, asOf time.Time) (map[string]int, error) {
		p, err := reports.ParseQuarter(quarter)
		if err != nil {
			return nil, err
		}
		n, err := buildNotice(ctx, cfg, st, p, asOf)
		if err != nil {
			return nil, err
		}
		dir := filepath.Join(filepath.Dir(st.Path()), "reports")
		paths, err := reports.WriteFiles(dir, n, []string{"html", "xlsx", "csv"})
		if err != nil {
			return nil, err
		}
		a.log.Info("quarterly notice written", "quarter", quarter, "files", paths, "drafts_not_counted", n.Drafts)
		return map[string]int{"units": len(n.Rows), "files": len(paths), "drafts": n.Drafts}, nil
	}
}
