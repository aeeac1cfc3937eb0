package e2e

import (
	"bufio"
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/govaudit/govaudit/config"
	"github.com/govaudit/govaudit/crawler"
	"github.com/govaudit/govaudit/rules"
	"github.com/govaudit/govaudit/rules/workday"
	"github.com/govaudit/govaudit/store"
)

// strangerAsOf is the as-of date of the stranger portals' ground truth.
var strangerAsOf = time.Date(2026, 3, 20, 0, 0, 0, 0, cst)

// TestStrangerPortals crawls and checks each "stranger" portal of
// testdata/stranger — static pages modelled on real portals of the seed's
// /gongkai/ platform, Hanweb and TRS sites, written independently of
// portalsim and the extractor — configured as README.md tells a user
// (govaudit init, then units, catalogs and a mailbox), and compares the
// draft findings with the portal's hand-written truth.txt: every finding
// listed, none other.
func TestStrangerPortals(t *testing.T) {
	for _, name := range []string{"gongkai", "hanweb", "trs"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join("testdata", "stranger", name)
			srv := httptest.NewServer(strangerSite{dir: filepath.Join(dir, "site")})
			t.Cleanup(srv.Close)
			cfg := strangerConfig(t, dir, srv.URL)
			st, err := store.Open(filepath.Join(t.TempDir(), "govaudit.db"), store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			c, err := crawler.New(cfg, st, crawler.Options{Now: func() time.Time { return strangerAsOf.Add(20 * time.Hour) }})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.Run(context.Background()); err != nil {
				t.Fatalf("crawl: %v", err)
			}
			cal, err := workday.New()
			if err != nil {
				t.Fatal(err)
			}
			if _, err := rules.Check(context.Background(), cfg, st, cal, strangerAsOf); err != nil {
				t.Fatalf("check: %v", err)
			}
			fs, _, err := st.Findings(store.Filter{})
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]bool{}
			for _, f := range fs {
				if f.Status == store.StatusDraft {
					got[key(f.Rule, strings.ReplaceAll(f.Subject, srv.URL, "{BASE}"))] = true
				}
			}
			want := strangerTruth(t, filepath.Join(dir, "truth.txt"))
			var missed, extra []string
			for k := range want {
				if !got[k] {
					missed = append(missed, k)
				}
			}
			for k := range got {
				if !want[k] {
					extra = append(extra, k)
				}
			}
			sort.Strings(missed)
			sort.Strings(extra)
			for _, k := range missed {
				t.Errorf("missed: %s", k)
			}
			for _, k := range extra {
				t.Errorf("false finding: %s", k)
			}
		})
	}
}

// strangerConfig loads the portal's govaudit.yaml with its {BASE}
// replaced by the server's URL, without rate limit or long back-offs.
func strangerConfig(t *testing.T, dir, base string) *config.Config {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "govaudit.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "govaudit.yaml")
	cfg, err := config.Parse([]byte(strings.ReplaceAll(string(data), "{BASE}", base)), path)
	if err != nil {
		t.Fatalf("%s: %v", dir, err)
	}
	c := &cfg.Site.Crawl
	c.RequestsPerSecond = 0
	c.Parallelism = 4
	c.Retries = 1
	c.RetryBackoff = 5 * time.Millisecond
	return cfg
}

// strangerTruth reads a truth file: one "check subject" a line, {BASE}
// for the portal's URL; # starts a comment.
func strangerTruth(t *testing.T, path string) map[string]bool {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		check, subject, ok := strings.Cut(line, " ")
		if !ok {
			t.Fatalf("%s: bad line %q", path, line)
		}
		out[key(check, strings.TrimSpace(subject))] = true
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
