package portalsim

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// Handler serves the whole portal, with paths relative to /.
func (s *Sim) Handler() http.Handler { return http.HandlerFunc(s.serve) }

// response is a rendered answer before faults and conditional GET.
type response struct {
	status  int
	body    []byte
	ctype   string
	lastMod time.Time
	header  map[string]string
	col     *column // the column whose list this is (column faults)
	// listPage is the list page's number (hanweb data proxy: the page its
	// first record falls on), for Faults.PageFailColumns.
	listPage int
	page     bool // an HTML or XML page (conditional GET applies)
	kind     int  // the route kind (rList, rItem …); 0 for others
	// text and unit are the HTML page before encoding, for the faults
	// that rewrite it; text is empty for other answers.
	text string
	unit *unit
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// hit reports whether the page key is one of the "every nth" pages of the
// fault salt.
func hit(key string, n int, salt uint64) bool {
	return n > 0 && mix(hashString(key)^salt)%uint64(n) == 0
}

func (s *Sim) serve(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	f := s.opt.Faults
	if f.Down || s.flapping() {
		http.Error(w, "503 Service Unavailable", http.StatusServiceUnavailable)
		return
	}
	if i := strings.IndexByte(r.URL.Path, ';'); i >= 0 {
		// A session id in the path (";jsessionid=…"): the page without it,
		// as Java servers do.
		r = r.Clone(r.Context())
		r.URL.Path, r.URL.RawPath = r.URL.Path[:i], ""
	}
	if r.URL.Path == "/robots.txt" {
		s.write(w, r, &response{status: 200, body: []byte(robotsTxt), ctype: "text/plain; charset=utf-8", lastMod: s.ws.at(0), page: true})
		return
	}
	key := r.URL.Path
	if r.URL.RawQuery != "" {
		key += "?" + r.URL.RawQuery
	}
	if hit(key, f.SlowEvery, 1) {
		if err := sleep(r.Context(), f.SlowDelay); err != nil {
			return
		}
	}
	if hit(key, f.ResetEvery, 2) {
		reset(w)
		return
	}
	if hit(key, f.Flaky5xxEvery, 3) && s.firstTime(key) {
		http.Error(w, "503 Service Unavailable", http.StatusServiceUnavailable)
		return
	}
	if f.ChallengeAll && !s.passed(r) {
		s.writeChallenge(w)
		return
	}
	resp := s.respond(r)
	if resp.col != nil {
		if s.down[resp.col] {
			http.Error(w, "503 Service Unavailable", http.StatusServiceUnavailable)
			return
		}
		if s.challenge[resp.col] && !s.passed(r) {
			s.writeChallenge(w)
			return
		}
		if s.soft200(w, r, resp) {
			return
		}
	}
	if s.outageFaults(w, key, resp) {
		return
	}
	if s.pageFaults(w, r, resp) {
		return
	}
	if hit(key, f.TruncateEvery, 4) {
		truncate(w, resp)
		return
	}
	s.write(w, r, resp)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// reset closes the connection abruptly (an RST on TCP).
func reset(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		http.Error(w, "reset", http.StatusInternalServerError)
		return
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		return
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

// truncate declares the full length and sends half the body; the server
// then closes the connection.
func truncate(w http.ResponseWriter, resp *response) {
	w.Header().Set("Content-Type", resp.ctype)
	w.Header().Set("Content-Length", strconv.Itoa(len(resp.body)+1024))
	w.WriteHeader(resp.status)
	_, _ = w.Write(resp.body[:len(resp.body)/2])
}

// firstTime reports whether key is requested for the first time (and
// remembers it).
func (s *Sim) firstTime(key string) bool {
	s.flakyMu.Lock()
	defer s.flakyMu.Unlock()
	if s.flaky[key] {
		return false
	}
	s.flaky[key] = true
	return true
}

const challengeCookie = "__jsl_clearance"

func (s *Sim) passed(r *http.Request) bool {
	c, err := r.Cookie(challengeCookie)
	return err == nil && c.Value == s.token
}

func (s *Sim) writeChallenge(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusPreconditionFailed)
	_, _ = w.Write([]byte(s.challengePage()))
}

// write sends resp, answering 304 to a matching conditional GET.
func (s *Sim) write(w http.ResponseWriter, r *http.Request, resp *response) {
	h := w.Header()
	for k, v := range resp.header {
		h.Set(k, v)
	}
	if resp.status == http.StatusOK {
		etag := fmt.Sprintf("\"%08x%x\"", crc32.Checksum(resp.body, castagnoli), len(resp.body))
		h.Set("ETag", etag)
		lm := resp.lastMod.UTC().Truncate(time.Second)
		h.Set("Last-Modified", lm.Format(http.TimeFormat))
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			if notModified(r, etag, lm) {
				w.WriteHeader(http.StatusNotModified)
				return
			}
		}
	}
	h.Set("Content-Type", resp.ctype)
	if resp.status == http.StatusOK && !resp.page {
		// Attachments honour Range requests (a crawler may probe with a
		// ranged GET).
		h.Set("Accept-Ranges", "bytes")
		if start, end, ok := parseRange(r.Header.Get("Range"), len(resp.body)); ok {
			h.Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", start, end, len(resp.body)))
			h.Set("Content-Length", strconv.Itoa(end-start+1))
			w.WriteHeader(http.StatusPartialContent)
			if r.Method != http.MethodHead {
				_, _ = w.Write(resp.body[start : end+1])
			}
			return
		}
	}
	h.Set("Content-Length", strconv.Itoa(len(resp.body)))
	w.WriteHeader(resp.status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(resp.body)
	}
}

// parseRange understands the one form crawlers send, "bytes=a-b" or
// "bytes=a-", on a non-empty body.
func parseRange(h string, size int) (int, int, bool) {
	spec, ok := strings.CutPrefix(h, "bytes=")
	if !ok || size == 0 || strings.Contains(spec, ",") {
		return 0, 0, false
	}
	a, b, ok := strings.Cut(spec, "-")
	if !ok || a == "" {
		return 0, 0, false
	}
	start, err := strconv.Atoi(a)
	if err != nil || start >= size {
		return 0, 0, false
	}
	end := size - 1
	if b != "" {
		e, err := strconv.Atoi(b)
		if err != nil || e < start {
			return 0, 0, false
		}
		end = min(e, size-1)
	}
	return start, end, true
}

func notModified(r *http.Request, etag string, lm time.Time) bool {
	if inm := r.Header.Get("If-None-Match"); inm != "" {
		for _, t := range strings.Split(inm, ",") {
			t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
			if t == etag || t == "*" {
				return true
			}
		}
		return false
	}
	if ims := r.Header.Get("If-Modified-Since"); ims != "" {
		t, err := http.ParseTime(ims)
		return err == nil && !lm.After(t)
	}
	return false
}

func htmlResponse(u *unit, page string, lastMod time.Time) *response {
	body, ctype := encodePage(u, page)
	return &response{status: http.StatusOK, body: body, ctype: ctype, lastMod: lastMod, page: true, text: page, unit: u}
}

// encodePage encodes a page in its unit's charset and names the charset
// in the Content-Type unless the unit declares it only in the page.
func encodePage(u *unit, page string) ([]byte, string) {
	return encodeAs(u, page, "text/html")
}

func encodeAs(u *unit, page, mime string) ([]byte, string) {
	if u != nil && u.mislabeled {
		b, err := encoding.ReplaceUnsupported(simplifiedchinese.GBK.NewEncoder()).Bytes([]byte(page))
		if err != nil {
			b = []byte(page)
		}
		return b, mime + "; charset=utf-8"
	}
	if u == nil || u.charset == "utf-8" {
		return []byte(page), mime + "; charset=utf-8"
	}
	var enc *encoding.Encoder
	label := "GBK"
	if u.charset == "gb18030" {
		enc = simplifiedchinese.GB18030.NewEncoder()
		label = "GB18030"
	} else {
		enc = simplifiedchinese.GBK.NewEncoder()
	}
	b, err := encoding.ReplaceUnsupported(enc).Bytes([]byte(page))
	if err != nil {
		b = []byte(page)
	}
	if u.metaOnly {
		return b, mime
	}
	return b, mime + "; charset=" + label
}

func notFound() *response {
	return &response{status: http.StatusNotFound, body: []byte(notFoundPage), ctype: "text/html; charset=utf-8"}
}

// respond renders the answer to r (without faults).
func (s *Sim) respond(r *http.Request) *response {
	p := r.URL.Path
	if p == "/" {
		lm := s.ws.at(0)
		if len(s.newest) > 0 {
			lm = s.newest[0].pub.at(s.newest[0].pubMin)
		}
		return htmlResponse(nil, s.home(), lm)
	}
	if rt, ok := s.routes[p]; ok {
		return s.respondRoute(r, rt, 1)
	}
	switch p {
	case "/module/download/downfile.jsp":
		if rt, ok := s.routes[downfileKey(r.URL.Query().Get("filename"))]; ok {
			return s.respondRoute(r, rt, 1)
		}
		return notFound()
	case "/module/web/jpage/dataproxy.jsp":
		return s.respondProxy(r)
	}
	dir, file := path.Split(p)
	if n, ok := pageNumber(file, "index_"); ok {
		if rt, ok := s.routes[dir]; ok && rt.kind == rList && rt.u.fam == famGongkai && n >= 2 && (n <= s.listPages(rt.c) || s.endless[rt.c]) {
			return s.respondRoute(r, rt, n)
		}
		if rt, ok := s.routes[dir+"index.html"]; ok && rt.kind == rList && rt.u.fam == famTRS && n >= 1 && (n < s.listPages(rt.c) || s.endless[rt.c]) {
			return s.respondRoute(r, rt, n+1)
		}
	}
	if n, ok := pageNumber(file, "list_"); ok {
		if rt, ok := s.routes[dir]; ok && rt.kind == rMailList && n >= 2 && n <= rt.mb.pages() {
			return s.respondRoute(r, rt, n)
		}
	}
	if file == "index.html" {
		if rt, ok := s.routes[dir]; ok && rt.kind == rList && rt.u.fam == famGongkai {
			return s.respondRoute(r, rt, 1)
		}
	}
	return notFound()
}

// pageNumber parses "<prefix><n>.html".
func pageNumber(file, prefix string) (int, bool) {
	s, ok := strings.CutPrefix(file, prefix)
	if !ok {
		return 0, false
	}
	s, ok = strings.CutSuffix(s, ".html")
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	return n, err == nil && s == strconv.Itoa(n)
}

func (s *Sim) respondRoute(r *http.Request, rt route, p int) *response {
	resp := s.renderRoute(rt, p)
	if resp.status == http.StatusOK {
		resp.kind = rt.kind
	}
	return resp
}

func (s *Sim) renderRoute(rt route, p int) *response {
	switch rt.kind {
	case rCatalog:
		return htmlResponse(rt.u, s.catalog(rt.u), rt.u.newest.at(0))
	case rList:
		resp := htmlResponse(rt.u, s.list(rt.c, p), rt.c.lastMod())
		resp.col, resp.listPage = rt.c, p
		return resp
	case rItem:
		return htmlResponse(rt.u, s.article(rt.it), rt.it.pub.at(rt.it.pubMin))
	case rAtt:
		return s.attachment(rt.a)
	case rMailList:
		return htmlResponse(nil, s.mailList(rt.mb, p), rt.mb.lastMod())
	case rLetter:
		return htmlResponse(nil, s.letterPage(rt.l), rt.l.lastMod())
	}
	return notFound()
}

func (c *column) lastMod() time.Time {
	if len(c.items) == 0 {
		return time.Unix(c.unix, 0)
	}
	return c.items[0].pub.at(c.items[0].pubMin)
}

func (l *letter) lastMod() time.Time {
	if l.replied != 0 {
		return l.replied.at(l.repMin)
	}
	return l.recv.at(l.recvMin)
}

func (mb *mailbox) lastMod() time.Time {
	var t time.Time
	for _, l := range mb.letters {
		if lm := l.lastMod(); lm.After(t) {
			t = lm
		}
	}
	return t
}

// respondProxy answers the hanweb data proxy, from the query or the form.
func (s *Sim) respondProxy(r *http.Request) *response {
	if err := r.ParseForm(); err != nil {
		return &response{status: http.StatusBadRequest, body: []byte("bad request\n"), ctype: "text/plain; charset=utf-8"}
	}
	num, err := strconv.Atoi(r.Form.Get("columnid"))
	rt, ok := s.routes[fmt.Sprintf("/col/col%d/index.html", num)]
	if err != nil || !ok || rt.kind != rList {
		return notFound()
	}
	c := rt.c
	atoi := func(k string, d int) int {
		if n, err := strconv.Atoi(r.Form.Get(k)); err == nil && n > 0 {
			return n
		}
		return d
	}
	perPage := atoi("perpage", 15)
	start := atoi("startrecord", 0)
	end := atoi("endrecord", 0)
	if start == 0 {
		pg := atoi("page", 1)
		start = (pg-1)*perPage + 1
	}
	if end == 0 {
		end = start + perPage - 1
	}
	body, ctype := encodeAs(c.u, s.proxy(c, start, end, perPage), "text/xml")
	return &response{status: http.StatusOK, body: body, ctype: ctype, lastMod: c.lastMod(), col: c, page: true, kind: rList,
		listPage: 1 + (max(start, 1)-1)/c.perPage()}
}

// attachment serves a document, or its injected breakage.
func (s *Sim) attachment(a *att) *response {
	lm := a.it.pub.at(a.it.pubMin)
	switch a.mode {
	case att404:
		return notFound()
	case attHTML200:
		body := "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>文件不存在</title></head><body><p>对不起，您要下载的文件不存在或已被删除。</p><p><a href=\"/\">返回首页</a></p></body></html>\n"
		return &response{status: http.StatusOK, body: []byte(body), ctype: "text/html; charset=utf-8", lastMod: lm, page: true}
	case attEmpty:
		return &response{status: http.StatusOK, body: nil, ctype: contentType(a.ext), lastMod: lm}
	}
	resp := &response{status: http.StatusOK, body: s.attBytes(a), ctype: contentType(a.ext), lastMod: lm}
	if a.it.c.u.fam == famHanweb {
		resp.ctype = "application/octet-stream"
		resp.header = map[string]string{"Content-Disposition": "attachment; filename*=UTF-8''" + url.PathEscape(a.name)}
	}
	return resp
}

func contentType(ext string) string {
	switch ext {
	case "pdf":
		return "application/pdf"
	case "doc":
		return "application/msword"
	case "docx":
		return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	case "xls":
		return "application/vnd.ms-excel"
	case "xlsx":
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	case "ofd":
		return "application/ofd"
	case "zip":
		return "application/zip"
	case "rar":
		return "application/x-rar-compressed"
	case "csv":
		return "text/csv; charset=utf-8"
	case "wps":
		return "application/kswps"
	}
	return "application/octet-stream"
}

// attBytes renders a document's content: the right magic bytes for its
// type, then deterministic filler up to its size.
func (s *Sim) attBytes(a *att) []byte {
	if b, ok := s.contentAttachment(a); ok { // content.go
		return b
	}
	b := bytes.NewBuffer(make([]byte, 0, a.size+16))
	switch a.ext {
	case "pdf":
		b.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\nstream\n")
	case "docx", "xlsx", "ofd", "zip":
		b.WriteString("PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00")
	case "doc", "xls", "wps":
		b.WriteString("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00\x00\x00")
	case "rar":
		b.WriteString("Rar!\x1a\x07\x00")
	case "csv":
		b.WriteString("\xef\xbb\xbf序号,项目,数值\n")
		for i := 1; b.Len() < a.size; i++ {
			fmt.Fprintf(b, "%d,%s,%d\n", i, a.it.topic, i*37%1000)
		}
		return b.Bytes()
	}
	out := b.Bytes()
	r := rand.New(rand.NewPCG(uint64(a.it.id), uint64(len(a.key))))
	for len(out) < a.size-8 {
		out = binary.LittleEndian.AppendUint64(out, r.Uint64())
	}
	if a.ext == "pdf" {
		out = append(out, "\n%%EOF\n"...)
	}
	return out
}
