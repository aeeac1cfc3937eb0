// Package extract turns the pages of government portals into records:
// list entries and pagination, article metadata and attachments, unit
// catalogs, mailbox letter lists and letter pages.
//
// Every function is pure: decoded UTF-8 bytes and the page's URL in,
// records out. Nothing here does I/O, so every extractor can be fuzzed.
// The families are those of docs/PORTAL_FORMATS.md: gongkai, hanweb, trs,
// and generic (CSS selectors from the configuration).
package extract

import (
	"bytes"
	"net/url"
	"path"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html"

	"github.com/govaudit/govaudit/config"
	"github.com/govaudit/govaudit/crawler/dates"
)

// Page families.
const (
	Gongkai = "gongkai"
	Hanweb  = "hanweb"
	TRS     = "trs"
	Generic = "generic"
)

// Page is one fetched page handed to an extractor.
type Page struct {
	URL       *url.URL
	Body      []byte // decoded UTF-8 HTML
	Family    string // gongkai, hanweb, trs, generic; empty: detect
	Selectors *config.Selectors
	// Now is the reference for dates printed without a year when the
	// entry's URL gives none.
	Now time.Time
	// MaxPages is the most list pages the caller walks per list
	// (site.crawl.max_list_pages); 0 means DefaultMaxPages. A TRS pager
	// announcing more pages yields MaxPages+1 page URLs, one past the
	// caller's cap, so that the caller sees the list is longer than it
	// walks, and a hostile page count builds no more URLs than that.
	MaxPages int
	// ListDate is the date the column list showed for an article page
	// ("2006-01-02"; empty: none): its publication date when the page
	// itself has no labelled one nor a publication meta tag.
	ListDate string
	// Root is Body already parsed by the caller, who reads the same tree
	// for other purposes (one parse per page); nil: ParseArticle parses
	// Body. The tree is only read, never changed.
	Root *html.Node
}

// DefaultMaxPages is Page.MaxPages when unset (the default of
// site.crawl.max_list_pages).
const DefaultMaxPages = 200

// Limits on what one page may contribute, so hostile pages cannot blow
// up memory.
const (
	maxLinks       = 300
	maxAttachments = 200
	maxNamed       = 100
	maxNameRunes   = 120
)

// docExts are the extensions of document attachments.
var docExts = map[string]bool{
	"pdf": true, "doc": true, "docx": true, "xls": true, "xlsx": true, "wps": true,
	"ofd": true, "zip": true, "rar": true, "csv": true, "et": true, "ppt": true, "pptx": true,
	"txt": true, "7z": true,
}

// DetectFamily guesses a page's family from its URL and content.
func DetectFamily(u *url.URL, body []byte) string {
	p := ""
	if u != nil {
		p = u.Path
	}
	switch {
	case strings.Contains(p, "/gongkai/"):
		return Gongkai
	case strings.Contains(p, "/col/col") || strings.Contains(p, "/art/") || strings.Contains(p, "/jact/"):
		return Hanweb
	case bytes.Contains(body, []byte("<datastore>")):
		return Hanweb
	case bytes.Contains(body, []byte("createPageHTML")) || bytes.Contains(body, []byte("TRS_Editor")) ||
		bytes.Contains(body, []byte("trs_editor_view")):
		return TRS
	case bytes.Contains(body, []byte(`class="doc-list"`)) || bytes.Contains(body, []byte(`xxgk-table`)):
		return Gongkai
	}
	return Generic
}

func parseDoc(body []byte) (*goquery.Document, error) {
	return goquery.NewDocumentFromReader(bytes.NewReader(body))
}

// resolve makes href absolute against base, in its canonical form (see
// CanonicalURL); it returns "" for links that lead nowhere (javascript:,
// mailto:, fragments, unparsable).
func resolve(base *url.URL, href string) string {
	href = strings.TrimSpace(href)
	if href == "" || strings.HasPrefix(href, "#") {
		return ""
	}
	low := strings.ToLower(href)
	for _, p := range []string{"javascript:", "mailto:", "tel:", "data:", "about:"} {
		if strings.HasPrefix(low, p) {
			return ""
		}
	}
	r, err := url.Parse(href)
	if err != nil {
		return ""
	}
	if base != nil {
		r = base.ResolveReference(r)
	}
	if r.Scheme != "http" && r.Scheme != "https" || r.Host == "" {
		return ""
	}
	canonical(r)
	return r.String()
}

// sameHost reports whether the absolute URL u is on the host of base
// (host names compared case-insensitively, the port included, a scheme's
// default port being the same as none). Pager links must pass it: a list
// page may not send the crawler to another site or an internal address.
func sameHost(base *url.URL, u string) bool {
	pu, err := url.Parse(u)
	if err != nil || base == nil {
		return false
	}
	return hostKey(pu) == hostKey(base) && hostKey(pu) != ""
}

