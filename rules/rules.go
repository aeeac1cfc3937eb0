// Package rules holds the compliance checks of the district's assessment
// measures (and the national spot-check pack), one file per check.
//
// Checks are pure: Evaluate takes an Input (configuration, items, letters,
// the crawl state of every source, a page look-up and the working-day
// calendar) and an "as of" date and returns findings and a summary per
// check. Check is the job around it: it reads the store, evaluates, and
// merges the findings into the store as draft deductions. The exact
// semantics are in docs/CHECKS.md.
package rules

import (
	"fmt"
	"hash/maphash"
	"sort"
	"time"

	"github.com/govaudit/govaudit/config"
	"github.com/govaudit/govaudit/rules/workday"
	"github.com/govaudit/govaudit/store"
)

// Check ids.
const (
	Timeliness        = "timeliness"
	Backdated         = "backdated"
	KeyColumnEmpty    = "key-column-empty"
	BlankColumn       = "blank-column"
	MissingAttachment = "missing-attachment"
	BrokenAttachment  = "broken-attachment"
	MailboxReply      = "mailbox-reply"
	PeriodicGap       = "periodic-gap"
	AnnualReport      = "annual-report"
	StaleColumn       = "stale-column"
	BrokenLink        = "broken-link"

	// Content and follow-up checks (issue 15).
	Wording        = "wording"
	Interpretation = "interpretation"
	Validity       = "validity"
	Catalog        = "catalog"
	Rectification  = "rectification"
	// Content checks (content.go, issue 14).
	PersonalData = "personal-data"
	ExternalLink = "external-link"
	HiddenLink   = "hidden-link"
)

// Rule packs.
const (
	PackDistrict = "district" // the district's assessment measures
	PackNational = "national" // the State Council's website spot-check indicators
)

