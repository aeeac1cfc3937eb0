package reports

import (
	"fmt"
	"io"
	"strings"
	"unicode"

	"github.com/xuri/excelize/v2"
)

// Sheet names of the XLSX notice.
const (
	SheetRanking     = "排名"
	SheetProblems    = "问题清单"
	SheetAdjustments = "人工调整"
)

// xlsxFont is the Chinese font of the workbook.
const xlsxFont = "宋体"

// safeCell makes untrusted text safe as a spreadsheet cell: control
// characters other than newline and tab are dropped (a carriage return
// too), then a value that a spreadsheet could read as a formula (starting
// with = + - @, also after leading white space or in full-width form, or
// with a tab) is prefixed with an apostrophe so that it stays text.
func safeCell(s string) string {
	if strings.IndexFunc(s, isBadControl) >= 0 {
		s = strings.Map(func(r rune) rune {
			if isBadControl(r) {
				return -1
			}
			return r
		}, s)
	}
	if s == "" {
		return s
	}
	if s[0] == '\t' {
		return "'" + s
	}
	if t := strings.TrimLeftFunc(s, unicode.IsSpace); t != "" && strings.ContainsRune("=+-@＝＋－＠", []rune(t)[0]) {
		return "'" + s
	}
	return s
}

func isBadControl(r rune) bool {
	return (r < 0x20 && r != '\n' && r != '\t') || r == 0x7f || r == 0xfffe || r == 0xffff
}

// linkable reports whether u may become a clickable hyperlink.
func linkable(u string) bool {
	l := strings.ToLower(u)
	return strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://")
}

// rankingHeader returns the ranking sheet's header row.
func rankingHeader(n *Notice) []string {
	h := []string{"排名", "单位"}
	if n.Period.IsYear() {
		return append(h, "一季度", "二季度", "三季度", "四季度", "年终考核", "总分", "待审核")
	}
	h = append(h, "得分")
	for _, c := range n.Checks {
		h = append(h, c.Label)
	}
	return append(h, "人工调整", "待审核")
}

// rankingRow returns one unit's values in rankingHeader's order; numbers
// stay numbers.
func rankingRow(n *Notice, r Row) []any {
	v := []any{r.Rank, r.Unit}
	if n.Period.IsYear() {
		for _, q := range r.Quarters {
			v = append(v, q)
		}
		return append(v, r.YearEnd, r.Score, r.Drafts)
	}
	v = append(v, r.Score)
	for _, d := range r.Deductions {
		v = append(v, d)
	}
	return append(v, r.Adjusted, r.Drafts)
}

var problemHeader = []string{"单位", "排名", "季度", "问题类型", "栏目", "信息标题", "链接", "日期", "情况说明", "扣分", "是否计分"}

var adjustmentHeader = []string{"单位", "期间", "类别", "事由", "录入人", "录入时间", "分值（扣分为正、加分为负）"}

// WriteXLSX writes the notice as an XLSX workbook: a ranking sheet, a
// problem-list sheet and an adjustments sheet, each with a frozen header
// row, column widths and a Chinese font; numbers are numeric cells and
// every text cell is made formula-safe.
func WriteXLSX(w io.Writer, n *Notice) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := writeXLSX(f, n); err != nil {
		return fmt.Errorf("write XLSX notice: %w", err)
	}
	if _, err := f.WriteTo(w); err != nil {
		return fmt.Errorf("write XLSX notice: %w", err)
	}
	return nil
}

func writeXLSX(f *excelize.File, n *Notice) error {
	if err := f.SetDefaultFont(xlsxFont); err != nil {
		return err
	}
	if err := f.SetDocProps(&excelize.DocProperties{Title: safeCell(n.Site + " " + n.Title), Creator: "govaudit", Language: "zh-CN"}); err != nil {
		return err
	}
	st, err := newXLSXStyles(f)
	if err != nil {
		return err
	}
	if err := f.SetSheetName("Sheet1", SheetRanking); err != nil {
		return err
	}
	for _, name := range []string{SheetProblems, SheetAdjustments} {
		if _, err := f.NewSheet(name); err != nil {
			return err
		}
	}

	// Ranking.
	hdr := rankingHeader(n)
	widths := []float64{6, 22}
	for len(widths) < len(hdr) {
		widths = append(widths, 11)
	}
	rows := make([][]any, 0, len(n.Rows))
	for _, r := range n.Rows {
		row := rankingRow(n, r)
		for i, v := range row {
			switch x := v.(type) {
			case string:
				row[i] = excelize.Cell{StyleID: st.text, Value: safeCell(x)}
			default:
				row[i] = excelize.Cell{StyleID: st.num, Value: x}
			}
		}
		rows = append(rows, row)
	}
	if err := writeSheet(f, SheetRanking, hdr, widths, st.head, rows); err != nil {
		return err
	}

	// Problem list.
	rows = rows[:0]
	for _, r := range n.Rows {
		for _, p := range r.Problems {
			counted := "是"
			if !p.Counted {
				counted = "否"
			}
			rows = append(rows, []any{
				excelize.Cell{StyleID: st.text, Value: safeCell(r.Unit)},
				excelize.Cell{StyleID: st.num, Value: r.Rank},
				excelize.Cell{StyleID: st.text, Value: quarterLabel(p.Quarter)},
				excelize.Cell{StyleID: st.text, Value: safeCell(p.Check)},
				excelize.Cell{StyleID: st.text, Value: safeCell(p.Column)},
				excelize.Cell{StyleID: st.text, Value: safeCell(p.Title)},
				linkCell(p.URL, st),
				excelize.Cell{StyleID: st.text, Value: safeCell(p.Dates)},
				excelize.Cell{StyleID: st.text, Value: safeCell(p.Evidence)},
				excelize.Cell{StyleID: st.num, Value: p.Points},
				excelize.Cell{StyleID: st.text, Value: counted},
			})
		}
	}
	if err := writeSheet(f, SheetProblems, problemHeader, []float64{18, 6, 14, 16, 16, 44, 36, 24, 44, 7, 9}, st.head, rows); err != nil {
		return err
	}

	// Adjustments.
	rows = rows[:0]
	for _, r := range n.Rows {
		for _, a := range r.Adjustments {
			rows = append(rows, []any{
				excelize.Cell{StyleID: st.text, Value: safeCell(r.Unit)},
				excelize.Cell{StyleID: st.text, Value: quarterLabel(a.Period)},
				excelize.Cell{StyleID: st.text, Value: safeCell(a.Category)},
				excelize.Cell{StyleID: st.text, Value: safeCell(a.Reason)},
				excelize.Cell{StyleID: st.text, Value: safeCell(a.By)},
				excelize.Cell{StyleID: st.text, Value: a.At.In(cst).Format("2006-01-02 15:04")},
				excelize.Cell{StyleID: st.num, Value: a.Points},
			})
		}
	}
	if err := writeSheet(f, SheetAdjustments, adjustmentHeader, []float64{18, 14, 10, 50, 10, 17, 12}, st.head, rows); err != nil {
		return err
	}
	return writeRectificationSheet(f, n, st) // issue 15: rectification.go
}

