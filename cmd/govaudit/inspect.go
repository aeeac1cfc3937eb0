package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/govaudit/govaudit/config"
	"github.com/govaudit/govaudit/crawler"
	"github.com/govaudit/govaudit/crawler/extract"
)

// inspectKinds are the page kinds inspect reads a page as.
var inspectKinds = []string{"auto", "list", "article", "letters", "letter", "catalog"}

func inspectCmd() command {
	return command{
		name:    "inspect",
		summary: "show what the extractor reads on one page of a portal",
		run: func(ctx context.Context, a *app, args []string) error {
			fs := newFlagSet(a, "inspect", "[--config FILE] [--profile P] [--as KIND] [--list-date DATE] URL")
			cfgPath := fs.String("config", "govaudit.yaml", "configuration file: its politeness settings and profiles (built-in defaults when absent)")
			profile := fs.String("profile", "", "read the page as this CMS family ("+strings.Join(config.Profiles(), ", ")+"); default: the configuration's for the URL, else guessed")
			as := fs.String("as", "auto", "read the page as ("+strings.Join(inspectKinds, ", ")+"); auto guesses from what it holds")
			listDate := fs.String("list-date", "", "the date the column list shows for an article page (2006-01-02)")
			if err := parseFlags(fs, args); err != nil {
				return err
			}
			if fs.NArg() != 1 {
				return usageError{fmt.Errorf("want one URL, got %d arguments", fs.NArg())}
			}
			raw := fs.Arg(0)
			if u, err := url.Parse(raw); err != nil || u.Host == "" || u.Scheme != "http" && u.Scheme != "https" {
				return usageError{fmt.Errorf("%q is not an http(s) URL", raw)}
			}
			if *profile != "" && !slices.Contains(config.Profiles(), *profile) {
				return usageError{fmt.Errorf("--profile %q: want one of %s", *profile, strings.Join(config.Profiles(), ", "))}
			}
			if !slices.Contains(inspectKinds, *as) {
				return usageError{fmt.Errorf("--as %q: want one of %s", *as, strings.Join(inspectKinds, ", "))}
			}
			cfg, note, err := onboardConfig(fs, *cfgPath)
			if err != nil {
				return err
			}
			if note != "" {
				fmt.Fprintln(a.stderr, note)
			}
			pf, err := crawler.NewPageFetcher(ctx, cfg, nil)
			if err != nil {
				return err
			}
			page, err := pf.Get(ctx, raw)
			if err != nil {
				return fmt.Errorf("could not fetch the page: %w", err)
			}
			fam, from := inspectFamily(cfg, raw, *profile, page)
			p := extract.Page{URL: page.URL, Body: page.Body, Family: fam, Now: time.Now(),
				MaxPages: cfg.Site.Crawl.MaxListPages, ListDate: *listDate}
			if sel := configSelectors(cfg, raw); sel != nil {
				p.Selectors = sel
			}
			fmt.Fprintf(a.stdout, "page     %s\n         HTTP %d, %s, %s, %d attempt(s)\n", page.URL, page.Status,
				orDash(page.ContentType), orDash(page.Charset), page.Attempts)
			fmt.Fprintf(a.stdout, "family   %s (%s)\n", fam, from)
			return printInspect(a.stdout, p, *as)
		},
	}
}

// onboardConfig reads the configuration of inspect and discover: the
// file named by --config, else govaudit.yaml when present, else the
// built-in defaults (note says so).
func onboardConfig(fs *flag.FlagSet, path string) (cfg *config.Config, note string, err error) {
	if flagSet(fs, "config") || fileExists(path) {
		cfg, err = loadConfig(path)
		return cfg, "", err
	}
	return config.Default(), fmt.Sprintf("(no %s: the built-in politeness settings apply)", path), nil
}

// inspectFamily is the family a page is read as, and where it came from.
func inspectFamily(cfg *config.Config, raw, profile string, page *crawler.FetchedPage) (fam, from string) {
	if profile != "" {
		return profile, "--profile"
	}
	want := extract.CanonicalURL(raw)
	for _, col := range cfg.Columns {
		if col.URL != "" && extract.CanonicalURL(col.URL) == want {
			return cfg.ColumnProfile(col), "the configuration's column " + col.ID
		}
	}
	for _, m := range cfg.Mailboxes {
		if m.URL != "" && extract.CanonicalURL(m.URL) == want {
			return cfg.MailboxProfile(m), "the configuration's mailbox " + m.ID
		}
	}
	return extract.DetectFamily(page.URL, page.Body), "guessed from the URL and the page"
}

// configSelectors returns the selectors of the configured column at raw.
func configSelectors(cfg *config.Config, raw string) *config.Selectors {
	want := extract.CanonicalURL(raw)
	for _, col := range cfg.Columns {
		if col.URL != "" && extract.CanonicalURL(col.URL) == want {
			return col.Selectors
		}
	}
	return nil
}

