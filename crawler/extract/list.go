package extract

import (
	"bytes"
	"fmt"
	"html"
	"math"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/PuerkitoBio/goquery"
	nethtml "golang.org/x/net/html"

	"github.com/govaudit/govaudit/crawler/dates"
)

// Entry is one item of a column list.
type Entry struct {
	URL     string // absolute
	Title   string
	Date    string // "2006-01-02"; empty when the list shows none
	RawDate string // as printed
}

// ListPage is what one list page yields: its entries and where the list
// continues.
type ListPage struct {
	Family  string
	Entries []Entry
	// Next is the "下一页" link; empty on the last page.
	Next string
	// Pages are further pages the pager names (index_N links, or all pages
	// of a TRS createPageHTML pager), in order.
	Pages []string
	// PageCount is the TRS createPageHTML page count, at most
	// maxPagerPages; 0 when unknown. Pages names at most Page.MaxPages+1
	// of them.
	PageCount int
	// Declared is the page count the page prints (共5页, 第1页/共5页,
	// 1/5页, 页次：1/5) when it names no page to follow (its pager works
	// by script or form), else 0: the list goes on where the crawler
	// cannot follow it.
	Declared int
	// Hanweb is set when the page embeds a Hanweb datastore.
	Hanweb *HanwebList
}

// HanwebList describes a Hanweb column's data proxy.
type HanwebList struct {
	Proxy    string     // absolute proxy URL without query
	Form     url.Values // form fields to POST
	PerPage  int        // records per page (15 when not given)
	Total    int        // totalRecord printed in the page; 0 when absent
	Embedded int        // records embedded in the page
}

// maxPagerPages bounds the page URLs one TRS pager yields whatever
// Page.MaxPages says, so that no page count makes a huge slice.
const maxPagerPages = 10000

// BatchSize is how many records one data-proxy request asks for.
const BatchSize = 45

var (
	reNextGroup   = regexp.MustCompile(`(?s)<nextgroup>\s*<!\[CDATA\[(.*?)\]\]>`)
	reHref        = regexp.MustCompile(`(?i)href\s*=\s*\\?["']([^"'\\]*)\\?["']`)
	reTotalRecord = regexp.MustCompile(`(?i)<totalrecord>\s*(\d+)\s*</totalrecord>`)
	reTotalScript = regexp.MustCompile(`(?i)totalRecord\s*[:=]\s*["']?(\d+)`)
	rePerPage     = regexp.MustCompile(`(?i)perpage\s*[:=]\s*["']?(\d+)`)
	reColumnID    = regexp.MustCompile(`/col/col(\d+)/`)
	rePagerLink   = regexp.MustCompile(`(?:^|/)(index|list)_(\d+)\.[sj]?html?$`)
	reArticleURL  = regexp.MustCompile(`(?:t\d{8}_\d+\.s?html?|/art_\d+_\d+\.html|/doc_[0-9a-fA-F]+\.html|/content/\S+|/art/\d{4}/)`)
	reBracketDate = regexp.MustCompile(`[\[【(（]\s*(\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}-\d{1,2})\s*[\]】)）]`)
)

// List extracts the entries and the pager of a column list page.
func List(p Page) (*ListPage, error) {
	if p.URL == nil {
		return nil, fmt.Errorf("list page without URL")
	}
	fam := p.Family
	if fam == "" {
		fam = DetectFamily(p.URL, p.Body)
	}
	doc, err := parseDoc(p.Body)
	if err != nil {
		return nil, fmt.Errorf("parse list %s: %w", p.URL, err)
	}
	lp := &ListPage{Family: fam}

	// Hanweb: records embedded as datastore XML (any family may embed one).
	// (Only a body holding "<record>" is scanned further.)
	if recs := hanwebRecords(p.Body); len(recs) > 0 {
		lp.Entries = recordEntries(recs, p)
		lp.Hanweb = hanwebInfo(p)
		lp.Hanweb.Embedded = len(recs)
		return lp, nil
	}

	sel := p.Selectors
	switch {
	case fam == Generic && sel != nil && sel.Item != "":
		lp.Entries = selectorEntries(doc, p)
	case fam == Gongkai:
		lp.Entries = liEntries(doc.FindMatcher(selDocListItems), p, false)
	}
	if len(lp.Entries) == 0 {
		lp.Entries = looseEntries(doc, p)
	}
	lp.Entries = dedupe(lp.Entries)

	lp.Next, lp.Pages, lp.PageCount = pager(doc, p)
	if lp.Next == "" && len(lp.Pages) == 0 {
		lp.Declared = printedPageCount(doc)
	}
	return lp, nil
}

