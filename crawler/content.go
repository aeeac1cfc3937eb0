package crawler

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/maphash"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/net/html"

	"github.com/govaudit/govaudit/config"
	"github.com/govaudit/govaudit/crawler/pagescan"
	"github.com/govaudit/govaudit/pii"
	"github.com/govaudit/govaudit/store"
	"github.com/govaudit/govaudit/textract"
)

// Content. For the content checks (personal-data, external-link,
// hidden-link) the crawler reads, of every article in the checks' window
// (rules.since, else 1 January of last year), its text lines and links
// (pagescan) and the text of its attachments (textract), and stores only
// what the checks need as a store.Content record: personal data masked
// and hashed, the off-site and hidden links, each attachment's hash,
// size, text length or the cause it could not be read.
//
// A changed article is read again; an unchanged one when it has no
// record yet, or its record came from another snapshot. An attachment is
// downloaded once and kept from the record until its night of the
// revalidation cycle (see due), or at once when no byte of it was read.

// contentFlush is how many records are written together.
const contentFlush = 200

// contentRun is a crawl's content state.
type contentRun struct {
	attText bool
	maxAtt  int64
	client  *http.Client

	mu      sync.Mutex
	atts    recentAtts // read this run, by URL (the most recent only)
	pending []store.Content

	// texts holds what was read this run of each file content, so that a
	// file attached under several URLs is read once (sharedTexts).
	texts sharedTexts

	// Figures.
	pages, downloads, extracted atomic.Int64
	attBytes                    atomic.Int64
	extractTime                 atomic.Int64 // ns
	textsShared                 atomic.Int64
}

// newContentRun prepares the content part of run r.
func newContentRun(r *run) *contentRun {
	cr := r.cfg.Site.Crawl
	c := &contentRun{attText: cr.AttachmentText, maxAtt: cr.MaxAttachmentBytes, atts: newRecentAtts(recentAttachments)}
	if c.maxAtt <= 0 {
		c.maxAtt = config.DefaultMaxAttachmentBytes
	}
	// The fetcher's transport refuses bodies declared larger than a
	// page's cap; attachments have their own.
	if rt, ok := r.f.client.Transport.(*rawTransport); ok {
		timeout := r.f.client.Timeout
		if timeout > 0 {
			timeout *= 4
		}
		c.client = &http.Client{
			Transport:     &rawTransport{base: rt.base, requests: rt.requests, maxBody: c.maxAtt, log: rt.log},
			Jar:           r.f.client.Jar,
			Timeout:       timeout,
			CheckRedirect: r.f.client.CheckRedirect,
		}
	} else {
		c.client = r.f.client
	}
	r.f.dl, r.f.dlMax = c.client, c.maxAtt
	return c
}

// readsTonight reports whether the attachment at u of an article whose
// attachments are read (crawl.attachment_text, the article in the window)
// is downloaded tonight: prev, the
// article's content record, has no reading of it that stands (see
// attachmentText).
func (r *run) readsTonight(u string, prev store.Content) bool {
	pa, ok := findAtt(prev.Attachments, u)
	return !ok || !keepAtt(pa) || r.due(u)
}

// remember keeps an attachment's reading for this run: attachmentText
// takes it instead of downloading again.
func (c *contentRun) remember(at store.AttachmentText) {
	c.mu.Lock()
	c.atts.put(at)
	c.mu.Unlock()
}

// contentSince is the first day of the checks' window as of now.
func contentSince(cfg *config.Config, now time.Time) string {
	if s := strings.TrimSpace(cfg.Rules.Since); s != "" {
		return s
	}
	return fmt.Sprintf("%04d-01-01", now.In(cst).Year()-1)
}

// inWindow reports whether an item's date lies in the checks' window (an
// undated item is read too).
func (r *run) inWindow(it *store.Item) bool {
	return !r.archived(itemDate(it))
}

// priorContent is the stored content record of an article whose content
// is read tonight (scanArticle, revisitContent): ok says whether it is
// read and found is whether a record was there. A store error ends the run.
func (r *run) priorContent(it *store.Item) (prev store.Content, found, ok bool) {
	c := r.cont
	if c == nil || !r.inWindow(it) || r.ctx.Err() != nil {
		return store.Content{}, false, false
	}
	prev, found, err := r.st.Content(it.URL)
	if err != nil {
		r.setFatal(err)
		return store.Content{}, false, false
	}
	return prev, found, true
}

