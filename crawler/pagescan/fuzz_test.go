package pagescan

import (
	"net/url"
	"testing"

	"github.com/govaudit/govaudit/pii"
)

// FuzzScan: no page makes Scan, pii.Scan or pii.MaskHTML panic, and a
// page holds at most maxLinks links.
func FuzzScan(f *testing.F) {
	f.Add([]byte(`<style>.a b{display:none}</style><div class="a"><b><a href="http://x/">x</a></b></div><p>13812345678</p>`))
	f.Add([]byte(`<a href="//h/"><font color="#fff">t</font></a><table><tr><td>6222021234567890128`))
	base, _ := url.Parse("http://www.example.gov.cn/a/b.html")
	f.Fuzz(func(t *testing.T, page []byte) {
		p, err := Scan(base, page)
		if err != nil {
			return
		}
		if len(p.Links) > maxLinks {
			t.Fatalf("%d links", len(p.Links))
		}
		pii.Scan(p.Lines, pii.Options{})
		pii.MaskHTML(page)
	})
}
