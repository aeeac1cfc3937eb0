// Package crawler walks a portal's configured open-government columns and
// mailboxes and writes what it finds to the store: list entries, article
// metadata, attachment and link probes, letters, and per source whether it
// could be audited at all.
//
// Pages are fetched through colly (github.com/gocolly/colly/v2), the
// many HEAD and ranged GET probes of attachments and links through a
// plain net/http client on the same transport; both with the crawler's
// own politeness: a per-host rate limit and parallelism, timeouts,
// retries with exponential back-off, robots.txt, and charset decoding
// decided by the crawler (colly's conversion is bypassed). Page families
// (gongkai, hanweb, trs, generic) are handled by the pure extractors of
// package crawler/extract.
//
// Re-crawls are incremental (see article.go): every list page is read,
// but an article or answered letter whose list entry did not change is
// kept from the store without a request, except on its night of a
// rolling revalidation cycle (config crawl.revalidate_days), when it is
// requested conditionally. Records of unchanged entries are not
// rewritten; what each walk listed is stored per source (store.Listed).
//
// Memory: items stream to the store in batches; what stays in memory for
// a whole run is the visited set of URL hashes (article, letter and probed
// link URLs, 8 bytes each plus map overhead) and, per source being walked,
// its list state and its stored items.
package crawler

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/govaudit/govaudit/config"
	"github.com/govaudit/govaudit/crawler/extract"
	"github.com/govaudit/govaudit/store"
)

// Options configure a Crawler.
type Options struct {
	Log *slog.Logger
	// Progress receives a live progress line (a terminal); nil means one
	// log line per column and a summary.
	Progress io.Writer
	// Now gives the current time (default time.Now); dates printed
	// without a year are read against it.
	Now func() time.Time
	// Transport is the HTTP transport (default http.DefaultTransport).
	Transport http.RoundTripper
	// Units and Columns restrict a crawl to these unit ids and column or
	// mailbox ids; empty means everything.
	Units   []string
	Columns []string
	// ResumeWithin is how old an interrupted crawl may be and still be
	// continued by the next Run (0: DefaultResumeWithin; negative: never
	// resume, always start over).
	ResumeWithin time.Duration
	// RequestLog, when set, receives a line per HTTP request the crawl
	// makes: the method (GET, HEAD, POST, or GET-RANGE for a ranged
	// probe), a tab and the URL. A diagnostic, e.g. for timing another
	// fetcher on the same requests (bench/run).
	RequestLog io.Writer
	// ProgressEvery is how often a running crawl saves its figures to its
	// run record (0: DefaultProgressEvery), so that a crawl killed with
	// kill -9 is shown with the pages it did and a finite duration.
	ProgressEvery time.Duration
}

// DefaultProgressEvery is the default Options.ProgressEvery.
const DefaultProgressEvery = 10 * time.Second

// Crawler crawls one configured portal into a store.
type Crawler struct {
	cfg *config.Config
	st  *store.Store
	opt Options
	log *slog.Logger
}

// cst is China Standard Time.
var cst = time.FixedZone("CST", 8*3600)

