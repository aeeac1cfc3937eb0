package rules

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/govaudit/govaudit/config"
	"github.com/govaudit/govaudit/rules/workday"
	"github.com/govaudit/govaudit/store"
)

// env is the indexed Input shared by the checks of one evaluation.
type env struct {
	in    Input
	cfg   *config.Config
	cal   *workday.Calendar
	asOf  time.Time
	since time.Time

	units     map[string]config.Unit
	columns   []config.Column          // configured, in order (of this batch: see withItems)
	colByID   map[string]config.Column // every configured column by id
	mailboxes map[string]config.Mailbox
	sources   map[string]store.SourceState // by key
	items     []*item                      // sorted by URL
	byColumn  map[string][]*item           // column id -> items published on or before asOf
	letters   []store.Letter               // sorted by URL

	// err is the first look-up error of the page function.
	err error

	// acc is the state an evaluation carries across batches of items
	// (stream.go).
	acc *accum
}

// item is a store item of Input.Items (not a copy) with its dates parsed.
type item struct {
	*store.Item
	pub        time.Time // publication date: 发布日期, else the list date
	written    time.Time // 成文日期
	hasPub     bool
	hasWritten bool
}

// newEnv indexes in for an evaluation as of asOf, with all of in.Items.
func newEnv(in Input, asOf time.Time) (*env, error) {
	e, err := newBaseEnv(in, asOf)
	if err != nil {
		return nil, err
	}
	xs := make([]*item, 0, len(in.Items))
	for i := range in.Items {
		xs = append(xs, newItem(&in.Items[i]))
	}
	sort.Slice(xs, func(i, j int) bool { return xs[i].URL < xs[j].URL })
	return e.withItems(xs, e.columns), nil
}

// newBaseEnv indexes the configuration, sources and letters of in for an
// evaluation as of asOf; it holds no items (see withItems).
func newBaseEnv(in Input, asOf time.Time) (*env, error) {
	e := &env{
		in:        in,
		cfg:       in.Config,
		cal:       in.Calendar,
		asOf:      workday.Day(asOf),
		units:     map[string]config.Unit{},
		mailboxes: map[string]config.Mailbox{},
		sources:   map[string]store.SourceState{},
	}
	since, err := windowStart(e.cfg, e.asOf)
	if err != nil {
		return nil, err
	}
	e.since = since
	for y := e.since.Year(); y <= e.asOf.Year(); y++ {
		if !e.cal.Covers(y) {
			return nil, fmt.Errorf("check as of %s: %w", e.asOf.Format(dateLayout), &workday.NoDataError{Year: y})
		}
	}
	for _, u := range e.cfg.Units {
		e.units[u.ID] = u
	}
	e.columns = e.cfg.AllColumns()
	e.colByID = make(map[string]config.Column, len(e.columns))
	for _, c := range e.columns {
		e.colByID[c.ID] = c
	}
	for _, m := range e.cfg.Mailboxes {
		e.mailboxes[m.ID] = m
	}
	for _, s := range in.Sources {
		e.sources[s.Key] = s
	}
	e.acc = newAccum()
	e.letters = append([]store.Letter(nil), in.Letters...)
	sort.Slice(e.letters, func(i, j int) bool { return e.letters[i].URL < e.letters[j].URL })
	return e, nil
}

// newItem wraps a store item with its dates parsed.
func newItem(it *store.Item) *item {
	x := &item{Item: it}
	if d, err := parseDay(it.Published); err == nil {
		x.pub, x.hasPub = d, true
	} else if d, err := parseDay(it.ListDate); err == nil {
		x.pub, x.hasPub = d, true
	}
	if d, err := parseDay(it.Written); err == nil {
		x.written, x.hasWritten = d, true
	}
	return x
}

// withItems returns a copy of e that holds the items xs (in URL order)
// and the configured columns cols: the checks run on it see only these.
// The copy shares e's indexes and its cross-batch state; it has a text
// cache of its own and no error.
func (e *env) withItems(xs []*item, cols []config.Column) *env {
	b := *e
	b.items = xs
	b.columns = cols
	b.byColumn = map[string][]*item{}
	for _, x := range xs {
		if x.hasPub && x.pub.After(e.asOf) {
			continue // not yet published as of asOf
		}
		b.byColumn[x.Column] = append(b.byColumn[x.Column], x)
	}
	b.in.texts = nil
	b.err = nil
	return &b
}

