package portalsim

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestDefaultPortalHasEveryCheck(t *testing.T) {
	s := newSim(t, Options{Seed: 1, Today: testToday})
	tr, problems := s.truth("http://127.0.0.1:8080")
	for _, p := range problems {
		t.Errorf("borderline case in the data: %s", p)
	}
	for _, c := range Checks {
		if n := tr.Count(c); n == 0 {
			t.Errorf("check %s: no violation in the default portal", c)
		} else {
			t.Logf("%-20s %d", c, n)
		}
	}
	if len(tr.Units) != 46 {
		t.Errorf("units = %d, want 46", len(tr.Units))
	}
}

// TestNoBorderlineCases generates portals on awkward "today"s (a quarter's
// first day, just after the annual-report deadlines, New Year) and checks
// the margins the truth relies on.
func TestNoBorderlineCases(t *testing.T) {
	days := []time.Time{
		time.Date(2026, 1, 1, 0, 0, 0, 0, cst),
		time.Date(2026, 2, 1, 0, 0, 0, 0, cst),
		time.Date(2026, 2, 3, 0, 0, 0, 0, cst),
		time.Date(2026, 4, 1, 0, 0, 0, 0, cst),
		time.Date(2026, 4, 2, 0, 0, 0, 0, cst),
		time.Date(2025, 7, 15, 0, 0, 0, 0, cst),
		time.Date(2026, 10, 1, 0, 0, 0, 0, cst),
		time.Date(2026, 12, 31, 0, 0, 0, 0, cst),
	}
	for _, d := range days {
		for seed := int64(1); seed <= 3; seed++ {
			s := newSim(t, Options{Seed: seed, Units: 20, Today: d})
			_, problems := s.truth("http://h")
			for _, p := range problems {
				t.Errorf("today %s seed %d: %s", d.Format("2006-01-02"), seed, p)
			}
		}
	}
}

func TestTruthSubjectsUnique(t *testing.T) {
	s := newSim(t, Options{Seed: 1, Today: testToday})
	tr := s.Truth("http://127.0.0.1:8080/")
	seen := map[string]bool{}
	for _, v := range tr.Violations {
		k := v.Check + "\x00" + v.Subject
		if seen[k] {
			t.Errorf("violation listed twice: %s %s", v.Check, v.Subject)
		}
		seen[k] = true
		if v.Unit == "" || v.Quarter == "" || v.Subject == "" {
			t.Errorf("incomplete violation %+v", v)
		}
	}
	urls := map[string]bool{}
	for _, it := range tr.Items {
		for _, u := range append([]string{it.URL}, it.Attachments...) {
			if urls[u] {
				t.Errorf("URL used twice: %s", u)
			}
			urls[u] = true
		}
	}
}

// TestTruthSemantics spot-checks the truth against the definitions of
// docs/CHECKS.md on the generated records.
func TestTruthSemantics(t *testing.T) {
	s := newSim(t, Options{Seed: 3, Today: testToday})
	tr := s.Truth("http://h")
	ws := "2025-01-01"
	items := map[string]TruthItem{}
	for _, it := range tr.Items {
		items[it.URL] = it
	}
	for _, v := range tr.Violations {
		switch v.Check {
		case CheckTimeliness, CheckBackdated, CheckMissingAttachment:
			it, ok := items[v.Subject]
			if !ok {
				t.Fatalf("%s: subject %s is not an item", v.Check, v.Subject)
			}
			if it.Published < ws || it.Published > tr.Today {
				t.Errorf("%s outside the window: %+v", v.Check, it)
			}
			if v.Quarter != quarterOfISO(t, it.Published) {
				t.Errorf("%s quarter %s, published %s", v.Check, v.Quarter, it.Published)
			}
			if v.Check == CheckBackdated && !(it.Published < it.Written) {
				t.Errorf("backdated but published %s, written %s", it.Published, it.Written)
			}
			if v.Check == CheckTimeliness && it.Written == "" {
				t.Errorf("timeliness without 成文日期: %s", it.URL)
			}
		case CheckKeyColumnEmpty, CheckPeriodicGap:
			col, _, ok := strings.Cut(v.Subject, ":")
			if !ok || col != v.Column {
				t.Errorf("%s subject %q does not name column %s", v.Check, v.Subject, v.Column)
			}
		case CheckBrokenLink:
			page, link, ok := strings.Cut(v.Subject, " -> ")
			if !ok || items[page].DeadLink != link {
				t.Errorf("broken-link subject %q", v.Subject)
			}
		}
	}
	// Every undatable item in the window yields no timeliness finding.
	undatable := 0
	for _, it := range tr.Items {
		if it.Written == "" && it.Published >= ws {
			undatable++
		}
	}
	if undatable == 0 {
		t.Error("no undatable item in the window")
	}
}

