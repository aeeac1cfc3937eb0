package web

import (
	"bytes"
	"regexp"
	"strings"

	"golang.org/x/net/html"
)

// Sanitize rebuilds a stored page snapshot as an inert HTML document of its
// own (the page's html, head and body tags are dropped, their content kept): only
// text-bearing elements and harmless presentational attributes are kept.
// Scripts, frames, forms, objects, SVG and MathML are removed with their
// content; event handlers and anything that would load a resource from
// elsewhere (links, images, style sheets, CSS url()) are removed. Links keep
// their text and show their target in a tooltip; images keep their alt
// text unless they are inline data: images.
//
// The document is rebuilt token by token with golang.org/x/net/html, so
// every text and attribute value is escaped anew; nothing of the input is
// copied through unparsed except the content of a <style> element that
// was found harmless.
func Sanitize(src []byte) []byte {
	var out bytes.Buffer
	out.WriteString("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"></head><body>\n")
	z := html.NewTokenizer(bytes.NewReader(src))
	// skipping counts the nesting of the element whose content is dropped.
	skipTag, skipDepth := "", 0
	// inRaw is the raw-text element (style, title) whose text comes next.
	inRaw := ""
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			// io.EOF or a read error: what was read so far is kept.
			break
		}
		tok := z.Token()
		if skipDepth > 0 {
			switch {
			case tt == html.StartTagToken && tok.Data == skipTag:
				skipDepth++
			case tt == html.EndTagToken && tok.Data == skipTag:
				skipDepth--
			}
			continue
		}
		switch tt {
		case html.TextToken:
			switch inRaw {
			case "style":
				if safeCSS(tok.Data) {
					out.WriteString(tok.Data)
				}
			default:
				out.WriteString(html.EscapeString(tok.Data))
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name := tok.Data
			if name == "plaintext" {
				// Everything after <plaintext> is text to a browser: drop it.
				goto done
			}
			if dropWithContent[name] {
				if tt == html.StartTagToken && !voidElements[name] {
					skipTag, skipDepth = name, 1
				}
				continue
			}
			if !allowedElements[name] {
				continue
			}
			writeStartTag(&out, tok)
			if name == "style" || name == "title" {
				inRaw = name
			}
		case html.EndTagToken:
			inRaw = ""
			if allowedElements[tok.Data] && !voidElements[tok.Data] {
				out.WriteString("</" + tok.Data + ">")
			}
		}
		// Comments and doctypes are dropped: conditional comments are markup.
	}
done:
	out.WriteString("\n</body></html>\n")
	return out.Bytes()
}

// writeStartTag writes tok with only its allowed attributes.
func writeStartTag(out *bytes.Buffer, tok html.Token) {
	out.WriteString("<" + tok.Data)
	for _, a := range tok.Attr {
		key := strings.ToLower(a.Key)
		if a.Namespace != "" || strings.HasPrefix(key, "on") {
			continue
		}
		switch {
		case key == "style":
			if !safeCSS(a.Val) {
				continue
			}
		case key == "href" && tok.Data == "a":
			// The link no longer navigates; its target stays readable.
			writeAttr(out, "title", "原链接: "+a.Val)
			continue
		case key == "src" && tok.Data == "img":
			if !dataImage.MatchString(a.Val) {
				writeAttr(out, "title", "外部图片已移除: "+a.Val)
				continue
			}
		case !allowedAttrs[key]:
			continue
		}
		writeAttr(out, key, a.Val)
	}
	out.WriteString(">")
}

func writeAttr(out *bytes.Buffer, key, val string) {
	out.WriteString(" " + key + `="` + html.EscapeString(val) + `"`)
}

// dataImage matches an inline raster image; SVG is excluded since it can
// carry script.
var dataImage = regexp.MustCompile(`^\s*data:image/(png|gif|jpeg|jpg|webp|bmp);base64,[A-Za-z0-9+/=\s]*$`)

// safeCSS reports whether CSS text loads nothing and runs nothing. Escapes
// are refused outright since they could spell "url(" in disguise.
func safeCSS(css string) bool {
	l := strings.ToLower(css)
	for _, bad := range []string{"url(", "@import", "expression", "javascript:", "behavior", "-moz-binding", "\\", "</", "image-set", "@font-face"} {
		if strings.Contains(l, bad) {
			return false
		}
	}
	return true
}

// allowedElements are kept (without their disallowed attributes).
var allowedElements = setOf(
	"title", "style",
	"div", "span", "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6",
	"ul", "ol", "li", "dl", "dt", "dd", "table", "thead", "tbody", "tfoot",
	"tr", "td", "th", "caption", "colgroup", "col", "a", "b", "strong", "i",
	"em", "u", "s", "strike", "sub", "sup", "small", "big", "font", "center",
	"pre", "code", "blockquote", "img", "article", "section", "header",
	"footer", "nav", "main", "aside", "figure", "figcaption", "label",
	"abbr", "address", "cite", "q", "mark", "del", "ins", "wbr", "fieldset", "legend",
)

// dropWithContent are removed together with everything inside them.
var dropWithContent = setOf(
	"script", "noscript", "iframe", "frame", "frameset", "noframes", "object",
	"embed", "applet", "param", "svg", "math", "template", "textarea",
	"select", "button", "audio", "video", "canvas", "map", "xmp", "noembed",
	"link", "meta", "base", "input", "source", "track", "portal",
)

// voidElements have no end tag.
var voidElements = setOf("br", "hr", "img", "col", "wbr", "input", "link", "meta",
	"base", "param", "source", "track", "embed", "area", "frame")

// allowedAttrs are the presentational attributes kept on allowed elements.
var allowedAttrs = setOf(
	"id", "class", "title", "alt", "lang", "dir", "align", "valign", "width",
	"height", "colspan", "rowspan", "border", "cellpadding", "cellspacing",
	"bgcolor", "color", "face", "size", "name", "span", "nowrap",
)

func setOf(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}
