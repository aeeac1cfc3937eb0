package pagescan

import (
	"net/url"
	"strings"
	"testing"
)

func TestHiddenLinks(t *testing.T) {
	page := `<html><head><style>
.hd { display: none }
#off { position: absolute; left: -9999px }
div.tiny { font-size: 0 }
.ft .inner a { display:none }
#box > p { position:absolute; top:-600px }
a:hover { color: red }
</style></head><body style="background:#fff">
<div class="content">
<p>正文 <a href="/other.html">站内链接</a> <a href="http://www.shandong.gov.cn/">省政府</a></p>
<a href="http://casino.example.com/">可见的外部链接</a>
<div class="hd"><a href="http://bet1.example.com/">博彩</a></div>
<div style="visibility:hidden"><a href="http://bet2.example.com/">博彩</a></div>
<div id="off"><a href="http://bet3.example.com/">博彩</a></div>
<div class="tiny"><a href="http://bet4.example.com/">博彩</a></div>
<div class="tiny"><span style="font-size:14px"><a href="http://ok.example.com/">可见</a></span></div>
<p><a href="http://bet5.example.com/" style="color:#ffffff">白字</a></p>
<p style="background-color:#123456"><font color="#123456"><a href="http://bet6.example.com/">同色</a></font></p>
<div style="width:0;height:0;overflow:hidden"><a href="http://bet7.example.com/">零尺寸</a></div>
<a href="http://bet8.example.com/"></a>
<a href="http://img.example.com/"><img src="x.png" alt=""></a>
<a href="/hidden-inside.html" style="display:none">站内隐藏</a>
<a href="javascript:void(0)">js</a>
<div class="ft"><div class="inner"><span><a href="http://bet9.example.com/">desc</a></span></div></div>
<div class="inner"><a href="http://ok2.example.com/">not under .ft</a></div>
<div id="box"><p><a href="http://bet10.example.com/">child</a></p></div>
<p><a href="http://bet11.example.com/"><font color="#FFF">白字在链接内</font></a></p>
<p><a href="http://ok3.example.com/"><font color="#FFF">白</font>和黑</a></p>
</div></body></html>`
	base, _ := url.Parse("http://www.linzi.gov.cn/art/1.html")
	p, err := Scan(base, []byte(page))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]Link{}
	for _, l := range p.Links {
		got[l.URL] = l
	}
	want := map[string]string{
		"http://www.shandong.gov.cn/":                "",
		"http://casino.example.com/":                 "",
		"http://bet1.example.com/":                   "display:none",
		"http://bet2.example.com/":                   "visibility:hidden",
		"http://bet3.example.com/":                   "移出可视区域",
		"http://bet4.example.com/":                   "字号为0",
		"http://ok.example.com/":                     "",
		"http://bet5.example.com/":                   "颜色与背景相同",
		"http://bet6.example.com/":                   "颜色与背景相同",
		"http://bet7.example.com/":                   "尺寸为0",
		"http://bet8.example.com/":                   "",
		"http://img.example.com/":                    "",
		"http://www.linzi.gov.cn/hidden-inside.html": "display:none",
		"http://bet9.example.com/":                   "display:none",
		"http://ok2.example.com/":                    "",
		"http://bet10.example.com/":                  "移出可视区域",
		"http://bet11.example.com/":                  "颜色与背景相同",
		"http://ok3.example.com/":                    "",
	}
	for u, why := range want {
		l, ok := got[u]
		if !ok {
			t.Errorf("%s not kept", u)
			continue
		}
		if why == "" && l.Hidden != "" || why != "" && !strings.Contains(l.Hidden, why) {
			t.Errorf("%s: hidden %q, want %q", u, l.Hidden, why)
		}
	}
	if len(got) != len(want) {
		t.Errorf("kept %d links, want %d: %+v", len(got), len(want), p.Links)
	}
	if l := got["http://bet8.example.com/"]; l.Text != "" || l.Image {
		t.Errorf("text-less link %+v", l)
	}
	if !got["http://img.example.com/"].Image {
		t.Error("image link not marked")
	}
	if len(p.Lines) == 0 {
		t.Error("no lines")
	}
}
