package e2e

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/govaudit/govaudit/config"
	"github.com/govaudit/govaudit/crawler"
	"github.com/govaudit/govaudit/portalsim"
	"github.com/govaudit/govaudit/rules"
	"github.com/govaudit/govaudit/rules/workday"
	"github.com/govaudit/govaudit/store"
)

var cst = time.FixedZone("CST", 8*3600)

// today is the portal's "today" and the checks' "as of" date.
var today = time.Date(2026, 11, 27, 0, 0, 0, 0, cst)

// options is the small portal of these tests: 4 units (gongkai, hanweb,
// trs, and gongkai in GBK) × 5 channels × about 8 items, 20 letters, each
// unit in layouts drawn from the varied set (TestVariedLayouts crawls a
// portal large enough to hold every variant).
func options(day time.Time, f portalsim.Faults) portalsim.Options {
	return portalsim.Options{Seed: 5, Units: 4, ChannelsMin: 5, ChannelsMax: 5, Items: 8, Letters: 20, Today: day, Faults: f,
		Layouts: portalsim.LayoutsVaried}
}

// hit is one request the portal served.
type hit struct {
	method, path, query string
	status              int
}

// portal serves a simulated portal behind a switch (tests swap the portal
// or wrap it behind the same URL) and logs every request.
type portal struct {
	srv  *httptest.Server
	cur  atomic.Pointer[http.Handler]
	mu   sync.Mutex
	hits []hit
}

func newPortal(t *testing.T, h http.Handler) *portal {
	t.Helper()
	p := &portal{}
	p.set(h)
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &recorder{ResponseWriter: w, status: http.StatusOK}
		(*p.cur.Load()).ServeHTTP(rec, r)
		p.mu.Lock()
		p.hits = append(p.hits, hit{r.Method, r.URL.Path, r.URL.RawQuery, rec.status})
		p.mu.Unlock()
	}))
	t.Cleanup(p.srv.Close)
	return p
}

func (p *portal) set(h http.Handler) { p.cur.Store(&h) }

// log returns the requests served so far and forgets them.
func (p *portal) log() []hit {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := p.hits
	p.hits = nil
	return out
}

// recorder notes the status and passes Flush and Hijack through (the
// portal's huge pages and connection resets need them).
type recorder struct {
	http.ResponseWriter
	status int
}

func (r *recorder) WriteHeader(s int) { r.status = s; r.ResponseWriter.WriteHeader(s) }
func (r *recorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}
func (r *recorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	r.status = 0
	return r.ResponseWriter.(http.Hijacker).Hijack()
}

// env is one whole-run setup: a portal, its configuration, a store and
// the working-day calendar.
type env struct {
	t   *testing.T
	sim *portalsim.Sim
	p   *portal
	cfg *config.Config
	st  *store.Store
	cal *workday.Calendar
	day time.Time
}

func newSim(t *testing.T, opt portalsim.Options) *portalsim.Sim {
	t.Helper()
	sim, err := portalsim.New(opt)
	if err != nil {
		t.Fatal(err)
	}
	return sim
}

// newEnv starts the small portal with faults and opens a fresh store.
func newEnv(t *testing.T, f portalsim.Faults) *env {
	t.Helper()
	sim := newSim(t, options(today, f))
	e := &env{t: t, sim: sim, p: newPortal(t, sim.Handler()), st: openStore(t), day: today}
	e.cfg = testConfig(sim, e.p.srv.URL)
	cal, err := workday.New()
	if err != nil {
		t.Fatal(err)
	}
	e.cal = cal
	return e
}