// hostKey is a URL's host name in lower case with its port, the scheme's
// default port written out.
func hostKey(u *url.URL) string {
	h := strings.ToLower(u.Hostname())
	if h == "" {
		return ""
	}
	port := u.Port()
	if port == "" {
		switch strings.ToLower(u.Scheme) {
		case "https":
			port = "443"
		default:
			port = "80"
		}
	}
	return h + ":" + port
}

// cleanText collapses runs of white space into one space and trims.
func cleanText(s string) string {
	if plainText(s) {
		return s
	}
	var b strings.Builder
	space := false
	for _, r := range s {
		if unicode.IsSpace(r) || r == '\u3000' || r == '\u00a0' || r == '\ufeff' {
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

// plainText reports whether s needs no cleaning: ASCII spaces only,
// never two in a row nor at either end, and no other white space.
func plainText(s string) bool {
	prevSpace := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ':
			if prevSpace {
				return false
			}
			prevSpace = true
			continue
		case c < ' ' || c == 0x7f:
			return false
		case c >= 0x80:
			r, _ := utf8.DecodeRuneInString(s[i:])
			if unicode.IsSpace(r) || r == '\u3000' || r == '\u00a0' || r == '\ufeff' {
				return false
			}
		}
		prevSpace = false
	}
	return !prevSpace || s == ""
}

// label normalises a table label: no spaces, no trailing colon.
func label(s string) string {
	if !strings.ContainsFunc(s, isLabelJunk) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if unicode.IsSpace(r) || r == '\u3000' || r == '\u00a0' || r == ':' || r == '：' {
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// isLabelJunk reports whether label drops r.
func isLabelJunk(r rune) bool {
	return unicode.IsSpace(r) || r == '\u3000' || r == '\u00a0' || r == ':' || r == '：'
}

var blockTags = map[string]bool{
	"p": true, "div": true, "br": true, "li": true, "tr": true, "td": true, "th": true, "table": true,
	"h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true, "section": true, "article": true,
	"ul": true, "ol": true, "dl": true, "dt": true, "dd": true, "blockquote": true, "pre": true,
}

// blockText returns the text of the selection with a newline at each
// block boundary, skipping scripts and styles.
func blockText(sel *goquery.Selection) string { return blockTextSkip(sel, nil) }

// blockTextSkip is blockText without the elements skip reports.
func blockTextSkip(sel *goquery.Selection, skip func(*html.Node) bool) string {
	var b strings.Builder
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		switch n.Type {
		case html.TextNode:
			b.WriteString(n.Data)
			return
		case html.ElementNode:
			if n.Data == "script" || n.Data == "style" || n.Data == "noscript" || skip != nil && skip(n) {
				return
			}
			if blockTags[n.Data] {
				b.WriteByte('\n')
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
		if n.Type == html.ElementNode && blockTags[n.Data] {
			b.WriteByte('\n')
		}
	}
	for _, n := range sel.Nodes {
		walk(n)
	}
	return b.String()
}

// fileExt returns the lower-case document extension of a URL: of its
// path, or of a filename query parameter (downfile.jsp?filename=….pdf).
func fileExt(u *url.URL) string {
	if e := strings.TrimPrefix(strings.ToLower(path.Ext(u.Path)), "."); docExts[e] {
		return e
	}
	q := u.Query()
	for _, k := range []string{"filename", "fileName", "FileName", "name", "file", "filepath"} {
		if v := q.Get(k); v != "" {
			if e := strings.TrimPrefix(strings.ToLower(path.Ext(v)), "."); docExts[e] {
				return e
			}
		}
	}
	return ""
}

// isDownload reports whether a URL is a download handler (hanweb's
// downfile.jsp and the like) even when its extension is unknown.
func isDownload(u *url.URL) bool {
	p := strings.ToLower(u.Path)
	return strings.Contains(p, "downfile") || strings.HasSuffix(p, "/download.jsp") || strings.HasSuffix(p, "/download.do")
}

// AttachmentType returns the document type ("pdf", "docx" …) of an
// attachment URL, and whether the URL is an attachment at all.
func AttachmentType(raw string) (string, bool) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", false
	}
	e := fileExt(u)
	if e != "" {
		return e, true
	}
	return "", isDownload(u)
}

// truncRunes cuts s to at most n runes.
func truncRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n])
}

var reMonthDayOnly = regexp.MustCompile(`^\[?\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?\s*\]?$`)

// listDate parses a date shown in a list. A date without its year takes
// the year from the entry URL, else from now (and a date that would lie
// in the future then belongs to the previous year).
func listDate(raw, entryURL string, now time.Time) string {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return ""
	}
	ref, fromURL := dates.RefFromURL(entryURL)
	if !fromURL {
		ref = now
	}
	d, err := dates.Parse(raw, ref)
	if err != nil {
		if f, ok := dates.Find(raw); ok {
			return f
		}
		return ""
	}
	if !fromURL && !now.IsZero() && reMonthDayOnly.MatchString(raw) && d > now.Format("2006-01-02") {
		if d2, err := dates.Parse(raw, now.AddDate(-1, 0, 0)); err == nil {
			d = d2
		}
	}
	return d
}