// scanArticle reads the content of an article page just parsed (root is
// its tree, shared with the extractor); prev is its priorContent.
func (r *run) scanArticle(it *store.Item, page *url.URL, root *html.Node, prev store.Content) {
	r.putContent(r.readContent(it, page, root, prev))
}

// revisitContent brings the content record of an unchanged article up to
// date: the page is read again from its snapshot when the record is
// missing or from another snapshot, and attachments are downloaded when
// due (see attachmentText). prev and ok are its priorContent's record and
// found.
func (r *run) revisitContent(it *store.Item, prev store.Content, ok bool) {
	c := r.cont
	if it.SnapshotHash == "" {
		return
	}
	needAtts := false
	if c.attText {
		for _, a := range it.Attachments {
			if pa, ok := findAtt(prev.Attachments, a.URL); !ok || !keepAtt(pa) || r.due(a.URL) {
				needAtts = true
				break
			}
		}
	}
	if ok && prev.PageHash == it.SnapshotHash && prev.HasText {
		// The page was read: only attachments are due, if any.
		if needAtts {
			rec := prev
			rec.Attachments = nil
			for _, a := range it.Attachments {
				if r.ctx.Err() != nil {
					break
				}
				rec.Attachments = append(rec.Attachments, r.attachmentText(a, prev))
			}
			rec.CheckedAt, rec.RunID = r.now(), r.id
			r.putContent(rec)
		}
		return
	}
	body, err := r.st.Snapshot(it.SnapshotHash)
	if errors.Is(err, store.ErrNotFound) {
		return // no snapshot kept: read at the next change or fetch
	}
	if err != nil {
		r.setFatal(err)
		return
	}
	page, err := url.Parse(it.URL)
	if err != nil {
		return
	}
	root, err := html.Parse(bytes.NewReader(body))
	if err != nil {
		root = nil // a reader error only; the page's content is not read
	}
	r.putContent(r.readContent(it, page, root, prev))
}

// readContent builds the content record of an article from its parsed
// page (nil: the page could not be parsed, only attachments are read).
func (r *run) readContent(it *store.Item, page *url.URL, root *html.Node, prev store.Content) store.Content {
	c := r.cont
	c.pages.Add(1)
	rec := store.Content{URL: it.URL, PageHash: it.SnapshotHash, CheckedAt: r.now(), RunID: r.id}
	if root != nil && it.SnapshotHash != "" {
		// What the wording, interpretation and validity checks read of
		// the page, stored so that they need not parse it again.
		// Links resolve against the item's URL, as when the checks read
		// the snapshot (rules).
		base, err := url.Parse(it.URL)
		if err != nil {
			base = page
		}
		z := store.CompressText(textract.ReadArticle(root, base).Encode())
		r.w.put(record{hash: it.SnapshotHash, text: z})
		rec.HasText = true
	}
	if root != nil {
		ps := pagescan.ScanNode(page, root)
		res := pii.Scan(ps.Lines, pii.Options{Today: r.now()})
		rec.Personal, rec.PersonalCounts = personal(res)
		seen := map[string]int{}
		for _, l := range ps.Links {
			// Canonical, as the crawler stores every URL: no session or
			// tracking parameters (see extract.CanonicalURL).
			u := normalizeURL(l.URL)
			if i, dup := seen[u]; dup {
				if rec.Links[i].Hidden == "" && l.Hidden != "" {
					rec.Links[i] = store.ContentLink{URL: u, Text: l.Text, Image: l.Image, Hidden: l.Hidden}
				}
				continue
			}
			seen[u] = len(rec.Links)
			rec.Links = append(rec.Links, store.ContentLink{URL: u, Text: l.Text, Image: l.Image, Hidden: l.Hidden})
		}
	}
	if c.attText {
		for _, a := range it.Attachments {
			if r.ctx.Err() != nil {
				break
			}
			rec.Attachments = append(rec.Attachments, r.attachmentText(a, prev))
		}
	}
	return rec
}

