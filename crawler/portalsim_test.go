package crawler

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/govaudit/govaudit/portalsim"
	"github.com/govaudit/govaudit/store"
)

var simToday = time.Date(2026, 11, 27, 0, 0, 0, 0, cst)

// simPortal starts a small simulated portal covering every family and
// charset variant (units 0..11).
func simPortal(t *testing.T, faults portalsim.Faults) (*portalsim.Sim, *httptest.Server) {
	t.Helper()
	sim, err := portalsim.New(portalsim.Options{Seed: 7, Units: 12, ChannelsMin: 3, ChannelsMax: 4, Items: 8, Letters: 20,
		Today: simToday, Faults: faults,
		Layouts: portalsim.LayoutsVaried})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(srv.Close)
	return sim, srv
}

func openStore(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "govaudit.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func TestPortalsimEveryFamily(t *testing.T) {
	sim, srv := simPortal(t, portalsim.Faults{})
	cfg := sim.Config(srv.URL)
	st := openStore(t)
	c, err := New(cfg, st, Options{Now: func() time.Time { return simToday.Add(10 * time.Hour) }})
	if err != nil {
		t.Fatal(err)
	}
	run, err := c.Run(context.Background())
	if err != nil {
		t.Fatalf("run: %v (%+v)", err, run)
	}
	truth := sim.Truth(srv.URL)
	t.Logf("run: pages %d requests %d items %d attachments %d letters %d errors %v families %v",
		run.Pages, run.Requests, run.Items, run.Attachments, run.Letters, run.Errors, run.Families)

	srcs, err := st.Sources()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range srcs {
		if !s.Audited {
			t.Errorf("source %s not audited: %s", s.Key, s.Cause)
		}
	}
	colItems := map[string]int{}
	for _, tc := range truth.Columns {
		colItems[tc.ID] = tc.Items
	}
	for _, s := range srcs {
		if s.Kind == store.SourceColumn && s.Items != colItems[s.ID] {
			t.Errorf("column %s: %d items listed, truth %d", s.ID, s.Items, colItems[s.ID])
		}
	}

	fams := map[string]string{}
	charsets := map[string]string{}
	for _, u := range truth.Units {
		fams[u.ID] = u.Family
		charsets[u.ID] = u.Charset
	}
	seenFam := map[string]bool{}
	gbkTitles := 0
	for _, ti := range truth.Items {
		it, ok, err := st.Item(ti.URL)
		if err != nil || !ok {
			t.Errorf("item %s (%s) not found", ti.URL, fams[ti.Unit])
			continue
		}
		seenFam[fams[ti.Unit]] = true
		if it.FetchErr != "" {
			t.Errorf("item %s: %s", ti.URL, it.FetchErr)
			continue
		}
		if it.Title != ti.Title {
			t.Errorf("item %s (%s, %s): title %q, truth %q", ti.URL, fams[ti.Unit], charsets[ti.Unit], it.Title, ti.Title)
		} else if charsets[ti.Unit] != "utf-8" {
			gbkTitles++
		}
		if it.Published != ti.Published || it.Written != ti.Written {
			t.Errorf("item %s (%s): published %q written %q, truth %q %q", ti.URL, fams[ti.Unit], it.Published, it.Written, ti.Published, ti.Written)
		}
		got := map[string]store.Attachment{}
		for _, a := range it.Attachments {
			got[a.URL] = a
		}
		for _, a := range ti.Attachments {
			if _, ok := got[a]; !ok {
				t.Errorf("item %s (%s): attachment %s not found (have %d)", ti.URL, fams[ti.Unit], a, len(it.Attachments))
			}
		}
		if len(it.Attachments) != len(ti.Attachments) {
			t.Errorf("item %s: %d attachments, truth %d", ti.URL, len(it.Attachments), len(ti.Attachments))
		}
		if ti.DeadLink != "" {
			if pg, ok, _ := st.Page(ti.DeadLink); !ok || pg.Status != 404 {
				t.Errorf("item %s: dead link %s not recorded as 404: %+v", ti.URL, ti.DeadLink, pg)
			}
		}
		broken := map[string]bool{}
		for _, b := range ti.Broken {
			broken[b] = true
			if a := got[b]; !a.Checked || a.Broken == "" {
				t.Errorf("item %s: attachment %s should be broken: %+v", ti.URL, b, a)
			}
		}
		for _, a := range it.Attachments {
			if !broken[a.URL] && (!a.Checked || a.Broken != "") {
				t.Errorf("item %s: attachment %s wrongly broken: %+v", ti.URL, a.URL, a)
			}
		}
	}
	for _, f := range []string{"gongkai", "hanweb", "trs"} {
		if !seenFam[f] {
			t.Errorf("no item of family %s in the truth", f)
		}
		if run.Families[f].Items == 0 {
			t.Errorf("no item crawled in family %s", f)
		}
	}
	if gbkTitles == 0 {
		t.Error("no GBK/GB18030 title checked")
	}
	if len(truth.Items) != run.Items {
		t.Errorf("run items %d, truth %d", run.Items, len(truth.Items))
	}

	letters := map[string]store.Letter{}
	st.EachLetter(func(l store.Letter) error { letters[l.URL] = l; return nil })
	for _, tl := range truth.Letters {
		l, ok := letters[tl.URL]
		if !ok {
			t.Errorf("letter %s not found", tl.URL)
			continue
		}
		if l.Received != tl.Received || l.Replied != tl.Replied || l.Status != tl.Status {
			t.Errorf("letter %s: %q %q %q, truth %q %q %q", tl.URL, l.Received, l.Replied, l.Status, tl.Received, tl.Replied, tl.Status)
		}
	}
	if len(letters) != len(truth.Letters) {
		t.Errorf("letters %d, truth %d", len(letters), len(truth.Letters))
	}
}

