package extract

import (
	"fmt"
	"html"
	"net/url"
	"path"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/PuerkitoBio/goquery"

	"github.com/govaudit/govaudit/crawler/dates"
)

// Link is an attachment link of an article.
type Link struct {
	URL  string
	Name string // link text, else the file name
	Type string // pdf, docx …; empty when a download handler hides it
}

// Article is what an article page yields.
type Article struct {
	Title      string
	Published  string // 发布日期, "2006-01-02"
	Written    string // 成文日期 / 发文日期
	DocNo      string // 文号; empty for 无文号
	IndexNo    string // 索引号
	Publisher  string // 发布机构 / 公开主体, else the ContentSource meta
	Validity   string // 有效性 / 效力状态
	Subject    string // 主题分类
	ColumnName string // ColumnName meta
	// PublishedFrom and WrittenFrom say where each date was read:
	// "label 发布日期 (text)", "meta PubDate", "list", "url" …
	PublishedFrom string
	WrittenFrom   string
	// Fields are the metadata fields the page holds, in the order found.
	Fields  []Field
	BodyLen int // characters of body text, white space removed
	// Attachments are the document links of the page, including those
	// written by scripts (document.write).
	Attachments []Link
	// Named are the attachment names the body text mentions (附件：…).
	Named []string
	// Links are the page's other links (absolute, http and https only).
	Links []string
}

var (
	reAnchor = regexp.MustCompile(`(?is)<a\s[^>]*?href\s*=\s*\\?["']([^"'\\]+)\\?["'][^>]*>(.*?)<\\?/a>`)
	reTags   = regexp.MustCompile(`(?s)<[^>]*>`)
	// reQuotedPath is a quoted path or URL in a link's script handler.
	reQuotedPath = regexp.MustCompile(`['"]([^'"\s<>()]+\.[A-Za-z0-9]{2,4})['"]`)
	reAttLabel   = regexp.MustCompile(`^\s*附\s*件\s*(?:[0-9０-９]+|[一二三四五六七八九十]+)?\s*[:：]\s*`)
	reNumbered   = regexp.MustCompile(`^\s*(?:附\s*件\s*)?(?:[(（]?[0-9０-９]+[)）]?|[一二三四五六七八九十]+)\s*[.、．:：)）]\s*`)
	reListSep    = regexp.MustCompile(`\s*(?:[;；]|\s(?:[0-9０-９]+\s*[.、．]|[(（][0-9０-９]+[)）]))\s*`)
	// reExtJoin finds a file extension followed by the next name's
	// number or a list comma (附件：1.甲.ofd2.乙.pdf, 甲.pdf、乙.xlsx).
	reExtJoin = regexp.MustCompile(`(?i)(\.(?:pdf|docx?|xlsx?|wps|ofd|zip|rar|csv|et|pptx?|txt|7z))\s*(?:[、，,]\s*|([(（]?[0-9０-９]+[)）]?\s*[.、．:：]))`)
	// reAttInline finds a further "附件2：" label inside a line.
	reAttInline = regexp.MustCompile(`\s*附\s*件\s*(?:[0-9０-９]+|[一二三四五六七八九十]+)\s*[:：]\s*`)
)

// pubMetas are the meta tags holding the publication date, in order.
var pubMetas = []string{"PubDate", "firstpublishedtime", "publishdate", "pubdate", "PublishTime"}

// valueDate reads the date a field value starts with (2025-01-03,
// 2025年1月3日, ２０２５年３月４日, 2025-01-03 10:20 …), else the first
// full date inside it.
func valueDate(s string, ref time.Time) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	if d, err := dates.Parse(s, ref); err == nil {
		return d
	}
	if d, ok := dates.Find(s); ok {
		return d
	}
	return ""
}

// bodySelectors are tried in order to find an article's body.
var bodySelectors = map[string][]string{
	Gongkai: {"#zoom", ".TRS_Editor", ".bt_content", ".article-content", ".content", "article"},
	Hanweb:  {"#zoom", ".bt_content", ".TRS_Editor", ".article-content", ".content", "article"},
	TRS:     {".TRS_Editor", "#zoom", ".bt_content", ".article-content", ".content", "article"},
	Generic: {"#zoom", ".TRS_Editor", ".bt_content", ".article-content", ".content", "article"},
}