// New returns a crawler of cfg writing to st.
func New(cfg *config.Config, st *store.Store, opt Options) (*Crawler, error) {
	if cfg == nil {
		return nil, errors.New("crawler: no configuration")
	}
	if st == nil {
		return nil, errors.New("crawler: no store")
	}
	if opt.Log == nil {
		opt.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	return &Crawler{cfg: cfg, st: st, opt: opt, log: opt.Log}, nil
}

// Run statuses.
const (
	statusRunning     = "running"
	statusOK          = "ok"
	statusFailed      = "failed"
	statusInterrupted = "interrupted"
)

// Run performs one crawl, recorded as a store.Run of kind "crawl".
// A cancelled ctx stops taking work, flushes what was done and marks the
// run interrupted, with what it finished in Run.Resume; the next Run
// continues it (see resume.go). A site that does not answer is declared
// down early (see avail.go). Run returns an error when the run failed (no
// source could be audited, or the store failed) or was interrupted.
func (c *Crawler) Run(ctx context.Context) (store.Run, error) {
	start := c.opt.Now()
	res, err := c.resumable(start)
	if err != nil {
		return store.Run{}, fmt.Errorf("crawl: %w", err)
	}
	rec, err := c.st.StartRun("crawl", start)
	if err != nil {
		return store.Run{}, fmt.Errorf("crawl: start run: %w", err)
	}
	res.state.Runs = append(res.state.Runs, rec.ID)
	if res.from != 0 {
		// Saved now, so that a crash of this run still knows its chain.
		rec.Note = fmt.Sprintf("续跑 run %d", res.from)
		rec.Resume, _ = json.Marshal(ResumeState{Runs: res.state.Runs})
		if err := c.st.SaveRun(rec); err != nil {
			return rec, fmt.Errorf("crawl: save run %d: %w", rec.ID, err)
		}
		c.log.Info("resuming an interrupted crawl", "run", rec.ID, "resumes", res.from, "sources_done", len(res.done))
	}
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	r := c.newRun(cctx, rec.ID, start)
	r.cancelAll = cancel
	r.skip = res.done

	stopProgress := r.saveProgress(rec)
	err = r.crawl()
	stopProgress()
	if err != nil && ctx.Err() == nil {
		r.setFatal(err)
	}
	r.flushContent()
	werr := r.w.close()
	if werr != nil {
		r.setFatal(werr)
	}
	if lerr := r.f.transport.log.flush(); lerr != nil {
		r.setFatal(lerr)
	}

	rec.EndedAt = c.opt.Now()
	r.fill(&rec)
	r.contentFigures(&rec)
	var notes []string
	if res.from != 0 {
		notes = append(notes, fmt.Sprintf("续跑 run %d", res.from))
		rec.Figures["resumed"] = r.skipped
	}
	down := r.siteDown()
	if down != nil {
		if rec.Errors == nil {
			rec.Errors = map[string]int{}
		}
		rec.Errors[errSiteDown] = 1
		notes = append(notes, fmt.Sprintf("%s；%d 个来源未审计", down.note(), r.sources-int(r.audited.Load())))
	}
	var runErr error
	switch {
	case r.fatal() != nil:
		rec.Status = statusFailed
		notes = append(notes, r.fatal().Error())
		runErr = fmt.Errorf("crawl failed: %w", r.fatal())
	case ctx.Err() != nil:
		rec.Status = statusInterrupted
		notes = append(notes, "抓取被中断")
		done := r.doneKeys()
		for k := range res.done {
			done = append(done, k)
		}
		sort.Strings(done)
		rec.Resume, _ = json.Marshal(ResumeState{Done: done, Runs: res.state.Runs})
		runErr = fmt.Errorf("crawl interrupted: %w", ctx.Err())
	case down != nil && r.audited.Load() == 0:
		rec.Status = statusFailed
		runErr = fmt.Errorf("crawl failed: %s", down.note())
	case r.sources > 0 && r.audited.Load() == 0:
		rec.Status = statusFailed
		notes = append(notes, fmt.Sprintf("全部 %d 个来源均未能审计（%s）", r.sources, r.firstCause()))
		runErr = fmt.Errorf("crawl failed: no source could be audited: %s", r.firstCause())
	default:
		rec.Status = statusOK
		rec.Resume = nil
	}
	rec.Note = strings.Join(notes, "；")
	if err := c.st.SaveRun(rec); err != nil {
		return rec, fmt.Errorf("crawl: save run %d: %w", rec.ID, err)
	}
	r.summary(rec)
	return rec, runErr
}

// run is the state of one crawl.
type run struct {
	c         *Crawler
	cfg       *config.Config
	st        *store.Store
	log       *slog.Logger
	ctx       context.Context
	cancelAll context.CancelFunc
	id        uint64
	start     time.Time
	f         *fetcher
	w         *writer
	visited   *urlSet // article and letter pages
	probed    *urlSet // links probed
	// considered holds the links of unchanged articles found not due
	// tonight, so that each is looked up once per run.
	considered *urlSet
	tasks      chan task
	maxPages   int
	// cycle is the revalidation cycle in nights (crawl.revalidate_days).
	cycle int
	// since is the first day of the checks' window (2006-01-02): records
	// dated before it are revalidated on a longer cycle (see archived).
	since string
	// lettersBy holds the stored letters by mailbox and URL, read once
	// (see knownLetters).
	lettersOnce sync.Once
	lettersBy   map[string]map[string]store.Letter
	lettersErr  error

	sources int
	audited atomic.Int64
	pages   atomic.Int64
	notMod  atomic.Int64
	// listsNotMod counts the list pages that answered 304 (their
	// entries taken from the store, not parsed).
	listsNotMod atomic.Int64
	// listsFromStore counts the list pages taken from the store without
	// a request, their source's first page being unchanged (walkPages).
	listsFromStore atomic.Int64
	parsed         atomic.Int64
	items          atomic.Int64
	atts           atomic.Int64
	letters        atomic.Int64
	// reused counts the articles and letters kept from the store without
	// a request (their list entries unchanged, not due tonight).
	reused atomic.Int64
	queued atomic.Int64
	failed atomic.Int64

	// avail tracks whether the site answers (avail.go).
	avail avail
	// skip holds the keys of the sources an interrupted run finished;
	// skipped counts those this run left out.
	skip    map[string]bool
	skipped int

	mu       sync.Mutex
	errs     map[string]int
	families map[string]*store.FamilyStats
	done     []string
	cause    string
	fatalErr error

	// cont is the content checks' part of the run (content.go).
	cont *contentRun
}

func (c *Crawler) newRun(ctx context.Context, id uint64, start time.Time) *run {
	cr := c.cfg.Site.Crawl
	ua := cr.UserAgent
	if ua == "" {
		ua = config.DefaultUserAgent
	}
	maxBody := cr.MaxBodyBytes
	if maxBody <= 0 {
		maxBody = 10 << 20
	}
	timeout := cr.Timeout
	if timeout <= 0 {
		timeout = 15 * time.Second
	}
	backoff := cr.RetryBackoff
	if backoff <= 0 {
		backoff = time.Second
	}
	maxPages := cr.MaxListPages
	if maxPages <= 0 {
		maxPages = 200
	}
	cycle := cr.RevalidateDays
	if cycle <= 0 {
		cycle = 7
	}
	r := &run{
		c: c, cfg: c.cfg, st: c.st, log: c.log, ctx: ctx, id: id, start: start,
		f:          newFetcher(ctx, c.opt.Transport, newNetGuard(c.cfg), ua, timeout, cr.Retries, backoff, maxBody, cr.RequestsPerSecond, cr.Parallelism, cr.ObeyRobots),
		visited:    newURLSet(),
		probed:     newURLSet(),
		considered: newURLSet(),
		maxPages:   maxPages,
		cycle:      cycle,
		since:      contentSince(c.cfg, start),
		errs:       map[string]int{},
		families:   map[string]*store.FamilyStats{},
	}
	r.f.transport.log = newRequestLog(c.opt.RequestLog)
	r.w = newWriter(c.st, func(err error) { r.setFatal(err) })
	r.cont = newContentRun(r)
	return r
}

// now is the current time of the run's clock.
func (r *run) now() time.Time { return r.c.opt.Now() }

func (r *run) setFatal(err error) {
	r.mu.Lock()
	if r.fatalErr == nil {
		r.fatalErr = err
	}
	r.mu.Unlock()
	if r.cancelAll != nil {
		r.cancelAll()
	}
}

func (r *run) fatal() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.fatalErr
}

