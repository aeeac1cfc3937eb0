package rules

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/govaudit/govaudit/config"
	"github.com/govaudit/govaudit/probe"
	"github.com/govaudit/govaudit/rules/workday"
	"github.com/govaudit/govaudit/store"
)

// Report is the outcome of Check: the evaluation and what the store did
// with it.
type Report struct {
	RunID  uint64
	AsOf   time.Time
	Since  time.Time
	Checks []Summary // every check in Defs order, with New/Unchanged/Resolved
	// Findings is the number of findings of this evaluation.
	Findings int
	Sync     store.SyncResult
	// Coverage is what the latest crawl read of each configured column.
	Coverage []ColumnCoverage
	// Verdict is the site's national verdict of asOf's week (issue 15).
	Verdict store.VerdictRecord
}

// LoadInput reads the items, letters and source states of st into an
// Input; pages are looked up in st as the checks need them.
//
// Only what the portal still lists is judged: an item (a letter) whose
// column (mailbox) was audited by its latest crawl but that crawl did not
// list it has been taken off the portal and is left out, so its findings
// resolve. What a crawl listed is its store.Listed record (the crawler
// does not rewrite the records of unchanged entries, so their RunID is
// older); a source without one, written by an older crawler, falls back
// to the record's RunID being the source state's. Two exceptions keep
// the item: a walk cut by the page cap (Truncated) cannot tell a removed
// item from one beyond the cut, and a source that was not audited says
// nothing about its items (their findings are kept anyway).
func LoadInput(ctx context.Context, cfg *config.Config, st *store.Store, cal *workday.Calendar) (Input, error) {
	in := Input{Config: cfg, Calendar: cal}
	var err error
	if in.Sources, err = st.Sources(); err != nil {
		return Input{}, fmt.Errorf("read source states: %w", err)
	}
	listedBy := listedJudged(in.Sources)
	listed, err := st.AllListed()
	if err != nil {
		return Input{}, fmt.Errorf("read listings: %w", err)
	}
	stale := func(key, url string, runID uint64) bool {
		s, ok := listedBy[key]
		if !ok {
			return false
		}
		l, hasL := listed[key]
		return leftOut(s, l, hasL, url, runID)
	}
	err = st.EachItem(func(it store.Item) error {
		if !stale(store.SourceColumn+":"+it.Column, it.URL, it.RunID) {
			in.Items = append(in.Items, it)
		}
		return ctx.Err()
	})
	if err != nil {
		return Input{}, fmt.Errorf("read items: %w", err)
	}
	err = st.EachLetter(func(l store.Letter) error {
		if !stale(store.SourceMailbox+":"+l.Mailbox, l.URL, l.RunID) {
			in.Letters = append(in.Letters, l)
		}
		return ctx.Err()
	})
	if err != nil {
		return Input{}, fmt.Errorf("read letters: %w", err)
	}
	in.Page = st.Page
	in.Pages = st.Pages
	in.Snapshot = st.Snapshot
	in.Text = st.Text
	if in.Notified, err = st.NoticeEntries(); err != nil {
		return Input{}, fmt.Errorf("read notice records: %w", err)
	}
	if in.Contents, err = st.Contents(); err != nil {
		return Input{}, err
	}
	return in, nil
}

// Check evaluates the enabled checks over the store as of asOf, merges
// the findings into the store (new ones become drafts, drafts whose
// condition has gone are resolved, findings of sources that were not
// audited are kept as they are) and records a run of kind "check".
func Check(ctx context.Context, cfg *config.Config, st *store.Store, cal *workday.Calendar, asOf time.Time) (Report, error) {
	run, err := st.StartRun("check", time.Now())
	if err != nil {
		return Report{}, fmt.Errorf("start check run: %w", err)
	}
	rep, err := check(ctx, cfg, st, cal, asOf)
	rep.RunID = run.ID
	run.EndedAt = time.Now()
	run.Status = "ok"
	if err != nil {
		run.Status = "failed"
		if ctx.Err() != nil {
			run.Status = "interrupted"
		}
		run.Note = err.Error()
	} else {
		run.Figures = reportFigures(rep)
		run.Note = "as of " + rep.AsOf.Format(dateLayout)
	}
	if serr := st.SaveRun(run); serr != nil && err == nil {
		err = fmt.Errorf("save check run: %w", serr)
	}
	return rep, err
}

