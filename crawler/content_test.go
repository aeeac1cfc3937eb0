package crawler

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/govaudit/govaudit/portalsim"
	"github.com/govaudit/govaudit/store"
)

// TestContentRecords crawls a small simulated portal twice: the first
// crawl reads every article's content and every attachment's text (real
// .xlsx, .docx, .pdf and .csv files); the second downloads only the
// attachments due tonight, and the records keep only masked values.
func TestContentRecords(t *testing.T) {
	sim, err := portalsim.New(portalsim.Options{Seed: 3, Units: 6, ChannelsMin: 8, ChannelsMax: 10, Items: 10, Letters: 10, Today: simToday})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim.Handler())
	defer srv.Close()
	cfg := sim.Config(srv.URL)
	st, err := store.Open(filepath.Join(t.TempDir(), "c.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	crawl := func() store.Run {
		c, err := New(cfg, st, Options{Now: func() time.Time { return simToday }})
		if err != nil {
			t.Fatal(err)
		}
		run, err := c.Run(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return run
	}
	first := crawl()
	if first.Figures["attachment_downloads"] == 0 || first.Figures["attachment_texts"] == 0 || first.Figures["content_pages"] == 0 {
		t.Fatalf("first crawl figures %v", first.Figures)
	}
	contents, err := st.Contents()
	if err != nil {
		t.Fatal(err)
	}
	formats := map[string]int{}
	var notAudited []string
	personal := 0
	for _, c := range contents {
		personal += len(c.Personal)
		for _, a := range c.Attachments {
			if a.Audited {
				formats[a.Format]++
				if a.Hash == "" || a.TextLen == 0 || a.Bytes == 0 {
					t.Errorf("audited attachment without hash, text or size: %+v", a)
				}
			} else {
				notAudited = append(notAudited, a.Cause)
			}
			personal += len(a.Personal)
			for _, m := range a.Personal {
				if strings.Count(m.Masked, "*") < 4 {
					t.Errorf("unmasked value in the store: %+v", m)
				}
			}
		}
		for _, m := range c.Personal {
			if strings.Count(m.Masked, "*") < 4 {
				t.Errorf("unmasked value in the store: %+v", m)
			}
		}
	}
	for _, f := range []string{"pdf", "docx", "xlsx", "csv"} {
		if formats[f] == 0 {
			t.Errorf("no %s attachment read (read: %v)", f, formats)
		}
	}
	if len(notAudited) == 0 || personal == 0 {
		t.Errorf("not audited %d, personal data %d", len(notAudited), personal)
	}
	second := crawl()
	if n, m := second.Figures["attachment_downloads"], first.Figures["attachment_downloads"]; n*3 > m {
		t.Errorf("second crawl downloaded %d attachments of %d: not once", n, m)
	}
}

// BenchmarkCrawlContent crawls a mid-sized simulated portal into a fresh
// store with attachment text on and off: the cost of reading attachments.
func BenchmarkCrawlContent(b *testing.B) {
	for _, on := range []bool{false, true} {
		name := "attachment_text=off"
		if on {
			name = "attachment_text=on"
		}
		b.Run(name, func(b *testing.B) {
			sim, err := portalsim.New(portalsim.Options{Seed: 1, Units: 12, Items: 20, Letters: 50, Today: simToday})
			if err != nil {
				b.Fatal(err)
			}
			srv := httptest.NewServer(sim.Handler())
			defer srv.Close()
			cfg := sim.Config(srv.URL)
			cfg.Site.Crawl.AttachmentText = on
			pages, atts, attBytes := 0, 0, 0
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
				atts += run.Figures["attachment_texts"]
				attBytes += run.Figures["attachment_bytes"]
				st.Close()
			}
			s := b.Elapsed().Seconds()
			b.ReportMetric(float64(pages)/s, "pages/s")
			b.ReportMetric(float64(atts)/s, "attachments/s")
			b.ReportMetric(float64(attBytes)/s/1e6, "attMB/s")
		})
	}
}

