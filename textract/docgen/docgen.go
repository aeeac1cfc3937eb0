// Package docgen writes small but real .xlsx, .docx and .pdf documents
// with Chinese text, for the tests of textract and for the attachments of
// the portal simulator (portalsim). The PDFs are hand-written: a Type0
// font with Identity-H encoding whose text maps to Unicode only through a
// ToUnicode CMap, as in the PDFs Chinese office software exports.
package docgen

import (
	"archive/zip"
	"bytes"
	"compress/zlib"
	"encoding/xml"
	"fmt"
	"strings"

	"github.com/xuri/excelize/v2"
)

// Sheet is one worksheet: rows of cell values.
type Sheet struct {
	Name string
	Rows [][]string
}

// XLSX returns a workbook holding the sheets; every value is a text cell
// (as ID and card numbers are kept in real rosters).
func XLSX(sheets ...Sheet) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	for i, s := range sheets {
		if i == 0 {
			if err := f.SetSheetName("Sheet1", s.Name); err != nil {
				return nil, err
			}
		} else if _, err := f.NewSheet(s.Name); err != nil {
			return nil, err
		}
		for r, row := range s.Rows {
			for c, v := range row {
				cell, err := excelize.CoordinatesToCellName(c+1, r+1)
				if err != nil {
					return nil, err
				}
				if err := f.SetCellStr(s.Name, cell, v); err != nil {
					return nil, err
				}
			}
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Block is a paragraph (Table nil) or a table of a .docx.
type Block struct {
	Text  string
	Table [][]string
}

// DOCX returns a minimal WordprocessingML document of the blocks.
func DOCX(blocks ...Block) ([]byte, error) {
	var body strings.Builder
	esc := func(s string) string {
		var b bytes.Buffer
		xml.EscapeText(&b, []byte(s))
		return b.String()
	}
	para := func(s string) string {
		// Split the text over two runs, as Word does around formatting.
		rs := []rune(s)
		h := len(rs) / 2
		return `<w:p><w:r><w:t xml:space="preserve">` + esc(string(rs[:h])) + `</w:t></w:r><w:r><w:rPr><w:b/></w:rPr><w:t xml:space="preserve">` +
			esc(string(rs[h:])) + `</w:t></w:r></w:p>`
	}
	for _, b := range blocks {
		if b.Table == nil {
			body.WriteString(para(b.Text))
			continue
		}
		body.WriteString("<w:tbl>")
		for _, row := range b.Table {
			body.WriteString("<w:tr>")
			for _, c := range row {
				body.WriteString("<w:tc>" + para(c) + "</w:tc>")
			}
			body.WriteString("</w:tr>")
		}
		body.WriteString("</w:tbl>")
	}
	files := []struct{ name, data string }{
		{"[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`},
		{"_rels/.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`},
		{"word/document.xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>` + body.String() + `<w:sectPr/></w:body></w:document>`},
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		w, err := zw.Create(f.name)
		if err != nil {
			return nil, err
		}
		if _, err := w.Write([]byte(f.data)); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// PDF returns a PDF with one page per element of pages, each line of a
// page drawn as one row of text in a CJK Type0 font (Identity-H, with a
// ToUnicode CMap; the font program is not embedded). Cells of a line
// separated by tabs are drawn apart.
func PDF(pages ...[]string) []byte {
	// CIDs: 1, 2, … for the distinct runes, in order of first use.
	cid := map[rune]int{}
	var runes []rune
	for _, p := range pages {
		for _, l := range p {
			for _, r := range l {
				if _, ok := cid[r]; !ok && r != '\t' {
					runes = append(runes, r)
					cid[r] = len(runes)
				}
			}
		}
	}
	w := newPDFWriter()
	font := 3
	pageIDs := make([]int, len(pages))
	next := 4
	for i := range pages {
		pageIDs[i] = next
		next += 2 // page, content
	}
	cmapID := next
	descID := next + 1
	kids := make([]string, len(pages))
	for i, id := range pageIDs {
		kids[i] = fmt.Sprintf("%d 0 R", id)
	}
	w.obj(1, "<< /Type /Catalog /Pages 2 0 R >>")
	w.obj(2, fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), len(pages)))
	w.obj(font, fmt.Sprintf("<< /Type /Font /Subtype /Type0 /BaseFont /SimSun /Encoding /Identity-H /DescendantFonts [%d 0 R] /ToUnicode %d 0 R >>", descID, cmapID))
	for i, p := range pages {
		var cs strings.Builder
		cs.WriteString("BT\n/F1 10 Tf\n")
		for j, l := range p {
			x := 50
			for _, cell := range strings.Split(l, "\t") {
				var hex strings.Builder
				for _, r := range cell {
					fmt.Fprintf(&hex, "%04X", cid[r])
				}
				fmt.Fprintf(&cs, "1 0 0 1 %d %d Tm <%s> Tj\n", x, 800-14*j, hex.String())
				x += 10*len([]rune(cell)) + 40
			}
		}
		cs.WriteString("ET\n")
		w.obj(pageIDs[i], fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 %d 0 R >> >> /Contents %d 0 R >>", font, pageIDs[i]+1))
		w.stream(pageIDs[i]+1, "", []byte(cs.String()), true)
	}
	w.stream(cmapID, "", toUnicode(runes), false)
	w.obj(descID, "<< /Type /Font /Subtype /CIDFontType2 /BaseFont /SimSun /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /DW 1000 >>")
	return w.finish(next + 2)
}

// ImagePDF returns a one-page PDF whose page is only an image: a scanned
// document without a text layer.
func ImagePDF() []byte {
	w := newPDFWriter()
	w.obj(1, "<< /Type /Catalog /Pages 2 0 R >>")
	w.obj(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
	w.obj(3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /Im1 5 0 R >> >> /Contents 4 0 R >>")
	w.stream(4, "", []byte("q 500 0 0 700 40 80 cm /Im1 Do Q\n"), true)
	img := bytes.Repeat([]byte{0x80, 0x20, 0xf0, 0x10}, 16) // 8×8 grey pixels
	w.stream(5, "/Type /XObject /Subtype /Image /Width 8 /Height 8 /ColorSpace /DeviceGray /BitsPerComponent 8", img, false)
	return w.finish(6)
}

// toUnicode writes the CMap that maps the 2-byte CIDs to the runes.
func toUnicode(runes []rune) []byte {
	var b strings.Builder
	b.WriteString("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n")
	for start := 0; start < len(runes); start += 100 {
		end := min(start+100, len(runes))
		fmt.Fprintf(&b, "%d beginbfchar\n", end-start)
		for i := start; i < end; i++ {
			r := runes[i]
			var u string
			if r > 0xffff {
				r1, r2 := 0xd800+((r-0x10000)>>10), 0xdc00+((r-0x10000)&0x3ff)
				u = fmt.Sprintf("%04X%04X", r1, r2)
			} else {
				u = fmt.Sprintf("%04X", r)
			}
			fmt.Fprintf(&b, "<%04X> <%s>\n", i+1, u)
		}
		b.WriteString("endbfchar\n")
	}
	b.WriteString("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n")
	return []byte(b.String())
}

// pdfWriter writes objects and the cross-reference table.
type pdfWriter struct {
	buf     bytes.Buffer
	offsets map[int]int
}

func newPDFWriter() *pdfWriter {
	w := &pdfWriter{offsets: map[int]int{}}
	w.buf.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	return w
}

func (w *pdfWriter) obj(id int, body string) {
	w.offsets[id] = w.buf.Len()
	fmt.Fprintf(&w.buf, "%d 0 obj\n%s\nendobj\n", id, body)
}

func (w *pdfWriter) stream(id int, dict string, data []byte, compress bool) {
	filter := ""
	if compress {
		var z bytes.Buffer
		zw := zlib.NewWriter(&z)
		zw.Write(data)
		zw.Close()
		data = z.Bytes()
		filter = " /Filter /FlateDecode"
	}
	w.offsets[id] = w.buf.Len()
	fmt.Fprintf(&w.buf, "%d 0 obj\n<< %s /Length %d%s >>\nstream\n", id, dict, len(data), filter)
	w.buf.Write(data)
	w.buf.WriteString("\nendstream\nendobj\n")
}

// finish writes the xref table for objects 1..size-1 and the trailer.
func (w *pdfWriter) finish(size int) []byte {
	xref := w.buf.Len()
	fmt.Fprintf(&w.buf, "xref\n0 %d\n0000000000 65535 f \n", size)
	for id := 1; id < size; id++ {
		fmt.Fprintf(&w.buf, "%010d 00000 n \n", w.offsets[id])
	}
	fmt.Fprintf(&w.buf, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", size, xref)
	return w.buf.Bytes()
}
