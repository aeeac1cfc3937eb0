package extract

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html"
)

// Field is one label/value pair read from a page's metadata, with where
// it was read: "table" (a label cell and the next cell), "dl" (dt and
// dd), "pair" (an element holding only the label and the element after
// it, as in <li><span>label</span><span>value</span></li>) or "text" (a
// line "label：value", as in an info line or <li>成文日期：2025-01-03</li>).
type Field struct {
	Key    string // canonical label: 发布日期, 成文日期, 文号 … (see labelKeys)
	Label  string // the label as printed, spaces and colon removed
	Value  string
	Source string
}

// Canonical field keys.
const (
	keyTitle     = "标题"
	keyIndexNo   = "索引号"
	keySubject   = "主题分类"
	keyPublisher = "发布机构"
	keyWritten   = "成文日期"
	keyPublished = "发布日期"
	keyDocNo     = "文号"
	keyValidity  = "有效性"
	// Letter pages.
	keyLetterNo  = "编号"
	keyReceived  = "来信时间"
	keyStatus    = "处理状态"
	keyReplyUnit = "答复单位"
	keyReplied   = "答复时间"
	keyAnswer    = "答复内容"
	keyHandler   = "承办部门"
	keyContent   = "来信内容"
)

// labelKeys maps the labels portals print to canonical keys. 发文日期,
// 成文日期 and 印发日期 are the date a document was made; 发布日期,
// 发布时间 and 发稿时间 the date it was published: the two never mix.
var labelKeys = map[string]string{
	"标题": keyTitle, "名称": keyTitle, "信息名称": keyTitle, "文件名称": keyTitle, "信件标题": keyTitle,
	"来信标题": keyTitle, "主题": keyTitle, "信件主题": keyTitle,
	"索引号": keyIndexNo, "信息索引号": keyIndexNo, "索引": keyIndexNo,
	"主题分类": keySubject, "信息分类": keySubject, "主题类别": keySubject, "分类": keySubject,
	"发布机构": keyPublisher, "公开主体": keyPublisher, "发文机关": keyPublisher, "发布单位": keyPublisher,
	"发文单位": keyPublisher, "发文机构": keyPublisher, "发布机关": keyPublisher, "制发机关": keyPublisher,
	"成文日期": keyWritten, "发文日期": keyWritten, "印发日期": keyWritten, "生成日期": keyWritten,
	"产生日期": keyWritten, "形成日期": keyWritten, "成文时间": keyWritten, "发文时间": keyWritten,
	"发布日期": keyPublished, "发布时间": keyPublished, "发稿时间": keyPublished, "公开日期": keyPublished,
	"公开时间": keyPublished, "发表时间": keyPublished, "发稿日期": keyPublished,
	"文号": keyDocNo, "发文字号": keyDocNo, "发文文号": keyDocNo, "文件编号": keyDocNo,
	"有效性": keyValidity, "效力状态": keyValidity, "时效性": keyValidity, "是否有效": keyValidity,
	"有效状态": keyValidity, "效力": keyValidity,
	"信件编号": keyLetterNo, "编号": keyLetterNo, "受理编号": keyLetterNo, "信件号": keyLetterNo,
	"来信时间": keyReceived, "提交时间": keyReceived, "写信时间": keyReceived, "来信日期": keyReceived,
	"留言时间": keyReceived, "留言日期": keyReceived, "写信日期": keyReceived, "提交日期": keyReceived,
	"发信时间": keyReceived, "提问时间": keyReceived, "咨询时间": keyReceived, "投诉时间": keyReceived,
	"处理状态": keyStatus, "状态": keyStatus, "处理情况": keyStatus, "办理状态": keyStatus, "办理情况": keyStatus,
	"答复单位": keyReplyUnit, "回复单位": keyReplyUnit, "答复部门": keyReplyUnit, "回复部门": keyReplyUnit,
	"答复机构": keyReplyUnit, "回复机构": keyReplyUnit, "反馈单位": keyReplyUnit,
	"答复时间": keyReplied, "回复时间": keyReplied, "答复日期": keyReplied, "回复日期": keyReplied,
	"办结时间": keyReplied, "办结日期": keyReplied, "反馈时间": keyReplied, "反馈日期": keyReplied,
	"答复内容": keyAnswer, "回复内容": keyAnswer, "答复意见": keyAnswer, "回复意见": keyAnswer,
	"办理结果": keyAnswer, "处理结果": keyAnswer, "反馈内容": keyAnswer, "办理意见": keyAnswer, "处理意见": keyAnswer,
	"承办部门": keyHandler, "承办单位": keyHandler, "办理单位": keyHandler,
	"来信内容": keyContent, "信件内容": keyContent,
}

