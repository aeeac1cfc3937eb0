package crawler

import (
	"bytes"
	"fmt"
	"hash/fnv"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/net/html"

	"github.com/govaudit/govaudit/crawler/dates"
	"github.com/govaudit/govaudit/crawler/extract"
	"github.com/govaudit/govaudit/store"
)

// Revalidation. An article whose list entry is the one the previous walk
// of its column listed, and whose stored item came from a successful
// fetch, is kept from the store without a request, except on its night
// of the revalidation cycle (crawl.revalidate_days, see due) or when its
// last validation is older than the cycle (nights without a crawl): then
// it is requested conditionally. A changed list entry or a failed last
// fetch means a request every night.
//
// Articles dated before the checks' window (rules.since, else 1 January
// of last year) are judged by no check: the same holds for them on a
// cycle longCycles times as long (see dueDated). A portal keeps years of
// them; requesting each once a week would spend much of a nightly crawl
// on pages nothing reads. They are still revalidated, so that a window
// moved back (rules.since) finds them at most one long cycle old.
//
// Letters are kept on the long cycle once answered, or when received
// before the window: the checks read only a letter's receipt and reply
// times, and once both are there neither can change in a way the checks
// care about (a changed list row, e.g. a new status, still means a
// request that night). Unanswered letters in the window are requested
// every night, conditionally: their reply is what the check waits for.

// longCycles is how many revalidation cycles apart an article dated
// before the checks' window, or an answered letter, is revalidated.
const longCycles = 4

// due reports whether a URL is due tonight on the rolling cycle: each URL
// falls on one night in r.cycle, spread by its hash. It schedules the
// revalidation of unchanged articles and the re-probing of their
// attachments and links.
func (r *run) due(u string) bool {
	return r.dueEvery(u, r.cycle)
}

// dueEvery reports whether a URL is due tonight on a cycle of n nights.
func (r *run) dueEvery(u string, n int) bool {
	h := fnv.New32a()
	h.Write([]byte(u))
	day := r.start.In(cst).Unix() / 86400
	return (int64(h.Sum32())+day)%int64(n) == 0
}

// dueDated is due for a page of an article dated date (its publication
// or list date): the long cycle when the date lies before the checks'
// window.
func (r *run) dueDated(u, date string) bool {
	if r.archived(date) {
		return r.dueLong(u)
	}
	return r.due(u)
}

// dueLong is due on the long cycle (see longCycles).
func (r *run) dueLong(u string) bool {
	return r.dueEvery(u, r.cycle*longCycles)
}

// overdue reports whether a record validated at t must be validated
// again tonight although it is not due: a night of its cycle was missed.
func (r *run) overdue(t time.Time) bool {
	return r.overdueAfter(t, r.cycle)
}

// overdueDated is overdue for an article dated date (see dueDated).
func (r *run) overdueDated(t time.Time, date string) bool {
	if r.archived(date) {
		return r.overdueLong(t)
	}
	return r.overdue(t)
}

// overdueLong is overdue on the long cycle.
func (r *run) overdueLong(t time.Time) bool {
	return r.overdueAfter(t, r.cycle*longCycles)
}

func (r *run) overdueAfter(t time.Time, nights int) bool {
	return r.start.Sub(t) > time.Duration(nights)*24*time.Hour+12*time.Hour
}

// archived reports whether a date (2006-01-02, possibly with a time) lies
// before the checks' window. An empty date is not archived: an undated
// record is judged where it can be.
func (r *run) archived(date string) bool {
	if len(date) > 10 {
		date = date[:10]
	}
	return date != "" && date < r.since
}

// itemDate is the date an item is judged by: its publication date, else
// its list date (as the checks read it).
func itemDate(it *store.Item) string {
	if it.Published != "" {
		return it.Published
	}
	return it.ListDate
}

// doTask fetches one article or letter page.
func (r *run) doTask(t task) {
	defer r.taskDone(t.cs)
	if r.ctx.Err() != nil {
		return
	}
	if t.row != nil {
		r.doLetter(t)
		return
	}
	r.doArticle(t)
}

