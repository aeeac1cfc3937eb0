package textract

import (
	"bytes"
	"fmt"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// extractHTMLDoc reads an HTML attachment.
func extractHTMLDoc(data []byte, lim Limits) (Doc, error) {
	root, err := html.Parse(bytes.NewReader(decodeText(data)))
	if err != nil {
		return Doc{}, noText("html", "网页无法解析")
	}
	l := &lines{lim: lim}
	htmlLines(root, l)
	return Doc{Lines: l.out}, l.tooLarge("html")
}

// HTMLLines returns the text lines of a parsed page: one line per block
// (paragraph, list entry, heading, <br>-separated run) and per table row,
// its cells joined by tabs and the table's first row as context. Scripts,
// styles and the head are skipped.
func HTMLLines(root *html.Node, lim Limits) []Line {
	l := &lines{lim: lim.withDefaults()}
	htmlLines(root, l)
	return l.out
}

func htmlLines(root *html.Node, l *lines) {
	w := &htmlWalker{l: l}
	w.walk(root)
	w.flush()
}

type htmlWalker struct {
	l      *lines
	buf    strings.Builder
	n      int
	header []string // first row of each open table, innermost last
}

func (w *htmlWalker) flush() {
	text := strings.TrimSpace(w.buf.String())
	w.buf.Reset()
	if text == "" {
		return
	}
	w.n++
	ctx := ""
	if len(w.header) > 0 {
		ctx = w.header[len(w.header)-1]
	}
	w.l.add(fmt.Sprintf("第 %d 行", w.n), text, ctx)
}

// block lists the elements that start a new line.
func block(a atom.Atom) bool {
	switch a {
	case atom.P, atom.Div, atom.Li, atom.Ul, atom.Ol, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6,
		atom.Table, atom.Tbody, atom.Thead, atom.Tfoot, atom.Section, atom.Article, atom.Header, atom.Footer,
		atom.Blockquote, atom.Pre, atom.Dl, atom.Dt, atom.Dd, atom.Form, atom.Hr, atom.Title, atom.Caption,
		atom.Address, atom.Center, atom.Nav, atom.Aside, atom.Main, atom.Figure, atom.Figcaption:
		return true
	}
	return false
}

func (w *htmlWalker) walk(n *html.Node) {
	if w.l.full {
		return
	}
	switch n.Type {
	case html.TextNode:
		w.buf.WriteString(strings.Join(strings.Fields(n.Data), " "))
		return
	case html.ElementNode:
		switch n.DataAtom {
		case atom.Script, atom.Style, atom.Noscript, atom.Template, atom.Iframe, atom.Object:
			return
		case atom.Br:
			w.flush()
			return
		case atom.Tr:
			w.flush()
			w.row(n)
			return
		case atom.Table:
			w.flush()
			w.header = append(w.header, "")
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				w.walk(c)
			}
			w.flush()
			w.header = w.header[:len(w.header)-1]
			return
		case atom.Td, atom.Th:
			w.buf.WriteByte('\t')
		}
	}
	b := n.Type == html.ElementNode && block(n.DataAtom)
	if b {
		w.flush()
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		w.walk(c)
	}
	if b {
		w.flush()
	}
}

// row writes a table row as one line; a nested table inside a cell is
// written as lines of its own after the row.
func (w *htmlWalker) row(tr *html.Node) {
	var cells []string
	var nested []*html.Node
	for c := tr.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != html.ElementNode || (c.DataAtom != atom.Td && c.DataAtom != atom.Th) {
			continue
		}
		cells = append(cells, cellText(c, &nested))
	}
	text := strings.TrimSpace(strings.Join(cells, "\t"))
	if len(w.header) > 0 && w.header[len(w.header)-1] == "" && text != "" {
		// The table's first row is the header of the rows below it.
		w.header[len(w.header)-1] = text
		w.buf.WriteString(text)
		saved := w.header[len(w.header)-1]
		w.header[len(w.header)-1] = ""
		w.flush()
		w.header[len(w.header)-1] = saved
	} else {
		w.buf.WriteString(text)
		w.flush()
	}
	for _, t := range nested {
		w.walk(t)
	}
}

// cellText is the text of a table cell on one line; nested tables are
// collected for later.
func cellText(n *html.Node, nested *[]*html.Node) string {
	var b strings.Builder
	var rec func(*html.Node)
	rec = func(n *html.Node) {
		switch n.Type {
		case html.TextNode:
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(strings.Join(strings.Fields(n.Data), " "))
			return
		case html.ElementNode:
			switch n.DataAtom {
			case atom.Script, atom.Style, atom.Noscript, atom.Template:
				return
			case atom.Table:
				*nested = append(*nested, n)
				return
			case atom.Br, atom.P, atom.Div:
				if b.Len() > 0 {
					b.WriteByte(' ')
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			rec(c)
		}
	}
	rec(n)
	return strings.TrimSpace(b.String())
}
