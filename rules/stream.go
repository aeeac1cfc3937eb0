package rules

import (
	"context"
	"fmt"
	"hash/maphash"
	"sort"
	"strings"

	"github.com/govaudit/govaudit/config"
	"github.com/govaudit/govaudit/store"
)

// This file is how Evaluate walks the items without holding them all
// (issue 12): in three passes over an itemSource, each holding one batch
// of items at a time.
//
//  1. Column by column, in configuration order: the column checks
//     (key-column-empty, blank-column, periodic-gap, stale-column) on the
//     column's items, and what the later checks need of the column: its
//     summary (catalog, verdict), its coverage row, its annual reports.
//  2. Chunk by chunk, in URL order (the order of the in-memory
//     evaluation): the item checks. What they carry from one chunk to the
//     next is small: the attachments already judged (as 64-bit hashes),
//     the units that state 有效性, the policies awaiting a 解读.
//  3. Column by column again, only the columns holding 解读 candidates:
//     each candidate is matched against the policies of pass 2.
//
// The checks over units and the whole site (annual-report, catalog,
// mailbox-reply, rectification) then run on what the passes kept.

// chunkSize is the number of items of one batch of pass 2.
const chunkSize = 1000

// itemSource feeds an evaluation its items.
type itemSource interface {
	// column returns the items of a configured column in URL order.
	column(id string) ([]*item, error)
	// chunks calls fn with every item in URL order, a batch at a time.
	chunks(fn func([]*item) error) error
	// contents returns the content records of (at least) the articles xs.
	contents(xs []*item) (map[string]store.Content, error)
}

// memSource is the itemSource of an Input's Items.
type memSource struct {
	items    []*item // by URL
	byColumn map[string][]*item
	all      map[string]store.Content
}

func newMemSource(in Input) *memSource {
	xs := make([]*item, 0, len(in.Items))
	for i := range in.Items {
		xs = append(xs, newItem(&in.Items[i]))
	}
	sort.Slice(xs, func(i, j int) bool { return xs[i].URL < xs[j].URL })
	m := &memSource{items: xs, byColumn: map[string][]*item{}, all: in.Contents}
	for _, x := range xs {
		m.byColumn[x.Column] = append(m.byColumn[x.Column], x)
	}
	return m
}

func (m *memSource) column(id string) ([]*item, error) { return m.byColumn[id], nil }

func (m *memSource) chunks(fn func([]*item) error) error { return fn(m.items) }

func (m *memSource) contents([]*item) (map[string]store.Content, error) { return m.all, nil }

// storeSource is the itemSource of a store: items are read a column or a
// chunk at a time, leaving out those the portal no longer lists (see
// LoadInput).
type storeSource struct {
	ctx context.Context
	st  *store.Store
	// judged are the sources whose listing says what is left out.
	judged map[string]store.SourceState
	// left are the URLs of the items left out of the columns seen so far;
	// seen are those columns.
	left map[string]bool
	seen map[string]bool
}

func (s *storeSource) column(id string) ([]*item, error) {
	if err := s.ctx.Err(); err != nil {
		return nil, err
	}
	its, err := s.st.ItemsOfColumn(id)
	if err != nil {
		return nil, err
	}
	keep, err := s.filter(store.SourceColumn+":"+id, its)
	if err != nil {
		return nil, err
	}
	s.seen[id] = true
	xs := make([]*item, len(keep))
	for i := range keep {
		xs[i] = newItem(&keep[i])
	}
	return xs, nil
}

// filter drops the items of its that the latest judged walk of the
// source key no longer listed, and remembers their URLs.
func (s *storeSource) filter(key string, its []store.Item) ([]store.Item, error) {
	src, ok := s.judged[key]
	if !ok {
		return its, nil
	}
	l, hasL, err := s.st.ListedOf(key)
	if err != nil {
		return nil, err
	}
	keep := its[:0]
	for _, it := range its {
		if leftOut(src, l, hasL, it.URL, it.RunID) {
			s.left[it.URL] = true
			continue
		}
		keep = append(keep, it)
	}
	return keep, nil
}

