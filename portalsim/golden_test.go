package portalsim

import (
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the sample pages in testdata/pages")

// goldenOptions is the portal of the sample pages in testdata/pages.
var goldenOptions = Options{Seed: 1, Units: 13, ChannelsMin: 5, ChannelsMax: 5, Items: 20, Letters: 20, Today: testToday, Layouts: LayoutsClassic}

// samplePages picks one page of each kind from the golden portal.
func samplePages(s *Sim) map[string]string {
	pages := map[string]string{"home.html": "/", "robots.txt": "/robots.txt"}
	pickItem := func(u *unit, ok func(*item) bool) *item {
		for _, c := range u.cols {
			for _, it := range c.items {
				if ok(it) {
					return it
				}
			}
		}
		return nil
	}
	for _, u := range s.units {
		prefix := u.fam.String()
		if u.charset != "utf-8" {
			prefix += "_" + u.charset + "_" + map[bool]string{true: "meta", false: "header"}[u.metaOnly]
		}
		if _, done := pages[prefix+"_catalog.html"]; done {
			continue
		}
		pages[prefix+"_catalog.html"] = u.catalogPath()
		var big *column
		for _, c := range u.cols {
			if big == nil || len(c.items) > len(big.items) {
				big = c
			}
		}
		pages[prefix+"_list.html"] = big.listPath(1)
		if u.fam != famHanweb {
			pages[prefix+"_list_2.html"] = big.listPath(2)
		} else {
			pages[prefix+"_proxy.xml"] = "/module/web/jpage/dataproxy.jsp?startrecord=16&endrecord=60&perpage=15&columnid=" + strconv.Itoa(big.num)
		}
		if it := pickItem(u, func(it *item) bool { return len(it.atts) > 1 && it.written != 0 && (u.fam != famTRS || it.scriptAtts) }); it != nil {
			pages[prefix+"_article.html"] = it.path()
		}
		if it := pickItem(u, func(it *item) bool { return it.written == 0 }); it != nil {
			pages[prefix+"_article_undatable.html"] = it.path()
		}
		if it := pickItem(u, func(it *item) bool { return len(it.missing) > 0 }); it != nil {
			pages[prefix+"_article_missing_attachment.html"] = it.path()
		}
		if it := pickItem(u, func(it *item) bool { return it.brokenLink }); it != nil {
			pages[prefix+"_article_broken_link.html"] = it.path()
		}
	}
	for _, mb := range s.mailboxes {
		form := "table"
		if mb.script {
			form = "script"
		}
		pages["mailbox_"+form+".html"] = mb.listPath(1)
		for _, l := range mb.letters {
			state := "replied"
			if l.replied == 0 {
				state = "pending"
			}
			pages["letter_"+state+".html"] = l.path()
		}
	}
	return pages
}

// TestSamplePages keeps the page formats stable: the pages of
// testdata/pages are the crawler's fixtures (go test -update rewrites them).
func TestSamplePages(t *testing.T) {
	s := newSim(t, goldenOptions)
	dir := filepath.Join("testdata", "pages")
	if *update {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	pages := samplePages(s)
	for _, name := range []string{"gongkai_article.html", "hanweb_proxy.xml", "trs_article.html", "mailbox_script.html",
		"letter_pending.html", "gongkai_gbk_meta_catalog.html", "trs_gbk_header_list.html", "hanweb_gb18030_header_article.html",
		"trs_gbk_meta_article.html", "hanweb_gbk_header_proxy.xml"} {
		if pages[name] == "" {
			t.Errorf("no sample page %s", name)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if _, ok := pages[e.Name()]; !ok && e.Name() != "INDEX.tsv" {
			t.Errorf("stale sample %s", e.Name())
		}
	}
	h := s.Handler()
	for name, path := range pages {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code != 200 {
			t.Errorf("%s (%s): %d", name, path, rec.Code)
			continue
		}
		file := filepath.Join(dir, name)
		if *update {
			if err := os.WriteFile(file, rec.Body.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(file)
		if err != nil {
			t.Fatalf("%v (run go test -update to create the samples)", err)
		}
		if string(want) != rec.Body.String() {
			t.Errorf("%s (%s) differs from the sample; if the format change is intended, run go test -update and tell the crawler", name, path)
		}
	}
	if *update {
		var index strings.Builder
		for name, path := range pages {
			index.WriteString(name + "\thttp://portal.test" + path + "\n")
		}
		if err := os.WriteFile(filepath.Join(dir, "INDEX.tsv"), []byte(sortLines(index.String())), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func sortLines(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	slices.Sort(lines)
	return strings.Join(lines, "\n") + "\n"
}