// rePrintedPages finds a page count printed by a pager: 共5页, 第1页/共5页,
// 1/5页, 页次：1/5.
var rePrintedPages = regexp.MustCompile(`共\s*(\d{1,5})\s*页|\d{1,5}\s*/\s*(\d{1,5})\s*页|页次\s*[:：]?\s*\d{1,5}\s*/\s*(\d{1,5})`)

// printedPageCount returns the largest page count the page's visible
// text prints (scripts and styles left out), or 0.
func printedPageCount(doc *goquery.Document) int {
	n := 0
	for _, m := range rePrintedPages.FindAllStringSubmatch(blockText(doc.Selection), -1) {
		for _, g := range m[1:] {
			if v, err := strconv.Atoi(g); err == nil && v > n {
				n = v
			}
		}
	}
	return n
}

// pager reads a list page's pager: the "下一页" link (or the configured
// next selector's), and the further pages a TRS pager script or index_N
// links name, in order. Every pager URL stays on the list page's host
// (sameHost).
func pager(doc *goquery.Document, p Page) (next string, pages []string, count int) {
	sel := p.Selectors
	lp := &ListPage{}
	if sel != nil && sel.Next != "" {
		if h, ok := doc.Find(sel.Next).First().Attr("href"); ok {
			if u := resolve(p.URL, h); u != "" && sameHost(p.URL, u) {
				lp.Next = u
			}
		}
	}
	if lp.Next == "" {
		lp.Next = nextLink(doc, p.URL)
	}
	seen := map[string]bool{p.URL.String(): true}
	if count, prefix, suffix, ok := createPager(p.Body); ok {
		lp.PageCount = min(count, maxPagerPages)
		for i := 0; i < min(count, pagerLimit(p)); i++ {
			name := prefix + "." + suffix
			if i > 0 {
				name = prefix + "_" + strconv.Itoa(i) + "." + suffix
			}
			if u := resolve(p.URL, name); u != "" && !seen[u] {
				if !sameHost(p.URL, u) {
					break // the prefix names another host, so would every page
				}
				seen[u] = true
				pages = append(pages, u)
			}
		}
	}
	type numbered struct {
		n int
		u string
	}
	var links []numbered
	doc.FindMatcher(selAHref).Each(func(_ int, a *goquery.Selection) {
		h, _ := a.Attr("href")
		if !strings.Contains(h, "index_") && !strings.Contains(h, "list_") {
			return // not a pager link: spare resolving it
		}
		u := resolve(p.URL, h)
		if u == "" || seen[u] {
			return
		}
		pu, err := url.Parse(u)
		if err != nil || !sameHost(p.URL, u) {
			return
		}
		// rePagerLink needs index_ or list_: cheap tests first.
		if dirOf(pu.Path) != dirOf(p.URL.Path) || !strings.Contains(pu.Path, "index_") && !strings.Contains(pu.Path, "list_") {
			return
		}
		m := rePagerLink.FindStringSubmatch(pu.Path)
		if m == nil {
			return
		}
		n, _ := strconv.Atoi(m[2])
		seen[u] = true
		links = append(links, numbered{n, u})
	})
	sort.SliceStable(links, func(i, j int) bool { return links[i].n < links[j].n })
	for _, l := range links {
		pages = append(pages, l.u)
	}
	return lp.Next, pages, lp.PageCount
}

