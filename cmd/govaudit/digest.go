package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/govaudit/govaudit/config"
	"github.com/govaudit/govaudit/jobs"
	"github.com/govaudit/govaudit/reports"
	"github.com/govaudit/govaudit/rules/workday"
	"github.com/govaudit/govaudit/store"
	"github.com/govaudit/govaudit/web"
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
	if api := heldByConfig(cfg, sf.db, err); api != nil {
		return digestViaServer(a, api, cfg, week, asOf, *dryRun, len(extra) > 0)
	}
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

	res, err := jobs.SendDigest(ctx, cfg, st, smtp, week, d, ms.List)
	for _, m := range res.Sent {
		fmt.Fprintf(a.stdout, "  已发送 %s <%s>：%s\n", m.ToName, m.To, m.Subject)
	}
	if len(res.Skipped) > 0 {
		fmt.Fprintf(a.stdout, "  %d 封本周已发送过，跳过\n", len(res.Skipped))
	}
	for _, f := range res.Failed {
		fmt.Fprintf(a.stderr, "  发送失败 %s <%s>：%v\n", f.Message.ToName, f.Message.To, f.Err)
	}
	return err
}

// buildDigest gathers the digest (jobs.Digest).
func buildDigest(ctx context.Context, cfg *config.Config, st *store.Store, cal *workday.Calendar, week reports.Week, asOf time.Time) (*reports.Digest, error) {
	return jobs.Digest(ctx, cfg, st, cal, week, asOf)
}

// digestViaServer builds (and unless dry-running, sends) the digest through
// the API of the server holding the store; a dry run writes the .eml files
// here.
func digestViaServer(a *app, api *apiReviewer, cfg *config.Config, week reports.Week, asOf time.Time, dryRun string, extra bool) error {
	if extra {
		return usageError{fmt.Errorf("--calendar cannot be passed to the server holding the store (%s); add the file to calendar.overrides", api.where())}
	}
	var out web.APIDigest
	body := map[string]any{"week": week.String(), "as_of": asOf.Format("2006-01-02"), "send": dryRun == ""}
	if err := api.post("/api/digest", body, &out); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "%s（截至 %s，由 %s 生成）：%d 个单位有待办事项\n", out.Week, asOf.Format("2006-01-02"), api.where(), out.Units)
	if dryRun != "" {
		from := cfg.Mail.From
		if from == "" {
			from = "govaudit@localhost"
		}
		paths, err := reports.WriteEML(dryRun, from, cfg.Mail.FromName, week, out.Messages, time.Now())
		for _, p := range paths {
			fmt.Fprintln(a.stdout, "  "+p)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "试运行：写出 %d 封邮件，未发送，未记录。\n", len(paths))
		return nil
	}
	fmt.Fprintf(a.stdout, "  已发送 %d 封，本周已发送过而跳过 %d 封\n", out.Sent, out.Skipped)
	for _, f := range out.Failed {
		fmt.Fprintln(a.stderr, "  发送失败 "+f)
	}
	if len(out.Failed) > 0 {
		return fmt.Errorf("%d emails failed", len(out.Failed))
	}
	return nil
}
