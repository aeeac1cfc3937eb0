package portalsim

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// TestTruthURLsAnswer requests every URL of the truth: items, working
// attachments, letters, catalogs and columns answer 200; broken
// attachments are broken the way the truth says; dead links answer 404.
func TestTruthURLsAnswer(t *testing.T) {
	for _, lay := range []Layouts{LayoutsClassic, LayoutsVaried} {
		opt := small
		opt.Layouts = lay
		t.Run(string(lay), func(t *testing.T) { testTruthURLsAnswer(t, newSim(t, opt)) })
	}
}

func testTruthURLsAnswer(t *testing.T, s *Sim) {
	srv := serve(t, s)
	tr := s.Truth(srv.URL)
	c := srv.Client()
	ok := func(u string) {
		resp, body := fetch(t, c, u)
		if resp.StatusCode != 200 || len(body) == 0 {
			t.Errorf("GET %s: %d, %d bytes", u, resp.StatusCode, len(body))
		}
	}
	for _, u := range tr.Units {
		ok(u.Catalog)
	}
	for _, col := range tr.Columns {
		ok(col.URL)
	}
	for _, mb := range tr.Mailboxes {
		ok(mb.URL)
	}
	for _, l := range tr.Letters {
		ok(l.URL)
	}
	kinds := map[string]int{}
	for _, it := range tr.Items {
		ok(it.URL)
		for _, a := range it.Attachments {
			resp, body := fetch(t, c, a)
			if !slices.Contains(it.Broken, a) {
				if resp.StatusCode != 200 || len(body) == 0 || strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
					t.Errorf("attachment %s: %d %s, %d bytes", a, resp.StatusCode, resp.Header.Get("Content-Type"), len(body))
				}
				continue
			}
			switch {
			case resp.StatusCode == 404:
				kinds["404"]++
			case resp.StatusCode == 200 && strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html"):
				kinds["html"]++
			case resp.StatusCode == 200 && len(body) == 0:
				kinds["empty"]++
			default:
				t.Errorf("broken attachment %s downloads: %d, %d bytes", a, resp.StatusCode, len(body))
			}
		}
		if it.DeadLink != "" {
			if resp, _ := fetch(t, c, it.DeadLink); resp.StatusCode != 404 {
				t.Errorf("dead link %s: %d", it.DeadLink, resp.StatusCode)
			}
		}
	}
	for _, k := range []string{"404", "html", "empty"} {
		if kinds[k] == 0 {
			t.Errorf("no broken attachment of kind %s", k)
		}
	}
	for _, v := range tr.Violations {
		if v.URL == "" {
			t.Errorf("violation without URL: %+v", v)
		}
	}
	if resp, _ := fetch(t, c, srv.URL+"/admin/"); resp.StatusCode != 404 {
		t.Errorf("/admin/: %d", resp.StatusCode)
	}
	resp, body := fetch(t, c, srv.URL+"/robots.txt")
	if resp.StatusCode != 200 || !strings.Contains(string(body), "Disallow: /admin/") {
		t.Errorf("robots.txt: %d %q", resp.StatusCode, body)
	}
}

func TestAttachmentBytes(t *testing.T) {
	s := newSim(t, small)
	srv := serve(t, s)
	tr := s.Truth(srv.URL)
	magic := map[string]string{"pdf": "%PDF-1.4", "docx": "PK\x03\x04", "xlsx": "PK\x03\x04", "ofd": "PK\x03\x04",
		"zip": "PK\x03\x04", "doc": "\xd0\xcf\x11\xe0", "xls": "\xd0\xcf\x11\xe0", "wps": "\xd0\xcf\x11\xe0", "rar": "Rar!"}
	seen := map[string]bool{}
	for _, it := range tr.Items {
		for _, a := range it.Attachments {
			if slices.Contains(it.Broken, a) {
				continue
			}
			ext := a[strings.LastIndex(a, ".")+1:]
			if seen[ext] {
				continue
			}
			seen[ext] = true
			_, body := fetch(t, srv.Client(), a)
			if m, ok := magic[ext]; ok && !bytes.HasPrefix(body, []byte(m)) {
				t.Errorf("%s does not start with the %s magic: %q", a, ext, body[:min(10, len(body))])
			}
			// HEAD and a ranged GET, as a crawler probes.
			req, _ := http.NewRequest(http.MethodHead, a, nil)
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 200 || resp.ContentLength != int64(len(body)) {
				t.Errorf("HEAD %s: %d, length %d, want %d", a, resp.StatusCode, resp.ContentLength, len(body))
			}
			req, _ = http.NewRequest(http.MethodGet, a, nil)
			req.Header.Set("Range", "bytes=0-511")
			resp, err = srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusPartialContent || resp.ContentLength != 512 {
				t.Errorf("ranged GET %s: %d, length %d", a, resp.StatusCode, resp.ContentLength)
			}
		}
	}
	if len(seen) < 6 {
		t.Errorf("only %d attachment types: %v", len(seen), seen)
	}
}

