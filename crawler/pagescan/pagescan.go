// Package pagescan reads what the content checks need from an article
// page in one parse: its text lines (for personal data) and its links
// with whether a reader can see them (for external-link and hidden-link).
//
// A link is hidden when it, or an element around it, is styled so that
// nobody sees it: display:none, visibility:hidden, opacity:0, a zero font
// size (not reset to a visible size further in), a zero width or height
// with overflow hidden (or both at most 1px), positioned or indented far
// off-screen (-500px and beyond), or written in the colour of its
// background; also the hidden attribute. Styles come from style
// attributes, legacy attributes (<font color>, bgcolor, width/height) and
// the page's <style> blocks (selectors of tags, classes and ids joined
// by descendant or child combinators; rules with attribute selectors,
// pseudo-classes or sibling combinators are ignored; a later rule wins
// over an earlier one whatever their specificity, and inline styles win
// over both).
package pagescan

import (
	"bytes"
	"net/url"
	"strconv"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/govaudit/govaudit/textract"
)

// Link is one link of a page.
type Link struct {
	URL   string `json:"url"`            // absolute
	Text  string `json:"text,omitempty"` // its text (or image alt), trimmed, at most 60 characters
	Image bool   `json:"image,omitempty"`
	// Hidden says why a reader cannot see the link ("display:none",
	// "字号为0", "移出可视区域", "颜色与背景相同" …); empty when visible.
	Hidden string `json:"hidden,omitempty"`
}

// Page is what Scan read of a page.
type Page struct {
	Lines []textract.Line
	// Links are the http(s) links to other hosts than the page's, and
	// every hidden link; each URL once (a hidden occurrence wins).
	Links []Link
}

// maxLinks caps the links kept of one page.
const maxLinks = 500

// Scan parses a page (UTF-8 HTML) fetched from base.
func Scan(base *url.URL, body []byte) (Page, error) {
	root, err := html.Parse(bytes.NewReader(body))
	if err != nil {
		return Page{}, err
	}
	return ScanNode(base, root), nil
}

// ScanNode reads a page already parsed (the tree is only read).
func ScanNode(base *url.URL, root *html.Node) Page {
	s := &scanner{base: base, seen: map[string]int{}}
	s.collectStyles(root)
	s.walk(root, state{})
	return Page{Lines: textract.HTMLLines(root, textract.Limits{}), Links: s.links}
}

// decls are CSS declarations, property -> value (lower case).
type decls map[string]string

// state is what an element inherits.
type state struct {
	hidden   string // why everything inside is hidden
	fontZero bool
	color    string // normalised text colour, "" unknown
	bg       string // normalised background colour of the nearest painted ancestor
}

type scanner struct {
	base  *url.URL
	rules []cssRule // in source order
	links []Link
	seen  map[string]int // URL -> index in links
	stack []compound     // the open elements, outermost first (when rules exist)
}

// collectStyles reads the <style> blocks.
func (s *scanner) collectStyles(n *html.Node) {
	if n.Type == html.ElementNode && n.DataAtom == atom.Style {
		var b strings.Builder
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			b.WriteString(c.Data)
		}
		s.parseCSS(b.String())
		return
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		s.collectStyles(c)
	}
}

// parseCSS reads "selectors { declarations }" blocks; @-rules' inner
// blocks are read as if at top level (media queries included).
func (s *scanner) parseCSS(css string) {
	for len(s.rules) < maxRules {
		css = stripComments(css)
		open := strings.IndexByte(css, '{')
		if open < 0 {
			return
		}
		sel := strings.TrimSpace(css[:open])
		if strings.HasPrefix(sel, "@") {
			css = css[open+1:]
			continue
		}
		end := strings.IndexByte(css[open:], '}')
		if end < 0 {
			return
		}
		body := css[open+1 : open+end]
		css = css[open+end+1:]
		d := parseDecls(body)
		if len(d) == 0 || !hidingDecls(d) {
			continue // only declarations that can hide matter
		}
		for _, one := range strings.Split(sel, ",") {
			if r, ok := parseSelector(one); ok {
				r.decls = d
				s.rules = append(s.rules, r)
			}
		}
	}
}

func stripComments(css string) string {
	for {
		i := strings.Index(css, "/*")
		if i < 0 {
			return css
		}
		j := strings.Index(css[i+2:], "*/")
		if j < 0 {
			return css[:i]
		}
		css = css[:i] + css[i+2+j+2:]
	}
}