func simCrawl(t *testing.T, sim *portalsim.Sim, srv *httptest.Server, st *store.Store) (store.Run, error) {
	t.Helper()
	cfg := sim.Config(srv.URL)
	cfg.Site.Crawl.Timeout = 5 * time.Second
	cfg.Site.Crawl.RetryBackoff = 5 * time.Millisecond
	c, err := New(cfg, st, Options{Now: func() time.Time { return simToday.Add(10 * time.Hour) }})
	if err != nil {
		t.Fatal(err)
	}
	return c.Run(context.Background())
}

func TestPortalsimIncremental(t *testing.T) {
	sim, srv := simPortal(t, portalsim.Faults{})
	st := openStore(t)
	first, err := simCrawl(t, sim, srv, st)
	if err != nil {
		t.Fatal(err)
	}
	before := sim.Requests()
	second, err := simCrawl(t, sim, srv, st)
	if err != nil {
		t.Fatal(err)
	}
	served := sim.Requests() - before
	t.Logf("first: requests %d pages %d parsed %d; second: requests %d (served %d) pages %d parsed %d not modified %d reused %d",
		first.Requests, first.Pages, first.Parsed, second.Requests, served, second.Pages, second.Parsed, second.NotModified,
		second.Figures["reused"])
	if first.Parsed == 0 || second.Parsed != 0 {
		t.Errorf("parsed: first %d, second %d (want 0)", first.Parsed, second.Parsed)
	}
	if second.Items != first.Items || second.Letters != first.Letters || second.Attachments != first.Attachments {
		t.Errorf("second run items/letters/attachments %d/%d/%d, first %d/%d/%d", second.Items, second.Letters,
			second.Attachments, first.Items, first.Letters, first.Attachments)
	}
	if int64(second.Requests) != served {
		t.Errorf("run counted %d requests, portal served %d", second.Requests, served)
	}

	// What the second run must request, from the store: every list page,
	// the articles and answered letters due tonight on the rolling cycle
	// (conditionally: 304), every unanswered letter.
	// Records dated before the checks' window are on the long cycle, and
	// an unanswered letter received before it counts as answered here.
	at := simToday.Add(10 * time.Hour)
	cfg := sim.Config(srv.URL)
	due := &run{start: at, cycle: cfg.Site.Crawl.RevalidateDays, since: contentSince(cfg, at)}
	if due.cycle <= 0 {
		due.cycle = 7
	}
	var articles, dueArticles, letters, answered, dueLetters int
	st.EachItem(func(it store.Item) error {
		articles++
		if due.dueDated(it.URL, itemDate(&it)) {
			dueArticles++
		}
		return nil
	})
	st.EachLetter(func(l store.Letter) error {
		if strings.Contains(l.URL, "#") {
			return nil // known from its list row only
		}
		letters++
		switch {
		case l.Replied == "" && !due.archived(l.Received):
		case due.dueLong(l.URL):
			dueLetters++
			answered++
		default:
			answered++
		}
		return nil
	})
	lists := first.Pages - first.Parsed - letters
	wantPages := lists + dueArticles + (letters - answered) + dueLetters
	// Every list page of a column or mailbox is validated with a
	// conditional GET (304), except Hanweb columns' pages: their
	// data-proxy batches are POSTs. (Catalog pages are fetched in full.)
	srcs, err := st.Sources()
	if err != nil {
		t.Fatal(err)
	}
	// A source whose first page answers 304 and that is not due tonight
	// is not walked further: its other pages come from the store.
	hanwebLists, lists304, fromStore := 0, 0, 0
	for _, src := range srcs {
		resp, err := http.Get(src.URL)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if strings.Contains(string(b), "<datastore>") {
			hanwebLists += src.ListPages
		} else if src.ListPages > 1 && !due.due(src.URL) {
			lists304++
			fromStore += src.ListPages - 1
		} else {
			lists304 += src.ListPages
		}
	}
	wantPages -= fromStore
	// Letters read before are asked for conditionally too (304).
	if second.Pages != wantPages || second.NotModified != dueArticles+lists304+(letters-answered)+dueLetters || second.Figures["lists_not_modified"] != lists304 ||
		second.Figures["lists_from_store"] != fromStore {
		t.Errorf("second run: %d pages (%d 304s, %d of list pages, %d from the store), want %d: %d list pages (%d Hanweb, %d from the store), %d of %d articles due, %d unanswered letters, %d of %d answered due",
			second.Pages, second.NotModified, second.Figures["lists_not_modified"], second.Figures["lists_from_store"], wantPages, lists, hanwebLists, fromStore, dueArticles, articles, letters-answered, dueLetters, answered)
	}
	if lists304 == 0 || hanwebLists == 0 || fromStore == 0 {
		t.Errorf("%d list pages answered 304, %d Hanweb list pages: the portal should have both", lists304, hanwebLists)
	}
	if dueArticles == 0 || dueArticles == articles || answered == 0 {
		t.Errorf("a test portal with %d of %d articles due and %d answered letters tests little", dueArticles, articles, answered)
	}
	if want := articles - dueArticles + answered - dueLetters; second.Figures["reused"] != want {
		t.Errorf("reused %d, want %d", second.Figures["reused"], want)
	}
	// The probes of unchanged articles are those due tonight (one in seven).
	probes := second.Requests - second.Pages
	if firstProbes := first.Requests - first.Pages; probes*3 > firstProbes {
		t.Errorf("incremental run made %d probe requests, first %d", probes, firstProbes)
	}
	// Records of unchanged entries are not rewritten, yet every item and
	// letter is listed by the second run.
	rewritten := 0
	st.EachItem(func(it store.Item) error {
		if it.RunID == second.ID {
			rewritten++
		}
		return nil
	})
	if rewritten > dueArticles+probes {
		t.Errorf("%d items rewritten by the second run, %d articles were due", rewritten, dueArticles)
	}
	srcs, err = st.Sources()
	if err != nil {
		t.Fatal(err)
	}
	listedBy := map[string]store.Listed{}
	for _, s := range srcs {
		if s.Kind != store.SourceColumn && s.Kind != store.SourceMailbox {
			continue
		}
		l, ok, err := st.ListedOf(s.Key)
		if err != nil || !ok || l.RunID != second.ID || s.RunID != second.ID || len(l.Entries) != s.Items {
			t.Errorf("source %s (run %d, %d items): listing %v %v run %d, %d entries", s.Key, s.RunID, s.Items, ok, err, l.RunID, len(l.Entries))
		}
		listedBy[s.Key] = l
	}
	st.EachItem(func(it store.Item) error {
		if !listedBy[store.SourceColumn+":"+it.Column].Has(it.URL) {
			t.Errorf("item %s not listed by the second run", it.URL)
		}
		return nil
	})
	st.EachLetter(func(l store.Letter) error {
		if !listedBy[store.SourceMailbox+":"+l.Mailbox].Has(l.URL) {
			t.Errorf("letter %s not listed by the second run", l.URL)
		}
		return nil
	})
}

