package rules

import (
	"fmt"

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
