package crawler

import (
	"fmt"
	"net/url"
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
	// listed holds the hashes of the entry URLs listed so far: an entry
	// listed twice (a repeating pager, the same page under two URLs)
	// counts once. It lives only while the source is walked.
	listed map[uint64]struct{}
}

// list records an entry URL and reports whether it is new to the source.
func (cs *colState) list(u string) bool {
	k := hashURL(u)
	if cs.listed == nil {
		cs.listed = map[uint64]struct{}{}
	}
	if _, ok := cs.listed[k]; ok {
		return false
	}
	cs.listed[k] = struct{}{}
	return true
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
	if s.kind == store.SourceMailbox {
		r.walkMailbox(cs)
	} else {
		r.walkColumn(cs)
	}
	cs.mu.Lock()
	cs.listDone = true
	cs.listed = nil
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
	st := cs.st
	r.w.put(record{source: &st})
	r.markDone(st)
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
	cs.st.Audited = false
	cs.st.ErrKind = res.errKind
	if page <= 1 {
		cs.st.Cause = res.cause
	} else {
		// A partial list would look like missing posts: not audited.
		cs.st.Cause = fmt.Sprintf("列表第 %d 页无法加载：%s", page, res.cause)
	}
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

// listPage fetches and decodes one list page; ok is false when it failed
// (and cs was marked).
func (r *run) listPage(cs *colState, n int, rq request) (body []byte, pu *url.URL, ok bool) {
	s := cs.src
	rq.url = normalizeURL(rq.url)
	res := r.fetchPage(rq, s.family)
	if r.ctx.Err() != nil {
		return nil, nil, false
	}
	if !res.failed() && !isHTML(res) {
		res.errKind, res.cause = errNotHTML, fmt.Sprintf("返回的不是网页（%s）", res.contentType)
		res.err = fmt.Errorf("%s: not HTML", rq.url)
		r.countErr(errNotHTML)
	}
	if res.failed() {
		r.putFailed(rq.url, res)
		cs.fail(n, res)
		return nil, nil, false
	}
	body, charset := decodeHTML(res.body, res.contentType)
	// The first list page is kept as evidence (a blank or silent column).
	hash := ""
	var snap []byte
	if n == 1 {
		hash, snap = store.SnapshotHash(body), body
	}
	r.w.put(record{page: ptr(r.pageRecord(rq.url, res, charset, hash)), hash: hash, snap: snap})
	pu, err := url.Parse(res.url)
	if err != nil {
		pu, _ = url.Parse(rq.url)
	}
	return body, pu, true
}

// addEntries counts a list page's entries and dispatches their articles;
// it returns the number of entries new to the source. Entry URLs come
// canonical from the extractor.
func (r *run) addEntries(cs *colState, es []extract.Entry) int {
	added := 0
	for _, e := range es {
		cs.mu.Lock()
		isNew := cs.list(e.URL)
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

// walkColumn walks a column's list pages in every pagination style.
func (r *run) walkColumn(cs *colState) {
	s := cs.src
	queue := []string{normalizeURL(s.url)}
	seen := map[string]bool{queue[0]: true}
	pages := 0
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
		body, pu, ok := r.listPage(cs, pages, request{method: "GET", url: u})
		if !ok {
			return
		}
		lp, err := extract.List(extract.Page{URL: pu, Body: body, Family: s.family, Selectors: s.selectors, Now: r.now().In(cst), MaxPages: r.maxPages})
		if err != nil {
			cs.fail(pages, &response{errKind: errParse, cause: "列表页无法解析"})
			r.countErr(errParse)
			return
		}
		r.addEntries(cs, lp.Entries)
		if lp.Hanweb != nil {
			r.walkHanweb(cs, lp, &pages)
			return
		}
		next := append([]string{}, lp.Next)
		next = append(next, lp.Pages...)
		for _, n := range next {
			n = normalizeURL(n)
			if n == "" || seen[n] {
				continue
			}
			seen[n] = true
			queue = append(queue, n)
		}
	}
}

// walkHanweb asks a Hanweb data proxy for the records after those
// embedded in the column page, in batches, until <totalrecord>.
func (r *run) walkHanweb(cs *colState, lp *extract.ListPage, pages *int) {
	h := lp.Hanweb
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
		body, pu, ok := r.listPage(cs, *pages, request{method: "POST", url: h.BatchURL(start, start+extract.BatchSize-1), form: form})
		if !ok {
			return
		}
		pp, err := extract.HanwebProxy(extract.Page{URL: pu, Body: body, Family: extract.Hanweb, Now: r.now().In(cst)})
		if err != nil {
			cs.fail(*pages, &response{errKind: errParse, cause: "数据接口返回内容无法解析"})
			r.countErr(errParse)
			return
		}
		total = pp.Total
		if r.addEntries(cs, pp.Entries) == 0 {
			// An empty batch, or one that only repeats records already
			// seen (a proxy that clamps past its end): the list is done.
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
	queue := []string{normalizeURL(s.url)}
	seen := map[string]bool{queue[0]: true}
	pages := 0
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
		body, pu, ok := r.listPage(cs, pages, request{method: "GET", url: u})
		if !ok {
			return
		}
		ll, err := extract.Letters(extract.Page{URL: pu, Body: body, Family: s.family, Now: r.now().In(cst), MaxPages: r.maxPages})
		if err != nil || !ll.Found && pages == 1 {
			cs.fail(pages, &response{errKind: errParse, cause: "页面中未找到信件列表"})
			r.countErr(errParse)
			return
		}
		for i := range ll.Rows {
			row := ll.Rows[i]
			noPage := row.URL == ""
			if noPage {
				// A row without a letter page: keyed by the list and its number.
				row.URL = u + "#" + row.No
			}
			cs.mu.Lock()
			isNew := cs.list(row.URL)
			if isNew {
				cs.st.Items++
				if d := dateOnly(row.Received); d > cs.st.Newest {
					cs.st.Newest = d
				}
			}
			cs.mu.Unlock()
			if isNew {
				r.dispatch(cs, task{cs: cs, row: &row, noPage: noPage})
			}
		}
		for _, n := range append([]string{ll.Next}, ll.Pages...) {
			n = normalizeURL(n)
			if n == "" || seen[n] {
				continue
			}
			seen[n] = true
			queue = append(queue, n)
		}
	}
}

func dateOnly(s string) string {
	if len(s) >= 10 {
		return s[:10]
	}
	return s
}