// ParseArticle extracts an article page.
func ParseArticle(p Page) (*Article, error) {
	if p.URL == nil {
		return nil, fmt.Errorf("article without URL")
	}
	var doc *goquery.Document
	if p.Root != nil {
		doc = goquery.NewDocumentFromNode(p.Root)
	} else {
		var err error
		if doc, err = parseDoc(p.Body); err != nil {
			return nil, fmt.Errorf("parse article %s: %w", p.URL, err)
		}
	}
	fam := p.Family
	if fam == "" {
		fam = DetectFamily(p.URL, p.Body)
	}
	a := &Article{}
	meta := func(name string) string {
		v := ""
		doc.FindMatcher(selMetaName).EachWithBreak(func(_ int, m *goquery.Selection) bool {
			if n, _ := m.Attr("name"); strings.EqualFold(n, name) {
				v, _ = m.Attr("content")
				v = cleanText(v)
				return v == ""
			}
			return true
		})
		return v
	}
	fields := readFields(doc)
	for _, f := range fields.list {
		switch f.Key {
		case keyTitle, keyIndexNo, keySubject, keyPublisher, keyWritten, keyPublished, keyDocNo, keyValidity:
			a.Fields = append(a.Fields, f)
		}
	}

	// Title.
	a.Title = meta("ArticleTitle")
	if a.Title == "" {
		a.Title = fields.value(keyTitle)
	}
	if a.Title == "" && p.Selectors != nil && p.Selectors.Title != "" {
		a.Title = cleanText(doc.Find(p.Selectors.Title).First().Text())
	}
	for _, s := range []string{"h1.doc-title", ".article-title", "h1", ".title", ".article h2", "title"} {
		if a.Title != "" {
			break
		}
		a.Title = cleanText(doc.Find(s).First().Text())
	}
	a.Title = truncRunes(a.Title, 500)

	// Dates, by their labels. The publication date comes from a
	// 发布日期 / 发布时间 / 发稿时间 label, then a publication meta tag,
	// then the list, then the URL; never from 成文日期 / 发文日期 /
	// 印发日期 (the written date) nor from an unlabelled date such as the
	// signature's at the end of the body.
	ref := p.Now
	if r, ok := dates.RefFromURL(p.URL.String()); ok {
		ref = r
	}
	parse := func(s string) string { return valueDate(s, ref) }
	if p.Selectors != nil && p.Selectors.Published != "" {
		a.Published = parse(cleanText(doc.Find(p.Selectors.Published).First().Text()))
		a.PublishedFrom = "selector " + p.Selectors.Published
	}
	if a.Published == "" {
		if f, ok := fields.get(keyPublished); ok {
			if a.Published = parse(f.Value); a.Published != "" {
				a.PublishedFrom = "label " + f.Label + " (" + f.Source + ")"
			}
		}
	}
	for _, name := range pubMetas {
		if a.Published != "" {
			break
		}
		if v := meta(name); v != "" {
			if a.Published = parse(v); a.Published != "" {
				a.PublishedFrom = "meta " + name
			}
		}
	}
	if a.Published == "" && p.ListDate != "" {
		if a.Published = parse(p.ListDate); a.Published != "" {
			a.PublishedFrom = "list"
		}
	}
	if a.Published == "" {
		if d, ok := dates.FromURL(p.URL.String()); ok {
			a.Published, a.PublishedFrom = d, "url"
		}
	}
	if a.Published == "" {
		a.PublishedFrom = ""
	}
	if p.Selectors != nil && p.Selectors.Written != "" {
		if a.Written = parse(cleanText(doc.Find(p.Selectors.Written).First().Text())); a.Written != "" {
			a.WrittenFrom = "selector " + p.Selectors.Written
		}
	}
	if a.Written == "" {
		if f, ok := fields.get(keyWritten); ok {
			if a.Written = parse(f.Value); a.Written != "" {
				a.WrittenFrom = "label " + f.Label + " (" + f.Source + ")"
			}
		}
	}

	a.DocNo = docNo(fields.value(keyDocNo))
	a.IndexNo = truncRunes(fields.value(keyIndexNo), 100)
	a.Publisher = truncRunes(fields.value(keyPublisher), 100)
	if a.Publisher == "" {
		a.Publisher = truncRunes(meta("ContentSource"), 100)
	}
	a.Validity = truncRunes(fields.value(keyValidity), 50)
	a.Subject = truncRunes(fields.value(keySubject), 100)
	a.ColumnName = truncRunes(meta("ColumnName"), 100)

	// Body.
	body := findBody(doc, fam, p)
	bodyText := blockText(body)
	a.BodyLen = utf8.RuneCountInString(strings.Join(strings.Fields(bodyText), ""))
	a.Named = namedAttachments(bodyText)

	// Links and attachments.
	seen := map[string]bool{p.URL.String(): true}
	addAtt := func(u, name string) {
		if u == "" || seen[u] || len(a.Attachments) >= maxAttachments {
			return
		}
		pu, err := url.Parse(u)
		if err != nil {
			return
		}
		typ := fileExt(pu)
		if typ == "" && !isDownload(pu) {
			return
		}
		seen[u] = true
		name = truncRunes(cleanText(name), maxNameRunes)
		if name == "" {
			name = fileName(pu)
		}
		a.Attachments = append(a.Attachments, Link{URL: u, Name: name, Type: typ})
	}
	var others []string
	doc.FindMatcher(selAHref).Each(func(_ int, s *goquery.Selection) {
		h, _ := s.Attr("href")
		u := resolve(p.URL, h)
		if u == "" {
			return
		}
		if _, isDoc := AttachmentType(u); isDoc {
			name := s.Text()
			if strings.TrimSpace(name) == "" {
				name, _ = s.Attr("title")
			}
			addAtt(u, name)
			return
		}
		others = append(others, u)
	})
	// Links that download by script: <a href="javascript:void(0)"
	// onclick="downloadFile('/upload/….docx')">, <a href="javascript:
	// openFile('….pdf')">: a quoted document path in the handler.
	doc.FindMatcher(selScriptLink).Each(func(_ int, s *goquery.Selection) {
		h, _ := s.Attr("href")
		if resolve(p.URL, h) != "" {
			return // an ordinary link, read above
		}
		js, _ := s.Attr("onclick")
		for _, m := range reQuotedPath.FindAllStringSubmatch(h+" "+js, 5) {
			if u := resolve(p.URL, m[1]); u != "" {
				if _, isDoc := AttachmentType(u); isDoc {
					name := s.Text()
					if strings.TrimSpace(name) == "" {
						name, _ = s.Attr("title")
					}
					addAtt(u, name)
				}
			}
		}
	})
	// Links written by scripts: document.write('<a href="./P0….pdf">名称</a>'),
	// a variable holding such a link, or a document.write call assembling
	// the link from variables (see scriptWrites).
	var scripts strings.Builder
	doc.FindMatcher(selScript).Each(func(_ int, s *goquery.Selection) {
		src := s.Text()
		if !strings.Contains(src, "href") && !strings.Contains(src, "document.write") {
			return
		}
		if scripts.Len()+len(src) <= maxScriptOut {
			scripts.WriteString(src)
			scripts.WriteString("\n;\n")
		}
		scriptAnchors(src, p, addAtt, true)
	})
	if strings.Contains(scripts.String(), "document.write") {
		scriptAnchors(scriptWrites(scripts.String()), p, addAtt, false)
	}
	for _, u := range others {
		if seen[u] || len(a.Links) >= maxLinks {
			continue
		}
		seen[u] = true
		a.Links = append(a.Links, u)
	}
	return a, nil
}

