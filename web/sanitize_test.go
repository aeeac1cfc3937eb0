package web

import (
	"bytes"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

func TestSanitize(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []string // substrings of the output
		notWant []string // substrings that must not appear (case-insensitive)
	}{
		{"script removed with content", `<p>前</p><script>alert(1)</script><p>后</p>`,
			[]string{"<p>前</p>", "<p>后</p>"}, []string{"<script", "alert"}},
		{"script in head", `<html><head><script src="http://x.test/a.js"></script></head><body>正文</body></html>`,
			[]string{"正文"}, []string{"script", "x.test"}},
		{"event handlers", `<div onclick="alert(1)" class="c"><img src=x onerror=alert(1) alt="图"></div>`,
			[]string{`<div class="c">`, `alt="图"`}, []string{"onclick", "onerror", "alert"}},
		{"uppercase handler", `<BODY ONLOAD="alert(1)"><P>文</P></BODY>`, []string{"<p>文</p>"}, []string{"onload", "alert"}},
		{"javascript link", `<a href="javascript:alert(1)">点</a>`, []string{">点</a>"}, []string{"href"}},
		{"http link keeps target as title", `<a href="http://www.linzi.gov.cn/a.pdf">附件1</a>`,
			[]string{`title="原链接: http://www.linzi.gov.cn/a.pdf"`, "附件1"}, []string{"href"}},
		{"iframe", `<iframe src="http://evil.test/"></iframe><p>x</p>`, []string{"<p>x</p>"}, []string{"iframe", "evil.test"}},
		{"frameset", `<frameset><frame src="http://evil.test/"></frameset>`, nil, []string{"frame", "evil"}},
		{"form and inputs", `<form action="http://evil.test/" method="post"><input name="a" value="v"><button>提交</button><textarea>t</textarea>留言</form>`,
			[]string{"留言"}, []string{"<form", "<input", "<button", "textarea", "evil.test", "提交"}},
		{"external image", `<img src="http://evil.test/x.png" alt="徽标">`,
			[]string{`alt="徽标"`, `title="外部图片已移除: http://evil.test/x.png"`}, []string{` src=`}},
		{"data image kept", `<img src="data:image/png;base64,iVBORw0KGgo=">`, []string{`src="data:image/png;base64,iVBORw0KGgo="`}, nil},
		{"svg data image dropped", `<img src="data:image/svg+xml;base64,PHN2Zz4=">`, nil, []string{"src="}},
		{"external css", `<link rel="stylesheet" href="http://evil.test/a.css"><style>@import url(http://evil.test/b.css); p{color:red}</style><p style="background:url(http://evil.test/c.png)">x</p>`,
			[]string{"<p>x</p>"}, []string{"<link", "evil.test", "@import"}},
		{"harmless css kept", `<style>p { color: red }</style><p style="color: blue; text-align:center">x</p>`,
			[]string{"p { color: red }", `style="color: blue; text-align:center"`}, nil},
		{"css escapes refused", `<p style="background:u\72l(http://e.test/)">x</p>`, []string{"<p>x</p>"}, []string{"e.test"}},
		{"object and embed", `<object data="x.swf"><param name="a" value="b"><embed src="x.swf"></object>文`,
			[]string{"文"}, []string{"object", "embed", "swf", "param"}},
		{"svg with script", `<svg><script>alert(1)</script><a xlink:href="javascript:alert(1)">x</a></svg>后`,
			[]string{"后"}, []string{"svg", "alert", "javascript"}},
		{"meta refresh and base", `<meta http-equiv="refresh" content="0;url=http://evil.test/"><base href="http://evil.test/">文`,
			[]string{"文"}, []string{"refresh", "evil", "<base"}},
		{"comments dropped", `<!--[if IE]><script>alert(1)</script><![endif]-->文`, []string{"文"}, []string{"alert", "<!--"}},
		{"text escaped anew", `<p>&lt;script&gt;alert(1)&lt;/script&gt; &amp; 更多</p>`,
			[]string{"&lt;script&gt;alert(1)&lt;/script&gt; &amp; 更多"}, []string{"<script"}},
		{"attribute breakout", `<p title='"><script>alert(1)</script>'>x</p>`,
			[]string{`title="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"`}, []string{"<script"}},
		{"title kept as text", `<title>通知 &amp; 公告</title>`, []string{"<title>通知 &amp; 公告</title>"}, nil},
		{"noscript dropped", `<noscript><img src="http://evil.test/t.gif"></noscript>文`, []string{"文"}, []string{"evil", "noscript"}},
		{"plaintext stops", `<p>文</p><plaintext><script>alert(1)</script>`, []string{"<p>文</p>"}, []string{"alert", "plaintext"}},
		{"table layout kept", `<table border="1" cellpadding="2"><tr><td colspan="2" bgcolor="#fff">索引号</td></tr></table>`,
			[]string{`<table border="1" cellpadding="2">`, `<td colspan="2" bgcolor="#fff">索引号</td>`}, nil},
		{"background attribute dropped", `<td background="http://evil.test/bg.gif">x</td>`, []string{"<td>x</td>"}, []string{"evil"}},
		{"unclosed script swallows rest", `<p>a</p><script>alert(1)`, []string{"<p>a</p>"}, []string{"alert"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := string(Sanitize([]byte(tt.in)))
			body := out[strings.Index(out, "<body>")+len("<body>"):]
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			for _, nw := range tt.notWant {
				if strings.Contains(strings.ToLower(body), strings.ToLower(nw)) {
					t.Errorf("output carries %q:\n%s", nw, out)
				}
			}
		})
	}
}

// FuzzSanitize checks, by parsing the output again, that no input yields
// an element outside the allowed set, an event handler, a link or a
// non-data source.
func FuzzSanitize(f *testing.F) {
	for _, s := range []string{snapshotHTML, `<a href="javascript:x">y</a>`, `<svg onload=alert(1)>`, `<img src=x onerror=y>`,
		`<scr<script>ipt>alert(1)</script>`, `<style>a{b:url(x)}</style>`, `<p title="a" on=1>`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := Sanitize([]byte(in))
		z := html.NewTokenizer(bytes.NewReader(out))
		wrapper := map[string]int{} // the document's own html, head, meta and body
		for {
			tt := z.Next()
			if tt == html.ErrorToken {
				return
			}
			if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
				continue
			}
			tok := z.Token()
			if w := tok.Data; w == "html" || w == "head" || w == "meta" || w == "body" {
				if wrapper[w]++; wrapper[w] > 1 {
					t.Fatalf("output of %q has a second %s:\n%s", in, w, out)
				}
				continue
			}
			if !allowedElements[tok.Data] {
				t.Fatalf("output of %q has element %s:\n%s", in, tok.Data, out)
			}
			for _, a := range tok.Attr {
				bad := strings.HasPrefix(a.Key, "on") || a.Key == "href" || a.Key == "action" ||
					(a.Key == "src" && !strings.HasPrefix(a.Val, "data:image/")) ||
					(a.Key == "style" && !safeCSS(a.Val))
				if bad {
					t.Fatalf("output of %q has attribute %s=%q:\n%s", in, a.Key, a.Val, out)
				}
			}
		}
	})
}
