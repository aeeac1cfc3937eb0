package crawler

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/govaudit/govaudit/portalsim"
	"github.com/govaudit/govaudit/store"
)

// TestListPageConditional: list pages are requested conditionally; an
// unchanged one answers 304 and its stored entries are used, a changed
// one (new body and ETag) is read again and its changed entry is seen.
func TestListPageConditional(t *testing.T) {
	p, st, base, crawl := newTamperFixture(t, portalsim.Options{Seed: 3, Units: 2, ChannelsMin: 3, ChannelsMax: 3, Items: 30, Letters: 40, Today: simToday})
	night := simToday.Add(2 * time.Hour)

	first := crawl(night)
	if n := first.Figures["lists_not_modified"]; n != 0 {
		t.Errorf("first crawl: %d list pages not modified", n)
	}
	second := crawl(night.Add(24 * time.Hour))
	unchanged := second.Figures["lists_not_modified"]
	if unchanged == 0 || second.Figures["lists_from_store"] == 0 {
		// This failed once in CI and never again in hundreds of runs: say
		// enough to find out why if it does.
		t.Fatalf("second crawl of an unchanged portal: %d list pages answered 304, %d taken from the store; want both\nrun: %+v\nsources:\n%s",
			unchanged, second.Figures["lists_from_store"], second, describeSources(t, st, night.Add(24*time.Hour)))
	}
	known := unchanged + second.Figures["lists_from_store"]

	// Night 3: one article's list entry is retitled, which changes its
	// list page's body and ETag. It is on the first page of its column:
	// a change further down waits for the column's night of the cycle
	// (walkPages).
	at := night.Add(48 * time.Hour)
	sched := &run{start: at, cycle: 7}
	retitled := ""
	srcs, err := st.Sources()
	if err != nil {
		t.Fatal(err)
	}
	for _, src := range srcs {
		lp, ok, err := st.ListPageOf(normalizeURL(src.URL))
		if err != nil || !ok {
			continue
		}
		for _, e := range lp.Entries {
			if retitled == "" && strings.Contains(e.URL, "/gongkai/") && strings.Contains(e.URL, "/doc_") && !sched.due(e.URL) {
				retitled = e.URL
			}
		}
	}
	if retitled == "" {
		t.Fatal("no gongkai article on a first list page that is not due on night 3")
	}
	id := retitled[strings.LastIndex(retitled, "doc_")+4 : len(retitled)-len(".html")]
	p.requests()
	p.mu.Lock()
	p.retitle[id] = true
	p.mu.Unlock()
	third := crawl(at)
	got := p.requests()

	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.changed) == 0 {
		t.Fatal("retitling changed no list page")
	}
	gongkaiLists := 0
	for path, code := range p.codes {
		want := http.StatusNotModified
		if p.changed[path] {
			want = http.StatusOK
		}
		if code != want {
			t.Errorf("list page %s answered %d, want %d", path, code, want)
		}
		gongkaiLists++
	}
	if gongkaiLists <= len(p.changed) {
		t.Errorf("%d gongkai list pages, %d changed: want unchanged ones too", gongkaiLists, len(p.changed))
	}
	// Every known list page answered 304, was taken from the store, or
	// changed.
	if n, s := third.Figures["lists_not_modified"], third.Figures["lists_from_store"]; n+s+len(p.changed) != known {
		t.Errorf("third crawl: %d list pages not modified, %d from the store, %d changed; want %d in all", n, s, len(p.changed), known)
	}
	// The changed entry is seen: its article is requested although it is
	// not due, and the stored list page holds the new title.
	if n := got[retitled[len(base):]]; n != 1 {
		t.Errorf("retitled article requested %d times, want 1", n)
	}
	for path := range p.changed {
		lp, ok, err := st.ListPageOf(base + path)
		if err != nil || !ok {
			t.Fatalf("list page %s: stored %v, %v", path, ok, err)
		}
		if lp.RunID != third.ID {
			t.Errorf("list page %s stored by run %d, want %d", path, lp.RunID, third.ID)
		}
		found := false
		for _, e := range lp.Entries {
			if e.URL == retitled {
				found = len(e.Fields) > 0 && strings.HasPrefix(e.Fields[0], "修订")
			}
		}
		if !found {
			t.Errorf("list page %s: stored entries lack the retitled %s", path, retitled)
		}
	}
	l, _, err := st.ListedOf(itemSource(t, st, retitled))
	if err != nil {
		t.Fatal(err)
	}
	if old, _ := l.Sig(retitled); l.RunID != third.ID || !l.Has(retitled) || old == 0 {
		t.Errorf("listing after night 3: run %d, lists retitled %v", l.RunID, l.Has(retitled))
	}
	changed := len(p.changed)
	p.mu.Unlock()
	// Nine days after night 1: the pages last read in full on night 1 are
	// read in full again (once a cycle); the one read on night 3 is not.
	if n := crawl(night.Add(9 * 24 * time.Hour)).Figures["lists_not_modified"]; n != changed {
		t.Errorf("crawl a cycle later: %d list pages not modified, want %d", n, changed)
	}
	p.mu.Lock()
}

// itemSource returns the source key of a stored item's column.
func itemSource(t *testing.T, st *store.Store, u string) string {
	t.Helper()
	it, ok, err := st.Item(u)
	if err != nil || !ok {
		t.Fatalf("item %s: %v, %v", u, ok, err)
	}
	return "column:" + it.Column
}

// describeSources lists every source with its stored first list page,
// its pager and whether it is due for revalidation on the night at.
func describeSources(t *testing.T, st *store.Store, at time.Time) string {
	t.Helper()
	sched := &run{start: at, cycle: 7}
	srcs, err := st.Sources()
	if err != nil {
		return err.Error()
	}
	var b strings.Builder
	for _, src := range srcs {
		lp, ok, err := st.ListPageOf(normalizeURL(src.URL))
		fmt.Fprintf(&b, "  %s stored=%v err=%v run=%d next=%d etag=%q due=%v\n", src.URL, ok, err, lp.RunID, len(lp.Next), lp.ETag, sched.due(src.URL))
	}
	return b.String()
}
