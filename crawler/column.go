package crawler

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"

	"github.com/govaudit/govaudit/crawler/extract"
	"github.com/govaudit/govaudit/store"
)

// colState tracks a source until its list is walked and every page it
// listed is done; only then is its state written, so that a source
// recorded as audited always has all its items in the store.
type colState struct {
	src *source
	mu  sync.Mutex
	st  store.SourceState
	// pending counts dispatched page tasks not yet done.
	pending  int
	listDone bool
	// listed maps the hashes (store.ListedKey) of the entry URLs listed
	// so far to their entries' signatures: an entry listed twice (a
	// repeating pager, the same page under two URLs) counts once. It is
	// stored with the source's state (store.Listed) and lives only while
	// the source is crawled.
	listed map[uint64]uint64
	// prev is what the source's previous walk listed (empty when none).
	prev store.Listed
	// items and letters are the source's stored records by URL, read in
	// one pass when its walk starts; read-only afterwards.
	items   map[string]store.Item
	letters map[string]store.Letter
	// firstHash is the stored snapshot hash of the first list page: an
	// unchanged page is not compressed again.
	firstHash string
}

// list records an entry URL with its signature and reports whether it
// is new to the source.
func (cs *colState) list(u string, sig uint64) bool {
	k := store.ListedKey(u)
	if cs.listed == nil {
		cs.listed = map[uint64]uint64{}
	}
	if _, ok := cs.listed[k]; ok {
		return false
	}
	cs.listed[k] = sig
	return true
}

// unchanged reports whether the previous walk of the source listed u
// with the same entry signature.
func (cs *colState) unchanged(u string, sig uint64) bool {
	old, ok := cs.prev.Sig(u)
	return ok && old == sig
}

// sig is the signature of a list entry: a 64-bit FNV-1a hash of its
// fields, separated by a byte that cannot occur in them.
func sig(fields ...string) uint64 {
	h := uint64(14695981039346656037)
	for _, f := range fields {
		for i := 0; i < len(f); i++ {
			h ^= uint64(f[i])
			h *= 1099511628211
		}
		h ^= 0xff
		h *= 1099511628211
	}
	return h
}

// entrySig is the signature of an article's list entry.
func entrySig(e extract.Entry) uint64 { return sig(e.Title, e.Date) }

// rowSig is the signature of a letter's list row.
func rowSig(l *extract.LetterRow) uint64 {
	return sig(l.No, l.Title, l.Status, l.Received, l.Handler)
}

// task is one article or letter page to fetch.
type task struct {
	cs    *colState
	entry extract.Entry
	row   *extract.LetterRow
	// noPage marks a letter known only from its list row.
	noPage bool
}

// crawlSource walks one column or mailbox.
func (r *run) crawlSource(s *source) {
	defer r.queued.Add(-1)
	if s.preset != nil {
		if r.ctx.Err() == nil {
			r.w.put(record{source: s.preset})
			r.markDone(*s.preset)
		}
		return
	}
	if d := r.siteDown(); d != nil {
		// The site does not answer: record the source without a request.
		st := r.state(s)
		st.ErrKind, st.Cause = d.kind, d.sourceCause()
		if r.ctx.Err() == nil {
			r.w.put(record{source: st})
			r.markDone(*st)
		}
		return
	}
	cs := &colState{src: s, st: *r.state(s)}
	cs.st.Audited = true
	if err := r.loadKnown(cs); err != nil {
		r.setFatal(err)
		return
	}
	if s.kind == store.SourceMailbox {
		r.walkMailbox(cs)
	} else {
		r.walkColumn(cs)
	}
	cs.mu.Lock()
	cs.listDone = true
	fin := cs.pending == 0
	cs.mu.Unlock()
	if fin {
		r.finish(cs)
	}
}

// finish writes a source's state once everything it listed is done.
func (r *run) finish(cs *colState) {
	if r.ctx.Err() != nil {
		return // interrupted: the previous state stays
	}
	cs.mu.Lock()
	cs.suspect()
	st := cs.st
	l := store.Listed{Key: st.Key, RunID: r.id, Entries: cs.listed}
	cs.listed = nil
	cs.mu.Unlock()
	if l.Entries == nil {
		l.Entries = map[uint64]uint64{}
	}
	// An audited walk's listing is stored (the checks judge by it, the
	// next walk compares with it), and it goes first: the writer stores
	// it no later than the state, so a listing is never older than the
	// audited state of its walk.
	if st.Audited {
		r.w.put(record{listed: &l})
	}
	r.w.put(record{source: &st})
	r.markDone(st)
}