func personal(res pii.Result) ([]store.PersonalMatch, map[string]int) {
	if res.Total() == 0 {
		return nil, nil
	}
	out := make([]store.PersonalMatch, len(res.Matches))
	for i, m := range res.Matches {
		out[i] = store.PersonalMatch{Kind: m.Kind, Masked: m.Masked, Hash: m.Hash, Where: m.Where, Context: m.Context}
	}
	return out, res.Counts
}

func findAtt(as []store.AttachmentText, u string) (store.AttachmentText, bool) {
	for _, a := range as {
		if a.URL == u {
			return a, true
		}
	}
	return store.AttachmentText{}, false
}

// keepAtt reports whether an earlier reading of an attachment stands
// until its night: it got the bytes (or learnt they were too many).
func keepAtt(a store.AttachmentText) bool { return a.Hash != "" || a.Bytes > 0 }

// attachmentText reads an attachment's text once per run, reusing the
// previous record's reading when it stands and is not due tonight.
func (r *run) attachmentText(a store.Attachment, prev store.Content) store.AttachmentText {
	c := r.cont
	if pa, ok := findAtt(prev.Attachments, a.URL); ok && keepAtt(pa) && !r.due(a.URL) {
		pa.Name = a.Name
		return pa
	}
	c.mu.Lock()
	done, ok := c.atts.get(a.URL)
	c.mu.Unlock()
	if ok {
		done.Name = a.Name
		return done
	}
	at := r.readAttachment(a)
	c.mu.Lock()
	c.atts.put(at)
	c.mu.Unlock()
	return at
}

// recentAttachments is how many attachment readings a run keeps for the
// other articles that link the same file, on the assumption that articles
// sharing a file are mostly near each other in the crawl (one column, a
// notice and its 解读). Keeping every reading of a run held about 400
// bytes per attachment for the whole run: the live heap fell from about
// 100 to 50 MB when the 118k readings of a 300-item portal were bounded.
// A file met again after it was dropped is read again: more work, the
// same reading.
const recentAttachments = 4096

// recentAtts holds the latest n attachment readings by URL, dropping the
// oldest first. Not safe for concurrent use (contentRun.mu guards it).
type recentAtts struct {
	m     map[string]store.AttachmentText
	order []string // URLs in the order they were first put, a ring
	next  int      // where the next URL goes in order once it is full
	n     int
	// dropped holds the hashes of the URLs dropped so far (8 bytes each),
	// so that rereads counts the files read again for want of their
	// reading: the price of the bound, reported as a run figure.
	seed    maphash.Seed
	dropped map[uint64]struct{}
	rereads int
}

func newRecentAtts(n int) recentAtts {
	return recentAtts{m: make(map[string]store.AttachmentText, n), order: make([]string, 0, n), n: n,
		seed: maphash.MakeSeed(), dropped: map[uint64]struct{}{}}
}

func (ra *recentAtts) get(u string) (store.AttachmentText, bool) {
	at, ok := ra.m[u]
	return at, ok
}

func (ra *recentAtts) put(at store.AttachmentText) {
	if _, ok := ra.m[at.URL]; ok {
		ra.m[at.URL] = at
		return
	}
	if len(ra.dropped) > 0 {
		h := maphash.String(ra.seed, at.URL)
		if _, again := ra.dropped[h]; again {
			ra.rereads++
			delete(ra.dropped, h)
		}
	}
	if len(ra.order) < ra.n {
		ra.order = append(ra.order, at.URL)
	} else {
		old := ra.order[ra.next]
		delete(ra.m, old)
		ra.dropped[maphash.String(ra.seed, old)] = struct{}{}
		ra.order[ra.next] = at.URL
		ra.next = (ra.next + 1) % ra.n
	}
	ra.m[at.URL] = at
}

// readAttachment downloads an attachment and reads its text.
func (r *run) readAttachment(a store.Attachment) store.AttachmentText {
	at := store.AttachmentText{URL: a.URL, Name: a.Name, CheckedAt: r.now()}
	if a.Broken != "" {
		at.Cause = "附件无法下载（" + a.Broken + "）"
		return at
	}
	data, hdr, declared, cause := r.download(a.URL)
	if cause != "" {
		at.Cause, at.Bytes = cause, declared
		return at
	}
	at = r.readText(a, data)
	at.ETag, at.LastModified = hdr.Get("ETag"), hdr.Get("Last-Modified")
	return at
}