// parseDecls reads "a: b; c: d".
func parseDecls(s string) decls {
	d := decls{}
	for _, part := range strings.Split(s, ";") {
		k, v, ok := strings.Cut(part, ":")
		if !ok {
			continue
		}
		v = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(strings.ToLower(v)), "!important"))
		d[strings.TrimSpace(strings.ToLower(k))] = strings.TrimSpace(v)
	}
	return d
}

// style returns the declarations that apply to an element: matching
// <style> rules in source order, legacy attributes, then the style
// attribute.
func (s *scanner) style(n *html.Node) decls {
	d := decls{}
	tag := strings.ToLower(n.Data)
	var classes []string
	id := ""
	for _, a := range n.Attr {
		switch strings.ToLower(a.Key) {
		case "class":
			classes = strings.Fields(strings.ToLower(a.Val))
		case "id":
			id = strings.ToLower(strings.TrimSpace(a.Val))
		}
	}
	self := compound{tag: tag, classes: classes, id: id}
	for _, r := range s.rules {
		if r.matches(self, s.stack) {
			for k, v := range r.decls {
				d[k] = v
			}
		}
	}
	for _, a := range n.Attr {
		switch strings.ToLower(a.Key) {
		case "color":
			if n.DataAtom == atom.Font {
				d["color"] = strings.ToLower(a.Val)
			}
		case "bgcolor":
			d["background-color"] = strings.ToLower(a.Val)
		case "width", "height":
			if n.DataAtom != atom.Img {
				d[strings.ToLower(a.Key)] = strings.ToLower(strings.TrimSpace(a.Val))
			}
		case "hidden":
			d["display"] = "none"
		}
	}
	for _, a := range n.Attr {
		if strings.ToLower(a.Key) == "style" {
			for k, v := range parseDecls(a.Val) {
				d[k] = v
			}
		}
	}
	return d
}

// next computes the state inside an element.
func next(st state, d decls) state {
	if st.hidden == "" {
		st.hidden = hiddenBy(d)
	}
	if fs, ok := d["font-size"]; ok {
		st.fontZero = isZero(fs)
	} else if f, ok := d["font"]; ok && fontZero(f) {
		st.fontZero = true
	}
	if c, ok := d["color"]; ok {
		st.color = normColor(c)
	}
	if bgc := background(d); bgc != "" {
		st.bg = bgc
	}
	return st
}

// hiddenBy says why declarations hide an element; "" when they do not.
func hiddenBy(d decls) string {
	switch {
	case d["display"] == "none":
		return "display:none"
	case d["visibility"] == "hidden" || d["visibility"] == "collapse":
		return "visibility:hidden"
	case isZero(d["opacity"]):
		return "opacity:0"
	}
	w, h := d["width"], d["height"]
	if (isZero(w) || isZero(h)) && (d["overflow"] == "hidden" || d["overflow-x"] == "hidden" || d["overflow-y"] == "hidden") ||
		atMost1px(w) && atMost1px(h) && w != "" && h != "" {
		return "尺寸为0"
	}
	for _, k := range []string{"left", "top", "right", "bottom", "margin-left", "margin-top", "text-indent"} {
		v, ok := d[k]
		if !ok {
			continue
		}
		if px, ok := pixels(v); ok && px <= -500 {
			if k == "text-indent" || strings.HasPrefix(k, "margin") || d["position"] == "absolute" || d["position"] == "fixed" || d["position"] == "relative" {
				return "移出可视区域（" + k + ":" + v + "）"
			}
		}
	}
	return ""
}

// isZero reports whether a CSS length or number is zero ("0", "0px", "0em", "0%").
func isZero(v string) bool {
	v = strings.TrimSpace(v)
	if v == "" {
		return false
	}
	num := strings.TrimRight(v, "abcdefghijklmnopqrstuvwxyz%")
	f, err := strconv.ParseFloat(num, 64)
	return err == nil && f == 0
}

func atMost1px(v string) bool {
	px, ok := pixels(v)
	return ok && px <= 1
}

// pixels reads a length in px (or unitless); other units are not known.
func pixels(v string) (float64, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	num := strings.TrimSuffix(v, "px")
	if num != v || strings.TrimLeft(num, "-+.0123456789") == "" {
		if f, err := strconv.ParseFloat(num, 64); err == nil {
			return f, true
		}
	}
	for _, unit := range []string{"em", "rem"} {
		if n := strings.TrimSuffix(v, unit); n != v {
			if f, err := strconv.ParseFloat(n, 64); err == nil {
				return f * 16, true
			}
		}
	}
	return 0, false
}

