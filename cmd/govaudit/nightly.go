package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/govaudit/govaudit/daemon"
	"github.com/govaudit/govaudit/store"
)

func nightlyCmd() command {
	return command{
		name:    "nightly",
		summary: "one night's work for cron or a systemd timer: crawl, check, and the weekly digest when due",
		run:     runNightly,
	}
}

func runNightly(ctx context.Context, a *app, args []string) error {
	fs := newFlagSet(a, "nightly", "[--config FILE] [--db FILE] [--no-digest] [--log-format text|json]\n\n"+
		"Crawls, checks, and sends the weekly digest when it is due (on Monday, or later in the\n"+
		"week if it was not sent yet). Every step is recorded as a run (govaudit runs). Exits 0,\n"+
		"or 1 with a one-line reason. If another govaudit run (the daemon, serve, an earlier\n"+
		"nightly) holds the store, it says so and exits 1 at once.")
	sf := addStoreFlags(fs)
	noDigest := fs.Bool("no-digest", false, "do not send the weekly digest")
	logFormat := addLogFormat(fs)
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	if err := setLogFormat(a, *logFormat); err != nil {
		return err
	}
	cfg, err := loadConfig(sf.config)
	if err != nil {
		return err
	}
	path, err := storePath(cfg, sf.db)
	if err != nil {
		return err
	}
	st, err := daemon.OpenStore(path, 2*time.Second)
	if err != nil {
		if errors.Is(err, store.ErrLocked) {
			return errors.New(strings.TrimSuffix(err.Error(), ": "+store.ErrLocked.Error()))
		}
		return err
	}
	defer st.Close()
	w := newWork(a, st)
	switch {
	case *noDigest:
		w.Digest = nil
	case cfg.Mail.Host == "":
		w.Digest = nil
		a.log.Info("mail.host is not set: no weekly digest", "config", cfg.Path)
	}
	runs, err := daemon.Nightly(ctx, cfg, st, w, time.Now, a.log)
	for _, r := range runs {
		fmt.Fprintln(a.stdout, runLine(r))
	}
	if err != nil {
		return errors.New(oneLineErr(err))
	}
	return nil
}

// runLine sums a run up in one line.
func runLine(r store.Run) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s #%d %s，用时 %s", r.Kind, r.ID, r.Status, r.EndedAt.Sub(r.StartedAt).Round(time.Second))
	if r.Pages > 0 {
		fmt.Fprintf(&b, "，页面 %d", r.Pages)
	}
	for _, k := range []string{"check_findings", "check_new", "check_resolved", "sent", "skipped", "failed"} {
		if v, ok := r.Figures[k]; ok {
			fmt.Fprintf(&b, "，%s %d", k, v)
		}
	}
	if r.Note != "" {
		fmt.Fprintf(&b, "（%s）", r.Note)
	}
	return b.String()
}

// oneLineErr flattens an error to one line.
func oneLineErr(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}
