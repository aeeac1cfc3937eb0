package extract

import (
	"net/url"
	"testing"
	"time"
)

// TestRowDateByHeader: in a table list, the date of a row is the one
// under the publication-date header, never the written date beside it.
func TestRowDateByHeader(t *testing.T) {
	u, _ := url.Parse("http://p.test/gongkai/site_u1/channel_c_1_n_2/")
	now := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name, body, want string
	}{
		{"written then published", `<table><tr><th>序号</th><th>名称</th><th>文号</th><th>发文日期</th><th>发布日期</th></tr>
<tr><td>1</td><td><a href="../doc_aaaaaaaaaaaaaaaaaaaaaaaa.html">甲</a></td><td></td><td>2026-10-21</td><td>2026-10-27</td></tr></table>`, "2026-10-27"},
		{"published first, td header", `<table><tr><td>标题</td><td>发布时间</td><td>成文日期</td></tr>
<tr><td><a href="../doc_bbbbbbbbbbbbbbbbbbbbbbbb.html">乙</a></td><td>2026-09-15</td><td>2026-09-10</td></tr></table>`, "2026-09-15"},
		{"only a written date", `<table><tr><th>名称</th><th>成文日期</th></tr>
<tr><td><a href="../doc_cccccccccccccccccccccccc.html">丙</a></td><td>2026-08-15</td></tr></table>`, ""},
		{"no header", `<table><tr><td><a href="../doc_dddddddddddddddddddddddd.html">丁</a></td><td>2026-07-01</td></tr>
<tr><td><a href="../doc_eeeeeeeeeeeeeeeeeeeeeeee.html">戊</a></td><td>2026-06-01</td></tr></table>`, "2026-07-01"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lp, err := List(Page{URL: u, Body: []byte("<html><body>" + tt.body + "</body></html>"), Family: Gongkai, Now: now})
			if err != nil || len(lp.Entries) == 0 {
				t.Fatalf("List: %v, %d entries", err, len(lp.Entries))
			}
			if got := lp.Entries[0].Date; got != tt.want {
				t.Errorf("date %q, want %q (entries %+v)", got, tt.want, lp.Entries)
			}
		})
	}
}

// TestUnclosedRows: rows whose closing tags a careless template left out
// nest inside each other; every entry is still read, with its own date.
func TestUnclosedRows(t *testing.T) {
	u, _ := url.Parse("http://p.test/u1/tjgb/index.html")
	body := `<html><body><div class="news-list">
<div class="list-item"><div class="item-title"><a href="./202601/t20260103_100525.html">甲</a><div class="item-date">[2026-01-03]
<div class="list-item"><div class="item-title"><a href="./202501/t20250106_100521.html">乙</a><div class="item-date">[2025-01-06]
<div class="list-item"><div class="item-title"><a href="./202401/t20240103_100519.html">丙</a><div class="item-date">[2024-01-03]
<div class="footer">主办</body></html>`
	lp, err := List(Page{URL: u, Body: []byte(body), Family: TRS, Now: time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"甲 2026-01-03", "乙 2025-01-06", "丙 2024-01-03"}
	if len(lp.Entries) != len(want) {
		t.Fatalf("%d entries %+v, want %d", len(lp.Entries), lp.Entries, len(want))
	}
	for i, e := range lp.Entries {
		if got := e.Title + " " + e.Date; got != want[i] {
			t.Errorf("entry %d: %q, want %q", i, got, want[i])
		}
	}
}
