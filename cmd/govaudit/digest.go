package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/govaudit/govaudit/config"
	"github.com/govaudit/govaudit/jobs"
	"github.com/govaudit/govaudit/probe"
	"github.com/govaudit/govaudit/reports"
	"github.com/govaudit/govaudit/rules"
	"github.com/govaudit/govaudit/rules/workday"
	"github.com/govaudit/govaudit/store"
)

func digestCmd() command {
	return command{
		name:    "digest",
		summary: "email each unit what is overdue or due soon (weekly digest), and a summary to the office",
		run:     runDigest,
	}
}

func runDigest(ctx context.Context, a *app, args []string) error {
	fs := newFlagSet(a, "digest", "[--week 2026-W47] [--as-of DATE] [--dry-run DIR] [--calendar FILE]...\n\n"+
		"Sends each unit's contact one email listing what is overdue or about to be, and a\n"+
		"summary to mail.office. Units with nothing get no email. Sent emails are recorded per\n"+
		"week and recipient: running a week again sends nothing twice, and retries what failed.\n"+
		"The SMTP password is read from the variable named by mail.password_env.")
	sf := addStoreFlags(fs)
	weekFlag := fs.String("week", "", "ISO week, e.g. 2026-W47 (default: the week of --as-of)")
	asOfFlag := fs.String("as-of", "", "judge deadlines as of this date, YYYY-MM-DD (default: the Monday of --week, else today)")
	dryRun := fs.String("dry-run", "", "write the emails as .eml files into this directory instead of sending; records nothing")
	var extra pathList
	fs.Var(&extra, "calendar", "holiday override file (JSON, per year); repeatable")
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	var week reports.Week
	asOf := workday.Day(time.Now())
	if *weekFlag != "" {
		w, err := reports.ParseWeek(*weekFlag)
		if err != nil {
			return usageError{fmt.Errorf("--week: %w", err)}
		}
		week, asOf = w, w.Monday()
	}
	if *asOfFlag != "" {
		d, err := workday.Parse(*asOfFlag)
		if err != nil {
			return usageError{fmt.Errorf("--as-of: %w", err)}
		}
		asOf = d
	}
	if *weekFlag == "" {
		week = reports.WeekOf(asOf)
	}
	cfg, err := loadConfig(sf.config)
	if err != nil {
		return err
	}
	var smtp reports.SMTP
	if *dryRun == "" {
		if smtp, err = reports.SMTPFromConfig(cfg.Mail, os.Getenv); err != nil {
			return configError{fmt.Errorf("%s: %w", cfg.Path, err)}
		}
	}
	cal, err := buildCalendar(cfg, extra)
	if err != nil {
		return err
	}
	st, err := openStore(cfg, sf.db, *dryRun != "")
	if err != nil {
		return err
	}
	defer st.Close()

	d, err := buildDigest(ctx, cfg, st, cal, week, asOf)
	if err != nil {
		return err
	}
	ms, err := d.Messages(cfg.Mail.Office)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "%s（截至 %s）：%d 个单位有待办事项\n", week, asOf.Format("2006-01-02"), len(d.Units))
	for _, name := range ms.NoAddress {
		fmt.Fprintf(a.stdout, "  %s 未配置联系邮箱（units[].email），只列入汇总\n", name)
	}
	if cfg.Mail.Office == "" {
		fmt.Fprintln(a.stdout, "  未配置 mail.office，不发送汇总邮件")
	}

	if *dryRun != "" {
		from, fromName := cfg.Mail.From, cfg.Mail.FromName
		if from == "" {
			from = "govaudit@localhost"
		}
		paths, err := reports.WriteEML(*dryRun, from, fromName, week, ms.List, time.Now())
		for _, p := range paths {
			fmt.Fprintln(a.stdout, "  "+p)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "试运行：写出 %d 封邮件，未发送，未记录。\n", len(paths))
		return nil
	}

	run, err := st.StartRun("digest", time.Now())
	if err != nil {
		return err
	}
	res, sendErr := reports.Send(ctx, smtp, st, week, ms.List, time.Now)
	for _, m := range res.Sent {
		fmt.Fprintf(a.stdout, "  已发送 %s <%s>：%s\n", m.ToName, m.To, m.Subject)
	}
	if len(res.Skipped) > 0 {
		fmt.Fprintf(a.stdout, "  %d 封本周已发送过，跳过\n", len(res.Skipped))
	}
	for _, f := range res.Failed {
		fmt.Fprintf(a.stderr, "  发送失败 %s <%s>：%v\n", f.Message.ToName, f.Message.To, f.Err)
	}
	run.EndedAt = time.Now()
	run.Figures = map[string]int{"sent": len(res.Sent), "skipped": len(res.Skipped), "failed": len(res.Failed),
		"units": len(d.Units)}
	run.Status = "ok"
	err = errors.Join(sendErr, res.Err())
	if err != nil {
		run.Status, run.Note = "failed", firstLine(err.Error())
	}
	if serr := st.SaveRun(run); serr != nil {
		err = errors.Join(err, serr)
	}
	return err
}

