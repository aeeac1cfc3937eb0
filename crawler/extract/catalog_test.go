package extract

import (
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestCatalogMarksChrome: links in the page's header, menu bar or footer
// are marked, the catalog's own are not; a class that merely contains a
// chrome word (leftnav, xxgk-head-title) is no chrome, nor is a bare nav
// element (a unit's sidebar may be one).
func TestCatalogMarksChrome(t *testing.T) {
	page := `<html><body>
<header><a href="/a.html">首页</a></header>
<div class="w1200 top"><a href="/b.html">政务公开</a></div>
<div id="daohang"><ul><li><a href="/c.html">政策文件</a></li></ul></div>
<div class="leftnav"><ul><li><a href="/col/col302/index.html">政策文件</a></li></ul></div>
<div class="xxgk-head-title"><a href="/col/col303/index.html">机构职能</a></div>
<div class="footer"><p><a href="/d.html">网站地图</a></p></div>
<nav><a href="/e.html">互动交流</a></nav>
<nav class="sidebar"><a href="/col/col304/index.html">政策解读</a></nav>
</body></html>`
	u, _ := url.Parse("http://www.zb.gov.cn/col/col300/index.html")
	chs, err := Catalog(Page{URL: u, Body: []byte(page)})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{"/a.html": true, "/b.html": true, "/c.html": true, "/col/col302/index.html": false,
		"/col/col303/index.html": false, "/d.html": true, "/e.html": false, "/col/col304/index.html": false}
	if len(chs) != len(want) {
		t.Fatalf("channels = %+v, want %d", chs, len(want))
	}
	for _, ch := range chs {
		cu, _ := url.Parse(ch.URL)
		if w, ok := want[cu.Path]; !ok || ch.Chrome != w {
			t.Errorf("%s %s: Chrome %v, want %v", ch.Name, cu.Path, ch.Chrome, w)
		}
	}
}

// TestVariedCatalogs reads the simulator's catalog samples of every
// catalog layout (portalsim/testdata/varied: a channel list, a zTree drawn
// by script, a sidebar under a menu bar linking the district's channels)
// and finds exactly the unit's channels outside the page's chrome.
func TestVariedCatalogs(t *testing.T) {
	dir := filepath.Join("..", "..", "portalsim", "testdata", "varied")
	data, err := os.ReadFile(filepath.Join(dir, "EXPECT.json"))
	if err != nil {
		t.Fatal(err)
	}
	var samples map[string]struct {
		URL      string   `json:"url"`
		Kind     string   `json:"kind"`
		Channels []string `json:"channels"`
	}
	if err := json.Unmarshal(data, &samples); err != nil {
		t.Fatal(err)
	}
	n := 0
	for name, smp := range samples {
		if smp.Kind != "catalog" {
			continue
		}
		n++
		body, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		u, _ := url.Parse(smp.URL)
		chs, err := Catalog(Page{URL: u, Body: body})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var got []string
		for _, ch := range chs {
			if !ch.Chrome {
				got = append(got, ch.Name+"|"+ch.URL)
			}
		}
		if !slices.Equal(got, smp.Channels) {
			t.Errorf("%s: channels outside the chrome\n got %q\nwant %q", name, got, smp.Channels)
		}
	}
	if n != 3 {
		t.Errorf("%d catalog samples, want one per catalog layout (3)", n)
	}
}

// TestCatalogScriptLinks: channel links that open their page by script
// (onclick, a javascript: href, data-url) are channels too; a script link
// that names no page is not.
func TestCatalogScriptLinks(t *testing.T) {
	page := `<html><body><div class="leftnav"><ul>
<li><a href="javascript:void(0)" onclick="window.open('/col/col305/index.html','_self')">政务服务</a></li>
<li><a href="#" data-url="./zcjd/">政策解读</a></li>
<li><a href="javascript:openChannel('../xxgk/zn.shtml')">公开指南</a></li>
<li><a onclick="location.href=&quot;/col/col306/index.html&quot;">人事信息</a></li>
<li><a href="javascript:void(0)" onclick="addFavorite()">加入收藏</a></li>
</ul></div></body></html>`
	u, _ := url.Parse("http://www.zb.gov.cn/col/col300/index.html")
	chs, err := Catalog(Page{URL: u, Body: []byte(page)})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ch := range chs {
		got = append(got, ch.Name+"|"+ch.URL)
	}
	want := []string{"政务服务|http://www.zb.gov.cn/col/col305/index.html", "政策解读|http://www.zb.gov.cn/col/col300/zcjd/",
		"公开指南|http://www.zb.gov.cn/col/xxgk/zn.shtml", "人事信息|http://www.zb.gov.cn/col/col306/index.html"}
	if !slices.Equal(got, want) {
		t.Errorf("channels\n got %q\nwant %q", got, want)
	}
}