// suspect marks a column whose walk listed far fewer entries than its
// previous audited walk: none where there were some, or fewer than half.
// Its column checks wait for the next walk (an empty list two nights
// running is empty) instead of turning a broken page into deductions.
// The caller holds cs.mu.
func (cs *colState) suspect() {
	if cs.src.kind != store.SourceColumn || !cs.st.Audited || cs.st.Partial || cs.st.Truncated {
		return
	}
	before, now := len(cs.prev.Entries), len(cs.listed)
	if before > 0 && (now == 0 || now*2 < before) {
		cs.st.Suspect = fmt.Sprintf("疑似异常（上次 %d 条，本次 %d 条）", before, now)
	}
}

// knownLetters returns the stored letters of a mailbox by URL. The
// letters of every mailbox are read in one pass, on the first call.
func (r *run) knownLetters(mailbox string) (map[string]store.Letter, error) {
	r.lettersOnce.Do(func() {
		r.lettersBy = map[string]map[string]store.Letter{}
		r.lettersErr = r.st.EachLetter(func(l store.Letter) error {
			m := r.lettersBy[l.Mailbox]
			if m == nil {
				m = map[string]store.Letter{}
				r.lettersBy[l.Mailbox] = m
			}
			m[l.URL] = l
			return nil
		})
	})
	return r.lettersBy[mailbox], r.lettersErr
}

// loadKnown reads what the store knows of a source before its walk: what
// its previous walk listed and its items (a column) or letters (a
// mailbox), each in one pass, so that unchanged entries need no request
// and no store read of their own.
func (r *run) loadKnown(cs *colState) error {
	s := cs.src
	prev, _, err := r.st.ListedOf(s.key)
	if err != nil {
		return err
	}
	cs.prev = prev
	if p, ok, err := r.st.Page(normalizeURL(s.url)); err != nil {
		return err
	} else if ok {
		cs.firstHash = p.Hash
	}
	if s.kind == store.SourceMailbox {
		cs.letters, err = r.knownLetters(s.id)
		return err
	}
	items, err := r.st.ItemsOfColumn(s.id)
	if err != nil {
		return err
	}
	cs.items = make(map[string]store.Item, len(items))
	for _, it := range items {
		cs.items[it.URL] = it
	}
	return nil
}

// taskDone is called when a page task of cs ends.
func (r *run) taskDone(cs *colState) {
	cs.mu.Lock()
	cs.pending--
	fin := cs.listDone && cs.pending == 0
	cs.mu.Unlock()
	if fin {
		r.finish(cs)
	}
}

// fail marks a source not audited with the cause of a failed fetch.
func (cs *colState) fail(page int, res *response) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if !cs.st.Audited {
		return
	}
	cs.st.PagesFailed++
	if page <= 1 {
		cs.st.Audited = false
		cs.st.ErrKind = res.errKind
		cs.st.Cause = res.cause
		return
	}
	// A later page failed: what the earlier pages listed is judged by the
	// item checks; the column checks (blank, key column, periodic, stale)
	// do not judge a partial walk, which would look like missing posts.
	if !cs.st.Partial {
		cs.st.Partial = true
		cs.st.ErrKind = res.errKind
		cs.st.Cause = fmt.Sprintf("列表第 %d 页无法加载：%s（部分抓取：已读页面的信息照常检查，栏目类检查本次不作判断）", page, res.cause)
	}
}

// failed reports whether the source's walk can go no further: its first
// page failed.
func (cs *colState) failed() bool {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	return !cs.st.Audited
}

// dispatch queues the page tasks of new entries.
func (r *run) dispatch(cs *colState, t task) {
	u := t.entry.URL
	if t.row != nil {
		u = t.row.URL
	}
	if !r.visited.add(u) {
		return // listed by another column too: fetched once, kept under the first
	}
	cs.mu.Lock()
	cs.pending++
	cs.mu.Unlock()
	r.queued.Add(1)
	select {
	case r.tasks <- t:
	case <-r.ctx.Done():
		r.queued.Add(-1)
		r.taskDone(cs)
	}
}