// testConfig is the portal's configuration with fast politeness: no rate
// limit, short back-off, a 1 MiB body cap and a 6-page cap per column.
func testConfig(sim *portalsim.Sim, base string) *config.Config {
	cfg := sim.Config(base)
	c := &cfg.Site.Crawl
	c.Parallelism = 8
	c.Timeout = 3 * time.Second
	c.Retries = 2
	c.RetryBackoff = 5 * time.Millisecond
	c.MaxBodyBytes = 1 << 20
	c.MaxListPages = 6
	return cfg
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

// crawl runs one crawl; the crawler's clock is the evening of e.day.
func (e *env) crawl(ctx context.Context, opt crawler.Options) (store.Run, error) {
	e.t.Helper()
	opt.Now = func() time.Time { return e.day.Add(20 * time.Hour) }
	c, err := crawler.New(e.cfg, e.st, opt)
	if err != nil {
		e.t.Fatal(err)
	}
	return c.Run(ctx)
}

// check runs the checks as of e.day.
func (e *env) check() rules.Report {
	e.t.Helper()
	rep, err := rules.Check(context.Background(), e.cfg, e.st, e.cal, e.day)
	if err != nil {
		e.t.Fatalf("check: %v", err)
	}
	return rep
}

// key identifies a finding or a violation.
func key(check, subject string) string { return check + " " + subject }

// findings returns the findings of the store by key.
func (e *env) findings() map[string]store.Finding {
	e.t.Helper()
	fs, _, err := e.st.Findings(store.Filter{})
	if err != nil {
		e.t.Fatal(err)
	}
	out := map[string]store.Finding{}
	for _, f := range fs {
		out[key(f.Rule, f.Subject)] = f
	}
	return out
}

// drafts returns the draft findings by key.
func (e *env) drafts() map[string]store.Finding {
	out := map[string]store.Finding{}
	for k, f := range e.findings() {
		if f.Status == store.StatusDraft {
			out[k] = f
		}
	}
	return out
}

// sources returns the source states by key.
func (e *env) sources() map[string]store.SourceState {
	e.t.Helper()
	srcs, err := e.st.Sources()
	if err != nil {
		e.t.Fatal(err)
	}
	out := map[string]store.SourceState{}
	for _, s := range srcs {
		out[s.Key] = s
	}
	return out
}

func (e *env) items() map[string]store.Item {
	e.t.Helper()
	out := map[string]store.Item{}
	if err := e.st.EachItem(func(it store.Item) error { out[it.URL] = it; return nil }); err != nil {
		e.t.Fatal(err)
	}
	return out
}

// listedBy reports whether the walk that wrote source state s listed
// url: its store.Listed record has it (the crawler does not rewrite the
// records of unchanged entries, so a record's RunID may be older than
// the walk that listed it).
func (e *env) listedBy(s store.SourceState, url string) bool {
	e.t.Helper()
	l, ok, err := e.st.ListedOf(s.Key)
	if err != nil {
		e.t.Fatal(err)
	}
	return ok && l.RunID == s.RunID && l.Has(url)
}

func (e *env) letters() map[string]store.Letter {
	e.t.Helper()
	out := map[string]store.Letter{}
	if err := e.st.EachLetter(func(l store.Letter) error { out[l.URL] = l; return nil }); err != nil {
		e.t.Fatal(err)
	}
	return out
}

// all returns every violation of the truth by key.
func all(tr portalsim.Truth) map[string]portalsim.Violation {
	out := map[string]portalsim.Violation{}
	for _, v := range tr.Violations {
		out[key(v.Check, v.Subject)] = v
	}
	return out
}

// expected is the ground truth restricted to what the crawl recorded as
// audited, under the rules of docs/CHECKS.md: a violation is expected only
// when its column or mailbox was audited by its latest crawl (for the
// column checks: judged, neither partial nor suspect), its item or
// letter page was read in that crawl, its attachment or link probe
// answered, and a cut walk (Truncated) reached its quarter.
func (e *env) expected(tr portalsim.Truth) map[string]portalsim.Violation {
	t := e.t
	t.Helper()
	srcs := e.sources()
	items := e.items()
	letters := e.letters()
	cols := map[string]portalsim.TruthColumn{}
	for _, c := range tr.Columns {
		cols[c.ID] = c
	}
	mailboxOf := map[string]string{}
	for _, l := range tr.Letters {
		mailboxOf[l.URL] = l.Mailbox
	}
	colState := func(id string) (store.SourceState, bool) {
		s, ok := srcs[store.SourceColumn+":"+id]
		return s, ok && s.Audited
	}
	// colJudged is colState for the column checks, which judge only a
	// walk that read every list page and did not fall sharply.
	colJudged := func(id string) (store.SourceState, bool) {
		s, ok := srcs[store.SourceColumn+":"+id]
		return s, ok && s.Judged()
	}
	itemRead := func(u, col string) (store.Item, bool) {
		s, ok := colState(col)
		it, found := items[u]
		return it, ok && found && it.FetchErr == "" && e.listedBy(s, u)
	}
	// oldest returns the oldest publication date listed by a cut column.
	oldest := func(col string, s store.SourceState) string {
		o := ""
		for _, it := range items {
			d := it.Published
			if d == "" {
				d = it.ListDate
			}
			if it.Column == col && e.listedBy(s, it.URL) && d != "" && (o == "" || d < o) {
				o = d
			}
		}
		return o
	}
	out := map[string]portalsim.Violation{}
	for _, v := range tr.Violations {
		ok := false
		switch v.Check {
		case rules.MailboxReply:
			s, audited := srcs[store.SourceMailbox+":"+mailboxOf[v.Subject]]
			l, found := letters[v.Subject]
			ok = audited && s.Audited && found && l.FetchErr == "" && e.listedBy(s, v.Subject)
		case rules.AnnualReport:
			ok = true
			for _, c := range tr.Columns {
				if c.Unit == v.Unit && c.Kind == config.KindAnnualReport {
					s, audited := colJudged(c.ID)
					ok = ok && audited && !s.Truncated
				}
			}
		case rules.KeyColumnEmpty:
			s, audited := colJudged(v.Column)
			ok = audited
			if audited && s.Truncated {
				first, _, err := rules.ParseQuarter(v.Subject[strings.LastIndex(v.Subject, ":")+1:])
				if err != nil {
					t.Fatal(err)
				}
				ok = first.Format("2006-01-02") >= oldest(v.Column, s)
			}
		case rules.PeriodicGap:
			s, audited := colJudged(v.Column)
			if audited && s.Truncated {
				t.Fatalf("oracle: periodic column %s was cut by the page cap; choose another", v.Column)
			}
			ok = audited
		case rules.BlankColumn, rules.StaleColumn:
			_, ok = colJudged(v.Column)
		case rules.Timeliness, rules.Backdated, rules.MissingAttachment:
			_, ok = itemRead(v.URL, v.Column)
		case rules.BrokenAttachment:
			if it, read := itemRead(v.URL, v.Column); read {
				for _, a := range it.Attachments {
					if a.URL == v.Subject {
						ok = a.Checked && a.Err == ""
					}
				}
			}
		case rules.BrokenLink:
			if _, read := itemRead(v.URL, v.Column); read {
				link := v.Subject[strings.Index(v.Subject, " -> ")+4:]
				pg, found, err := e.st.Page(link)
				if err != nil {
					t.Fatal(err)
				}
				ok = found && pg.Status != 0 && pg.ErrKind != "blocked"
			}
		case rules.PersonalData, rules.ExternalLink, rules.HiddenLink:
			// Content checks: the article was read and its content record
			// written; an attachment's personal data needs its text read.
			if _, read := itemRead(v.URL, v.Column); read {
				c, found, err := e.st.Content(v.URL)
				if err != nil {
					t.Fatal(err)
				}
				ok = found
				if found && v.Subject != v.URL && !strings.Contains(v.Subject, " -> ") {
					ok = false
					for _, a := range c.Attachments {
						if a.URL == v.Subject {
							ok = a.Audited
						}
					}
				}
			}
		default:
			t.Fatalf("oracle: unknown check %s", v.Check)
		}
		if ok {
			out[key(v.Check, v.Subject)] = v
		}
	}
	return out
}

// assertFindings compares the draft findings with want: the same keys,
// units, columns and quarters.
func (e *env) assertFindings(want map[string]portalsim.Violation) {
	t := e.t
	t.Helper()
	got := e.drafts()
	var missed, extra, wrong []string
	for k, v := range want {
		f, ok := got[k]
		switch {
		case !ok:
			missed = append(missed, k)
		case f.Unit != v.Unit || f.Quarter != v.Quarter || v.Column != "" && f.Column != v.Column:
			wrong = append(wrong, fmt.Sprintf("%s: %s/%s/%s, truth %s/%s/%s", k, f.Unit, f.Column, f.Quarter, v.Unit, v.Column, v.Quarter))
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			extra = append(extra, k)
		}
	}
	for _, l := range []struct {
		what string
		keys []string
	}{{"missed", missed}, {"extra (a deduction the portal does not deserve)", extra}, {"wrong", wrong}} {
		if len(l.keys) > 0 {
			sort.Strings(l.keys)
			t.Errorf("%d findings %s, e.g. %s", len(l.keys), l.what, strings.Join(l.keys[:min(5, len(l.keys))], "; "))
		}
	}
}

// columnOf finds a truth column by unit, kind and a condition.
func columnOf(t *testing.T, tr portalsim.Truth, pred func(portalsim.TruthColumn) bool) portalsim.TruthColumn {
	t.Helper()
	for _, c := range tr.Columns {
		if pred(c) {
			return c
		}
	}
	t.Fatal("no such column in the portal")
	return portalsim.TruthColumn{}
}
