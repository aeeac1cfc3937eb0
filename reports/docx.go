package reports

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// The DOCX notice is minimal Office Open XML (WordprocessingML) written with
// archive/zip and encoding/xml: the office edits, numbers and stamps it in
// Word or WPS. Its layout follows the national format of official
// documents (GB/T 9704) in a compact form: A4, 仿宋 body, 黑体 headings,
// 小标宋 title, the problem list as one table whose header repeats on
// every page.

// Page geometry in twentieths of a point (twips).
const (
	docxPageW   = 11906 // A4
	docxPageH   = 16838
	docxMarginT = 2098 // 37 mm
	docxMarginB = 1984 // 35 mm
	docxMarginL = 1588 // 28 mm
	docxMarginR = 1474 // 26 mm
	docxTextW   = docxPageW - docxMarginL - docxMarginR
)

// Fonts of the document (east-Asian names first; WPS and Word map them).
const (
	fontBody  = "仿宋_GB2312"
	fontHead  = "黑体"
	fontTitle = "方正小标宋简体"
	fontTable = "宋体"
)

// docx accumulates a document body.
type docx struct{ b bytes.Buffer }

// xmlText escapes s for an XML text node or attribute, dropping control
// characters that XML 1.0 forbids.
func xmlText(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' {
			return ' '
		}
		if isBadControl(r) {
			return -1
		}
		return r
	}, s)
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// run writes one run of text in a font and size (half-points).
func (d *docx) run(text, font string, halfPts int, bold bool) {
	d.b.WriteString(`<w:r><w:rPr><w:rFonts w:ascii="` + font + `" w:hAnsi="` + font + `" w:eastAsia="` + font + `"/>`)
	if bold {
		d.b.WriteString(`<w:b/>`)
	}
	fmt.Fprintf(&d.b, `<w:sz w:val="%d"/><w:szCs w:val="%d"/></w:rPr><w:t xml:space="preserve">%s</w:t></w:r>`, halfPts, halfPts, xmlText(text))
}

// paraOpts shape a paragraph.
type paraOpts struct {
	align      string // left (default), center, right, both
	firstLine  bool   // indent the first line by two characters
	font       string
	halfPts    int
	bold       bool
	before     int // spacing before, twips
	after      int // spacing after, twips
	pageBefore bool
	keepNext   bool
}

// para writes one paragraph.
func (d *docx) para(text string, o paraOpts) {
	if o.font == "" {
		o.font = fontBody
	}
	if o.halfPts == 0 {
		o.halfPts = 32 // 三号, 16 pt
	}
	d.b.WriteString(`<w:p><w:pPr>`)
	if o.keepNext {
		d.b.WriteString(`<w:keepNext/>`)
	}
	if o.pageBefore {
		d.b.WriteString(`<w:pageBreakBefore/>`)
	}
	fmt.Fprintf(&d.b, `<w:spacing w:before="%d" w:after="%d" w:line="560" w:lineRule="exact"/>`, o.before, o.after)
	if o.firstLine {
		fmt.Fprintf(&d.b, `<w:ind w:firstLineChars="200" w:firstLine="%d"/>`, o.halfPts*20)
	}
	if o.align != "" {
		d.b.WriteString(`<w:jc w:val="` + o.align + `"/>`)
	}
	d.b.WriteString(`</w:pPr>`)
	if text != "" {
		d.run(text, o.font, o.halfPts, o.bold)
	}
	d.b.WriteString(`</w:p>`)
}

// table writes a bordered table: widths in twips, a header row repeated on
// every page, rows that do not split across pages; center[i] centres
// column i.
func (d *docx) table(widths []int, head []string, rows [][]string, center []bool) {
	d.b.WriteString(`<w:tbl><w:tblPr><w:tblW w:w="0" w:type="auto"/><w:tblLayout w:type="fixed"/><w:tblBorders>`)
	for _, side := range []string{"top", "left", "bottom", "right", "insideH", "insideV"} {
		d.b.WriteString(`<w:` + side + ` w:val="single" w:sz="4" w:space="0" w:color="000000"/>`)
	}
	d.b.WriteString(`</w:tblBorders><w:tblCellMar><w:left w:w="57" w:type="dxa"/><w:right w:w="57" w:type="dxa"/></w:tblCellMar></w:tblPr><w:tblGrid>`)
	for _, w := range widths {
		fmt.Fprintf(&d.b, `<w:gridCol w:w="%d"/>`, w)
	}
	d.b.WriteString(`</w:tblGrid>`)
	row := func(cells []string, header bool) {
		d.b.WriteString(`<w:tr><w:trPr><w:cantSplit/>`)
		if header {
			d.b.WriteString(`<w:tblHeader/>`)
		}
		d.b.WriteString(`</w:trPr>`)
		for i, c := range cells {
			fmt.Fprintf(&d.b, `<w:tc><w:tcPr><w:tcW w:w="%d" w:type="dxa"/><w:vAlign w:val="center"/>`, widths[i])
			if header {
				d.b.WriteString(`<w:shd w:val="clear" w:color="auto" w:fill="F2F2F2"/>`)
			}
			d.b.WriteString(`</w:tcPr><w:p><w:pPr><w:spacing w:before="0" w:after="0" w:line="260" w:lineRule="atLeast"/>`)
			if header || (i < len(center) && center[i]) {
				d.b.WriteString(`<w:jc w:val="center"/>`)
			}
			d.b.WriteString(`</w:pPr>`)
			font := fontTable
			if header {
				font = fontHead
			}
			d.run(c, font, 18, false) // 小五, 9 pt
			d.b.WriteString(`</w:p></w:tc>`)
		}
		d.b.WriteString(`</w:tr>`)
	}
	row(head, true)
	for _, r := range rows {
		row(r, false)
	}
	d.b.WriteString(`</w:tbl>`)
}

