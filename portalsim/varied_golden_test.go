package portalsim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// variedGoldenOptions is the portal of the samples in testdata/varied: 20
// units, which hold every layout variant.
var variedGoldenOptions = Options{Seed: 5, Units: 20, ChannelsMin: 3, ChannelsMax: 4, Items: 12, Letters: 20,
	Today: testToday, Layouts: LayoutsVaried}

// VariedSample is what one sample page of testdata/varied says, for the
// extractor's tests: EXPECT.json maps each file to it.
type VariedSample struct {
	URL    string      `json:"url"` // under http://portal.test
	Kind   string      `json:"kind"`
	Family string      `json:"family"`
	Layout TruthLayout `json:"layout"`
	// Lists: the entries of the page, in order, with their publication
	// dates.
	Entries []SampleEntry `json:"entries,omitempty"`
	// Articles.
	Title       string   `json:"title,omitempty"`
	Published   string   `json:"published,omitempty"`
	Written     string   `json:"written,omitempty"`
	DocNo       string   `json:"doc_no,omitempty"`
	Attachments []string `json:"attachments,omitempty"`
	// Mailbox lists.
	Columns []string `json:"columns,omitempty"`
	// Catalogs: the unit's channels, "name|URL".
	Channels []string `json:"channels,omitempty"`
}

// SampleEntry is one entry of a sample list page.
type SampleEntry struct {
	URL  string `json:"url"`
	Date string `json:"date"`
}

// variedSamples picks, per unit, its first list page, its second list page
// (hanweb: a data proxy answer), a blank column's list and an article with
// attachments and a written date; per mailbox its first list page.
func variedSamples(s *Sim) map[string]VariedSample {
	const base = "http://portal.test"
	out := map[string]VariedSample{}
	for _, u := range s.units {
		lay := u.lay.truth()
		prefix := fmt.Sprintf("%02d_%s_%s", u.idx, u.fam, u.id)
		list := func(c *column, name, path string, items []*item) {
			smp := VariedSample{URL: base + path, Kind: "list", Family: u.fam.String(), Layout: lay}
			for _, it := range items {
				smp.Entries = append(smp.Entries, SampleEntry{URL: base + it.path(), Date: it.pub.iso()})
			}
			out[prefix+"_"+name] = smp
		}
		var big, blank *column
		for _, c := range u.cols {
			if big == nil || len(c.items) > len(big.items) {
				big = c
			}
			if len(c.items) == 0 && blank == nil {
				blank = c
			}
		}
		list(big, "list.html", big.listPath(1), big.pageItems(big.items, 1))
		if big.pages() > 1 {
			if u.fam == famHanweb {
				n := u.lay.perPage
				list(big, "proxy.xml", fmt.Sprintf("/module/web/jpage/dataproxy.jsp?startrecord=%d&endrecord=%d&perpage=%d&columnid=%d",
					n+1, n+45, n, big.num), big.items[n:min(n+45, len(big.items))])
			} else {
				list(big, "list_2.html", big.listPath(2), big.pageItems(big.items, 2))
			}
		}
		if blank != nil {
			list(blank, "list_blank.html", blank.listPath(1), nil)
		}
		for _, c := range u.cols {
			i := slices.IndexFunc(c.items, func(it *item) bool { return it.written != 0 && len(it.atts) > 1 && (u.fam != famTRS || it.scriptAtts) })
			if i < 0 {
				continue
			}
			it := c.items[i]
			smp := VariedSample{URL: base + it.path(), Kind: "article", Family: u.fam.String(), Layout: lay,
				Title: it.title, Published: it.pub.iso(), Written: it.written.iso()}
			if it.docNo != "无文号" {
				smp.DocNo = it.docNo
			}
			for _, a := range it.atts {
				smp.Attachments = append(smp.Attachments, base+a.path())
			}
			out[prefix+"_article.html"] = smp
			break
		}
	}
	// One catalog page of each catalog layout.
	done := map[string]bool{}
	for _, u := range s.units {
		if done[u.lay.catalog] {
			continue
		}
		done[u.lay.catalog] = true
		smp := VariedSample{URL: base + u.catalogPath(), Kind: "catalog", Family: u.fam.String(), Layout: u.lay.truth()}
		for _, c := range u.cols {
			smp.Channels = append(smp.Channels, c.spec.name+"|"+base+absHref(c))
		}
		out[fmt.Sprintf("catalog_%s.html", u.lay.catalog)] = smp
	}
	for _, mb := range s.mailboxes {
		out["mailbox_"+mb.id+".html"] = VariedSample{URL: base + mb.listPath(1), Kind: "mailbox", Columns: mailOrders[mb.order]}
	}
	return out
}

// TestVariedSamplePages keeps samples of the varied layouts in
// testdata/varied, with what each page says in EXPECT.json: fixtures for
// the extractor (go test -update rewrites them).
func TestVariedSamplePages(t *testing.T) {
	s := newSim(t, variedGoldenOptions)
	dir := filepath.Join("testdata", "varied")
	samples := variedSamples(s)
	if *update {
		if err := os.RemoveAll(dir); err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	h := s.Handler()
	for name, smp := range samples {
		path := strings.TrimPrefix(smp.URL, "http://portal.test")
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
			t.Errorf("%s (%s) differs from the sample; if the change is intended, run go test -update and tell the extractor", name, path)
		}
	}
	b, err := json.MarshalIndent(samples, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	b = append(b, '\n')
	expect := filepath.Join(dir, "EXPECT.json")
	if *update {
		if err := os.WriteFile(expect, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if want, err := os.ReadFile(expect); err != nil || string(want) != string(b) {
		t.Errorf("EXPECT.json differs (%v); run go test -update", err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if _, ok := samples[e.Name()]; !ok && e.Name() != "EXPECT.json" {
			t.Errorf("stale sample %s", e.Name())
		}
	}
}
