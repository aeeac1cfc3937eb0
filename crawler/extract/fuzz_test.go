package extract

import (
	"net/url"
	"strings"
	"testing"
)

// seeds returns the fixtures as a seed corpus.
func seeds(f *testing.F) {
	for _, name := range []string{"gongkai_list.html", "gongkai_list_3.html", "gongkai_doc.html", "gongkai_catalog.html",
		"hanweb_col.html", "hanweb_proxy.xml", "hanweb_art.html", "trs_index.html", "mailbox_table.html",
		"mailbox_script.html", "letter.html", "letter_unanswered.html"} {
		f.Add(fixture(f, name))
	}
	f.Add([]byte(`<script>createPageHTML(99999999999, 0, "index", "html");</script><record><![CDATA[<li><a href="x">`))
	f.Add([]byte(`<script>var dataStore = ["<tr><td>\u0041\x4`))
}

func checkURL(t *testing.T, what, u string) {
	t.Helper()
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
		t.Fatalf("%s: bad URL %q", what, u)
	}
}

func checkDate(t *testing.T, what, d string) {
	t.Helper()
	if d == "" {
		return
	}
	if len(d) < 10 || d[4] != '-' || d[7] != '-' {
		t.Fatalf("%s: bad date %q", what, d)
	}
}

// FuzzList feeds arbitrary bytes to the list, pager and proxy extractors.
func FuzzList(f *testing.F) {
	seeds(f)
	base, _ := url.Parse("http://www.example.gov.cn/col/col1229/index.html")
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, fam := range []string{Gongkai, Hanweb, TRS, Generic, ""} {
			lp, err := List(Page{URL: base, Body: body, Family: fam, Now: now})
			if err != nil {
				continue
			}
			for _, e := range lp.Entries {
				checkURL(t, "entry", e.URL)
				checkDate(t, "entry date", e.Date)
			}
			if lp.Next != "" {
				checkURL(t, "next", lp.Next)
			}
			for _, p := range lp.Pages {
				checkURL(t, "page", p)
			}
		}
		if pp, err := HanwebProxy(Page{URL: base, Body: body, Now: now}); err == nil {
			for _, e := range pp.Entries {
				checkURL(t, "proxy entry", e.URL)
			}
		}
	})
}

// FuzzArticle feeds arbitrary bytes to the article extractor.
func FuzzArticle(f *testing.F) {
	seeds(f)
	base, _ := url.Parse("http://www.example.gov.cn/jtj/zcwj/202103/t20210317_1.html")
	f.Fuzz(func(t *testing.T, body []byte) {
		a, err := ParseArticle(Page{URL: base, Body: body, Family: TRS, Now: now})
		if err != nil {
			return
		}
		checkDate(t, "published", a.Published)
		checkDate(t, "written", a.Written)
		if len(a.Attachments) > maxAttachments || len(a.Links) > maxLinks || len(a.Named) > maxNamed {
			t.Fatalf("limits exceeded: %d %d %d", len(a.Attachments), len(a.Links), len(a.Named))
		}
		for _, at := range a.Attachments {
			checkURL(t, "attachment", at.URL)
		}
		for _, l := range a.Links {
			checkURL(t, "link", l)
		}
	})
}

// FuzzMailbox feeds arbitrary bytes to the mailbox, letter and catalog extractors.
func FuzzMailbox(f *testing.F) {
	seeds(f)
	base, _ := url.Parse("http://www.example.gov.cn/qzxx/list.html")
	f.Fuzz(func(t *testing.T, body []byte) {
		if ll, err := Letters(Page{URL: base, Body: body, Now: now}); err == nil {
			for _, r := range ll.Rows {
				if r.URL != "" {
					checkURL(t, "letter", r.URL)
				}
				if r.Received != "" && !strings.HasPrefix(r.Received, "20") && !strings.HasPrefix(r.Received, "19") {
					t.Fatalf("bad received %q", r.Received)
				}
			}
		}
		ParseLetter(Page{URL: base, Body: body, Now: now})
		if chs, err := Catalog(Page{URL: base, Body: body}); err == nil {
			for _, c := range chs {
				checkURL(t, "channel", c.URL)
			}
		}
	})
}

// FuzzScriptWrites: the script evaluator never panics, and what it
// writes stays within its bound whatever the script.
func FuzzScriptWrites(f *testing.F) {
	f.Add(`var a = "x" + 'y'; document.write("<a href='" + a + "'>" + b + "</a>");`)
	f.Add(`var s = ""; s += '<li>' + (n + "1") + "<\/li>"; document.writeln(s + s);`)
	f.Add(`document.write("unterminated`)
	f.Add(`/* c */ var x = 1, y = 'z'; // d` + "\n" + `x = x + y; document.write(x)`)
	f.Fuzz(func(t *testing.T, src string) {
		if out := scriptWrites(src); len(out) > maxScriptOut {
			t.Fatalf("wrote %d bytes", len(out))
		}
	})
}

// FuzzCreatePager: a pager call with any arguments never panics, and a
// page count it reads is never negative.
func FuzzCreatePager(f *testing.F) {
	f.Add(`var countPage = 6//共多少页` + "\n" + `createPageHTML(countPage, 0, "index", "html");`)
	f.Add(`createPageHTML('page_div', 4, 1, 'index', 'html', 58);`)
	f.Add(`createPageHTML(n, c, p, s); var n = "9"`)
	f.Add(`createPageHTML(99999999999999999999999, 0, "index", "html")`)
	f.Fuzz(func(t *testing.T, body string) {
		if n, _, _, ok := createPager([]byte(body)); ok && n < 0 {
			t.Fatalf("page count %d", n)
		}
	})
}