// readText reads the text of an attachment's downloaded bytes.
func (r *run) readText(a store.Attachment, data []byte) store.AttachmentText {
	c := r.cont
	at := store.AttachmentText{URL: a.URL, Name: a.Name, CheckedAt: r.now()}
	c.downloads.Add(1)
	c.attBytes.Add(int64(len(data)))
	sum := sha256.Sum256(data)
	at.Hash = hex.EncodeToString(sum[:])
	at.Bytes = int64(len(data))
	// What Extract reads depends on the bytes and the format they are
	// read as, nothing else.
	at.Format = textract.Format(data, a.Type, a.Name)
	key := at.Hash + "/" + at.Format
	shared, owner := c.texts.claim(key)
	if shared != nil && !owner {
		if shared.wait(&at) {
			c.textsShared.Add(1)
			if at.Audited {
				c.extracted.Add(1)
			}
			return at
		}
		shared = nil // its reader could not share it: read it here
	}
	t0 := time.Now()
	doc, err := textract.Extract(data, a.Type, a.Name, textract.Limits{})
	c.extractTime.Add(int64(time.Since(t0)))
	if err != nil {
		at.Cause = err.Error()
		// A file without readable text stays so; another failure (a
		// PDF worker that died) may not, and is tried again.
		c.texts.finish(key, shared, at, errors.Is(err, textract.ErrNoText))
		return at
	}
	c.extracted.Add(1)
	at.Audited = true
	at.Format = doc.Format
	at.TextLen = doc.Chars
	at.Personal, at.PersonalCounts = personal(pii.Scan(doc.Lines, pii.Options{Today: r.now()}))
	c.texts.finish(key, shared, at, true)
	return at
}

// sharedTexts holds, by content hash and format, what reading a file's
// text found this run: its format, length, personal data or why it could
// not be read. Portals attach one file to several articles (a form, a
// policy and its 解读), often crawled at the same time; it is read once a
// run, by the first to claim it, and the others wait for its reading. At
// most maxSharedTexts are kept, the first ones claimed.
type sharedTexts struct {
	mu sync.Mutex
	m  map[string]*sharedText
}

// sharedText is one file's reading, final once done is closed; ok is
// false when it could not be shared.
type sharedText struct {
	done chan struct{}
	ok   bool
	at   store.AttachmentText
}

// maxSharedTexts bounds sharedTexts: a few hundred bytes each, more with
// personal data found.
const maxSharedTexts = 8192

// claim returns the entry of key, and whether the caller owns it: it
// must read the file and finish the entry. Both are nil and false when
// the set is full: the caller reads the file for itself.
func (t *sharedTexts) claim(key string) (*sharedText, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if e, ok := t.m[key]; ok {
		return e, false
	}
	if t.m == nil {
		t.m = map[string]*sharedText{}
	}
	if len(t.m) >= maxSharedTexts {
		return nil, false
	}
	e := &sharedText{done: make(chan struct{})}
	t.m[key] = e
	return e, true
}

// wait fills the text fields of at from the entry's reading once it is
// done, and reports whether it could be shared.
func (e *sharedText) wait(at *store.AttachmentText) bool {
	<-e.done
	if !e.ok {
		return false
	}
	v := e.at
	at.Format, at.TextLen, at.Audited, at.Cause = v.Format, v.TextLen, v.Audited, v.Cause
	at.Personal, at.PersonalCounts = slices.Clone(v.Personal), maps.Clone(v.PersonalCounts)
	return true
}

// finish completes the entry e of key (nil: the caller owned none) with
// the reading at; a reading that may not be shared is forgotten, so that
// the next URL of the file reads it again.
func (t *sharedTexts) finish(key string, e *sharedText, at store.AttachmentText, shareable bool) {
	if e == nil {
		return
	}
	if shareable {
		e.ok = true
		e.at = store.AttachmentText{Format: at.Format, TextLen: at.TextLen, Audited: at.Audited, Cause: at.Cause,
			Personal: slices.Clone(at.Personal), PersonalCounts: maps.Clone(at.PersonalCounts)}
	} else {
		t.mu.Lock()
		delete(t.m, key)
		t.mu.Unlock()
	}
	close(e.done)
}

