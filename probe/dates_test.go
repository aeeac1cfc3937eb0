package probe

import (
	"testing"
	"time"
)

func TestNewestDate(t *testing.T) {
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, cst)
	tests := []struct {
		name, page, want string
	}{
		{"list entries", `<ul><li><a href="/a">甲</a><span>2026-11-20</span></li><li><a>乙</a><span>2026-11-25</span></li></ul>`, "2026-11-25"},
		{"chinese form", `<ul><li>通知 2026年11月3日</li><li>公告 2026年10月30日</li></ul>`, "2026-11-03"},
		{"brackets and slashes", `<table><tr><td>[2026/11/02]</td></tr><tr><td>2026.11.05</td></tr></table>`, "2026-11-05"},
		{"future dates ignored", `<ul><li>2026-11-28</li><li>2026-11-26</li></ul>`, "2026-11-26"},
		{"impossible dates ignored", `<ul><li>2026-02-30</li><li>2026-13-01</li><li>2026-01-09</li></ul>`, "2026-01-09"},
		{"scripts and attributes ignored", `<script>var d="2026-11-27";</script><ul><li><a href="/art/2026/11/26/x.html" title="2026-11-26">x</a> 2026-10-01</li></ul>`, "2026-10-01"},
		{"list beats footer", `<ul><li>2026-09-01</li></ul><div class="footer">更新于 2026-11-27</div>`, "2026-09-01"},
		{"text when no list", `<div class="news"><p>2026-11-11 区政府常务会议</p></div>`, "2026-11-11"},
		{"longer numbers are no dates", `<ul><li>编号 X2026-11-015</li><li>120261101</li></ul>`, ""},
		{"no date", `<html><body><ul><li>首页</li></ul></body></html>`, ""},
		{"broken html", `<ul><li>2026-11-01<li>2026-11-02`, "2026-11-02"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := NewestDate([]byte(tt.page), now); got != tt.want {
				t.Errorf("NewestDate = %q, want %q", got, tt.want)
			}
		})
	}
}
