package extract

import (
	"bytes"
	"fmt"
	"html"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/PuerkitoBio/goquery"

	"github.com/govaudit/govaudit/config"
	"github.com/govaudit/govaudit/crawler/dates"
)

// LetterRow is one row of a mailbox's letter list.
type LetterRow struct {
	URL      string // the letter page; empty when the row links none
	No       string // 编号
	Title    string
	Status   string // 处理情况
	Received string // 提交时间, "2006-01-02" or "2006-01-02 15:04"
	Handler  string // 承办部门
}

// LetterList is one page of a mailbox list.
type LetterList struct {
	Rows  []LetterRow
	Next  string
	Pages []string
	// Found is false when the page holds no letter list at all (neither
	// a letter table nor a dataStore array nor a data proxy): a changed
	// page, not an empty mailbox.
	Found bool
	// Proxy is set when the list's further groups come from a data proxy
	// (a jact mailbox, mailpublist.do, loads them with POSTs to
	// dataproxy_mailpublist.do): the caller POSTs Proxy.Form to
	// Proxy.BatchURL(start, end) and reads each answer with Letters.
	Proxy *HanwebList
}

// Letter is what a letter page yields.
type Letter struct {
	No        string
	Title     string
	Received  string // 来信时间
	Status    string // 处理状态
	ReplyUnit string // 答复单位
	Replied   string // 答复时间; empty when unanswered
	Answer    int    // characters of the reply (答复内容)
	// Answered: the reply field holds a reply, not a placeholder such as
	// 正在办理中 or 暂无回复 (see isReply).
	Answered bool
}

var (
	reDataStore = regexp.MustCompile(`(?s)dataStore\s*=\s*\[(.*?)\]\s*;?`)
	// The data proxy of a jact mailbox and its parameters.
	reParamObj  = regexp.MustCompile(`(?s)(?:param|params|ajaxParam|data)\s*:\s*\{([^{}]{0,1000})\}`)
	reParamPair = regexp.MustCompile(`["']?(\w+)["']?\s*:\s*["']([^"']{0,200})["']`)
)

// Letter list columns.
const (
	colNo       = "no"
	colTitle    = "title"
	colStatus   = "status"
	colReceived = "received"
	colHandler  = "handler"
)

// letterColumns maps the header texts of letter lists to columns.
var letterColumns = map[string]string{
	"编号": colNo, "信件编号": colNo, "序号": colNo, "受理编号": colNo, "信件号": colNo, "查询码": colNo, "来信编号": colNo,
	"标题": colTitle, "信件标题": colTitle, "主题": colTitle, "来信标题": colTitle, "信件主题": colTitle, "来信主题": colTitle,
	"处理情况": colStatus, "处理状态": colStatus, "状态": colStatus, "办理状态": colStatus, "办理情况": colStatus,
	"回复状态": colStatus, "答复状态": colStatus, "信件状态": colStatus,
	"提交时间": colReceived, "来信时间": colReceived, "时间": colReceived, "写信时间": colReceived,
	"来信日期": colReceived, "提交日期": colReceived, "发信时间": colReceived, "留言时间": colReceived,
	"留言日期": colReceived, "写信日期": colReceived, "提问时间": colReceived, "咨询时间": colReceived,
	"承办部门": colHandler, "承办单位": colHandler, "答复单位": colHandler, "答复部门": colHandler,
	"办理单位": colHandler, "处理部门": colHandler, "受理单位": colHandler, "回复单位": colHandler,
	"答复时间": "", "回复时间": "", "答复日期": "", "回复日期": "", "办结时间": "", "办结日期": "", "点击数": "", "浏览次数": "", "类型": "", "信件类型": "",
}

// statusWords are the values of a letter's status.
var statusWords = []string{"已办结", "办理中", "已回复", "已答复", "未回复", "未答复", "待处理", "处理中", "已受理",
	"待回复", "已处理", "未处理", "已完成", "转办", "不予受理", "已转办", "待受理",
	"已反馈", "未反馈", "待反馈", "已解答", "已办理", "未办结", "待办理", "已公开", "已签收"}

