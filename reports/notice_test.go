package reports

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/govaudit/govaudit/config"
	"github.com/govaudit/govaudit/store"
	"github.com/xuri/excelize/v2"
)

const evilTitle = `<script>alert("x")</script>通知`

// fixtureInput is a quarter with deductions for a few of the 46 units,
// hostile titles, a draft and an adjustment.
func fixtureInput(t testing.TB) Input {
	t.Helper()
	units := config.DefaultUnits()
	p, err := ParseQuarter("2026Q3")
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 10, 9, 10, 0, 0, 0, cst)
	f := func(unit, rule, title, url string, points float64, status string) store.Finding {
		return store.Finding{ID: store.FindingID(rule, url+title), Rule: rule, Unit: unit, Column: unit + "/政策文件",
			URL: url, Title: title, Quarter: "2026Q3", Points: points, Status: status, Scoring: true, DetectedAt: at,
			Evidence: store.Evidence{Text: "成文后第 25 个工作日发布，超过 20 个工作日", Dates: map[string]string{"written": "2026-06-01", "published": "2026-07-08"}}}
	}
	return Input{
		Period: p, Site: "临淄区人民政府", Units: units, Generated: at,
		Columns: map[string]string{"lzqzjj/政策文件": "政策文件"},
		Scoring: config.Scoring{Caps: map[string]float64{"timeliness": 5}},
		Findings: []store.Finding{
			f("lzqzjj", "timeliness", evilTitle, "http://www.linzi.gov.cn/gongkai/doc_1.html", 1, store.StatusConfirmed),
			f("lzqzjj", "timeliness", "=HYPERLINK(\"http://evil\",\"点我\")", "http://www.linzi.gov.cn/gongkai/doc_2.html", 1, store.StatusConfirmed),
			f("lzqzjj", "missing-attachment", "+关于印发的通知", "javascript:alert(1)", 0.5, store.StatusConfirmed),
			f("lzqfgj", "mailbox-reply", "-来信", "http://www.linzi.gov.cn/xx/1.html", 1, store.StatusConfirmed),
			f("lzqfgj", "mailbox-reply", "@来信", "http://www.linzi.gov.cn/xx/2.html", 1, store.StatusDraft),
			f("lzqjtj", "mailbox-reply", "来信", "http://www.linzi.gov.cn/xx/3.html", 2, store.StatusConfirmed),
		},
		Adjustments: []store.Adjustment{{ID: "adj-000001", Unit: "lzqkjj", Period: "2026Q3", Points: 2,
			Category: store.CategoryRectification, Reason: "=未按期整改<b>", By: "王五", At: at}},
	}
}