var (
	reNext      = regexp.MustCompile(`<a href="([^"]+)">下一页</a>`)
	reTotal     = regexp.MustCompile(`<totalrecord>(\d+)</totalrecord>`)
	reRecordURL = regexp.MustCompile(`<record><!\[CDATA\[<li><a href="([^"]+)"`)
	rePageHTML  = regexp.MustCompile(`createPageHTML\((\d+), (\d+), "index", "html"\)`)
	reListEntry = regexp.MustCompile(`<li><a href="([^"]+)" title=`)
)

func resolve(t *testing.T, base, ref string) string {
	b, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	r, err := url.Parse(ref)
	if err != nil {
		t.Fatal(err)
	}
	return b.ResolveReference(r).String()
}

// walkColumn collects a column's item URLs the way each family pages,
// with plain HTTP and string matching.
func walkColumn(t *testing.T, c *http.Client, family, first string) []string {
	var got []string
	switch family {
	case "gongkai":
		for page, n := first, 0; page != ""; n++ {
			if n > 100 {
				t.Fatalf("%s: pager does not end", first)
			}
			_, body := fetch(t, c, page)
			body = asUTF8(t, body)
			for _, m := range reListEntry.FindAllStringSubmatch(string(body), -1) {
				got = append(got, resolve(t, page, m[1]))
			}
			next := ""
			if m := reNext.FindStringSubmatch(string(body)); m != nil {
				next = resolve(t, page, m[1])
			}
			page = next
		}
	case "trs":
		_, body := fetch(t, c, first)
		m := rePageHTML.FindStringSubmatch(string(body))
		if m == nil || m[2] != "0" {
			t.Fatalf("%s: no createPageHTML(count, 0, …)", first)
		}
		count, _ := strconv.Atoi(m[1])
		for i := 0; i < count; i++ {
			page := first
			if i > 0 {
				page = resolve(t, first, fmt.Sprintf("index_%d.html", i))
				_, body = fetch(t, c, page)
				if m := rePageHTML.FindStringSubmatch(string(body)); m == nil || m[2] != strconv.Itoa(i) {
					t.Errorf("%s: current page not %d", page, i)
				}
			}
			for _, m := range reListEntry.FindAllStringSubmatch(string(body), -1) {
				got = append(got, resolve(t, page, m[1]))
			}
		}
		if resp, _ := fetch(t, c, resolve(t, first, fmt.Sprintf("index_%d.html", max(count, 1)))); resp.StatusCode != 404 {
			t.Errorf("%s: page past the end answers %d", first, resp.StatusCode)
		}
	case "hanweb":
		_, body := fetch(t, c, first)
		for _, m := range reRecordURL.FindAllStringSubmatch(string(body), -1) {
			got = append(got, resolve(t, first, m[1]))
		}
		m := regexp.MustCompile(`columnid=(\d+)&unitid=(\d+)`).FindStringSubmatch(string(body))
		if m == nil {
			t.Fatalf("%s: no data proxy in nextgroup", first)
		}
		proxy := resolve(t, first, "/module/web/jpage/dataproxy.jsp")
		total := -1
		for start, i := 16, 0; total < 0 || start <= total; start, i = start+45, i+1 {
			q := fmt.Sprintf("%s?startrecord=%d&endrecord=%d&perpage=15", proxy, start, start+44)
			form := url.Values{"col": {"1"}, "appid": {"1"}, "webid": {"1"}, "path": {"/"}, "columnid": {m[1]},
				"sourceContentType": {"1"}, "unitid": {m[2]}, "permissiontype": {"0"}}
			var resp *http.Response
			var err error
			if i%2 == 0 {
				resp, err = c.PostForm(q, form)
			} else {
				resp, err = c.Get(q + "&" + form.Encode())
			}
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			buf.ReadFrom(resp.Body)
			resp.Body.Close()
			tm := reTotal.FindStringSubmatch(buf.String())
			if tm == nil {
				t.Fatalf("%s: no totalrecord", q)
			}
			total, _ = strconv.Atoi(tm[1])
			for _, m := range reRecordURL.FindAllStringSubmatch(buf.String(), -1) {
				got = append(got, resolve(t, first, m[1]))
			}
		}
	}
	return got
}

