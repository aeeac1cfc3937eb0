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
	"pts":    FormatPoints,
	"inc":    func(i int) int { return i + 1 },
	"neg":    func(v float64) float64 { return -v },
	"qlabel": quarterLabel,
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

// chart is the inline SVG bar chart of the ranking.
type chart struct {
	Width, Height, LabelW, BarH float64
	Bars                        []bar
}

type bar struct {
	Label               string
	Score               float64
	Y, W, TextY, ValueX float64
	Fill                string
}

func rankingChart(n *Notice) chart {
	const width, labelW, barH, gap, valueW = 600.0, 110.0, 10.0, 3.0, 30.0
	c := chart{Width: width, LabelW: labelW, BarH: barH}
	maxScore := n.Max
	for _, r := range n.Rows {
		if r.Score > maxScore {
			maxScore = r.Score
		}
	}
	span := width - labelW - valueW
	for i, r := range n.Rows {
		y := float64(i)*(barH+gap) + gap
		w := 0.0
		if maxScore > 0 {
			w = round2(span * r.Score / maxScore)
		}
		fill := "#4a6fa5"
		if r.Score < 0.6*n.Max {
			fill = "#b5493c"
		}
		c.Bars = append(c.Bars, bar{Label: r.Unit, Score: r.Score, Y: y, W: w,
			TextY: y + barH - 1.5, ValueX: labelW + w, Fill: fill})
	}
	c.Height = float64(len(n.Rows))*(barH+gap) + gap
	return c
}

// WriteHTML writes the notice as one self-contained HTML page for A4 print:
// no external resources, every string escaped by html/template.
func WriteHTML(w io.Writer, n *Notice) error {
	t, err := parseTemplate("notice.html")
	if err != nil {
		return err
	}
	var clean []string
	var with []Row
	for _, r := range n.Rows {
		if len(r.Problems) == 0 && len(r.Adjustments) == 0 && len(r.Capped) == 0 {
			clean = append(clean, r.Unit)
			continue
		}
		with = append(with, r)
	}
	data := struct {
		N            *Notice
		Generated    string
		Chart        chart
		Clean        []string
		WithProblems []Row
	}{n, n.Generated.In(cst).Format("2006-01-02 15:04"), rankingChart(n), clean, with}
	if err := t.Execute(w, data); err != nil {
		return fmt.Errorf("write HTML notice: %w", err)
	}
	return nil
}
