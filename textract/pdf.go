package textract

import (
	"bytes"
	"fmt"
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
