package reports

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"encoding/xml"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/govaudit/govaudit/config"
	"github.com/govaudit/govaudit/rules"
	"github.com/govaudit/govaudit/store"
	"github.com/xuri/excelize/v2"
)

// untranslated matches what a reader must never meet: check ids, evidence
// keys, the crawler's English, quarter ids and subject keys.
func untranslated() *regexp.Regexp {
	var alts []string
	for _, d := range rules.Defs() {
		alts = append(alts, regexp.QuoteMeta(d.ID))
	}
	for _, k := range rules.DateKeys() {
		alts = append(alts, `\b`+regexp.QuoteMeta(k)+`\b`)
	}
	alts = append(alts, `HTML error page`, `empty body`, `HTTP \d`, `\d{4}Q[1-4]`, `[a-z0-9]+/[^\s/：]+:\d{4}`, `\bdraft\b`, `\bconfirmed\b`)
	return regexp.MustCompile(strings.Join(alts, "|"))
}

// everyKind is one confirmed finding of every catalogue check, carrying
// every evidence date key and the English fragments stored evidence may
// hold, for the units of the default list.
func everyKind(t *testing.T) Input {
	t.Helper()
	units := config.DefaultUnits()
	p, _ := ParseQuarter("2026Q3")
	at := time.Date(2026, 10, 9, 10, 0, 0, 0, cst)
	dates := map[string]string{}
	for i, k := range rules.DateKeys() {
		dates[k] = time.Date(2026, 7, 1+i, 0, 0, 0, 0, cst).Format("2006-01-02")
	}
	var fs []store.Finding
	for i, d := range rules.Defs() {
		u := units[i%len(units)]
		subject := u.ID + "/政策文件:2026Q3"
		for _, st := range []string{store.StatusConfirmed, store.StatusDraft} {
			fs = append(fs, store.Finding{ID: store.FindingID(d.ID, subject+st), Rule: d.ID, Subject: subject, Unit: u.ID,
				Column: u.ID + "/政策文件", URL: "http://www.linzi.gov.cn/gongkai/doc_" + d.ID + ".html", Title: "关于" + d.Title + "的通知",
				Quarter: "2026Q3", Points: 1, Status: st, Scoring: true, DetectedAt: at,
				Evidence: store.Evidence{Text: "附件「http://x/a.pdf」无法下载：HTML error page（http://x/a.pdf；2026Q3）；HTTP 404；empty body",
					Dates: dates}})
		}
	}
	return Input{Period: p, Site: "临淄区人民政府", Units: units, Generated: at, Findings: fs,
		Columns: map[string]string{}, Scoring: config.Scoring{QuarterPoints: 20, YearEndPoints: 20}}
}

// TestEveryOutputSpeaksChinese renders a finding of every check into every
// output of the package (the notice as HTML, DOCX, XLSX and CSV, and the
// digest as text and HTML) and fails on any untranslated key.
func TestEveryOutputSpeaksChinese(t *testing.T) {
	in := everyKind(t)
	bad := untranslated()
	url := regexp.MustCompile(`https?://[^\s<"）；]+`)
	check := func(what, text string) {
		t.Helper()
		if m := bad.FindString(url.ReplaceAllString(text, "")); m != "" {
			i := strings.Index(text, m)
			t.Errorf("%s shows %q: …%s…", what, m, text[max(0, i-80):min(len(text), i+80)])
		}
	}
	n, err := Build(in)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range rules.Defs() {
		found := false
		for _, c := range n.ByCheck {
			found = found || c.Label == d.Title
		}
		if !found {
			t.Errorf("check %s is missing from the notice", d.ID)
		}
	}
	var b bytes.Buffer
	if err := WriteHTML(&b, n); err != nil {
		t.Fatal(err)
	}
	check("HTML notice", htmlText(b.String()))
	if strings.Contains(b.String(), "http://") {
		t.Errorf("the HTML notice prints a URL")
	}

	b.Reset()
	if err := WriteDOCX(&b, n); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(b.Bytes()), int64(b.Len()))
	if err != nil {
		t.Fatal(err)
	}
	for _, zf := range zr.File {
		if strings.HasPrefix(zf.Name, "word/") {
			rc, _ := zf.Open()
			data, _ := io.ReadAll(rc)
			rc.Close()
			// Well-formed XML, or Word refuses the file.
			dec := xml.NewDecoder(bytes.NewReader(data))
			for {
				if _, err := dec.Token(); err == io.EOF {
					break
				} else if err != nil {
					t.Fatalf("DOCX %s is not well-formed: %v", zf.Name, err)
				}
			}
			text := strings.Join(regexp.MustCompile(`<w:t[^>]*>[^<]*</w:t>`).FindAllString(string(data), -1), " ")
			check("DOCX "+zf.Name, text)
			if strings.Contains(text, "http://") {
				t.Errorf("the DOCX notice prints a URL")
			}
		}
	}

	b.Reset()
	if err := WriteXLSX(&b, n); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(b.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	for _, sheet := range f.GetSheetList() {
		rows, _ := f.GetRows(sheet)
		for _, r := range rows {
			check("XLSX "+sheet, strings.Join(r, " | "))
		}
	}
	f.Close()

	for _, w := range []func(io.Writer, *Notice) error{WriteRankingCSV, WriteProblemsCSV} {
		b.Reset()
		if err := w(&b, n); err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(&b).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			check("CSV", strings.Join(r, " | "))
		}
	}

	d := BuildDigest(DigestInput{Week: WeekOf(in.Generated), AsOf: in.Generated, Site: in.Site, Units: in.Units,
		Columns: in.Columns, Findings: in.Findings, Risks: []Risk{
			{Unit: in.Units[0].ID, Kind: RiskKeyColumn, Column: "政策文件", Due: "2026-12-31", WorkingDaysLeft: 3},
			{Unit: in.Units[0].ID, Kind: RiskPeriodic, Column: "财政预决算", Title: "2026年10月", Due: "2026-11-20", Overdue: true},
			{Unit: in.Units[1].ID, Kind: RiskMailbox, Column: "区长信箱", Title: "来信", Due: "2026-10-01", Overdue: true},
			{Unit: in.Units[1].ID, Kind: RiskStale, Column: "工作动态", Overdue: true},
		}})
	ms, err := d.Messages("office@example.org")
	if err != nil {
		t.Fatal(err)
	}
	if len(ms.List) == 0 {
		t.Fatal("no digest messages")
	}
	for _, m := range ms.List {
		check("digest text "+m.Subject, m.Text)
		check("digest HTML "+m.Subject, htmlText(m.HTML))
		check("digest subject", m.Subject)
	}
}