// printInspect prints what the extractors read on p, as kind (auto: the
// kinds the page seems to be).
func printInspect(w io.Writer, p extract.Page, kind string) error {
	var lp *extract.ListPage
	var ll *extract.LetterList
	if kind == "auto" || kind == "list" {
		var err error
		if lp, err = extract.List(p); err != nil {
			return err
		}
	}
	if kind == "auto" || kind == "letters" {
		var err error
		if ll, err = extract.Letters(p); err != nil {
			return err
		}
	}
	if kind == "auto" {
		switch {
		case ll != nil && ll.Found && (len(ll.Rows) > 0 || ll.Proxy != nil):
			kind = "letters"
		case lp != nil && (len(lp.Entries) >= 2 || lp.Hanweb != nil):
			kind = "list"
		default:
			kind = "article"
		}
		fmt.Fprintf(w, "kind     %s (guessed; --as to choose)\n", kind)
	}
	switch kind {
	case "list":
		printList(w, lp)
	case "letters":
		printLetters(w, ll)
	case "article":
		art, err := extract.ParseArticle(p)
		if err != nil {
			return err
		}
		printArticle(w, art)
	case "letter":
		l, err := extract.ParseLetter(p)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "letter   编号 %s\n         标题 %s\n         来信时间 %s\n         处理状态 %s\n         答复单位 %s\n         答复时间 %s\n         答复内容 %d characters\n",
			orDash(l.No), orDash(l.Title), orDash(l.Received), orDash(l.Status), orDash(l.ReplyUnit), orDash(l.Replied), l.Answer)
	case "catalog":
		chs, err := extract.Catalog(p)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "catalog  %d channels\n", len(chs))
		for _, ch := range chs {
			fmt.Fprintf(w, "         %s  %s\n", ch.Name, ch.URL)
		}
	}
	return nil
}

func printList(w io.Writer, lp *extract.ListPage) {
	dated := 0
	for _, e := range lp.Entries {
		if e.Date != "" {
			dated++
		}
	}
	fmt.Fprintf(w, "list     %d entries, %d with a date\n", len(lp.Entries), dated)
	for _, e := range lp.Entries {
		raw := ""
		if e.RawDate != "" && e.RawDate != e.Date {
			raw = fmt.Sprintf("  (printed %q)", e.RawDate)
		}
		fmt.Fprintf(w, "         %-10s  %s%s\n                     %s\n", orDash(e.Date), e.Title, raw, e.URL)
	}
	fmt.Fprintf(w, "next     %s\n", orDash(lp.Next))
	if lp.PageCount > 0 {
		fmt.Fprintf(w, "pager    TRS createPageHTML: %d pages\n", lp.PageCount)
	}
	if lp.Declared > 1 {
		fmt.Fprintf(w, "pager    prints %d pages but names none to follow (script or form): the crawl reads page 1 only, column checks wait\n", lp.Declared)
	}
	if len(lp.Pages) > 0 {
		fmt.Fprintf(w, "pages    %d further list pages named by the pager\n", len(lp.Pages))
		for i, u := range lp.Pages {
			if i == 5 {
				fmt.Fprintf(w, "         … and %d more\n", len(lp.Pages)-i)
				break
			}
			fmt.Fprintf(w, "         %s\n", u)
		}
	}
	if h := lp.Hanweb; h != nil {
		printProxy(w, h)
	}
}

func printProxy(w io.Writer, h *extract.HanwebList) {
	total := "unknown"
	if h.Total > 0 {
		total = fmt.Sprint(h.Total)
	}
	fmt.Fprintf(w, "proxy    POST %s\n         %d records in the page, %s in all, %d a page; batches of %d\n         form %s\n",
		h.Proxy, h.Embedded, total, h.PerPage, extract.BatchSize, h.Form.Encode())
}

func printLetters(w io.Writer, ll *extract.LetterList) {
	fmt.Fprintf(w, "letters  %d rows\n", len(ll.Rows))
	for _, r := range ll.Rows {
		fmt.Fprintf(w, "         %s | %s | %s | %s | %s\n                     %s\n", orDash(r.No), orDash(r.Title), orDash(r.Status),
			orDash(r.Received), orDash(r.Handler), orDash(r.URL))
	}
	fmt.Fprintf(w, "next     %s\n", orDash(ll.Next))
	if len(ll.Pages) > 0 {
		fmt.Fprintf(w, "pages    %d further list pages named by the pager\n", len(ll.Pages))
	}
	if ll.Proxy != nil {
		printProxy(w, ll.Proxy)
	}
}

func printArticle(w io.Writer, a *extract.Article) {
	fmt.Fprintf(w, "title    %s\n", orDash(a.Title))
	fmt.Fprintf(w, "发布日期 %-10s  from %s\n", orDash(a.Published), orDash(a.PublishedFrom))
	fmt.Fprintf(w, "成文日期 %-10s  from %s\n", orDash(a.Written), orDash(a.WrittenFrom))
	fmt.Fprintf(w, "fields   %d\n", len(a.Fields))
	for _, f := range a.Fields {
		fmt.Fprintf(w, "         %s = %s  [%s, %s]\n", f.Key, f.Value, f.Label, f.Source)
	}
	fmt.Fprintf(w, "read as  文号 %s; 索引号 %s; 发布机构 %s; 有效性 %s; 主题分类 %s\n",
		orDash(a.DocNo), orDash(a.IndexNo), orDash(a.Publisher), orDash(a.Validity), orDash(a.Subject))
	fmt.Fprintf(w, "body     %d characters\n", a.BodyLen)
	fmt.Fprintf(w, "attachments %d\n", len(a.Attachments))
	for _, l := range a.Attachments {
		fmt.Fprintf(w, "         [%s] %s  %s\n", orDash(l.Type), l.Name, l.URL)
	}
	if len(a.Named) > 0 {
		fmt.Fprintf(w, "named    %s\n", strings.Join(a.Named, " | "))
	}
	fmt.Fprintf(w, "links    %d other links\n", len(a.Links))
}

// orDash is s, or "-" when empty.
func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