// printSetup makes a sheet printable and filterable: an autofilter on the
// header row, the header repeated on every printed page, A4 landscape
// fitted to one page wide.
// It is called before the sheet is streamed (the stream writer keeps the
// settings made before it starts).
func printSetup(f *excelize.File, sheet string, cols, rows int) error {
	end, err := excelize.CoordinatesToCellName(cols, max(rows+1, 2))
	if err != nil {
		return err
	}
	if err := f.AutoFilter(sheet, "A1:"+end, nil); err != nil {
		return err
	}
	if err := f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Titles", RefersTo: "'" + sheet + "'!$1:$1", Scope: sheet}); err != nil {
		return err
	}
	if err := f.SetSheetProps(sheet, &excelize.SheetPropsOptions{FitToPage: ptr(true)}); err != nil {
		return err
	}
	return f.SetPageLayout(sheet, &excelize.PageLayoutOptions{
		Size: ptr(9), Orientation: ptr("landscape"), FitToWidth: ptr(1), FitToHeight: ptr(0),
	})
}

// xlsxStyles are the cell styles of the notice workbook.
type xlsxStyles struct{ head, text, num, link int }

func newXLSXStyles(f *excelize.File) (xlsxStyles, error) {
	var st xlsxStyles
	var err error
	font := func(bold bool, color, underline string) *excelize.Font {
		return &excelize.Font{Bold: bold, Family: xlsxFont, Size: 11, Color: color, Underline: underline}
	}
	top := &excelize.Alignment{Vertical: "top", WrapText: true}
	if st.head, err = f.NewStyle(&excelize.Style{
		Font:      font(true, "", ""),
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDDDDD"}},
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true},
		Border:    []excelize.Border{{Type: "bottom", Color: "000000", Style: 1}},
	}); err != nil {
		return st, err
	}
	if st.text, err = f.NewStyle(&excelize.Style{Font: font(false, "", ""), Alignment: top}); err != nil {
		return st, err
	}
	if st.num, err = f.NewStyle(&excelize.Style{Font: font(false, "", ""), Alignment: &excelize.Alignment{Vertical: "top"},
		CustomNumFmt: ptr("0.##")}); err != nil {
		return st, err
	}
	if st.link, err = f.NewStyle(&excelize.Style{Font: font(false, "1F4E9E", "single"), Alignment: top}); err != nil {
		return st, err
	}
	return st, nil
}

// linkCell returns the cell of a link: a HYPERLINK formula whose cached
// value is the URL, for an http(s) URL that fits in a formula string (its
// quotes doubled, so it cannot break out of the string); else plain,
// formula-safe text. (excelize's stream writer has no cell hyperlinks,
// and its normal mode adds them in quadratic time.)
func linkCell(u string, st xlsxStyles) excelize.Cell {
	if linkable(u) && len(u) <= 255 && strings.IndexFunc(u, isBadControl) < 0 && !strings.ContainsAny(u, "\n\t") {
		return excelize.Cell{StyleID: st.link, Formula: `HYPERLINK("` + strings.ReplaceAll(u, `"`, `""`) + `")`, Value: u}
	}
	return excelize.Cell{StyleID: st.text, Value: safeCell(u)}
}

// writeSheet streams a sheet: print setup and autofilter, a frozen, styled
// header row, column widths, then the rows.
func writeSheet(f *excelize.File, sheet string, hdr []string, widths []float64, headStyle int, rows [][]any) error {
	if err := printSetup(f, sheet, len(hdr), len(rows)); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	for i, w := range widths {
		if err := sw.SetColWidth(i+1, i+1, w); err != nil {
			return err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	head := make([]any, len(hdr))
	for i, h := range hdr {
		head[i] = excelize.Cell{StyleID: headStyle, Value: safeCell(h)}
	}
	if err := sw.SetRow("A1", head, excelize.RowOpts{Height: 30}); err != nil {
		return err
	}
	for i, r := range rows {
		cell, err := excelize.CoordinatesToCellName(1, i+2)
		if err != nil {
			return err
		}
		if err := sw.SetRow(cell, r); err != nil {
			return err
		}
	}
	return sw.Flush()
}

func ptr[T any](v T) *T { return &v }

// SafeCell makes untrusted text safe as a spreadsheet or CSV cell (see
// safeCell), for other packages' exports.
func SafeCell(s string) string { return safeCell(s) }