// maxLabelBytes bounds the text of an element taken for a label: the
// longest label is 5 CJK characters plus a colon and some spaces.
const maxLabelBytes = 32

// maxLabelRunes is the length of the longest label, in characters.
const maxLabelRunes = 6

// maxFields bounds the fields one page yields.
const maxFields = 200

// fieldSet is the fields of one page: the first value of each key wins.
type fieldSet struct {
	list  []Field
	index map[string]int // key -> position in list
}

func (fs *fieldSet) add(f Field) {
	if f.Value == "" || len(fs.list) >= maxFields {
		return
	}
	if _, dup := fs.index[f.Key]; dup {
		return
	}
	if fs.index == nil {
		fs.index = map[string]int{}
	}
	fs.index[f.Key] = len(fs.list)
	fs.list = append(fs.list, f)
}

func (fs *fieldSet) get(key string) (Field, bool) {
	i, ok := fs.index[key]
	if !ok {
		return Field{}, false
	}
	return fs.list[i], true
}

func (fs *fieldSet) value(key string) string {
	f, _ := fs.get(key)
	return f.Value
}

// labelKey returns the canonical key of a printed label, or "".
func labelKey(s string) string {
	if len(s) > 3*maxLabelBytes {
		return ""
	}
	return labelKeys[label(s)]
}

// readFields reads every metadata field of a page, by evidence: a known
// label, wherever it stands (table cells, dl/dt/dd, label and value
// elements, or "label：value" text), gives the value next to it. Pairs of
// elements are read first, then lines of text.
func readFields(doc *goquery.Document) *fieldSet {
	fs := &fieldSet{}
	for _, n := range doc.Nodes {
		pairFields(n, fs)
	}
	text := blockTextSkip(doc.Selection, linkItem)
	for text != "" && len(fs.list) < maxFields {
		var line string
		line, text, _ = strings.Cut(text, "\n")
		lineFields(line, fs)
	}
	return fs
}

// pairTags are the elements that may hold a label whose value is the
// next element.
var pairTags = map[string]string{
	"td": "table", "th": "table", "dt": "dl", "span": "pair", "label": "pair", "em": "pair", "strong": "pair",
	"b": "pair", "div": "pair", "li": "pair", "p": "pair", "font": "pair", "i": "pair", "h4": "pair", "h5": "pair",
}

// pairFields walks the tree below n for label elements.
func pairFields(n *html.Node, fs *fieldSet) {
	if n.Type == html.ElementNode {
		switch n.Data {
		case "script", "style", "noscript", "head":
			return
		}
		if linkItem(n) {
			return
		}
		if src, ok := pairTags[n.Data]; ok {
			var buf [maxLabelBytes]byte
			if l, short := shortLabel(n, buf[:0]); short && len(l) > 0 {
				if key := labelKeys[string(l)]; key != "" {
					// A value that is a label, or starts as "label：…", is
					// the next field: this label's value is empty.
					if v, ok := nextValue(n); ok && labelKey(v) == "" && !startsWithLabel(v) {
						fs.add(Field{Key: key, Label: string(l), Value: truncRunes(v, 500), Source: src})
					}
					return
				}
			}
		}
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		pairFields(c, fs)
	}
}

// linkItem reports whether n is an item of a list of links to other
// pages — a sidebar's 最新发布, a 相关文章 list — whose 发布时间 or
// 成文日期 belong to those pages, not to this one: a list item holding a
// link that is neither a script, an anchor on the page nor a document.
func linkItem(n *html.Node) bool {
	if n.Type != html.ElementNode || n.Data != "li" {
		return false
	}
	var found bool
	var walk func(c *html.Node)
	walk = func(c *html.Node) {
		for ; c != nil && !found; c = c.NextSibling {
			if c.Type != html.ElementNode {
				continue
			}
			if c.Data == "a" {
				for _, a := range c.Attr {
					if a.Key == "href" {
						h := strings.ToLower(strings.TrimSpace(a.Val))
						_, doc := AttachmentType(h)
						found = h != "" && !strings.HasPrefix(h, "#") && !strings.HasPrefix(h, "javascript:") && !doc
					}
				}
			}
			walk(c.FirstChild)
		}
	}
	walk(n.FirstChild)
	return found
}