func quarterOfISO(t *testing.T, d string) string {
	tm, err := time.Parse("2006-01-02", d)
	if err != nil {
		t.Fatal(err)
	}
	return quarterOf(dayOf(time.Date(tm.Year(), tm.Month(), tm.Day(), 0, 0, 0, 0, cst))).String()
}

func TestDeterminism(t *testing.T) {
	for _, lay := range []Layouts{LayoutsClassic, LayoutsVaried} {
		opt := small
		opt.Layouts = lay
		t.Run(string(lay), func(t *testing.T) { testDeterminism(t, opt) })
	}
}

func testDeterminism(t *testing.T, small Options) {
	a := newSim(t, small)
	b := newSim(t, small)
	ta, tb := a.Truth("http://h"), b.Truth("http://h")
	if !reflect.DeepEqual(ta, tb) {
		t.Fatal("same options, different truth")
	}
	sa, sb := serve(t, a), serve(t, b)
	c := sa.Client()
	paths := []string{"/", "/robots.txt"}
	for _, u := range ta.Units {
		paths = append(paths, strings.TrimPrefix(u.Catalog, "http://h"))
	}
	for i, it := range ta.Items {
		if i%7 == 0 {
			paths = append(paths, strings.TrimPrefix(it.URL, "http://h"))
			for _, a := range it.Attachments {
				paths = append(paths, strings.TrimPrefix(a, "http://h"))
			}
		}
	}
	for _, l := range ta.Letters[:5] {
		paths = append(paths, strings.TrimPrefix(l.URL, "http://h"))
	}
	for _, p := range paths {
		ra, ba := fetch(t, c, sa.URL+p)
		rb, bb := fetch(t, c, sb.URL+p)
		if string(ba) != string(bb) || ra.Header.Get("ETag") != rb.Header.Get("ETag") ||
			ra.Header.Get("Last-Modified") != rb.Header.Get("Last-Modified") {
			t.Errorf("%s differs between two portals of the same seed", p)
		}
	}
	other := small
	other.Seed++
	if reflect.DeepEqual(ta.Violations, newSim(t, other).Truth("http://h").Violations) {
		t.Error("another seed gives the same violations")
	}
}

func TestTruthWriteFile(t *testing.T) {
	s := newSim(t, Options{Seed: 1, Units: 3, ChannelsMin: 5, ChannelsMax: 5, Today: testToday})
	tr := s.Truth("http://127.0.0.1:8080")
	path := filepath.Join(t.TempDir(), "truth.json")
	if err := tr.WriteFile(path); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var back Truth
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, tr) {
		t.Error("truth does not survive a JSON round trip")
	}
	if err := tr.WriteFile(filepath.Join(t.TempDir(), "missing", "truth.json")); err == nil {
		t.Error("writing into a missing directory succeeded")
	}
}

func TestOptionsValidation(t *testing.T) {
	cases := []struct {
		name string
		opt  Options
	}{
		{"no today", Options{Seed: 1}},
		{"too many units", Options{Units: 47, Today: testToday}},
		{"channels reversed", Options{ChannelsMin: 8, ChannelsMax: 5, Today: testToday}},
		{"too many channels", Options{ChannelsMin: 5, ChannelsMax: 99, Today: testToday}},
		{"negative items", Options{Items: -1, Today: testToday}},
		{"negative fault", Options{Faults: Faults{ResetEvery: -2}, Today: testToday}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := New(c.opt); err == nil {
				t.Error("New accepted bad options")
			}
		})
	}
}

