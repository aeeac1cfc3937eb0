package portalsim

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// variedSmall is small with the varied layouts.
func variedSmall() Options {
	o := small
	o.Layouts = LayoutsVaried
	return o
}

// layoutValues collects the variants of every layout dimension in a truth.
func layoutValues(tr Truth) map[string]map[string]bool {
	out := map[string]map[string]bool{}
	add := func(dim, v string) {
		if out[dim] == nil {
			out[dim] = map[string]bool{}
		}
		out[dim][v] = true
	}
	for _, u := range tr.Units {
		l := u.Layout
		add("list", u.Family+":"+l.List)
		add("meta", l.Meta)
		add("pager", l.Pager)
		add("per_page", fmt.Sprint(l.PerPage))
		add("pub_label", l.PubLabel)
		add("written_label", l.WrittenLabel)
		add("doc_no_label", l.DocNoLabel)
		add("publisher_label", l.PublisherLabel)
		add("pubdate_meta", fmt.Sprint(l.PubDateMeta))
		add("full_width", fmt.Sprint(l.FullWidth))
		add("attachment_line", l.AttachmentLine)
		if l.AttachmentScript != "" {
			add("attachment_script", l.AttachmentScript)
		}
		add("empty_marker", l.EmptyMarker)
		add("catalog", l.Catalog)
	}
	for _, mb := range tr.Mailboxes {
		add("mailbox_columns", strings.Join(mb.Columns, "|"))
	}
	return out
}

// TestVariedLayoutsCoverEveryVariant checks that the district-size portal
// holds every variant, and that a portal of 20 units (the size of the
// e2e variant test) already does.
func TestVariedLayoutsCoverEveryVariant(t *testing.T) {
	want := map[string]int{
		"list": 4 + 4 + 3, "meta": 7, "pager": 6, "per_page": 2, "pub_label": 3, "written_label": 3,
		"doc_no_label": 2, "publisher_label": 2, "pubdate_meta": 2, "full_width": 2, "attachment_line": 3,
		"attachment_script": 2, "empty_marker": 3, "mailbox_columns": 3, "catalog": 3,
	}
	for _, o := range []struct {
		seed  int64
		units int
	}{{1, 46}, {1, 20}, {5, 20}} { // seed 5: e2e's variant test and testdata/varied
		units := o.units
		tr := newSim(t, Options{Seed: o.seed, Units: units, ChannelsMin: 3, ChannelsMax: 3, Items: 4, Today: testToday}).Truth("http://h")
		if tr.Layouts != string(LayoutsVaried) {
			t.Errorf("default layouts %q, want varied", tr.Layouts)
		}
		got := layoutValues(tr)
		for dim, n := range want {
			if len(got[dim]) != n {
				var vs []string
				for v := range got[dim] {
					vs = append(vs, v)
				}
				sort.Strings(vs)
				t.Errorf("%d units: %s has %d variants %v, want %d", units, dim, len(vs), vs, n)
			}
		}
	}
	// Classic: one layout per family.
	tr := newSim(t, small).Truth("http://h")
	if got := layoutValues(tr); len(got["meta"]) != 1 || len(got["list"]) != 3 || len(got["mailbox_columns"]) != 1 {
		t.Errorf("classic layouts vary: %v", got)
	}
}

// TestLayoutsKeepTheTruth checks that the layouts change the pages, not
// what they say: without injected lateness (which also turns off the seed
// layout's traps) the classic and varied portals have the same items,
// letters and violations; with it, the varied portal only adds timeliness
// violations of seed-layout units.
func TestLayoutsKeepTheTruth(t *testing.T) {
	for _, late := range []float64{-1, 0} {
		c, v := small, variedSmall()
		c.Rates.Late, v.Rates.Late = late, late
		tc, tv := newSim(t, c).Truth("http://h"), newSim(t, v).Truth("http://h")
		if !reflect.DeepEqual(tc.Columns, tv.Columns) && late < 0 {
			// Columns hold the page count, which the per-page count changes.
			for i := range tc.Columns {
				a, b := tc.Columns[i], tv.Columns[i]
				a.Pages, b.Pages = 0, 0
				if a != b {
					t.Errorf("column %s differs: %+v / %+v", a.ID, a, b)
				}
			}
		}
		if !reflect.DeepEqual(tc.Letters, tv.Letters) {
			t.Error("letters differ between layouts")
		}
		if late < 0 {
			if !reflect.DeepEqual(tc.Items, tv.Items) || !reflect.DeepEqual(tc.Violations, tv.Violations) {
				t.Error("items or violations differ between layouts")
			}
			continue
		}
		seed := map[string]bool{}
		for _, u := range tv.Units {
			seed[u.ID] = u.Layout.Meta == MetaSeed
		}
		cv := all(tc)
		traps := 0
		for k, x := range all(tv) {
			if _, ok := cv[k]; ok {
				delete(cv, k)
				continue
			}
			if x.Check != CheckTimeliness || !seed[x.Unit] {
				t.Errorf("varied portal adds %s", k)
			}
			traps++
		}
		if len(cv) > 0 {
			t.Errorf("varied portal drops %d violations", len(cv))
		}
		t.Logf("%d timeliness traps added in seed-layout units", traps)
	}
}

func all(tr Truth) map[string]Violation {
	out := map[string]Violation{}
	for _, v := range tr.Violations {
		out[v.Check+" "+v.Subject] = v
	}
	return out
}

