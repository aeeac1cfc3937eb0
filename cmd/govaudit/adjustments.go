package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/govaudit/govaudit/config"
	"github.com/govaudit/govaudit/reports"
	"github.com/govaudit/govaudit/store"
)

func adjustmentsCmd() command {
	return command{
		name:    "adjustments",
		summary: "add, list or withdraw manual score entries (rectification, training, year end, bonus)",
		run:     runAdjustments,
	}
}

const adjustmentsUsage = `add|list|withdraw|history …

  add --unit UNIT --period 2026Q3|2026Y --points P --category C --reason TEXT [--by NAME]
      P > 0 deducts, P < 0 adds bonus points; C is one of ` + "整改落实, 培训参训, 报送材料, 年度考核, 加分, 其他" + `
  list [--unit UNIT] [--period 2026Q3|2026Y|2026] [--all]
  withdraw ID --reason TEXT [--by NAME]
  history ID`

func runAdjustments(ctx context.Context, a *app, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintf(a.stderr, "Usage: govaudit adjustments %s\n", adjustmentsUsage)
		if len(args) == 0 {
			return usageError{errors.New("a subcommand is required")}
		}
		return nil
	}
	switch args[0] {
	case "add":
		return runAdjustmentAdd(a, args[1:])
	case "list":
		return runAdjustmentList(a, args[1:])
	case "withdraw":
		return runAdjustmentWithdraw(a, args[1:])
	case "history":
		return runAdjustmentHistory(a, args[1:])
	}
	return usageError{fmt.Errorf("unknown subcommand %q (want add, list, withdraw or history)", args[0])}
}

// resolveUnit accepts a unit id or its name and returns the id.
func resolveUnit(cfg *config.Config, s string) (string, error) {
	s = strings.TrimSpace(s)
	for _, u := range cfg.Units {
		if u.ID == s || u.Name == s {
			return u.ID, nil
		}
	}
	return "", fmt.Errorf("unknown unit %q (see units in %s)", s, cfg.Path)
}

func unitName(cfg *config.Config, id string) string {
	for _, u := range cfg.Units {
		if u.ID == id {
			return u.Name
		}
	}
	return id
}

func runAdjustmentAdd(a *app, args []string) error {
	fs := newFlagSet(a, "adjustments add", "--unit UNIT --period 2026Q3|2026Y --points P --category C --reason TEXT [--by NAME]")
	sf := addStoreFlags(fs)
	unit := fs.String("unit", "", "unit id or name")
	period := fs.String("period", "", "quarter (2026Q3) or year end (2026Y)")
	points := fs.String("points", "", "points: > 0 deducts, < 0 adds bonus points")
	category := fs.String("category", "", "整改落实, 培训参训, 报送材料, 年度考核, 加分 or 其他")
	reason := fs.String("reason", "", "why (required; shown in the notice)")
	by := fs.String("by", currentUser(), "who enters it")
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	p, err := strconv.ParseFloat(strings.TrimSpace(*points), 64)
	if err != nil {
		return usageError{fmt.Errorf("--points %q: want a number such as 1, 0.5 or -2", *points)}
	}
	if strings.TrimSpace(*reason) == "" {
		return usageError{errors.New("--reason is required")}
	}
	per := strings.ToUpper(strings.TrimSpace(*period))
	if !store.ValidAdjustmentPeriod(per) {
		return usageError{fmt.Errorf("--period %q: want a quarter like 2026Q3 or a year end like 2026Y", *period)}
	}
	if p < 0 && *category != store.CategoryBonus && *category != store.CategoryOther {
		return usageError{fmt.Errorf("negative points are bonus points: use --category %s", store.CategoryBonus)}
	}
	cfg, err := loadConfig(sf.config)
	if err != nil {
		return err
	}
	id, err := resolveUnit(cfg, *unit)
	if err != nil {
		return usageError{err}
	}
	st, err := openStore(cfg, sf.db, false)
	if err != nil {
		return err
	}
	defer st.Close()
	adj, err := st.AddAdjustment(store.Adjustment{Unit: id, Period: per, Points: p, Category: *category,
		Reason: *reason, By: *by, At: time.Now()})
	if err != nil {
		if errors.Is(err, store.ErrReasonRequired) || strings.HasPrefix(err.Error(), "adjustment:") {
			return usageError{err}
		}
		return err
	}
	verb := "扣"
	if adj.Points < 0 {
		verb = "加"
	}
	fmt.Fprintf(a.stdout, "已录入 %s：%s %s %s%s 分（%s）—— %s\n", adj.ID, unitName(cfg, adj.Unit), adj.Period, verb,
		reports.FormatPoints(abs(adj.Points)), adj.Category, adj.Reason)
	return nil
}