func (s *storeSource) chunks(fn func([]*item) error) error {
	// The items left out of columns pass 1 did not read (sources of
	// columns no longer configured).
	for key := range s.judged {
		id, ok := strings.CutPrefix(key, store.SourceColumn+":")
		if !ok || s.seen[id] {
			continue
		}
		its, err := s.st.ItemsOfColumn(id)
		if err != nil {
			return err
		}
		if _, err := s.filter(key, its); err != nil {
			return err
		}
		s.seen[id] = true
	}
	buf := make([]store.Item, 0, chunkSize)
	flush := func() error {
		xs := make([]*item, len(buf))
		for i := range buf {
			xs[i] = newItem(&buf[i])
		}
		buf = make([]store.Item, 0, chunkSize)
		return fn(xs)
	}
	err := s.st.EachItem(func(it store.Item) error {
		if err := s.ctx.Err(); err != nil {
			return err
		}
		if s.left[it.URL] {
			return nil
		}
		buf = append(buf, it)
		if len(buf) == chunkSize {
			return flush()
		}
		return nil
	})
	if err != nil {
		return err
	}
	if len(buf) > 0 {
		return flush()
	}
	return nil
}

func (s *storeSource) contents(xs []*item) (map[string]store.Content, error) {
	urls := make([]string, len(xs))
	for i, x := range xs {
		urls[i] = x.URL
	}
	return s.st.ContentsOf(urls)
}

// leftOut reports whether an item (a letter) of a source whose latest walk
// may be judged (state src, listing l when hasL) has been taken off the
// portal: see LoadInput.
func leftOut(src store.SourceState, l store.Listed, hasL bool, url string, runID uint64) bool {
	// The crawler stores a walk's listing just before its source state.
	// A newer listing than the state means a crash between the two: that
	// walk may have been partial, so nothing is left out until the next
	// crawl.
	if hasL && l.RunID >= src.RunID {
		return l.RunID == src.RunID && !l.Has(url)
	}
	return runID != src.RunID
}

// listedJudged returns the sources whose latest walk tells what the portal
// no longer lists: judged, not cut by the page cap, columns and mailboxes.
func listedJudged(srcs []store.SourceState) map[string]store.SourceState {
	m := map[string]store.SourceState{}
	for _, s := range srcs {
		if s.Judged() && !s.Truncated && (s.Kind == store.SourceColumn || s.Kind == store.SourceMailbox) {
			m[s.Key] = s
		}
	}
	return m
}

// accum is what an evaluation carries across its batches.
type accum struct {
	seed maphash.Seed
	// judged are the attachment URLs judged so far by broken-attachment
	// and personal-data (the first item, in URL order, that links one
	// judges it), as hashes.
	judged map[string]map[uint64]struct{}
	// showsValidity are the units one of whose pages states a 有效性.
	showsValidity map[string]bool
	// pendingValidity are validity findings for a missing statement,
	// kept only if their unit states one somewhere (showsValidity).
	pendingValidity []pendingFinding
	// policies await their 解读 (interpretation.go); polIndex indexes
	// them once they are all collected.
	policies []*awaiting
	polIndex *policyIndex
	// sums summarise each configured column (pass 1), nil when the env
	// holds all items.
	sums map[string]colSummary
	// coverage is each configured column's coverage row (pass 1).
	coverage []ColumnCoverage
	// shared holds one copy of each short value that findings repeat
	// (unit, column, rule, quarter, dates, holiday notes): see detach.
	shared map[string]string
}

// release drops what only the passes needed (the policies awaiting their
// 解读, the judged sets, the shared strings), so that a Result kept for
// the verdict and the sync does not hold them: ≈ 50 MB at 1,000 items a
// channel.
func (a *accum) release() {
	a.judged, a.showsValidity, a.pendingValidity = nil, nil, nil
	a.policies, a.polIndex, a.shared = nil, nil, nil
}

func newAccum() *accum {
	return &accum{seed: maphash.MakeSeed(), judged: map[string]map[uint64]struct{}{}, showsValidity: map[string]bool{},
		shared: map[string]string{}}
}

// share returns the one copy of s that findings share, made on first
// sight (never a slice of a store record).
func (a *accum) share(s string) string {
	if v, ok := a.shared[s]; ok {
		return v
	}
	v := strings.Clone(s)
	a.shared[v] = v
	return v
}

// first reports whether url is judged for the first time by the check id
// in this evaluation, and marks it judged.
func (a *accum) first(id, url string) bool {
	set := a.judged[id]
	if set == nil {
		set = map[uint64]struct{}{}
		a.judged[id] = set
	}
	h := maphash.String(a.seed, url)
	if _, ok := set[h]; ok {
		return false
	}
	set[h] = struct{}{}
	return true
}

// pendingFinding is a finding that waits for the whole store to be seen.
type pendingFinding struct {
	unit string
	f    store.Finding
}

