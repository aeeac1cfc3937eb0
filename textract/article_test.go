package textract

import (
	"bytes"
	"errors"
	"net/url"
	"reflect"
	"testing"

	"golang.org/x/net/html"
)

func TestReadArticle(t *testing.T) {
	page := `<html><body><div class="nav"><a href="/">首页</a></div>
<div id="zoom"><p>第一段 正文</p><p>第二段<a href="../b.html#x">链接</a></p><script>var x = "不读";</script></div>
<a href="javascript:void(0)">无</a><a href="https://other.example/a">外站</a><a href="/">首页</a></body></html>`
	root, err := html.Parse(bytes.NewReader([]byte(page)))
	if err != nil {
		t.Fatal(err)
	}
	base, _ := url.Parse("http://p.gov.cn/dir/a.html")
	got := ReadArticle(root, base)
	want := ArticleText{Body: "第一段 正文\n第二段链接", Links: []string{"http://p.gov.cn/", "http://p.gov.cn/b.html", "https://other.example/a"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ReadArticle = %#v, want %#v", got, want)
	}
}

func TestArticleTextEncoding(t *testing.T) {
	for _, at := range []ArticleText{
		{},
		{Body: "正文"},
		{Body: "正文\n第二段", Links: []string{"http://a/1", "", "http://b/2"}},
	} {
		got, err := DecodeArticleText(at.Encode())
		if err != nil || !reflect.DeepEqual(got, at) {
			t.Errorf("round trip of %#v: %#v, %v", at, got, err)
		}
	}
	enc := ArticleText{Body: "正文", Links: []string{"http://a/1"}}.Encode()
	bad := map[string][]byte{
		"empty":       nil,
		"old version": append([]byte{0}, enc[1:]...),
		"cut":         enc[:len(enc)-3],
		"trailing":    append(bytes.Clone(enc), 0),
	}
	for name, b := range bad {
		if _, err := DecodeArticleText(b); err == nil {
			t.Errorf("%s: decoded without error", name)
		}
	}
	if _, err := DecodeArticleText(bad["old version"]); !errors.Is(err, ErrStaleText) {
		t.Errorf("old version: %v, want ErrStaleText", err)
	}
}