// widthsOf scales relative widths to the text width.
func widthsOf(rel ...int) []int {
	sum := 0
	for _, r := range rel {
		sum += r
	}
	out := make([]int, len(rel))
	for i, r := range rel {
		out[i] = docxTextW * r / sum
	}
	return out
}

// WriteDOCX writes the notice as a Word document with the same parts as
// the HTML notice: number, title, addressees, summary, ranking, problems
// by check, rectification requirements, signature and date, and the
// problem list as an annex. No URLs, no draft counts.
func WriteDOCX(w io.Writer, n *Notice) error {
	dd := flatten(n)
	var d docx
	body := paraOpts{firstLine: true, align: "both"}
	head := paraOpts{firstLine: true, font: fontHead, keepNext: true}
	if n.DocNumber != "" {
		d.para(n.DocNumber, paraOpts{align: "center", after: 240})
	}
	d.para(n.Title, paraOpts{align: "center", font: fontTitle, halfPts: 44, after: 240, before: 120})
	d.para(n.Recipients+"：", paraOpts{})
	d.para(n.Summary+"现将有关情况通报如下。", body)

	d.para("一、考核得分及排名", head)
	hdr := []string{"排名", "单位"}
	var rel []int
	var center []bool
	if n.Period.IsYear() {
		hdr = append(hdr, "总分", "一季度", "二季度", "三季度", "四季度", "年终考核")
		rel = []int{5, 18, 7, 7, 7, 7, 7, 8}
	} else {
		hdr = append(hdr, "得分")
		rel = []int{5, 18, 6}
		for _, c := range n.Checks {
			hdr = append(hdr, c.Label)
			rel = append(rel, 7)
		}
		if dd.HasAdjusted {
			hdr = append(hdr, "其他扣分")
			rel = append(rel, 6)
		}
	}
	for i := range hdr {
		center = append(center, i != 1)
	}
	var rows [][]string
	for _, r := range n.Rows {
		row := []string{strconv.Itoa(r.Rank), r.Unit}
		if n.Period.IsYear() {
			row = append(row, FormatPoints(r.Score))
			for _, q := range r.Quarters {
				row = append(row, FormatPoints(q))
			}
			row = append(row, FormatPoints(r.YearEnd))
		} else {
			row = append(row, FormatPoints(r.Score))
			for _, v := range r.Deductions {
				row = append(row, blankZero(v))
			}
			if dd.HasAdjusted {
				row = append(row, blankZero(r.Adjusted))
			}
		}
		rows = append(rows, row)
	}
	d.table(widthsOf(rel...), hdr, rows, center)
	for _, c := range dd.Capped {
		d.para(c+"。", body)
	}

	d.para("二、存在的主要问题", head)
	if len(n.ByCheck) == 0 {
		d.para("本期未发现扣分问题。", body)
	}
	for i, c := range n.ByCheck {
		d.para(fmt.Sprintf("（%s）%s，共%d个。涉及%s。", cnum(i), c.Label, c.Count, strings.Join(c.Units, "、")), body)
	}
	if len(n.ByCheck) > 0 {
		d.para("各单位问题明细见问题清单（附后）。", body)
	}

	d.para("三、整改要求", head)
	d.para(rectifyText(n), body)

	d.para("", paraOpts{})
	d.para(n.Office, paraOpts{align: "right"})
	d.para(n.Date, paraOpts{align: "right"})

	if len(dd.Problems) > 0 {
		d.para("附件", paraOpts{font: fontHead, pageBefore: true})
		d.para(n.Period.Label()+"政务公开工作问题清单", paraOpts{align: "center", font: fontTitle, halfPts: 36, after: 120})
		hdr := []string{"序号", "单位"}
		rel := []int{4, 11}
		if n.Period.IsYear() {
			hdr = append(hdr, "季度")
			rel = append(rel, 6)
		}
		hdr = append(hdr, "问题类型", "栏目", "信息标题", "问题说明", "扣分")
		rel = append(rel, 10, 9, 22, 32, 5)
		var rows [][]string
		for i, p := range dd.Problems {
			row := []string{strconv.Itoa(i + 1), p.Unit}
			if n.Period.IsYear() {
				row = append(row, qshort(p.Quarter))
			}
			title := p.Title
			if title == "" {
				title = "—"
			}
			pts := FormatPoints(p.Points)
			if !p.Counted {
				pts = "不计分"
			}
			rows = append(rows, append(row, p.Short, p.Column, title, p.Plain, pts))
		}
		center := make([]bool, len(hdr))
		center[0], center[len(hdr)-1] = true, true
		d.table(widthsOf(rel...), hdr, rows, center)
	}
	if len(dd.Adjustments) > 0 {
		d.para("其他加减分情况", paraOpts{align: "center", font: fontHead, before: 240, keepNext: true})
		var rows [][]string
		for i, a := range dd.Adjustments {
			v := "扣" + FormatPoints(a.Points)
			if a.Points < 0 {
				v = "加" + FormatPoints(-a.Points)
			}
			rows = append(rows, []string{strconv.Itoa(i + 1), a.Unit, qshort(a.Period), a.Category, a.Reason, v})
		}
		d.table(widthsOf(4, 12, 7, 8, 40, 6), []string{"序号", "单位", "期间", "类别", "事由", "分值"}, rows,
			[]bool{true, false, true, false, false, true})
	}
	return writeDOCXPackage(w, n, d.b.String())
}