// TestAttachmentOneRequest: an attachment whose text is read tonight is
// requested once, with a GET that is both its probe and its download;
// one whose text is not read (attachment_text off) is probed with HEAD
// only. Either way the probe outcome stored with the item is the same.
func TestAttachmentOneRequest(t *testing.T) {
	sim, err := portalsim.New(portalsim.Options{Seed: 5, Units: 3, ChannelsMin: 6, ChannelsMax: 6, Items: 8, Letters: 4, Today: simToday})
	if err != nil {
		t.Fatal(err)
	}
	type probe struct{ checked, broken string }
	crawl := func(text bool) (map[string]map[string]int, map[string]probe, map[string]store.AttachmentText) {
		var mu sync.Mutex
		reqs := map[string]map[string]int{} // path -> method -> count
		h := sim.Handler()
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			method := r.Method
			if r.Header.Get("Range") != "" {
				method = "GET-RANGE" // a probe's second try
			}
			mu.Lock()
			if reqs[r.URL.RequestURI()] == nil {
				reqs[r.URL.RequestURI()] = map[string]int{}
			}
			reqs[r.URL.RequestURI()][method]++
			mu.Unlock()
			h.ServeHTTP(w, r)
		}))
		defer srv.Close()
		cfg := sim.Config(srv.URL)
		cfg.Site.Crawl.AttachmentText = text
		st, err := store.Open(filepath.Join(t.TempDir(), "a.db"), store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		c, err := New(cfg, st, Options{Now: func() time.Time { return simToday }})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		probes := map[string]probe{}
		err = st.EachItem(func(it store.Item) error {
			for _, a := range it.Attachments {
				u, _ := url.Parse(a.URL)
				probes[u.RequestURI()] = probe{fmt.Sprint(a.Checked, a.Err), a.Broken}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return reqs, probes, attachmentReadings(t, st)
	}
	headOnly, probesHead, _ := crawl(false)
	withText, probesGet, texts := crawl(true)
	if len(probesHead) == 0 || len(texts) == 0 {
		t.Fatalf("%d attachments probed, %d read: the portal has none", len(probesHead), len(texts))
	}
	for path, want := range probesHead {
		if got := probesGet[path]; got != want {
			t.Errorf("%s: probe with its download %+v, with HEAD %+v", path, got, want)
		}
	}
	broken := 0
	for path, at := range texts {
		m := withText[path]
		if m["HEAD"] != 0 || m["GET-RANGE"] != 0 || m["GET"] != 1 {
			t.Errorf("%s read tonight: requests %v, want one GET", path, m)
		}
		if h := headOnly[path]; h["GET"] != 0 {
			t.Errorf("%s with attachment_text off: requests %v, want no GET", path, h)
		}
		if p := probesGet[path]; p.broken != "" {
			broken++
			if at.Audited || !strings.Contains(at.Cause, p.broken) {
				t.Errorf("%s broken (%s) but its reading is %+v", path, p.broken, at)
			}
		} else if at.Hash == "" && at.Bytes == 0 {
			t.Errorf("%s downloads but its reading has no bytes: %+v", path, at)
		}
	}
	if broken == 0 {
		t.Errorf("no broken attachment among %d read: the portal has some", len(texts))
	}
}

// TestAttachmentRereadConditionally: on an attachment's night its stored
// reading is revalidated with a conditional GET; a 304 keeps the reading
// and the probe, without downloading or extracting the document again.
func TestAttachmentRereadConditionally(t *testing.T) {
	sim, err := portalsim.New(portalsim.Options{Seed: 5, Units: 3, ChannelsMin: 6, ChannelsMax: 6, Items: 8, Letters: 4, Today: simToday})
	if err != nil {
		t.Fatal(err)
	}
	var conditional atomic.Int64
	h := sim.Handler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && r.Header.Get("If-None-Match") != "" && !strings.HasSuffix(r.URL.Path, ".html") {
			conditional.Add(1)
		}
		h.ServeHTTP(w, r)
	}))
	defer srv.Close()
	cfg := sim.Config(srv.URL)
	cfg.Site.Crawl.AttachmentText = true
	cfg.Site.Crawl.RevalidateDays = 1 // every URL is due every night
	st, err := store.Open(filepath.Join(t.TempDir(), "a.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	crawl := func() store.Run {
		c, err := New(cfg, st, Options{Now: func() time.Time { return simToday }})
		if err != nil {
			t.Fatal(err)
		}
		run, err := c.Run(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return run
	}
	first := crawl()
	before := attachmentReadings(t, st)
	read := 0
	for _, a := range before {
		if a.Audited {
			read++
			if a.ETag == "" && a.LastModified == "" {
				t.Errorf("%s read without its validators", a.URL)
			}
		}
	}
	if read == 0 || first.Figures["attachment_downloads"] == 0 {
		t.Fatalf("first crawl read %d attachments (figures %v)", read, first.Figures)
	}
	second := crawl()
	if n := second.Figures["attachment_downloads"]; n != 0 {
		t.Errorf("second crawl downloaded %d attachments, want none (all unchanged)", n)
	}
	if conditional.Load() < int64(read) {
		t.Errorf("%d conditional attachment GETs, want at least the %d read before", conditional.Load(), read)
	}
	after := attachmentReadings(t, st)
	for u, a := range before {
		b := after[u]
		if b.Audited != a.Audited || b.Hash != a.Hash || b.TextLen != a.TextLen || len(b.Personal) != len(a.Personal) {
			t.Errorf("%s: reading %+v became %+v", u, a, b)
		}
	}
}

// TestAttachmentTextSharedByContent: a file attached under several URLs
// is read once a run: every URL gets the same reading (format, length,
// personal data, cause), and the run counts the readings it shared. The
// portal is made to serve a file with personal data under a second URL
// too.
func TestAttachmentTextSharedByContent(t *testing.T) {
	sim, err := portalsim.New(portalsim.Options{Seed: 5, Units: 3, ChannelsMin: 6, ChannelsMax: 6, Items: 8, Letters: 4, Today: simToday})
	if err != nil {
		t.Fatal(err)
	}
	// crawl reads the portal into a new store, serving the body of
	// swap[uri] at uri (path and query), and returns the run and every
	// reading by uri.
	crawl := func(swap map[string]string) (store.Run, map[string]store.AttachmentText) {
		h := sim.Handler()
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if from, ok := swap[r.URL.RequestURI()]; ok {
				u, err := url.Parse(from)
				if err != nil {
					t.Error(err)
					return
				}
				r = r.Clone(r.Context())
				r.URL.Path, r.URL.RawQuery = u.Path, u.RawQuery
			}
			h.ServeHTTP(w, r)
		}))
		defer srv.Close()
		cfg := sim.Config(srv.URL)
		cfg.Site.Crawl.AttachmentText = true
		cfg.Site.Crawl.Parallelism = 1 // one reading at a time: each content is read once exactly
		st := openStore(t)
		c, err := New(cfg, st, Options{Now: func() time.Time { return simToday }})
		if err != nil {
			t.Fatal(err)
		}
		run, err := c.Run(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return run, attachmentReadings(t, st)
	}
	_, plain := crawl(nil)
	// A file with personal data, and another readable one of its format
	// to serve it in place of.
	var from, to string
	for p, a := range plain {
		if len(a.Personal) > 0 && (from == "" || p < from) {
			from = p
		}
	}
	for p, a := range plain {
		if from != "" && p != from && a.Audited && len(a.Personal) == 0 && a.Format == plain[from].Format && path.Ext(p) == path.Ext(from) && (to == "" || p < to) {
			to = p
		}
	}
	if from == "" || to == "" {
		t.Fatalf("no attachment with personal data (%q) and another of its format (%q) to share it", from, to)
	}
	run, texts := crawl(map[string]string{to: from})

	groups := map[string][]store.AttachmentText{}
	for _, a := range texts {
		if a.Hash != "" {
			groups[a.Hash+"/"+a.Format] = append(groups[a.Hash+"/"+a.Format], a)
		}
	}
	dup := 0
	for key, g := range groups {
		dup += len(g) - 1
		for _, a := range g[1:] {
			if a.Format != g[0].Format || a.TextLen != g[0].TextLen || a.Audited != g[0].Audited || a.Cause != g[0].Cause ||
				!reflect.DeepEqual(a.Personal, g[0].Personal) || !reflect.DeepEqual(a.PersonalCounts, g[0].PersonalCounts) {
				t.Errorf("content %s: %s read as %+v, %s as %+v", key, g[0].URL, g[0], a.URL, a)
			}
		}
	}
	if a, b := texts[from], texts[to]; a.Hash != b.Hash || len(b.Personal) == 0 || !reflect.DeepEqual(a.Personal, b.Personal) {
		t.Errorf("%s served the file of %s: read as %+v, want %+v", to, from, b, a)
	}
	// Each URL whose content was read before shares its reading; so does
	// a URL two articles attach, read again for the second.
	if n := run.Figures["attachment_texts_shared"]; n < dup || dup == 0 {
		t.Errorf("%d readings shared, want at least the %d URLs whose content was read before", n, dup)
	}
}

// attachmentReadings returns every attachment reading of st by the
// path and query of its URL.
func attachmentReadings(t *testing.T, st *store.Store) map[string]store.AttachmentText {
	t.Helper()
	contents, err := st.Contents()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]store.AttachmentText{}
	for _, c := range contents {
		for _, a := range c.Attachments {
			u, err := url.Parse(a.URL)
			if err != nil {
				t.Fatal(err)
			}
			out[u.RequestURI()] = a
		}
	}
	return out
}
