package reports

import (
	"fmt"
	"slices"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/govaudit/govaudit/config"
	"github.com/govaudit/govaudit/store"
)

// RectifyUnit is one unit's rectification record (整改情况) in a notice:
// the findings earlier notices listed and what became of them.
type RectifyUnit struct {
	UnitID string
	Unit   string
	Lines  []RectifyLine
	// Counts by state.
	Fixed, Late, Overdue, Pending, Unknown int
}

// RectifyLine is one listed finding and its rectification state.
type RectifyLine struct {
	FindingID string
	Notice    string // the notice that listed it, e.g. 2026Q2
	Check     string // Chinese name of the check
	Title     string
	URL       string
	Deadline  string
	State     string // in Chinese, with the rectification date
}

// RectifyStateLabel renders a notice entry's state in Chinese.
func RectifyStateLabel(e store.NoticeEntry) string {
	switch e.State {
	case store.RectifyFixed:
		return "已整改（" + e.Rectified + "）"
	case store.RectifyLate:
		return "逾期整改（" + e.Rectified + "）"
	case store.RectifyOverdue:
		return "逾期未整改"
	case store.RectifyUnknown:
		return "未能复查"
	case store.RectifyNotFound:
		return "问题已撤销"
	}
	return "整改中"
}

// RectificationRecord returns, per unit in the order of units, the
// entries of the notices a notice of period p reports on: for a quarter,
// the previous quarter's notice; for a year, the notices of its quarters
// and of the quarter before it. Units without entries are left out.
func RectificationRecord(entries []store.NoticeEntry, units []config.Unit, p Period) []RectifyUnit {
	var notices []string
	if p.IsYear() {
		notices = append(notices, fmt.Sprintf("%dQ4", p.Year-1))
		notices = append(notices, p.Quarters()[:3]...)
	} else {
		prev := Period{Year: p.Year, Quarter: p.Quarter - 1}
		if prev.Quarter == 0 {
			prev = Period{Year: p.Year - 1, Quarter: 4}
		}
		notices = []string{prev.String()}
	}
	byUnit := map[string]*RectifyUnit{}
	for _, e := range entries {
		if !slices.Contains(notices, e.Notice) {
			continue
		}
		ru := byUnit[e.Unit]
		if ru == nil {
			ru = &RectifyUnit{UnitID: e.Unit, Unit: e.Unit}
			byUnit[e.Unit] = ru
		}
		switch e.State {
		case store.RectifyFixed:
			ru.Fixed++
		case store.RectifyLate:
			ru.Late++
		case store.RectifyOverdue:
			ru.Overdue++
		case store.RectifyUnknown, store.RectifyNotFound:
			ru.Unknown++
		default:
			ru.Pending++
		}
		title := e.Title
		if title == "" {
			title = e.Subject
		}
		ru.Lines = append(ru.Lines, RectifyLine{FindingID: e.FindingID, Notice: e.Notice, Check: CheckLabel(e.Rule),
			Title: title, URL: e.URL, Deadline: e.Deadline, State: RectifyStateLabel(e)})
	}
	var out []RectifyUnit
	for _, u := range units {
		if ru := byUnit[u.ID]; ru != nil {
			ru.Unit = u.Name
			out = append(out, *ru)
			delete(byUnit, u.ID)
		}
	}
	var rest []string
	for id := range byUnit {
		rest = append(rest, id)
	}
	slices.Sort(rest)
	for _, id := range rest {
		out = append(out, *byUnit[id])
	}
	return out
}

// Summary is one line of a unit's record, e.g. "整改 3 项，逾期整改 1 项，逾期未整改 1 项".
func (r RectifyUnit) Summary() string {
	parts := []string{fmt.Sprintf("通报问题 %d 项", len(r.Lines))}
	for _, c := range []struct {
		n     int
		label string
	}{{r.Fixed, "按期整改"}, {r.Late, "逾期整改"}, {r.Overdue, "逾期未整改"}, {r.Pending, "整改中"}, {r.Unknown, "未能复查"}} {
		if c.n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d 项", c.label, c.n))
		}
	}
	return strings.Join(parts, "，")
}

// SheetRectification is the notice workbook's sheet of the rectification
// record (only when there is one).
const SheetRectification = "整改情况"

// writeRectificationSheet adds the rectification record to the notice
// workbook.
func writeRectificationSheet(f *excelize.File, n *Notice, st xlsxStyles) error {
	if len(n.Rectification) == 0 {
		return nil
	}
	if _, err := f.NewSheet(SheetRectification); err != nil {
		return err
	}
	var rows [][]any
	for _, u := range n.Rectification {
		for _, l := range u.Lines {
			rows = append(rows, []any{
				excelize.Cell{StyleID: st.text, Value: safeCell(u.Unit)},
				excelize.Cell{StyleID: st.text, Value: quarterLabel(l.Notice)},
				excelize.Cell{StyleID: st.text, Value: safeCell(l.Check)},
				excelize.Cell{StyleID: st.text, Value: safeCell(l.Title)},
				linkCell(l.URL, st),
				excelize.Cell{StyleID: st.text, Value: l.Deadline},
				excelize.Cell{StyleID: st.text, Value: safeCell(l.State)},
			})
		}
	}
	hdr := []string{"单位", "通报", "问题类型", "信息标题", "链接", "整改期限", "整改情况"}
	return writeSheet(f, SheetRectification, hdr, []float64{18, 14, 16, 44, 36, 12, 20}, st.head, rows)
}