// IsArticleURL reports whether a URL has the shape of an article page of
// one of the families (TRS t20210317_…, Hanweb /art/…, /gongkai/ doc_…,
// /content/…) rather than of a list or a channel.
func IsArticleURL(u string) bool { return reArticleURL.MatchString(u) }

// createPager reads a TRS pager call, createPageHTML(countPage,
// currentPage, "index", "html"), whose arguments may be literals or
// variables assigned earlier in the page (var countPage = 5;), and which
// newer templates call with a container id first and a record count last
// (createPageHTML("page_div", 5, 0, "index", "html", 68)). ok is false
// when the page has no such call or its page count cannot be read.
func createPager(body []byte) (count int, prefix, suffix string, ok bool) {
	const call = "createPageHTML("
	pos := 0
	for tries := 0; tries < 8; tries++ {
		i := bytes.Index(body[pos:], []byte(call))
		if i < 0 {
			return 0, "", "", false
		}
		at := pos + i
		pos = at + len(call)
		if at > 0 && isIdentByte(body[at-1]) {
			continue // another function's name ending so
		}
		args := callArgs(body[pos:], 8)
		if count, prefix, suffix, ok = pagerArgs(args, body[:at]); ok {
			return count, prefix, suffix, true
		}
	}
	return 0, "", "", false
}

// callArgs splits the argument list of a call starting at b (after the
// opening parenthesis) at top-level commas, up to max arguments.
func callArgs(b []byte, max int) []string {
	var args []string
	depth, start := 0, 0
	var quote byte
	for i := 0; i < len(b) && i < 1024; i++ {
		c := b[i]
		switch {
		case quote != 0:
			if c == '\\' {
				i++
			} else if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '(' || c == '[' || c == '{':
			depth++
		case c == ',' && depth == 0:
			args = append(args, strings.TrimSpace(string(b[start:i])))
			start = i + 1
			if len(args) >= max {
				return args
			}
		case c == ')' || c == ']' || c == '}':
			if depth == 0 {
				return append(args, strings.TrimSpace(string(b[start:i])))
			}
			depth--
		}
	}
	return nil
}

// pagerArgs interprets the arguments of createPageHTML; before is the
// page up to the call, where variables are looked up.
func pagerArgs(args []string, before []byte) (count int, prefix, suffix string, ok bool) {
	type val struct {
		s     string
		n     int
		isNum bool
	}
	vals := make([]val, len(args))
	for i, a := range args {
		v := jsValue(a, before)
		if n, err := strconv.Atoi(v); err == nil && n >= 0 {
			vals[i] = val{n: n, isNum: true}
		} else if len(v) > 0 && strings.Trim(v, "0123456789") == "" {
			vals[i] = val{n: math.MaxInt, isNum: true} // digits only: too large for an int
		} else {
			vals[i] = val{s: v}
		}
	}
	ext := -1
	for i, v := range vals {
		switch strings.ToLower(v.s) {
		case "html", "htm", "shtml", "jhtml":
			if i > 0 && !vals[i-1].isNum && vals[i-1].s != "" {
				ext = i
			}
		}
		if ext >= 0 {
			break
		}
	}
	if ext < 0 {
		return 0, "", "", false
	}
	var nums []int
	for _, v := range vals[:ext-1] {
		if v.isNum {
			nums = append(nums, v.n)
		}
	}
	if len(nums) == 0 {
		return 0, "", "", false
	}
	return nums[0], vals[ext-1].s, vals[ext].s, true
}

