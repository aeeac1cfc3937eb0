package textract

import (
	"encoding/binary"
	"errors"
	"net/url"
	"slices"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// This file reads what the content checks (wording, interpretation,
// validity) need of an article page: its body as plain text and the links
// of the page. The crawler reads it from the tree it has just parsed and
// stores it (encoded) beside the page's snapshot; the checks decode it,
// or read it from the snapshot when a store has none. The page is
// untrusted HTML: it is only parsed, never rendered, and what is kept of
// it is bounded (MaxArticleText).

// MaxArticleText bounds the body text kept per article, in bytes.
const MaxArticleText = 256 << 10

// ArticleText is what the content checks read of an article page.
type ArticleText struct {
	Body  string   // the body's text, blocks separated by newlines
	Links []string // absolute URLs of the page's <a href> (http and https), each once
}

// bodyMarks name the elements that hold an article's body on the CMS
// families the crawler knows, best first (an id "x" is "#x", a class
// ".x"); the whole <body> is the fallback.
var bodyMarks = []string{"#zoom", ".TRS_Editor", ".bt_content", "#article-content", ".article-content",
	".pages_content", "#content", ".content"}

// bodyRank returns the rank of n in bodyMarks (len(bodyMarks) when none).
func bodyRank(n *html.Node) int {
	id := attrOf(n, "id")
	classes := strings.Fields(attrOf(n, "class"))
	for i, m := range bodyMarks {
		if (m[0] == '#' && id == m[1:]) || (m[0] == '.' && slices.Contains(classes, m[1:])) {
			return i
		}
	}
	return len(bodyMarks)
}

// ReadArticle reads the body text and the links of a parsed page whose
// URL is base (nil: no links are read). The tree is only read.
func ReadArticle(root *html.Node, base *url.URL) ArticleText {
	var t ArticleText
	var body, best *html.Node
	bestRank := len(bodyMarks)
	seen := map[string]bool{}
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch n.DataAtom {
			case atom.Script, atom.Style, atom.Noscript, atom.Template:
				return
			case atom.Body:
				body = n
			case atom.A:
				if href := attrOf(n, "href"); href != "" && base != nil {
					if u, err := base.Parse(strings.TrimSpace(href)); err == nil && (u.Scheme == "http" || u.Scheme == "https") {
						u.Fragment = ""
						if s := u.String(); !seen[s] {
							seen[s] = true
							t.Links = append(t.Links, s)
						}
					}
				}
			}
			if r := bodyRank(n); r < bestRank {
				best, bestRank = n, r
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(root)
	from := body
	if best != nil {
		from = best
	}
	if from != nil {
		var b strings.Builder
		articleNodeText(&b, from)
		t.Body = strings.TrimSpace(b.String())
	}
	return t
}

// articleNodeText appends the text of n to b, a newline after each block,
// skipping scripts and styles, up to MaxArticleText bytes.
func articleNodeText(b *strings.Builder, n *html.Node) {
	if b.Len() >= MaxArticleText {
		return
	}
	switch n.Type {
	case html.TextNode:
		s := strings.Join(strings.Fields(n.Data), " ")
		if len(s) > MaxArticleText-b.Len() {
			s = strings.ToValidUTF8(s[:MaxArticleText-b.Len()], "")
		}
		b.WriteString(s)
		return
	case html.ElementNode:
		switch n.DataAtom {
		case atom.Script, atom.Style, atom.Noscript, atom.Template:
			return
		}
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		articleNodeText(b, c)
	}
	if n.Type == html.ElementNode {
		switch n.DataAtom {
		case atom.P, atom.Div, atom.Br, atom.Li, atom.Tr, atom.H1, atom.H2, atom.H3, atom.H4, atom.Table, atom.Section:
			b.WriteByte('\n')
		case atom.Td, atom.Th:
			b.WriteByte(' ')
		}
	}
}

// attrOf returns the value of n's attribute key.
func attrOf(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// articleTextVersion is the first byte of an encoded ArticleText. Change
// it when ReadArticle reads differently: texts stored by an older reading
// then fail to decode with ErrStaleText and are read again from the page.
const articleTextVersion = 1

// ErrStaleText is returned by DecodeArticleText for a text encoded by
// another version of ReadArticle.
var ErrStaleText = errors.New("article text stored by another version of the reader")

// Encode returns t as bytes for the store: a version byte, then the body
// and each link, each preceded by its length.
func (t ArticleText) Encode() []byte {
	n := 1 + binary.MaxVarintLen64*(2+len(t.Links)) + len(t.Body)
	for _, l := range t.Links {
		n += len(l)
	}
	b := make([]byte, 0, n)
	b = append(b, articleTextVersion)
	b = binary.AppendUvarint(b, uint64(len(t.Body)))
	b = append(b, t.Body...)
	b = binary.AppendUvarint(b, uint64(len(t.Links)))
	for _, l := range t.Links {
		b = binary.AppendUvarint(b, uint64(len(l)))
		b = append(b, l...)
	}
	return b
}

// DecodeArticleText reads bytes written by Encode.
func DecodeArticleText(b []byte) (ArticleText, error) {
	if len(b) == 0 || b[0] != articleTextVersion {
		return ArticleText{}, ErrStaleText
	}
	b = b[1:]
	str := func() (string, bool) {
		n, k := binary.Uvarint(b)
		if k <= 0 || n > uint64(len(b)-k) {
			return "", false
		}
		s := string(b[k : k+int(n)])
		b = b[k+int(n):]
		return s, true
	}
	var t ArticleText
	var ok bool
	if t.Body, ok = str(); !ok {
		return ArticleText{}, errors.New("article text: body cut short")
	}
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)) {
		return ArticleText{}, errors.New("article text: bad link count")
	}
	b = b[k:]
	if n > 0 {
		t.Links = make([]string, 0, n)
	}
	for range n {
		l, ok := str()
		if !ok {
			return ArticleText{}, errors.New("article text: link cut short")
		}
		t.Links = append(t.Links, l)
	}
	if len(b) != 0 {
		return ArticleText{}, errors.New("article text: trailing bytes")
	}
	return t, nil
}
