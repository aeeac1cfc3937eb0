package dates

// A fuzz target seeded with what the simulated portal prints: the date
// texts of its 56 sample pages and the URLs they were served from. It
// complements FuzzParse with a time budget per input and the URL helpers.

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// fuzzBudget is the time one input may take; a date is parsed in
// microseconds, so only a loop that does not end exceeds it.
const fuzzBudget = 2 * time.Second

// reDateText picks date-bearing snippets out of the sample pages.
var reDateText = regexp.MustCompile(`[^<>"]{0,12}[0-9０-９]{2,4}\s*[-/.年][^<>"]{0,24}`)

// realDate fails the test unless s is a real date "2006-01-02", optionally
// with a time of day " 15:04".
func realDate(t *testing.T, what, in, s string) {
	t.Helper()
	layout := "2006-01-02"
	if len(s) > 10 {
		layout = "2006-01-02 15:04"
	}
	d, err := time.Parse(layout, s)
	if err != nil || d.Format(layout) != s {
		t.Fatalf("%s(%q) = %q, not a real date", what, in, s)
	}
}

func FuzzPortalDates(f *testing.F) {
	dir := filepath.Join("..", "..", "portalsim", "testdata", "pages")
	entries, err := os.ReadDir(dir)
	if err != nil {
		f.Fatal(err)
	}
	seeds := map[string]bool{}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			f.Fatal(err)
		}
		for _, m := range reDateText.FindAll(data, 40) {
			seeds[string(m)] = true
		}
	}
	idx, err := os.Open(filepath.Join(dir, "INDEX.tsv"))
	if err != nil {
		f.Fatal(err)
	}
	defer idx.Close()
	sc := bufio.NewScanner(idx)
	for sc.Scan() {
		if _, u, ok := strings.Cut(sc.Text(), "\t"); ok {
			seeds[u] = true
		}
	}
	if len(seeds) < 50 {
		f.Fatalf("only %d seeds from %s", len(seeds), dir)
	}
	for s := range seeds {
		f.Add(s)
	}
	for _, s := range []string{"99999999999999999999年1月1日", "0000-00-00", "2026-02-29", "2024-02-29 24:00",
		"/art/9999/99/99/art_1_1.html", "/t99991399_1.html", "/202613/", strings.Repeat("2026-", 2000)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		// Run the functions under the time budget, check their results on
		// the test's goroutine.
		type result struct {
			what, got string
			ok        bool
		}
		var results []result
		var ref2 time.Time
		var refOK bool
		done := make(chan struct{})
		go func() {
			defer close(done)
			got, err := Parse(s, ref)
			results = append(results, result{"Parse", got, err == nil})
			got, err = ParseDateTime(s, ref)
			results = append(results, result{"ParseDateTime", got, err == nil})
			got, ok := Find(s)
			results = append(results, result{"Find", got, ok})
			got, ok = FromURL(s)
			results = append(results, result{"FromURL", got, ok})
			ref2, refOK = RefFromURL(s)
		}()
		select {
		case <-done:
		case <-time.After(fuzzBudget):
			t.Fatalf("the date functions did not return within %s on %q", fuzzBudget, s)
		}
		for _, r := range results {
			if r.ok {
				realDate(t, r.what, s, r.got)
			}
		}
		if refOK && (ref2.Year() < 1000 || ref2.Year() > 9999) {
			t.Errorf("RefFromURL(%q) = %v", s, ref2)
		}
	})
}
