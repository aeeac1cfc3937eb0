package reports

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
)

// bom makes Excel read a CSV file as UTF-8.
const bom = "\ufeff"

// WriteRankingCSV writes the ranking as CSV (UTF-8 with a byte-order mark);
// text cells are formula-safe.
func WriteRankingCSV(w io.Writer, n *Notice) error {
	if _, err := io.WriteString(w, bom); err != nil {
		return fmt.Errorf("write ranking CSV: %w", err)
	}
	cw := csv.NewWriter(w)
	hdr := rankingHeader(n)
	for i := range hdr {
		hdr[i] = safeCell(hdr[i])
	}
	_ = cw.Write(hdr)
	for _, r := range n.Rows {
		vals := rankingRow(n, r)
		rec := make([]string, len(vals))
		for i, v := range vals {
			rec[i] = csvValue(v)
		}
		_ = cw.Write(rec)
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write ranking CSV: %w", err)
	}
	return nil
}

// WriteProblemsCSV writes every unit's problem list, then the manual
// adjustments, as CSV (UTF-8 with a byte-order mark); text cells are
// formula-safe.
func WriteProblemsCSV(w io.Writer, n *Notice) error {
	if _, err := io.WriteString(w, bom); err != nil {
		return fmt.Errorf("write problems CSV: %w", err)
	}
	cw := csv.NewWriter(w)
	_ = cw.Write(problemHeader)
	for _, r := range n.Rows {
		for _, p := range r.Problems {
			counted := "是"
			if !p.Counted {
				counted = "否"
			}
			_ = cw.Write([]string{safeCell(r.Unit), strconv.Itoa(r.Rank), quarterLabel(p.Quarter), safeCell(p.Check),
				safeCell(p.Column), safeCell(p.Title), safeCell(p.URL), safeCell(p.Dates), safeCell(p.Evidence),
				FormatPoints(p.Points), counted})
		}
		for _, a := range r.Adjustments {
			_ = cw.Write([]string{safeCell(r.Unit), strconv.Itoa(r.Rank), quarterLabel(a.Period), safeCell("人工调整·" + a.Category),
				"", safeCell(a.Reason), "", a.At.In(cst).Format("2006-01-02"), safeCell("录入人：" + a.By),
				FormatPoints(a.Points), "是"})
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write problems CSV: %w", err)
	}
	return nil
}

func csvValue(v any) string {
	switch x := v.(type) {
	case string:
		return safeCell(x)
	case int:
		return strconv.Itoa(x)
	case float64:
		return FormatPoints(x)
	}
	return safeCell(fmt.Sprint(v))
}