func TestPortalsimFaults(t *testing.T) {
	sim0, srv0 := simPortal(t, portalsim.Faults{})
	cols := sim0.Truth(srv0.URL).Columns
	var down, blocked string
	for _, c := range cols {
		if c.Items > 0 && down == "" {
			down = c.ID
		} else if c.Items > 0 && blocked == "" {
			blocked = c.ID
		}
	}
	sim, srv := simPortal(t, portalsim.Faults{Flaky5xxEvery: 3, Down5xxColumns: []string{down}, ChallengeColumns: []string{blocked}})
	st := openStore(t)
	run, err := simCrawl(t, sim, srv, st)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	t.Logf("errors %v requests %d pages %d", run.Errors, run.Requests, run.Pages)
	srcs, _ := st.Sources()
	for _, s := range srcs {
		switch s.ID {
		case down:
			if s.Audited || s.ErrKind != errHTTP5xx || s.Cause != "HTTP 503（共尝试 3 次）" {
				t.Errorf("down column: %+v", s)
			}
		case blocked:
			if s.Audited || s.ErrKind != errBlocked || s.Cause != "被站点防火墙拦截 (HTTP 412)（共尝试 3 次）" {
				t.Errorf("blocked column: %+v", s)
			}
		default:
			if !s.Audited {
				t.Errorf("source %s not audited (flaky faults must be retried): %s", s.Key, s.Cause)
			}
		}
	}
	// Flaky pages were retried: every item of the audited columns was read.
	truth := sim.Truth(srv.URL)
	for _, ti := range truth.Items {
		if ti.Column == down || ti.Column == blocked {
			continue
		}
		it, ok, _ := st.Item(ti.URL)
		if !ok || it.FetchErr != "" || it.Title != ti.Title {
			t.Errorf("item %s: found %v, %q", ti.URL, ok, it.FetchErr)
		}
	}
}