// fontZero reads the size of a "font" shorthand.
func fontZero(f string) bool {
	for _, part := range strings.Fields(f) {
		size, _, _ := strings.Cut(part, "/")
		if isZero(size) {
			return true
		}
	}
	return false
}

// background is the normalised colour of background(-color), "" when none.
func background(d decls) string {
	if c, ok := d["background-color"]; ok {
		return normColor(c)
	}
	if b, ok := d["background"]; ok {
		for _, part := range strings.Fields(b) {
			if c := normColor(part); c != "" {
				return c
			}
		}
	}
	return ""
}

// names are the colour keywords seen on portals.
var names = map[string]string{
	"white": "#ffffff", "black": "#000000", "red": "#ff0000", "blue": "#0000ff", "green": "#008000",
	"yellow": "#ffff00", "gray": "#808080", "grey": "#808080", "silver": "#c0c0c0", "navy": "#000080",
	"maroon": "#800000", "orange": "#ffa500", "purple": "#800080", "lime": "#00ff00", "aqua": "#00ffff",
	"fuchsia": "#ff00ff", "teal": "#008080", "olive": "#808000",
}

// normColor returns a colour as #rrggbb, or "" when it is not one.
func normColor(c string) string {
	c = strings.ToLower(strings.TrimSpace(c))
	if v, ok := names[c]; ok {
		return v
	}
	if strings.HasPrefix(c, "#") {
		h := c[1:]
		if len(h) == 3 {
			h = string([]byte{h[0], h[0], h[1], h[1], h[2], h[2]})
		}
		if len(h) == 6 && strings.Trim(h, "0123456789abcdef") == "" {
			return "#" + h
		}
		return ""
	}
	if strings.HasPrefix(c, "rgb(") && strings.HasSuffix(c, ")") {
		parts := strings.Split(c[4:len(c)-1], ",")
		if len(parts) != 3 {
			return ""
		}
		out := "#"
		for _, p := range parts {
			n, err := strconv.Atoi(strings.TrimSpace(p))
			if err != nil || n < 0 || n > 255 {
				return ""
			}
			out += strconv.FormatInt(int64(n)+0x100, 16)[1:]
		}
		return out
	}
	return ""
}

// walk visits the element tree with what each element inherits.
func (s *scanner) walk(n *html.Node, st state) {
	if n.Type == html.ElementNode {
		switch n.DataAtom {
		case atom.Script, atom.Style, atom.Noscript, atom.Template, atom.Head:
			return
		}
		d := s.style(n)
		if n.DataAtom == atom.Marquee && (atMost1px(d["width"]) || atMost1px(d["height"])) {
			d["display"] = "none"
		}
		st = next(st, d)
		if n.DataAtom == atom.A {
			s.link(n, st)
		}
		if len(s.rules) > 0 {
			s.stack = append(s.stack, compoundOf(n))
			defer func() { s.stack = s.stack[:len(s.stack)-1] }()
		}
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		s.walk(c, st)
	}
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if strings.EqualFold(a.Key, key) {
			return a.Val
		}
	}
	return ""
}

// link records an <a href>.
func (s *scanner) link(n *html.Node, st state) {
	href := strings.TrimSpace(attr(n, "href"))
	if href == "" || strings.HasPrefix(href, "#") {
		return
	}
	u, err := s.base.Parse(href)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return
	}
	u.Fragment = ""
	text, img, textHidden := s.linkText(n, st)
	hidden := st.hidden
	if hidden == "" && text != "" && !img {
		hidden = textHidden
	}
	if hidden == "" && strings.EqualFold(u.Hostname(), s.base.Hostname()) {
		return // a visible link of the site itself: nothing to check
	}
	l := Link{URL: u.String(), Text: text, Image: img, Hidden: hidden}
	if i, ok := s.seen[l.URL]; ok {
		if s.links[i].Hidden == "" && hidden != "" {
			s.links[i] = l
		}
		return
	}
	if len(s.links) >= maxLinks {
		return
	}
	s.seen[l.URL] = len(s.links)
	s.links = append(s.links, l)
}

// bgOr is the background a text is drawn on: white when none is set.
func bgOr(bg string) string {
	if bg == "" {
		return "#ffffff"
	}
	return bg
}