func runAdjustmentList(a *app, args []string) error {
	fs := newFlagSet(a, "adjustments list", "[--unit UNIT] [--period 2026Q3|2026Y|2026] [--all]")
	sf := addStoreFlags(fs)
	unit := fs.String("unit", "", "only this unit (id or name)")
	period := fs.String("period", "", "only this quarter, year end, or year")
	all := fs.Bool("all", false, "include withdrawn adjustments")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := loadConfig(sf.config)
	if err != nil {
		return err
	}
	f := store.AdjustmentFilter{Period: strings.ToUpper(strings.TrimSpace(*period)), Withdrawn: *all}
	if *unit != "" {
		if f.Unit, err = resolveUnit(cfg, *unit); err != nil {
			return usageError{err}
		}
	}
	st, err := openStore(cfg, sf.db, true)
	if err != nil {
		return err
	}
	defer st.Close()
	list, err := st.Adjustments(f)
	if err != nil {
		return err
	}
	if len(list) == 0 {
		fmt.Fprintln(a.stdout, "没有人工调整记录。")
		return nil
	}
	var rows [][]string
	for _, adj := range list {
		state := ""
		if adj.Withdrawn {
			state = "已撤销"
		}
		rows = append(rows, []string{adj.ID, unitName(cfg, adj.Unit), adj.Period, adj.Category,
			reports.FormatPoints(adj.Points), adj.By, adj.At.In(adjZone).Format("2006-01-02"), state, oneLineCLI(adj.Reason)})
	}
	writeTable(a.stdout, []string{"id", "单位", "期间", "类别", "分值", "录入人", "日期", "状态", "事由"}, rows, 99)
	return nil
}

func runAdjustmentWithdraw(a *app, args []string) error {
	fs := newFlagSet(a, "adjustments withdraw", "ID --reason TEXT [--by NAME]")
	sf := addStoreFlags(fs)
	reason := fs.String("reason", "", "why (required)")
	by := fs.String("by", currentUser(), "who withdraws it")
	id, rest := splitID(args)
	if err := parseFlags(fs, rest); err != nil {
		return err
	}
	if id == "" && fs.NArg() == 1 {
		id = fs.Arg(0)
	} else if fs.NArg() > 0 {
		return usageError{fmt.Errorf("unexpected argument %q", fs.Arg(0))}
	}
	if id == "" {
		return usageError{errors.New("an adjustment id is required")}
	}
	if strings.TrimSpace(*reason) == "" {
		return usageError{errors.New("--reason is required")}
	}
	cfg, st, err := sf.open(false)
	if err != nil {
		return err
	}
	defer st.Close()
	adj, err := st.WithdrawAdjustment(id, *by, *reason, time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "已撤销 %s（%s %s %s 分）\n", adj.ID, unitName(cfg, adj.Unit), adj.Period, reports.FormatPoints(adj.Points))
	return nil
}

func runAdjustmentHistory(a *app, args []string) error {
	fs := newFlagSet(a, "adjustments history", "ID")
	sf := addStoreFlags(fs)
	id, rest := splitID(args)
	if err := parseFlags(fs, rest); err != nil {
		return err
	}
	if id == "" && fs.NArg() == 1 {
		id = fs.Arg(0)
	}
	if id == "" {
		return usageError{errors.New("an adjustment id is required")}
	}
	_, st, err := sf.open(true)
	if err != nil {
		return err
	}
	defer st.Close()
	if _, err := st.Adjustment(id); err != nil {
		return err
	}
	evs, err := st.History(id)
	if err != nil {
		return err
	}
	var rows [][]string
	for _, e := range evs {
		rows = append(rows, []string{e.At.In(adjZone).Format("2006-01-02 15:04"), e.By, e.Action, oneLineCLI(e.To), oneLineCLI(e.Reason)})
	}
	writeTable(a.stdout, []string{"时间", "操作人", "操作", "内容", "理由"}, rows, 99)
	return nil
}

// splitID takes a leading non-flag argument (the id) off args, so that
// both "withdraw ID --reason R" and "withdraw --reason R ID" work.
func splitID(args []string) (string, []string) {
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		return args[0], args[1:]
	}
	return "", args
}

func abs(v float64) float64 {
	if v < 0 {
		return -v
	}
	return v
}

// oneLineCLI keeps stored text on one terminal line, without control
// characters (no terminal escape sequences).
func oneLineCLI(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// adjZone is China Standard Time, for dates shown on the terminal.
var adjZone = time.FixedZone("CST", 8*3600)
