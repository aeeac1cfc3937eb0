package portalsim

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// familyColumns returns, per family, the first column with more than one
// list page.
func familyColumns(t *testing.T, tr Truth) map[string]TruthColumn {
	t.Helper()
	fam := map[string]string{}
	for _, u := range tr.Units {
		fam[u.ID] = u.Family
	}
	out := map[string]TruthColumn{}
	for _, c := range tr.Columns {
		if f := fam[c.Unit]; out[f].ID == "" && c.Pages > 1 && c.Items > 20 {
			out[f] = c
		}
	}
	for _, f := range []string{"gongkai", "hanweb", "trs"} {
		if out[f].ID == "" {
			t.Fatalf("no paginated %s column", f)
		}
	}
	return out
}

func get(t *testing.T, c *http.Client, u string) (*http.Response, []byte, error) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, b, err
}

func TestPageFaults(t *testing.T) {
	tr0 := newSim(t, small).Truth("http://h")
	cols := familyColumns(t, tr0)
	gk, hw, trs := cols["gongkai"], cols["hanweb"], cols["trs"]
	itemOf := func(tr Truth, col string) TruthItem {
		for _, it := range tr.Items {
			if it.Column == col {
				return it
			}
		}
		t.Fatalf("no item in %s", col)
		return TruthItem{}
	}
	urlOf := func(tr Truth, id string) string {
		for _, c := range tr.Columns {
			if c.ID == id {
				return c.URL
			}
		}
		t.Fatalf("no column %s", id)
		return ""
	}
	cases := []struct {
		name   string
		faults Faults
		check  func(t *testing.T, s *Sim, tr Truth, c *http.Client)
	}{
		{"flapping", Faults{FlapUp: 3, FlapDown: 2}, func(t *testing.T, s *Sim, tr Truth, c *http.Client) {
			var got []int
			for range 10 {
				resp, _, err := get(t, c, tr.Items[0].URL)
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, resp.StatusCode)
			}
			want := []int{200, 200, 200, 503, 503, 200, 200, 200, 503, 503}
			if !equalInts(got, want) {
				t.Errorf("statuses %v, want %v", got, want)
			}
		}},
		{"huge", Faults{HugeColumns: []string{gk.ID}, HugeBytes: 3 << 20}, func(t *testing.T, s *Sim, tr Truth, c *http.Client) {
			resp, body, err := get(t, c, urlOf(tr, gk.ID))
			if err != nil {
				t.Fatal(err)
			}
			if resp.ContentLength != -1 || len(body) != 3<<20 || !bytes.Contains(body[:64<<10], []byte("doc-list")) {
				t.Errorf("huge page: length header %d, %d bytes", resp.ContentLength, len(body))
			}
			if _, body, _ := get(t, c, itemOf(tr, gk.ID).URL); len(body) > 1<<20 {
				t.Errorf("article of a huge column is %d bytes", len(body))
			}
		}},
		{"redirect loop", Faults{RedirectLoopColumns: []string{hw.ID}, RedirectLoopEvery: 1}, func(t *testing.T, s *Sim, tr Truth, c *http.Client) {
			for _, u := range []string{urlOf(tr, hw.ID), itemOf(tr, gk.ID).URL} {
				if _, _, err := get(t, c, u); err == nil || !strings.Contains(err.Error(), "stopped after 10 redirects") {
					t.Errorf("%s: err %v, want a redirect loop", u, err)
				}
			}
			if resp, _, err := get(t, c, urlOf(tr, gk.ID)); err != nil || resp.StatusCode != 200 {
				t.Errorf("other column: %v", err)
			}
		}},
		{"endless pager", Faults{EndlessColumns: []string{gk.ID, hw.ID, trs.ID}}, func(t *testing.T, s *Sim, tr Truth, c *http.Client) {
			base := strings.TrimSuffix(urlOf(tr, gk.ID), "/")
			_, body, _ := get(t, c, base+"/index_40.html")
			if !strings.Contains(string(body), `href="index_41.html">下一页`) || !strings.Contains(string(body), "doc-list") {
				t.Errorf("gongkai page 40: %.300s", body)
			}
			trsDir := strings.TrimSuffix(urlOf(tr, trs.ID), "index.html")
			_, body, _ = get(t, c, trsDir+"index_50.html")
			if !strings.Contains(string(body), `createPageHTML(52, 50,`) {
				t.Errorf("trs page 51: %.300s", body)
			}
			hwURL := urlOf(tr, hw.ID)
			i := strings.Index(hwURL, "/col/col")
			num := strings.TrimSuffix(hwURL[i+len("/col/col"):], "/index.html")
			_, body, _ = get(t, c, hwURL[:i]+"/module/web/jpage/dataproxy.jsp?startrecord=1000&endrecord=1044&perpage=15&columnid="+num)
			if n := strings.Count(string(body), "<record>"); n != 45 || !strings.Contains(string(body), "<totalrecord>10000") {
				t.Errorf("hanweb proxy past the end: %d records: %.200s", n, body)
			}
		}},
		{"session ids", Faults{SessionIDs: true}, func(t *testing.T, s *Sim, tr Truth, c *http.Client) {
			_, body, _ := get(t, c, urlOf(tr, gk.ID))
			page := string(body)
			for _, want := range []string{";jsessionid=", "?sid=", "utm_source=wechat&amp;utm_medium=share"} {
				if !strings.Contains(page, want) {
					t.Errorf("list page has no %q", want)
				}
			}
			it := itemOf(tr, gk.ID)
			_, plain, _ := get(t, c, it.URL)
			for _, u := range []string{it.URL + ";jsessionid=0123456789ABCDEF0123456789ABCDEF", it.URL + "?sid=0123456789abcdef0123456789abcdef&utm_source=x"} {
				resp, body, err := get(t, c, u)
				if err != nil || resp.StatusCode != 200 || !bytes.Equal(body, plain) {
					t.Errorf("%s: %v, same page %v", u, err, bytes.Equal(body, plain))
				}
			}
		}},
		{"non-html", Faults{NonHTMLColumns: []string{gk.ID, hw.ID}, NonHTMLEvery: 1}, func(t *testing.T, s *Sim, tr Truth, c *http.Client) {
			for u, want := range map[string]string{urlOf(tr, gk.ID): "application/json", urlOf(tr, hw.ID): "image/png", itemOf(tr, trs.ID).URL: "application/json"} {
				resp, body, err := get(t, c, u)
				if err != nil || resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), want) || bytes.Contains(body, []byte("<html")) {
					t.Errorf("%s: %v %q", u, err, resp.Header.Get("Content-Type"))
				}
			}
		}},
		{"malformed", Faults{MalformedEvery: 1}, func(t *testing.T, s *Sim, tr Truth, c *http.Client) {
			it := itemOf(tr, gk.ID)
			_, body, _ := get(t, c, it.URL)
			if !bytes.Contains(body, garbage) || bytes.Contains(body, []byte("</td>")) || bytes.Contains(body, []byte("</table>")) {
				t.Errorf("article not malformed: %.400s", body)
			}
			if !strings.Contains(strings.ToValidUTF8(string(body), ""), it.Title) {
				t.Error("the malformed page lost its title")
			}
		}},
		{"wrong charset per page", Faults{WrongCharsetEvery: 1}, func(t *testing.T, s *Sim, tr Truth, c *http.Client) {
			it := itemOf(tr, gk.ID) // unit 0 is UTF-8
			resp, body, _ := get(t, c, it.URL)
			dec, _ := simplifiedchinese.GBK.NewDecoder().Bytes(body)
			if utf8.Valid(body) || !strings.Contains(resp.Header.Get("Content-Type"), "utf-8") || !strings.Contains(string(dec), it.Title) {
				t.Errorf("UTF-8 page not sent in GBK: %q", resp.Header.Get("Content-Type"))
			}
			for _, u := range tr.Units {
				if u.Charset != "utf-8" && u.Declared == "header" {
					it := itemOf(tr, func() string {
						for _, c := range tr.Columns {
							if c.Unit == u.ID && c.Items > 0 {
								return c.ID
							}
						}
						return ""
					}())
					resp, body, _ := get(t, c, it.URL)
					if !utf8.Valid(body) || !strings.Contains(string(body), it.Title) || strings.Contains(resp.Header.Get("Content-Type"), "utf-8") {
						t.Errorf("%s page not sent in UTF-8 under its %q label", u.Charset, resp.Header.Get("Content-Type"))
					}
					break
				}
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			opt := small
			opt.Faults = tc.faults
			s := newSim(t, opt)
			srv := serve(t, s)
			c := srv.Client()
			tc.check(t, s, s.Truth(srv.URL), c)
		})
	}
}

// TestPageFaultsDeterministic serves the same faulty page from two
// portals with the same options: the same bytes.
func TestPageFaultsDeterministic(t *testing.T) {
	opt := small
	opt.Faults = Faults{SessionIDs: true, MalformedEvery: 2, WrongCharsetEvery: 3, NonHTMLEvery: 5, EndlessColumns: []string{"lzqrmzfbgs/政策文件"}}
	var pages [2][][]byte
	for i := range pages {
		s := newSim(t, opt)
		srv := serve(t, s)
		tr := s.Truth(srv.URL)
		for _, it := range tr.Items[:40] {
			_, body, err := get(t, srv.Client(), it.URL)
			if err != nil {
				t.Fatal(err)
			}
			pages[i] = append(pages[i], body)
		}
	}
	for i := range pages[0] {
		if !bytes.Equal(pages[0][i], pages[1][i]) {
			t.Fatalf("page %d differs between two portals with the same options", i)
		}
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
