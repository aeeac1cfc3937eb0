package main

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/govaudit/govaudit/reports"
	"github.com/govaudit/govaudit/rules"
	"github.com/govaudit/govaudit/store"
)

// demoRectify is the demo's "rectify" step (issue 15): it issues the last
// ended quarter's notice as of the fifth working day after the quarter
// (recording its rectifiable confirmed findings with their deadline),
// re-examines them with a check as of the portal's today, and writes the
// current quarter's notice so far, whose rectification section shows what
// became of them. The simulated portal does not change, so what was listed
// is still there: overdue, and a rectification finding each.
func demoRectify(ctx context.Context, e *demoEnv) error {
	w := e.a.stdout
	cal, err := buildCalendar(e.cfg, nil)
	if err != nil {
		return err
	}
	p := lastEndedQuarter(e.asOf)
	_, last, err := rules.ParseQuarter(p.String())
	if err != nil {
		return err
	}
	issued, err := cal.Add(last, 5)
	if err != nil {
		return err
	}
	due, err := rules.RectifyDeadline(e.cfg, cal, issued)
	if err != nil {
		return err
	}
	fmt.Fprintln(w)
	if !e.asOf.After(due) {
		fmt.Fprintf(w, "整改跟踪：%s 通报（%s 印发）的整改期限 %s 未到，今天（%s）不复查。\n",
			p, issued.Format("2006-01-02"), due.Format("2006-01-02"), e.asOf.Format("2006-01-02"))
		return nil
	}
	if err := issueNotice(w, e.cfg, e.st, p, issued); err != nil {
		return err
	}
	rep, err := rules.Check(ctx, e.cfg, e.st, cal, e.asOf)
	if err != nil {
		return err
	}
	entries, err := e.st.NoticeEntries()
	if err != nil {
		return err
	}
	states := map[string]int{}
	for _, en := range entries {
		states[en.State]++
	}
	var rect rules.Summary
	for _, c := range rep.Checks {
		if c.ID == rules.Rectification {
			rect = c
		}
	}
	fmt.Fprintf(w, "复查（%s）：按期整改 %d 条，逾期整改 %d 条，逾期未整改 %d 条，未能复查 %d 条；新增“通报问题未整改”待审核问题 %d 条\n",
		e.asOf.Format("2006-01-02"), states[store.RectifyFixed], states[store.RectifyLate], states[store.RectifyOverdue],
		states[store.RectifyUnknown], rect.New)

	cur, err := reports.ParseQuarter(rules.Quarter(e.asOf))
	if err != nil {
		return err
	}
	n, err := buildNotice(ctx, e.cfg, e.st, cur, time.Now())
	if err != nil {
		return err
	}
	formats, err := reports.ParseFormats("html")
	if err != nil {
		return err
	}
	paths, err := reports.WriteFiles(filepath.Join(e.dir, "reports"), n, formats)
	if err != nil {
		return err
	}
	for _, path := range paths {
		e.outputs = append(e.outputs, demoOutput{"current quarter's notice so far, with the rectification record (html)", path})
	}
	e.outputs = append(e.outputs, demoOutput{"rectification follow-up in the review UI", "/rectification"})
	return nil
}
