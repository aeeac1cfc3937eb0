package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/govaudit/govaudit/rules"
	"github.com/govaudit/govaudit/rules/workday"
	"github.com/govaudit/govaudit/web"
)

func checkCmd() command {
	return command{
		name:    "check",
		summary: "run the compliance checks over the store and record draft deductions",
		run:     profiled(runCheck),
	}
}

func runCheck(ctx context.Context, a *app, args []string) error {
	fs := newFlagSet(a, "check", "[--as-of DATE] [--config FILE] [--db FILE] [--calendar FILE]...\n\n"+
		"Evaluates every enabled check over what the last crawls stored, as of DATE\n"+
		"(default: today, China Standard Time), merges the findings into the store as draft\n"+
		"deductions (new, unchanged, resolved) and prints a summary per check.")
	sf := addStoreFlags(fs)
	asOfFlag := fs.String("as-of", "", "judge deadlines as of this date, YYYY-MM-DD (default today)")
	var extra pathList
	fs.Var(&extra, "calendar", "holiday override file (JSON, per year); repeatable")
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	asOf := workday.Day(time.Now())
	if *asOfFlag != "" {
		d, err := workday.Parse(*asOfFlag)
		if err != nil {
			return usageError{fmt.Errorf("--as-of: %w", err)}
		}
		asOf = d
	}
	cfg, err := loadConfig(sf.config)
	if err != nil {
		return err
	}
	if _, err := rules.Configured(cfg); err != nil {
		return configError{fmt.Errorf("%s: %w", cfg.Path, err)}
	}
	cal, err := buildCalendar(cfg, extra)
	if err != nil {
		return err
	}
	st, err := openStore(cfg, sf.db, false)
	if api := heldByConfig(cfg, sf.db, err); api != nil {
		if len(extra) > 0 {
			return usageError{fmt.Errorf("--calendar cannot be passed to the server holding the store (%s); add the file to calendar.overrides", api.where())}
		}
		var out web.APICheck
		if err := api.post("/api/check", map[string]string{"as_of": asOf.Format("2006-01-02")}, &out); err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "（由 %s 运行）\n", api.where())
		writeCheckSummary(a.stdout, out.Report)
		return nil
	}
	if err != nil {
		return err
	}
	defer st.Close()
	rep, err := rules.Check(ctx, cfg, st, cal, asOf)
	if err != nil {
		return err
	}
	writeCheckSummary(a.stdout, rep)
	writeCoverageLine(a.stdout, rep.Coverage)
	return nil
}

// writeCoverageLine says in one line what the checks could not judge, and
// where to look.
func writeCoverageLine(w io.Writer, cov []rules.ColumnCoverage) {
	for _, c := range cov {
		if c.NeedsLook() {
			fmt.Fprintf(w, "\n%s（govaudit coverage 查看详情）\n", rules.CoverageHeadline(cov))
			return
		}
	}
	fmt.Fprintf(w, "\n栏目 %d 个，全部已审计\n", len(cov))
}

// writeCheckSummary prints a check report: one line per check with its
// findings new, unchanged and resolved, and what could not be judged.
func writeCheckSummary(w io.Writer, rep rules.Report) {
	fmt.Fprintf(w, "检查日期 %s（检查范围 %s 起），运行 #%d\n\n",
		rep.AsOf.Format("2006-01-02"), rep.Since.Format("2006-01-02"), rep.RunID)
	header := []string{"检查项", "id", "发现", "新增", "未变", "已消除", "未审计", "无日期"}
	var rows [][]string
	var tot [6]int
	for _, c := range rep.Checks {
		if !c.Enabled {
			rows = append(rows, []string{c.Title, c.ID, "（未启用）", "", "", "", "", ""})
			continue
		}
		vals := [6]int{c.Findings, c.New, c.Unchanged, c.Resolved, c.NotAudited, c.Undatable}
		row := []string{c.Title, c.ID}
		for i, v := range vals {
			tot[i] += v
			row = append(row, strconv.Itoa(v))
		}
		rows = append(rows, row)
	}
	total := []string{"合计", ""}
	for _, v := range tot {
		total = append(total, strconv.Itoa(v))
	}
	rows = append(rows, total)
	writeTable(w, header, rows, 2)
	if rep.Sync.Reopened > 0 {
		fmt.Fprintf(w, "\n其中 %d 条已消除的问题再次出现，重新列为待审核。\n", rep.Sync.Reopened)
	}
	fmt.Fprintln(w, "\n新增问题为待审核扣分（draft）；查看：govaudit findings list --status draft")
	if tot[4] > 0 {
		fmt.Fprintln(w, "未审计：栏目、信箱或页面未能抓取，不产生扣分，原有问题保持不变（见 govaudit runs）。")
	}
	writeCheckExtras(w, rep) // issue 15: report_issue.go
	// Content checks (issue 14).
	for _, c := range rep.Checks {
		if c.ID == rules.PersonalData && c.NotAudited > 0 {
			fmt.Fprintln(w, "个人信息检查的未审计还包括无法提取文字的附件（.doc/.wps/.ofd、图片、扫描件 PDF、超过大小上限、下载失败）：不视为合格。")
		}
	}
}

// writeTable writes rows under header in columns padded by display width
// (CJK characters count as two). Columns from numFrom on are right-aligned.
func writeTable(w io.Writer, header []string, rows [][]string, numFrom int) {
	all := append([][]string{header}, rows...)
	widths := make([]int, len(header))
	for _, r := range all {
		for i, c := range r {
			if i < len(widths) && displayWidth(c) > widths[i] {
				widths[i] = displayWidth(c)
			}
		}
	}
	for _, r := range all {
		var b strings.Builder
		for i, c := range r {
			if i >= len(widths) {
				break
			}
			pad := strings.Repeat(" ", widths[i]-displayWidth(c))
			if i > 0 {
				b.WriteString("  ")
			}
			if numFrom >= 0 && i >= numFrom {
				b.WriteString(pad + c)
			} else if i < len(r)-1 {
				b.WriteString(c + pad)
			} else {
				b.WriteString(c)
			}
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	}
}

// displayWidth is the width of s on a terminal: East Asian wide and
// full-width characters count as two columns.
func displayWidth(s string) int {
	n := 0
	for _, r := range s {
		switch {
		case r < 0x1100:
			n++
		case unicode.Is(unicode.Han, r), r >= 0x3000 && r <= 0x30FF, r >= 0xFF00 && r <= 0xFF60, r >= 0xFFE0 && r <= 0xFFE6,
			r >= 0xAC00 && r <= 0xD7A3, r >= 0x1100 && r <= 0x115F:
			n += 2
		default:
			n++
		}
	}
	return n
}

// cleanCell makes untrusted text safe for one terminal table cell: control
// characters (escape sequences, newlines) become spaces, and long text is cut.
func cleanCell(s string, max int) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || unicode.Is(unicode.Bidi_Control, r) {
			return ' '
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if max > 0 && displayWidth(s) > max {
		var b strings.Builder
		w := 0
		for _, r := range s {
			rw := displayWidth(string(r))
			if w+rw > max-1 {
				break
			}
			b.WriteRune(r)
			w += rw
		}
		s = b.String() + "…"
	}
	return s
}
