package textract

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"io"
	"strings"

	"github.com/ledongthuc/pdf"
)

// maxPDFPages caps the pages read of one PDF.
const maxPDFPages = 2000

// extractPDF reads the text layer of a PDF page by page, one line per
// row of text ("第 P 页 第 R 行"). Fonts are decoded through their
// ToUnicode CMaps (how CJK text in Type0/Identity-H fonts maps to
// Unicode) or their simple encodings. A PDF whose pages hold no text is
// an image-only (scanned) PDF. The library panics on some damaged files:
// that is caught and reported as a damaged document.
func extractPDF(data []byte, lim Limits) (doc Doc, err error) {
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
	n := r.NumPage()
	if n > maxPDFPages {
		return Doc{}, noText("pdf", fmt.Sprintf("页数 %d 超过上限 %d", n, maxPDFPages))
	}
	l := &lines{lim: lim}
	for i := 1; i <= n; i++ {
		p := r.Page(i)
		if p.V.IsNull() {
			continue
		}
		rows, err := p.GetTextByRow()
		if err != nil {
			return Doc{}, noText("pdf", fmt.Sprintf("第 %d 页无法解析", i))
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
			if !l.add(fmt.Sprintf("第 %d 页 第 %d 行", i, j+1), b.String(), "") {
				return Doc{Lines: l.out}, l.tooLarge("pdf")
			}
		}
	}
	return Doc{Lines: l.out}, l.tooLarge("pdf")
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