func (r *run) firstCause() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.cause
}

func (r *run) doneKeys() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := append([]string(nil), r.done...)
	sort.Strings(out)
	return out
}

// countErr records a failed fetch by kind.
func (r *run) countErr(kind string) {
	if kind == "" || kind == errNetwork && r.ctx.Err() != nil {
		return
	}
	r.failed.Add(1)
	r.mu.Lock()
	r.errs[kind]++
	r.mu.Unlock()
}

// family returns the figures of a page family (caller holds no lock).
func (r *run) addFamily(fam string, fn func(*store.FamilyStats)) {
	if fam == "" {
		fam = extract.Generic
	}
	r.mu.Lock()
	fs := r.families[fam]
	if fs == nil {
		fs = &store.FamilyStats{}
		r.families[fam] = fs
	}
	fn(fs)
	r.mu.Unlock()
}

// fill copies the run's figures into rec.
func (r *run) fill(rec *store.Run) {
	rec.Pages = int(r.pages.Load())
	rec.Requests = int(r.f.requests.Load())
	rec.NotModified = int(r.notMod.Load())
	rec.Parsed = int(r.parsed.Load())
	rec.Bytes = r.f.bytes.Load()
	rec.Items = int(r.items.Load())
	rec.Attachments = int(r.atts.Load())
	rec.Letters = int(r.letters.Load())
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.errs) > 0 {
		rec.Errors = map[string]int{}
		for k, v := range r.errs {
			rec.Errors[k] = v
		}
	}
	if len(r.families) > 0 {
		rec.Families = map[string]store.FamilyStats{}
		for k, v := range r.families {
			rec.Families[k] = *v
		}
	}
	rec.Figures = map[string]int{"sources": r.sources, "audited": int(r.audited.Load()), "reused": int(r.reused.Load()), "lists_not_modified": int(r.listsNotMod.Load()),
		"lists_from_store": int(r.listsFromStore.Load())}
}

