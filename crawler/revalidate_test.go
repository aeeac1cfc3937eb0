package crawler

import (
	"context"
	"fmt"
	"hash/crc32"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/govaudit/govaudit/config"
	"github.com/govaudit/govaudit/crawler/extract"
	"github.com/govaudit/govaudit/portalsim"
	"github.com/govaudit/govaudit/store"
)

// tamperPortal serves a simulated portal through changes a test sets
// between crawls, and counts the requests per path.
type tamperPortal struct {
	sim *portalsim.Sim
	mu  sync.Mutex
	// failing answers 503 for these paths.
	failing map[string]bool
	// retitle renames the list entry of these gongkai article ids.
	retitle map[string]bool
	seen    map[string]int
	// changed are the paths whose body the retitling changed; codes the
	// last status of each conditionally requested path (set only while
	// retitling).
	changed map[string]bool
	codes   map[string]int
}

func (p *tamperPortal) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	p.seen[r.URL.Path]++
	fail := p.failing[r.URL.Path]
	var ids []string
	for id := range p.retitle {
		ids = append(ids, id)
	}
	p.mu.Unlock()
	if fail {
		http.Error(w, "down", http.StatusServiceUnavailable)
		return
	}
	if len(ids) == 0 || !strings.Contains(r.URL.Path, "/channel_c_") {
		p.sim.Handler().ServeHTTP(w, r)
		return
	}
	// The page is asked for in full and validated here against the
	// tampered body, as a server whose page changed would.
	inm := r.Header.Get("If-None-Match")
	r = r.Clone(r.Context())
	r.Header.Del("If-None-Match")
	r.Header.Del("If-Modified-Since")
	rec := httptest.NewRecorder()
	p.sim.Handler().ServeHTTP(rec, r)
	orig := rec.Body.Bytes()
	body := orig
	for _, id := range ids {
		// The anchor's text, whatever element holds the entry.
		re := regexp.MustCompile(`(doc_` + id + `\.html"[^>]*>)(\s*)([^<\s][^<]*)`)
		body = re.ReplaceAll(body, []byte("${1}${2}修订${3}"))
		// And its title attribute, which an extractor may prefer.
		attr := regexp.MustCompile(`(doc_` + id + `\.html"[^>]*title=")`)
		body = attr.ReplaceAll(body, []byte("${1}修订"))
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.Header().Del("Content-Length")
	if rec.Code == http.StatusOK && string(body) != string(orig) {
		w.Header().Del("Last-Modified")
		w.Header().Set("ETag", fmt.Sprintf(`"t%08x"`, crc32.ChecksumIEEE(body)))
		p.mu.Lock()
		p.changed[r.URL.Path] = true
		p.mu.Unlock()
	}
	if rec.Code == http.StatusOK && inm != "" && inm == w.Header().Get("ETag") {
		p.status(r.URL.Path, http.StatusNotModified)
		w.WriteHeader(http.StatusNotModified)
		return
	}
	if inm != "" {
		p.status(r.URL.Path, rec.Code)
	}
	w.WriteHeader(rec.Code)
	w.Write(body)
}

// status records the status a conditional request was answered with.
func (p *tamperPortal) status(path string, code int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.codes == nil {
		p.codes = map[string]int{}
	}
	p.codes[path] = code
}

// requests returns the requests per path since the last call.
func (p *tamperPortal) requests() map[string]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := p.seen
	p.seen = map[string]int{}
	return out
}

// newTamperFixture serves a simulated portal built from opt behind a
// tamperPortal and returns it, a fresh store, the portal's base URL and a
// function that crawls it into the store as of a given time (a 7-night
// revalidation cycle).
func newTamperFixture(t *testing.T, opt portalsim.Options) (*tamperPortal, *store.Store, string, func(time.Time) store.Run) {
	t.Helper()
	opt.Layouts = portalsim.LayoutsVaried
	sim, err := portalsim.New(opt)
	if err != nil {
		t.Fatal(err)
	}
	p := &tamperPortal{sim: sim, failing: map[string]bool{}, retitle: map[string]bool{}, seen: map[string]int{}, changed: map[string]bool{}}
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)
	cfg := sim.Config(srv.URL)
	cfg.Site.Crawl.RetryBackoff = time.Millisecond
	cfg.Site.Crawl.RevalidateDays = 7
	st := openStore(t)
	crawl := func(at time.Time) store.Run {
		t.Helper()
		c, err := New(cfg, st, Options{Now: func() time.Time { return at }})
		if err != nil {
			t.Fatal(err)
		}
		run, err := c.Run(context.Background())
		if err != nil {
			t.Fatalf("crawl at %s: %v", at, err)
		}
		return run
	}
	return p, st, srv.URL, crawl
}