// asUTF8 decodes a page of a GBK or GB18030 unit (GB18030 is a superset
// of GBK); UTF-8 pages are returned as they are.
func asUTF8(t *testing.T, body []byte) []byte {
	if utf8.Valid(body) {
		return body
	}
	b, err := simplifiedchinese.GB18030.NewDecoder().Bytes(body)
	if err != nil {
		t.Fatalf("decode GB18030: %v", err)
	}
	return b
}

func TestPaginationPerFamily(t *testing.T) {
	s := newSim(t, small)
	srv := serve(t, s)
	tr := s.Truth(srv.URL)
	fam := map[string]string{}
	for _, u := range tr.Units {
		fam[u.ID] = u.Family
	}
	want := map[string][]string{}
	for _, it := range tr.Items {
		want[it.Column] = append(want[it.Column], it.URL)
	}
	multi := map[string]int{}
	for _, col := range tr.Columns {
		got := walkColumn(t, srv.Client(), fam[col.Unit], col.URL)
		if !slices.Equal(got, want[col.ID]) {
			t.Errorf("%s (%s): walked %d items, truth has %d", col.ID, fam[col.Unit], len(got), len(want[col.ID]))
		}
		if col.Pages > 1 {
			multi[fam[col.Unit]]++
		}
	}
	for _, f := range []string{"gongkai", "hanweb", "trs"} {
		if multi[f] == 0 {
			t.Errorf("no %s column with more than one page", f)
		}
	}
}

func TestMailboxPagination(t *testing.T) {
	s := newSim(t, small)
	srv := serve(t, s)
	tr := s.Truth(srv.URL)
	unescape := strings.NewReplacer(`\"`, `"`, `\/`, `/`)
	reLetter := regexp.MustCompile(`<a href="(letter_\d+\.html)">`)
	for _, mb := range tr.Mailboxes {
		var got []string
		for page := mb.URL; page != ""; {
			_, body := fetch(t, srv.Client(), page)
			text := string(body)
			if mb.Form == "script" {
				if !strings.Contains(text, "var dataStore = [") {
					t.Errorf("%s: no dataStore", page)
				}
				text = unescape.Replace(text)
			} else if !strings.Contains(text, `<table class="letter-list">`) {
				t.Errorf("%s: no letter table", page)
			}
			for _, m := range reLetter.FindAllStringSubmatch(text, -1) {
				got = append(got, resolve(t, page, m[1]))
			}
			page = ""
			if m := reNext.FindStringSubmatch(string(body)); m != nil {
				page = resolve(t, mb.URL, m[1])
			}
		}
		var want []string
		for _, l := range tr.Letters {
			if l.Mailbox == mb.ID {
				want = append(want, l.URL)
			}
		}
		if !slices.Equal(got, want) || len(got) != mb.Letters {
			t.Errorf("%s: walked %d letters, want %d", mb.ID, len(got), len(want))
		}
	}
	// A letter page carries every field of the format.
	_, body := fetch(t, srv.Client(), tr.Letters[len(tr.Letters)-1].URL)
	for _, f := range []string{"信件编号", "信件标题", "来信时间", "处理状态", "答复单位", "答复时间", "答复内容"} {
		if !strings.Contains(string(body), "<td class=\"label\">"+f+"</td>") {
			t.Errorf("letter page lacks %s", f)
		}
	}
}

