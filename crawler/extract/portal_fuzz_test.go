package extract

// Fuzz targets seeded with the 56 sample pages of the simulated portal
// (portalsim/testdata/pages), each at the URL it was served from. They
// complement fuzz_test.go: every family, the pager invariants (TRS
// createPageHTML, index_N links, "下一页", the Hanweb data proxy) and a
// time budget per input, so that a hang fails instead of stalling.

import (
	"bufio"
	"bytes"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// fuzzBudget is the time one input may take in one extractor. Parsing a
// page of a few kilobytes takes well under a millisecond; only a loop that
// does not end, or a blow-up, exceeds it.
const fuzzBudget = 3 * time.Second

// families are the page families the extractors take, "" meaning detect.
var families = []string{Gongkai, Hanweb, TRS, Generic, ""}

// portalSeeds adds every sample page of the simulated portal as a seed:
// its URL, its body decoded to UTF-8 as the crawler hands it over, and a
// family index (the page's own family first).
func portalSeeds(f *testing.F) {
	dir := filepath.Join("..", "..", "portalsim", "testdata", "pages")
	idx, err := os.Open(filepath.Join(dir, "INDEX.tsv"))
	if err != nil {
		f.Fatal(err)
	}
	defer idx.Close()
	n := 0
	sc := bufio.NewScanner(idx)
	for sc.Scan() {
		name, raw, ok := strings.Cut(sc.Text(), "\t")
		if !ok {
			continue
		}
		body, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			f.Fatal(err)
		}
		if strings.Contains(name, "gbk") || strings.Contains(name, "gb18030") {
			if body, err = simplifiedchinese.GB18030.NewDecoder().Bytes(body); err != nil {
				f.Fatalf("%s: %v", name, err)
			}
		}
		fam := uint8(4)
		for i, fm := range families[:4] {
			if strings.HasPrefix(name, fm) {
				fam = uint8(i)
			}
		}
		f.Add(raw, body, fam)
		n++
	}
	if n < 50 {
		f.Fatalf("only %d sample pages in %s", n, dir)
	}
	// Hostile pagers and proxies.
	list := "http://portal.test/col/col1/index.html"
	for _, s := range []string{
		`<script>createPageHTML(99999999999999999999, 0, "index", "html");</script>`,
		`<script>createPageHTML(4999, 0, "index", "html");</script>`,
		`<script>createPageHTML(3, 0, "../../../x", "");</script><a href="index_2.html">下一页</a>`,
		`<script>createPageHTML(3, 0, "//evil.test/p", "html");</script>`,
		`<a href="index.html">下一页</a><a href="index_1.html">1</a><a href="index_99999999999999999999.html">末页</a>`,
		`<datastore><nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1&perpage=0&col=1"></a>]]></nextgroup>` +
			`<recordset><record><![CDATA[<li><a href="/art/2026/1/2/art_1_2.html">t</a><span>2026-01-02</span></li>]]></record></recordset></datastore>` +
			`<script>var totalRecord = 99999999999999999999; perpage: 99999999</script>`,
		`<totalrecord>-5</totalrecord><record><![CDATA[<li><a href="javascript:alert(1)">x</a></li>]]></record>`,
		strings.Repeat(`<record><![CDATA[<li><a href="a`, 200) + strings.Repeat(`]]></record>`, 3),
		strings.Repeat("<ul><li>", 3000) + `<a href="t20260101_1.html">深</a>`,
	} {
		f.Add(list, []byte(s), uint8(2))
	}
}

// withinBudget runs fn and fails the test when it does not return within
// fuzzBudget.
func withinBudget(t *testing.T, what string, fn func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn()
	}()
	select {
	case <-done:
	case <-time.After(fuzzBudget):
		t.Fatalf("%s did not return within %s", what, fuzzBudget)
	}
}

// fuzzPage makes the page of one fuzz input; ok is false when the URL is
// not one the crawler would fetch.
func fuzzPage(raw string, body []byte, fam uint8) (Page, bool) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return Page{}, false
	}
	return Page{URL: u, Body: body, Family: families[int(fam)%len(families)], Now: now}, true
}