func TestPortalsimDown(t *testing.T) {
	sim, srv := simPortal(t, portalsim.Faults{Down: true})
	st := openStore(t)
	run, err := simCrawl(t, sim, srv, st)
	if err == nil || run.Status != "failed" {
		t.Fatalf("run of a portal that is down: status %s, err %v", run.Status, err)
	}
	srcs, _ := st.Sources()
	if len(srcs) == 0 {
		t.Fatal("no source state recorded")
	}
	for _, s := range srcs {
		if s.Audited || s.ErrKind != errHTTP5xx {
			t.Errorf("source %s: audited %v, %s %s", s.Key, s.Audited, s.ErrKind, s.Cause)
		}
	}
	n := 0
	st.EachItem(func(store.Item) error { n++; return nil })
	if n != 0 {
		t.Errorf("%d items stored from a portal that is down", n)
	}
}

func TestPortalsimResetsAndTruncations(t *testing.T) {
	sim, srv := simPortal(t, portalsim.Faults{ResetEvery: 23, TruncateEvery: 29})
	st := openStore(t)
	run, err := simCrawl(t, sim, srv, st)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if run.Errors[errReset] == 0 || run.Errors[errTruncated] == 0 {
		t.Errorf("errors %v: want resets and truncations recorded", run.Errors)
	}
	srcs, _ := st.Sources()
	audited := map[string]bool{}
	for _, s := range srcs {
		// A partial walk read only some pages: its items may be missing.
		audited[s.ID] = s.Audited && !s.Partial
		if s.Partial {
			if s.ErrKind != errReset && s.ErrKind != errTruncated && s.ErrKind != errUnreadable || !strings.Contains(s.Cause, "部分抓取") {
				t.Errorf("partial source %s: %s %s", s.Key, s.ErrKind, s.Cause)
			}
		}
		if !s.Audited && s.ErrKind != errReset && s.ErrKind != errTruncated {
			t.Errorf("source %s not audited for %s: %s", s.Key, s.ErrKind, s.Cause)
		}
	}
	failed := 0
	for _, ti := range sim.Truth(srv.URL).Items {
		it, ok, _ := st.Item(ti.URL)
		switch {
		case !ok && audited[ti.Column]:
			t.Errorf("item %s of audited column %s missing", ti.URL, ti.Column)
		case ok && it.FetchErr != "":
			failed++
			if it.FetchErr != "连接被重置（共尝试 3 次）" && it.FetchErr != "页面传输不完整（共尝试 3 次）" {
				t.Errorf("item %s: cause %q", ti.URL, it.FetchErr)
			}
		case ok && it.Title != ti.Title:
			t.Errorf("item %s: title %q, truth %q", ti.URL, it.Title, ti.Title)
		}
	}
	if failed == 0 {
		t.Error("no article failed: the faults did not hit")
	}
}

// BenchmarkCrawlDistrict crawls the simulated district portal at its
// default scale (46 units) into a fresh store, politeness off.
func BenchmarkCrawlDistrict(b *testing.B) {
	sim, err := portalsim.New(portalsim.Options{Seed: 1, Today: simToday, Layouts: portalsim.LayoutsClassic})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(sim.Handler())
	defer srv.Close()
	cfg := sim.Config(srv.URL)
	pages := 0
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		st, err := store.Open(filepath.Join(b.TempDir(), "bench.db"), store.Options{})
		if err != nil {
			b.Fatal(err)
		}
		c, err := New(cfg, st, Options{Now: func() time.Time { return simToday }})
		if err != nil {
			b.Fatal(err)
		}
		run, err := c.Run(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		pages += run.Pages
		st.Close()
	}
	b.ReportMetric(float64(pages)/b.Elapsed().Seconds(), "pages/s")
}