// Letters extracts a mailbox list page in table or script form.
func Letters(p Page) (*LetterList, error) {
	if p.URL == nil {
		return nil, fmt.Errorf("letter list without URL")
	}
	doc, err := parseDoc(p.Body)
	if err != nil {
		return nil, fmt.Errorf("parse letter list %s: %w", p.URL, err)
	}
	ll := &LetterList{}
	tables := doc.FindMatcher(selLetterList)
	if tables.Length() == 0 {
		doc.FindMatcher(selTable).Each(func(_ int, t *goquery.Selection) {
			if cols := tableHeader(t); cols != nil {
				tables = tables.AddSelection(t)
			}
		})
	}
	// The header of the page, for rows written by a script.
	var pageCols []string
	if tables.Length() > 0 {
		ll.Found = true
		tables.Each(func(_ int, t *goquery.Selection) {
			cols := tableHeader(t)
			if pageCols == nil {
				pageCols = cols
			}
			ll.Rows = append(ll.Rows, letterRows(t, cols, p)...)
		})
	}

	if m := reDataStore.FindSubmatch(p.Body); m != nil {
		ll.Found = true
		var b strings.Builder
		b.WriteString("<table>")
		for _, s := range jsStrings(string(m[1])) {
			b.WriteString(s)
		}
		b.WriteString("</table>")
		if pageCols == nil {
			pageCols = pageHeader(doc)
		}
		if d, err := parseDoc([]byte(b.String())); err == nil {
			ll.Rows = append(ll.Rows, letterRows(d.FindMatcher(selTable).First(), pageCols, p)...)
		}
	}
	if !ll.Found {
		if rows := blockLetterRows(doc, pageHeader(doc), p); len(rows) > 0 {
			ll.Found = true
			ll.Rows = rows
		}
	}
	if h := mailProxy(p); h != nil {
		ll.Found = true
		h.Embedded = len(ll.Rows)
		ll.Proxy = h
	}
	ll.Next = nextLink(doc, p.URL)
	_, ll.Pages, _ = pager(doc, Page{URL: p.URL, Body: p.Body, Family: Generic, MaxPages: p.MaxPages})
	return ll, nil
}

// tableHeader returns the columns of a letter table's header row (th
// cells, or a first row of td cells that are all header texts), or nil
// when the table has no header naming a title and a date or status.
func tableHeader(t *goquery.Selection) []string {
	var cols []string
	t.FindMatcher(selTr).EachWithBreak(func(i int, tr *goquery.Selection) bool {
		cols = headerCells(tr.ChildrenFiltered("th, td"))
		return cols == nil && i < 2
	})
	return cols
}

// headerCells returns the columns of header cells, or nil unless they
// name a title and a date or a status and hold no link.
func headerCells(cells *goquery.Selection) []string {
	if cells.Length() < 2 || cells.FindMatcher(selAHref).Length() > 0 {
		return nil
	}
	var cols []string
	title, other := false, false
	cells.Each(func(_ int, c *goquery.Selection) {
		col, known := letterColumns[label(c.Text())]
		if !known {
			col = "?"
		}
		cols = append(cols, col)
		switch col {
		case colTitle:
			title = true
		case colReceived, colStatus:
			other = true
		}
	})
	if !title || !other {
		return nil
	}
	return cols
}

// pageHeader finds a letter list's header outside a table, as a list
// written by a script has: a table row, or the children of a ul, div or
// dl naming the columns.
func pageHeader(doc *goquery.Document) []string {
	var cols []string
	doc.FindMatcher(selHeaderRows).EachWithBreak(func(_ int, s *goquery.Selection) bool {
		if s.Is("tr") {
			cols = headerCells(s.ChildrenFiltered("th, td"))
		} else {
			cols = headerCells(s.Children())
		}
		return cols == nil
	})
	return cols
}

// letterRows reads the rows of a letter table by its columns; without
// columns, each cell's role is read from its content.
func letterRows(t *goquery.Selection, cols []string, p Page) []LetterRow {
	var out []LetterRow
	t.FindMatcher(selTr).Each(func(_ int, tr *goquery.Selection) {
		tds := tr.ChildrenFiltered("td")
		if tds.Length() == 0 || cols != nil && headerCells(tds) != nil {
			return
		}
		if r, ok := rowFromCells(tds, cols, p); ok {
			out = append(out, r)
		}
	})
	return out
}

