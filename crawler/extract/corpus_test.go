package extract

import (
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"
)

// want is what a corpus page must yield; see corpusWant.
type want struct {
	family    string
	entries   []string
	next      string
	pages     []string
	pageCount int
	declared  int // a page count printed beside a pager that names no page
	total     int // a data proxy's <totalrecord>
	proxy     *wantProxy
	article   *wantArticle
	rows      []string
	letter    *Letter
	channels  []string
}

// wantProxy is a data proxy's address, page size, record counts and
// some of its form fields.
type wantProxy struct {
	url                    string
	perPage, total, embedd int
	form                   map[string]string
}

// wantArticle is what an article page yields, with where its dates came from.
type wantArticle struct {
	title, pub, pubFrom, written, writtenFrom    string
	docNo, indexNo, publisher, validity, subject string
	atts, named                                  []string
}

func entryStrings(es []Entry) []string {
	out := []string{}
	for _, e := range es {
		out = append(out, e.Date+"|"+e.Title+"|"+strings.TrimPrefix(e.URL, site))
	}
	return out
}

func trimSite(us []string) []string {
	out := []string{}
	for _, u := range us {
		out = append(out, strings.TrimPrefix(u, site))
	}
	return out
}

func checkProxy(t *testing.T, h *HanwebList, w *wantProxy) {
	t.Helper()
	if (h == nil) != (w == nil) {
		t.Fatalf("data proxy = %+v, want %+v", h, w)
	}
	if h == nil {
		return
	}
	if got := strings.TrimPrefix(h.Proxy, site); got != w.url || h.PerPage != w.perPage || h.Total != w.total || h.Embedded != w.embedd {
		t.Errorf("data proxy = %s per %d total %d embedded %d, want %s per %d total %d embedded %d",
			got, h.PerPage, h.Total, h.Embedded, w.url, w.perPage, w.total, w.embedd)
	}
	for k, v := range w.form {
		if h.Form.Get(k) != v {
			t.Errorf("data proxy form %s = %q, want %q (form %v)", k, h.Form.Get(k), v, h.Form)
		}
	}
}

