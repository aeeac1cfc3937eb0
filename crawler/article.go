package crawler

import (
	"hash/fnv"
	"net/http"
	"net/url"
	"strings"

	"github.com/govaudit/govaudit/crawler/extract"
	"github.com/govaudit/govaudit/store"
)

// reprobeDays spreads the re-probing of attachments and links of
// unchanged articles over a week: each URL is due on one night in seven.
const reprobeDays = 7

// due reports whether an unchanged article's attachment or link is due
// for a new probe tonight.
func (r *run) due(u string) bool {
	h := fnv.New32a()
	h.Write([]byte(u))
	day := r.start.In(cst).Unix() / 86400
	return (int64(h.Sum32())+day)%reprobeDays == 0
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

// doArticle fetches, parses and stores one article page. An unchanged
// page (304, or the same content) is not parsed again: its stored item is
// reused.
func (r *run) doArticle(t task) {
	s := t.cs.src
	e := t.entry
	base := store.Item{URL: e.URL, Unit: s.unit, Column: s.id, Family: s.family, Title: e.Title, ListDate: e.Date, RunID: r.id}

	prevPage, havePage, err := r.st.Page(e.URL)
	if err != nil {
		r.setFatal(err)
		return
	}
	prevItem, haveItem, err := r.st.Item(e.URL)
	if err != nil {
		r.setFatal(err)
		return
	}
	reusable := havePage && haveItem && prevPage.ErrKind == "" && prevPage.Hash != "" && prevItem.FetchErr == ""
	hdr := http.Header{}
	if reusable {
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
		r.reuse(t, prevItem, prevPage)
		return
	}
	body, charset := decodeHTML(res.body, res.contentType)
	hash := store.SnapshotHash(body)
	if reusable && hash == prevPage.Hash {
		// No conditional GET support, same content.
		r.reuse(t, prevItem, prevPage)
		return
	}
	pu, err := url.Parse(res.url)
	if err != nil {
		pu, _ = url.Parse(e.URL)
	}
	a, err := extract.ParseArticle(extract.Page{URL: pu, Body: body, Family: s.family, Selectors: s.selectors, Now: now.In(cst)})
	r.parsed.Add(1)
	page := r.pageRecord(e.URL, res, charset, hash)
	if err != nil {
		it := base
		it.FetchErr, it.FetchedAt = "页面无法解析", now
		page.ErrKind, page.Err = errParse, err.Error()
		r.countErr(errParse)
		r.w.put(record{page: &page, hash: hash, snap: body})
		r.w.put(record{item: &it})
		r.countItem(s.family, &it)
		return
	}
	it := base
	if a.Title != "" {
		it.Title = a.Title
	}
	it.Published, it.Written, it.DocNo, it.IndexNo = a.Published, a.Written, a.DocNo, a.IndexNo
	it.Publisher, it.Validity, it.BodyLen = a.Publisher, a.Validity, a.BodyLen
	it.NamedAttachments = a.Named
	it.Links = a.Links
	it.SnapshotHash = hash
	it.FetchedAt = now
	for _, l := range a.Attachments {
		it.Attachments = append(it.Attachments, r.attachment(l))
	}
	r.probeLinks(pu, a.Links, false)
	r.w.put(record{page: &page, hash: hash, snap: body})
	r.w.put(record{item: &it})
	r.countItem(s.family, &it)
}

// reuse stores the item of an unchanged article for this run. Its
// attachments are re-probed when their last probe failed or was skipped,
// and otherwise one night in seven (see due); the same goes for links.
func (r *run) reuse(t task, it store.Item, page store.Page) {
	s := t.cs.src
	now := r.now()
	it.Unit, it.Column, it.Family, it.RunID, it.FetchedAt = s.unit, s.id, s.family, r.id, now
	it.ListDate = t.entry.Date
	if it.Title == "" {
		it.Title = t.entry.Title
	}
	for i, a := range it.Attachments {
		if !a.Checked || a.Err != "" || r.due(a.URL) {
			typ := a.Type
			it.Attachments[i] = r.attachment(extract.Link{URL: a.URL, Name: a.Name, Type: typ})
		}
	}
	if pu, err := url.Parse(it.URL); err == nil {
		r.probeLinks(pu, it.Links, true)
	}
	page.FetchedAt, page.RunID = now, r.id
	r.w.put(record{page: &page})
	r.w.put(record{item: &it})
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

// attachment probes one attachment link (when check_attachments is on).
func (r *run) attachment(l extract.Link) store.Attachment {
	a := store.Attachment{URL: l.URL, Name: l.Name, Type: l.Type}
	if !r.cfg.Site.Crawl.CheckAttachments {
		return a
	}
	p := r.probe(l.URL, true)
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
	return a
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
// probed only when due.
func (r *run) probeLinks(page *url.URL, links []string, unchanged bool) {
	if !r.cfg.Site.Crawl.CheckLinks {
		return
	}
	for _, l := range links {
		if r.ctx.Err() != nil {
			return
		}
		lu, err := url.Parse(l)
		if err != nil || !strings.EqualFold(lu.Host, page.Host) {
			continue
		}
		l = normalizeURL(l)
		if r.visited.has(l) || r.probed.has(l) {
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
		if unchanged && !r.due(l) && !lastFailed || !r.probed.add(l) {
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

// doLetter fetches a letter page (always in full: letters change status,
// and a letter list is small) and stores the letter.
func (r *run) doLetter(t task) {
	s := t.cs.src
	row := t.row
	l := store.Letter{URL: row.URL, Mailbox: s.id, Unit: s.unit, No: row.No, Title: row.Title, Status: row.Status,
		Received: row.Received, Handler: row.Handler, RunID: r.id, FetchedAt: r.now()}
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
	res := r.fetchPage(request{method: "GET", url: row.URL}, s.family)
	if r.ctx.Err() != nil {
		return
	}
	if res.failed() {
		l.FetchErr = res.cause
		r.putFailed(row.URL, res)
		return
	}
	body, charset := decodeHTML(res.body, res.contentType)
	hash := store.SnapshotHash(body)
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
		r.w.put(record{page: &page, hash: hash, snap: body})
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
	l.Replied, l.ReplyUnit = lp.Replied, lp.ReplyUnit
	l.SnapshotHash = hash
	r.w.put(record{page: &page, hash: hash, snap: body})
}
