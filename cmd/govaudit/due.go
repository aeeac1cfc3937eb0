package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/govaudit/govaudit/config"
	"github.com/govaudit/govaudit/jobs"
	"github.com/govaudit/govaudit/rules/workday"
)

func dueCmd() command {
	return command{
		name:    "due",
		summary: "working-day deadline: DATE + N working days (or the count between two dates)",
		run:     runDue,
	}
}

// pathList is a repeatable flag of file paths.
type pathList []string

func (p *pathList) String() string { return strings.Join(*p, ",") }

// Set adds one path.
func (p *pathList) Set(v string) error {
	if strings.TrimSpace(v) == "" {
		return errors.New("empty path")
	}
	*p = append(*p, v)
	return nil
}

func runDue(ctx context.Context, a *app, args []string) error {
	fs := newFlagSet(a, "due", "[--explain] [--calendar FILE]... [--config FILE] DATE N | DATE DATE2\n\n"+
		"Prints the day on which N working days after DATE are reached (DATE itself is not\n"+
		"counted), e.g. `govaudit due 2024-09-20 20` prints 2024-10-23; with a second date,\n"+
		"prints the working days after DATE up to and including DATE2. Official calendar:\n"+
		"Monday–Friday minus statutory holidays plus make-up working days (调休); holiday\n"+
		"data from lunar-go (2002–2027), calendar.overrides of the configuration (when the\n"+
		"file exists) and --calendar files.")
	explain := fs.Bool("explain", false, "list the holidays skipped and the make-up days counted")
	var extra pathList
	fs.Var(&extra, "calendar", "holiday override file (JSON, per year); repeatable")
	cfgPath := fs.String("config", "govaudit.yaml", "configuration file, read for calendar.overrides when it exists")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return usageError{fmt.Errorf("want DATE and N (or DATE and DATE2), got %d argument(s)", len(pos))}
	}
	start, err := workday.Parse(pos[0])
	if err != nil {
		return usageError{err}
	}
	var cfg *config.Config
	if flagSet(fs, "config") || fileExists(*cfgPath) {
		if cfg, err = loadConfig(*cfgPath); err != nil {
			return err
		}
	}
	cal, err := buildCalendar(cfg, extra)
	if err != nil {
		return err
	}
	if end, derr := workday.Parse(pos[1]); derr == nil {
		x, err := cal.Explain(start, end)
		if err != nil {
			return err
		}
		fmt.Fprintln(a.stdout, x.Workdays)
		if *explain {
			fmt.Fprintf(a.stdout, "%s（%s）之后至 %s（%s）：%d 个工作日（起算日不计入）\n",
				start.Format("2006-01-02"), workday.Weekday(start), end.Format("2006-01-02"), workday.Weekday(end), x.Workdays)
			writeExplanation(a.stdout, cal, x)
		}
		return nil
	}
	n, err := strconv.Atoi(pos[1])
	if err != nil || n < 0 {
		return usageError{fmt.Errorf("%q: want a number of working days (0 or more) or a date YYYY-MM-DD", pos[1])}
	}
	due, err := cal.Add(start, n)
	if err != nil {
		return err
	}
	fmt.Fprintln(a.stdout, due.Format("2006-01-02"))
	if *explain {
		x, err := cal.Explain(start, due)
		if err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "起算日 %s（%s，不计入），加 %d 个工作日：%s（%s）\n",
			start.Format("2006-01-02"), workday.Weekday(start), n, due.Format("2006-01-02"), workday.Weekday(due))
		writeExplanation(a.stdout, cal, x)
	}
	return nil
}

// writeExplanation lists the holidays skipped and make-up days counted.
func writeExplanation(w io.Writer, cal *workday.Calendar, x workday.Explanation) {
	if s := x.SkippedText(); len(s) > 0 {
		fmt.Fprintln(w, "跳过的法定节假日（不计入）：")
		for _, line := range s {
			fmt.Fprintln(w, "  "+line)
		}
	} else {
		fmt.Fprintln(w, "期间没有落在工作日的法定节假日。")
	}
	if m := x.MakeUpText(); len(m) > 0 {
		fmt.Fprintln(w, "计入的调休上班日：")
		for _, line := range m {
			fmt.Fprintln(w, "  "+line)
		}
	}
	var srcs []string
	seen := map[string]bool{}
	for y := x.From.Year(); y <= x.To.Year(); y++ {
		if s := cal.Source(y); s != "" && !seen[s] {
			seen[s] = true
			srcs = append(srcs, s)
		}
	}
	fmt.Fprintf(w, "节假日数据：%s\n", strings.Join(srcs, "；"))
}

// buildCalendar builds the working-day calendar from the configuration's
// calendar.overrides (cfg may be nil) and extra override files.
func buildCalendar(cfg *config.Config, extra []string) (*workday.Calendar, error) {
	cal, err := jobs.Calendar(cfg, extra)
	if err != nil {
		return nil, configError{err}
	}
	return cal, nil
}

// parseInterspersed parses flags that may come before, between or after
// the positional arguments, and returns the positional ones.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := parseFlags(fs, args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// flagSet reports whether the flag name was given on the command line.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}