// blockLetterRows reads a letter list laid out without a table, one
// element per letter (a ul, ol, dl or div) whose children are its cells:
// such an element links exactly one page, and a date is among its cells.
// cols is the page's header row, used when it has as many cells.
func blockLetterRows(doc *goquery.Document, cols []string, p Page) []LetterRow {
	var out []LetterRow
	doc.FindMatcher(selBlockRows).Each(func(_ int, s *goquery.Selection) {
		cells := s.Children()
		if cells.Length() < 3 || cells.Length() > 12 || s.FindMatcher(selAHref).Length() != 1 || headerCells(cells) != nil {
			return
		}
		c := cols
		if len(c) != cells.Length() {
			c = nil
		}
		if r, ok := rowFromCells(cells, c, p); ok && r.URL != "" && r.Received != "" {
			out = append(out, r)
		}
	})
	return out
}

// rowFromCells reads one letter from its cells, by the columns when
// given, else by each cell's content; ok is false for a row without a
// title or a link.
func rowFromCells(cells *goquery.Selection, cols []string, p Page) (LetterRow, bool) {
	var r LetterRow
	cells.Each(func(i int, td *goquery.Selection) {
		v := truncRunes(cleanText(td.Text()), 300)
		a := td.FindMatcher(selAHref).First()
		if a.Length() > 0 && r.URL == "" {
			h, _ := a.Attr("href")
			r.URL = resolve(p.URL, h)
		}
		col := ""
		if cols != nil {
			if i < len(cols) {
				col = cols[i]
			}
		} else {
			col = cellRole(v, a.Length() > 0, &r, p)
		}
		switch col {
		case colNo:
			r.No = v
		case colTitle:
			r.Title = v
		case colStatus:
			r.Status = v
		case colReceived:
			if d, err := dates.ParseDateTime(v, p.Now); err == nil {
				r.Received = d
			} else if d, ok := dates.Find(v); ok {
				r.Received = d
			}
		case colHandler:
			r.Handler = v
		}
	})
	return r, r.Title != "" || r.URL != ""
}

// cellRole guesses a cell's column from its content, for a list without
// a header: the first link is the title, the first date the time
// received, a status word the status, a code before the title the
// number, and other text after the title the handling department.
func cellRole(v string, link bool, r *LetterRow, p Page) string {
	switch {
	case v == "":
		return ""
	case link && r.Title == "":
		return colTitle
	case r.Received == "" && isDateText(v, p):
		return colReceived
	case r.Status == "" && isStatus(v):
		return colStatus
	case r.No == "" && isCode(v) && (r.Title == "" || isLetterNo(v)):
		return colNo
	case r.Title != "" && r.Handler == "" && !isCode(v):
		return colHandler
	}
	return ""
}

func isDateText(v string, p Page) bool {
	_, err := dates.ParseDateTime(v, p.Now)
	return err == nil
}

func isStatus(v string) bool {
	if utf8.RuneCountInString(v) > 8 {
		return false
	}
	for _, w := range statusWords {
		if strings.Contains(v, w) {
			return true
		}
	}
	return false
}