// linkText returns a link's text (capped), whether it holds an image,
// and why none of its text can be seen ("" when some can): each text
// node is judged with the styles of the elements inside the link too
// (<a><font color="#fff">…</font></a>, a zero-size <span>).
func (s *scanner) linkText(a *html.Node, st state) (text string, img bool, hidden string) {
	var b strings.Builder
	visible := false
	var rec func(n *html.Node, st state)
	rec = func(n *html.Node, st state) {
		switch n.Type {
		case html.TextNode:
			t := strings.TrimSpace(n.Data)
			if t == "" {
				return
			}
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(strings.Join(strings.Fields(t), " "))
			why := st.hidden
			switch {
			case why != "":
			case st.fontZero:
				why = "字号为0"
			case st.color != "" && st.color == bgOr(st.bg):
				why = "文字颜色与背景相同（" + st.color + "）"
			}
			if why == "" {
				visible = true
			} else if hidden == "" {
				hidden = why
			}
			return
		case html.ElementNode:
			switch n.DataAtom {
			case atom.Img:
				img = true
				if alt := strings.TrimSpace(attr(n, "alt")); alt != "" && b.Len() == 0 {
					b.WriteString(alt)
				}
				return
			case atom.Script, atom.Style, atom.Noscript, atom.Template:
				return
			}
			if n != a {
				st = next(st, s.style(n))
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			rec(c, st)
		}
	}
	rec(a, st)
	text = b.String()
	if r := []rune(text); len(r) > 60 {
		text = string(r[:60])
	}
	if visible || img {
		hidden = ""
	}
	return text, img, hidden
}

// maxRules caps the <style> rules kept of one page.
const maxRules = 2000

// compound is a simple selector's parts, or an element's.
type compound struct {
	tag     string // "" or "*": any
	classes []string
	id      string
}

// cssRule is a selector of compounds joined by descendant or child
// combinators (a child is matched as a descendant), with the
// declarations it sets.
type cssRule struct {
	parts []compound // outermost first
	decls decls
}

// parseSelector reads "div.a #b > a.c"; selectors with attribute,
// pseudo-class, sibling or namespace parts are not supported.
func parseSelector(sel string) (cssRule, bool) {
	sel = strings.ToLower(strings.TrimSpace(sel))
	if sel == "" || strings.ContainsAny(sel, "+~:[|()") {
		return cssRule{}, false
	}
	var r cssRule
	for _, f := range strings.Fields(strings.ReplaceAll(sel, ">", " ")) {
		var c compound
		i := strings.IndexAny(f, ".#")
		if i < 0 {
			i = len(f)
		}
		c.tag = f[:i]
		rest := f[i:]
		for rest != "" {
			kind := rest[0]
			rest = rest[1:]
			j := strings.IndexAny(rest, ".#")
			if j < 0 {
				j = len(rest)
			}
			name := rest[:j]
			rest = rest[j:]
			if name == "" {
				return cssRule{}, false
			}
			if kind == '.' {
				c.classes = append(c.classes, name)
			} else {
				c.id = name
			}
		}
		r.parts = append(r.parts, c)
	}
	return r, len(r.parts) > 0 && len(r.parts) <= 8
}

// compoundOf describes an element for matching.
func compoundOf(n *html.Node) compound {
	c := compound{tag: strings.ToLower(n.Data)}
	for _, a := range n.Attr {
		switch strings.ToLower(a.Key) {
		case "class":
			c.classes = strings.Fields(strings.ToLower(a.Val))
		case "id":
			c.id = strings.ToLower(strings.TrimSpace(a.Val))
		}
	}
	return c
}

// has reports whether element e satisfies compound c.
func (c compound) has(e compound) bool {
	if c.tag != "" && c.tag != "*" && c.tag != e.tag {
		return false
	}
	if c.id != "" && c.id != e.id {
		return false
	}
	for _, want := range c.classes {
		found := false
		for _, got := range e.classes {
			if got == want {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// matches reports whether the rule applies to element self whose open
// ancestors are stack (outermost first).
func (r cssRule) matches(self compound, stack []compound) bool {
	last := len(r.parts) - 1
	if !r.parts[last].has(self) {
		return false
	}
	k := len(stack) - 1
	for p := last - 1; p >= 0; p-- {
		for k >= 0 && !r.parts[p].has(stack[k]) {
			k--
		}
		if k < 0 {
			return false
		}
		k--
	}
	return true
}

// hidingDecls reports whether declarations touch what can hide a link.
func hidingDecls(d decls) bool {
	for k := range d {
		switch k {
		case "display", "visibility", "opacity", "width", "height", "overflow", "overflow-x", "overflow-y",
			"left", "top", "right", "bottom", "position", "margin-left", "margin-top", "text-indent",
			"font-size", "font", "color", "background", "background-color":
			return true
		}
	}
	return false
}
