package crawler

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"
)

func gbk(t *testing.T, s string) []byte {
	t.Helper()
	b, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// garbageBytes are bytes invalid in UTF-8 and GBK, as broken templates leave.
var garbageBytes = []byte("\x00\xff\xfe\x80\x81\x1b[0m\n")

// withGarbage puts garbage into a UTF-8 page twice.
func withGarbage(page string) []byte {
	i := strings.Index(page, "<body>") + len("<body>")
	b := append([]byte(page[:i]), garbageBytes...)
	b = append(b, page[i:]...)
	return append(b, garbageBytes...)
}

// TestMostlyUTF8 checks the sniff on real text: GBK pages of every
// fixture never pass for UTF-8 with stray bytes.
func TestMostlyUTF8(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.html")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(f, "gbk") {
			if mostlyUTF8(b) {
				t.Errorf("%s (GBK) passes for mostly UTF-8", f)
			}
			continue
		}
		if g, _ := simplifiedchinese.GBK.NewEncoder().Bytes(b); mostlyUTF8(g) {
			t.Errorf("%s encoded in GBK passes for mostly UTF-8", f)
		}
		if !mostlyUTF8(withGarbage(string(b))) && strings.Count(string(b), "的") > 2 {
			t.Errorf("%s with garbage does not pass for mostly UTF-8", f)
		}
	}
}

func TestDecodeHTML(t *testing.T) {
	const title = "关于做好2021年春季学期开学工作的通知"
	page := func(meta string) string {
		return "<html><head>" + meta + "<title>" + title + "</title></head><body>" + strings.Repeat("正文", 50) + "</body></html>"
	}
	tests := []struct {
		name, ct    string
		body        []byte
		wantCharset string
	}{
		{"utf-8 in header", "text/html; charset=utf-8", []byte(page("")), "utf-8"},
		{"gbk in header", "text/html; charset=GBK", gbk(t, page("")), "gbk"},
		{"gbk only in meta", "text/html", gbk(t, page(`<meta charset="gbk">`)), "gbk"},
		{"gb2312 in http-equiv meta", "", gbk(t, page(`<meta http-equiv="Content-Type" content="text/html; charset=gb2312">`)), "gbk"},
		{"utf-8 declared, gbk sent", "text/html; charset=utf-8", gbk(t, page(`<meta charset="utf-8">`)), "gb18030"},
		{"gbk declared, utf-8 sent", "text/html; charset=gbk", []byte(page(`<meta charset="gbk">`)), "utf-8"},
		{"nothing declared, gbk sent", "text/html", gbk(t, page("")), "gb18030"},
		{"nothing declared, utf-8 sent", "", []byte(page("")), "utf-8"},
		{"latin-1 declared, gbk sent", "text/html; charset=iso-8859-1", gbk(t, page("")), "gb18030"},
		{"utf-8 BOM", "text/html; charset=gbk", append([]byte{0xEF, 0xBB, 0xBF}, page("")...), "utf-8"},
		{"utf-8 with garbage bytes", "text/html; charset=utf-8", withGarbage(page("")), "utf-8"},
		{"utf-8 with garbage, nothing declared", "", withGarbage(page("")), "utf-8"},
		{"utf-8 with garbage under a gbk label", "text/html; charset=gbk", withGarbage(page("")), "utf-8"},
		{"gbk with garbage bytes", "text/html; charset=gbk", append(gbk(t, page("")), garbageBytes...), "gbk"},
		{"gbk with garbage under a utf-8 label", "text/html; charset=utf-8", append(gbk(t, page("")), garbageBytes...), "gb18030"},
	}
	for _, tt := range tests {
		got, cs := decodeHTML(tt.body, tt.ct)
		if cs != tt.wantCharset {
			t.Errorf("%s: charset %q, want %q", tt.name, cs, tt.wantCharset)
		}
		if !strings.Contains(string(got), "<title>"+title+"</title>") {
			t.Errorf("%s: title not decoded: %.80q", tt.name, got)
		}
	}
}

func TestDecodeFixture(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "trs_art_gbk.html"))
	if err != nil {
		t.Fatal(err)
	}
	got, cs := decodeHTML(raw, "text/html")
	if cs != "gbk" || !strings.Contains(string(got), "疫情防控指南") {
		t.Errorf("fixture: charset %q", cs)
	}
}

func TestNormalizeURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"HTTP://WWW.Example.gov.cn:80/a/b.html#top", "http://www.example.gov.cn/a/b.html"},
		{"http://x.gov.cn", "http://x.gov.cn/"},
		{"http://x.gov.cn/a.jsp;jsessionid=ABC123?id=5", "http://x.gov.cn/a.jsp?id=5"},
		{"http://x.gov.cn/a.html?utm_source=wx&id=5&JSESSIONID=9", "http://x.gov.cn/a.html?id=5"},
		{"http://x.gov.cn/a.html?b=2&a=1", "http://x.gov.cn/a.html?b=2&a=1"},
		{"https://x.gov.cn:443/", "https://x.gov.cn/"},
		{"http://x.gov.cn/a.html?id=5&sid=0123456789abcdef0123456789abcdef&utm_medium=share", "http://x.gov.cn/a.html?id=5"},
		{"http://x.gov.cn/list.jsp?sid=3&page=2", "http://x.gov.cn/list.jsp?sid=3&page=2"},
	}
	for _, tt := range tests {
		if got := normalizeURL(tt.in); got != tt.want {
			t.Errorf("normalizeURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
