package main

import (
	"archive/zip"
	"context"
	"encoding/csv"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// chromiumPath returns the browser, skipping the test when it is absent
// (failing under CI=true).
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium is not installed; CI=true requires the print test")
	}
	t.Skip("chromium is not installed: print test skipped")
	return ""
}

// internals are what no reader of the notice may meet: check ids, evidence
// keys, crawler wording in English, quarter ids, subject keys.
var internals = regexp.MustCompile(`timeliness|backdated|key-column|blank-column|missing-attachment|broken-attachment|` +
	`mailbox-reply|periodic-gap|annual-report|stale-column|broken-link|last_published|\bfrom\b|\bto\b|HTML error page|` +
	`empty body|HTTP \d|\d{4}Q[1-4]|[a-z0-9]+/[^\s/：]+:\d{4}|\bdraft\b|\bconfirmed\b`)

// textOfHTML strips tags (and the style sheet) from a document.
func textOfHTML(s string) string {
	s = regexp.MustCompile(`(?s)<style.*?</style>`).ReplaceAllString(s, "")
	return regexp.MustCompile(`<[^>]*>`).ReplaceAllString(s, " ")
}

// TestDemoNotice prints the 46-unit demo's notice to PDF with headless
// chromium: an official document of at most 12 A4 pages. Every format of
// the notice is read back and holds no internal id or English wording.
func TestDemoNotice(t *testing.T) {
	exe := chromiumPath(t)
	if testing.Short() {
		t.Skip("the full demo takes a while")
	}
	dir := filepath.Join(t.TempDir(), "demo")
	if code, stdout, stderr := run(t, "demo", "--dir", dir, "--today", "2026-11-27"); code != 0 {
		t.Fatalf("demo: %d\n%s\n%s", code, stdout, stderr)
	}
	if code, stdout, stderr := run(t, "report", "--config", filepath.Join(dir, "govaudit.yaml"), "--quarter", "2026Q3",
		"--format", "html,docx,xlsx,csv", "--out", filepath.Join(dir, "reports")); code != 0 {
		t.Fatalf("report: %d\n%s\n%s", code, stdout, stderr)
	}
	base := filepath.Join(dir, "reports", "2026Q3")

	// HTML: a document, Chinese only, printed in at most 12 pages.
	raw, err := os.ReadFile(base + "-通报.html")
	if err != nil {
		t.Fatal(err)
	}
	html := string(raw)
	text := textOfHTML(html)
	for _, want := range []string{"关于2026年第三季度政务公开工作考核情况的通报", "各镇人民政府、街道办事处，区政府各部门：",
		"一、考核得分及排名", "二、存在的主要问题", "三、整改要求", "前完成", "政务公开工作领导小组办公室", "年", "问题清单"} {
		if !strings.Contains(text, want) {
			t.Errorf("the notice lacks %q", want)
		}
	}
	if m := internals.FindString(text); m != "" {
		t.Errorf("the notice shows the internal %q", m)
	}
	if m := regexp.MustCompile(`https?://|待审核|草稿`).FindString(text); m != "" {
		t.Errorf("the printed notice shows %q", m)
	}
	pdf := filepath.Join(dir, "notice.pdf")
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
		"--user-data-dir="+filepath.Join(dir, "chromium"), "--print-to-pdf="+pdf, "file://"+base+"-通报.html")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("chromium --print-to-pdf: %v\n%s", err, out)
	}
	data, err := os.ReadFile(pdf)
	if err != nil {
		t.Fatal(err)
	}
	pages := len(regexp.MustCompile(`/Type\s*/Page[^s]`).FindAll(data, -1))
	t.Logf("the 46-unit demo's notice prints on %d A4 pages", pages)
	if pages == 0 || pages > 12 {
		t.Errorf("the notice prints on %d pages, want 1 to 12", pages)
	}
	if !regexp.MustCompile(`/MediaBox\s*\[\s*0 0 59[45]\.\d+ 84[12]\.\d+\s*\]`).Match(data) {
		t.Errorf("the PDF's pages are not A4")
	}

	// DOCX: the same document.
	zr, err := zip.OpenReader(base + "-通报.docx")
	if err != nil {
		t.Fatal(err)
	}
	var doc string
	for _, f := range zr.File {
		if f.Name == "word/document.xml" {
			rc, _ := f.Open()
			b, _ := io.ReadAll(rc)
			rc.Close()
			doc = string(b)
		}
	}
	zr.Close()
	dtext := strings.Join(regexp.MustCompile(`<w:t[^>]*>([^<]*)</w:t>`).FindAllString(doc, -1), " ")
	dtext = textOfHTML(dtext)
	if !strings.Contains(dtext, "三、整改要求") || !strings.Contains(dtext, "问题清单") {
		t.Errorf("the DOCX lacks the notice's parts")
	}
	if m := internals.FindString(dtext); m != "" {
		t.Errorf("the DOCX shows the internal %q", m)
	}
	if !strings.Contains(doc, `<w:pgSz w:w="11906" w:h="16838"/>`) {
		t.Errorf("the DOCX is not A4")
	}

	// XLSX and CSV: every cell in Chinese but for links.
	url := regexp.MustCompile(`https?://\S+`)
	f, err := excelize.OpenFile(base + "-通报.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, sheet := range f.GetSheetList() {
		rows, _ := f.GetRows(sheet)
		for _, r := range rows {
			for _, c := range r {
				if m := internals.FindString(url.ReplaceAllString(c, "")); m != "" {
					t.Errorf("XLSX %s: cell %q shows the internal %q", sheet, c, m)
				}
			}
		}
	}
	for _, name := range []string{"-排名.csv", "-问题清单.csv"} {
		fh, err := os.Open(base + name)
		if err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(fh).ReadAll()
		fh.Close()
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			for _, c := range r {
				if m := internals.FindString(url.ReplaceAllString(c, "")); m != "" {
					t.Errorf("CSV %s: cell %q shows the internal %q", name, c, m)
				}
			}
		}
	}
}