// scriptAnchors adds the attachment links of the anchors in src (script
// source when js, else HTML a script wrote).
func scriptAnchors(src string, p Page, addAtt func(u, name string), js bool) {
	unesc := func(s string) string {
		if js {
			return unescapeJS(s)
		}
		return s
	}
	for _, m := range reAnchor.FindAllStringSubmatch(src, 50) {
		u := resolve(p.URL, html.UnescapeString(unesc(m[1])))
		if u == "" {
			continue
		}
		if _, isDoc := AttachmentType(u); isDoc {
			addAtt(u, html.UnescapeString(reTags.ReplaceAllString(unesc(m[2]), "")))
		}
	}
}

// docNo normalises a document number: the placeholders of "none" give "".
func docNo(s string) string {
	s = strings.TrimSpace(s)
	switch s {
	case "无文号", "无", "—", "-", "/", "／", "暂无", "无 文号":
		return ""
	}
	return truncRunes(s, 100)
}

func findBody(doc *goquery.Document, fam string, p Page) *goquery.Selection {
	if p.Selectors != nil && p.Selectors.Body != "" {
		if s := doc.Find(p.Selectors.Body).First(); s.Length() > 0 {
			return s
		}
	}
	list, ok := bodyMatchers[fam]
	if !ok {
		list = bodyMatchers[Generic]
	}
	for _, sel := range list {
		if s := doc.FindMatcher(sel).First(); s.Length() > 0 {
			return s
		}
	}
	return doc.FindMatcher(selBody)
}