// Configured returns the checks with the settings of cfg.Rules.Checks applied.
// A configured id that is no check is an error.
func Configured(cfg *config.Config) ([]Def, error) {
	defs := Defs()
	known := map[string]bool{}
	for i := range defs {
		d := &defs[i]
		known[d.ID] = true
		c, ok := cfg.Rules.Checks[d.ID]
		if !ok {
			continue
		}
		if c.Enabled != nil {
			d.Enabled = *c.Enabled
		}
		if c.Points != nil {
			d.Points = *c.Points
		}
		if c.Scoring != nil {
			d.Scoring = *c.Scoring
		}
	}
	var unknown []string
	for id := range cfg.Rules.Checks {
		if !known[id] {
			unknown = append(unknown, id)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return nil, fmt.Errorf("rules.checks: unknown check %q (known: %s)", unknown[0], checkList(defs))
	}
	return defs, nil
}

func checkList(defs []Def) string {
	s := ""
	for i, d := range defs {
		if i > 0 {
			s += ", "
		}
		s += d.ID
	}
	return s
}

// Input is everything the checks read: a snapshot of the store.
type Input struct {
	Config   *config.Config
	Calendar *workday.Calendar
	Items    []store.Item
	Letters  []store.Letter
	// Sources is the latest crawl state of every column and mailbox.
	Sources []store.SourceState
	// Page looks up the fetch state of a URL (link probes, list pages);
	// nil means no page is known.
	Page func(url string) (store.Page, bool, error)
	// Pages looks up many URLs at once and returns those that have a page;
	// nil means Page is asked for each.
	Pages func(urls []string) (map[string]store.Page, error)
	// Snapshot returns a stored page body by its hash (the content checks
	// read article text from it); nil means no text is known, and the
	// content checks count the items they need text for as not audited.
	Snapshot func(hash string) ([]byte, error)
	// Text returns the article text the crawler stored with a page, by
	// the page's snapshot hash (textract.ArticleText, encoded); nil, or
	// an error wrapping store.ErrNotFound, means the text is read from the
	// snapshot.
	Text func(hash string) ([]byte, error)
	// Notified are the notices' records of listed findings, for the
	// rectification check.
	Notified []store.NoticeEntry

	texts *textCache // article texts of one evaluation (text.go)
	sofar *Result    // the evaluation in progress (rectification.go)
	// spool, when set, receives the findings instead of
	// Result.Findings (Check: a large portal's findings are not all kept
	// in memory).
	spool *store.FindingSpool
	// Contents are the content records of articles by URL (content
	// checks); an article without one is not audited by them.
	Contents map[string]store.Content

	// src, when set, feeds Evaluate the items instead of Items
	// (storeInput: read from the store a batch at a time).
	src itemSource
}

// Summary is what one check did in one evaluation.
type Summary struct {
	ID      string `json:"id"`
	Title   string `json:"title"`
	Enabled bool   `json:"enabled"`
	// Examined counts the subjects judged (items, letters, columns, periods …).
	Examined int `json:"examined"`
	Findings int `json:"findings"`
	// NotAudited counts subjects that could not be judged because their
	// source or page could not be crawled, or a probe did not answer.
	NotAudited int `json:"not_audited"`
	// Undatable counts subjects without the date the check needs.
	Undatable int `json:"undatable"`
	// Notes are remarks for the office that are no finding (e.g. the
	// catalog check's columns that the catalog does not assign).
	Notes []string `json:"notes,omitempty"`
	// Set by Check (the store's merge).
	New       int `json:"new"`
	Unchanged int `json:"unchanged"`
	Resolved  int `json:"resolved"`
}

// Result is the outcome of Evaluate.
type Result struct {
	AsOf  time.Time // midnight CST
	Since time.Time // the window start
	// Rules are the ids of the checks that were evaluated (enabled ones).
	Rules []string
	// Findings are what the checks found, by check in Defs order and by
	// subject within one; nil when the evaluation spooled them (Check).
	Findings []store.Finding
	Checks   []Summary // every check, in Defs order; disabled ones with Enabled false

	// Rectification is the new rectification state of the notice entries
	// whose state changed (Check stores it).
	Rectification []store.NoticeEntry

	// What was not audited, for Keep.
	unauditedSources  map[string]bool     // source key -> not audited
	unauditedSubjects map[uint64]struct{} // subjectKey(rule, subject)
	seed              maphash.Seed
	unauditedURLs     map[string]bool // item URLs whose page failed
	// noticed has the noticedKey of every finding a notice listed (of a
	// check other than rectification); true once this evaluation found
	// it again (rectification.go).
	noticed         map[string]bool
	unjudgedColumns map[string]bool // source key -> audited, but partial or suspect
	columnRules     map[string]bool // ids of the checks that judge columns as a whole (Def.OfColumns)

	coverage []ColumnCoverage // of every configured column (Coverage)
	env      *env             // the evaluation's indexes, without items (for the verdict)
}

// Keep reports whether an existing finding that was not found in this
// evaluation must be left untouched: its column or mailbox was not audited,
// its page or probe failed, or it lies before the window.
func (r Result) Keep(f store.Finding) bool {
	if f.Quarter != "" && f.Quarter < Quarter(r.Since) {
		return true
	}
	if f.Column != "" {
		kind := store.SourceColumn
		if f.Rule == MailboxReply {
			kind = store.SourceMailbox
		}
		if a, known := r.unauditedSources[kind+":"+f.Column]; !known || a {
			return true
		}
		if r.columnRules[f.Rule] && r.unjudgedColumns[kind+":"+f.Column] {
			return true
		}
	}
	if _, ok := r.unauditedSubjects[r.subjectKey(f.Rule, f.Subject)]; ok {
		return true
	}
	return f.URL != "" && r.unauditedURLs[f.URL]
}

// subjectKey is the key of a subject of a rule in unauditedSubjects: a
// 64-bit hash, not the strings (tens of thousands of attachment URLs on a
// large portal). Two subjects that collide would only keep a finding
// unresolved, never make one.
func (r Result) subjectKey(rule, subject string) uint64 {
	var h maphash.Hash
	h.SetSeed(r.seed)
	h.WriteString(rule)
	h.WriteByte(0)
	h.WriteString(subject)
	return h.Sum64()
}

// noticedKey is the key of a finding in Result.noticed.
func noticedKey(rule, subject string) string { return rule + "\x00" + subject }

// outcome is what one check returns.
type outcome struct {
	findings []store.Finding
	// found counts the findings kept (env.keep): those of findings, or
	// those sent to the spool.
	found      int
	examined   int
	notAudited int
	undatable  int
	// unaudited subjects of this check (kept in the store).
	unaudited []string
	// notes for the summary (Summary.Notes).
	notes []string
	// weight multiplies the check's points for a subject (default 1),
	// e.g. 拒不整改 counts double.
	weight map[string]float64
}

// Evaluate runs the enabled checks of in.Config over in as of asOf.
func Evaluate(in Input, asOf time.Time) (Result, error) {
	if in.Config == nil || in.Calendar == nil {
		return Result{}, fmt.Errorf("evaluate checks: config and calendar are required")
	}
	defs, err := Configured(in.Config)
	if err != nil {
		return Result{}, err
	}
	e, err := newBaseEnv(in, asOf)
	if err != nil {
		return Result{}, err
	}
	res := Result{
		AsOf:              e.asOf,
		Since:             e.since,
		unauditedSources:  map[string]bool{},
		unauditedSubjects: map[uint64]struct{}{},
		seed:              maphash.MakeSeed(),
		unauditedURLs:     map[string]bool{},
		unjudgedColumns:   map[string]bool{},
		columnRules:       map[string]bool{},
		noticed:           map[string]bool{},
	}
	for _, n := range in.Notified {
		if n.Rule != Rectification {
			res.noticed[noticedKey(n.Rule, n.Subject)] = false
		}
	}
	for _, d := range defs {
		res.columnRules[d.ID] = d.OfColumns
	}
	for key, s := range e.sources {
		res.unauditedSources[key] = !s.Audited
		if s.Audited && !s.Judged() {
			res.unjudgedColumns[key] = true
		}
	}
	e.in.sofar = &res
	src := in.src
	if src == nil {
		src = newMemSource(in)
	}
	outs, err := e.run(defs, src, &res)
	if err != nil {
		return Result{}, err
	}
	res.coverage = e.acc.coverage
	res.env = e
	for i, d := range defs {
		sum := Summary{ID: d.ID, Title: d.Title, Enabled: d.Enabled}
		if d.Enabled {
			o := &outs[i]
			if d.ID == Rectification {
				// It reads the findings of the checks before it.
				r := d.eval(e, d)
				if e.err != nil {
					return Result{}, fmt.Errorf("check %s: %w", d.ID, e.err)
				}
				if err := e.keep(o, r, d); err != nil {
					return Result{}, err
				}
			}
			sort.Slice(o.findings, func(i, j int) bool { return o.findings[i].Subject < o.findings[j].Subject })
			res.Findings = append(res.Findings, o.findings...)
			sum.Examined, sum.Findings, sum.NotAudited, sum.Undatable = o.examined, o.found, o.notAudited, o.undatable
			sum.Notes = o.notes
			res.Rules = append(res.Rules, d.ID)
		}
		res.Checks = append(res.Checks, sum)
	}
	e.acc.release()
	return res, nil
}