// keepable returns the stored item of an article whose list entry did not
// change since the previous walk and that may be kept without a request
// tonight.
func (r *run) keepable(t task) (store.Item, bool) {
	s := t.cs.src
	e := t.entry
	it, ok := t.cs.items[e.URL]
	if !ok || !t.cs.unchanged(e.URL, entrySig(e)) {
		return it, false
	}
	healthy := it.FetchErr == "" && it.SnapshotHash != "" && it.Unit == s.unit && it.Family == s.family && it.ListDate == e.Date
	date := itemDate(&it)
	return it, healthy && !r.dueDated(e.URL, date) && !r.overdueDated(it.FetchedAt, date)
}

// doArticle fetches, parses and stores one article page. An unchanged
// page (304, or the same content) is not parsed again: its stored item is
// reused. An article whose list entry is unchanged is not requested at
// all unless it is due (see keepable).
func (r *run) doArticle(t task) {
	s := t.cs.src
	e := t.entry
	if it, ok := r.keepable(t); ok {
		r.reused.Add(1)
		r.reuse(t, it, false)
		return
	}
	base := store.Item{URL: e.URL, Unit: s.unit, Column: s.id, Family: s.family, Title: e.Title, ListDate: e.Date, RunID: r.id}

	prevPage, havePage, err := r.st.Page(e.URL)
	if err != nil {
		r.setFatal(err)
		return
	}
	prevItem, haveItem := t.cs.items[e.URL]
	if !haveItem {
		// Not stored under this column: maybe under another one.
		if prevItem, haveItem, err = r.st.Item(e.URL); err != nil {
			r.setFatal(err)
			return
		}
	}
	reusable := havePage && haveItem && prevPage.ErrKind == "" && prevPage.Hash != "" && prevItem.FetchErr == ""
	var hdr http.Header
	if reusable && (prevPage.ETag != "" || prevPage.LastModified != "") {
		hdr = http.Header{}
		if prevPage.ETag != "" {
			hdr.Set("If-None-Match", prevPage.ETag)
		}
		if prevPage.LastModified != "" {
			hdr.Set("If-Modified-Since", prevPage.LastModified)
		}
	}
	res := r.fetchPage(request{method: "GET", url: e.URL, header: hdr}, s.family)
	if r.ctx.Err() != nil {
		return
	}
	now := r.now()
	if !res.failed() && res.status != http.StatusNotModified && !isHTML(res) {
		res.errKind, res.cause = errNotHTML, "返回的不是网页（"+res.contentType+"）"
		r.countErr(errNotHTML)
	}
	if !res.failed() && res.status != http.StatusNotModified && cutOff(res.body) {
		// Closed early without a length to tell: half a page must not
		// read as a page without attachments.
		res.errKind, res.cause = errTruncated, "页面传输不完整（页面没有结尾）"
		r.countErr(errTruncated)
	}
	if res.failed() {
		// Known from the list, not audited: keep what an earlier run read.
		it := base
		if haveItem {
			it = prevItem
			it.Unit, it.Column, it.Family, it.ListDate, it.RunID = s.unit, s.id, s.family, e.Date, r.id
		}
		it.FetchErr = res.cause
		it.FetchedAt = now
		r.putFailed(e.URL, res)
		r.w.put(record{item: &it})
		r.countItem(s.family, &it)
		return
	}
	if res.status == http.StatusNotModified && reusable {
		r.notMod.Add(1)
		r.reuse(t, prevItem, true)
		return
	}
	body, charset := decodeHTML(res.body, res.contentType)
	hash := store.SnapshotHash(body)
	if reusable && hash == prevPage.Hash {
		// No conditional GET support, same content.
		r.reuse(t, prevItem, true)
		return
	}
	pu, err := url.Parse(res.url)
	if err != nil {
		pu, _ = url.Parse(e.URL)
	}
	// One parse for the extractor and the content scan.
	root, err := html.Parse(bytes.NewReader(body))
	if err != nil {
		root = nil // ParseArticle parses again and reports the error
	}
	a, err := extract.ParseArticle(extract.Page{URL: pu, Body: body, Root: root, Family: s.family, Selectors: s.selectors, Now: now.In(cst)})
	r.parsed.Add(1)
	page := r.pageRecord(e.URL, res, charset, hash)
	if err != nil {
		it := base
		it.FetchErr, it.FetchedAt = "页面无法解析", now
		page.ErrKind, page.Err = errParse, err.Error()
		r.countErr(errParse)
		r.w.put(record{page: &page, hash: hash, snap: store.CompressSnapshotBody(body)})
		r.w.put(record{item: &it})
		r.countItem(s.family, &it)
		return
	}
	if a.Title == "" && a.Published == "" && a.Written == "" && base.ListDate == "" {
		// Nothing of the article was recognised, not even from its list
		// entry: a damaged page or a layout the extractor does not know.
		// Judging it (its attachments, its dates) would judge nothing read.
		it := base
		it.FetchErr, it.FetchedAt = "页面未能识别（未读到标题和任何日期）", now
		page.ErrKind, page.Err = errUnreadable, "no title and no date recognised"
		r.countErr(errUnreadable)
		r.w.put(record{page: &page, hash: hash, snap: store.CompressSnapshotBody(body)})
		r.w.put(record{item: &it})
		r.countItem(s.family, &it)
		return
	}
	it := base
	if a.Title != "" {
		it.Title = a.Title
	}
	it.Published, it.Written = r.plausible(a.Published, e.URL), r.plausible(a.Written, e.URL)
	it.DocNo, it.IndexNo = a.DocNo, a.IndexNo
	it.Publisher, it.Validity, it.BodyLen = a.Publisher, a.Validity, a.BodyLen
	it.NamedAttachments = a.Named
	it.Links = a.Links
	it.SnapshotHash = hash
	it.FetchedAt = now
	prev, _, content := r.priorContent(&it)
	read := content && r.cont.attText
	for _, l := range a.Attachments {
		it.Attachments = append(it.Attachments, r.attachment(l, attPlan{read: read && r.readsTonight(l.URL, prev)}))
	}
	r.probeLinks(pu, a.Links, false, false)
	if content {
		r.scanArticle(&it, pu, root, prev)
	}
	// The snapshot is the evidence of findings: an article dated before
	// the checks' window yields none, so only its hash is kept (it still
	// tells a changed page). Real portals keep years of such articles.
	var snap []byte
	if r.inWindow(&it) {
		snap = store.CompressSnapshotBody(body)
	}
	r.w.put(record{page: &page, hash: hash, snap: snap})
	r.w.put(record{item: &it})
	r.countItem(s.family, &it)
}

