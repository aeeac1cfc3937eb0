package main

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"

	"github.com/govaudit/govaudit/config"
	"github.com/govaudit/govaudit/crawler"
	"github.com/govaudit/govaudit/crawler/extract"
)

func discoverCmd() command {
	return command{
		name:    "discover",
		summary: "match the column templates against each unit's catalog; print the channels they miss",
		run: func(ctx context.Context, a *app, args []string) error {
			fs := newFlagSet(a, "discover", "[--config FILE] [--unit IDS]")
			cfgPath := fs.String("config", "govaudit.yaml", "configuration file")
			units := fs.String("unit", "", "only these units (comma-separated ids)")
			if err := parseNoArgs(fs, args); err != nil {
				return err
			}
			cfg, err := loadConfig(*cfgPath)
			if err != nil {
				return err
			}
			ids := splitList(*units)
			for _, id := range ids {
				if _, ok := cfg.Unit(id); !ok {
					return usageError{fmt.Errorf("--unit: no unit %q in %s", id, cfg.Path)}
				}
			}
			pf, err := crawler.NewPageFetcher(ctx, cfg, nil)
			if err != nil {
				return err
			}
			res := crawler.Discover(ctx, cfg, pf, ids)
			if len(res) == 0 {
				return fmt.Errorf("no unit of %s has a catalog URL (units[].catalog)", cfg.Path)
			}
			printDiscover(a.stdout, res)
			if err := ctx.Err(); err != nil {
				return err
			}
			failed := 0
			for _, uc := range res {
				if uc.Err != nil {
					failed++
				}
			}
			if failed == len(res) {
				return fmt.Errorf("no catalog could be loaded")
			}
			return nil
		},
	}
}

// printDiscover prints, per unit, which channel each template matched
// and which templates matched none (as YAML comments), then the channels
// no template or column covers as a columns: block to paste into the
// configuration.
func printDiscover(w io.Writer, res []crawler.UnitChannels) {
	var uncovered []crawler.UnitChannels
	matched, missing, extra := 0, 0, 0
	for _, uc := range res {
		fmt.Fprintf(w, "# %s (%s) %s — profile %s\n", uc.Unit.Name, uc.Unit.ID, uc.Unit.Catalog, uc.Profile)
		if uc.Err != nil {
			fmt.Fprintf(w, "#   catalog not loaded: %v\n", uc.Err)
			continue
		}
		fmt.Fprintf(w, "#   %d channels in the catalog\n", len(uc.Channels))
		for _, m := range uc.Matched {
			by := "name"
			switch m.By {
			case "match":
				by = "other name"
			case "path":
				by = "path " + m.Template.Path
			}
			fmt.Fprintf(w, "#   template %s → %s  %s  (by %s)\n", m.Template.Name, m.Channel.Name, m.Channel.URL, by)
		}
		for _, name := range uc.Missing {
			fmt.Fprintf(w, "#   template %s → no channel (add the catalog's name for it to the template's match)\n", name)
		}
		for _, ch := range uc.Configured {
			fmt.Fprintf(w, "#   column already configured: %s  %s\n", ch.Name, ch.URL)
		}
		matched += len(uc.Matched)
		missing += len(uc.Missing)
		if chs := siteChannels(uc); len(chs) > 0 {
			extra += len(chs)
			uc.Uncovered = chs
			uncovered = append(uncovered, uc)
		}
	}
	fmt.Fprintf(w, "# %d units: %d templates matched, %d without a channel, %d channels no template covers\n", len(res), matched, missing, extra)
	if len(uncovered) == 0 {
		return
	}
	fmt.Fprintf(w, "# Channels no template covers: check each, set its kind (%s), drop the ones not to audit.\n",
		strings.Join(config.Kinds(), ", "))
	fmt.Fprintln(w, "columns:")
	for _, uc := range uncovered {
		for _, ch := range uc.Uncovered {
			fmt.Fprintf(w, "  - unit: %s\n    name: %s\n    url: %s\n    kind: %s\n", uc.Unit.ID, yamlString(ch.Name), yamlString(ch.URL), config.KindOther)
		}
	}
}

// siteChannels are the uncovered channels of a catalog that may be
// columns: on the catalog's host, not the catalog itself nor a page above
// it (home page, breadcrumbs), not a document nor an article.
func siteChannels(uc crawler.UnitChannels) []extract.Channel {
	cat, err := url.Parse(uc.Unit.Catalog)
	if err != nil {
		return nil
	}
	var out []extract.Channel
	for _, ch := range uc.Uncovered {
		u, err := url.Parse(ch.URL)
		if err != nil || !strings.EqualFold(u.Hostname(), cat.Hostname()) {
			continue
		}
		if strings.HasPrefix(cat.Path, u.Path) && u.RawQuery == "" {
			continue // the catalog itself, the home page or a breadcrumb above it
		}
		if _, isDoc := extract.AttachmentType(ch.URL); isDoc || extract.IsArticleURL(ch.URL) {
			continue // a document or an article the catalog page links to, not a channel
		}
		out = append(out, ch)
	}
	return out
}

// yamlString quotes s for YAML when it needs quotes.
func yamlString(s string) string {
	if s == "" || strings.ContainsAny(s, ":#{}[],&*!|>'\"%@`") || strings.TrimSpace(s) != s {
		return strconv.Quote(s)
	}
	return s
}