// listFetch is a list page as fetched: its decoded body, or, when it
// answered 304 to a conditional GET, what it showed when last fetched.
type listFetch struct {
	body []byte
	pu   *url.URL
	// url is the normalized request URL, the key of the stored ListPage.
	url string
	src *source
	// etag and lm are the validators the page was served with.
	etag, lm string
	// had reports whether a ListPage of the URL was stored.
	had bool
	// cached is set when the page was not modified, or, after an
	// unchanged first page, taken from the store without a request.
	cached *store.ListPage
	// prev is what the page showed when last fetched in full (nil: never).
	prev *store.ListPage
	// entries is what the visit read from a page fetched in full.
	entries []store.ListEntry
}

// listPage fetches one list page; ok is false when it failed (and cs was
// marked). A GET of a page whose entries are stored (store.ListPage) is
// conditional, so that an unchanged page costs a 304 and no parse; every
// page is validated on its own, and read in full at least once a cycle.
func (r *run) listPage(cs *colState, n int, rq request) (lf listFetch, ok bool) {
	lf, failed, ok := r.fetchListPage(cs, n, rq)
	if failed != nil {
		cs.fail(n, failed)
	}
	return lf, ok
}

// fetchListPage is listPage without marking the source: failed is the
// answer of a page that failed (nil when it did not, or when the run was
// interrupted), for the caller to record when it reaches that page.
func (r *run) fetchListPage(cs *colState, n int, rq request) (lf listFetch, failed *response, ok bool) {
	s := cs.src
	rq.url = normalizeURL(rq.url)
	lf.url, lf.src = rq.url, s
	var prev store.ListPage
	if rq.method == "GET" {
		var err error
		if prev, lf.had, err = r.st.ListPageOf(rq.url); err != nil {
			r.setFatal(err)
			return lf, nil, false
		}
		if lf.had && prev.Parser == parserOf(s) {
			lf.prev = &prev
		}
		// A page is read in full again once a cycle (crawl.revalidate_days),
		// in case the server's validators do not follow its content.
		// So is a page whose entries were read with other settings.
		if lf.had && (prev.ETag != "" || prev.LastModified != "") && !r.overdue(prev.FetchedAt) && prev.Parser == parserOf(s) {
			rq.header = http.Header{}
			if prev.ETag != "" {
				rq.header.Set("If-None-Match", prev.ETag)
			}
			if prev.LastModified != "" {
				rq.header.Set("If-Modified-Since", prev.LastModified)
			}
		}
	}
	res := r.fetchPage(rq, s.family)
	if r.ctx.Err() != nil {
		return lf, nil, false
	}
	if !res.failed() && res.status == http.StatusNotModified {
		if rq.header != nil {
			r.notMod.Add(1)
			r.listsNotMod.Add(1)
			lf.cached = &prev
			return lf, nil, true
		}
		// A 304 to an unconditional request has nothing to read.
		res.errKind, res.cause = errNotHTML, "未发送条件请求却返回 304（未修改）"
		res.err = fmt.Errorf("%s: 304 to an unconditional request", rq.url)
		r.countErr(errNotHTML)
	}
	if !res.failed() && !isHTML(res) {
		res.errKind, res.cause = errNotHTML, fmt.Sprintf("返回的不是网页（%s）", res.contentType)
		res.err = fmt.Errorf("%s: not HTML", rq.url)
		r.countErr(errNotHTML)
	}
	if res.failed() {
		r.putFailed(rq.url, res)
		return lf, res, false
	}
	body, charset := decodeHTML(res.body, res.contentType)
	// The first list page is kept as evidence (a blank or silent column).
	hash := ""
	var snap []byte
	if n == 1 {
		if hash = store.SnapshotHash(body); hash != cs.firstHash {
			snap = store.CompressSnapshotBody(body)
		}
	}
	r.w.put(record{page: ptr(r.pageRecord(rq.url, res, charset, hash)), hash: hash, snap: snap})
	pu, err := url.Parse(res.url)
	if err != nil {
		pu, _ = url.Parse(rq.url)
	}
	lf.body, lf.pu = body, pu
	if res.header != nil {
		lf.etag, lf.lm = res.header.Get("ETag"), res.header.Get("Last-Modified")
	}
	return lf, nil, true
}