// reuse keeps the stored item of an unchanged article for this run.
// Its attachments are re-probed when their last probe failed or was
// skipped, and otherwise on their night of the cycle (see due); the same
// goes for links. The item is written again only when it was validated
// tonight (a 304 or the same content: its FetchedAt moves) or a probe
// changed an attachment, or it was stored under other settings; the
// page record is left as it is. That the run listed the item is recorded
// once for the whole column (store.Listed).
func (r *run) reuse(t task, it store.Item, validated bool) {
	s := t.cs.src
	write := validated || it.Column != s.id || it.Unit != s.unit || it.Family != s.family || it.ListDate != t.entry.Date ||
		it.Title == ""
	var prev store.Content
	var found, content bool
	if it.SnapshotHash != "" {
		prev, found, content = r.priorContent(&it)
	}
	read := content && r.cont.attText
	// An article dated before the checks' window is judged by no check:
	// its attachments and links are re-probed on the long cycle (see
	// longCycles), and at once, like any article's, when their last probe
	// got no answer.
	date := itemDate(&it)
	if len(it.Attachments) > 0 {
		atts := it.Attachments
		copied := false
		for i, a := range atts {
			if a.Checked && a.Err == "" && !r.dueDated(a.URL, date) {
				continue
			}
			plan := attPlan{read: read && r.readsTonight(a.URL, prev), was: a}
			if pa, ok := findAtt(prev.Attachments, a.URL); ok && plan.read {
				plan.reading = &pa
			}
			na := r.attachment(extract.Link{URL: a.URL, Name: a.Name, Type: a.Type}, plan)
			if na == a {
				continue
			}
			if !copied {
				atts = append([]store.Attachment(nil), atts...)
				copied = true
			}
			atts[i] = na
			write = true
		}
		it.Attachments = atts
	}
	if r.cfg.Site.Crawl.CheckLinks && len(it.Links) > 0 {
		if pu, err := url.Parse(it.URL); err == nil {
			r.probeLinks(pu, it.Links, true, r.archived(date))
		}
	}
	if content {
		r.revisitContent(&it, prev, found)
	}
	if write {
		it.Unit, it.Column, it.Family, it.RunID = s.unit, s.id, s.family, r.id
		it.ListDate = t.entry.Date
		if it.Title == "" {
			it.Title = t.entry.Title
		}
		if validated {
			it.FetchedAt = r.now()
		}
		r.w.put(record{item: &it})
	}
	r.countItem(s.family, &it)
}