// htmlText is the text of an HTML document (style sheet and tags removed).
func htmlText(s string) string {
	s = regexp.MustCompile(`(?s)<style.*?</style>`).ReplaceAllString(s, "")
	return regexp.MustCompile(`<[^>]*>`).ReplaceAllString(s, " ")
}

// TestDigestListsEachProblemOnce: a draft that is also an early warning
// is listed once, in the warning's section; a historical draft (dated
// before the baseline) is not listed; every line says what to do and by
// when, and the email whom to ask.
func TestDigestListsEachProblemOnce(t *testing.T) {
	at := time.Date(2026, 11, 16, 8, 0, 0, 0, cst)
	units := config.DefaultUnits()[:1]
	units[0].Email = "unit@example.org"
	u := units[0].ID
	draft := func(rule, subject, published string) store.Finding {
		return store.Finding{ID: store.FindingID(rule, subject), Rule: rule, Subject: subject, Unit: u, Column: u + "/财政预决算",
			Title: subject, Quarter: "2026Q4", Status: store.StatusDraft, Scoring: true, Points: 1, DetectedAt: at.Add(-time.Hour),
			Evidence: store.Evidence{Text: "证据", Dates: map[string]string{"published": published}}}
	}
	in := DigestInput{Week: WeekOf(at), AsOf: at, Site: "临淄区人民政府", Units: units, Contact: "区政务公开办 0533-0000000",
		Baseline: time.Date(2026, 10, 1, 0, 0, 0, 0, cst),
		Findings: []store.Finding{
			draft(rules.PeriodicGap, u+"/财政预决算:2026-10", "2026-11-10"),
			draft(rules.Timeliness, "http://x/new.html", "2026-11-02"),
			draft(rules.Timeliness, "http://x/old.html", "2025-03-02"),
		},
		Risks: []Risk{{Unit: u, Kind: RiskPeriodic, Column: "财政预决算", Title: "2026年10月", Due: "2026-11-15", Overdue: true,
			Check: rules.PeriodicGap, Subject: u + "/财政预决算:2026-10"},
			{Unit: u, Kind: RiskPeriodic, Column: "财政预决算", Title: "2025年3月", Due: "2025-04-15", Overdue: true,
				Check: rules.PeriodicGap, Subject: u + "/财政预决算:2025-03"}},
	}
	d := BuildDigest(in)
	if len(d.Units) != 1 {
		t.Fatalf("%d units", len(d.Units))
	}
	ud := d.Units[0]
	if len(ud.Overdue) != 1 || len(ud.Drafts) != 1 || ud.Drafts[0].Title != "http://x/new.html" {
		t.Fatalf("overdue %d, drafts %+v", len(ud.Overdue), ud.Drafts)
	}
	ms, err := d.Messages("")
	if err != nil {
		t.Fatal(err)
	}
	text := ms.List[0].Text
	for _, want := range []string{"整改：补发缺期的", "，请立即处理", "整改：核实信息形成日期", "请于2026年12月31日前完成",
		"如有疑问，请联系：区政务公开办 0533-0000000"} {
		if !strings.Contains(text, want) {
			t.Errorf("the digest lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "old.html") || strings.Contains(text, "2025年3月") {
		t.Errorf("the digest lists a historical problem")
	}
}

// TestDOCXKeepsPayloadsText: crawled markup, control characters and
// formulas leave the document well-formed and show as text.
func TestDOCXKeepsPayloadsText(t *testing.T) {
	n, err := Build(hostileInput(t))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := WriteDOCX(&b, n); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(b.Bytes()), int64(b.Len()))
	if err != nil {
		t.Fatal(err)
	}
	for _, zf := range zr.File {
		rc, _ := zf.Open()
		data, _ := io.ReadAll(rc)
		rc.Close()
		dec := xml.NewDecoder(bytes.NewReader(data))
		var text strings.Builder
		for {
			tok, err := dec.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%s is not well-formed: %v", zf.Name, err)
			}
			if cd, ok := tok.(xml.CharData); ok {
				text.Write(cd)
			}
		}
		if zf.Name == "word/document.xml" && !strings.Contains(text.String(), "<script>") {
			t.Errorf("the script payload is not shown as text in the DOCX")
		}
	}
}