// saveListPage stores what a fully fetched list page showed, for the
// conditional GET of the next walk and, validators or not, for telling
// an unchanged first page (walkPages).
func (r *run) saveListPage(lf listFetch, entries []store.ListEntry, next []string) {
	if lf.cached != nil {
		return
	}
	r.w.put(record{listPage: &store.ListPage{URL: lf.url, ETag: lf.etag, LastModified: lf.lm, RunID: r.id, FetchedAt: r.now(), Parser: parserOf(lf.src), Entries: entries, Next: next}})
}

// parserOf is the fingerprint of how a source's list pages are read
// (store.ListPage.Parser): its kind, CMS family and selectors.
func parserOf(s *source) string {
	f := s.kind + "|" + s.family
	if sel := s.selectors; sel != nil {
		f += "|" + strings.Join([]string{sel.Item, sel.Link, sel.Date, sel.Next}, "\x00")
	}
	return f
}

// articleEntries and storedArticles convert a column's list entries to
// and from their stored form.
func articleEntries(es []extract.Entry) []store.ListEntry {
	out := make([]store.ListEntry, len(es))
	for i, e := range es {
		out[i] = store.ListEntry{URL: e.URL, Fields: []string{e.Title, e.Date, e.RawDate}}
	}
	return out
}

func storedArticles(les []store.ListEntry) []extract.Entry {
	out := make([]extract.Entry, len(les))
	for i, le := range les {
		f := append(le.Fields, "", "", "")
		out[i] = extract.Entry{URL: le.URL, Title: f[0], Date: f[1], RawDate: f[2]}
	}
	return out
}

// letterEntries and storedLetters do the same for a mailbox's rows.
func letterEntries(rows []extract.LetterRow) []store.ListEntry {
	out := make([]store.ListEntry, len(rows))
	for i, l := range rows {
		out[i] = store.ListEntry{URL: l.URL, Fields: []string{l.No, l.Title, l.Status, l.Received, l.Handler}}
	}
	return out
}

func storedLetters(les []store.ListEntry) []extract.LetterRow {
	out := make([]extract.LetterRow, len(les))
	for i, le := range les {
		f := append(le.Fields, "", "", "", "", "")
		out[i] = extract.LetterRow{URL: le.URL, No: f[0], Title: f[1], Status: f[2], Received: f[3], Handler: f[4]}
	}
	return out
}

// addEntries counts a list page's entries and dispatches their articles;
// it returns the number of entries new to the source. Entry URLs come
// canonical from the extractor.
func (r *run) addEntries(cs *colState, es []extract.Entry) int {
	added := 0
	for _, e := range es {
		e.Date = r.plausible(e.Date, e.URL)
		cs.mu.Lock()
		isNew := cs.list(e.URL, entrySig(e))
		if isNew {
			cs.st.Items++
			if e.Date > cs.st.Newest {
				cs.st.Newest = e.Date
			}
		}
		cs.mu.Unlock()
		if !isNew {
			continue
		}
		r.dispatch(cs, task{cs: cs, entry: e})
		added++
	}
	return added
}

// truncate records that the page cap stopped a walk: the source stays
// audited for what it listed, and the checks do not judge what lies
// beyond the cut (docs/CHECKS.md, "Cut walks").
func (r *run) truncate(cs *colState) {
	cs.mu.Lock()
	cs.st.Truncated = true
	cs.st.Cause = fmt.Sprintf("已达列表页数上限 %d，后续页面未抓取", r.maxPages)
	cs.mu.Unlock()
	r.mu.Lock()
	r.errs[errPageCap]++
	r.mu.Unlock()
}