func TestChineseCharsets(t *testing.T) {
	s := newSim(t, small)
	srv := serve(t, s)
	tr := s.Truth(srv.URL)
	seen := map[string]bool{}
	for _, u := range tr.Units {
		var item TruthItem
		for _, it := range tr.Items {
			if it.Unit == u.ID && it.Written != "" {
				item = it
				break
			}
		}
		for _, page := range []string{u.Catalog, item.URL} {
			resp, body := fetch(t, srv.Client(), page)
			ct := resp.Header.Get("Content-Type")
			var text string
			switch u.Charset {
			case "utf-8":
				text = string(body)
				if ct != "text/html; charset=utf-8" {
					t.Errorf("%s: Content-Type %q", page, ct)
				}
			case "gbk", "gb18030":
				if utf8.Valid(body) {
					t.Errorf("%s: %s page is valid UTF-8", page, u.Charset)
				}
				dec := simplifiedchinese.GBK.NewDecoder()
				if u.Charset == "gb18030" {
					dec = simplifiedchinese.GB18030.NewDecoder()
				}
				b, err := dec.Bytes(body)
				if err != nil {
					t.Fatalf("%s: decode %s: %v", page, u.Charset, err)
				}
				text = string(b)
				hasHeader := strings.Contains(strings.ToLower(ct), "charset=")
				if hasHeader != (u.Declared == "header") {
					t.Errorf("%s: Content-Type %q, declared in %s", page, ct, u.Declared)
				}
				if !strings.Contains(strings.ToLower(text), "charset=") {
					t.Errorf("%s: no charset in the page", page)
				}
			}
			seen[u.Charset+"/"+u.Declared] = true
			if !strings.Contains(text, u.Name) {
				t.Errorf("%s: unit name %s not in the decoded page", page, u.Name)
			}
			if page == item.URL && !strings.Contains(text, item.Title) {
				t.Errorf("%s: title %s not in the decoded page", page, item.Title)
			}
		}
	}
	for _, k := range []string{"utf-8/header", "gbk/header", "gbk/meta", "gb18030/header"} {
		if !seen[k] {
			t.Errorf("no unit served as %s", k)
		}
	}
}

func TestConditionalGET(t *testing.T) {
	s := newSim(t, small)
	srv := serve(t, s)
	tr := s.Truth(srv.URL)
	c := srv.Client()
	pages := []string{srv.URL + "/", tr.Units[1].Catalog, tr.Columns[0].URL, tr.Items[0].URL, tr.Letters[0].URL}
	for _, it := range tr.Items {
		if len(it.Attachments) > 0 && len(it.Broken) == 0 {
			pages = append(pages, it.Attachments[0])
			break
		}
	}
	restarted := serve(t, newSim(t, small))
	for _, p := range pages {
		resp, _ := fetch(t, c, p)
		etag, lm := resp.Header.Get("ETag"), resp.Header.Get("Last-Modified")
		if etag == "" || lm == "" {
			t.Fatalf("%s: ETag %q, Last-Modified %q", p, etag, lm)
		}
		for _, h := range []map[string]string{{"If-None-Match": etag}, {"If-Modified-Since": lm}} {
			req, _ := http.NewRequest(http.MethodGet, p, nil)
			for k, v := range h {
				req.Header.Set(k, v)
			}
			resp, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusNotModified {
				t.Errorf("%s with %v: %d, want 304", p, h, resp.StatusCode)
			}
		}
		req, _ := http.NewRequest(http.MethodGet, p, nil)
		req.Header.Set("If-None-Match", `"0000"`)
		if resp, err := c.Do(req); err != nil || resp.StatusCode != 200 {
			t.Errorf("%s with another ETag: %v %v", p, resp.StatusCode, err)
		} else {
			resp.Body.Close()
		}
		// The same page after a restart has the same validators.
		r2, _ := fetch(t, c, strings.Replace(p, srv.URL, restarted.URL, 1))
		if r2.Header.Get("ETag") != etag || r2.Header.Get("Last-Modified") != lm {
			t.Errorf("%s: validators change across restarts", p)
		}
	}
}

func TestRequestsCounted(t *testing.T) {
	s := newSim(t, small)
	srv := serve(t, s)
	before := s.Requests()
	for range 5 {
		fetch(t, srv.Client(), srv.URL+"/robots.txt")
	}
	fetch(t, srv.Client(), srv.URL+"/nothing-here")
	if got := s.Requests() - before; got != 6 {
		t.Errorf("Requests grew by %d, want 6", got)
	}
}
