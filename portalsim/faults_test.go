package portalsim

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
)

func TestFaults(t *testing.T) {
	base := small
	base.Units, base.Items = 3, 20
	// Column ids of the first units' policy columns (gongkai and hanweb).
	s0 := newSim(t, base)
	tr0 := s0.Truth("http://h")
	var gk, hw string
	for _, c := range tr0.Columns {
		if c.Name == "政策文件" && c.Unit == "lzqrmzfbgs" {
			gk = c.ID
		}
		if c.Name == "政策文件" && c.Unit == "lzqfgj" {
			hw = c.ID
		}
	}
	type check func(t *testing.T, s *Sim, tr Truth, c *http.Client)
	get := func(t *testing.T, c *http.Client, u string, h ...string) (int, string, error) {
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
		return resp.StatusCode, string(b), err
	}
	column := func(tr Truth, id string) TruthColumn {
		for _, c := range tr.Columns {
			if c.ID == id {
				return c
			}
		}
		t.Fatalf("no column %s", id)
		return TruthColumn{}
	}
	firstItem := func(tr Truth, col string) string {
		for _, it := range tr.Items {
			if it.Column == col {
				return it.URL
			}
		}
		return ""
	}
	cases := []struct {
		name   string
		faults Faults
		check  check
	}{
		{"down", Faults{Down: true}, func(t *testing.T, s *Sim, tr Truth, c *http.Client) {
			for _, u := range []string{tr.Units[0].Catalog, tr.Items[0].URL, strings.TrimSuffix(tr.Units[0].Catalog, "/gongkai/site_lzqrmzfbgs/") + "/robots.txt"} {
				if st, _, err := get(t, c, u); err != nil || st != 503 {
					t.Errorf("%s: %d %v, want 503", u, st, err)
				}
			}
		}},
		{"flaky", Faults{Flaky5xxEvery: 1}, func(t *testing.T, s *Sim, tr Truth, c *http.Client) {
			u := tr.Items[3].URL
			if st, _, _ := get(t, c, u); st != 503 {
				t.Errorf("first request %d, want 503", st)
			}
			for range 2 {
				if st, _, _ := get(t, c, u); st != 200 {
					t.Errorf("next request %d, want 200", st)
				}
			}
		}},
		{"down columns", Faults{Down5xxColumns: []string{gk, hw}}, func(t *testing.T, s *Sim, tr Truth, c *http.Client) {
			for _, id := range []string{gk, hw} {
				col := column(tr, id)
				if st, _, _ := get(t, c, col.URL); st != 503 {
					t.Errorf("%s list: %d, want 503", id, st)
				}
				if st, _, _ := get(t, c, firstItem(tr, id)); st != 200 {
					t.Errorf("%s article: %d, want 200", id, st)
				}
			}
			hwURL := column(tr, hw).URL
			i := strings.Index(hwURL, "/col/col")
			num := strings.TrimSuffix(hwURL[i+len("/col/col"):], "/index.html")
			proxy := hwURL[:i] + "/module/web/jpage/dataproxy.jsp?startrecord=16&endrecord=60&perpage=15&columnid=" + num
			if st, _, _ := get(t, c, proxy); st != 503 {
				t.Errorf("data proxy of a down column: %d, want 503", st)
			}
			if st, _, _ := get(t, c, tr.Columns[len(tr.Columns)-1].URL); st != 200 {
				t.Errorf("another column: %d", st)
			}
		}},
		{"challenge columns", Faults{ChallengeColumns: []string{gk}}, func(t *testing.T, s *Sim, tr Truth, c *http.Client) {
			u := column(tr, gk).URL
			st, body, _ := get(t, c, u)
			if st != http.StatusPreconditionFailed || !strings.Contains(body, "document.cookie=\"__jsl_clearance=") {
				t.Fatalf("challenged column: %d %q", st, body)
			}
			cookie := body[strings.Index(body, "__jsl_clearance="):]
			cookie = cookie[:strings.Index(cookie, ";")]
			if st, _, _ := get(t, c, u, "Cookie", cookie); st != 200 {
				t.Errorf("with the cookie: %d, want 200", st)
			}
			if st, _, _ := get(t, c, tr.Units[0].Catalog); st != 200 {
				t.Errorf("catalog: %d, want 200", st)
			}
		}},
		{"challenge all", Faults{ChallengeAll: true}, func(t *testing.T, s *Sim, tr Truth, c *http.Client) {
			for _, u := range []string{tr.Units[1].Catalog, tr.Items[0].URL, tr.Letters[0].URL} {
				if st, _, _ := get(t, c, u); st != 412 {
					t.Errorf("%s: %d, want 412", u, st)
				}
			}
		}},
		{"reset", Faults{ResetEvery: 1}, func(t *testing.T, s *Sim, tr Truth, c *http.Client) {
			if _, _, err := get(t, c, tr.Items[0].URL); err == nil {
				t.Error("no error on a reset connection")
			}
		}},
		{"truncate", Faults{TruncateEvery: 1}, func(t *testing.T, s *Sim, tr Truth, c *http.Client) {
			_, _, err := get(t, c, tr.Items[0].URL)
			if !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Errorf("truncated body: err %v, want unexpected EOF", err)
			}
		}},
		{"slow", Faults{SlowEvery: 1, SlowDelay: 300 * time.Millisecond}, func(t *testing.T, s *Sim, tr Truth, c *http.Client) {
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			defer cancel()
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, tr.Items[0].URL, nil)
			if resp, err := c.Do(req); err == nil {
				resp.Body.Close()
				t.Error("slow page answered within 50ms")
			}
			start := time.Now()
			if st, _, err := get(t, c, tr.Items[0].URL); err != nil || st != 200 {
				t.Errorf("slow page: %d %v", st, err)
			}
			if d := time.Since(start); d < 250*time.Millisecond {
				t.Errorf("slow page took only %v", d)
			}
		}},
		{"wrong charset", Faults{WrongCharsetUnits: []string{"lzqrmzfbgs"}}, func(t *testing.T, s *Sim, tr Truth, c *http.Client) {
			resp, err := c.Get(tr.Items[0].URL)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if ct := resp.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" || utf8.Valid(body) {
				t.Errorf("Content-Type %q, valid UTF-8 %v", ct, utf8.Valid(body))
			}
			dec, _ := simplifiedchinese.GBK.NewDecoder().Bytes(body)
			if !strings.Contains(string(dec), "区政府办公室") || !strings.Contains(string(dec), `<meta charset="utf-8">`) {
				t.Error("GBK-decoded page lacks the unit name or the (wrong) utf-8 meta")
			}
			if tr.Units[0].Declared != "wrong" || tr.Units[0].Charset != "gbk" {
				t.Errorf("truth unit %+v", tr.Units[0])
			}
		}},
		{"every nth", Faults{Flaky5xxEvery: 4}, func(t *testing.T, s *Sim, tr Truth, c *http.Client) {
			failed := 0
			for _, it := range tr.Items {
				if st, _, _ := get(t, c, it.URL); st == 503 {
					failed++
				}
			}
			if n := len(tr.Items); failed < n/8 || failed > n/2 {
				t.Errorf("%d of %d pages flaky with every 4th", failed, n)
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
			tc.check(t, s, s.Truth(srv.URL), c)
		})
	}
}