func fileName(u *url.URL) string {
	for _, k := range []string{"filename", "fileName", "name"} {
		if v := u.Query().Get(k); v != "" {
			return truncRunes(v, maxNameRunes)
		}
	}
	b := path.Base(u.Path)
	if s, err := url.PathUnescape(b); err == nil {
		b = s
	}
	return truncRunes(b, maxNameRunes)
}

// namedAttachments finds the attachment names a body mentions:
// "附件：1. 某某办法.pdf 2. 某某表.xlsx", "附件：某某申请表", or a label
// line followed by numbered lines.
func namedAttachments(text string) []string {
	var names []string
	lines := strings.Split(text, "\n")
	inList := false
	for _, line := range lines {
		line = cleanText(line)
		if line == "" {
			continue
		}
		if loc := reAttLabel.FindStringIndex(line); loc != nil {
			inList = true
			names = append(names, splitNames(line[loc[1]:])...)
			continue
		}
		if inList && reNumbered.MatchString(line) {
			names = append(names, splitNames(line)...)
			continue
		}
		inList = false
		if len(names) >= maxNamed {
			break
		}
	}
	if len(names) > maxNamed {
		names = names[:maxNamed]
	}
	return names
}

// splitNames splits one line of attachment names: numbered names
// ("1.甲.pdf 2.乙.xlsx", also without the space after an extension),
// names after further "附件2：" labels, names separated by semicolons,
// or by commas after an extension.
func splitNames(s string) []string {
	s = reAttInline.ReplaceAllString(s, "；")
	s = reExtJoin.ReplaceAllString(s, "$1；$2")
	var out []string
	for _, part := range reListSep.Split(" "+s, -1) {
		part = reNumbered.ReplaceAllString(part, "")
		part = strings.Trim(strings.TrimSpace(part), "。.，,；;、")
		if part == "" || part == "无" || utf8.RuneCountInString(part) > maxNameRunes {
			continue
		}
		out = append(out, part)
	}
	return out
}

// unescapeJS undoes the escapes of a JavaScript string literal that
// matter inside HTML: \" \' \/ \\ \n \t \uXXXX \xXX.
func unescapeJS(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 >= len(s) {
			b.WriteByte(c)
			continue
		}
		i++
		switch s[i] {
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case 'u', 'x':
			w := 4 // \uXXXX
			if s[i] == 'x' {
				w = 2 // \xXX
			}
			if i+w < len(s) {
				if r, ok := hexRune(s[i+1 : i+1+w]); ok {
					b.WriteRune(r)
					i += w
					continue
				}
			}
			b.WriteByte(s[i])
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// hexRune reads h, hex digits only, as a rune; ok is false if any
// character of h is not a hex digit.
func hexRune(h string) (r rune, ok bool) {
	for _, c := range h {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= c - '0'
		case c >= 'a' && c <= 'f':
			r |= c - 'a' + 10
		case c >= 'A' && c <= 'F':
			r |= c - 'A' + 10
		default:
			return 0, false
		}
	}
	return r, true
}