// shortLabel appends to buf the text below n as label normalises it (no
// white space, no colons); short is false when it does not fit in buf's
// capacity (a text that long is no label). No allocation.
func shortLabel(n *html.Node, buf []byte) (l []byte, short bool) {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		switch c.Type {
		case html.TextNode:
			for _, r := range c.Data {
				if isLabelJunk(r) || r == '\ufeff' {
					continue
				}
				if len(buf)+utf8.RuneLen(r) > cap(buf) {
					return buf, false
				}
				buf = utf8.AppendRune(buf, r)
			}
		case html.ElementNode:
			if c.Data == "script" || c.Data == "style" {
				continue
			}
			var ok bool
			if buf, ok = shortLabel(c, buf); !ok {
				return buf, false
			}
		}
	}
	return buf, true
}

// startsWithLabel reports whether s starts with a known label and a
// colon ("发布日期：2026-10-26").
func startsWithLabel(s string) bool {
	i := strings.IndexAny(s, ":：")
	if i <= 0 || i > 3*maxLabelRunes+3*4 {
		return false
	}
	return labelKey(s[:i]) != ""
}

// nextValue returns the text after a label element: the next element
// sibling's, else the text that follows it in its parent.
func nextValue(n *html.Node) (string, bool) {
	var text strings.Builder
	for s := n.NextSibling; s != nil; s = s.NextSibling {
		switch s.Type {
		case html.TextNode:
			if t := cleanText(s.Data); t != "" {
				text.WriteString(t)
			}
		case html.ElementNode:
			if text.Len() > 0 {
				return text.String(), true
			}
			if s.Data == "script" || s.Data == "style" {
				continue
			}
			return cleanText(nodeText(s, 2000)), true
		}
	}
	if text.Len() > 0 {
		return text.String(), true
	}
	return "", false
}

// nodeText returns the text below n, at most limit bytes of it.
func nodeText(n *html.Node, limit int) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if b.Len() >= limit {
			return
		}
		switch n.Type {
		case html.TextNode:
			b.WriteString(n.Data)
			return
		case html.ElementNode:
			if n.Data == "script" || n.Data == "style" {
				return
			}
			if blockTags[n.Data] {
				b.WriteByte(' ')
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	s := b.String()
	if len(s) > limit {
		s = s[:limit]
		for !utf8.ValidString(s) && len(s) > 0 {
			s = s[:len(s)-1]
		}
	}
	return s
}

// lineFields reads "label：value" pairs from one line of text. A line
// may hold several ("成文日期：2025-01-03 发布日期：2025-01-10 来源：…"):
// each value ends where the next "word：" begins, known label or not.
func lineFields(line string, fs *fieldSet) {
	if !strings.ContainsAny(line, ":：") {
		return
	}
	line = cleanText(line)
	type mark struct {
		key, label   string
		start, value int // the label's start, the value's start
	}
	var marks []mark
	for i := 0; i < len(line); {
		r, w := utf8.DecodeRuneInString(line[i:])
		if r != ':' && r != '：' {
			i += w
			continue
		}
		colon := i
		i += w
		// The word before the colon: a run of CJK characters, spaces
		// between it and the colon allowed.
		e := colon
		for e > 0 && line[e-1] == ' ' {
			e--
		}
		// At most maxLabelRunes of it: no label is longer, and a long
		// run of text must not cost a lookup per character.
		j := e
		for n := 0; j > 0 && n < maxLabelRunes; n++ {
			p, pw := utf8.DecodeLastRuneInString(line[:j])
			if !unicode.Is(unicode.Han, p) {
				break
			}
			j -= pw
		}
		word := line[j:e]
		if word == "" {
			continue
		}
		start := j
		m := mark{start: start, value: i}
		// The longest known label the word ends with.
		for k := 0; k < len(word); {
			if key, ok := labelKeys[word[k:]]; ok {
				m.key, m.label, m.start = key, word[k:], j+k
				break
			}
			_, rw := utf8.DecodeRuneInString(word[k:])
			k += rw
		}
		marks = append(marks, m)
	}
	for i, m := range marks {
		if m.key == "" {
			continue
		}
		end := len(line)
		if i+1 < len(marks) {
			end = marks[i+1].start
		}
		if end < m.value {
			continue
		}
		v := strings.TrimSpace(line[m.value:end])
		if v == "" || labelKey(v) != "" {
			continue
		}
		fs.add(Field{Key: m.key, Label: m.label, Value: truncRunes(v, 500), Source: "text"})
	}
}