func TestNegativeRatesDisableViolations(t *testing.T) {
	off := Rates{-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1}
	s := newSim(t, Options{Seed: 1, Units: 10, Today: testToday, Rates: off})
	tr := s.Truth("http://h")
	for _, v := range tr.Violations {
		t.Errorf("violation with every rate off: %+v", v)
	}
}

func TestConfigMatchesTruth(t *testing.T) {
	s := newSim(t, small)
	cfg := s.Config("http://127.0.0.1:9/")
	tr := s.Truth("http://127.0.0.1:9")
	if cfg.Site.BaseURL != "http://127.0.0.1:9/" || !cfg.Site.Crawl.ObeyRobots || cfg.Site.Crawl.Parallelism != 8 ||
		cfg.Site.Crawl.Timeout != 5*time.Second || cfg.Site.Crawl.Retries != 2 || !cfg.Site.Crawl.CheckAttachments ||
		!cfg.Site.Crawl.CheckLinks || cfg.Site.Crawl.MaxListPages != 200 || cfg.Store.Path != "govaudit.db" ||
		cfg.Mail.Office != "gkb@example.gov.cn" || cfg.Rules.PublishDays != 20 || cfg.Rules.MailboxReplyDays != 5 {
		t.Errorf("site settings: %+v", cfg.Site)
	}
	if len(cfg.Units) != len(tr.Units) || len(cfg.Columns) != len(tr.Columns) || len(cfg.Mailboxes) != len(tr.Mailboxes) {
		t.Fatalf("config has %d units, %d columns, %d mailboxes; truth %d, %d, %d", len(cfg.Units), len(cfg.Columns),
			len(cfg.Mailboxes), len(tr.Units), len(tr.Columns), len(tr.Mailboxes))
	}
	for i, u := range cfg.Units {
		tu := tr.Units[i]
		if u.ID != tu.ID || u.Catalog != tu.Catalog || u.Profile != tu.Family || u.Email != u.ID+"@example.gov.cn" {
			t.Errorf("unit %+v vs truth %+v", u, tu)
		}
	}
	if !cfg.Units[0].District {
		t.Error("区政府办公室 is not marked district")
	}
	for i, c := range cfg.Columns {
		tc := tr.Columns[i]
		if c.ID != tc.ID || c.ID != c.Unit+"/"+c.Name || c.URL != tc.URL || c.Kind != tc.Kind || c.Key != tc.Key ||
			c.Cadence != tc.Cadence || c.RequiresAttachment != nil {
			t.Errorf("column %+v vs truth %+v", c, tc)
		}
		if (c.Cadence == "none") != (c.DeadlineDays == 0) {
			t.Errorf("column %s: cadence %s, deadline_days %d", c.ID, c.Cadence, c.DeadlineDays)
		}
	}
	if cfg.Mailboxes[0].Name != "区长信箱" || cfg.Mailboxes[0].Unit != "lzqrmzfbgs" || len(cfg.Mailboxes) < 4 {
		t.Errorf("mailboxes: %+v", cfg.Mailboxes)
	}
}

func TestStatsMatchTruth(t *testing.T) {
	s := newSim(t, small)
	st := s.Stats()
	tr := s.Truth("http://h")
	atts := 0
	for _, it := range tr.Items {
		atts += len(it.Attachments)
	}
	if st.Items != len(tr.Items) || st.Letters != len(tr.Letters) || st.Attachments != atts || st.Columns != len(tr.Columns) {
		t.Errorf("stats %+v; truth has %d items, %d letters, %d attachments", st, len(tr.Items), len(tr.Letters), atts)
	}
	for _, f := range []string{"gongkai", "hanweb", "trs", "mailbox"} {
		if st.Families[f].Pages == 0 {
			t.Errorf("family %s has no pages", f)
		}
	}
}
