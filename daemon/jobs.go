package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"strings"
	"time"

	"github.com/govaudit/govaudit/config"
	"github.com/govaudit/govaudit/store"
)

// Work is what the jobs do. cmd/govaudit wires it to the crawler, the
// checks, the reports and the working-day calendar; tests give fakes.
// A nil step is left out (its job is not scheduled).
type Work struct {
	// Crawl crawls the portal and returns the crawler's own run (kind
	// "crawl"). Canceled, it stops, saves what it has, marks its run
	// interrupted and returns; the next Crawl resumes it.
	Crawl func(ctx context.Context, cfg *config.Config) (store.Run, error)
	// Check runs the checks as of asOf and returns their figures
	// (new, unchanged, resolved …).
	Check func(ctx context.Context, cfg *config.Config, asOf time.Time) (map[string]int, error)
	// Digest sends the weekly digest as of asOf and returns its figures
	// (mails sent …). It must not send the same week twice.
	Digest func(ctx context.Context, cfg *config.Config, asOf time.Time) (map[string]int, error)
	// Report writes the quarterly notice (通报) of quarter ("2026Q3").
	Report func(ctx context.Context, cfg *config.Config, quarter string, asOf time.Time) (map[string]int, error)
	// IsWorkday tells working days (rules/workday); nil means Monday to
	// Friday.
	IsWorkday func(cfg *config.Config, day time.Time) (bool, error)
}

// Record runs fn as one run of kind: it stores a "running" store.Run,
// lets fn fill in its figures, then stores the outcome (ok, failed, or
// interrupted when ctx was canceled) with a one-line note. A panic in fn
// is recorded as a failure and then re-raised. It returns the final run
// and fn's error.
func Record(ctx context.Context, st *store.Store, kind string, now func() time.Time, fn func(ctx context.Context, rec *store.Run) error) (rec store.Run, err error) {
	rec, err = st.StartRun(kind, now())
	if err != nil {
		return rec, fmt.Errorf("record %s run: %w", kind, err)
	}
	finish := func(ferr error) {
		rec.EndedAt = now()
		switch {
		case ferr == nil:
			rec.Status, rec.Note = store.RunOK, ""
		case ctx.Err() != nil:
			rec.Status, rec.Note = store.RunInterrupted, oneLine(ferr)
		default:
			rec.Status, rec.Note = store.RunFailed, oneLine(ferr)
		}
		if serr := st.SaveRun(rec); serr != nil {
			err = errors.Join(ferr, fmt.Errorf("save %s run %d: %w", kind, rec.ID, serr))
		}
	}
	defer func() {
		if r := recover(); r != nil {
			finish(fmt.Errorf("panic: %v", r))
			panic(r)
		}
	}()
	err = fn(ctx, &rec)
	finish(err)
	return rec, err
}

// oneLine shortens an error to one line of at most 300 bytes.
func oneLine(err error) string {
	s := strings.Join(strings.Fields(err.Error()), " ")
	if len(s) > 300 {
		cut := 297
		for cut > 0 && s[cut]&0xC0 == 0x80 { // do not split a UTF-8 sequence
			cut--
		}
		s = s[:cut] + "..."
	}
	return s
}

// nightly crawls, then checks. A crawl that failed or was interrupted is
// not checked: a failed crawl never turns into deductions. The crawl's
// figures are copied into rec.
func (w Work) nightly(ctx context.Context, cfg *config.Config, asOf time.Time, rec *store.Run) error {
	if w.Crawl == nil || w.Check == nil {
		return errors.New("nightly: crawl or check not wired")
	}
	cr, err := w.Crawl(ctx, cfg)
	copyCrawl(rec, cr)
	if err != nil {
		return fmt.Errorf("crawl: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("crawl interrupted: %w", err)
	}
	switch cr.Status {
	case store.RunInterrupted:
		return fmt.Errorf("crawl run %d interrupted: %s", cr.ID, cr.Note)
	case store.RunFailed:
		return fmt.Errorf("crawl run %d failed: %s", cr.ID, cr.Note)
	}
	figs, err := w.Check(ctx, cfg, asOf)
	for k, v := range figs {
		rec.Figures["check_"+k] = v
	}
	if err != nil {
		return fmt.Errorf("check: %w", err)
	}
	return nil
}

// copyCrawl copies a crawl run's figures into the nightly run.
func copyCrawl(rec *store.Run, cr store.Run) {
	rec.Pages, rec.Requests, rec.NotModified, rec.Parsed = cr.Pages, cr.Requests, cr.NotModified, cr.Parsed
	rec.Bytes, rec.Items, rec.Attachments, rec.Letters = cr.Bytes, cr.Items, cr.Attachments, cr.Letters
	rec.Errors = maps.Clone(cr.Errors)
	rec.Families = maps.Clone(cr.Families)
	if rec.Figures == nil {
		rec.Figures = map[string]int{}
	}
	if cr.ID != 0 {
		rec.Figures["crawl_run"] = int(cr.ID)
	}
}

// weekStart returns Monday 00:00 of t's week in loc.
func weekStart(t time.Time, loc *time.Location) time.Time {
	t = t.In(loc)
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
	back := (int(day.Weekday()) + 6) % 7 // Monday 0 … Sunday 6
	return day.AddDate(0, 0, -back)
}

// lastDone returns the start of the newest run of kind that finished ok
// (or failed, when failed is true), scanning the latest 50 runs.
func lastDone(st *store.Store, kind string, failedCounts bool) (time.Time, bool, error) {
	runs, err := st.Runs(kind, 50)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("read %s runs: %w", kind, err)
	}
	for _, r := range runs {
		if r.Status == store.RunOK || (failedCounts && r.Status == store.RunFailed) {
			return r.StartedAt, true, nil
		}
	}
	return time.Time{}, false, nil
}

