package rules

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/govaudit/govaudit/textract"
)

// FuzzContentText feeds untrusted page bytes through the article text
// extraction and the wording scan: no panic, bounded text, and every hit
// names text that is there.
func FuzzContentText(f *testing.F) {
	f.Add([]byte(article("标题", []string{"副区长高志远指出，中华人民共合国再接再励。", "区委书记林正化。"})), "2025-05-06")
	f.Add([]byte("<div id=zoom>区长\xff\xfe高志远</div><script>攻府</script>"), "2026-01-01")
	f.Add([]byte("<p>区委书记林正</p>"), "2024-02-29")
	wl, err := loadWordLists(nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, page []byte, date string) {
		d, err := parseDay(date)
		if err != nil {
			d = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
		}
		at := parseArticleText(page, "http://p/a.html")
		if len(at.Body) > textract.MaxArticleText+8 {
			t.Fatalf("body %d bytes", len(at.Body))
		}
		for _, h := range wl.scan(at.Body, d) {
			if h.count < 1 || h.right == "" || !utf8.ValidString(h.wrong) {
				t.Fatalf("hit %+v", h)
			}
			if !strings.Contains(at.Body, h.wrong) {
				t.Fatalf("hit %q not in the text", h.wrong)
			}
		}
	})
}
