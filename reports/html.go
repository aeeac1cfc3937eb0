package reports

import (
	"embed"
	"fmt"
	"html/template"
	"io"
)

//go:embed templates/*.html templates/*.txt
var templateFS embed.FS

// funcs are the helpers the report templates use.
var funcs = template.FuncMap{
	"pts":     FormatPoints,
	"inc":     func(i int) int { return i + 1 },
	"neg":     func(v float64) float64 { return -v },
	"qlabel":  quarterLabel,
	"qshort":  qshort,
	"cnum":    cnum,
	"rectify": rectifyText,
	// linkable guards every href: only http(s) URLs become links.
	"linkable": linkable,
}

// parseTemplate parses one embedded template.
func parseTemplate(name string) (*template.Template, error) {
	t, err := template.New(name).Funcs(funcs).ParseFS(templateFS, "templates/"+name)
	if err != nil {
		return nil, fmt.Errorf("parse template %s: %w", name, err)
	}
	return t, nil
}

// UnitProblem is a problem of the notice's one problem list, with its unit.
type UnitProblem struct {
	Unit string
	Problem
}

// UnitAdjustment is a manual adjustment with its unit.
type UnitAdjustment struct {
	Unit string
	AdjustmentLine
}

// docData is what the document renderers (HTML, DOCX) print.
type docData struct {
	N           *Notice
	HasAdjusted bool
	Capped      []string
	Problems    []UnitProblem
	Adjustments []UnitAdjustment
}

// flatten lists the notice's problems in ranking order, as one table.
func flatten(n *Notice) docData {
	d := docData{N: n}
	for _, r := range n.Rows {
		if r.Adjusted != 0 {
			d.HasAdjusted = true
		}
		for _, c := range r.Capped {
			d.Capped = append(d.Capped, r.Unit+c)
		}
		for _, p := range r.Problems {
			d.Problems = append(d.Problems, UnitProblem{r.Unit, p})
		}
		for _, a := range r.Adjustments {
			d.Adjustments = append(d.Adjustments, UnitAdjustment{r.Unit, a})
		}
	}
	return d
}

var chineseNums = []string{"一", "二", "三", "四", "五", "六", "七", "八", "九", "十",
	"十一", "十二", "十三", "十四", "十五", "十六", "十七", "十八", "十九", "二十"}

// cnum writes the i-th (0-based) ordinal in Chinese: 一, 二 …
func cnum(i int) string {
	if i >= 0 && i < len(chineseNums) {
		return chineseNums[i]
	}
	return fmt.Sprint(i + 1)
}

// qshort writes a quarter id without its year: "2026Q3" → 三季度,
// "2026Y" → 年终考核.
func qshort(q string) string {
	if len(q) == 6 && (q[4] == 'Q' || q[4] == 'q') && q[5] >= '1' && q[5] <= '4' {
		return chineseNums[q[5]-'1'] + "季度"
	}
	if len(q) == 5 && (q[4] == 'Y' || q[4] == 'y') {
		return "年终考核"
	}
	return quarterLabel(q)
}

// WriteHTML writes the notice as one self-contained HTML document for A4
// print: the number, title, addressees, summary, ranking, problems by
// check, rectification requirements, signature and date, then the one
// problem list as an annex. No external resources, no URLs, no draft
// counts; every string escaped by html/template.
func WriteHTML(w io.Writer, n *Notice) error {
	t, err := parseTemplate("notice.html")
	if err != nil {
		return err
	}
	if err := t.Execute(w, flatten(n)); err != nil {
		return fmt.Errorf("write HTML notice: %w", err)
	}
	return nil
}