func (r *run) countItem(fam string, it *store.Item) {
	r.items.Add(1)
	r.atts.Add(int64(len(it.Attachments)))
	r.addFamily(fam, func(fs *store.FamilyStats) {
		fs.Items++
		fs.Attachments += len(it.Attachments)
	})
}

// attPlan says how to probe an attachment: with read set its text is
// read tonight; was is its stored record and reading its stored reading,
// when it has them (an unchanged article), for a conditional GET.
type attPlan struct {
	read    bool
	was     store.Attachment
	reading *store.AttachmentText
}

// attachment probes one attachment link (when check_attachments is on).
// With plan.read set its text is read tonight (see readsTonight): then one
// GET of the whole document is both the probe and the content check's
// download, instead of a HEAD now and a GET later; a document read before
// is asked for conditionally, and a 304 keeps the stored record and
// reading.
func (r *run) attachment(l extract.Link, plan attPlan) store.Attachment {
	a := store.Attachment{URL: l.URL, Name: l.Name, Type: l.Type}
	if !r.cfg.Site.Crawl.CheckAttachments {
		return a
	}
	var p probeResult
	var body []byte
	var hdr http.Header
	if plan.read {
		p, body, hdr = r.probeGET(a, plan)
		if p.status == http.StatusNotModified {
			was := plan.was
			was.Name = a.Name
			at := *plan.reading
			at.Name, at.CheckedAt = a.Name, r.now()
			r.cont.remember(at)
			return was
		}
	} else {
		p = r.probe(l.URL, true)
	}
	a.Status, a.ContentType, a.Length = p.status, p.contentType, p.length
	if p.err != "" {
		a.Err = p.err
		return a
	}
	a.Checked = true
	a.Broken = p.broken
	if a.Type == "" {
		a.Type = typeOf(p.contentType)
	}
	if body != nil && a.Broken == "" {
		at := r.readText(a, body)
		at.ETag, at.LastModified = hdr.Get("ETag"), hdr.Get("Last-Modified")
		r.cont.remember(at)
	}
	return a
}

// probeGET probes a document with a GET of the whole of it and returns
// its bytes and headers when it downloads. A document larger than the
// attachment cap, or one robots.txt keeps from a GET, is probed as usual;
// the first is remembered as too large to read. When the plan has a
// stored record and reading with validators, the GET is conditional and
// a 304 comes back as a probe of status 304.
func (r *run) probeGET(a store.Attachment, plan attPlan) (probeResult, []byte, http.Header) {
	if d := r.siteDown(); d != nil {
		return probeResult{errKind: d.kind, err: d.sourceCause() + "，本次未再请求"}, nil, nil
	}
	rq := request{method: "GET", url: a.URL, probe: true, attachment: true, download: true}
	if pa := plan.reading; pa != nil && pa.Hash != "" && plan.was.Checked && plan.was.Broken == "" && plan.was.Err == "" &&
		(pa.ETag != "" || pa.LastModified != "") {
		rq.header = http.Header{}
		if pa.ETag != "" {
			rq.header.Set("If-None-Match", pa.ETag)
		}
		if pa.LastModified != "" {
			rq.header.Set("If-Modified-Since", pa.LastModified)
		}
	}
	res := r.f.do(r.ctx, rq)
	if r.ctx.Err() != nil {
		return probeResult{errKind: errNetwork, err: "抓取已中断"}, nil, nil
	}
	if res.refused {
		r.countErr(res.errKind)
		return probeResult{errKind: res.errKind, err: res.cause}, nil, nil
	}
	switch res.errKind {
	case errTooLarge:
		c := r.cont
		r.cont.remember(store.AttachmentText{URL: a.URL, Name: a.Name, CheckedAt: r.now(), Bytes: c.maxAtt + 1,
			Cause: fmt.Sprintf("附件超过大小上限 %s，未审查", humanBytes(c.maxAtt))})
		return r.probe(a.URL, true), nil, nil
	case errRobots:
		return r.probe(a.URL, true), nil, nil
	}
	r.observe(res)
	if res.status == http.StatusNotModified && rq.header != nil {
		return probeResult{status: http.StatusNotModified}, nil, nil
	}
	p := evaluate(res, true, false)
	if p.err != "" {
		r.countErr(p.errKind)
		return p, nil, nil
	}
	return p, res.body, res.header
}