// isCode reports whether v looks like a letter number: letters, digits
// and dashes only.
func isCode(v string) bool {
	if len(v) < 2 || len(v) > 40 {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// proxyRef returns the first reference to a dataproxy_….do address in
// body, as written (relative or absolute, without its query), or "".
func proxyRef(body []byte) string {
	const mark = "dataproxy_"
	for pos, tries := 0, 0; tries < 16; tries++ {
		i := bytes.Index(body[pos:], []byte(mark))
		if i < 0 {
			return ""
		}
		i += pos
		pos = i + len(mark)
		// Forward: word characters, then ".do".
		j := pos
		for j < len(body) && j-pos < 64 && (isIdentByte(body[j]) && body[j] != '$') {
			j++
		}
		if !bytes.HasPrefix(body[j:], []byte(".do")) {
			continue
		}
		end := j + len(".do")
		// Backward: the path and host before the name.
		k := i
		for k > 0 && i-k < 256 && isURLByte(body[k-1]) {
			k--
		}
		return string(body[k:end])
	}
	return ""
}

// isURLByte reports whether c may stand in the path part of a URL that
// a script names: letters, digits and - _ . / :.
func isURLByte(c byte) bool {
	return isIdentByte(c) && c != '$' || c == '-' || c == '.' || c == '/' || c == ':'
}

// isLetterNo reports whether a code is a letter number rather than a
// count (of views, say): it holds a letter, or six digits or more.
func isLetterNo(v string) bool {
	return len(v) >= 6 || strings.ContainsFunc(v, func(r rune) bool { return r >= 'A' && r <= 'z' })
}

// mailProxy reads the data proxy of a jact mailbox list page: the
// dataproxy_….do address its script names, the parameters it posts
// (param: {sysid: '84', …}, else those of the page's own query), the
// page size and the record count when printed.
func mailProxy(p Page) *HanwebList {
	if !bytes.Contains(p.Body, []byte("dataproxy_")) {
		return nil
	}
	ref := proxyRef(p.Body)
	if ref == "" {
		return nil
	}
	proxy := resolve(p.URL, html.UnescapeString(ref))
	if proxy == "" || !sameHost(p.URL, proxy) {
		return nil
	}
	h := &HanwebList{PerPage: 15, Form: url.Values{}}
	if pu, err := url.Parse(proxy); err == nil {
		for k, vs := range pu.Query() {
			switch strings.ToLower(k) {
			case "startrecord", "endrecord", "perpage":
				continue
			}
			for _, v := range vs {
				h.Form.Add(k, v)
			}
		}
		pu.RawQuery = ""
		proxy = pu.String()
	}
	h.Proxy = proxy
	for k, vs := range p.URL.Query() {
		if h.Form.Get(k) == "" && len(vs) > 0 {
			h.Form.Set(k, vs[0])
		}
	}
	if om := reParamObj.FindSubmatch(p.Body); om != nil {
		for _, pm := range reParamPair.FindAllSubmatch(om[1], 50) {
			h.Form.Set(string(pm[1]), string(pm[2]))
		}
	}
	if m := rePerPage.FindSubmatch(p.Body); m != nil {
		if n, err := strconv.Atoi(string(m[1])); err == nil && n > 0 && n <= 1000 {
			h.PerPage = n
		}
	}
	if m := reTotalScript.FindSubmatch(p.Body); m != nil {
		if n, err := strconv.Atoi(string(m[1])); err == nil {
			h.Total = n
		}
	}
	return h
}

// jsStrings returns the string literals of a JavaScript array body.
func jsStrings(src string) []string {
	var out []string
	for i := 0; i < len(src); i++ {
		q := src[i]
		if q != '"' && q != '\'' {
			continue
		}
		j := i + 1
		for j < len(src) && src[j] != q {
			if src[j] == '\\' {
				j++
			}
			j++
		}
		if j > len(src) {
			j = len(src)
		}
		out = append(out, unescapeJS(src[i+1:j]))
		i = j
	}
	return out
}

// ParseLetter extracts a letter page.
func ParseLetter(p Page) (*Letter, error) {
	if p.URL == nil {
		return nil, fmt.Errorf("letter without URL")
	}
	doc, err := parseDoc(p.Body)
	if err != nil {
		return nil, fmt.Errorf("parse letter %s: %w", p.URL, err)
	}
	f := readFields(doc)
	if len(f.list) == 0 {
		return nil, fmt.Errorf("letter %s: no letter table", p.URL)
	}
	l := &Letter{
		No:        truncRunes(f.value(keyLetterNo), 100),
		Title:     truncRunes(f.value(keyTitle), 500),
		Status:    truncRunes(f.value(keyStatus), 50),
		ReplyUnit: truncRunes(f.value(keyReplyUnit), 100),
	}
	if d, err := dates.ParseDateTime(f.value(keyReceived), p.Now); err == nil {
		l.Received = d
	} else if d, ok := dates.Find(f.value(keyReceived)); ok {
		l.Received = d
	}
	if d, err := dates.ParseDateTime(f.value(keyReplied), p.Now); err == nil {
		l.Replied = d
	} else if d, ok := dates.Find(f.value(keyReplied)); ok {
		l.Replied = d
	}
	answer := strings.Join(strings.Fields(f.value(keyAnswer)), "")
	l.Answer = utf8.RuneCountInString(answer)
	l.Answered = isReply(answer)
	return l, nil
}

// replyPlaceholders are what reply fields of unanswered letters say.
var replyPlaceholders = []string{"办理中", "处理中", "暂无", "尚未", "未回复", "未答复", "待回复", "待答复",
	"等待", "正在", "无回复", "无答复", "审核中"}

// isReply reports whether a letter's reply field holds a reply: 40
// characters or more, or 15 or more without a placeholder's words (正在办理中，
// 请耐心等待 is no reply).
func isReply(s string) bool {
	n := utf8.RuneCountInString(s)
	if n >= 40 {
		return true
	}
	if n < 15 {
		return false
	}
	for _, w := range replyPlaceholders {
		if strings.Contains(s, w) {
			return false
		}
	}
	return true
}

// Channel is a channel listed on a unit's catalog page.
type Channel struct {
	Name string
	URL  string
	// Chrome marks a link in the page's header, navigation bar or footer
	// (the site's menu, shown on every page): a name there may stand for
	// the district's channel, not the unit's.
	Chrome bool
}

// Catalog lists the channels of a unit's catalog page: the links of
// ul.channel-list, else the nodes of a catalog tree built in script
// (zTree) and every link of the page.
func Catalog(p Page) ([]Channel, error) {
	if p.URL == nil {
		return nil, fmt.Errorf("catalog without URL")
	}
	doc, err := parseDoc(p.Body)
	if err != nil {
		return nil, fmt.Errorf("parse catalog %s: %w", p.URL, err)
	}
	links := doc.FindMatcher(selChannelLinks)
	var out []Channel
	seen := map[string]bool{}
	if links.Length() == 0 {
		links = doc.FindMatcher(selCatalogLinks)
		// A tree drawn by a script (zTree) has its channels in the script.
		for _, c := range scriptChannels(doc, p.URL) {
			if len(out) < maxLinks && !seen[c.URL+"\x00"+c.Name] {
				seen[c.URL+"\x00"+c.Name] = true
				out = append(out, c)
			}
		}
	}
	links.Each(func(_ int, a *goquery.Selection) {
		if len(out) >= maxLinks {
			return
		}
		h, _ := a.Attr("href")
		u := resolve(p.URL, h)
		if u == "" {
			u = scriptHref(a, p.URL)
		}
		chrome := inChrome(a)
		// A channel may be linked by an icon (its name in title or alt)
		// and again by its name or a "更多" link: every name counts.
		for _, name := range []string{cleanText(a.Text()), attrText(a, "title"), attrText(a.Find("img").First(), "alt")} {
			if u == "" || name == "" || isMoreLink(name) || seen[u+"\x00"+name] {
				continue
			}
			seen[u+"\x00"+name] = true
			out = append(out, Channel{Name: truncRunes(name, 100), URL: u, Chrome: chrome})
		}
	})
	return out, nil
}

// isMoreLink reports whether a link's text is a "more" link's, not a name.
func isMoreLink(name string) bool {
	n := strings.Trim(strings.ToLower(name), " >»›+.。…[]【】()（）")
	switch n {
	case "更多", "查看更多", "更多信息", "more", "进入", "详细", "详情":
		return true
	}
	return false
}

// attrText is an attribute's value, cleaned; "" when absent.
func attrText(s *goquery.Selection, name string) string {
	v, _ := s.Attr(name)
	return cleanText(v)
}

// SameName reports whether a channel name matches a wanted name: equal
// after config.ChannelKey's normalisation (width, white space,
// punctuation, a printed count, a "及解读" suffix).
func SameName(channel, want string) bool {
	return config.SameChannel(channel, want)
}
