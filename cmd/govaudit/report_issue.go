package main

import (
	"fmt"
	"io"
	"time"

	"github.com/govaudit/govaudit/config"
	"github.com/govaudit/govaudit/reports"
	"github.com/govaudit/govaudit/rules"
	"github.com/govaudit/govaudit/rules/workday"
	"github.com/govaudit/govaudit/store"
)

// This file holds the rectification part of "govaudit report" (issue 15):
// the rectification record in the notice, and --issue, which records the
// notice's confirmed findings of rectifiable checks with their deadline.

// addRectification sets the notice's rectification record from the
// store's notice entries.
func addRectification(cfg *config.Config, st *store.Store, n *reports.Notice) error {
	entries, err := st.NoticeEntries()
	if err != nil {
		return err
	}
	n.Rectification = reports.RectificationRecord(entries, cfg.Units, n.Period)
	return nil
}

// issueNotice records that the notice of quarter p, issued on day, lists
// the confirmed findings of rectifiable checks of that quarter, with the
// deadline rules.rectify_days working days after day. It prints what it
// recorded to w.
func issueNotice(w io.Writer, cfg *config.Config, st *store.Store, p reports.Period, day time.Time) error {
	if p.IsYear() {
		return usageError{fmt.Errorf("--issue: a notice is issued for a quarter, not a year")}
	}
	cal, err := buildCalendar(cfg, nil)
	if err != nil {
		return err
	}
	due, err := rules.RectifyDeadline(cfg, cal, day)
	if err != nil {
		return fmt.Errorf("rectification deadline: %w", err)
	}
	var listed []store.Finding
	err = st.EachFinding(func(f store.Finding) error {
		if f.Status == store.StatusConfirmed && f.Quarter == p.String() && rules.Rectifiable(f.Rule) {
			listed = append(listed, f)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("read findings: %w", err)
	}
	added, err := st.RecordNotice(p.String(), workday.Day(day), due.Format("2006-01-02"), listed)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "通报（%s）已登记：%d 条需整改问题（新登记 %d 条），整改期限 %s\n", p, len(listed), added, due.Format("2006-01-02"))
	return nil
}

// writeCheckExtras writes the parts of a check run's summary that issue 15
// added: the checks' notes for the office (the catalog's unassigned
// columns) and the site's national verdict.
func writeCheckExtras(w io.Writer, rep rules.Report) {
	for _, c := range rep.Checks {
		if len(c.Notes) == 0 {
			continue
		}
		fmt.Fprintf(w, "\n%s（供政务公开办参考，不扣分）：\n", c.Title)
		for i, n := range c.Notes {
			if i == 10 {
				fmt.Fprintf(w, "  …… 另有 %d 条\n", len(c.Notes)-10)
				break
			}
			fmt.Fprintln(w, "  "+n)
		}
	}
	if rep.Verdict.Week == "" {
		return
	}
	fmt.Fprintln(w, "\n"+reports.VerdictHeadline(rep.Verdict)+"：")
	for _, ind := range rep.Verdict.Indicators {
		fmt.Fprintln(w, "  "+reports.VerdictLine(ind))
	}
}