// typeOf maps a content type to a document type for download handlers
// that hide the extension.
func typeOf(ct string) string {
	ct = strings.ToLower(ct)
	switch {
	case strings.Contains(ct, "pdf"):
		return "pdf"
	case strings.Contains(ct, "spreadsheetml"):
		return "xlsx"
	case strings.Contains(ct, "wordprocessingml"):
		return "docx"
	case strings.Contains(ct, "msword"):
		return "doc"
	case strings.Contains(ct, "ms-excel"):
		return "xls"
	case strings.Contains(ct, "zip"):
		return "zip"
	}
	return ""
}

// probeLinks probes the same-site links of an article page once per run
// and stores their state as pages. Links of an unchanged article are
// probed only when due: on the long cycle when long is set (an article
// dated before the checks' window).
func (r *run) probeLinks(page *url.URL, links []string, unchanged, long bool) {
	if !r.cfg.Site.Crawl.CheckLinks {
		return
	}
	for _, l := range links {
		if r.ctx.Err() != nil {
			return
		}
		// Links come canonical from the extractor: most are settled by
		// their stored form, before any parsing.
		if r.visited.has(l) || r.probed.has(l) || unchanged && r.considered.has(l) {
			continue
		}
		lu, err := url.Parse(l)
		if err != nil || !strings.EqualFold(lu.Host, page.Host) {
			continue
		}
		l = normalizeURL(l)
		if r.visited.has(l) || r.probed.has(l) || unchanged && r.considered.has(l) {
			continue
		}
		prev, havePrev, err := r.st.Page(l)
		if err != nil {
			r.setFatal(err)
			return
		}
		// An unchanged article's link is probed on its night, or at once
		// when it was never probed or its last probe got no answer.
		lastFailed := !havePrev || prev.Status == 0 && prev.ErrKind != ""
		due := r.due(l)
		if long {
			due = r.dueLong(l)
		}
		if unchanged && !due && !lastFailed {
			// A link not due on the long cycle may be due on the short
			// one: only the short cycle settles it for the run. (Not due
			// on the short cycle means not due on the long one, which is
			// a multiple of it.)
			if !long {
				r.considered.add(l)
			}
			continue
		}
		if !r.probed.add(l) {
			continue
		}
		p := r.probe(l, false)
		if r.ctx.Err() != nil {
			return // interrupted: the probe says nothing
		}
		rec := store.Page{URL: l, Status: p.status, FetchedAt: r.now(), RunID: r.id, Bytes: int(p.length)}
		if havePrev && prev.Hash != "" {
			// A crawled page: keep what conditional GETs need.
			prev.Status, prev.FetchedAt, prev.RunID = p.status, rec.FetchedAt, r.id
			rec = prev
		}
		switch {
		case p.err != "":
			// No usable answer: nothing may be concluded about the link.
			rec.Status, rec.ErrKind, rec.Err = 0, p.errKind, p.err
		case p.status >= 400:
			rec.ErrKind, rec.Err = p.errKind, p.broken
		default:
			rec.ErrKind, rec.Err = "", ""
		}
		r.w.put(record{page: &rec})
	}
}

