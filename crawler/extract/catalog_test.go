package extract

import (
	"net/url"
	"strings"
	"testing"
)

// TestCatalogNames: a channel linked by a "更多" link first, by an icon
// with its name in title or alt, or by its name, is found by its name.
func TestCatalogNames(t *testing.T) {
	u, _ := url.Parse("http://p.test/col/col100/index.html")
	body := `<html><body>
<div class="box"><a href="/col/col101/index.html">更多&gt;&gt;</a><h3><a href="/col/col101/index.html">政策文件</a></h3></div>
<a href="/col/col102/index.html" title="通知公告"><img src="/i/tzgg.png"></a>
<a href="/col/col103/index.html"><img src="/i/gzdt.png" alt="工作动态"></a>
</body></html>`
	chs, err := Catalog(Page{URL: u, Body: []byte(body), Family: Hanweb})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range chs {
		got = append(got, c.Name+"="+c.URL[strings.LastIndex(c.URL, "/col/"):])
	}
	want := "政策文件=/col/col101/index.html 通知公告=/col/col102/index.html 工作动态=/col/col103/index.html"
	if strings.Join(got, " ") != want {
		t.Errorf("channels %q\nwant %q", strings.Join(got, " "), want)
	}
}
