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
	}
	for _, tt := range tests {
		if got := normalizeURL(tt.in); got != tt.want {
			t.Errorf("normalizeURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