// windowStart returns rules.since, else 1 January of the year before asOf.
func windowStart(cfg *config.Config, asOf time.Time) (time.Time, error) {
	if s := strings.TrimSpace(cfg.Rules.Since); s != "" {
		d, err := workday.Parse(s)
		if err != nil {
			return time.Time{}, fmt.Errorf("rules.since: %w", err)
		}
		return d, nil
	}
	return workday.Date(asOf.Year()-1, time.January, 1), nil
}

// inWindow reports whether d lies in [since, asOf].
func (e *env) inWindow(d time.Time) bool {
	return !d.Before(e.since) && !d.After(e.asOf)
}

// column returns the crawl state of a configured column when it was audited.
func (e *env) columnState(id string) (store.SourceState, bool) {
	s, ok := e.sources[store.SourceColumn+":"+id]
	return s, ok && s.Audited
}

// columnJudged returns the crawl state of a configured column when its
// latest walk may be judged by the column checks (blank, key column,
// periodic, stale, annual report): audited, not partial, not suspect.
func (e *env) columnJudged(id string) (store.SourceState, bool) {
	s, ok := e.sources[store.SourceColumn+":"+id]
	return s, ok && s.Judged()
}

// mailboxState returns the crawl state of a mailbox when it was audited.
func (e *env) mailboxState(id string) (store.SourceState, bool) {
	s, ok := e.sources[store.SourceMailbox+":"+id]
	return s, ok && s.Audited
}

// configuredColumns maps column id -> column (every configured column,
// whatever the batch). The map is shared: callers only read it.
func (e *env) configuredColumns() map[string]config.Column {
	return e.colByID
}

// windowItems returns the items of configured columns published in the
// window that keep accepts (nil keeps them all), in URL order. An item whose
// column was not audited or whose page failed to fetch is not returned but
// counted in o as not audited (a failed page also listed in o.unaudited).
func (e *env) windowItems(o *outcome, keep func(config.Column, *item) bool) []*item {
	cols := e.configuredColumns()
	var out []*item
	for _, it := range e.items {
		col, ok := cols[it.Column]
		if !ok || !it.hasPub || !e.inWindow(it.pub) || (keep != nil && !keep(col, it)) {
			continue
		}
		if _, ok := e.columnState(it.Column); !ok || it.FetchErr != "" {
			o.notAudited++
			if it.FetchErr != "" {
				o.unaudited = append(o.unaudited, it.URL)
			}
			continue
		}
		out = append(out, it)
	}
	return out
}

// unitName returns the name of a unit id, or the id.
func (e *env) unitName(id string) string {
	if u, ok := e.units[id]; ok && u.Name != "" {
		return u.Name
	}
	return id
}

// page looks a URL up; a look-up error stops the evaluation.
func (e *env) page(url string) (store.Page, bool) {
	if e.in.Page == nil || e.err != nil {
		return store.Page{}, false
	}
	p, ok, err := e.in.Page(url)
	if err != nil {
		e.err = fmt.Errorf("look up page %s: %w", url, err)
		return store.Page{}, false
	}
	return p, ok
}

// pages looks many URLs up at once (Input.Pages, else Input.Page for
// each) and returns the pages found by URL; a look-up error stops the
// evaluation.
func (e *env) pages(urls []string) map[string]store.Page {
	if e.err != nil {
		return nil
	}
	if e.in.Pages != nil {
		m, err := e.in.Pages(urls)
		if err != nil {
			e.err = fmt.Errorf("look up %d pages: %w", len(urls), err)
			return nil
		}
		return m
	}
	m := make(map[string]store.Page)
	for _, u := range urls {
		if _, done := m[u]; done {
			continue
		}
		p, ok := e.page(u)
		if e.err != nil {
			return nil
		}
		if ok {
			m[u] = p
		}
	}
	return m
}

// sourceEvidence is the evidence of a column-level finding: the list
// page's snapshot and the crawl time.
func (e *env) sourceEvidence(s store.SourceState, text string) store.Evidence {
	ev := store.Evidence{Text: text, FetchedAt: s.CrawledAt}
	if p, ok := e.page(s.URL); ok {
		ev.SnapshotHash = p.Hash
		if !p.FetchedAt.IsZero() {
			ev.FetchedAt = p.FetchedAt
		}
	}
	return ev
}