// walkPages walks a source's list pages breadth-first from its URL,
// each page once, until the queue runs dry, the context ends or the page
// cap cuts the walk. visit handles page n, fetched from u, and returns
// the list pages it links to; ok false ends the walk.
//
// When the first page is unchanged (a 304, or the entries and pager it
// showed last time) and the source is not due for revalidation tonight,
// nothing was added on top, so nothing shifted further down: the other
// pages are taken from the store (store.ListPage) without a request, each
// still read in full once a cycle (see storedListPage). On the source's
// night of the cycle every page is requested (conditionally).
func (r *run) walkPages(cs *colState, visit func(n int, u string, lf *listFetch) (next []string, ok bool)) {
	queue := []string{normalizeURL(cs.src.url)}
	seen := map[string]bool{queue[0]: true}
	pages := 0
	fromStore := false
	// Known list pages are fetched ahead, a few at a time (the host's gate
	// still limits the requests), and visited in order.
	type ahead struct {
		lf     listFetch
		failed *response
		ok     bool
		done   chan struct{}
	}
	pre := map[string]*ahead{}
	var inflight sync.WaitGroup
	defer inflight.Wait()
	for len(queue) > 0 {
		if r.ctx.Err() != nil {
			return
		}
		if pages >= r.maxPages {
			r.truncate(cs)
			return
		}
		u := queue[0]
		queue = queue[1:]
		pages++
		cs.mu.Lock()
		cs.st.ListPages = pages
		cs.mu.Unlock()
		var lf listFetch
		ok := false
		if fromStore {
			lf, ok = r.storedListPage(cs, u)
		}
		if !ok {
			if a := pre[u]; a != nil {
				<-a.done
				lf, ok = a.lf, a.ok
				if a.failed != nil {
					cs.fail(pages, a.failed)
				}
			} else {
				lf, ok = r.listPage(cs, pages, request{method: "GET", url: u})
			}
			if !ok {
				if cs.failed() || r.ctx.Err() != nil {
					return
				}
				continue // a later page failed: the pages already named are still read
			}
		}
		next, ok := visit(pages, u, &lf)
		if !ok {
			return
		}
		if pages == 1 && lf.prev != nil && !r.due(cs.src.url) && (lf.cached != nil || samePage(lf.prev, lf.entries, next)) {
			fromStore = true
		}
		for _, n := range next {
			n = normalizeURL(n)
			if n == "" || seen[n] {
				continue
			}
			seen[n] = true
			queue = append(queue, n)
		}
		if fromStore {
			continue
		}
		for i, q := range queue {
			n := pages + 1 + i // the page number q will have
			if i >= listPrefetch || n > r.maxPages {
				break
			}
			if pre[q] != nil {
				continue
			}
			a := &ahead{done: make(chan struct{})}
			pre[q] = a
			inflight.Go(func() {
				defer close(a.done)
				a.lf, a.failed, a.ok = r.fetchListPage(cs, n, request{method: "GET", url: q})
			})
		}
	}
}

// listPrefetch is how many known list pages of a source are fetched ahead
// of the walk.
const listPrefetch = 4

// storedListPage is list page u of an unchanged source as the store holds
// it, without a request; ok is false when it must be requested: never
// stored in full, read with other settings, or not read in full for a
// whole cycle.
func (r *run) storedListPage(cs *colState, u string) (listFetch, bool) {
	prev, had, err := r.st.ListPageOf(u)
	if err != nil {
		r.setFatal(err)
		return listFetch{}, false
	}
	if !had || prev.Parser != parserOf(cs.src) || r.overdue(prev.FetchedAt) {
		return listFetch{}, false
	}
	r.listsFromStore.Add(1)
	return listFetch{url: u, src: cs.src, had: true, cached: &prev, prev: &prev}, true
}

// samePage reports whether a list page fetched in full shows what it
// showed last time: the same entries and pager links, in order.
func samePage(prev *store.ListPage, entries []store.ListEntry, next []string) bool {
	if entries == nil || len(prev.Entries) != len(entries) || !slices.Equal(prev.Next, next) {
		return false
	}
	for i, e := range entries {
		if e.URL != prev.Entries[i].URL || !slices.Equal(e.Fields, prev.Entries[i].Fields) {
			return false
		}
	}
	return true
}