// doLetter fetches a letter page in full and stores the letter. A letter
// whose list row did not change since the previous walk is kept from the
// store without a request when it was already answered or was received
// before the checks' window, and is not due tonight on the long cycle
// (see longCycles); unanswered letters in the window are requested every
// night.
func (r *run) doLetter(t task) {
	s := t.cs.src
	row := t.row
	if old, ok := t.cs.letters[row.URL]; ok && t.cs.unchanged(row.URL, rowSig(row)) && old.FetchErr == "" &&
		(t.noPage || (old.Replied != "" || r.archived(old.Received)) && !r.dueLong(row.URL) && !r.overdueLong(old.FetchedAt)) {
		r.reused.Add(1)
		r.letters.Add(1)
		r.addFamily(s.family, func(fs *store.FamilyStats) { fs.Letters++ })
		return
	}
	l := store.Letter{URL: row.URL, Mailbox: s.id, Unit: s.unit, No: row.No, Title: row.Title, Status: row.Status,
		Received: r.plausible(row.Received, row.URL), Handler: row.Handler, RunID: r.id, FetchedAt: r.now()}
	defer func() {
		if r.ctx.Err() != nil {
			return
		}
		r.w.put(record{letter: &l})
		r.letters.Add(1)
		r.addFamily(s.family, func(fs *store.FamilyStats) { fs.Letters++ })
	}()
	if t.noPage {
		return
	}
	// A letter read before is asked for conditionally: an unanswered
	// letter is requested every night, and most nights it has not moved.
	old, haveOld := t.cs.letters[row.URL]
	var hdr http.Header
	if haveOld && old.FetchErr == "" && old.SnapshotHash != "" {
		prev, ok, err := r.st.Page(row.URL)
		if err != nil {
			r.setFatal(err)
			return
		}
		if ok && prev.ErrKind == "" && prev.Hash == old.SnapshotHash && (prev.ETag != "" || prev.LastModified != "") {
			hdr = http.Header{}
			if prev.ETag != "" {
				hdr.Set("If-None-Match", prev.ETag)
			}
			if prev.LastModified != "" {
				hdr.Set("If-Modified-Since", prev.LastModified)
			}
		}
	}
	res := r.fetchPage(request{method: "GET", url: row.URL, header: hdr}, s.family)
	if r.ctx.Err() != nil {
		return
	}
	if hdr != nil && !res.failed() && res.status == http.StatusNotModified {
		// Unchanged since it was read: what the page said stays.
		r.notMod.Add(1)
		l.Replied, l.ReplyUnit, l.Answered, l.SnapshotHash = old.Replied, old.ReplyUnit, old.Answered, old.SnapshotHash
		if old.Received != "" {
			l.Received = old.Received
		}
		return
	}
	if res.failed() {
		l.FetchErr = res.cause
		r.putFailed(row.URL, res)
		return
	}
	body, charset := decodeHTML(res.body, res.contentType)
	hash, snap := store.CompressSnapshot(body)
	pu, err := url.Parse(res.url)
	if err != nil {
		pu, _ = url.Parse(row.URL)
	}
	lp, err := extract.ParseLetter(extract.Page{URL: pu, Body: body, Family: s.family, Now: r.now().In(cst)})
	page := r.pageRecord(row.URL, res, charset, hash)
	if err != nil {
		l.FetchErr = "信件页面无法解析"
		page.ErrKind, page.Err = errParse, err.Error()
		r.countErr(errParse)
		r.w.put(record{page: &page, hash: hash, snap: store.CompressSnapshotBody(body)})
		return
	}
	if lp.No != "" {
		l.No = lp.No
	}
	if lp.Title != "" {
		l.Title = lp.Title
	}
	if lp.Status != "" {
		l.Status = lp.Status
	}
	if lp.Received != "" {
		l.Received = lp.Received
	}
	l.Received = r.plausible(l.Received, row.URL)
	l.Replied, l.ReplyUnit, l.Answered = lp.Replied, lp.ReplyUnit, lp.Answered
	if l.Replied != "" && r.plausible(l.Replied, row.URL) == "" {
		// An unreadable reply date must not make the letter look
		// unanswered: the letter is not judged.
		l.FetchErr = "答复日期不可信：" + l.Replied
		l.Replied = ""
	}
	l.SnapshotHash = hash
	r.w.put(record{page: &page, hash: hash, snap: snap})
}

// errImplausibleDate counts, in Run.Errors, the dates recorded as
// unreadable because no page can bear them (dates.Plausible).
const errImplausibleDate = "implausible-date"

// plausible returns d, or "" (unreadable: nothing is judged on it) when
// no page seen tonight can bear that date (in the future beyond a few
// days, or before 1949): a typo such as 2099 must not become a deduction.
func (r *run) plausible(d, u string) string {
	if d == "" || dates.Plausible(d, r.start.In(cst)) {
		return d
	}
	r.countErr(errImplausibleDate)
	r.log.Info("implausible date recorded as unreadable", "url", u, "date", d)
	return ""
}
