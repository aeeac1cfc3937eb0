package extract

import (
	"net/url"
	"testing"
)

func TestCanonicalURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"HTTP://WWW.Example.gov.cn:80/a/b.html#top", "http://www.example.gov.cn/a/b.html"},
		{"https://x.gov.cn:443", "https://x.gov.cn/"},
		{"http://x.gov.cn:8080/a", "http://x.gov.cn:8080/a"},
		{"http://x.gov.cn/a.jsp;jsessionid=ABC123?id=5", "http://x.gov.cn/a.jsp?id=5"},
		{"http://x.gov.cn/dir/;JSESSIONID=ABC123", "http://x.gov.cn/dir/"},
		{"http://x.gov.cn/a.html;sid=9f;v=2", "http://x.gov.cn/a.html;v=2"},
		{"http://x.gov.cn/a.html?utm_source=wx&id=5&JSESSIONID=9", "http://x.gov.cn/a.html?id=5"},
		{"http://x.gov.cn/a.html?b=2&spm=a1.b2&a=1", "http://x.gov.cn/a.html?b=2&a=1"},
		{"http://x.gov.cn/a.html?b=2&a=1", "http://x.gov.cn/a.html?b=2&a=1"},
		// A long sid is a session; a short one is a site id and stays.
		{"http://x.gov.cn/a.html?id=5&sid=0123456789abcdef0123456789abcdef", "http://x.gov.cn/a.html?id=5"},
		{"http://x.gov.cn/list.jsp?sid=12&page=2", "http://x.gov.cn/list.jsp?sid=12&page=2"},
		{"http://x.gov.cn/a.html?_=1700000000000", "http://x.gov.cn/a.html"},
		{"http://x.gov.cn/a.html?utm_source=x", "http://x.gov.cn/a.html"},
		{"/relative.html", "/relative.html"},
		{"http://[::1]:80/x", "http://[::1]/x"},
		// Whitespace before a fragment is no part of the query (FuzzCanonicalURL).
		{"http://x.gov.cn/a.html?id=5 #top", "http://x.gov.cn/a.html?id=5"},
		{"http://x.gov.cn/%E6%96%87%E4%BB%B6;jsessionid=1.pdf", "http://x.gov.cn/%E6%96%87%E4%BB%B6"},
	}
	for _, tt := range tests {
		if got := CanonicalURL(tt.in); got != tt.want {
			t.Errorf("CanonicalURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestResolveCanonical: links come out of the extractors canonical, so an
// attachment carrying a session id keeps its document type.
func TestResolveCanonical(t *testing.T) {
	base, _ := url.Parse("http://x.gov.cn/col/a/index.html;jsessionid=AB")
	if got := resolve(base, "./P020210317.pdf;jsessionid=0123456789ABCDEF?utm_medium=share#p"); got != "http://x.gov.cn/col/a/P020210317.pdf" {
		t.Errorf("resolve = %q", got)
	}
	if typ, ok := AttachmentType(resolve(base, "../f.docx;jsessionid=AB")); !ok || typ != "docx" {
		t.Errorf("attachment type %q %v", typ, ok)
	}
}

func FuzzCanonicalURL(f *testing.F) {
	for _, s := range []string{"http://x.gov.cn/a;jsessionid=1?sid=0123456789abcdef0&utm_a=b#c", "https://X:443", "http://x/%zz;a=b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c := CanonicalURL(s)
		if CanonicalURL(c) != c {
			t.Errorf("not idempotent: %q -> %q -> %q", s, c, CanonicalURL(c))
		}
	})
}