// jsValue returns the value of a JavaScript argument: a string literal's
// content, a number, or a variable's last value assigned in before
// (var countPage = 5; countPage = "5";). An expression it cannot read
// gives "".
func jsValue(arg string, before []byte) string {
	arg = strings.TrimSpace(arg)
	if arg == "" {
		return ""
	}
	if q := arg[0]; (q == '"' || q == '\'') && len(arg) >= 2 && arg[len(arg)-1] == q {
		return unescapeJS(arg[1 : len(arg)-1])
	}
	if strings.Trim(arg, "0123456789") == "" {
		return arg
	}
	for i := 0; i < len(arg); i++ {
		if !isIdentByte(arg[i]) {
			return ""
		}
	}
	// The last assignment "arg = value" before the call, within the
	// last 64 KiB and 64 occurrences of the name (bounded on any page).
	if len(before) > 64<<10 {
		before = before[len(before)-64<<10:]
	}
	b := before
	for range 64 {
		i := bytes.LastIndex(b, []byte(arg))
		if i < 0 {
			return ""
		}
		b = before[:i]
		if i > 0 && isIdentByte(before[i-1]) {
			continue
		}
		rest := before[i+len(arg):]
		j := skipSpace(rest, 0)
		if j >= len(rest) || rest[j] != '=' || j+1 < len(rest) && rest[j+1] == '=' {
			continue
		}
		j = skipSpace(rest, j+1)
		if j >= len(rest) {
			return ""
		}
		if q := rest[j]; q == '"' || q == '\'' {
			k := bytes.IndexByte(rest[j+1:], q)
			if k < 0 || k > 256 {
				return ""
			}
			return string(rest[j+1 : j+1+k])
		}
		k := j
		for k < len(rest) && k-j < 20 && rest[k] >= '0' && rest[k] <= '9' {
			k++
		}
		return string(rest[j:k])
	}
	return ""
}

// isIdentByte reports whether c may be part of a JavaScript identifier.
func isIdentByte(c byte) bool {
	return c == '_' || c == '$' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// hanwebRecords returns the datastore records of a body, each as
// {whole element, CDATA content, plain content}, with nil for the form
// the record does not take. It matches as the regular expression
//
//	(?s)<record>\s*(?:<!\[CDATA\[(.*?)\]\]>|(.*?))\s*</record>
//
// would with FindAllSubmatch (leftmost first: a CDATA section ends at
// the first "]]>" that only white space separates from "</record>"), by
// scanning, which costs a fraction of the regexp's time on a proxy answer.
func hanwebRecords(body []byte) [][][]byte {
	const open, end = "<record>", "</record>"
	var out [][][]byte
	for pos := 0; ; {
		i := bytes.Index(body[pos:], []byte(open))
		if i < 0 {
			return out
		}
		start := pos + i
		j := skipSpace(body, start+len(open))
		if cdata, stop, ok := cdataRecord(body, j); ok {
			out = append(out, [][]byte{body[start:stop], cdata, nil})
			pos = stop
			continue
		}
		k := bytes.Index(body[j:], []byte(end))
		if k < 0 {
			return out
		}
		e := j + k
		for e > j && isRESpace(body[e-1]) {
			e--
		}
		stop := j + k + len(end)
		out = append(out, [][]byte{body[start:stop], nil, body[j:e]})
		pos = stop
	}
}

// cdataRecord reads a CDATA record's content starting at body[j]: the
// text up to the first "]]>" followed by white space and "</record>".
// stop is the index after "</record>"; ok is false when body[j:] does not
// take that form.
func cdataRecord(body []byte, j int) (cdata []byte, stop int, ok bool) {
	const open, cdEnd, end = "<![CDATA[", "]]>", "</record>"
	if !bytes.HasPrefix(body[j:], []byte(open)) {
		return nil, 0, false
	}
	c := j + len(open)
	for s := c; ; {
		i := bytes.Index(body[s:], []byte(cdEnd))
		if i < 0 {
			return nil, 0, false
		}
		after := skipSpace(body, s+i+len(cdEnd))
		if bytes.HasPrefix(body[after:], []byte(end)) {
			return body[c : s+i], after + len(end), true
		}
		s += i + 1
	}
}

// skipSpace returns the index of the first byte at or after i that is
// not white space in the sense of the regexp class \s.
func skipSpace(b []byte, i int) int {
	for i < len(b) && isRESpace(b[i]) {
		i++
	}
	return i
}

// isRESpace reports whether c is in the regexp class \s ([\t\n\f\r ]).
func isRESpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'
}