func (r *run) summary(rec store.Run) {
	args := []any{"run", rec.ID, "status", rec.Status, "sources", r.sources, "audited", r.audited.Load(),
		"pages", rec.Pages, "requests", rec.Requests, "not_modified", rec.NotModified, "parsed", rec.Parsed, "reused", r.reused.Load(), "lists_not_modified", r.listsNotMod.Load(),
		"items", rec.Items, "attachments", rec.Attachments, "letters", rec.Letters, "bytes", rec.Bytes,
		"duration", rec.EndedAt.Sub(rec.StartedAt).Round(time.Millisecond), "store_batches", r.w.batches,
		"store_time", r.w.busy.Round(time.Millisecond)}
	for _, fam := range sortedKeys(rec.Families) {
		fs := rec.Families[fam]
		args = append(args, fam, fmt.Sprintf("pages=%d items=%d attachments=%d letters=%d", fs.Pages, fs.Items, fs.Attachments, fs.Letters))
	}
	for _, k := range sortedKeys(rec.Errors) {
		args = append(args, "err_"+k, rec.Errors[k])
	}
	if rec.Note != "" {
		args = append(args, "note", rec.Note)
	}
	r.log.Info("crawl finished", args...)
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// crawl runs the whole walk: sources, then their lists and pages.
func (r *run) crawl() error {
	r.fetchHome()
	all, err := r.buildSources()
	if err != nil {
		return err
	}
	srcs := all[:0]
	for _, s := range all {
		if r.skip[s.key] {
			r.skipped++
			continue
		}
		srcs = append(srcs, s)
	}
	r.sources = len(srcs)
	workers := r.cfg.Site.Crawl.Parallelism
	if workers < 1 {
		workers = 1
	}
	stopProgress := r.startProgress()
	defer stopProgress()

	r.tasks = make(chan task, 512)
	srcCh := make(chan *source)
	var swg, twg sync.WaitGroup
	for i := 0; i < workers; i++ {
		swg.Add(1)
		go func() {
			defer swg.Done()
			for s := range srcCh {
				r.crawlSource(s)
			}
		}()
	}
	for i := 0; i < workers*2+2; i++ {
		twg.Add(1)
		go func() {
			defer twg.Done()
			for t := range r.tasks {
				r.doTask(t)
				r.queued.Add(-1)
			}
		}()
	}
	r.queued.Add(int64(len(srcs)))
feed:
	for _, s := range srcs {
		select {
		case srcCh <- s:
		case <-r.ctx.Done():
			break feed
		}
	}
	close(srcCh)
	swg.Wait()
	close(r.tasks)
	twg.Wait()
	return nil
}

// startProgress starts the live progress line; the returned func stops it.
func (r *run) startProgress() func() {
	w := r.c.opt.Progress
	if w == nil {
		return func() {}
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		line := func() {
			el := time.Since(r.start).Seconds()
			rate := 0.0
			if el > 0 {
				rate = float64(r.pages.Load()) / el
			}
			q := r.queued.Load()
			if q < 0 {
				q = 0
			}
			fmt.Fprintf(w, "\r页面 %d / 队列 %d / 错误 %d / %.0f 页/秒   ", r.pages.Load(), q, r.failed.Load(), rate)
		}
		for {
			select {
			case <-t.C:
				line()
			case <-stop:
				line()
				fmt.Fprintln(w)
				return
			}
		}
	}()
	return func() { close(stop); wg.Wait() }
}

// markDone records a finished source.
func (r *run) markDone(st store.SourceState) {
	if st.Audited {
		r.audited.Add(1)
	}
	r.mu.Lock()
	r.done = append(r.done, st.Key)
	if !st.Audited && r.cause == "" {
		r.cause = st.Cause
	}
	r.mu.Unlock()
	if r.c.opt.Progress == nil {
		args := []any{"source", st.Key, "audited", st.Audited, "list_pages", st.ListPages, "items", st.Items}
		if st.Cause != "" {
			args = append(args, "cause", st.Cause)
		}
		if st.Truncated {
			args = append(args, "truncated", true)
		}
		if st.Audited {
			r.log.Info("source crawled", args...)
		} else {
			r.log.Warn("source not audited", args...)
		}
	} else if !st.Audited {
		r.log.Debug("source not audited", "source", st.Key, "cause", st.Cause)
	}
}

// fetchPage fetches a page (list, article, letter, catalog, proxy answer)
// and counts it.
// Once the site is declared down, no page is requested (see avail.go).
func (r *run) fetchPage(rq request, fam string) *response {
	if d := r.siteDown(); d != nil {
		return downResponse(rq.url, d)
	}
	res := r.f.do(r.ctx, rq)
	if r.ctx.Err() != nil && res.failed() {
		return res
	}
	if res.refused {
		r.countErr(res.errKind) // recorded, not requested: no page fetched
		return res
	}
	r.pages.Add(1)
	r.addFamily(fam, func(fs *store.FamilyStats) { fs.Pages++ })
	if res.failed() {
		r.countErr(res.errKind)
	}
	r.observe(res)
	return res
}

// putFailed stores the state of a page whose fetch failed, unless it was
// not requested at all (the site was down): then the page keeps what an
// earlier run stored.
func (r *run) putFailed(u string, res *response) {
	if errors.Is(res.err, errSiteIsDown) {
		return
	}
	r.w.put(record{page: ptr(r.pageRecord(u, res, "", ""))})
}

// pageRecord is the store.Page of a fetched page.
func (r *run) pageRecord(u string, res *response, charset, hash string) store.Page {
	p := store.Page{URL: u, Status: res.status, Charset: charset, Hash: hash, Bytes: len(res.body),
		FetchedAt: r.now(), ErrKind: res.errKind, RunID: r.id}
	if res.err != nil {
		p.Err = res.cause
	}
	if res.header != nil && !res.failed() {
		p.ETag = res.header.Get("ETag")
		p.LastModified = res.header.Get("Last-Modified")
	}
	return p
}

// isHTML reports whether an answer is an HTML (or XML) page.
func isHTML(res *response) bool {
	ct := strings.ToLower(res.contentType)
	if ct == "" {
		ct = strings.ToLower(http.DetectContentType(res.body))
	}
	for _, t := range []string{"html", "xml", "text/plain"} {
		if strings.Contains(ct, t) {
			return true
		}
	}
	return false
}
