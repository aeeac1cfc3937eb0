package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/govaudit/govaudit/config"
	"github.com/govaudit/govaudit/jobs"
	"github.com/govaudit/govaudit/reports"
	"github.com/govaudit/govaudit/rules/workday"
	"github.com/govaudit/govaudit/store"
)

func reportCmd() command {
	return command{
		name:    "report",
		summary: "write the quarterly notice (通报): scores, ranking and problem lists as HTML, XLSX, CSV",
		run:     runReport,
	}
}

func runReport(ctx context.Context, a *app, args []string) error {
	fs := newFlagSet(a, "report", "--quarter 2026Q3 | --year 2026 [--format html,xlsx,csv] [--out DIR]\n\n"+
		"Scores every unit from the confirmed findings and the manual adjustments and writes\n"+
		"the notice with the ranking and each unit's problem list. --year gives the annual\n"+
		"total (four quarters plus the year-end part); with both flags both notices are written.")
	sf := addStoreFlags(fs)
	quarter := fs.String("quarter", "", "the quarter, e.g. 2026Q3")
	year := fs.Int("year", 0, "the year, e.g. 2026, for the annual total")
	format := fs.String("format", "html,xlsx,csv", "formats, comma-separated: html, xlsx, csv")
	out := fs.String("out", ".", "directory to write the files into")
	issue := fs.Bool("issue", false, "issue the quarter's notice: record its confirmed findings of rectifiable checks for the rectification check, due rules.rectify_days working days after --date")
	issueDate := fs.String("date", "", "with --issue, the notice's date (default today)")
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	var periods []reports.Period
	if *quarter != "" {
		p, err := reports.ParseQuarter(*quarter)
		if err != nil {
			return usageError{fmt.Errorf("--quarter: %w", err)}
		}
		periods = append(periods, p)
	}
	if *year != 0 {
		p, err := reports.YearPeriod(*year)
		if err != nil {
			return usageError{fmt.Errorf("--year: %w", err)}
		}
		periods = append(periods, p)
	}
	if len(periods) == 0 {
		return usageError{errors.New("--quarter or --year is required")}
	}
	formats, err := reports.ParseFormats(*format)
	if err != nil {
		return usageError{fmt.Errorf("--format: %w", err)}
	}
	day := time.Now()
	if *issueDate != "" {
		if day, err = time.ParseInLocation("2006-01-02", *issueDate, workday.CST()); err != nil {
			return usageError{fmt.Errorf("--date %q: want a date such as 2026-10-09", *issueDate)}
		}
	}
	cfg, err := loadConfig(sf.config)
	if err != nil {
		return err
	}
	// Issuing a notice records it in the store: that needs the store
	// itself, not a server's API.
	st, err := openStore(cfg, sf.db, !*issue)
	if api := heldByConfig(cfg, sf.db, err); api != nil && !*issue {
		return reportViaServer(a, api, periods, formats, *out)
	}
	if err != nil {
		return err
	}
	defer st.Close()
	for _, p := range periods {
		n, err := buildNotice(ctx, cfg, st, p, time.Now())
		if err != nil {
			return err
		}
		if *issue && !p.IsYear() {
			if err := issueNotice(a.stdout, cfg, st, p, day); err != nil {
				return err
			}
		}
		paths, err := reports.WriteFiles(*out, n, formats)
		if err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "%s：%d 个单位，最高 %s 分，最低 %s 分", n.Title, len(n.Rows),
			reports.FormatPoints(n.Rows[0].Score), reports.FormatPoints(n.Rows[len(n.Rows)-1].Score))
		if n.Drafts > 0 {
			fmt.Fprintf(a.stdout, "；另有 %d 条待审核问题未计入", n.Drafts)
		}
		fmt.Fprintln(a.stdout)
		for _, path := range paths {
			fmt.Fprintln(a.stdout, "  "+path)
		}
	}
	return nil
}

// buildNotice computes a period's notice (jobs.Notice); no units is a
// configuration error.
func buildNotice(ctx context.Context, cfg *config.Config, st *store.Store, p reports.Period, now time.Time) (*reports.Notice, error) {
	n, err := jobs.Notice(ctx, cfg, st, p, now)
	if errors.Is(err, jobs.ErrNoUnits) {
		return nil, configError{err}
	}
	if err != nil {
		return nil, err
	}
	if err := addRectification(cfg, st, n); err != nil {
		return nil, err
	}
	return n, nil
}

// reportViaServer writes the notices through the API of the server holding
// the store (the same files as written here).
func reportViaServer(a *app, api *apiReviewer, periods []reports.Period, formats []string, out string) error {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return fmt.Errorf("create report directory: %w", err)
	}
	for _, p := range periods {
		fmt.Fprintf(a.stdout, "%s（由 %s 生成）\n", p.Label(), api.where())
		for _, format := range formats {
			keys := []string{format}
			if format == "csv" {
				keys = []string{"ranking.csv", "problems.csv"}
			}
			for i, name := range reports.FileNames(p, format) {
				b, hdr, err := api.raw("/api/notice/" + p.String() + "/" + keys[i])
				if err != nil {
					return err
				}
				path := filepath.Join(out, name)
				if err := os.WriteFile(path, b, 0o644); err != nil {
					return fmt.Errorf("write %s: %w", path, err)
				}
				if d := hdr.Get("X-Govaudit-Drafts"); d != "" && d != "0" && i == 0 && format == formats[0] {
					fmt.Fprintf(a.stdout, "  另有 %s 条待审核问题未计入\n", d)
				}
				fmt.Fprintln(a.stdout, "  "+path)
			}
		}
	}
	return nil
}