// walkColumn walks a column's list pages in every pagination style.
func (r *run) walkColumn(cs *colState) {
	s := cs.src
	r.walkPages(cs, func(pages int, _ string, lf *listFetch) ([]string, bool) {
		if lf.cached != nil {
			r.addEntries(cs, storedArticles(lf.cached.Entries))
			return lf.cached.Next, true
		}
		lp, err := extract.List(extract.Page{URL: lf.pu, Body: lf.body, Family: s.family, Selectors: s.selectors, Now: r.now().In(cst), MaxPages: r.maxPages})
		if err != nil {
			cs.fail(pages, &response{errKind: errParse, cause: "列表页无法解析"})
			r.countErr(errParse)
			return nil, false
		}
		switch {
		case len(lp.Entries) == 0 && lp.Hanweb != nil && lp.Hanweb.Embedded > 0:
			// Records are there, but none could be read: a layout the
			// extractor does not know, never an empty column.
			cause := fmt.Sprintf("页面内嵌 %d 条数据记录，但未能从中识别出信息（记录结构未适配）", lp.Hanweb.Embedded)
			cs.fail(pages, &response{errKind: errUnreadable, cause: cause})
			r.countErr(errUnreadable)
			return nil, false
		case len(lp.Entries) > 0 && lp.Hanweb == nil:
			if cause, bad := misread(lf.body, lf.pu, len(lp.Entries)); bad {
				cs.fail(pages, &response{errKind: errUnreadable, cause: cause})
				r.countErr(errUnreadable)
				return nil, false
			}
		case len(lp.Entries) == 0 && lp.Hanweb == nil:
			// Nothing read: an empty list only when the page says so.
			v := judgeEmptyList(lf.body)
			if !v.empty {
				cs.fail(pages, &response{errKind: v.kind, cause: v.cause})
				r.countErr(v.kind)
				return nil, false
			}
		}
		r.addEntries(cs, lp.Entries)
		if lp.Hanweb != nil {
			// Its data-proxy batches are POSTs, fetched in full: the
			// page is not kept for a conditional GET. They go on
			// counting from this page, and end the walk.
			r.walkHanweb(cs, lp, &pages)
			return nil, false
		}
		if pages == 1 && lp.Declared > 1 {
			// The pager works by script or form: the list goes on
			// where the walk cannot follow, so the column checks wait.
			cs.fail(2, &response{errKind: errUnreadable, cause: fmt.Sprintf("列表显示共 %d 页，但翻页由脚本或表单完成，无法跟随", lp.Declared)})
			r.countErr(errUnreadable)
		}
		next := append([]string{lp.Next}, lp.Pages...)
		lf.entries = articleEntries(lp.Entries)
		r.saveListPage(*lf, lf.entries, next)
		return next, true
	})
}

// walkHanweb asks a Hanweb data proxy for the records after those
// embedded in the column page, in batches, until <totalrecord>.
func (r *run) walkHanweb(cs *colState, lp *extract.ListPage, pages *int) {
	r.walkProxy(cs, lp.Hanweb, pages, func(lf listFetch) proxyBatch {
		pp, err := extract.HanwebProxy(extract.Page{URL: lf.pu, Body: lf.body, Family: extract.Hanweb, Now: r.now().In(cst)})
		if err != nil {
			return proxyBatch{}
		}
		// The answer's <totalrecord> rules, also when it has none (-1).
		return proxyBatch{ok: true, added: r.addEntries(cs, pp.Entries), read: len(pp.Entries), total: pp.Total, setTotal: true,
			records: bytes.Count(lf.body, []byte("<record"))}
	})
}

// walkLetterProxy asks a mailbox's data proxy (jact's
// dataproxy_mailpublist.do) for the letters after those the list page
// holds, in batches, until an empty or repeated batch (or the record
// count the page printed).
func (r *run) walkLetterProxy(cs *colState, u string, h *extract.HanwebList, pages *int) {
	s := cs.src
	r.walkProxy(cs, h, pages, func(lf listFetch) proxyBatch {
		ll, err := extract.Letters(extract.Page{URL: lf.pu, Body: lf.body, Family: s.family, Now: r.now().In(cst), MaxPages: r.maxPages})
		if err != nil || !ll.Found {
			return proxyBatch{}
		}
		return proxyBatch{ok: true, added: r.addRows(cs, u, ll.Rows), read: len(ll.Rows), total: -1}
	})
}

// proxyBatch is what walkProxy's parse made of one data-proxy answer.
type proxyBatch struct {
	ok    bool // the answer could be read
	added int  // records new to the source
	read  int  // records read (new or not)
	total int  // the record count the answer announces; -1: none
	// setTotal makes total replace the walk's count even when -1
	// (unknown); otherwise only an announced count does.
	setTotal bool
	records  int // raw records the answer holds (<record> elements), 0 when unknown
}