// download GETs an attachment within crawl.max_attachment_bytes, through
// the host's gate and robots.txt. It returns the bytes and the response
// headers, or a cause (and the declared size of a body over the cap).
func (r *run) download(u string) (data []byte, hdr http.Header, declared int64, cause string) {
	c := r.cont
	if d := r.siteDown(); d != nil {
		return nil, nil, 0, d.sourceCause() + "，本次未下载"
	}
	pu, err := url.Parse(u)
	if err != nil || pu.Host == "" {
		return nil, nil, 0, "无效的网址"
	}
	if r.cfg.Site.Crawl.ObeyRobots && !r.f.allowed(r.ctx, pu) {
		return nil, nil, 0, "robots.txt 禁止抓取"
	}
	release, err := r.f.gate(pu.Host).acquire(r.ctx)
	if err != nil {
		return nil, nil, 0, "抓取已中断"
	}
	defer release()
	req, err := http.NewRequestWithContext(r.ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, nil, 0, "无效的网址"
	}
	req.Header.Set("User-Agent", r.f.ua)
	req.Header.Set("Accept", "*/*")
	resp, err := c.client.Do(req)
	if err != nil {
		if errors.Is(err, errBodyTooLarge) {
			return nil, nil, c.maxAtt + 1, fmt.Sprintf("附件超过大小上限 %s，未审查", humanBytes(c.maxAtt))
		}
		_, cause := classify(err)
		return nil, nil, 0, "附件下载失败：" + cause
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		return nil, nil, 0, fmt.Sprintf("附件下载失败：HTTP %d", resp.StatusCode)
	}
	data, err = readBody(resp.Body, resp.ContentLength, c.maxAtt+1)
	r.f.bytes.Add(int64(len(data)))
	if err != nil {
		_, cause := classify(err)
		return nil, nil, 0, "附件下载失败：" + cause
	}
	if int64(len(data)) > c.maxAtt {
		return nil, nil, int64(len(data)), fmt.Sprintf("附件超过大小上限 %s，未审查", humanBytes(c.maxAtt))
	}
	if len(data) == 0 {
		return nil, nil, 0, "附件为空文件"
	}
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get(rawContentType)); mt == "text/html" && !strings.HasSuffix(strings.ToLower(pu.Path), ".html") && !strings.HasSuffix(strings.ToLower(pu.Path), ".htm") {
		return nil, nil, 0, "附件地址返回的是网页（错误页），未审查"
	}
	return data, resp.Header, 0, ""
}

// putContent queues a record; full batches are written at once.
func (r *run) putContent(rec store.Content) {
	c := r.cont
	c.mu.Lock()
	c.pending = append(c.pending, rec)
	var batch []store.Content
	if len(c.pending) >= contentFlush {
		batch, c.pending = c.pending, nil
	}
	c.mu.Unlock()
	if batch != nil {
		if err := r.st.PutContents(batch); err != nil {
			r.setFatal(err)
		}
	}
}

// flushContent writes the queued records.
func (r *run) flushContent() {
	c := r.cont
	if c == nil {
		return
	}
	c.mu.Lock()
	batch := c.pending
	c.pending = nil
	c.mu.Unlock()
	if err := r.st.PutContents(batch); err != nil {
		r.setFatal(err)
	}
}

// contentFigures adds the content figures to a run's figures.
func (r *run) contentFigures(rec *store.Run) {
	if c := r.cont; c != nil {
		if rec.Figures == nil {
			rec.Figures = map[string]int{}
		}
		rec.Figures["content_pages"] = int(c.pages.Load())
		rec.Figures["attachment_downloads"] = int(c.downloads.Load())
		rec.Figures["attachment_texts"] = int(c.extracted.Load())
		rec.Figures["attachment_texts_shared"] = int(c.textsShared.Load())
		rec.Figures["attachment_bytes"] = int(c.attBytes.Load())
		rec.Figures["attachment_extract_ms"] = int(c.extractTime.Load() / 1e6)
		c.mu.Lock()
		rec.Figures["attachment_rereads"] = c.atts.rereads
		c.mu.Unlock()
	}
}