// TestSeedLayout checks the seed district's article page: 发文日期 in the
// metadata table, the publication date only on the info line after the
// title, the 落款 date at the end of the body; that every unit of the
// layout holds a late item whose lateness only the info line shows; and
// that 落款 dates that differ from the publication date (by less than the
// deadline) are no violation.
func TestSeedLayout(t *testing.T) {
	s := newSim(t, variedSmall())
	tr := s.Truth("http://h")
	late := map[string]bool{}
	for _, v := range tr.Violations {
		if v.Check == CheckTimeliness {
			late[v.URL] = true
		}
	}
	h := s.Handler()
	units, signed := 0, 0
	for _, u := range s.units {
		if u.lay.meta != MetaSeed {
			continue
		}
		units++
		found := false
		for _, c := range u.cols {
			for _, it := range c.items {
				if it.written == 0 || c.spec.kind == "dynamic" {
					continue
				}
				page := string(asUTF8(t, get200(t, h, it.path())))
				table := page[strings.Index(page, "<table"):strings.Index(page, "</table>")]
				if !strings.Contains(table, "发文日期") || strings.Contains(table, "发布日期") {
					t.Fatalf("%s: seed table %q", it.path(), table)
				}
				info := "发布日期:" + it.pub.iso()
				if i := strings.Index(page, info); i < strings.Index(page, "</table>") || i < strings.Index(page, "doc-title") {
					t.Fatalf("%s: no info line %q after the table and the title", it.path(), info)
				}
				sig := it.written.format(fmtCN, 0)
				if i := strings.LastIndex(page, sig); i < strings.Index(page, info) {
					t.Fatalf("%s: no 落款 %s after the info line", it.path(), sig)
				}
				if late["http://h"+it.path()] && it.pub-it.written >= 45 {
					found = true
				}
				if it.pub != it.written && it.pub-it.written < 45 && it.pub >= it.written && late["http://h"+it.path()] {
					t.Errorf("%s: a 落款 date %d days before publication is a violation in the truth", it.path(), it.pub-it.written)
				}
				if it.pub != it.written && !late["http://h"+it.path()] {
					signed++
				}
			}
		}
		if !found {
			t.Errorf("seed-layout unit %s has no late item", u.id)
		}
	}
	if units == 0 {
		t.Fatal("no unit in the seed layout")
	}
	if signed == 0 {
		t.Error("no item whose 落款 date differs from its publication date without a violation")
	}
}

func get200(t *testing.T, h http.Handler, path string) []byte {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	if rec.Code != 200 {
		t.Fatalf("GET %s: %d", path, rec.Code)
	}
	return rec.Body.Bytes()
}

// TestVariedPagesSayWhatTheTruthSays reads every varied list and article
// page with checks written per variant (not with the crawler's parser):
// every item is linked by its column's list pages with its publication
// date; every article page carries the item's written date (in the
// unit's digits) under the unit's written label, the publication date
// under its publication label, and every attachment's file name.
func TestVariedPagesSayWhatTheTruthSays(t *testing.T) {
	s := newSim(t, variedSmall())
	h := s.Handler()
	for _, u := range s.units {
		for _, c := range u.cols {
			var listed strings.Builder
			if u.fam == famHanweb {
				listed.Write(get200(t, h, c.listPath(1)))
				listed.Write(get200(t, h, fmt.Sprintf("/module/web/jpage/dataproxy.jsp?startrecord=%d&endrecord=%d&perpage=%d&columnid=%d",
					u.lay.perPage+1, len(c.items)+1, u.lay.perPage, c.num)))
			} else {
				for p := 1; p <= c.pages(); p++ {
					listed.Write(get200(t, h, c.listPath(p)))
				}
			}
			lists := string(asUTF8(t, []byte(listed.String())))
			if len(c.items) == 0 && !strings.Contains(lists, u.lay.empty) {
				t.Errorf("%s: blank column without its marker %q", c.id(), u.lay.empty)
			}
			for _, it := range c.items {
				name := it.path()[strings.LastIndex(it.path(), "/")+1:]
				if !strings.Contains(lists, name) {
					t.Fatalf("%s: list pages do not link %s", c.id(), it.path())
				}
				page := string(asUTF8(t, get200(t, h, it.path())))
				if !strings.Contains(page, u.lay.pubLabel) {
					t.Fatalf("%s: no %s", it.path(), u.lay.pubLabel)
				}
				if it.written != 0 {
					w := regexp.MustCompile(u.lay.writtenLabel + `[：:]?</[^>]+>\s*<[^>]+>([^<]*)<|` + u.lay.writtenLabel + `：([^<]*)<`).FindStringSubmatch(page)
					if w == nil {
						t.Fatalf("%s: no %s field", it.path(), u.lay.writtenLabel)
					}
					v := w[1] + w[2]
					if u.lay.fullWidth != strings.ContainsRune(v, '０'+rune(it.written.year()%10)) {
						t.Errorf("%s: written date %q, full width %v", it.path(), v, u.lay.fullWidth)
					}
				}
				for _, a := range it.atts {
					if !strings.Contains(page, a.stem) || !strings.Contains(page, a.key) {
						t.Fatalf("%s: attachment %s not on the page", it.path(), a.name)
					}
				}
			}
		}
	}
}

// TestVariedMailboxColumns checks that each mailbox's list has the header
// the truth gives and that its rows follow it.
func TestVariedMailboxColumns(t *testing.T) {
	s := newSim(t, variedSmall())
	tr := s.Truth("http://h")
	h := s.Handler()
	orders := map[string]bool{}
	for _, mb := range tr.Mailboxes {
		orders[strings.Join(mb.Columns, "|")] = true
		page := string(get200(t, h, strings.TrimPrefix(mb.URL, "http://h")))
		if !strings.Contains(page, "<tr><th>"+strings.Join(mb.Columns, "</th><th>")+"</th></tr>") {
			t.Errorf("%s: header is not %v", mb.ID, mb.Columns)
		}
	}
	if len(orders) < 2 {
		t.Errorf("mailbox column orders do not vary: %v", orders)
	}
}