// walkProxy POSTs a data proxy's form for the records after the
// embedded ones, in batches of extract.BatchSize, until the total (when
// known) or a batch that adds nothing new. parse reads one answer.
func (r *run) walkProxy(cs *colState, h *extract.HanwebList, pages *int, parse func(lf listFetch) proxyBatch) {
	total := h.Total
	if total > 0 && total <= h.Embedded {
		return
	}
	form := []byte(h.Form.Encode())
	for start := h.Embedded + 1; total <= 0 || start <= total; start += extract.BatchSize {
		if r.ctx.Err() != nil {
			return
		}
		if *pages >= r.maxPages {
			r.truncate(cs)
			return
		}
		*pages++
		cs.mu.Lock()
		cs.st.ListPages = *pages
		cs.mu.Unlock()
		lf, ok := r.listPage(cs, *pages, request{method: "POST", url: h.BatchURL(start, start+extract.BatchSize-1), form: form})
		if !ok {
			return
		}
		b := parse(lf)
		if !b.ok {
			cs.fail(*pages, &response{errKind: errParse, cause: "数据接口返回内容无法解析"})
			r.countErr(errParse)
			return
		}
		if b.total >= 0 || b.setTotal {
			total = b.total
		}
		if b.added == 0 {
			// An empty batch, or one that only repeats records already
			// seen (a proxy that clamps past its end): the list is done.
			// When the proxy still counts records beyond, or sent records
			// none of which could be read, the walk missed some: partial.
			if n := b.records; n > 0 && b.read == 0 {
				cs.fail(*pages, &response{errKind: errUnreadable, cause: fmt.Sprintf("数据接口返回 %d 条记录，但未能从中识别出信息", n)})
				r.countErr(errUnreadable)
			} else if total > 0 && start <= total && b.read == 0 && float64(start-1) < 0.9*float64(total) {
				cs.fail(*pages, &response{errKind: errUnreadable, cause: fmt.Sprintf("数据接口声明共 %d 条，但第 %d 条起未再返回记录", total, start)})
				r.countErr(errUnreadable)
			}
			return
		}
		if total < 0 {
			total = 0 // unknown: go on until a batch comes back empty
		}
	}
}

// walkMailbox walks a mailbox's letter list pages.
func (r *run) walkMailbox(cs *colState) {
	s := cs.src
	r.walkPages(cs, func(pages int, u string, lf *listFetch) ([]string, bool) {
		var rows []extract.LetterRow
		var next []string
		if lf.cached != nil {
			rows, next = storedLetters(lf.cached.Entries), lf.cached.Next
		} else {
			ll, err := extract.Letters(extract.Page{URL: lf.pu, Body: lf.body, Family: s.family, Now: r.now().In(cst), MaxPages: r.maxPages})
			if err != nil || !ll.Found && pages == 1 {
				cs.fail(pages, &response{errKind: errParse, cause: "页面中未找到信件列表"})
				r.countErr(errParse)
				return nil, false
			}
			rows, next = ll.Rows, append([]string{ll.Next}, ll.Pages...)
			if ll.Proxy != nil {
				// Further groups come from a data proxy by POST: the
				// page is not kept for a conditional GET (as Hanweb's).
				r.addRows(cs, u, rows)
				r.walkLetterProxy(cs, u, ll.Proxy, &pages)
				return nil, false
			}
			lf.entries = letterEntries(rows)
			r.saveListPage(*lf, lf.entries, next)
		}
		r.addRows(cs, u, rows)
		return next, true
	})
}

// addRows counts a letter list's rows and dispatches their letters; it
// returns the number of rows new to the source. u is the list page, the
// key of rows without a letter page.
func (r *run) addRows(cs *colState, u string, rows []extract.LetterRow) int {
	added := 0
	for i := range rows {
		row := rows[i]
		noPage := row.URL == ""
		if noPage {
			// A row without a letter page: keyed by the list and its number.
			row.URL = u + "#" + row.No
		}
		cs.mu.Lock()
		isNew := cs.list(row.URL, rowSig(&row))
		if isNew {
			cs.st.Items++
			if d := dateOnly(row.Received); d > cs.st.Newest {
				cs.st.Newest = d
			}
		}
		cs.mu.Unlock()
		if isNew {
			r.dispatch(cs, task{cs: cs, row: &row, noPage: noPage})
			added++
		}
	}
	return added
}

func dateOnly(s string) string {
	if len(s) >= 10 {
		return s[:10]
	}
	return s
}
