package e2e

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/govaudit/govaudit/crawler"
	"github.com/govaudit/govaudit/portalsim"
	"github.com/govaudit/govaudit/rules"
	"github.com/govaudit/govaudit/rules/workday"
)

// strictEnv makes TestVariedLayouts fail, instead of skip, when the crawl
// misreads a layout variant. The lead sets it (or removes the skip) once
// the evidence-based extractor (issue 11) is merged.
const strictEnv = "GOVAUDIT_STRICT_SIM"

// knownGaps skips the test with the gaps listed, or fails it under
// strictEnv.
func knownGaps(t *testing.T, what string, gaps []string) {
	t.Helper()
	if len(gaps) == 0 {
		return
	}
	msg := fmt.Sprintf("%s (%d):\n  %s", what, len(gaps), strings.Join(gaps, "\n  "))
	if os.Getenv(strictEnv) == "0" {
		t.Skipf("%s\n(%s=0: reported, not failed)", msg, strictEnv)
	}
	t.Error(msg)
}

// variedOptions is the portal of the variant test: 20 units, enough for
// every variant of every layout dimension (portalsim's
// TestVariedLayoutsCoverEveryVariant checks it).
func variedOptions(f portalsim.Faults) portalsim.Options {
	return portalsim.Options{Seed: 5, Units: 20, ChannelsMin: 3, ChannelsMax: 4, Items: 6, Letters: 20, Today: today,
		Faults: f, Layouts: portalsim.LayoutsVaried}
}

// newEnvWith starts the portal of opt and opens a fresh store.
func newEnvWith(t *testing.T, opt portalsim.Options) *env {
	t.Helper()
	sim := newSim(t, opt)
	e := &env{t: t, sim: sim, p: newPortal(t, sim.Handler()), st: openStore(t), day: opt.Today}
	e.cfg = testConfig(sim, e.p.srv.URL)
	e.cfg.Site.Crawl.MaxListPages = 50
	cal, err := workday.New()
	if err != nil {
		t.Fatal(err)
	}
	e.cal = cal
	return e
}

// tally counts, for the units of one layout variant, what the crawl read
// as the truth says.
type tally struct {
	units                   int
	items, listed           int // items of the truth; listed by their column's walk
	pub, written, docNo     int // of the listed items read without error: dates and number as the truth says
	publisher               int // publisher as the truth says (the unit's name)
	atts, named             int // attachment links as the truth says; missing-attachment judged as the truth says
	read                    int // listed items whose article page was read
	blank, blankFound       int // blank columns; found blank
	letters, lettersOK      int // letters; read with the truth's dates and status
	violations, found, xtra int // violations of the units' columns; found; findings the truth does not have
}

func (a *tally) add(b tally) {
	a.units += b.units
	a.items += b.items
	a.listed += b.listed
	a.pub += b.pub
	a.written += b.written
	a.docNo += b.docNo
	a.publisher += b.publisher
	a.atts += b.atts
	a.named += b.named
	a.read += b.read
	a.blank += b.blank
	a.blankFound += b.blankFound
	a.letters += b.letters
	a.lettersOK += b.lettersOK
	a.violations += b.violations
	a.found += b.found
	a.xtra += b.xtra
}

// layoutDims are the layout dimensions, each with the variant a unit has
// and the figures of the tally that variant is judged by.
var layoutDims = []struct {
	name    string
	variant func(portalsim.TruthUnit) string
	judged  []string
}{
	{"list", func(u portalsim.TruthUnit) string { return u.Family + ":" + u.Layout.List }, []string{"listed"}},
	{"pager", func(u portalsim.TruthUnit) string { return u.Layout.Pager }, []string{"listed"}},
	{"per_page", func(u portalsim.TruthUnit) string { return u.Family + ":" + fmt.Sprint(u.Layout.PerPage) }, []string{"listed"}},
	{"meta", func(u portalsim.TruthUnit) string { return u.Family + ":" + u.Layout.Meta }, []string{"published", "written", "doc-no", "publisher"}},
	{"pub_label", func(u portalsim.TruthUnit) string { return u.Layout.PubLabel }, []string{"published"}},
	{"written_label", func(u portalsim.TruthUnit) string { return u.Layout.WrittenLabel }, []string{"written"}},
	{"doc_no_label", func(u portalsim.TruthUnit) string { return u.Layout.DocNoLabel }, []string{"doc-no"}},
	{"publisher_label", func(u portalsim.TruthUnit) string { return u.Layout.PublisherLabel }, []string{"publisher"}},
	{"pubdate_meta", func(u portalsim.TruthUnit) string { return fmt.Sprint(u.Layout.PubDateMeta) }, []string{"published"}},
	{"full_width", func(u portalsim.TruthUnit) string { return fmt.Sprint(u.Layout.FullWidth) }, []string{"written"}},
	{"attachment_line", func(u portalsim.TruthUnit) string { return u.Layout.AttachmentLine }, []string{"missing-attachment"}},
	{"attachment_script", func(u portalsim.TruthUnit) string { return u.Layout.AttachmentScript }, []string{"attachments"}},
	{"empty_marker", func(u portalsim.TruthUnit) string { return u.Layout.EmptyMarker }, []string{"blank"}},
}