// TestCorpus reads every page of the corpus (pages written for these
// tests after the structures of real portals: see testdata/corpus/README.md)
// and checks what the extractor makes of it.
func TestCorpus(t *testing.T) {
	if len(corpusCases) < 40 {
		t.Errorf("corpus of %d pages, want at least 40", len(corpusCases))
	}
	for _, c := range corpusCases {
		t.Run(c.file, func(t *testing.T) {
			w, ok := corpusWant[c.file]
			if !ok {
				t.Fatalf("no expectations for %s", c.file)
			}
			p := corpusPage(t, c)
			switch c.kind {
			case "list":
				lp, err := List(p)
				if err != nil {
					t.Fatal(err)
				}
				if lp.Family != w.family {
					t.Errorf("family = %s, want %s", lp.Family, w.family)
				}
				if got := entryStrings(lp.Entries); !reflect.DeepEqual(got, nonNil(w.entries)) {
					t.Errorf("entries =\n%q\nwant\n%q", got, w.entries)
				}
				if got := strings.TrimPrefix(lp.Next, site); got != w.next {
					t.Errorf("next = %q, want %q", got, w.next)
				}
				if got := trimSite(lp.Pages); !reflect.DeepEqual(got, nonNil(w.pages)) {
					t.Errorf("pages = %q, want %q", got, w.pages)
				}
				if lp.PageCount != w.pageCount {
					t.Errorf("page count = %d, want %d", lp.PageCount, w.pageCount)
				}
				if lp.Declared != w.declared {
					t.Errorf("declared pages = %d, want %d", lp.Declared, w.declared)
				}
				checkProxy(t, lp.Hanweb, w.proxy)
			case "proxy":
				pp, err := HanwebProxy(p)
				if err != nil {
					t.Fatal(err)
				}
				if got := entryStrings(pp.Entries); !reflect.DeepEqual(got, nonNil(w.entries)) || pp.Total != w.total {
					t.Errorf("proxy answer = %d: %q, want %d: %q", pp.Total, got, w.total, w.entries)
				}
			case "article":
				a, err := ParseArticle(p)
				if err != nil {
					t.Fatal(err)
				}
				wa := w.article
				got := wantArticle{title: a.Title, pub: a.Published, pubFrom: a.PublishedFrom, written: a.Written, writtenFrom: a.WrittenFrom,
					docNo: a.DocNo, indexNo: a.IndexNo, publisher: a.Publisher, validity: a.Validity, subject: a.Subject,
					atts: []string{}, named: a.Named}
				for _, at := range a.Attachments {
					got.atts = append(got.atts, at.Name+"|"+at.Type+"|"+strings.TrimPrefix(at.URL, site))
				}
				if !reflect.DeepEqual(got, *wa) {
					t.Errorf("article =\n%+v\nwant\n%+v", got, *wa)
				}
				// Whatever the page, the publication date never comes from
				// a written-date label.
				for _, l := range []string{"成文", "发文", "印发", "生成", "产生", "形成"} {
					if strings.Contains(a.PublishedFrom, l) {
						t.Errorf("publication date from %q", a.PublishedFrom)
					}
				}
			case "letters":
				ll, err := Letters(p)
				if err != nil {
					t.Fatal(err)
				}
				if !ll.Found {
					t.Error("letter list not found")
				}
				got := []string{}
				for _, r := range ll.Rows {
					got = append(got, strings.Join([]string{r.No, r.Title, r.Status, r.Received, r.Handler, strings.TrimPrefix(r.URL, site)}, "|"))
				}
				if !reflect.DeepEqual(got, nonNil(w.rows)) {
					t.Errorf("rows =\n%q\nwant\n%q", got, w.rows)
				}
				if got := strings.TrimPrefix(ll.Next, site); got != w.next {
					t.Errorf("next = %q, want %q", got, w.next)
				}
				checkProxy(t, ll.Proxy, w.proxy)
			case "letter":
				l, err := ParseLetter(p)
				if err != nil {
					t.Fatal(err)
				}
				if *l != *w.letter {
					t.Errorf("letter = %+v, want %+v", *l, *w.letter)
				}
			case "catalog":
				chs, err := Catalog(p)
				if err != nil {
					t.Fatal(err)
				}
				got := []string{}
				for _, ch := range chs {
					got = append(got, ch.Name+"|"+strings.TrimPrefix(ch.URL, site))
				}
				if !reflect.DeepEqual(got, nonNil(w.channels)) {
					t.Errorf("channels = %q, want %q", got, w.channels)
				}
			default:
				t.Fatalf("unknown kind %q", c.kind)
			}
		})
	}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// TestFieldsBounded: hostile metadata costs time linear in the page —
// long runs of text before colons, many labels, deep label elements.
func TestFieldsBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString("<html><body><p>")
	for range 2000 {
		b.WriteString(strings.Repeat("汉", 200) + "：")
	}
	b.WriteString("</p><div>")
	for range 5000 {
		b.WriteString("<span>发布日期</span><span>2025-01-0</span>")
	}
	b.WriteString("</div></body></html>")
	u, _ := url.Parse("http://www.example.gov.cn/a.html")
	start := time.Now()
	a, err := ParseArticle(Page{URL: u, Body: []byte(b.String()), Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}
	if len(a.Fields) > maxFields {
		t.Errorf("%d fields", len(a.Fields))
	}
}

// TestEmptyLabelValue: a label whose value is empty does not take the
// next field's ("印发日期：" then "发布日期：…" in the next item).
func TestEmptyLabelValue(t *testing.T) {
	u, _ := url.Parse("http://www.example.gov.cn/art/2026/10/26/art_1_2.html")
	for _, body := range []string{
		`<ul><li>索引号：X/2026-1</li><li>印发日期：</li><li>发布日期：2026-10-26</li><li>文号：</li><li>有效性：有效</li></ul>`,
		`<table><tr><td>印发日期</td><td></td><td>发布日期</td><td>2026-10-26</td></tr></table>`,
		`<div><span>成文日期：</span><span>发布时间：2026-10-26</span></div>`,
	} {
		a, err := ParseArticle(Page{URL: u, Body: []byte(body), Now: now})
		if err != nil {
			t.Fatal(err)
		}
		if a.Written != "" || a.Published != "2026-10-26" || a.DocNo != "" {
			t.Errorf("%s: written %q (%s), published %q, 文号 %q", body, a.Written, a.WrittenFrom, a.Published, a.DocNo)
		}
	}
}
