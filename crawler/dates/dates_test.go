package dates

import (
	"regexp"
	"testing"
	"time"
)

var ref = time.Date(2021, 3, 20, 0, 0, 0, 0, time.UTC)

func TestParse(t *testing.T) {
	tests := []struct {
		in, want string
		wantErr  bool
	}{
		{"2026-04-09", "2026-04-09", false},
		{"2024年03月17日", "2024-03-17", false},
		{"2023年8月23日", "2023-08-23", false},
		{"[2021-03-17]", "2021-03-17", false},
		{"[03-17]", "2021-03-17", false},
		{"2026-04-28 18:20", "2026-04-28", false},
		{"2026/08/31 09:30", "2026-08-31", false},
		{"20261006", "2026-10-06", false},
		{"2026-04-28T18:20:00+08:00", "2026-04-28", false},
		{"发布日期:2025-01-20", "2025-01-20", false},
		{"发布日期：2024年03月17日", "2024-03-17", false},
		{"  ２０２４－０３－１７ ", "2024-03-17", false},
		{"２０２５年３月４日", "2025-03-04", false},
		{"成文日期：２０２５年３月２８日", "2025-03-28", false},
		{"２０２５．１．２", "2025-01-02", false},
		{"【2021.3.7】", "2021-03-07", false},
		{"3月17日", "2021-03-17", false},
		{"2024-02-29", "2024-02-29", false},
		{"2023年8月23日 10:21", "2023-08-23", false},
		{"2023-02-29", "", true},
		{"2026-13-01", "", true},
		{"2026-04-31", "", true},
		{"20261306", "", true},
		{"2026-04-09 25:00", "", true},
		{"[02-30]", "", true},
		{"1850-01-01", "", true},
		{"", "", true},
		{"无", "", true},
		{"11370305K21216551K/2025-5502503", "", true},
		{"2026-04-09abc", "", true},
		{"12345678", "", true},
		{"2026", "", true},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in, ref)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("Parse(%q) = %q, %v; want %q, err %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestParseNoRef(t *testing.T) {
	if got, err := Parse("[03-17]", time.Time{}); err == nil {
		t.Errorf("Parse without ref = %q, want error", got)
	}
}

func TestParseDateTime(t *testing.T) {
	tests := []struct{ in, want string }{
		{"2026-04-09 10:21", "2026-04-09 10:21"},
		{"2026/08/31 9:30:12", "2026-08-31 09:30"},
		{"2026-04-09", "2026-04-09"},
		{"2023年8月23日 10时21分", "2023-08-23 10:21"},
	}
	for _, tt := range tests {
		got, err := ParseDateTime(tt.in, ref)
		if err != nil || got != tt.want {
			t.Errorf("ParseDateTime(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestFind(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"发布日期:2025-01-20  来源：区发改局", "2025-01-20", true},
		{"发布日期：2024年03月17日 浏览次数", "2024-03-17", true},
		{"索引号 11370305K21216551K/2025-5502503", "", false},
		{"编号 120260409 2026-02-30 and 2026-03-01", "2026-03-01", true},
		{"nothing here", "", false},
	}
	for _, tt := range tests {
		got, ok := Find(tt.in)
		if ok != tt.ok || got != tt.want {
			t.Errorf("Find(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestFromURL(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"http://x.gov.cn/art/2026/4/9/art_1229_3.html", "2026-04-09", true},
		{"http://x.gov.cn/fgj/zcwj/202103/t20210317_123.html", "2021-03-17", true},
		{"./202103/t20210317_123.html", "2021-03-17", true},
		{"http://x.gov.cn/art/2026/2/30/art_1_3.html", "", false},
		{"http://x.gov.cn/gongkai/site_a/doc_0123456789abcdef01234567.html", "", false},
	}
	for _, tt := range tests {
		got, ok := FromURL(tt.in)
		if ok != tt.ok || got != tt.want {
			t.Errorf("FromURL(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
	if r, ok := RefFromURL("http://x/fgj/202103/list.html"); !ok || r.Year() != 2021 || r.Month() != 3 {
		t.Errorf("RefFromURL month = %v, %v", r, ok)
	}
}

// FuzzParse checks that Parse never panics and that whatever it returns
// is a real date that parses back to itself.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"2026-04-09", "2024年03月17日", "2023年8月23日", "[2021-03-17]", "[03-17]",
		"2026-04-28 18:20", "2026/08/31 09:30", "20261006", "发布日期:2025-01-20", "2023-02-29", "０３－１７", "年月日"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := Parse(s, ref)
		if err != nil {
			return
		}
		d, perr := time.Parse("2006-01-02", got)
		if perr != nil || d.Format("2006-01-02") != got {
			t.Fatalf("Parse(%q) = %q, not a real date", s, got)
		}
		again, err := Parse(got, ref)
		if err != nil || again != got {
			t.Fatalf("Parse(%q) = %q does not round-trip: %q, %v", s, got, again, err)
		}
		if _, err := ParseDateTime(s, ref); err != nil {
			t.Fatalf("ParseDateTime(%q) fails where Parse succeeds: %v", s, err)
		}
		Find(s)
		FromURL(s)
	})
}

// FuzzPlainDate: the scanner of the commonest form accepts exactly what
// the regular expression of that form accepts, with the same numbers.
func FuzzPlainDate(f *testing.F) {
	for _, s := range []string{"2026-04-09", "2026/8/31", "2026.4.9", "2026-04-09 10:00", "12026-04-09", "2026-004-09",
		"2026-04-", "2026--04", "2026-04-09x", "２０２６-04-09", "2026-4/9", ""} {
		f.Add(s)
	}
	re := regexp.MustCompile(`^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$`)
	f.Fuzz(func(t *testing.T, s string) {
		p, ok := plainDate(s)
		m := re.FindStringSubmatch(s)
		if ok != (m != nil) {
			t.Fatalf("plainDate(%q) ok=%v, regexp %v", s, ok, m)
		}
		if ok && (p.y != atoi(m[1]) || p.m != atoi(m[2]) || p.d != atoi(m[3])) {
			t.Fatalf("plainDate(%q) = %d-%d-%d, regexp %v", s, p.y, p.m, p.d, m)
		}
	})
}

func TestPlausible(t *testing.T) {
	cst := time.FixedZone("CST", 8*3600)
	now := time.Date(2026, 11, 27, 2, 0, 0, 0, cst)
	for _, tt := range []struct {
		d    string
		want bool
	}{
		{"2026-11-27", true},
		{"2026-11-30", true},  // within the slack
		{"2026-12-01", false}, // 4 days ahead
		{"2099-01-01", false},
		{"2026-11-27 23:59", true},
		{"1949-10-01", true},
		{"1948-12-31", false},
		{"", false},
		{"garbage!!", false},
	} {
		if got := Plausible(tt.d, now); got != tt.want {
			t.Errorf("Plausible(%q) = %v, want %v", tt.d, got, tt.want)
		}
	}
}