// misses returns the figures of t that fall short, by name.
func (a tally) misses(names []string) []string {
	var out []string
	for _, n := range names {
		var got, of int
		switch n {
		case "listed":
			got, of = a.listed, a.items
		case "published":
			got, of = a.pub, a.read
		case "written":
			got, of = a.written, a.read
		case "doc-no":
			got, of = a.docNo, a.read
		case "publisher":
			got, of = a.publisher, a.read
		case "attachments":
			got, of = a.atts, a.read
		case "missing-attachment":
			got, of = a.named, a.read
		case "blank":
			got, of = a.blankFound, a.blank
		}
		if got != of {
			out = append(out, fmt.Sprintf("%s %d/%d", n, got, of))
		}
	}
	return out
}

// TestVariedLayouts crawls the varied portal and reports, per layout
// variant, what the crawl read as the truth says: items listed, both
// dates and the document number, attachment links, missing-attachment
// judgements, blank columns, letters; then the findings against the
// truth. A variant the crawl misreads is listed; the test skips with that
// list (fails under GOVAUDIT_STRICT_SIM) until the extractor reads them
// all.
func TestVariedLayouts(t *testing.T) {
	report, gaps := variedRun(t, variedOptions(portalsim.Faults{}), "")
	t.Logf("per variant (what the crawl read as the truth says):\n%s", strings.Join(report, "\n"))
	if len(gaps) > 0 && !testing.Short() {
		// Which variants, one dimension varied at a time (the others in
		// the varied renderer's plainest variant), does the crawl misread?
		var isolated []string
		for _, dim := range portalsim.LayoutDims {
			opt := variedOptions(portalsim.Faults{})
			opt.VaryOnly = dim
			opt.ChannelsMax, opt.Items = 3, 4 // every variant still appears (20 units); a quicker crawl
			r, g := variedRun(t, opt, dim)
			t.Logf("%s varied alone:\n%s", dim, strings.Join(r, "\n"))
			isolated = append(isolated, g...)
		}
		gaps = append(gaps, "one dimension varied at a time:")
		gaps = append(gaps, isolated...)
	}
	knownGaps(t, "layout variants the crawl misreads", gaps)
}

