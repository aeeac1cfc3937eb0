package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/govaudit/govaudit/config"
	"github.com/govaudit/govaudit/rules"
	"github.com/govaudit/govaudit/store"
)

// findingsSub is one subcommand of "govaudit findings".
type findingsSub struct {
	name    string
	usage   string // arguments, after "findings <name>"
	summary string
	run     func(ctx context.Context, a *app, args []string) error
}

// findingsSubs lists the findings subcommands: list here, the review
// actions (show, confirm, dismiss …) in findings_actions.go.
func findingsSubs() []findingsSub {
	subs := []findingsSub{{
		name:    "list",
		usage:   "[--rule R] [--unit U] [--status S] [--quarter Q] [--column C] [--format table|json|csv] [--limit N]",
		summary: "list findings (draft deductions) with filters",
		run:     runFindingsList,
	}}
	return append(subs, findingsActions()...)
}

func findingsCmd() command {
	return command{
		name:    "findings",
		summary: "list and review findings (draft deductions): findings list …",
		run:     runFindings,
	}
}

func runFindings(ctx context.Context, a *app, args []string) error {
	subs := findingsSubs()
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintln(a.stderr, "Usage: govaudit findings <subcommand> [flags]\n\nSubcommands:")
		for _, s := range subs {
			fmt.Fprintf(a.stderr, "  %-8s %s\n", s.name, s.summary)
		}
		if len(args) == 0 {
			return usageError{fmt.Errorf("missing subcommand")}
		}
		return nil
	}
	for _, s := range subs {
		if s.name == args[0] {
			return s.run(ctx, a, args[1:])
		}
	}
	names := make([]string, len(subs))
	for i, s := range subs {
		names[i] = s.name
	}
	return usageError{fmt.Errorf("unknown subcommand %q (%s)", args[0], strings.Join(names, ", "))}
}

// findingJSON is the JSON form of a finding in `findings list --format json`.
type findingJSON struct {
	ID         string         `json:"id"`
	Rule       string         `json:"rule"`
	Unit       string         `json:"unit"`
	Column     string         `json:"column"`
	URL        string         `json:"url"`
	Title      string         `json:"title"`
	Quarter    string         `json:"quarter"`
	Points     float64        `json:"points"`
	Status     string         `json:"status"`
	DetectedAt time.Time      `json:"detected_at"`
	LastSeen   time.Time      `json:"last_seen"`
	Evidence   store.Evidence `json:"evidence"`
}

// findingStatuses are the statuses a finding can have.
func findingStatuses() []string {
	return []string{store.StatusDraft, store.StatusConfirmed, store.StatusDismissed, store.StatusResolved}
}

// statusWord is the Chinese name of a finding status.
func statusWord(s string) string {
	switch s {
	case store.StatusDraft:
		return "待审核"
	case store.StatusConfirmed:
		return "已确认"
	case store.StatusDismissed:
		return "已驳回"
	case store.StatusResolved:
		return "已消除"
	}
	return s
}

func runFindingsList(ctx context.Context, a *app, args []string) error {
	fs := newFlagSet(a, "findings list", "[--rule R] [--unit U] [--status S] [--quarter Q] [--column C] [--format table|json|csv] [--limit N]\n\n"+
		"Lists the findings in the store, by unit, check and subject. JSON is an array of\n"+
		"objects with id, rule, unit, column, url, title, quarter, points, status,\n"+
		"detected_at, last_seen and evidence. While `govaudit serve` or the daemon holds\n"+
		"the store, the list comes through its API.")
	sf := addStoreFlags(fs)
	var f store.Filter
	fs.StringVar(&f.Rule, "check", "", "only this check id (timeliness, key-column-empty …)")
	fs.StringVar(&f.Rule, "rule", "", "the same as --check (kept for old scripts)")
	fs.StringVar(&f.Unit, "unit", "", "only this unit (id or name)")
	fs.StringVar(&f.Status, "status", "", "only this status: draft, confirmed, dismissed, resolved")
	fs.StringVar(&f.Quarter, "quarter", "", "only this quarter, e.g. 2026Q3")
	fs.StringVar(&f.Column, "column", "", "only this column (or mailbox) id")
	format := fs.String("format", "table", "output format: table, json or csv")
	limit := fs.Int("limit", 0, "at most this many findings (0: all)")
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	if err := validateFindingFilter(f); err != nil {
		return usageError{err}
	}
	switch *format {
	case "table", "json", "csv":
	default:
		return usageError{fmt.Errorf("--format %q: use table, json or csv", *format)}
	}
	if *limit < 0 {
		return usageError{fmt.Errorf("--limit cannot be negative")}
	}
	// While serve or the daemon holds the store, the list comes through
	// its JSON API, like the review commands.
	rv, cfg, err := openReviewer(fs, sf, false)
	if err != nil {
		return err
	}
	defer rv.close()
	if f.Unit != "" {
		for _, u := range cfg.Units {
			if u.Name == f.Unit {
				f.Unit = u.ID
			}
		}
	}
	f.Limit = *limit
	list, total, err := rv.list(f)
	if err != nil {
		return err
	}
	switch *format {
	case "json":
		out := make([]findingJSON, 0, len(list))
		for _, x := range list {
			out = append(out, findingJSON{ID: x.ID, Rule: x.Rule, Unit: x.Unit, Column: x.Column, URL: x.URL, Title: x.Title,
				Quarter: x.Quarter, Points: x.Points, Status: x.Status, DetectedAt: x.DetectedAt, LastSeen: x.LastSeen, Evidence: x.Evidence})
		}
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	case "csv":
		return writeFindingsCSV(a.stdout, list)
	}
	writeFindingsTable(a.stdout, cfg, list, total)
	return nil
}

