package extract

import (
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html"
)

// Catalog trees built in script: many 信息公开目录 pages carry no channel
// links in their markup but a zTree (or similar) whose nodes are object
// literals in a script, e.g.
//
//	var zNodes = [{id:"12", pId:"1", name:"政策文件", url:"/col/col12/index.html", target:"_self"}, …]
//
// or nested under children: [...]. Each object that has both a name and a
// URL is a channel.

// reScriptField matches one string field of an object literal: its key,
// quoted or not, and its value in single or double quotes.
var reScriptField = regexp.MustCompile(`(?:["']?)([A-Za-z_]+)(?:["']?)\s*:\s*("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')`)

// scriptNameKeys and scriptURLKeys are the keys of a node's name and URL.
var (
	scriptNameKeys = map[string]bool{"name": true, "title": true, "text": true, "chnlname": true, "channelname": true, "label": true}
	scriptURLKeys  = map[string]bool{"url": true, "href": true, "link": true, "chnlurl": true, "channelurl": true, "path": true}
)

// scriptChannels returns the channels of the script trees of doc.
func scriptChannels(doc *goquery.Document, base *url.URL) []Channel {
	var out []Channel
	doc.FindMatcher(selScript).Each(func(_ int, s *goquery.Selection) {
		if _, src := s.Attr("src"); src {
			return
		}
		out = append(out, treeChannels(s.Text(), base)...)
	})
	return out
}

// treeChannels reads the object literals of a script: the text between
// two braces is one object's own fields (an object's children, in braces
// of their own, are read as objects of their own).
func treeChannels(src string, base *url.URL) []Channel {
	var out []Channel
	for _, obj := range strings.FieldsFunc(src, func(r rune) bool { return r == '{' || r == '}' }) {
		var name, link string
		for _, m := range reScriptField.FindAllStringSubmatch(obj, -1) {
			key := strings.ToLower(m[1])
			switch {
			case scriptNameKeys[key] && name == "":
				name = cleanText(jsString(m[2]))
			case scriptURLKeys[key] && link == "":
				link = resolve(base, jsString(m[2]))
			}
		}
		if name != "" && link != "" && !isMoreLink(name) {
			out = append(out, Channel{Name: truncRunes(name, 100), URL: link})
		}
	}
	return out
}

// jsString is the value of a quoted JavaScript string literal: its
// escapes (\u653f, \", \/) decoded; the raw inside when they do not decode.
func jsString(q string) string {
	inner := q[1 : len(q)-1]
	if q[0] == '\'' {
		inner = strings.ReplaceAll(strings.ReplaceAll(inner, `\'`, `'`), `"`, `\"`)
	}
	if v, err := strconv.Unquote(`"` + strings.ReplaceAll(inner, `\/`, `/`) + `"`); err == nil {
		return v
	}
	return inner
}

// chromeTokens are the ids and classes (whole tokens) of a page's header,
// menu bar and footer.
var chromeTokens = map[string]bool{
	"header": true, "head": true, "top": true, "topbar": true, "topnav": true, "navbar": true,
	"mainnav": true, "main-nav": true, "site-nav": true, "daohang": true,
	"footer": true, "foot": true, "bottom": true, "copyright": true,
}

// inChrome reports whether s lies in the page's header, navigation bar or
// footer: a header or footer element, or an element whose id or class is
// one of chromeTokens. A bare nav element is not enough: modern templates
// put a unit's own channel sidebar in one.
func inChrome(s *goquery.Selection) bool {
	for n := s.Nodes[0].Parent; n != nil; n = n.Parent {
		if n.Type != html.ElementNode {
			continue
		}
		switch n.Data {
		case "header", "footer":
			return true
		}
		for _, a := range n.Attr {
			if a.Key != "id" && a.Key != "class" {
				continue
			}
			for _, tok := range strings.Fields(strings.ToLower(a.Val)) {
				if chromeTokens[tok] {
					return true
				}
			}
		}
	}
	return false
}

// reScriptPath is a quoted page path in a link's script: a path from the
// site's root or the page's directory, an absolute URL, or a name ending
// in .htm, .html or .shtml.
var reScriptPath = regexp.MustCompile(`['"]((?:https?://|\.{0,2}/)[^'"\s<>()]*|[^'"\s<>()/]+(?:/[^'"\s<>()]+)*\.s?html?(?:\?[^'"\s<>()]*)?)['"]`)

// scriptHref is the page a link opens by script rather than by href:
// data-url or data-href, else a quoted path in its javascript: href or
// its onclick (window.open('/col/col302/index.html'), location.href =
// "./zcwj/"). "" when there is none.
func scriptHref(a *goquery.Selection, base *url.URL) string {
	for _, attr := range []string{"data-url", "data-href"} {
		if v, ok := a.Attr(attr); ok {
			if u := resolve(base, v); u != "" {
				return u
			}
		}
	}
	h, _ := a.Attr("href")
	js, _ := a.Attr("onclick")
	for _, m := range reScriptPath.FindAllStringSubmatch(h+" "+js, 3) {
		if u := resolve(base, m[1]); u != "" {
			return u
		}
	}
	return ""
}
