package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/govaudit/govaudit/rules"
	"github.com/govaudit/govaudit/rules/workday"
	"github.com/govaudit/govaudit/store"
)

func coverageCmd() command {
	return command{
		name:    "coverage",
		summary: "what the latest crawl read of each column: judged, partial, suspect, not audited, 栏目未找到",
		run:     runCoverage,
	}
}

func runCoverage(ctx context.Context, a *app, args []string) error {
	fs := newFlagSet(a, "coverage", "[--config FILE] [--db FILE] [--unit ID] [--all] [--format table|json]\n"+
		"       govaudit coverage --accept COLUMN --reason TEXT [--by NAME]\n\n"+
		"Says, for each configured column, what its latest crawl read and so what the checks\n"+
		"could judge: items listed and read, how many carry a 发布日期, a 成文日期, attachments,\n"+
		"list pages read and failed, and its state — judged, partial (item checks only),\n"+
		"suspect (its list fell sharply: column checks wait a night), not audited (with the\n"+
		"cause) or 栏目未找到 (a template's channel its catalog does not list). Columns that look\n"+
		"mis-read are flagged. Without --all only the columns that need a look are listed.\n\n"+
		"--accept confirms that a suspect column's drop is real (the unit did empty or shorten\n"+
		"its list): the next check judges it without waiting for another night. It is\n"+
		"recorded in the audit trail.")
	sf := addStoreFlags(fs)
	unit := fs.String("unit", "", "only the columns of this unit")
	all := fs.Bool("all", false, "list every column, not only those that need a look")
	format := fs.String("format", "table", "output format: table or json")
	accept := fs.String("accept", "", "confirm the drop of this suspect column (its id)")
	reason := fs.String("reason", "", "with --accept: why the drop is real (required)")
	by := fs.String("by", currentUser(), "with --accept: who confirms (recorded in the audit trail)")
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	if *accept != "" {
		return acceptDrop(a, sf, *accept, *by, *reason)
	}
	if *format != "table" && *format != "json" {
		return usageError{fmt.Errorf("--format %q: use table or json", *format)}
	}
	cfg, err := loadConfig(sf.config)
	if err != nil {
		return err
	}
	st, err := openStore(cfg, sf.db, true)
	if err != nil {
		return err
	}
	defer st.Close()
	in, err := rules.LoadInput(ctx, cfg, st, &workday.Calendar{})
	if err != nil {
		return err
	}
	cov := rules.Coverage(in)
	rules.SortCoverage(cov)
	var rows []rules.ColumnCoverage
	for _, c := range cov {
		if *unit != "" && c.Unit != *unit {
			continue
		}
		if !*all && !c.NeedsLook() {
			continue
		}
		rows = append(rows, c)
	}
	if *format == "json" {
		if rows == nil {
			rows = []rules.ColumnCoverage{}
		}
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rows)
	}
	writeCoverage(a.stdout, cov, rows, *all)
	return nil
}

// acceptDrop records an inspector's confirmation that a suspect column's
// drop is real.
func acceptDrop(a *app, sf *storeFlags, column, by, reason string) error {
	if strings.TrimSpace(reason) == "" {
		return usageError{fmt.Errorf("--accept needs --reason (why the drop is real)")}
	}
	if strings.TrimSpace(by) == "" {
		return usageError{fmt.Errorf("--by cannot be empty")}
	}
	cfg, st, err := sf.open(false)
	if err != nil {
		return err
	}
	defer st.Close()
	if _, ok := cfg.Column(column); !ok {
		return usageError{fmt.Errorf("--accept %q: no such column in %s", column, cfg.Path)}
	}
	was, err := st.AcceptDrop(store.SourceColumn+":"+column, by, reason, time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "栏目 %s：已确认“%s”属实，下次检查将按本次抓取结果判定\n", column, was)
	return nil
}

// writeCoverage prints the totals of every column by state, then rows.
func writeCoverage(w io.Writer, all, rows []rules.ColumnCoverage, listAll bool) {
	fmt.Fprintln(w, rules.CoverageHeadline(all))
	if len(rows) == 0 {
		if !listAll {
			fmt.Fprintln(w, "没有需要查看的栏目（--all 列出全部）")
		}
		return
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "栏目\t状态\t列表页(失败)\t列出\t已读\t有发布日期\t有成文日期\t有附件\t原因或提示")
	for _, c := range rows {
		note := c.Cause
		if len(c.Warnings) > 0 {
			if note != "" {
				note += "；"
			}
			note += strings.Join(c.Warnings, "；")
		}
		fmt.Fprintf(tw, "%s\t%s\t%d(%d)\t%d\t%d\t%d\t%d\t%d\t%s\n", c.Column, rules.CoverageStateLabel(c.State),
			c.ListPages, c.PagesFailed, c.Listed, c.Read, c.WithPublished, c.WithWritten, c.WithAttachments, oneLine(note))
	}
	tw.Flush()
}

// oneLine keeps a crawled cause on one table line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
