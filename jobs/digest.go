package jobs

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/govaudit/govaudit/config"
	"github.com/govaudit/govaudit/probe"
	"github.com/govaudit/govaudit/reports"
	"github.com/govaudit/govaudit/rules"
	"github.com/govaudit/govaudit/rules/workday"
	"github.com/govaudit/govaudit/store"
)

// Calendar builds the working-day calendar from the configuration's
// override files and any extra ones.
func Calendar(cfg *config.Config, extra []string) (*workday.Calendar, error) {
	var files []string
	if cfg != nil {
		files = append(files, cfg.Calendar.Overrides...)
	}
	files = append(files, extra...)
	return workday.New(files...)
}

// Check evaluates every enabled check as of asOf and merges the findings
// into the store as drafts (rules.Check, which records the run).
func Check(ctx context.Context, cfg *config.Config, st *store.Store, asOf time.Time) (rules.Report, error) {
	cal, err := Calendar(cfg, nil)
	if err != nil {
		return rules.Report{}, err
	}
	return rules.Check(ctx, cfg, st, cal, workday.Day(asOf))
}

// SendDigest sends the digest's emails (each once per week and recipient)
// and records the run.
func SendDigest(ctx context.Context, cfg *config.Config, st *store.Store, smtp reports.SMTP, week reports.Week, d *reports.Digest, msgs []reports.Message) (reports.SendResult, error) {
	run, err := st.StartRun("digest", time.Now())
	if err != nil {
		return reports.SendResult{}, err
	}
	res, sendErr := reports.Send(ctx, smtp, st, week, msgs, time.Now)
	run.EndedAt = time.Now()
	run.Figures = map[string]int{"sent": len(res.Sent), "skipped": len(res.Skipped), "failed": len(res.Failed),
		"units": len(d.Units)}
	run.Status = "ok"
	err = errors.Join(sendErr, res.Err())
	if err != nil {
		note, _, _ := strings.Cut(err.Error(), "\n")
		run.Status, run.Note = "failed", note
	}
	if serr := st.SaveRun(run); serr != nil {
		err = errors.Join(err, serr)
	}
	return res, err
}

// Digest gathers the early warnings of the checks, the week's new
// drafts and the availability probes of the week.
func Digest(ctx context.Context, cfg *config.Config, st *store.Store, cal *workday.Calendar, week reports.Week, asOf time.Time) (*reports.Digest, error) {
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
	baseline, err := Baseline(cfg, st)
	if err != nil {
		return nil, err
	}
	d := reports.BuildDigest(reports.DigestInput{Week: week, AsOf: asOf, Site: cfg.Site.Name, Units: cfg.Units,
		Columns: ColumnNames(cfg), Risks: convertRisks(cfg, risks), Findings: drafts, Probes: avail,
		Baseline: baseline, Office: cfg.Notice.Office, Contact: cfg.Notice.Contact})
	// What the latest crawl could not judge, for the office.
	d.Coverage = reports.SummarizeCoverage(rules.Coverage(in), cfg.Units)
	// The latest national verdict, computed by the checks.
	if v, ok, err := st.LatestVerdict(); err != nil {
		return nil, err
	} else if ok {
		d.Verdict = &v
	}
	return d, nil
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