// buildDigest gathers the early warnings of the checks, the week's new
// drafts and the availability probes of the week.
func buildDigest(ctx context.Context, cfg *config.Config, st *store.Store, cal *workday.Calendar, week reports.Week, asOf time.Time) (*reports.Digest, error) {
	in, err := rules.LoadInput(ctx, cfg, st, cal)
	if err != nil {
		return nil, err
	}
	risks, err := rules.AtRisk(in, asOf)
	if err != nil {
		return nil, err
	}
	var drafts []store.Finding
	err = st.EachFinding(func(f store.Finding) error {
		if f.Status == store.StatusDraft {
			drafts = append(drafts, f)
		}
		return ctx.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("read findings: %w", err)
	}
	// The availability of the seven full days before asOf (the daemon
	// probes; nothing when it never did).
	avail, err := probe.WeekOf(st, workday.Day(asOf))
	if err != nil {
		return nil, err
	}
	baseline, err := jobs.Baseline(cfg, st)
	if err != nil {
		return nil, err
	}
	return reports.BuildDigest(reports.DigestInput{Week: week, AsOf: asOf, Site: cfg.Site.Name, Units: cfg.Units,
		Columns: columnNames(cfg), Risks: convertRisks(cfg, risks), Findings: drafts, Probes: avail,
		Baseline: baseline, Office: cfg.Notice.Office, Contact: cfg.Notice.Contact}), nil
}

// convertRisks turns the checks' early warnings into digest entries.
func convertRisks(cfg *config.Config, r rules.Risks) []reports.Risk {
	const day = "2006-01-02"
	var out []reports.Risk
	for _, c := range r.KeyColumns {
		detail := "本季度尚无信息发布"
		if !c.LastPublished.IsZero() {
			detail += "，上次发布 " + c.LastPublished.Format(day)
		} else {
			detail += "，栏目从未发布信息"
		}
		out = append(out, reports.Risk{Unit: c.Unit, Kind: reports.RiskKeyColumn, Column: c.Name, URL: c.URL,
			Due: r.QuarterEnd.Format(day), WorkingDaysLeft: c.WorkdaysLeft, Detail: detail,
			Check: rules.KeyColumnEmpty, Subject: c.Column + ":" + r.Quarter})
	}
	for _, p := range r.Periods {
		// The label names the period, or the annual report in full.
		subject := p.Column + ":" + p.Period
		if p.Check == rules.AnnualReport {
			subject = p.Unit + ":" + p.Period
		}
		out = append(out, reports.Risk{Unit: p.Unit, Kind: reports.RiskPeriodic, Column: p.Name, Title: p.Label, URL: p.URL,
			Due: p.Deadline.Format(day), WorkingDaysLeft: p.WorkdaysLeft, Overdue: p.Overdue, Detail: "尚未发布",
			Check: p.Check, Subject: subject})
	}
	boxes := map[string]string{}
	for _, m := range cfg.Mailboxes {
		boxes[m.ID] = m.Name
	}
	for _, l := range r.Letters {
		name := boxes[l.Mailbox]
		if name == "" {
			name = l.Mailbox
		}
		out = append(out, reports.Risk{Unit: l.Unit, Kind: reports.RiskMailbox, Column: name, Title: l.Title, URL: l.URL,
			Overdue: true, Detail: fmt.Sprintf("%s 来信，已 %d 个工作日未答复（时限 %d 个工作日）", l.Received.Format(day), l.Workdays, l.Limit),
			Check: rules.MailboxReply, Subject: l.URL})
	}
	for _, s := range r.Stale {
		detail := fmt.Sprintf("栏目信息均无日期（更新周期要求 %d 天）", s.Limit)
		if !s.LastPublished.IsZero() {
			detail = fmt.Sprintf("最近一次发布 %s，已 %d 天未更新（要求 %d 天内）", s.LastPublished.Format(day), s.Days, s.Limit)
		}
		out = append(out, reports.Risk{Unit: s.Unit, Kind: reports.RiskStale, Column: s.Name, URL: s.URL, Overdue: true, Detail: detail,
			Check: rules.StaleColumn, Subject: s.Column})
	}
	return out
}

// firstLine returns s up to its first newline.
func firstLine(s string) string {
	for i, r := range s {
		if r == '\n' {
			return s[:i]
		}
	}
	return s
}
