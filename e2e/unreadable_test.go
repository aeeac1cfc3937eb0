package e2e

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/govaudit/govaudit/config"
	"github.com/govaudit/govaudit/crawler"
	"github.com/govaudit/govaudit/portalsim"
	"github.com/govaudit/govaudit/rules"
	"github.com/govaudit/govaudit/store"
)

// columnRules are the checks that judge a column as a whole: a walk that
// did not read the whole list must not feed them.
var columnRules = map[string]bool{rules.BlankColumn: true, rules.KeyColumnEmpty: true, rules.PeriodicGap: true,
	rules.StaleColumn: true, rules.AnnualReport: true}

// TestUnreadableIsNotAudited crawls the portal under the faults of issue
// 10 (pages that answer 200 without a list, lists emptied or shrunk
// overnight, later list pages failing, attachments throttled or behind a
// firewall, article bodies cut mid-transfer) and asserts that none of them
// becomes a deduction: every finding is in the truth, the faulted columns
// are not judged by the column rules (not audited, partial or suspect),
// the items of a partial walk are judged by the item rules, and a column
// emptied or shrunk overnight keeps its findings.
func TestUnreadableIsNotAudited(t *testing.T) {
	tr0 := newSim(t, options(today, portalsim.Faults{})).Truth("http://h")
	// One column of each family with items, for the list faults.
	faulted := []string{gkPolicy, hwNotice, trsNotice}
	// A paginated column per family, for the partial walks (a portal with
	// more items).
	bigOpt := options(today, portalsim.Faults{})
	bigOpt.Items = 30
	var paged []string
	fams := map[string]string{}
	for _, u := range tr0.Units {
		fams[u.ID] = u.Family
	}
	seen := map[string]bool{}
	for _, c := range newSim(t, bigOpt).Truth("http://h").Columns {
		if f := fams[c.Unit]; !seen[f] && c.Pages > 1 && c.Cadence == config.CadenceNone && c.Kind != config.KindAnnualReport {
			seen[f] = true
			paged = append(paged, c.ID)
		}
	}
	if len(paged) != 3 {
		t.Fatalf("paginated columns %v", paged)
	}
	tests := []struct {
		name      string
		faults    portalsim.Faults
		big       bool
		twoNights bool     // a healthy night first, the fault on the second
		cols      []string // the columns the fault hits
		partial   bool     // a partial walk: the items read are judged by the item rules
	}{
		{name: "WAF challenge with status 200", faults: portalsim.Faults{WAF200Columns: faulted}, cols: faulted},
		{name: "soft 404", faults: portalsim.Faults{SoftNotFoundColumns: faulted}, cols: faulted},
		{name: "login page", faults: portalsim.Faults{LoginColumns: faulted}, cols: faulted},
		{name: "list emptied overnight", faults: portalsim.Faults{EmptiedColumns: faulted}, twoNights: true, cols: faulted},
		{name: "list shrunk overnight", faults: portalsim.Faults{ShrunkColumns: faulted}, twoNights: true, cols: faulted},
		{name: "later list pages fail", faults: portalsim.Faults{PageFailColumns: paged}, big: true, cols: paged, partial: true},
		{name: "attachments throttled or blocked", faults: portalsim.Faults{AttThrottleEvery: 3, AttFirewallEvery: 4}},
		{name: "article bodies cut", faults: portalsim.Faults{CutArticleEvery: 4}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			opt := options(today, tt.faults)
			if tt.big {
				opt = bigOpt
				opt.Faults = tt.faults
			}
			var gaps []string
			gap := func(format string, args ...any) { gaps = append(gaps, fmt.Sprintf(format, args...)) }
			var e *env
			var before map[string]store.Finding
			if tt.twoNights {
				healthy := opt
				healthy.Faults = portalsim.Faults{}
				healthy.Today = today.AddDate(0, 0, -1)
				e = newEnvWith(t, healthy)
				if _, err := e.crawl(context.Background(), crawler.Options{}); err != nil {
					t.Fatal(err)
				}
				e.check()
				before = e.findings()
				e.p.set(newSim(t, opt).Handler())
				e.day = today
			} else {
				e = newEnvWith(t, opt)
			}
			e.cfg.Site.Crawl.MaxListPages = capPages
			run, err := e.crawl(context.Background(), crawler.Options{})
			if err != nil {
				t.Fatalf("crawl: %v", err)
			}
			t.Logf("run: requests %d items %d errors %v", run.Requests, run.Items, run.Errors)
			e.check()
			tr := newSim(t, opt).Truth(e.p.srv.URL)
			hit := map[string]bool{}
			for _, id := range tt.cols {
				hit[id] = true
			}
			srcs := e.sources()
			for _, id := range tt.cols {
				s := srcs["column:"+id]
				if s.Judged() {
					gap("%s judged under the fault (audited, %d items listed, not partial, not suspect): want not audited, partial or suspect, with its cause", id, s.Items)
				}
				if tt.partial && s.Audited && !s.Partial {
					gap("%s: a walk whose later list pages failed is not marked partial", id)
				}
			}
			truthV := all(tr)
			drafts := e.drafts()
			var extra, judged []string
			for k, f := range drafts {
				if _, ok := truthV[k]; !ok {
					extra = append(extra, k)
				}
				if hit[f.Column] && columnRules[f.Rule] && (tt.partial || !tt.twoNights) {
					if _, old := before[k]; !old {
						judged = append(judged, k)
					}
				}
			}
			sort.Strings(extra)
			sort.Strings(judged)
			if len(judged) > 0 {
				gap("%d column-rule findings on columns not wholly read, e.g. %s", len(judged), strings.Join(judged[:min(3, len(judged))], "; "))
			}
			if tt.partial {
				// The items of the pages that were read are judged by the
				// item rules.
				per := map[string]int{}
				for _, u := range tr.Units {
					per[u.ID] = u.Layout.PerPage
				}
				first := map[string]bool{}
				n := map[string]int{}
				for _, it := range tr.Items {
					if hit[it.Column] && n[it.Column] < per[it.Unit] {
						n[it.Column]++
						first[it.URL] = true
					}
				}
				var unjudged []string
				for k, v := range truthV {
					if first[v.URL] && !columnRules[v.Check] {
						if _, ok := drafts[k]; !ok {
							unjudged = append(unjudged, k)
						}
					}
				}
				sort.Strings(unjudged)
				if len(unjudged) > 0 {
					gap("%d item findings of the pages read in a partial walk missed, e.g. %s", len(unjudged), strings.Join(unjudged[:min(3, len(unjudged))], "; "))
				}
			}
			if len(extra) > 0 {
				gap("%d findings the truth does not have (deductions the portal does not deserve), e.g. %s", len(extra), strings.Join(extra[:min(4, len(extra))], "; "))
			}
			if tt.twoNights {
				after := e.findings()
				var changed, added []string
				for k, f := range before {
					if !hit[f.Column] {
						continue
					}
					if g, ok := after[k]; !ok || g.Status != f.Status {
						changed = append(changed, fmt.Sprintf("%s %s→%s", k, f.Status, g.Status))
					}
				}
				for k, f := range after {
					if _, ok := before[k]; !ok && hit[f.Column] {
						added = append(added, k)
					}
				}
				sort.Strings(changed)
				sort.Strings(added)
				if len(changed) > 0 {
					gap("%d findings of the faulted columns changed overnight, e.g. %s", len(changed), strings.Join(changed[:min(3, len(changed))], "; "))
				}
				if len(added) > 0 {
					gap("%d new findings on the faulted columns, e.g. %s", len(added), strings.Join(added[:min(3, len(added))], "; "))
				}
			}
			// Nothing lost elsewhere: the truth restricted to what was
			// audited, outside the faulted columns.
			want := e.expected(tr)
			var missed []string
			for k, v := range want {
				if _, ok := drafts[k]; !ok && !hit[v.Column] && v.Check != rules.BrokenAttachment && v.Check != rules.MissingAttachment {
					missed = append(missed, k)
				}
			}
			sort.Strings(missed)
			if len(missed) > 0 {
				gap("%d findings missed outside the faulted columns, e.g. %s", len(missed), strings.Join(missed[:min(4, len(missed))], "; "))
			}
			if tt.faults.CutArticleEvery > 0 {
				cut := 0
				for _, it := range e.items() {
					if it.FetchErr != "" {
						cut++
					}
				}
				if cut == 0 {
					gap("no article recorded as not read: a cut body was taken for the whole page")
				}
			}
			for _, g := range gaps {
				t.Error(g)
			}
		})
	}
}
