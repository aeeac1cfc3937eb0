package portalsim

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

// TestUnreadableFaults checks the faults of issue 10 at the HTTP level, in
// both layout sets: what each answers, that the rest of the portal is
// untouched, and that none changes the truth.
func TestUnreadableFaults(t *testing.T) {
	for _, lay := range []Layouts{LayoutsClassic, LayoutsVaried} {
		t.Run(string(lay), func(t *testing.T) { testUnreadableFaults(t, lay) })
	}
}

func testUnreadableFaults(t *testing.T, lay Layouts) {
	base := small
	base.Layouts = lay
	tr0 := newSim(t, base).Truth("http://h")
	cols := familyColumns(t, tr0)
	gk, hw, trs := cols["gongkai"], cols["hanweb"], cols["trs"]
	ids := []string{gk.ID, hw.ID, trs.ID}
	per := map[string]int{}
	for _, u := range tr0.Units {
		per[u.ID] = u.Layout.PerPage
	}
	get := func(t *testing.T, c *http.Client, u string, h ...string) (int, string, error) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, u, nil)
		for i := 0; i+1 < len(h); i += 2 {
			req.Header.Set(h[i], h[i+1])
		}
		resp, err := c.Do(req)
		if err != nil {
			return 0, "", err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return resp.StatusCode, string(asUTF8(t, b)), err
	}
	// proxy is the URL of a hanweb column's data proxy from record start.
	proxy := func(col TruthColumn, start int) string {
		i := strings.Index(col.URL, "/col/col")
		num := strings.TrimSuffix(col.URL[i+len("/col/col"):], "/index.html")
		return fmt.Sprintf("%s/module/web/jpage/dataproxy.jsp?startrecord=%d&endrecord=%d&perpage=%d&columnid=%s",
			col.URL[:i], start, start+44, per[col.Unit], num)
	}
	// page2 is the URL of a column's second list page.
	page2 := func(col TruthColumn) string {
		switch {
		case strings.Contains(col.URL, "/col/col"):
			return proxy(col, per[col.Unit]+1)
		case strings.HasSuffix(col.URL, "/index.html"):
			return strings.TrimSuffix(col.URL, "index.html") + "index_1.html"
		}
		return col.URL + "index_2.html"
	}
	// linked counts the items of a column a list body links.
	linked := func(body, col string, tr Truth) int {
		n := 0
		for _, it := range tr.Items {
			if it.Column == col && strings.Contains(body, it.URL[strings.LastIndex(it.URL, "/")+1:]) {
				n++
			}
		}
		return n
	}
	type check func(t *testing.T, tr Truth, c *http.Client)
	cases := []struct {
		name   string
		faults Faults
		check  check
	}{
		{"WAF challenge with 200", Faults{WAF200Columns: ids}, func(t *testing.T, tr Truth, c *http.Client) {
			for _, col := range []TruthColumn{gk, hw, trs} {
				st, body, _ := get(t, c, col.URL)
				if st != 200 || !strings.Contains(body, challengeCookie) || linked(body, col.ID, tr) != 0 {
					t.Fatalf("%s: %d %q", col.ID, st, body)
				}
				cookie := challengeCookie + "=" + s0token(t, body)
				if st, body, _ := get(t, c, col.URL, "Cookie", cookie); st != 200 || linked(body, col.ID, tr) == 0 {
					t.Errorf("%s with the cookie: %d, %d entries", col.ID, st, linked(body, col.ID, tr))
				}
			}
			if st, body, _ := get(t, c, proxy(hw, 1)); st != 200 || !strings.Contains(body, challengeCookie) {
				t.Errorf("data proxy: %d", st)
			}
		}},
		{"soft 404", Faults{SoftNotFoundColumns: ids}, func(t *testing.T, tr Truth, c *http.Client) {
			for i, col := range []TruthColumn{gk, hw, trs} {
				st, body, _ := get(t, c, col.URL)
				want := []string{"页面不存在", "您访问的页面不存在"}[i%2]
				if st != 200 || !strings.Contains(body, want) || linked(body, col.ID, tr) != 0 {
					t.Errorf("%s: %d, no %q", col.ID, st, want)
				}
			}
		}},
		{"login page", Faults{LoginColumns: ids}, func(t *testing.T, tr Truth, c *http.Client) {
			for _, col := range []TruthColumn{gk, hw, trs} {
				if st, body, _ := get(t, c, col.URL); st != 200 || !strings.Contains(body, `type="password"`) {
					t.Errorf("%s: %d", col.ID, st)
				}
			}
		}},
		{"emptied list", Faults{EmptiedColumns: ids}, func(t *testing.T, tr Truth, c *http.Client) {
			for _, col := range []TruthColumn{gk, hw, trs} {
				st, body, _ := get(t, c, col.URL)
				if st != 200 || linked(body, col.ID, tr) != 0 {
					t.Errorf("%s: %d, %d entries", col.ID, st, linked(body, col.ID, tr))
				}
				for _, m := range emptyMarkers {
					if strings.Contains(body, m) {
						t.Errorf("%s: an emptied list says %s", col.ID, m)
					}
				}
				if st, _, _ := get(t, c, page2(col)); col.ID != hw.ID && st != 404 {
					t.Errorf("%s page 2 of an emptied list: %d", col.ID, st)
				}
			}
		}},
		{"shrunk list", Faults{ShrunkColumns: ids}, func(t *testing.T, tr Truth, c *http.Client) {
			for _, col := range []TruthColumn{gk, hw, trs} {
				_, body, _ := get(t, c, col.URL)
				if col.ID == hw.ID {
					_, more, _ := get(t, c, proxy(hw, per[hw.Unit]+1))
					body += more
				} else {
					for p := 2; p <= col.Pages; p++ {
						u := col.URL + fmt.Sprintf("index_%d.html", p)
						if strings.HasSuffix(col.URL, "/index.html") {
							u = strings.TrimSuffix(col.URL, "index.html") + fmt.Sprintf("index_%d.html", p-1)
						}
						_, b, _ := get(t, c, u)
						body += b
					}
				}
				if n := linked(body, col.ID, tr); n != col.Items/3 {
					t.Errorf("%s: %d entries of %d, want %d", col.ID, n, col.Items, col.Items/3)
				}
			}
		}},
		{"later list pages fail", Faults{PageFailColumns: ids}, func(t *testing.T, tr Truth, c *http.Client) {
			for _, col := range []TruthColumn{gk, hw, trs} {
				if st, body, _ := get(t, c, col.URL); st != 200 || linked(body, col.ID, tr) == 0 {
					t.Errorf("%s page 1: %d", col.ID, st)
				}
				if st, _, _ := get(t, c, page2(col)); st != 500 {
					t.Errorf("%s page 2 (%s): %d, want 500", col.ID, page2(col), st)
				}
			}
		}},
		{"attachment outages", Faults{AttThrottleEvery: 2, AttFirewallEvery: 3}, func(t *testing.T, tr Truth, c *http.Client) {
			n := map[int]int{}
			for _, it := range tr.Items {
				for _, a := range it.Attachments {
					st, body, _ := get(t, c, a)
					n[st]++
					if st == 403 && !strings.Contains(body, "防火墙") {
						t.Errorf("%s: 403 without a firewall page", a)
					}
				}
			}
			if n[429] == 0 || n[403] == 0 || n[200] == 0 {
				t.Errorf("attachment statuses %v", n)
			}
			if st, _, _ := get(t, c, tr.Items[0].URL); st != 200 {
				t.Errorf("article: %d", st)
			}
		}},
		{"cut article bodies", Faults{CutArticleEvery: 1}, func(t *testing.T, tr Truth, c *http.Client) {
			c.Transport.(*http.Transport).DisableCompression = true
			cut := 0
			for _, it := range tr.Items[:40] {
				st, body, err := get(t, c, it.URL)
				if err == nil || !errors.Is(err, io.ErrUnexpectedEOF) && !strings.Contains(err.Error(), "EOF") {
					t.Errorf("%s: %d %v", it.URL, st, err)
					continue
				}
				if strings.Contains(body, "</html>") || len(it.Attachments) > 0 && strings.Contains(body, "附件") && strings.Contains(body, ".pdf\"") {
					t.Errorf("%s: the cut page holds its end or its attachment links", it.URL)
				}
				cut++
			}
			if cut == 0 {
				t.Error("no article cut")
			}
			if st, _, err := get(t, c, tr.Columns[0].URL); st != 200 || err != nil {
				t.Errorf("list page: %d %v", st, err)
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			opt := base
			opt.Faults = tc.faults
			s := newSim(t, opt)
			srv := serve(t, s)
			c := srv.Client()
			c.Transport.(*http.Transport).DisableKeepAlives = true
			tr := s.Truth(srv.URL)
			if !reflect.DeepEqual(tr.Violations, newSim(t, base).Truth(srv.URL).Violations) {
				t.Error("the fault changes the truth")
			}
			for i := range ids {
				for _, col := range tr.Columns {
					if col.ID == ids[i] {
						switch i {
						case 0:
							gk = col
						case 1:
							hw = col
						default:
							trs = col
						}
					}
				}
			}
			tc.check(t, tr, c)
		})
	}
}

// s0token returns the cookie value a challenge page sets.
func s0token(t *testing.T, body string) string {
	t.Helper()
	i := strings.Index(body, challengeCookie+"=\",\"")
	if i < 0 {
		t.Fatalf("no cookie in %q", body)
	}
	v := body[i+len(challengeCookie+"=\",\""):]
	return v[:strings.IndexByte(v, '"')]
}