// rectifyText is the rectification paragraph shared by HTML and DOCX.
func rectifyText(n *Notice) string {
	var b strings.Builder
	fmt.Fprintf(&b, "请各相关单位对照问题清单逐项整改，于%s前完成，并将整改情况报%s", n.RectifyBy, n.Office)
	if n.Contact != "" {
		b.WriteString("（" + n.Contact + "）")
	}
	b.WriteString("。")
	for i, c := range n.ByCheck {
		if i == 0 {
			b.WriteString("其中，")
		} else {
			b.WriteString("；")
		}
		b.WriteString(c.Label + "的，" + c.Action)
	}
	if len(n.ByCheck) > 0 {
		b.WriteString("。")
	}
	b.WriteString("整改情况将纳入下一季度考核。")
	return b.String()
}

func blankZero(v float64) string {
	if v == 0 {
		return ""
	}
	return FormatPoints(v)
}

const docxContentTypes = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/><Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/></Types>`

const docxRels = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/></Relationships>`

const docxDocRels = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>`

const docxStyles = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii="` + fontBody + `" w:hAnsi="` + fontBody + `" w:eastAsia="` + fontBody + `" w:cs="Times New Roman"/><w:sz w:val="32"/><w:szCs w:val="32"/><w:lang w:val="en-US" w:eastAsia="zh-CN"/></w:rPr></w:rPrDefault><w:pPrDefault><w:pPr><w:spacing w:after="0"/></w:pPr></w:pPrDefault></w:docDefaults><w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/></w:style></w:styles>`

// writeDOCXPackage zips the document parts.
func writeDOCXPackage(w io.Writer, n *Notice, body string) error {
	doc := `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>` + body +
		fmt.Sprintf(`<w:sectPr><w:pgSz w:w="%d" w:h="%d"/><w:pgMar w:top="%d" w:right="%d" w:bottom="%d" w:left="%d" w:header="851" w:footer="992" w:gutter="0"/></w:sectPr>`,
			docxPageW, docxPageH, docxMarginT, docxMarginR, docxMarginB, docxMarginL) +
		`</w:body></w:document>`
	created := n.Generated
	if created.IsZero() {
		created = time.Now()
	}
	core := `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:title>` +
		xmlText(n.Title) + `</dc:title><dc:creator>` + xmlText(n.Office) + `</dc:creator><dc:language>zh-CN</dc:language><dcterms:created xsi:type="dcterms:W3CDTF">` +
		created.UTC().Format(time.RFC3339) + `</dcterms:created></cp:coreProperties>`
	zw := zip.NewWriter(w)
	for _, part := range []struct{ name, data string }{
		{"[Content_Types].xml", docxContentTypes},
		{"_rels/.rels", docxRels},
		{"word/_rels/document.xml.rels", docxDocRels},
		{"word/styles.xml", docxStyles},
		{"word/document.xml", doc},
		{"docProps/core.xml", core},
	} {
		f, err := zw.CreateHeader(&zip.FileHeader{Name: part.name, Method: zip.Deflate, Modified: created})
		if err != nil {
			return fmt.Errorf("write DOCX notice: %w", err)
		}
		if _, err := io.WriteString(f, part.data); err != nil {
			return fmt.Errorf("write DOCX notice: %w", err)
		}
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("write DOCX notice: %w", err)
	}
	return nil
}