// itemEvidence is the evidence base of an item finding.
func itemEvidence(it *item, text string) store.Evidence {
	return store.Evidence{Text: text, SnapshotHash: it.SnapshotHash, FetchedAt: it.FetchedAt, Dates: map[string]string{}}
}

// itemFinding starts a finding about an item.
func (e *env) itemFinding(it *item, subject, text string) store.Finding {
	return store.Finding{
		Subject:  subject,
		Unit:     it.Unit,
		Column:   it.Column,
		URL:      it.URL,
		Title:    it.Title,
		Quarter:  Quarter(it.pub),
		Evidence: itemEvidence(it, text),
	}
}

// dateLayout is the layout of calendar dates in records and evidence.
const dateLayout = "2006-01-02"

// parseDay reads a store date ("2006-01-02", optionally followed by a time
// "15:04" or "15:04:05") as midnight CST.
func parseDay(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if len(s) > 10 {
		rest := s[10:]
		if (rest[0] != ' ' && rest[0] != 'T') || !validClock(rest[1:]) {
			return time.Time{}, fmt.Errorf("parse date %q: want YYYY-MM-DD[ HH:MM[:SS]]", s)
		}
		s = s[:10]
	}
	return workday.Parse(s)
}

// validClock reports whether s is "15:04" or "15:04:05".
func validClock(s string) bool {
	for _, layout := range []string{"15:04", "15:04:05"} {
		if _, err := time.Parse(layout, s); err == nil {
			return true
		}
	}
	return false
}

// Quarter returns the quarter of d as "2026Q3".
func Quarter(d time.Time) string {
	return fmt.Sprintf("%04dQ%d", d.Year(), (int(d.Month())-1)/3+1)
}

// quarterStart returns the first day of d's quarter.
func quarterStart(d time.Time) time.Time {
	m := time.Month((int(d.Month())-1)/3*3 + 1)
	return workday.Date(d.Year(), m, 1)
}

// ParseQuarter reads "2026Q3" and returns the quarter's first and last day.
func ParseQuarter(q string) (first, last time.Time, err error) {
	var y, n int
	if _, err := fmt.Sscanf(q, "%4dQ%1d", &y, &n); err != nil || n < 1 || n > 4 || len(q) != 6 {
		return time.Time{}, time.Time{}, fmt.Errorf("parse quarter %q: want YYYYQn, e.g. 2026Q3", q)
	}
	first = workday.Date(y, time.Month(3*(n-1)+1), 1)
	return first, first.AddDate(0, 3, -1), nil
}

// days returns the number of calendar days from a to b.
func days(a, b time.Time) int {
	return int(b.Sub(a).Round(time.Hour).Hours() / 24)
}

// explained fills the working-day part of an evidence.
func explained(ev *store.Evidence, x workday.Explanation) {
	ev.WorkingDays = x.Workdays
	ev.Skipped = x.SkippedText()
	ev.MakeUp = x.MakeUpText()
}

// holidayNote renders the skipped holidays and make-up days of x in
// Chinese, e.g. "（其间节假日不计：国庆节 …；调休上班计入：…）"; empty when none.
func holidayNote(x workday.Explanation) string {
	var parts []string
	if s := x.SkippedText(); len(s) > 0 {
		parts = append(parts, "节假日不计："+strings.Join(s, "；"))
	}
	if m := x.MakeUpText(); len(m) > 0 {
		parts = append(parts, "调休上班计入："+strings.Join(m, "、"))
	}
	if len(parts) == 0 {
		return ""
	}
	return "（" + strings.Join(parts, "；") + "）"
}

// columnFinding starts a finding about a column.
func columnFinding(unit, column, name, url, subject, quarter string, ev store.Evidence) store.Finding {
	return store.Finding{
		Subject:  subject,
		Unit:     unit,
		Column:   column,
		URL:      url,
		Title:    name,
		Quarter:  quarter,
		Evidence: ev,
	}
}

// colURL is a column's configured URL, else the one its crawl found.
func colURL(col config.Column, st store.SourceState) string {
	if col.URL != "" {
		return col.URL
	}
	return st.URL
}
