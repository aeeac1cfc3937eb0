package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/govaudit/govaudit/config"
	"github.com/govaudit/govaudit/store"
	"github.com/govaudit/govaudit/web"
)

func runsCmd() command {
	return command{
		name:    "runs",
		summary: "list recent runs (crawl, check, digest …) with their figures",
		run:     runRuns,
	}
}

// runsZone is China Standard Time, in which run times are shown.
var runsZone = time.FixedZone("CST", 8*3600)

func runRuns(ctx context.Context, a *app, args []string) error {
	fs := newFlagSet(a, "runs", "[--config FILE] [--db FILE] [--kind KIND] [--limit N] [--format table|json]\n\nLists the most recent runs, newest first: id, kind, start, duration, status,\npages, items and errors by kind.")
	sf := addStoreFlags(fs)
	kind := fs.String("kind", "", "only runs of this kind (crawl, check, digest, report, nightly …)")
	limit := fs.Int("limit", 20, "at most this many runs (0: all)")
	format := fs.String("format", "table", "output format: table or json")
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	if *format != "table" && *format != "json" {
		return usageError{fmt.Errorf("--format %q: use table or json", *format)}
	}
	if *limit < 0 {
		return usageError{errors.New("--limit cannot be negative")}
	}
	var runs []store.Run
	st, err := openStoreForReading(fs, sf)
	cfg, _ := config.Load(sf.config)
	if api := heldByConfig(cfg, sf.db, err); api != nil {
		var out web.APIRuns
		if err := api.call(http.MethodGet, "/api/runs?"+url.Values{"kind": {*kind}, "limit": {strconv.Itoa(*limit)}}.Encode(), nil, &out); err != nil {
			return err
		}
		runs = out.Runs
	} else {
		if err != nil {
			return err
		}
		defer st.Close()
		if runs, err = st.Runs(*kind, *limit); err != nil {
			return err
		}
	}
	if *format == "json" {
		for i := range runs {
			runs[i].Resume = nil
		}
		if runs == nil {
			runs = []store.Run{}
		}
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(runs)
	}
	if len(runs) == 0 {
		fmt.Fprintln(a.stdout, "no runs yet")
		return nil
	}
	writeRunsTable(a.stdout, runs, time.Now())
	return nil
}

// openStoreForReading opens the store read-only. With --db and no
// configuration file, the configuration is not needed.
func openStoreForReading(fs *flag.FlagSet, sf *storeFlags) (*store.Store, error) {
	cfg, path, err := sf.configIfNeeded(fs)
	if err != nil {
		return nil, err
	}
	if path != "" && !fileExists(path) {
		return nil, fmt.Errorf("no store at %s yet (run govaudit crawl first)", path)
	}
	return openStore(cfg, sf.db, true)
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return !errors.Is(err, fs.ErrNotExist)
}

// writeRunsTable prints runs as an aligned table; now dates running runs.
func writeRunsTable(w io.Writer, runs []store.Run, now time.Time) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tKIND\tSTARTED (CST)\tDURATION\tSTATUS\tPAGES\tITEMS\tERRORS")
	for _, r := range runs {
		end := r.EndedAt
		if end.IsZero() {
			end = now
		}
		dur := end.Sub(r.StartedAt).Round(time.Second)
		if r.StartedAt.IsZero() || dur < 0 {
			dur = 0
		}
		status := r.Status
		if r.Note != "" {
			status += ": " + r.Note
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%d\t%d\t%s\n", r.ID, r.Kind,
			r.StartedAt.In(runsZone).Format("2006-01-02 15:04:05"), dur, status, r.Pages, r.Items, runErrors(r.Errors))
	}
	tw.Flush()
}

// runErrors sums errors by kind: "12 (timeout 8, http-5xx 4)".
func runErrors(m map[string]int) string {
	total := 0
	kinds := make([]string, 0, len(m))
	for k, n := range m {
		if n == 0 {
			continue
		}
		total += n
		kinds = append(kinds, k)
	}
	if total == 0 {
		return "0"
	}
	sort.Slice(kinds, func(i, j int) bool {
		if m[kinds[i]] != m[kinds[j]] {
			return m[kinds[i]] > m[kinds[j]]
		}
		return kinds[i] < kinds[j]
	})
	parts := make([]string, len(kinds))
	for i, k := range kinds {
		parts[i] = fmt.Sprintf("%s %d", k, m[k])
	}
	return fmt.Sprintf("%d (%s)", total, strings.Join(parts, ", "))
}