// colSummary is what the catalog check and the verdict need of a column:
// the number of its items published by asOf and the newest date.
type colSummary struct {
	n      int
	newest *item // the first of the newest, in URL order; nil when none is dated
}

// summarize sums up a column's items published by asOf.
func summarize(xs []*item) colSummary {
	s := colSummary{n: len(xs)}
	for _, x := range xs {
		if x.hasPub && (s.newest == nil || x.pub.After(s.newest.pub)) {
			s.newest = x
		}
	}
	if s.newest != nil {
		// Keep the date, not the item.
		s.newest = &item{pub: s.newest.pub, hasPub: true}
	}
	return s
}

// summary returns the summary of a configured column.
func (e *env) summary(id string) colSummary {
	if s, ok := e.acc.sums[id]; ok {
		return s
	}
	return summarize(e.byColumn[id])
}

// check phases: when a check runs in Evaluate.
const (
	phaseItems   = iota // per chunk of items (pass 2)
	phaseColumns        // per column (pass 1)
	phaseEnd            // once, on what the passes kept
)

func phaseOf(id string) int {
	switch id {
	case KeyColumnEmpty, BlankColumn, PeriodicGap, StaleColumn:
		return phaseColumns
	case AnnualReport, Catalog, MailboxReply, Rectification:
		return phaseEnd
	}
	return phaseItems
}

// keep adds b, an outcome of check d (one batch's, or the whole check's),
// to o, the check's outcome so far. Each finding is finished as a draft of
// d and goes to the evaluation's spool when it has one (Check), or is kept
// in o, detached from the batch's records (see detach). The unaudited
// subjects go to the result, for Keep.
func (e *env) keep(o *outcome, b outcome, d Def) error {
	res := e.in.sofar
	for _, f := range b.findings {
		f.Rule = d.ID
		f.ID = store.FindingID(d.ID, f.Subject)
		f.Points = d.Points
		if w, ok := b.weight[f.Subject]; ok {
			f.Points = d.Points * w
		}
		f.Scoring = d.Scoring
		f.Status = store.StatusDraft
		if len(res.noticed) > 0 {
			key := noticedKey(f.Rule, f.Subject)
			if _, watched := res.noticed[key]; watched {
				res.noticed[key] = true
			}
		}
		o.found++
		if e.in.spool != nil {
			if err := e.in.spool.Add(f); err != nil {
				return fmt.Errorf("check %s: %w", d.ID, err)
			}
			continue
		}
		e.acc.detach(&f)
		o.findings = append(o.findings, f)
	}
	o.examined += b.examined
	o.notAudited += b.notAudited
	o.undatable += b.undatable
	for _, s := range b.unaudited {
		res.unauditedSubjects[res.subjectKey(d.ID, s)] = struct{}{}
	}
	o.notes = append(o.notes, b.notes...)
	return nil
}

// detach gives f strings of its own, or shared with other findings,
// never slices of a store record. A string read from a record shares the
// memory of the whole record (the decoder slices one string per record),
// so a finding kept to the end of an evaluation would otherwise keep its
// item's whole record alive: 27 MB at 300 items a channel. Values that
// findings repeat (unit, column, rule, quarter, dates, holiday notes) are
// shared through a, and a URL equal to the subject is the subject's.
func (a *accum) detach(f *store.Finding) {
	for _, s := range []*string{&f.ID, &f.Subject, &f.Title, &f.Evidence.Text, &f.Evidence.SnapshotHash} {
		*s = strings.Clone(*s)
	}
	if f.URL == f.Subject {
		f.URL = f.Subject
	} else {
		f.URL = strings.Clone(f.URL)
	}
	for _, s := range []*string{&f.Rule, &f.Unit, &f.Column, &f.Quarter, &f.Status} {
		*s = a.share(*s)
	}
	for k, v := range f.Evidence.Dates {
		f.Evidence.Dates[k] = a.share(v)
	}
	for i := range f.Evidence.Skipped {
		f.Evidence.Skipped[i] = a.share(f.Evidence.Skipped[i])
	}
	for i := range f.Evidence.MakeUp {
		f.Evidence.MakeUp[i] = a.share(f.Evidence.MakeUp[i])
	}
}