// FuzzPager feeds arbitrary pages to the list extractor and the Hanweb
// data proxy parser and checks what the crawler will follow: absolute
// http(s) URLs only, never the page itself, no duplicates, a bounded
// number of pages, sane proxy parameters.
func FuzzPager(f *testing.F) {
	portalSeeds(f)
	f.Fuzz(func(t *testing.T, raw string, body []byte, fam uint8) {
		p, ok := fuzzPage(raw, body, fam)
		if !ok {
			return
		}
		self := p.URL.String()
		var lp *ListPage
		var err error
		withinBudget(t, "List", func() { lp, err = List(p) })
		if err == nil {
			for _, e := range lp.Entries {
				checkURL(t, "entry", e.URL)
				checkDate(t, "entry date", e.Date)
			}
			if lp.Next != "" {
				checkURL(t, "next", lp.Next)
				if lp.Next == self {
					t.Fatalf("next page is the page itself: %s", self)
				}
				if !onHost(p.URL, lp.Next) {
					t.Fatalf("next page %s is on another host than %s", lp.Next, self)
				}
			}
			if lp.PageCount < 0 || lp.PageCount > maxPagerPages {
				t.Fatalf("page count %d", lp.PageCount)
			}
			anchors := bytes.Count(bytes.ToLower(body), []byte("<a"))
			if len(lp.Pages) > maxPagerPages+anchors {
				t.Fatalf("%d pages from a pager of at most %d and %d links", len(lp.Pages), maxPagerPages, anchors)
			}
			seen := map[string]bool{}
			for _, pg := range lp.Pages {
				checkURL(t, "page", pg)
				if pg == self || seen[pg] {
					t.Fatalf("pager names %s twice or the page itself", pg)
				}
				if !onHost(p.URL, pg) {
					t.Fatalf("pager names %s, on another host than %s", pg, self)
				}
				seen[pg] = true
			}
			if h := lp.Hanweb; h != nil {
				checkURL(t, "proxy", h.Proxy)
				if pu, _ := url.Parse(h.Proxy); pu.Host != p.URL.Host {
					t.Fatalf("data proxy %s is on another host than %s", h.Proxy, self)
				}
				if h.PerPage < 1 || h.PerPage > 1000 || h.Embedded < 0 || h.Total < 0 {
					t.Fatalf("proxy parameters %+v", h)
				}
				if _, err := url.Parse(h.BatchURL(1, BatchSize)); err != nil {
					t.Fatalf("batch URL: %v", err)
				}
			}
		}
		var pp *ProxyPage
		withinBudget(t, "HanwebProxy", func() { pp, err = HanwebProxy(p) })
		if err == nil {
			if pp.Total < -1 {
				t.Fatalf("proxy total %d", pp.Total)
			}
			for _, e := range pp.Entries {
				checkURL(t, "proxy entry", e.URL)
				checkDate(t, "proxy entry date", e.Date)
			}
		}
	})
}

// onHost reports whether u is on the host of base, both in canonical form
// (independently of the extractors' own check).
func onHost(base *url.URL, u string) bool {
	b, _ := url.Parse(CanonicalURL(base.String()))
	p, err := url.Parse(CanonicalURL(u))
	return err == nil && b != nil && p.Host == b.Host
}

// FuzzPortalArticle feeds arbitrary pages of every family to the article
// extractor.
func FuzzPortalArticle(f *testing.F) {
	portalSeeds(f)
	f.Fuzz(func(t *testing.T, raw string, body []byte, fam uint8) {
		p, ok := fuzzPage(raw, body, fam)
		if !ok {
			return
		}
		var a *Article
		var err error
		withinBudget(t, "ParseArticle", func() { a, err = ParseArticle(p) })
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
		for _, n := range a.Named {
			if len([]rune(n)) > maxNameRunes+1 {
				t.Fatalf("named attachment of %d runes", len([]rune(n)))
			}
		}
	})
}

// FuzzPortalMailbox feeds arbitrary pages to the mailbox list, letter and
// catalog extractors.
func FuzzPortalMailbox(f *testing.F) {
	portalSeeds(f)
	f.Fuzz(func(t *testing.T, raw string, body []byte, fam uint8) {
		p, ok := fuzzPage(raw, body, fam)
		if !ok {
			return
		}
		var ll *LetterList
		var err error
		withinBudget(t, "Letters", func() { ll, err = Letters(p) })
		if err == nil {
			for _, r := range ll.Rows {
				if r.URL != "" {
					checkURL(t, "letter", r.URL)
				}
				checkDate(t, "received", r.Received)
			}
			if ll.Next != "" {
				checkURL(t, "letters next", ll.Next)
			}
			for _, pg := range ll.Pages {
				checkURL(t, "letters page", pg)
			}
		}
		var l *Letter
		withinBudget(t, "ParseLetter", func() { l, err = ParseLetter(p) })
		if err == nil {
			checkDate(t, "letter received", l.Received)
			checkDate(t, "letter replied", l.Replied)
			if l.Answer < 0 {
				t.Fatalf("answer length %d", l.Answer)
			}
		}
		var chs []Channel
		withinBudget(t, "Catalog", func() { chs, err = Catalog(p) })
		if err == nil {
			for _, c := range chs {
				checkURL(t, "channel", c.URL)
			}
		}
	})
}
