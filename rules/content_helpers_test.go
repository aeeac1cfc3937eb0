package rules

import (
	"fmt"
	"testing"

	"github.com/govaudit/govaudit/store"
)

// pages is an in-memory snapshot store for the content checks: item URL
// -> page HTML, served by the item's SnapshotHash ("hash-" + URL, as it()
// sets it).
type pages map[string]string

// snapshot is Input.Snapshot over p.
func (p pages) snapshot(hash string) ([]byte, error) {
	for url, html := range p {
		if "hash-"+url == hash {
			return []byte(html), nil
		}
	}
	return nil, fmt.Errorf("snapshot %s: %w", hash, store.ErrNotFound)
}

// article is a minimal article page with body paragraphs and links.
func article(title string, body []string, links ...string) string {
	s := "<html><head><title>" + title + "</title><script>var x='中华人民共合国';</script></head><body><div class=\"nav\">首页</div><h1>" + title + "</h1><div id=\"zoom\">"
	for _, p := range body {
		s += "<p>" + p + "</p>"
	}
	for _, l := range links {
		s += "<p><a href=\"" + l + "\">相关链接</a></p>"
	}
	return s + "</div></body></html>"
}

func TestParseArticleTextPrefersTheBody(t *testing.T) {
	page := `<html><body><div id="content"><div class="nav">相关文件：关于印发某某办法的通知</div>
<div class="TRS_Editor"><p>正文第一段。</p><script>var x="攻府";</script><p>第二段<a href="../b.html#top">链接</a></p></div></div></body></html>`
	at := parseArticleText([]byte(page), "http://p/dir/a.html")
	if at.Body != "正文第一段。\n第二段链接" {
		t.Errorf("body %q", at.Body)
	}
	if len(at.Links) != 1 || at.Links[0] != "http://p/b.html" {
		t.Errorf("links %q", at.Links)
	}
}