// run evaluates the enabled checks of defs except rectification over src
// in the three passes and returns their outcomes by index in defs.
func (e *env) run(defs []Def, src itemSource, res *Result) ([]outcome, error) {
	outs := make([]outcome, len(defs))
	enabled := func(id string) bool {
		for _, d := range defs {
			if d.ID == id {
				return d.Enabled
			}
		}
		return false
	}
	evalPhase := func(b *env, phase int) error {
		for i, d := range defs {
			if !d.Enabled || phaseOf(d.ID) != phase {
				continue
			}
			o := d.eval(b, d)
			if b.err != nil {
				return fmt.Errorf("check %s: %w", d.ID, b.err)
			}
			if err := e.keep(&outs[i], o, d); err != nil {
				return err
			}
		}
		return nil
	}
	interp := enabled(Interpretation)
	e.acc.sums = map[string]colSummary{}
	srcs := map[string]store.SourceState{}
	for _, s := range e.in.Sources {
		srcs[s.Key] = s
	}

	// Pass 1: column by column.
	var annual []*item
	cands := make([]bool, len(e.columns))
	for ci, col := range e.columns {
		xs, err := src.column(col.ID)
		if err != nil {
			return nil, fmt.Errorf("read items of column %s: %w", col.ID, err)
		}
		b := e.withItems(xs, e.columns[ci:ci+1])
		if err := evalPhase(b, phaseColumns); err != nil {
			return nil, err
		}
		pub := b.byColumn[col.ID]
		e.acc.sums[col.ID] = summarize(pub)
		s, ok := srcs[store.SourceColumn+":"+col.ID]
		all := make([]*store.Item, len(xs))
		for i, x := range xs {
			all[i] = x.Item
		}
		e.acc.coverage = append(e.acc.coverage, columnCoverage(col, s, ok, all))
		for _, x := range pub {
			if col.Kind == config.KindAnnualReport && strings.Contains(x.Title, "年度报告") {
				annual = append(annual, x)
			}
			if interp && x.FetchErr == "" && (col.Kind == config.KindInterpretation || reInterpTitle.MatchString(x.Title)) {
				cands[ci] = true
			}
		}
	}

	// Pass 2: chunk by chunk, in URL order.
	needContent := enabled(PersonalData) || enabled(ExternalLink) || enabled(HiddenLink)
	err := src.chunks(func(xs []*item) error {
		for _, x := range xs {
			if x.FetchErr != "" {
				res.unauditedURLs[strings.Clone(x.URL)] = true
			}
			if x.Validity != "" {
				e.acc.showsValidity[x.Unit] = true
			}
		}
		b := e.withItems(xs, e.columns)
		if needContent {
			c, err := src.contents(xs)
			if err != nil {
				return err
			}
			b.in.Contents = c
		}
		return evalPhase(b, phaseItems)
	})
	if err != nil {
		return nil, err
	}

	// Pass 3: the 解读 candidates, column by column.
	if interp && len(e.acc.policies) > 0 {
		for ci, col := range e.columns {
			if !cands[ci] {
				continue
			}
			xs, err := src.column(col.ID)
			if err != nil {
				return nil, fmt.Errorf("read items of column %s: %w", col.ID, err)
			}
			b := e.withItems(xs, e.columns[ci:ci+1])
			for _, x := range b.byColumn[col.ID] {
				if x.FetchErr == "" && (col.Kind == config.KindInterpretation || reInterpTitle.MatchString(x.Title)) {
					b.matchInterpretation(x)
					if b.err != nil {
						return nil, fmt.Errorf("check %s: %w", Interpretation, b.err)
					}
				}
			}
		}
	}

	// What the passes kept.
	for i, d := range defs {
		if !d.Enabled {
			continue
		}
		var o outcome
		b := e
		switch {
		case d.ID == Interpretation:
			o = e.finishInterpretation()
		case d.ID == Validity:
			o = e.finishValidity()
		case d.ID == AnnualReport:
			b = e.withItems(annual, e.columns)
			o = d.eval(b, d)
		case phaseOf(d.ID) == phaseEnd && d.ID != Rectification:
			o = d.eval(e, d)
		default:
			continue
		}
		if b.err != nil {
			return nil, fmt.Errorf("check %s: %w", d.ID, b.err)
		}
		if err := e.keep(&outs[i], o, d); err != nil {
			return nil, err
		}
	}
	return outs, nil
}

// finishValidity keeps the pending validity findings of units that state
// a 有效性 on some page; the others were not judged (see checkValidity).
func (e *env) finishValidity() outcome {
	var o outcome
	for _, p := range e.acc.pendingValidity {
		if e.acc.showsValidity[p.unit] {
			o.findings = append(o.findings, p.f)
			continue
		}
		o.examined--
		o.undatable++
	}
	return o
}
