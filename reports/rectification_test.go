package reports

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/govaudit/govaudit/config"
	"github.com/govaudit/govaudit/store"
)

func TestRectificationRecord(t *testing.T) {
	units := []config.Unit{{ID: "u1", Name: "区发改局"}, {ID: "u2", Name: "区教体局"}}
	at := time.Date(2026, 7, 8, 0, 0, 0, 0, cst)
	es := []store.NoticeEntry{
		{Notice: "2026Q2", FindingID: "wor-1", Rule: "wording", Unit: "u2", Title: `=HYPERLINK("x")`, URL: "http://p/a", NotifiedAt: at, Deadline: "2026-07-22", State: store.RectifyFixed, Rectified: "2026-07-20"},
		{Notice: "2026Q2", FindingID: "val-1", Rule: "validity", Unit: "u1", Title: "办法", NotifiedAt: at, Deadline: "2026-07-22", State: store.RectifyOverdue},
		{Notice: "2026Q2", FindingID: "mis-1", Rule: "missing-attachment", Unit: "u1", Title: "通知", NotifiedAt: at, Deadline: "2026-07-22", State: store.RectifyLate, Rectified: "2026-07-30"},
		{Notice: "2026Q1", FindingID: "mis-0", Rule: "missing-attachment", Unit: "u1", NotifiedAt: at, Deadline: "2026-04-22", State: store.RectifyFixed},
		{Notice: "2026Q2", FindingID: "x-1", Rule: "catalog", Unit: "u9", Subject: "u9:事项", NotifiedAt: at, Deadline: "2026-07-22"},
	}
	q3, _ := ParseQuarter("2026Q3")
	rec := RectificationRecord(es, units, q3)
	if len(rec) != 3 || rec[0].Unit != "区发改局" || rec[1].Unit != "区教体局" || rec[2].UnitID != "u9" {
		t.Fatalf("record %+v", rec)
	}
	if s := rec[0].Summary(); s != "通报问题 2 项，逾期整改 1 项，逾期未整改 1 项" {
		t.Errorf("summary %q", s)
	}
	if rec[1].Lines[0].State != "已整改（2026-07-20）" || rec[2].Lines[0].Title != "u9:事项" || rec[2].Lines[0].State != "整改中" {
		t.Errorf("lines %+v %+v", rec[1].Lines, rec[2].Lines)
	}
	year, _ := YearPeriod(2026)
	if got := RectificationRecord(es, units, year); len(got) != 3 || len(got[0].Lines) != 3 {
		t.Errorf("year record %+v", got)
	}

	n := &Notice{Period: q3, Title: "通报", Rectification: rec}
	var buf bytes.Buffer
	if err := WriteXLSX(&buf, n); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := f.GetRows(SheetRectification)
	if err != nil || len(rows) != 5 || rows[0][6] != "整改情况" {
		t.Fatalf("sheet rows %v %v", rows, err)
	}
	for _, r := range rows {
		for _, c := range r {
			if strings.HasPrefix(c, "=") {
				t.Errorf("formula-like cell %q", c)
			}
		}
	}
}