// DigestDue reports whether the weekly digest is due at now: no digest
// run has finished ok since Monday 00:00 of now's week (Asia/Shanghai).
func DigestDue(st *store.Store, now time.Time) (bool, error) {
	at, ok, err := lastDone(st, JobDigest, false)
	if err != nil || !ok {
		return err == nil, err
	}
	return at.Before(weekStart(now, Location())), nil
}

// NoticeDay returns the first working day after the quarter that ended
// last before now's day, and that quarter ("2026Q3"). On 2026-10-12 it
// is 2026-10-09 (after National Day) and 2026Q3.
func NoticeDay(now time.Time, isWorkday func(time.Time) (bool, error)) (time.Time, string, error) {
	loc := Location()
	t := now.In(loc)
	qStart := time.Date(t.Year(), time.Month((int(t.Month())-1)/3*3+1), 1, 0, 0, 0, 0, loc)
	prev := qStart.AddDate(0, -3, 0)
	quarter := fmt.Sprintf("%dQ%d", prev.Year(), (int(prev.Month())-1)/3+1)
	day := qStart
	for i := 0; i < 40; i++ {
		ok, err := isWorkday(day)
		if err != nil {
			return time.Time{}, quarter, fmt.Errorf("is %s a working day: %w", day.Format(time.DateOnly), err)
		}
		if ok {
			return day, quarter, nil
		}
		day = day.AddDate(0, 0, 1)
	}
	return time.Time{}, quarter, fmt.Errorf("no working day in the 40 days from %s", qStart.Format(time.DateOnly))
}

// weekdays is the fallback calendar: Monday to Friday.
func weekdays(d time.Time) (bool, error) {
	wd := d.Weekday()
	return wd != time.Saturday && wd != time.Sunday, nil
}

// ReportDue reports whether the quarterly notice is due at now: now is on
// or after the first working day after the last quarter ended, and no
// report run has finished ok since that day. It returns that quarter.
func ReportDue(st *store.Store, now time.Time, isWorkday func(time.Time) (bool, error)) (bool, string, error) {
	if isWorkday == nil {
		isWorkday = weekdays
	}
	day, quarter, err := NoticeDay(now, isWorkday)
	if err != nil {
		return false, quarter, err
	}
	if now.Before(day) {
		return false, quarter, nil
	}
	at, ok, err := lastDone(st, JobReport, false)
	if err != nil {
		return false, quarter, err
	}
	return !ok || at.Before(day), quarter, nil
}

// Nightly does one night's work for `govaudit nightly`: crawl and check
// (recorded as a "nightly" run), then the weekly digest when it is due
// (recorded as a "digest" run). It returns the runs recorded and the
// first failure.
func Nightly(ctx context.Context, cfg *config.Config, st *store.Store, w Work, now func() time.Time, log *slog.Logger) ([]store.Run, error) {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var runs []store.Run
	asOf := now()
	rec, err := Record(ctx, st, JobNightly, now, func(ctx context.Context, rec *store.Run) error {
		return w.nightly(ctx, cfg, asOf, rec)
	})
	if rec.ID != 0 {
		runs = append(runs, rec)
	}
	logRun(log, rec, err)
	if err != nil {
		return runs, err
	}
	if w.Digest == nil {
		return runs, nil
	}
	due, err := DigestDue(st, now())
	if err != nil {
		return runs, err
	}
	if !due {
		log.Info("weekly digest already sent this week")
		return runs, nil
	}
	rec, err = Record(ctx, st, JobDigest, now, func(ctx context.Context, rec *store.Run) error {
		figs, err := w.Digest(ctx, cfg, now())
		rec.Figures = figs
		return err
	})
	if rec.ID != 0 {
		runs = append(runs, rec)
	}
	logRun(log, rec, err)
	if err != nil {
		return runs, fmt.Errorf("digest: %w", err)
	}
	return runs, nil
}

// logRun writes one line about a finished run.
func logRun(log *slog.Logger, r store.Run, err error) {
	attrs := []any{"job", r.Kind, "run", r.ID, "status", r.Status,
		"duration", r.EndedAt.Sub(r.StartedAt).Round(time.Millisecond)}
	if r.Pages > 0 {
		attrs = append(attrs, "pages", r.Pages)
	}
	for k, v := range r.Figures {
		attrs = append(attrs, k, v)
	}
	switch {
	case err == nil:
		log.Info("job done", attrs...)
	case r.Status == store.RunInterrupted:
		log.Warn("job interrupted", append(attrs, "err", err)...)
	default:
		log.Error("job failed", append(attrs, "err", err)...)
	}
}

// OpenStore opens the store for a run (`govaudit nightly`, the daemon).
// When another process holds it, it fails within wait with an error that
// says so: "another govaudit run holds <file>" (wrapping store.ErrLocked).
func OpenStore(path string, wait time.Duration) (*store.Store, error) {
	st, err := store.Open(path, store.Options{Timeout: wait})
	if errors.Is(err, store.ErrLocked) {
		return nil, fmt.Errorf("another govaudit run holds %s: %w", path, store.ErrLocked)
	}
	return st, err
}