// variedRun crawls and checks the portal of opt and returns the report per
// variant and the gaps; with only set, those of that dimension alone (and
// no findings).
func variedRun(t *testing.T, opt portalsim.Options, only string) (report, gaps []string) {
	t.Helper()
	e := newEnvWith(t, opt)
	run, err := e.crawl(context.Background(), crawler.Options{})
	if err != nil {
		t.Fatalf("crawl: %v", err)
	}
	t.Logf("run (vary %q): requests %d items %d errors %v", only, run.Requests, run.Items, run.Errors)
	e.check()
	tr := e.sim.Truth(e.p.srv.URL)
	items, letters, srcs, drafts := e.items(), e.letters(), e.sources(), e.drafts()
	truthV := all(tr)

	perUnit := map[string]*tally{}
	unitName := map[string]string{}
	for _, u := range tr.Units {
		perUnit[u.ID] = &tally{units: 1}
		unitName[u.ID] = u.Name
	}
	missingFound := map[string]bool{}
	for k, f := range drafts {
		if f.Rule == rules.MissingAttachment {
			missingFound[f.Subject] = true
		}
		if _, ok := truthV[k]; !ok {
			if u := perUnit[f.Unit]; u != nil {
				u.xtra++
			}
		}
	}
	missingTruth := map[string]bool{}
	for k, v := range truthV {
		if v.Check == rules.MissingAttachment {
			missingTruth[v.Subject] = true
		}
		if u := perUnit[v.Unit]; u != nil {
			u.violations++
			if _, ok := drafts[k]; ok {
				u.found++
			}
		}
	}
	for _, ti := range tr.Items {
		a := perUnit[ti.Unit]
		a.items++
		s := srcs["column:"+ti.Column]
		it, ok := items[ti.URL]
		if !ok || !e.listedBy(s, ti.URL) {
			continue
		}
		a.listed++
		if it.FetchErr != "" {
			continue
		}
		a.read++
		if it.Published == ti.Published {
			a.pub++
		}
		if it.Written == ti.Written {
			a.written++
		}
		if it.DocNo == ti.DocNo {
			a.docNo++
		}
		if it.Publisher == unitName[ti.Unit] {
			a.publisher++
		}
		var got []string
		for _, at := range it.Attachments {
			got = append(got, at.URL)
		}
		sort.Strings(got)
		want := append([]string(nil), ti.Attachments...)
		sort.Strings(want)
		if strings.Join(got, " ") == strings.Join(want, " ") {
			a.atts++
		}
		if missingFound[ti.URL] == missingTruth[ti.URL] {
			a.named++
		}
	}
	for _, c := range tr.Columns {
		if c.Blank {
			a := perUnit[c.Unit]
			a.blank++
			if _, ok := drafts[key(rules.BlankColumn, c.ID)]; ok {
				a.blankFound++
			}
		}
	}
	mailboxCols := map[string]string{}
	for _, mb := range tr.Mailboxes {
		mailboxCols[mb.ID] = strings.Join(mb.Columns, "|")
	}
	mail := map[string]*tally{}
	for _, tl := range tr.Letters {
		m := mail[mailboxCols[tl.Mailbox]]
		if m == nil {
			m = &tally{}
			mail[mailboxCols[tl.Mailbox]] = m
		}
		m.letters++
		l, ok := letters[tl.URL]
		if ok && l.FetchErr == "" && strings.HasPrefix(l.Received, tl.Received[:10]) && l.Status == tl.Status &&
			(tl.Replied == "") == (l.Replied == "") {
			m.lettersOK++
		}
	}

	for _, d := range layoutDims {
		if only != "" && d.name != only {
			continue
		}
		byVariant := map[string]*tally{}
		for _, u := range tr.Units {
			v := d.variant(u)
			if v == "" {
				continue
			}
			if byVariant[v] == nil {
				byVariant[v] = &tally{}
			}
			byVariant[v].add(*perUnit[u.ID])
		}
		var vs []string
		for v := range byVariant {
			vs = append(vs, v)
		}
		sort.Strings(vs)
		for _, v := range vs {
			a := byVariant[v]
			line := fmt.Sprintf("%-18s %-20s units %2d items %3d listed %3d read %3d published %3d written %3d doc-no %3d publisher %3d attachments %3d missing-att ok %3d blank %d/%d findings %d/%d extra %d",
				d.name, v, a.units, a.items, a.listed, a.read, a.pub, a.written, a.docNo, a.publisher, a.atts, a.named, a.blankFound, a.blank, a.found, a.violations, a.xtra)
			report = append(report, line)
			if m := a.misses(d.judged); len(m) > 0 {
				gaps = append(gaps, fmt.Sprintf("%s=%s: %s", d.name, v, strings.Join(m, ", ")))
			}
		}
	}
	var orders []string
	for o := range mail {
		orders = append(orders, o)
	}
	sort.Strings(orders)
	for _, o := range orders {
		if only != "" && only != "mailbox_columns" {
			break
		}
		m := mail[o]
		report = append(report, fmt.Sprintf("%-18s %-22s letters %d read as the truth says %d", "mailbox-columns", o, m.letters, m.lettersOK))
		if m.lettersOK != m.letters {
			gaps = append(gaps, fmt.Sprintf("mailbox-columns=%s: letters %d/%d", o, m.lettersOK, m.letters))
		}
	}
	if only != "" {
		return report, gaps
	}

	// The findings: the truth restricted to what was audited, exactly.
	want := e.expected(tr)
	var missed, extra []string
	for k := range want {
		if _, ok := drafts[k]; !ok {
			missed = append(missed, k)
		}
	}
	for k := range drafts {
		if _, ok := want[k]; !ok {
			extra = append(extra, k)
		}
	}
	byCheck := func(keys []string) string {
		n := map[string]int{}
		for _, k := range keys {
			n[k[:strings.IndexByte(k, ' ')]]++
		}
		return fmt.Sprint(n)
	}
	t.Logf("findings: %d drafts, truth %d (auditable %d); missed %d %s; extra %d %s",
		len(drafts), len(tr.Violations), len(want), len(missed), byCheck(missed), len(extra), byCheck(extra))
	if len(missed) > 0 {
		gaps = append(gaps, fmt.Sprintf("findings missed: %d %s", len(missed), byCheck(missed)))
	}
	if len(extra) > 0 {
		gaps = append(gaps, fmt.Sprintf("findings the truth does not have: %d %s", len(extra), byCheck(extra)))
	}
	return report, gaps
}