// TestRevalidation: an unchanged article is requested only on its night
// of the cycle, or at once when its list entry changed, its last fetch
// failed, or a night of its cycle was missed; articles dated before the
// checks' window on a cycle longCycles times as long. Unanswered letters
// in the window are requested every night; answered ones and those
// received before the window on their night of the long cycle.
func TestRevalidation(t *testing.T) {
	p, st, base, crawl := newTamperFixture(t, portalsim.Options{Seed: 7, Units: 3, ChannelsMin: 3, ChannelsMax: 3, Items: 8, Letters: 100, Today: simToday,
		// Enough unanswered letters that some were received before the window.
		Rates: portalsim.Rates{Unanswered: 0.4}})
	night := simToday.Add(2 * time.Hour)

	// schedule is the revalidation schedule of a night (the fixture sets
	// no rules.since: the window opens on 1 January of last year).
	schedule := func(at time.Time) *run {
		return &run{start: at, cycle: 7, since: contentSince(&config.Config{}, at)}
	}

	// Night 1: one gongkai article fails.
	var gk []string
	first := crawl(night)
	p.requests()
	st.EachItem(func(it store.Item) error {
		if strings.Contains(it.URL, "/gongkai/") && strings.Contains(it.URL, "/doc_") && !schedule(night).archived(itemDate(&it)) {
			gk = append(gk, it.URL)
		}
		return nil
	})
	if len(gk) < 3 {
		t.Fatalf("%d gongkai articles in the window", len(gk))
	}
	path := func(u string) string { return u[len(base):] }
	// An article due on night 2 but not on night 3.
	night2, night3 := schedule(night.Add(24*time.Hour)), schedule(night.Add(48*time.Hour))
	failed := ""
	for _, u := range gk {
		if night2.due(u) && !night3.due(u) {
			failed = u
			break
		}
	}
	if failed == "" {
		t.Fatal("no gongkai article due on night 2 only")
	}
	p.failing[path(failed)] = true
	crawl(night.Add(24 * time.Hour))
	if it, _, _ := st.Item(failed); it.FetchErr == "" {
		t.Fatalf("article %s did not fail", failed)
	}
	delete(p.failing, path(failed))
	p.requests()

	// Night 3: the failed article, a retitled one and the due ones are
	// requested; the other unchanged articles are not.
	at := night.Add(48 * time.Hour)
	sched := schedule(at)
	// An article listed on its column's first page: a column whose first
	// page is unchanged is not walked further but on its own night, so a
	// retitle deeper down would wait (TestUnchangedFirstPageStopsWalk).
	onFirstPage := func(u string) bool {
		it, _, _ := st.Item(u)
		src, ok, _ := st.Source("column:" + it.Column)
		if !ok {
			return false
		}
		rec := httptest.NewRecorder()
		p.sim.Handler().ServeHTTP(rec, httptest.NewRequest("GET", src.URL, nil))
		return strings.Contains(rec.Body.String(), u[strings.LastIndex(u, "/")+1:])
	}
	retitled := ""
	for _, u := range gk {
		if !sched.due(u) && u != failed && onFirstPage(u) {
			retitled = u
			break
		}
	}
	if retitled == "" {
		t.Fatal("no gongkai article on a first list page that is not due on night 3")
	}
	id := retitled[strings.LastIndex(retitled, "doc_")+4 : len(retitled)-len(".html")]
	p.retitle[id] = true
	third := crawl(at)
	got := p.requests()
	var items, dueItems, archived, letters, unanswered, oldUnanswered int
	st.EachItem(func(it store.Item) error {
		items++
		date := itemDate(&it)
		if sched.archived(date) {
			archived++
		}
		want := 0
		switch {
		case it.URL == failed, it.URL == retitled:
			want = 1
		case sched.dueDated(it.URL, date):
			want = 1
			dueItems++
		}
		if got[path(it.URL)] != want {
			t.Errorf("article %s requested %d times on night 3, want %d", it.URL, got[path(it.URL)], want)
		}
		return nil
	})
	if it, _, _ := st.Item(failed); it.FetchErr != "" || it.RunID != third.ID {
		t.Errorf("failed article after night 3: %q, run %d", it.FetchErr, it.RunID)
	}
	// (The article page's own title wins over the list's.)
	if it, _, _ := st.Item(retitled); it.RunID != third.ID || !it.FetchedAt.Equal(at) {
		t.Errorf("retitled article after night 3: run %d, fetched %s", it.RunID, it.FetchedAt)
	}
	st.EachLetter(func(l store.Letter) error {
		if strings.Contains(l.URL, "#") {
			return nil
		}
		letters++
		want := 0
		old := sched.archived(l.Received)
		switch {
		case l.Replied == "" && !old:
			want = 1
			unanswered++
		case sched.dueLong(l.URL):
			want = 1
		}
		if l.Replied == "" && old {
			oldUnanswered++
		}
		if got[path(l.URL)] != want {
			t.Errorf("letter %s (replied %q) requested %d times on night 3, want %d", l.URL, l.Replied, got[path(l.URL)], want)
		}
		return nil
	})
	t.Logf("night 3: %d of %d articles due, %d before the window; %d letters unanswered in the window, %d before it", dueItems, items, archived, unanswered, oldUnanswered)
	if dueItems == 0 || dueItems == items || unanswered == 0 || unanswered == letters || archived == 0 || archived == items || oldUnanswered < 3 {
		t.Errorf("the portal tests little: %d of %d articles due, %d dated before the window; %d of %d letters unanswered in the window, %d before it",
			dueItems, items, archived, unanswered, letters, oldUnanswered)
	}
	if third.Items != first.Items || third.Letters != first.Letters {
		t.Errorf("night 3: %d items, %d letters; night 1: %d, %d", third.Items, third.Letters, first.Items, first.Letters)
	}

	// Night 12: the crawl missed nights 4 to 11; every article in the
	// window is overdue, those before it only on their long cycle.
	p.requests()
	at = night.Add(11 * 24 * time.Hour)
	crawl(at)
	got = p.requests()
	st.EachItem(func(it store.Item) error {
		want := 1
		if date := itemDate(&it); schedule(at).archived(date) && !schedule(at).dueDated(it.URL, date) {
			want = 0
		}
		if got[path(it.URL)] != want {
			t.Errorf("article %s (dated %s) requested %d times after missed nights, want %d", it.URL, itemDate(&it), got[path(it.URL)], want)
		}
		return nil
	})

	// Night 41: the long cycle has passed too; every article is overdue.
	p.requests()
	crawl(night.Add(40 * 24 * time.Hour))
	got = p.requests()
	st.EachItem(func(it store.Item) error {
		if got[path(it.URL)] != 1 {
			t.Errorf("article %s (dated %s) requested %d times after a missed long cycle, want 1", it.URL, itemDate(&it), got[path(it.URL)])
		}
		return nil
	})
}

// TestEntrySig: the signature of a list entry tells its fields apart.
func TestEntrySig(t *testing.T) {
	sig := func(title, date string) uint64 { return entrySig(extract.Entry{Title: title, Date: date}) }
	a := sig("标题", "2026-01-02")
	for _, tt := range []struct{ title, date string }{{"标题2026", "-01-02"}, {"标题", "2026-01-03"}, {"标题 ", "2026-01-02"}} {
		if sig(tt.title, tt.date) == a {
			t.Errorf("%q %q has the signature of 标题 2026-01-02", tt.title, tt.date)
		}
	}
	if sig("标题", "2026-01-02") != a {
		t.Error("signature not deterministic")
	}
}