// validateFindingFilter checks the filter flags.
func validateFindingFilter(f store.Filter) error {
	if f.Rule != "" {
		known := false
		var ids []string
		for _, d := range rules.Defs() {
			ids = append(ids, d.ID)
			known = known || d.ID == f.Rule
		}
		if !known {
			return fmt.Errorf("--rule %q: not a check (%s)", f.Rule, strings.Join(ids, ", "))
		}
	}
	if f.Status != "" && !contains(findingStatuses(), f.Status) {
		return fmt.Errorf("--status %q: use %s", f.Status, strings.Join(findingStatuses(), ", "))
	}
	if f.Quarter != "" {
		if _, _, err := rules.ParseQuarter(f.Quarter); err != nil {
			return fmt.Errorf("--quarter: %w", err)
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// writeFindingsTable prints findings one per line with a count.
func writeFindingsTable(w io.Writer, cfg *config.Config, list []store.Finding, total int) {
	if total == 0 {
		fmt.Fprintln(w, "没有符合条件的问题。")
		return
	}
	titles := map[string]string{}
	for _, d := range rules.Defs() {
		titles[d.ID] = d.Title
	}
	units := map[string]string{}
	for _, u := range cfg.Units {
		units[u.ID] = u.Name
	}
	var rows [][]string
	for _, f := range list {
		unit := f.Unit
		if n, ok := units[f.Unit]; ok {
			unit = n
		}
		subject := f.Title
		if subject == "" {
			subject = f.URL
		}
		rows = append(rows, []string{f.ID, f.Rule, cleanCell(unit, 16), f.Quarter, formatPoints(f.Points),
			statusWord(f.Status), cleanCell(subject, 40)})
	}
	writeTable(w, []string{"id", "检查项", "单位", "季度", "扣分", "状态", "标题"}, rows, -1)
	sums := map[string]int{}
	var order []string
	for _, f := range list {
		if sums[f.Rule] == 0 {
			order = append(order, f.Rule)
		}
		sums[f.Rule]++
	}
	sort.Strings(order)
	var parts []string
	for _, r := range order {
		parts = append(parts, fmt.Sprintf("%s %d", titles[r], sums[r]))
	}
	if len(list) < total {
		fmt.Fprintf(w, "\n共 %d 条，显示 %d 条（%s）\n", total, len(list), strings.Join(parts, "，"))
	} else {
		fmt.Fprintf(w, "\n共 %d 条（%s）\n", total, strings.Join(parts, "，"))
	}
}

func formatPoints(p float64) string { return strconv.FormatFloat(p, 'f', -1, 64) }

// writeFindingsCSV writes findings as CSV with a UTF-8 byte order mark (so
// that spreadsheet programs read the Chinese right). Cells that a
// spreadsheet would take for a formula are prefixed with an apostrophe.
func writeFindingsCSV(w io.Writer, list []store.Finding) error {
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	header := []string{"id", "rule", "unit", "column", "url", "title", "quarter", "points", "status",
		"detected_at", "last_seen", "evidence", "snapshot_hash", "fetched_at"}
	if err := cw.Write(header); err != nil {
		return err
	}
	ts := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.Format(time.RFC3339)
	}
	for _, f := range list {
		rec := []string{f.ID, f.Rule, f.Unit, f.Column, f.URL, f.Title, f.Quarter, formatPoints(f.Points), f.Status,
			ts(f.DetectedAt), ts(f.LastSeen), f.Evidence.Text, f.Evidence.SnapshotHash, ts(f.Evidence.FetchedAt)}
		for i, c := range rec {
			rec[i] = csvSafe(c)
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// csvSafe neutralises a cell that a spreadsheet would evaluate as a
// formula: one starting with = + - @ (also after leading white space or in
// full-width form), a tab or a carriage return.
func csvSafe(s string) string {
	if s == "" {
		return s
	}
	if s[0] == '\t' || s[0] == '\r' {
		return "'" + s
	}
	if t := strings.TrimLeftFunc(s, unicode.IsSpace); t != "" && strings.ContainsRune("=+-@＝＋－＠", []rune(t)[0]) {
		return "'" + s
	}
	return s
}