// pagerLimit is how many page URLs a TRS pager of p may yield: one past
// the caller's page cap (see Page.MaxPages), within maxPagerPages.
func pagerLimit(p Page) int {
	n := p.MaxPages
	if n <= 0 {
		n = DefaultMaxPages
	}
	return min(n, maxPagerPages-1) + 1
}

func dirOf(p string) string {
	if i := strings.LastIndex(p, "/"); i >= 0 {
		return p[:i+1]
	}
	return p
}

// nextLink finds the "下一页" link of a pager; links to another host
// than base's are passed over.
func nextLink(doc *goquery.Document, base *url.URL) string {
	next := ""
	doc.FindMatcher(selAHref).EachWithBreak(func(_ int, a *goquery.Selection) bool {
		t := strings.ToLower(cleanText(a.Text()))
		title, _ := a.Attr("title")
		if strings.Contains(t, "下一页") || t == "下页" || t == "next" || t == "next »" || t == "后页" ||
			strings.Contains(title, "下一页") && (t == "" || t == ">" || t == "›" || t == "&gt;") {
			h, _ := a.Attr("href")
			if u := resolve(base, h); u != "" && u != base.String() && sameHost(base, u) {
				next = u
				return false
			}
		}
		return true
	})
	return next
}

// liEntries reads entries from list items. In loose mode only items with
// a date or an article-shaped link count (navigation items have neither).
func liEntries(items *goquery.Selection, p Page, loose bool) []Entry {
	var out []Entry
	items.Each(func(_ int, li *goquery.Selection) {
		if loose && li.FindMatcher(selLiTr).Length() > 0 {
			return // a container of other items
		}
		links := li.FindMatcher(selAHref)
		if links.Length() == 0 || loose && links.Length() > 3 {
			return // no entry, or a menu or a block of links
		}
		a := links.First()
		h, _ := a.Attr("href")
		u := resolve(p.URL, h)
		if u == "" {
			return
		}
		raw, byHeader := rowDateText(li)
		if !byHeader {
			raw = dateText(li)
		}
		d := listDate(raw, u, p.Now)
		if loose && d == "" && !reArticleURL.MatchString(u) {
			return
		}
		if _, isDoc := AttachmentType(u); loose && isDoc && d == "" {
			return
		}
		out = append(out, Entry{URL: u, Title: withoutDate(entryTitle(a), raw), Date: d, RawDate: raw})
	})
	return out
}

// withoutDate removes the printed date from a title that holds it: a
// whole-row link (<a><p>title</p><span>2026-03-05</span></a>) gives both.
func withoutDate(title, raw string) string {
	if raw == "" || title == raw {
		return title
	}
	if t := strings.TrimSpace(strings.TrimSuffix(title, raw)); t != title {
		return t
	}
	return strings.TrimSpace(strings.TrimPrefix(title, raw))
}

// looseEntries reads the entries of a list page without a known layout,
// by evidence: list items, table rows, or (when neither gives any)
// blocks holding one link, whichever give entries with dates or
// article-shaped links. Of list items and table rows, the layout with
// more dated entries wins (a table-row list beside a navigation menu).
func looseEntries(doc *goquery.Document, p Page) []Entry {
	es := dedupe(structuredEntries(doc, p))
	if walked := dedupe(anchorEntries(doc, p)); len(walked) > 2*len(es) {
		// Elements that never close (a careless template's rows nest
		// inside each other) hold one entry's link only at the innermost
		// level: the document-order walk reads every entry.
		return walked
	}
	return es
}

// structuredEntries reads the entries of list items, table rows or
// blocks (see looseEntries).
func structuredEntries(doc *goquery.Document, p Page) []Entry {
	var lis, rows []Entry
	if hasTag(p.Body, "<li") {
		lis = liEntries(doc.FindMatcher(selLi), p, true)
	}
	if hasTag(p.Body, "<tr") {
		// Rows win only with more dated entries than the list items
		// have, which takes more rows than that.
		if trs := doc.FindMatcher(selTr); trs.Length() > dated(lis) {
			rows = liEntries(trs, p, true)
		}
	}
	if dated(rows) > dated(lis) || len(lis) == 0 {
		if len(rows) > 0 {
			return rows
		}
	}
	if len(lis) > 0 {
		return lis
	}
	blocks := doc.FindMatcher(selBlocks).FilterFunction(func(_ int, b *goquery.Selection) bool {
		return b.FindMatcher(selAHref).Length() == 1
	})
	return liEntries(blocks, p, true)
}

