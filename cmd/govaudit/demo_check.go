package main

import (
	"context"
	"fmt"
	"strconv"

	"github.com/govaudit/govaudit/rules"
	"github.com/govaudit/govaudit/store"
)

// demoCheck is the demo's "check" step: it evaluates every check as of
// the portal's today, prints the summary, and compares the findings with
// the simulated portal's ground truth.
func demoCheck(ctx context.Context, e *demoEnv) error {
	cal, err := buildCalendar(e.cfg, nil)
	if err != nil {
		return err
	}
	rep, err := rules.Check(ctx, e.cfg, e.st, cal, e.asOf)
	if err != nil {
		return err
	}
	w := e.a.stdout
	fmt.Fprintln(w)
	writeCheckSummary(w, rep)

	found, _, err := e.st.Findings(store.Filter{})
	if err != nil {
		return err
	}
	got := map[string]bool{}
	for _, f := range found {
		if f.Status != store.StatusResolved {
			got[f.Rule+" "+f.Subject] = true
		}
	}
	want := map[string]bool{}
	truthPer := map[string]int{}
	for _, v := range e.sim.Truth(e.base).Violations {
		want[v.Check+" "+v.Subject] = true
		truthPer[v.Check]++
	}
	hit := map[string]int{}
	foundPer := map[string]int{}
	for _, f := range found {
		if f.Status == store.StatusResolved {
			continue
		}
		foundPer[f.Rule]++
		if want[f.Rule+" "+f.Subject] {
			hit[f.Rule]++
		}
	}
	fmt.Fprintln(w, "\n与模拟门户的标准答案（truth.json）对比：")
	var rows [][]string
	for _, c := range rep.Checks {
		if !c.Enabled {
			continue
		}
		rows = append(rows, []string{c.ID, strconv.Itoa(truthPer[c.ID]), strconv.Itoa(foundPer[c.ID]),
			ratio(hit[c.ID], foundPer[c.ID]), ratio(hit[c.ID], truthPer[c.ID])})
	}
	writeTable(w, []string{"id", "标准答案", "发现", "准确率", "召回率"}, rows, 1)
	return nil
}

// ratio formats a/b as a percentage ("—" when b is 0).
func ratio(a, b int) string {
	if b == 0 {
		return "—"
	}
	return strconv.FormatFloat(100*float64(a)/float64(b), 'f', 1, 64) + " %"
}
