package rules

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/govaudit/govaudit/store"
)

// This file gives the content checks (wording, interpretation, validity)
// the text of an article: its body as plain text and the links of its
// page, read from the page snapshot the crawler stored (Input.Snapshot).
// The snapshot is untrusted HTML: it is only parsed, never rendered, and
// what is kept of it is bounded (maxArticleText).

// maxArticleText bounds the body text kept per article, in bytes.
const maxArticleText = 256 << 10

// articleText is what the content checks read of an article page.
type articleText struct {
	Body  string   // the body's text, blocks separated by newlines
	Links []string // absolute URLs of the page's <a href> (http and https)
}

// textCache holds the article texts of one evaluation, by snapshot hash.
type textCache struct {
	mu sync.Mutex
	m  map[string]articleText
}

// bodyMarks name the elements that hold an article's body on the CMS
// families the crawler knows, best first (an id "x" is "#x", a class
// ".x"); the whole <body> is the fallback.
var bodyMarks = []string{"#zoom", ".TRS_Editor", ".bt_content", "#article-content", ".article-content",
	".pages_content", "#content", ".content"}

// bodyRank returns the rank of n in bodyMarks (len(bodyMarks) when none).
func bodyRank(n *html.Node) int {
	best := len(bodyMarks)
	id := attr(n, "id")
	classes := strings.Fields(attr(n, "class"))
	for i, m := range bodyMarks[:best] {
		if (m[0] == '#' && id == m[1:]) || (m[0] == '.' && slices.Contains(classes, m[1:])) {
			return i
		}
	}
	return best
}

// text returns the text of an item's page and whether it could be read.
// An item without a snapshot (or a store without snapshots) has none; a
// read error other than a missing snapshot stops the evaluation.
func (e *env) text(it *item) (articleText, bool) {
	if e.err != nil || e.in.Snapshot == nil || it.SnapshotHash == "" {
		return articleText{}, false
	}
	if e.in.texts == nil {
		e.in.texts = &textCache{m: map[string]articleText{}}
	}
	c := e.in.texts
	c.mu.Lock()
	t, ok := c.m[it.SnapshotHash]
	c.mu.Unlock()
	if ok {
		return t, true
	}
	body, err := e.in.Snapshot(it.SnapshotHash)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return articleText{}, false
		}
		e.err = fmt.Errorf("read snapshot of %s: %w", it.URL, err)
		return articleText{}, false
	}
	t = parseArticleText(body, it.URL)
	c.mu.Lock()
	c.m[it.SnapshotHash] = t
	c.mu.Unlock()
	return t, true
}

// parseArticleText extracts the body text and the links of an HTML page
// whose URL is base.
func parseArticleText(page []byte, base string) articleText {
	doc, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		return articleText{}
	}
	var t articleText
	bu, _ := url.Parse(base)
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
				if href := attr(n, "href"); href != "" && bu != nil {
					if u, err := bu.Parse(strings.TrimSpace(href)); err == nil && (u.Scheme == "http" || u.Scheme == "https") {
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
	walk(doc)
	root := body
	if best != nil {
		root = best
	}
	if root != nil {
		var b strings.Builder
		nodeText(&b, root)
		t.Body = strings.TrimSpace(b.String())
	}
	return t
}

// nodeText appends the text of n to b, a newline after each block,
// skipping scripts and styles, up to maxArticleText bytes.
func nodeText(b *strings.Builder, n *html.Node) {
	if b.Len() >= maxArticleText {
		return
	}
	switch n.Type {
	case html.TextNode:
		s := strings.Join(strings.Fields(n.Data), " ")
		if len(s) > maxArticleText-b.Len() {
			s = strings.ToValidUTF8(s[:maxArticleText-b.Len()], "")
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
		nodeText(b, c)
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

// attr returns the value of n's attribute key.
func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}
