package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"

	"golang.org/x/term"

	"github.com/govaudit/govaudit/crawler"
)

func crawlCmd() command {
	return command{
		name:    "crawl",
		summary: "crawl the configured columns and mailboxes into the store",
		run: profiled(func(ctx context.Context, a *app, args []string) error {
			fs := newFlagSet(a, "crawl", "[--config FILE] [--db FILE] [--unit IDS] [--column IDS]")
			sf := addStoreFlags(fs)
			units := fs.String("unit", "", "crawl only these units (comma-separated ids)")
			columns := fs.String("column", "", "crawl only these columns or mailboxes (comma-separated ids)")
			reqLog := fs.String("request-log", "", "write every HTTP request made (method, tab, URL) to `FILE`")
			if err := parseNoArgs(fs, args); err != nil {
				return err
			}
			cfg, err := loadConfig(sf.config)
			if err != nil {
				return err
			}
			tuneGC()
			opt := crawler.Options{Log: a.log, Units: splitList(*units), Columns: splitList(*columns)}
			for _, id := range opt.Units {
				if _, ok := cfg.Unit(id); !ok {
					return usageError{fmt.Errorf("--unit: no unit %q in %s", id, cfg.Path)}
				}
			}
			if w := terminal(a.stderr); w != nil {
				opt.Progress = w
			}
			if *reqLog != "" {
				f, err := os.Create(*reqLog)
				if err != nil {
					return fmt.Errorf("request log: %w", err)
				}
				defer f.Close()
				opt.RequestLog = f
			}
			st, err := openStore(cfg, sf.db, false)
			if err != nil {
				return err
			}
			defer st.Close()
			c, err := crawler.New(cfg, st, opt)
			if err != nil {
				return err
			}
			run, err := c.Run(ctx)
			fmt.Fprintf(a.stdout, "抓取 #%d %s：页面 %d，请求 %d（未变化 %d），条目 %d，附件 %d，信件 %d\n",
				run.ID, run.Status, run.Pages, run.Requests, run.NotModified, run.Items, run.Attachments, run.Letters)
			for _, fam := range []string{"gongkai", "hanweb", "trs", "generic"} {
				if f, ok := run.Families[fam]; ok {
					fmt.Fprintf(a.stdout, "  %-8s 页面 %d，条目 %d，附件 %d，信件 %d\n", fam, f.Pages, f.Items, f.Attachments, f.Letters)
				}
			}
			if len(run.Errors) > 0 {
				var parts []string
				for k, v := range run.Errors {
					parts = append(parts, fmt.Sprintf("%s %d", k, v))
				}
				fmt.Fprintf(a.stdout, "  错误：%s\n", strings.Join(parts, "，"))
			}
			return err
		}),
	}
}

// tuneGC trades some memory for CPU in a crawl, unless GOGC or GOMEMLIMIT
// say otherwise: a crawl's live heap is small (30-60 MB on a district
// portal) but it allocates tens of KB per page, so the default GOGC=100
// collects every few hundred pages. GOGC=250 collects less than half as
// often; the soft limit of 150 MiB (issue 12's heap target) makes the
// collector work harder only when the heap would pass it, with headroom
// above the live heap of a large portal (it was 100 MiB, and the live
// heap once reached about 100 MB at 300 items a channel; see
// docs/BENCHMARKS.md).
func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(250)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(150 << 20)
	}
}

// terminal returns w when it is a terminal, for the live progress line.
func terminal(w io.Writer) io.Writer {
	f, ok := w.(*os.File)
	if ok && term.IsTerminal(int(f.Fd())) {
		return f
	}
	return nil
}

// splitList splits a comma-separated flag value.
func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