// storeInput is the Input of Check: the source states, letters and
// notice records of st, and the items fed to Evaluate from st a column or
// a chunk at a time (never all at once), leaving out what LoadInput
// leaves out.
func storeInput(ctx context.Context, cfg *config.Config, st *store.Store, cal *workday.Calendar) (Input, error) {
	in := Input{Config: cfg, Calendar: cal}
	var err error
	if in.Sources, err = st.Sources(); err != nil {
		return Input{}, fmt.Errorf("read source states: %w", err)
	}
	src := &storeSource{ctx: ctx, st: st, judged: listedJudged(in.Sources), left: map[string]bool{}, seen: map[string]bool{}}
	type listing struct {
		l  store.Listed
		ok bool
	}
	mailboxes := map[string]listing{}
	err = st.EachLetter(func(l store.Letter) error {
		key := store.SourceMailbox + ":" + l.Mailbox
		s, judged := src.judged[key]
		if judged {
			ls, read := mailboxes[key]
			if !read {
				var err error
				if ls.l, ls.ok, err = st.ListedOf(key); err != nil {
					return err
				}
				mailboxes[key] = ls
			}
			if leftOut(s, ls.l, ls.ok, l.URL, l.RunID) {
				return ctx.Err()
			}
		}
		in.Letters = append(in.Letters, l)
		return ctx.Err()
	})
	if err != nil {
		return Input{}, fmt.Errorf("read letters: %w", err)
	}
	in.Page = st.Page
	in.Pages = st.Pages
	in.Snapshot = st.Snapshot
	in.Text = st.Text
	if in.Notified, err = st.NoticeEntries(); err != nil {
		return Input{}, fmt.Errorf("read notice records: %w", err)
	}
	in.src = src
	return in, nil
}

func check(ctx context.Context, cfg *config.Config, st *store.Store, cal *workday.Calendar, asOf time.Time) (Report, error) {
	in, err := storeInput(ctx, cfg, st, cal)
	if err != nil {
		return Report{}, err
	}
	// The findings wait for the sync in a file next to the store (on
	// disk, where /tmp may be memory), not in memory: a hundred thousand
	// of them on a large portal.
	spool, err := store.NewFindingSpool(filepath.Dir(st.Path()))
	if err != nil {
		slog.Warn("findings spool next to the store failed; using the temporary directory", "err", err)
		if spool, err = store.NewFindingSpool(""); err != nil {
			return Report{}, err
		}
	}
	defer func() {
		if err := spool.Close(); err != nil {
			slog.Warn("remove findings spool", "err", err)
		}
	}()
	in.spool = spool
	res, err := Evaluate(in, asOf)
	if err != nil {
		return Report{}, err
	}
	if err := ctx.Err(); err != nil {
		return Report{}, err
	}
	sync, err := st.SyncFindings(store.SyncRequest{
		Rules: res.Rules,
		Spool: spool,
		Keep:  res.Keep,
		Now:   time.Now(),
		Ctx:   ctx,
	})
	if err != nil {
		return Report{}, err
	}
	if sync.RolledBack > 0 {
		slog.Info("removed the findings an interrupted check had stored but not shown", "findings", sync.RolledBack)
	}
	if len(res.Rectification) > 0 {
		if err := st.UpdateNoticeEntries(res.Rectification); err != nil {
			return Report{}, err
		}
	}
	verdict, err := saveVerdict(ctx, st, asOf, func(home *probe.Summary) (store.VerdictRecord, error) {
		return res.env.nationalVerdict(home), nil
	})
	if err != nil {
		return Report{}, fmt.Errorf("national verdict: %w", err)
	}
	if err := saveNotes(st, res.Checks, asOf); err != nil {
		return Report{}, err
	}
	rep := Report{AsOf: res.AsOf, Since: res.Since, Checks: res.Checks, Findings: spool.Len(), Sync: sync, Verdict: verdict, Coverage: res.coverage}
	for _, c := range rep.Coverage {
		for _, w := range c.Warnings {
			slog.Warn("column looks mis-read", "column", c.Column, "warning", w)
		}
	}
	for i := range rep.Checks {
		c := &rep.Checks[i]
		rc := sync.PerRule[c.ID]
		c.New, c.Unchanged, c.Resolved = rc.New, rc.Unchanged, rc.Resolved
	}
	return rep, nil
}

// reportFigures are the figures of a check run.
func reportFigures(r Report) map[string]int {
	f := map[string]int{
		"findings":  r.Findings,
		"new":       r.Sync.New,
		"unchanged": r.Sync.Unchanged,
		"resolved":  r.Sync.Resolved,
		"reopened":  r.Sync.Reopened,
	}
	for state, n := range CoverageTotals(r.Coverage) {
		f["columns."+state] = n
	}
	for _, c := range r.Coverage {
		if len(c.Warnings) > 0 {
			f["columns.misread"]++
		}
	}
	for _, c := range r.Checks {
		if !c.Enabled {
			continue
		}
		f["findings."+c.ID] = c.Findings
		f["not_audited"] += c.NotAudited
		f["undatable"] += c.Undatable
		if c.NotAudited > 0 {
			f["not_audited."+c.ID] = c.NotAudited
		}
	}
	return f
}
