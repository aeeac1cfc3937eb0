package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/govaudit/govaudit/jobs"
	"github.com/govaudit/govaudit/reports"
	"github.com/govaudit/govaudit/store"
)

// demoInspector is the name under which the demo confirms findings, so
// that its notice has something to rank. The audit trail says so.
const demoInspector = "演示（自动确认）"

// lastEndedQuarter returns the quarter before the one holding day.
func lastEndedQuarter(day time.Time) reports.Period { return jobs.LastEndedQuarter(day) }

// demoReport is the demo's "report" step: it plays the inspector for the
// last ended quarter (confirming its draft findings, as recorded in the
// audit trail), then writes the quarter's notice in HTML, XLSX and CSV.
func demoReport(ctx context.Context, e *demoEnv) error {
	p := lastEndedQuarter(e.asOf)
	drafts, _, err := e.st.Findings(store.Filter{Status: store.StatusDraft, Quarter: p.String()})
	if err != nil {
		return err
	}
	confirmed := 0
	for _, f := range drafts {
		if !f.Scoring {
			continue
		}
		_, err := e.st.Decide(f.ID, store.Action{Kind: store.DecideConfirm, By: demoInspector,
			Reason: "演示：自动确认本季度草稿扣分", At: time.Now()})
		if err != nil {
			return fmt.Errorf("confirm %s: %w", f.ID, err)
		}
		confirmed++
	}
	n, err := buildNotice(ctx, e.cfg, e.st, p, time.Now())
	if err != nil {
		return err
	}
	dir := filepath.Join(e.dir, "reports")
	formats, err := reports.ParseFormats("html,docx,xlsx,csv")
	if err != nil {
		return err
	}
	paths, err := reports.WriteFiles(dir, n, formats)
	if err != nil {
		return err
	}
	w := e.a.stdout
	fmt.Fprintf(w, "\n%s：演示审核员确认了 %s 的 %d 条草稿扣分；%d 个单位，最高 %s 分，最低 %s 分\n",
		n.Title, p, confirmed, len(n.Rows),
		reports.FormatPoints(n.Rows[0].Score), reports.FormatPoints(n.Rows[len(n.Rows)-1].Score))
	for _, path := range paths {
		e.outputs = append(e.outputs, demoOutput{noticeLabel(path), path})
	}
	return nil
}

// noticeLabel names a file of the notice: the CSV comes as two files,
// the ranking and the problem list.
func noticeLabel(path string) string {
	base := filepath.Base(path)
	switch {
	case strings.HasSuffix(base, "-排名.csv"):
		return "quarterly notice, ranking (csv)"
	case strings.HasSuffix(base, "-问题清单.csv"):
		return "quarterly notice, problem list (csv)"
	}
	return "quarterly notice (" + strings.TrimPrefix(filepath.Ext(path), ".") + ")"
}

// demoDigest is the demo's "digest" step: the week's digest written as
// .eml files (a dry run: nothing is sent, nothing recorded).
func demoDigest(ctx context.Context, e *demoEnv) error {
	cal, err := buildCalendar(e.cfg, nil)
	if err != nil {
		return err
	}
	week := reports.WeekOf(e.asOf)
	d, err := buildDigest(ctx, e.cfg, e.st, cal, week, e.asOf)
	if err != nil {
		return err
	}
	ms, err := d.Messages(e.cfg.Mail.Office)
	if err != nil {
		return err
	}
	dir := filepath.Join(e.dir, "digest")
	paths, err := reports.WriteEML(dir, "govaudit@localhost", "政务公开办", week, ms.List, time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintf(e.a.stdout, "\n每周提醒 %s（试运行）：%d 个单位有待办事项，写出 %d 封邮件\n", week, len(d.Units), len(paths))
	e.outputs = append(e.outputs, demoOutput{"weekly digest (.eml, not sent)", dir})
	return nil
}
