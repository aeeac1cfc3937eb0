package portalsim

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// The faults of Options.Faults that concern the site as a whole or one
// page's content (the older ones live in handler.go).

// flapping reports whether the request just counted falls in a down phase
// of Faults.FlapUp/FlapDown.
func (s *Sim) flapping() bool {
	up, down := s.opt.Faults.FlapUp, s.opt.Faults.FlapDown
	if up <= 0 || down <= 0 {
		return false
	}
	n := s.flap.Add(1) - 1
	return n%int64(up+down) >= int64(up)
}

// pageFaults applies the faults that replace or rewrite an answer: huge
// pages, redirect loops, non-HTML answers, session ids, malformed HTML and
// wrong charsets. It reports whether it wrote the answer itself.
func (s *Sim) pageFaults(w http.ResponseWriter, r *http.Request, resp *response) bool {
	f := s.opt.Faults
	path := r.URL.Path
	list := resp.col != nil && resp.kind == rList
	article := resp.kind == rItem
	switch {
	case list && s.loop[resp.col], article && hit(path, f.RedirectLoopEvery, 7):
		redirectLoop(w, r)
		return true
	case list && s.huge[resp.col] && r.Method != http.MethodHead:
		s.writeHuge(w, resp)
		return true
	}
	if list {
		if i, ok := s.nonHTML[resp.col]; ok {
			if i%2 == 0 {
				writeJSON(w)
			} else {
				writePNG(w)
			}
			return true
		}
	}
	if article && hit(path, f.NonHTMLEvery, 8) {
		writeJSON(w)
		return true
	}
	if resp.text == "" {
		return false
	}
	malformed := hit(path, f.MalformedEvery, 5)
	wrong := hit(path, f.WrongCharsetEvery, 6) && (resp.unit == nil || !resp.unit.mislabeled)
	if !f.SessionIDs && !malformed && !wrong {
		return false
	}
	text := resp.text
	if f.SessionIDs {
		text = withSessions(text, path)
	}
	if malformed {
		text = malform(text)
	}
	switch {
	case wrong:
		resp.body = wrongCharset(resp.unit, text)
	case text != resp.text:
		resp.body, _ = encodePage(resp.unit, text)
	}
	if malformed {
		resp.body = addGarbage(resp.body)
	}
	return false
}

// redirectLoop sends a request to the same URL with "loop=1", and that one
// back: a loop no client gets out of.
func redirectLoop(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("loop") != "" {
		q.Del("loop")
	} else {
		q.Set("loop", "1")
	}
	u := url.URL{Path: r.URL.Path, RawQuery: q.Encode()}
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, u.String(), http.StatusFound)
}

// writeHuge streams a huge list page: the page, then filler up to
// Faults.HugeBytes, in chunks, with no Content-Length.
func (s *Sim) writeHuge(w http.ResponseWriter, resp *response) {
	w.Header().Set("Content-Type", resp.ctype)
	w.WriteHeader(http.StatusOK)
	n, err := w.Write(resp.body)
	if err != nil {
		return
	}
	if fl, ok := w.(http.Flusher); ok {
		fl.Flush() // the answer is chunked from here
	}
	chunk := bytes.Repeat([]byte("<!-- 页面内容加载中 loading ................................................. -->\n"), 512)
	for total := s.opt.Faults.HugeBytes; n < total; {
		c := chunk[:min(len(chunk), total-n)]
		m, err := w.Write(c)
		n += m
		if err != nil {
			return // the client stopped reading
		}
	}
}

func writeJSON(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(`{"code":500,"msg":"系统繁忙，请稍后再试","data":null}` + "\n"))
}

// pngBytes is a 1×1 transparent PNG.
var pngBytes = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89" +
	"\x00\x00\x00\rIDATx\x9cc\x00\x01\x00\x00\x05\x00\x01\r\n-\xb4\x00\x00\x00\x00IEND\xaeB`\x82")

func writePNG(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Content-Length", strconv.Itoa(len(pngBytes)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(pngBytes)
}

// reLinkHref finds the links of a page (also inside CDATA records and script
// strings written with double quotes).
var reLinkHref = regexp.MustCompile(`href="([^"]*)"`)

// withSessions appends to each link, in turn, a ";jsessionid=" path
// parameter, a "sid" query parameter or utm_* tracking parameters, with
// values derived from the page and the link's position.
func withSessions(page, key string) string {
	i := 0
	seed := hashString(key)
	return reLinkHref.ReplaceAllStringFunc(page, func(m string) string {
		href := m[len(`href="`) : len(m)-1]
		low := strings.ToLower(href)
		if href == "" || strings.HasPrefix(href, "#") || strings.HasPrefix(low, "javascript:") || strings.HasPrefix(low, "mailto:") ||
			strings.Contains(low, "://") {
			return m
		}
		i++
		v := mix(seed ^ uint64(i))
		token := fmt.Sprintf("%016X%016X", v, mix(v))
		path, query, hasQuery := strings.Cut(href, "?")
		switch (int(seed%3) + i) % 3 {
		case 0:
			path += ";jsessionid=" + token
		case 1:
			query = addParam(query, "sid="+strings.ToLower(token))
			hasQuery = true
		default:
			query = addParam(query, "utm_source=wechat&amp;utm_medium=share&amp;utm_campaign=gk"+strconv.Itoa(i))
			hasQuery = true
		}
		if hasQuery {
			return `href="` + path + "?" + query + `"`
		}
		return `href="` + path + `"`
	})
}

func addParam(query, p string) string {
	if query == "" {
		return p
	}
	return query + "&amp;" + p
}

// malformer leaves out closing tags.
var malformer = strings.NewReplacer("</li>", "", "</td>", "", "</tr>", "", "</p>", "", "</div>", "", "</table>", "")

// malform damages a page's markup (Faults.MalformedEvery).
func malform(page string) string {
	page = malformer.Replace(page)
	if i := strings.LastIndex(page, `<div class="footer">`); i >= 0 {
		page = page[:i] + "<p>注：3 < 5 && 7 > 2 <<>> &nbsp &copy\n" + page[i:]
	}
	return page
}

// garbage is what a broken template leaves between elements: a NUL,
// bytes invalid in UTF-8 and in GBK, an escape sequence. It ends in ASCII
// so that it never swallows the first byte of a following GBK character.
var garbage = []byte("\x00\xff\xfe\x80\x81\x1b[0m\x7f\n")

// addGarbage inserts garbage after <body> and before the footer.
func addGarbage(body []byte) []byte {
	out := make([]byte, 0, len(body)+2*len(garbage))
	if i := bytes.Index(body, []byte("<body>")); i >= 0 {
		i += len("<body>")
		out = append(append(append(out, body[:i]...), garbage...), body[i:]...)
	} else {
		out = append(out, body...)
	}
	if i := bytes.LastIndex(out, []byte(`<div class="footer">`)); i >= 0 {
		tail := append([]byte(nil), out[i:]...)
		out = append(append(out[:i], garbage...), tail...)
	}
	return out
}

// wrongCharset encodes a page in the charset its declarations do not
// name: GBK for a UTF-8 page, UTF-8 for a GBK or GB18030 one.
func wrongCharset(u *unit, page string) []byte {
	if u != nil && u.charset != "utf-8" {
		return []byte(page)
	}
	b, err := encoding.ReplaceUnsupported(simplifiedchinese.GBK.NewEncoder()).Bytes([]byte(page))
	if err != nil {
		return []byte(page)
	}
	return b
}
