package textract

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/ledongthuc/pdf"
)

// maxPDFPages caps the pages read of one PDF.
const maxPDFPages = 2000

// pdfTimeout bounds the parse of one PDF; pdfSlots bounds the parses
// running at once.
var (
	pdfTimeout = 60 * time.Second
	pdfSlots   = make(chan struct{}, 2)
)

// extractPDF reads a PDF's text layer in a child process (see
// pdfchild.go): the PDF library has malformed inputs on which it loops
// for ever or recurses until the stack overflows, which no recover
// catches. The child is killed past pdfTimeout, and a crash or a kill
// makes the document not audited, never the crawl fail.
func extractPDF(data []byte, lim Limits) (Doc, error) {
	select {
	case pdfSlots <- struct{}{}:
	case <-time.After(pdfTimeout):
		return Doc{}, noText("pdf", "PDF 解析繁忙，未审查")
	}
	defer func() { <-pdfSlots }()
	return runPDFChild(data, lim)
}

// parsePDF reads the text layer of a PDF page by page, one line per row
// of text ("第 P 页 第 R 行"). Fonts are decoded through their ToUnicode
// CMaps (how CJK text in Type0/Identity-H fonts maps to Unicode) or their
// simple encodings. A PDF whose pages hold no text is an image-only
// (scanned) PDF. The pages are found by a walk of the page tree that
// refuses cycles and deep trees (the library's own walk loops on them);
// the library panics on some damaged files: that is caught and reported
// as a damaged document.
func parsePDF(data []byte, lim Limits) (doc Doc, err error) {
	defer func() {
		if p := recover(); p != nil {
			doc, err = Doc{}, noText("pdf", "PDF 文件已损坏或无法解析")
		}
	}()
	if inflated(data, lim.MaxUnzipped) > lim.MaxUnzipped {
		return Doc{}, noText("pdf", fmt.Sprintf("解压后超过上限 %d MiB", lim.MaxUnzipped>>20))
	}
	r, err := pdf.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		if strings.Contains(err.Error(), "encrypt") || strings.Contains(err.Error(), "password") {
			return Doc{}, noText("pdf", "PDF 已加密")
		}
		return Doc{}, noText("pdf", "PDF 文件已损坏或无法解析")
	}
	pages, ok := pageList(r)
	if !ok {
		return Doc{}, noText("pdf", "PDF 页面结构异常（循环引用或层级过深）")
	}
	if len(pages) > maxPDFPages {
		return Doc{}, noText("pdf", fmt.Sprintf("页数 %d 超过上限 %d", len(pages), maxPDFPages))
	}
	l := &lines{lim: lim}
	for i, p := range pages {
		rows, err := p.GetTextByRow()
		if err != nil {
			return Doc{}, noText("pdf", fmt.Sprintf("第 %d 页无法解析", i+1))
		}
		for j, row := range rows {
			var b strings.Builder
			lastEnd := 0.0
			for k, t := range row.Content {
				if k > 0 && t.X-lastEnd > 2*max(t.FontSize, 1) {
					b.WriteByte('\t') // a gap: another table cell
				}
				b.WriteString(t.S)
				lastEnd = t.X + t.W
			}
			if !l.add(fmt.Sprintf("第 %d 页 第 %d 行", i+1, j+1), b.String(), "") {
				return Doc{Lines: l.out}, l.tooLarge("pdf")
			}
		}
	}
	return Doc{Lines: l.out}, l.tooLarge("pdf")
}

// pageList walks the page tree in order. It gives up (false) on a tree
// deeper than 32 levels, with more nodes than 2 × maxPDFPages + 64, or a
// page whose chain of /Parent is longer than 32: what a cycle looks like.
func pageList(r *pdf.Reader) ([]pdf.Page, bool) {
	var out []pdf.Page
	nodes := 0
	var walk func(v pdf.Value, depth int) bool
	walk = func(v pdf.Value, depth int) bool {
		nodes++
		if depth > 32 || nodes > 2*maxPDFPages+64 {
			return false
		}
		switch v.Key("Type").Name() {
		case "Pages":
			kids := v.Key("Kids")
			for i := 0; i < kids.Len(); i++ {
				if !walk(kids.Index(i), depth+1) {
					return false
				}
			}
		case "Page":
			n := 0
			for p := v.Key("Parent"); !p.IsNull(); p = p.Key("Parent") {
				if n++; n > 32 {
					return false
				}
			}
			out = append(out, pdf.Page{V: v})
		}
		return true
	}
	ok := walk(r.Trailer().Key("Root").Key("Pages"), 0)
	return out, ok
}

// inflated returns what the zlib (FlateDecode) streams of a PDF
// decompress to, counting up to limit+1: the PDF library reads a stream
// whole, so a stream bomb is refused before it is parsed. Streams of
// other filters fail zlib's header check at once and count nothing.
func inflated(data []byte, limit int64) int64 {
	var total int64
	rest := data
	for {
		i := bytes.Index(rest, []byte("stream"))
		if i < 0 {
			return total
		}
		j := i + len("stream")
		if i >= 3 && string(rest[i-3:i]) == "end" {
			rest = rest[j:]
			continue
		}
		if j < len(rest) && rest[j] == '\r' {
			j++
		}
		if j < len(rest) && rest[j] == '\n' {
			j++
		}
		end := bytes.Index(rest[j:], []byte("endstream"))
		if end < 0 {
			end = len(rest) - j
		}
		if zr, err := zlib.NewReader(bytes.NewReader(rest[j : j+end])); err == nil {
			n, _ := io.Copy(io.Discard, io.LimitReader(zr, limit-total+1))
			total += n
			if total > limit {
				return total
			}
		}
		rest = rest[j+end:]
	}
}