// anchorEntries reads a list in document order, whatever elements hold
// it: every article-shaped link is an entry, dated by the first date in
// the text between it and the next such link. It serves pages whose
// structure is damaged or unknown.
func anchorEntries(doc *goquery.Document, p Page) []Entry {
	var out []Entry
	var cur *Entry
	var text strings.Builder
	flush := func() {
		if cur == nil {
			return
		}
		t := cleanText(text.String())
		raw := ""
		if m := reBracketDate.FindStringSubmatch(t); m != nil {
			raw = m[0]
		} else if d, ok := dates.Find(t); ok {
			raw = d
		}
		cur.RawDate, cur.Date = raw, listDate(raw, cur.URL, p.Now)
		out = append(out, *cur)
		cur = nil
		text.Reset()
	}
	var walk func(n *nethtml.Node)
	walk = func(n *nethtml.Node) {
		if len(out) >= maxLinks {
			return
		}
		switch n.Type {
		case nethtml.ElementNode:
			switch n.Data {
			case "script", "style", "noscript":
				return
			case "a":
				if h := attr(n, "href"); h != "" {
					if u := resolve(p.URL, h); u != "" && reArticleURL.MatchString(u) {
						flush()
						a := goquery.NewDocumentFromNode(n).Selection
						cur = &Entry{URL: u, Title: entryTitle(a)}
						return // its own text is its title
					}
				}
			}
		case nethtml.TextNode:
			if cur != nil && text.Len() < 200 {
				text.WriteString(n.Data)
				text.WriteByte(' ')
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	for _, n := range doc.Nodes {
		walk(n)
	}
	flush()
	return out
}

// attr returns the value of an element's attribute, or "".
func attr(n *nethtml.Node, key string) string {
	for _, a := range n.Attr {
		if strings.EqualFold(a.Key, key) {
			return a.Val
		}
	}
	return ""
}

// hasTag reports whether body holds the start of a tag, in lower or
// upper case ("<li" finds <li> and <LI>).
func hasTag(body []byte, tag string) bool {
	return bytes.Contains(body, []byte(tag)) || bytes.Contains(body, bytes.ToUpper([]byte(tag)))
}

// dated counts the entries with a date.
func dated(es []Entry) int {
	n := 0
	for _, e := range es {
		if e.Date != "" {
			n++
		}
	}
	return n
}

// rowDateText reads the date of a table row by its table's header: the
// cell under 发布日期 / 发布时间 / 发稿时间 (or a plain 日期 / 时间). ok is
// true when the header decides: also when it names only written-date
// columns (成文日期, 发文日期, 印发日期), whose dates are not publication
// dates, and the row's date is then empty.
func rowDateText(row *goquery.Selection) (raw string, ok bool) {
	if goquery.NodeName(row) != "tr" {
		return "", false
	}
	table := row.Closest("table")
	if table.Length() == 0 {
		return "", false
	}
	header := table.Find("tr").FilterFunction(func(_ int, tr *goquery.Selection) bool {
		return tr.ChildrenFiltered("th").Length() > 0
	}).First()
	if header.Length() == 0 {
		header = table.Find("tr").First()
		if header.Length() == 0 || header.Nodes[0] == row.Nodes[0] {
			return "", false
		}
	}
	pub, written := -1, false
	header.ChildrenFiltered("th, td").Each(func(i int, c *goquery.Selection) {
		switch t := label(cleanText(c.Text())); {
		case t == "发布日期" || t == "发布时间" || t == "发稿时间" || t == "公开日期" || t == "公开时间" || t == "上网日期":
			pub = i
		case t == "成文日期" || t == "发文日期" || t == "印发日期" || t == "生成日期":
			written = true
		case (t == "日期" || t == "时间") && pub < 0:
			pub = i
		}
	})
	if pub < 0 {
		return "", written
	}
	cell := row.ChildrenFiltered("td, th").Eq(pub)
	if cell.Length() == 0 {
		return "", true
	}
	return cleanText(cell.Text()), true
}

// dateText finds the date printed in a list item.
func dateText(li *goquery.Selection) string {
	// Any year serves to recognise year-less dates as dates here.
	dateRef := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	raw := ""
	li.FindMatcher(selDateCells).EachWithBreak(func(_ int, s *goquery.Selection) bool {
		if s.FindMatcher(selA).Length() > 0 {
			return true
		}
		t := cleanText(s.Text())
		if t == "" {
			return true
		}
		if _, err := dates.Parse(t, dateRef); err == nil {
			raw = t
			return false
		}
		return true
	})
	if raw != "" {
		return raw
	}
	t := cleanText(li.Text())
	if m := reBracketDate.FindStringSubmatch(t); m != nil {
		return m[0]
	}
	if d, ok := dates.Find(t); ok {
		return d
	}
	return ""
}

func entryTitle(a *goquery.Selection) string {
	if t, ok := a.Attr("title"); ok && strings.TrimSpace(t) != "" {
		return truncRunes(cleanText(t), 500)
	}
	return truncRunes(cleanText(a.Text()), 500)
}

// selectorEntries reads entries with the generic profile's selectors.
func selectorEntries(doc *goquery.Document, p Page) []Entry {
	sel := p.Selectors
	var out []Entry
	doc.Find(sel.Item).Each(func(_ int, it *goquery.Selection) {
		a := it
		if sel.Link != "" {
			a = it.Find(sel.Link).First()
		} else if !it.Is("a") {
			a = it.FindMatcher(selAHref).First()
		}
		h, ok := a.Attr("href")
		if !ok {
			return
		}
		u := resolve(p.URL, h)
		if u == "" {
			return
		}
		raw := ""
		if sel.Date != "" {
			raw = cleanText(it.Find(sel.Date).First().Text())
		} else {
			raw = dateText(it)
		}
		out = append(out, Entry{URL: u, Title: entryTitle(a), Date: listDate(raw, u, p.Now), RawDate: raw})
	})
	return out
}

func dedupe(es []Entry) []Entry {
	seen := make(map[string]bool, len(es))
	out := es[:0]
	for _, e := range es {
		if seen[e.URL] {
			continue
		}
		seen[e.URL] = true
		out = append(out, e)
	}
	return out
}

// recordEntries parses Hanweb datastore records (HTML fragments). A
// record may hold an <li>, a table row or <div>s: each record is one
// container, and its entry is its first link with the date it shows (a
// record holding several list items or rows gives one entry each).
func recordEntries(recs [][][]byte, p Page) []Entry {
	if allItems(recs) {
		return itemRecordEntries(recs, p)
	}
	var b strings.Builder
	b.WriteString("<body>")
	for _, r := range recs {
		frag := r[1]
		if len(frag) == 0 {
			frag = []byte(html.UnescapeString(string(r[2])))
		}
		b.WriteString("<div class=\"govaudit-record\">")
		if row := bytes.TrimSpace(frag); len(row) >= 3 && (bytes.EqualFold(row[:3], []byte("<tr")) || bytes.EqualFold(row[:3], []byte("<td"))) {
			b.WriteString("<table>")
			b.Write(frag)
			b.WriteString("</table>")
		} else {
			b.Write(frag)
		}
		b.WriteString("</div>")
	}
	b.WriteString("</body>")
	doc, err := parseDoc([]byte(b.String()))
	if err != nil {
		return nil
	}
	var out []Entry
	doc.FindMatcher(selRecord).Each(func(_ int, rec *goquery.Selection) {
		if items := rec.FindMatcher(selLiTr); items.Length() > 1 {
			out = append(out, liEntries(items, p, false)...)
			return
		}
		out = append(out, liEntries(rec, p, false)...)
	})
	return dedupe(out)
}

// allItems reports whether every record is one CDATA <li> (the
// commonest form, read in one pass by itemRecordEntries).
func allItems(recs [][][]byte) bool {
	for _, r := range recs {
		frag := bytes.TrimSpace(r[1])
		if len(frag) < 4 || !bytes.EqualFold(frag[:3], []byte("<li")) || bytes.Count(frag, []byte("<li")) > 1 {
			return false
		}
	}
	return true
}

// itemRecordEntries reads records that each hold one <li>.
func itemRecordEntries(recs [][][]byte, p Page) []Entry {
	var b strings.Builder
	b.WriteString("<ul>")
	for _, r := range recs {
		b.Write(r[1])
	}
	b.WriteString("</ul>")
	doc, err := parseDoc([]byte(b.String()))
	if err != nil {
		return nil
	}
	return dedupe(liEntries(doc.FindMatcher(selLi), p, false))
}

// hanwebInfo reads the data proxy parameters of a Hanweb column page.
func hanwebInfo(p Page) *HanwebList {
	h := &HanwebList{PerPage: 15, Form: url.Values{}}
	proxy := "/module/web/jpage/dataproxy.jsp"
	if m := reNextGroup.FindSubmatch(p.Body); m != nil {
		if hm := reHref.FindSubmatch(m[1]); hm != nil {
			if u, err := url.Parse(html.UnescapeString(string(hm[1]))); err == nil {
				if u.Path != "" {
					proxy = u.Path
				}
				for k, vs := range u.Query() {
					switch strings.ToLower(k) {
					case "page", "startrecord", "endrecord", "perpage":
						continue
					}
					for _, v := range vs {
						h.Form.Add(k, v)
					}
				}
			}
		}
	}
	for k, v := range map[string]string{"col": "1", "appid": "1", "webid": "1", "path": "/", "sourceContentType": "1", "permissiontype": "0"} {
		if h.Form.Get(k) == "" {
			h.Form.Set(k, v)
		}
	}
	if h.Form.Get("columnid") == "" {
		if m := reColumnID.FindStringSubmatch(p.URL.Path); m != nil {
			h.Form.Set("columnid", m[1])
		}
	}
	h.Proxy = resolve(p.URL, proxy)
	if m := rePerPage.FindSubmatch(p.Body); m != nil {
		if n, err := strconv.Atoi(string(m[1])); err == nil && n > 0 && n <= 1000 {
			h.PerPage = n
		}
	}
	if m := reTotalScript.FindSubmatch(p.Body); m != nil {
		if n, err := strconv.Atoi(string(m[1])); err == nil {
			h.Total = n
		}
	} else if m := reTotalRecord.FindSubmatch(p.Body); m != nil {
		if n, err := strconv.Atoi(string(m[1])); err == nil {
			h.Total = n
		}
	}
	return h
}

// BatchURL returns the data proxy URL asking for records start..end.
func (h *HanwebList) BatchURL(start, end int) string {
	return fmt.Sprintf("%s?startrecord=%d&endrecord=%d&perpage=%d", h.Proxy, start, end, h.PerPage)
}

// ProxyPage is one answer of a Hanweb data proxy.
type ProxyPage struct {
	Entries []Entry
	Total   int // <totalrecord>; -1 when absent
}

// HanwebProxy parses a data proxy answer (XML with CDATA records).
func HanwebProxy(p Page) (*ProxyPage, error) {
	pp := &ProxyPage{Total: -1}
	if m := reTotalRecord.FindSubmatch(p.Body); m != nil {
		n, err := strconv.Atoi(string(m[1]))
		if err == nil {
			pp.Total = n
		}
	}
	recs := hanwebRecords(p.Body)
	if pp.Total < 0 && len(recs) == 0 {
		return nil, fmt.Errorf("data proxy answer %s holds no datastore", p.URL)
	}
	pp.Entries = recordEntries(recs, p)
	return pp, nil
}