func TestBuildNotice(t *testing.T) {
	n, err := Build(fixtureInput(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(n.Rows) != 46 {
		t.Fatalf("%d rows, want 46", len(n.Rows))
	}
	want := []struct {
		unit  string
		rank  int
		score float64
	}{{"区住建局", 44, 17.5}, {"区发改局", 45, 19 - 1 + 1 - 1}, {"区教体局", 44, 18}, {"区科技局", 44, 18}}
	_ = want
	got := map[string]Row{}
	for _, r := range n.Rows {
		got[r.Unit] = r
	}
	checks := []struct {
		unit   string
		score  float64
		rank   int
		drafts int
		probs  int
	}{
		{"区住建局", 17.5, 46, 0, 3},
		{"区教体局", 18, 44, 0, 1},
		{"区科技局", 18, 44, 0, 0},
		{"区发改局", 19, 43, 1, 1},
		{"区政府办公室", 20, 1, 0, 0},
		{"金山镇", 20, 1, 0, 0},
	}
	for _, c := range checks {
		r := got[c.unit]
		if r.Score != c.score || r.Rank != c.rank || r.Drafts != c.drafts || len(r.Problems) != c.probs {
			t.Errorf("%s: score %v rank %d drafts %d problems %d, want %v %d %d %d",
				c.unit, r.Score, r.Rank, r.Drafts, len(r.Problems), c.score, c.rank, c.drafts, c.probs)
		}
	}
	if n.Drafts != 1 {
		t.Errorf("drafts %d, want 1", n.Drafts)
	}
	if len(n.Checks) != 3 || n.Checks[0].Rule != "timeliness" || n.Checks[0].Cap != 5 {
		t.Errorf("checks %+v", n.Checks)
	}
}

func TestHTMLNotice(t *testing.T) {
	n, err := Build(fixtureInput(t))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := WriteHTML(&b, n); err != nil {
		t.Fatal(err)
	}
	html := b.String()
	for _, u := range config.DefaultUnits() {
		if !strings.Contains(html, u.Name) {
			t.Errorf("HTML lacks unit %s", u.Name)
		}
	}
	for _, bad := range []string{"<script>", `href="javascript:`, "未按期整改<b>", "http://evil\""} {
		if strings.Contains(html, bad) {
			t.Errorf("HTML contains unescaped %q", bad)
		}
	}
	for _, good := range []string{"&lt;script&gt;", "@page", "size: A4", "未按期整改&lt;b&gt;", "2026年第三季度",
		"整改要求", "前完成", n.Office, n.Date, "问题清单"} {
		if !strings.Contains(html, good) {
			t.Errorf("HTML lacks %q", good)
		}
	}
	// No external resources.
	for _, ext := range []string{"<link", "src=", "@import", "url("} {
		if strings.Contains(html, ext) {
			t.Errorf("HTML refers to an external resource: %q", ext)
		}
	}
	// A document: no links, URLs or draft counts; one problem table, not a
	// page per unit.
	for _, bad := range []string{"<a ", "http://www.linzi.gov.cn/", "待审核", `class="unit"`} {
		if strings.Contains(html, bad) {
			t.Errorf("the printed notice contains %q", bad)
		}
	}
	if c := strings.Count(html, `<table class="problems">`); c != 1 {
		t.Errorf("%d problem tables, want 1", c)
	}
}

// noticeXLSX builds the notice of in and opens its XLSX rendering; the
// file is closed when the test ends.
func noticeXLSX(t *testing.T, in Input) *excelize.File {
	t.Helper()
	n, err := Build(in)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := WriteXLSX(&b, n); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&b)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func TestXLSXNotice(t *testing.T) {
	f := noticeXLSX(t, fixtureInput(t))
	if got := f.GetSheetList(); strings.Join(got, ",") != "排名,问题清单,人工调整" {
		t.Fatalf("sheets %v", got)
	}
	for _, sh := range f.GetSheetList() {
		p, err := f.GetPanes(sh)
		if err != nil || !p.Freeze || p.YSplit != 1 || p.TopLeftCell != "A2" {
			t.Errorf("%s: panes %+v %v, want the header row frozen", sh, p, err)
		}
	}
	rows, err := f.GetRows(SheetRanking)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 47 || rows[0][0] != "排名" || rows[0][2] != "得分" {
		t.Fatalf("ranking: %d rows, header %v", len(rows), rows[0])
	}
	// Numbers are numbers.
	for _, cell := range []string{"A2", "C2", "C47"} {
		typ, err := f.GetCellType(SheetRanking, cell)
		if err != nil || typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset {
			t.Errorf("ranking %s: type %v %v, want a number", cell, typ, err)
		}
		v, _ := f.GetCellValue(SheetRanking, cell, excelize.Options{RawCellValue: true})
		if _, err := fmt.Sscanf(v, "%g", new(float64)); err != nil {
			t.Errorf("ranking %s = %q, not numeric", cell, v)
		}
	}
	if w, _ := f.GetColWidth(SheetRanking, "B"); w != 22 {
		t.Errorf("ranking column B width %v", w)
	}
	if last := rows[46]; last[1] != "区住建局" || last[2] != "17.5" {
		t.Errorf("last ranking row %v", last)
	}
	probs, err := f.GetRows(SheetProblems)
	if err != nil {
		t.Fatal(err)
	}
	if len(probs) != 1+5 {
		t.Fatalf("problem sheet: %d rows, want 6", len(probs))
	}
	found := 0
	for i, r := range probs[1:] {
		row := i + 2
		title := r[5]
		switch {
		case strings.HasPrefix(title, "'=HYPERLINK"), strings.HasPrefix(title, "'+关于"), strings.HasPrefix(title, "'-来信"):
			found++
			cell := fmt.Sprintf("F%d", row)
			if fm, _ := f.GetCellFormula(SheetProblems, cell); fm != "" {
				t.Errorf("%s became a formula: %q", cell, fm)
			}
			if typ, _ := f.GetCellType(SheetProblems, cell); typ == excelize.CellTypeFormula || typ == excelize.CellTypeNumber {
				t.Errorf("%s type %v, want text", cell, typ)
			}
		case strings.HasPrefix(title, "=") || strings.HasPrefix(title, "+") || strings.HasPrefix(title, "-"):
			t.Errorf("unsafe cell F%d = %q", row, title)
		}
		if typ, _ := f.GetCellType(SheetProblems, fmt.Sprintf("J%d", row)); typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset {
			t.Errorf("points J%d type %v, want a number", row, typ)
		}
		link := fmt.Sprintf("G%d", row)
		fm, _ := f.GetCellFormula(SheetProblems, link)
		if strings.HasPrefix(r[6], "http") {
			if want := `HYPERLINK("` + r[6] + `")`; fm != want {
				t.Errorf("%s formula %q, want %q", link, fm, want)
			}
		} else if fm != "" {
			t.Errorf("%s: non-http URL %q became a formula %q", link, r[6], fm)
		}
	}
	if found != 3 {
		t.Errorf("%d formula-like titles kept as text, want 3", found)
	}
	style, _ := f.GetCellStyle(SheetProblems, "A2")
	st, _ := f.GetStyle(style)
	if df, _ := f.GetDefaultFont(); df != xlsxFont && (st == nil || st.Font == nil || st.Font.Family != xlsxFont) {
		t.Errorf("no Chinese font: default %q", df)
	}
	adjRows, _ := f.GetRows(SheetAdjustments)
	if len(adjRows) != 2 || adjRows[1][3] != "'=未按期整改<b>" {
		t.Errorf("adjustments sheet %v", adjRows)
	}
}

func TestCSVNotice(t *testing.T) {
	n, err := Build(fixtureInput(t))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	paths, err := WriteFiles(dir, n, []string{"html", "xlsx", "csv"})
	if err != nil {
		t.Fatal(err)
	}
	names := []string{"2026Q3-通报.html", "2026Q3-通报.xlsx", "2026Q3-排名.csv", "2026Q3-问题清单.csv"}
	if len(paths) != len(names) {
		t.Fatalf("wrote %v", paths)
	}
	for i, p := range paths {
		if filepath.Base(p) != names[i] {
			t.Errorf("file %d = %s, want %s", i, filepath.Base(p), names[i])
		}
	}
	data, err := os.ReadFile(filepath.Join(dir, "2026Q3-问题清单.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(data, []byte("\xef\xbb\xbf")) {
		t.Fatal("CSV lacks the UTF-8 BOM")
	}
	recs, err := csv.NewReader(bytes.NewReader(data[3:])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1+5+1 {
		t.Fatalf("%d CSV records, want 7", len(recs))
	}
	for _, r := range recs {
		for _, c := range r {
			if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
				t.Errorf("CSV cell %q can become a formula", c)
			}
		}
	}
	if !bytes.Contains(data, []byte(`'=HYPERLINK(""http://evil""`)) {
		t.Errorf("CSV lost the escaped formula-like title:\n%s", data)
	}
	rank, err := os.ReadFile(filepath.Join(dir, "2026Q3-排名.csv"))
	if err != nil {
		t.Fatal(err)
	}
	rrecs, err := csv.NewReader(bytes.NewReader(rank[3:])).ReadAll()
	if err != nil || len(rrecs) != 47 {
		t.Fatalf("ranking CSV: %d records, %v", len(rrecs), err)
	}
}

func TestSafeCell(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""}, {"通知", "通知"}, {"=1+1", "'=1+1"}, {"+86", "'+86"}, {"-2", "'-2"}, {"@SUM(A1)", "'@SUM(A1)"},
		{"\t=1", "'\t=1"}, {"\r=1", "'=1"}, {"a\x00b\x07c", "abc"}, {"a=b", "a=b"},
	}
	for _, tt := range tests {
		if got := safeCell(tt.in); got != tt.want {
			t.Errorf("safeCell(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestYearNotice(t *testing.T) {
	in := fixtureInput(t)
	in.Period = Period{Year: 2026}
	in.Adjustments = append(in.Adjustments, store.Adjustment{ID: "adj-2", Unit: "lzqcl", Period: "2026Y", Points: -2,
		Category: store.CategoryBonus, Reason: "创新举措获市级推介", By: "王五", At: in.Generated})
	n, err := Build(in)
	if err != nil {
		t.Fatal(err)
	}
	if n.Rows[0].Unit != "区残联" || n.Rows[0].Score != 102 || n.Rows[0].Rank != 1 || n.Rows[1].Rank != 2 {
		t.Errorf("top row %+v, next %+v", n.Rows[0], n.Rows[1])
	}
	var b bytes.Buffer
	if err := WriteHTML(&b, n); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "2026年度") || !strings.Contains(b.String(), "年终考核") {
		t.Error("year HTML lacks its headings")
	}
	var x bytes.Buffer
	if err := WriteXLSX(&x, n); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkReport measures a quarter's notice for 46 units and 10,000
// confirmed findings in HTML, XLSX and CSV.
func BenchmarkReport(b *testing.B) {
	units := config.DefaultUnits()
	rules := []string{"timeliness", "backdated", "missing-attachment", "broken-attachment", "mailbox-reply", "periodic-gap"}
	rng := rand.New(rand.NewPCG(1, 2))
	at := time.Date(2026, 10, 9, 10, 0, 0, 0, cst)
	var fs []store.Finding
	for i := range 10000 {
		u := units[rng.IntN(len(units))]
		rule := rules[rng.IntN(len(rules))]
		url := fmt.Sprintf("http://www.linzi.gov.cn/gongkai/site_%s/doc_%024x.html", u.ID, i)
		fs = append(fs, store.Finding{ID: store.FindingID(rule, url), Rule: rule, Unit: u.ID, Column: u.ID + "/政策文件",
			URL: url, Title: fmt.Sprintf("关于印发《临淄区第%d号工作方案》的通知", i), Quarter: "2026Q3", Points: 0.5,
			Status: store.StatusConfirmed, Scoring: true, DetectedAt: at,
			Evidence: store.Evidence{Text: "成文后第 25 个工作日发布，超过 20 个工作日", Dates: map[string]string{"written": "2026-06-01", "published": "2026-07-08"}}})
	}
	in := Input{Period: Period{Year: 2026, Quarter: 3}, Site: "临淄区人民政府", Units: units, Findings: fs, Generated: at,
		Scoring: config.Scoring{Caps: map[string]float64{"timeliness": 5}}}
	b.Run("all", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			n, err := Build(in)
			if err != nil {
				b.Fatal(err)
			}
			var h, x, c1, c2 bytes.Buffer
			if err := WriteHTML(&h, n); err != nil {
				b.Fatal(err)
			}
			if err := WriteXLSX(&x, n); err != nil {
				b.Fatal(err)
			}
			if err := WriteRankingCSV(&c1, n); err != nil {
				b.Fatal(err)
			}
			if err := WriteProblemsCSV(&c2, n); err != nil {
				b.Fatal(err)
			}
		}
	})
	n, err := Build(in)
	if err != nil {
		b.Fatal(err)
	}
	for _, w := range []struct {
		name  string
		write func(io.Writer, *Notice) error
	}{{"html", WriteHTML}, {"xlsx", WriteXLSX}, {"csv", WriteProblemsCSV}} {
		b.Run(w.name, func(b *testing.B) {
			for b.Loop() {
				if err := w.write(io.Discard, n); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("build", func(b *testing.B) {
		for b.Loop() {
			if _, err := Build(in); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestXLSXPrintSetup: every sheet filters, repeats its header when
// printed and prints A4 landscape, one page wide.
func TestXLSXPrintSetup(t *testing.T) {
	f := noticeXLSX(t, fixtureInput(t))
	for _, sheet := range []string{SheetRanking, SheetProblems, SheetAdjustments} {
		lo, err := f.GetPageLayout(sheet)
		if err != nil {
			t.Fatal(err)
		}
		if lo.Orientation == nil || *lo.Orientation != "landscape" || lo.Size == nil || *lo.Size != 9 ||
			lo.FitToWidth == nil || *lo.FitToWidth != 1 || lo.FitToHeight == nil || *lo.FitToHeight != 0 {
			t.Errorf("%s: page layout %+v", sheet, lo)
		}
		props, err := f.GetSheetProps(sheet)
		if err != nil || props.FitToPage == nil || !*props.FitToPage {
			t.Errorf("%s: not fitted to the page (%v)", sheet, err)
		}
		titles := false
		for _, dn := range f.GetDefinedName() {
			if dn.Name == "_xlnm.Print_Titles" && dn.Scope == sheet && strings.HasSuffix(dn.RefersTo, "!$1:$1") {
				titles = true
			}
		}
		if !titles {
			t.Errorf("%s: no print titles", sheet)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	filters := 0
	for _, zf := range zr.File {
		if strings.HasPrefix(zf.Name, "xl/worksheets/sheet") {
			rc, _ := zf.Open()
			b, _ := io.ReadAll(rc)
			rc.Close()
			if strings.Contains(string(b), "<autoFilter ref=") {
				filters++
			}
		}
	}
	if filters != 3 {
		t.Errorf("%d sheets with an autofilter, want 3", filters)
	}
}
