package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/govaudit/govaudit/crawler"
	"github.com/govaudit/govaudit/portalsim"
	"github.com/govaudit/govaudit/store"
)

// TestSiteDownKeepsFindings: a healthy night, then a night with the site
// down. The second night records one availability record and changes no
// finding: nothing new, nothing resolved.
func TestSiteDownKeepsFindings(t *testing.T) {
	e := newEnv(t, portalsim.Faults{})
	if _, err := e.crawl(context.Background(), crawler.Options{}); err != nil {
		t.Fatal(err)
	}
	e.check()
	before := e.findings()
	if len(before) == 0 {
		t.Fatal("no finding after a healthy night")
	}
	e.p.set(newSim(t, options(today, portalsim.Faults{Down: true})).Handler())
	e.day = today.AddDate(0, 0, 1)
	run, err := e.crawl(context.Background(), crawler.Options{})
	if err == nil || run.Status != "failed" || run.Errors["site-down"] != 1 || !strings.HasPrefix(run.Note, "站点无法访问：HTTP 503") {
		t.Errorf("down night: %v, %s %v %q", err, run.Status, run.Errors, run.Note)
	}
	rep := e.check()
	if rep.Sync.New != 0 || rep.Sync.Resolved != 0 {
		t.Errorf("down night changed findings: %+v", rep.Sync)
	}
	after := e.findings()
	for k, f := range before {
		if g, ok := after[k]; !ok || g.Status != f.Status {
			t.Errorf("finding %s: %s before, %s after the down night", k, f.Status, g.Status)
		}
	}
	if len(after) != len(before) {
		t.Errorf("%d findings before, %d after", len(before), len(after))
	}
	// One availability record: one crawl run says the site was down.
	runs, err := e.st.Runs("crawl", 0)
	if err != nil {
		t.Fatal(err)
	}
	down := 0
	for _, r := range runs {
		if r.Errors["site-down"] > 0 {
			down++
		}
	}
	if down != 1 || len(runs) != 2 {
		t.Errorf("%d crawl runs, %d with the site down", len(runs), down)
	}
}

// countingHandler counts the crawler's "source crawled" log lines and
// cancels the crawl after the k-th.
type countingHandler struct {
	mu     sync.Mutex
	n, k   int
	cancel context.CancelFunc
}

func (h *countingHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *countingHandler) Handle(_ context.Context, r slog.Record) error {
	if r.Message == "source crawled" || r.Message == "source not audited" {
		h.mu.Lock()
		h.n++
		if h.n == h.k {
			h.cancel()
		}
		h.mu.Unlock()
	}
	return nil
}
func (h *countingHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *countingHandler) WithGroup(string) slog.Handler      { return h }

// TestResumeInterruptedCrawl cancels a crawl after some sources are done
// (SIGTERM), crawls again, and checks that the second run fetched only
// the remaining sources' list pages and that the store ends as a clean
// crawl leaves it.
func TestResumeInterruptedCrawl(t *testing.T) {
	for _, crash := range []bool{false, true} {
		name := "signal"
		if crash {
			name = "crash without resume data"
		}
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, portalsim.Faults{})
			e.cfg.Site.Crawl.Parallelism = 2
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			h := &countingHandler{k: 7, cancel: cancel}
			first, err := e.crawl(ctx, crawler.Options{Log: slog.New(h)})
			if err == nil || first.Status != "interrupted" {
				t.Fatalf("first run: %v, status %s", err, first.Status)
			}
			var rs crawler.ResumeState
			if err := json.Unmarshal(first.Resume, &rs); err != nil {
				t.Fatal(err)
			}
			total := len(e.cfg.Columns) + len(e.cfg.Mailboxes)
			if len(rs.Done) < h.k || len(rs.Done) >= total {
				t.Fatalf("resume data lists %d of %d sources done", len(rs.Done), total)
			}
			if crash {
				// A process killed by -9 leaves no resume data: the done
				// sources are those whose state the run wrote.
				first.Resume = nil
				if err := e.st.SaveRun(first); err != nil {
					t.Fatal(err)
				}
			}
			done := map[string]bool{}
			for _, k := range rs.Done {
				done[k] = true
			}
			e.p.log()

			second, err := e.crawl(context.Background(), crawler.Options{})
			if err != nil {
				t.Fatalf("second run: %v", err)
			}
			if second.Note != "续跑 run 1" || second.Figures["resumed"] != len(done) {
				t.Errorf("second run: note %q, figures %v", second.Note, second.Figures)
			}
			// The list pages fetched: exactly those of the sources not done.
			firstPage := map[string]string{}
			for _, c := range e.cfg.Columns {
				firstPage[strings.TrimPrefix(c.URL, e.p.srv.URL)] = "column:" + c.ID
			}
			for _, m := range e.cfg.Mailboxes {
				firstPage[strings.TrimPrefix(m.URL, e.p.srv.URL)] = "mailbox:" + m.ID
			}
			fetched := map[string]bool{}
			for _, h := range e.p.log() {
				if k, ok := firstPage[h.path]; ok && h.method == "GET" {
					if fetched[k] {
						t.Errorf("list page of %s fetched twice", k)
					}
					fetched[k] = true
				}
			}
			for _, k := range firstPage {
				if done[k] == fetched[k] {
					t.Errorf("source %s: done before %v, fetched again %v", k, done[k], fetched[k])
				}
			}

			// The store equals a clean crawl's.
			clean := newEnv(t, portalsim.Faults{})
			clean.cfg = testConfig(clean.sim, e.p.srv.URL)
			clean.p = e.p
			if _, err := clean.crawl(context.Background(), crawler.Options{}); err != nil {
				t.Fatal(err)
			}
			compareStores(t, e, clean)
			e.check()
			clean.check()
			e.assertFindings(all(e.sim.Truth(e.p.srv.URL)))

			// The next night starts afresh.
			third, err := e.crawl(context.Background(), crawler.Options{})
			if err != nil || third.Note != "" || third.Figures["resumed"] != 0 || third.Figures["sources"] != total {
				t.Errorf("third run: %v, note %q, figures %v", err, third.Note, third.Figures)
			}
		})
	}
}

// compareStores compares items, letters and source states, leaving out
// what names the run or the time.
func compareStores(t *testing.T, a, b *env) {
	t.Helper()
	norm := func(it store.Item) string {
		it.RunID, it.FetchedAt, it.FirstSeen = 0, time.Time{}, time.Time{}
		j, _ := json.Marshal(it)
		return string(j)
	}
	ai, bi := a.items(), b.items()
	if len(ai) != len(bi) {
		t.Errorf("%d items, clean crawl %d", len(ai), len(bi))
	}
	for u, it := range bi {
		if norm(ai[u]) != norm(it) {
			t.Errorf("item %s differs:\n%s\nclean:\n%s", u, norm(ai[u]), norm(it))
		}
	}
	al, bl := a.letters(), b.letters()
	if len(al) != len(bl) {
		t.Errorf("%d letters, clean crawl %d", len(al), len(bl))
	}
	for u, l := range bl {
		x := al[u]
		x.RunID, x.FetchedAt, l.RunID, l.FetchedAt = 0, time.Time{}, 0, time.Time{}
		if x != l {
			t.Errorf("letter %s differs: %+v, clean %+v", u, x, l)
		}
	}
	as, bs := a.sources(), b.sources()
	if len(as) != len(bs) {
		t.Errorf("%d sources, clean crawl %d", len(as), len(bs))
	}
	for k, s := range bs {
		x := as[k]
		x.RunID, x.CrawledAt, s.RunID, s.CrawledAt = 0, time.Time{}, 0, time.Time{}
		if x != s {
			t.Errorf("source %s differs: %+v, clean %+v", k, x, s)
		}
	}
}

// TestVanishedItemsResolve: the portal's "today" moves on and every item
// it listed is replaced; then one item is taken off its list. Only what
// the latest crawl of a column listed is judged, so the findings of
// vanished items resolve and the drafts equal the truth of the day.
func TestVanishedItemsResolve(t *testing.T) {
	day1 := today.AddDate(0, -1, -12) // 2026-10-15
	sim1 := newSim(t, options(day1, portalsim.Faults{}))
	e := newEnv(t, portalsim.Faults{})
	e.p.set(sim1.Handler())
	e.sim, e.day, e.cfg = sim1, day1, testConfig(sim1, e.p.srv.URL)
	if _, err := e.crawl(context.Background(), crawler.Options{}); err != nil {
		t.Fatal(err)
	}
	e.check()
	truth1 := all(sim1.Truth(e.p.srv.URL))
	e.assertFindings(truth1)

	// A month later: the portal lists other items.
	sim2 := newSim(t, options(today, portalsim.Faults{}))
	e.p.set(sim2.Handler())
	e.sim, e.day, e.cfg = sim2, today, testConfig(sim2, e.p.srv.URL)
	if _, err := e.crawl(context.Background(), crawler.Options{}); err != nil {
		t.Fatal(err)
	}
	rep := e.check()
	truth2 := all(sim2.Truth(e.p.srv.URL))
	e.assertFindings(truth2)
	fs := e.findings()
	gone := 0
	for k := range truth1 {
		if _, still := truth2[k]; still {
			continue
		}
		gone++
		if f := fs[k]; f.Status != store.StatusResolved {
			t.Errorf("finding %s of a vanished item: %s, want resolved", k, f.Status)
		}
	}
	if gone == 0 || rep.Sync.Resolved != gone {
		t.Errorf("%d findings gone from the truth, %d resolved", gone, rep.Sync.Resolved)
	}

	// One item withdrawn from its list (its page still answers): its
	// finding resolves, nothing else changes.
	var x portalsim.Violation
	for _, v := range sim2.Truth(e.p.srv.URL).Violations {
		if v.Check == "timeliness" && strings.Contains(v.URL, "/gongkai/site_lzqrmzfbgs/doc_") {
			x = v
			break
		}
	}
	if x.URL == "" {
		t.Fatal("no timeliness violation in the UTF-8 gongkai unit")
	}
	hexID := x.URL[strings.LastIndex(x.URL, "doc_")+4 : len(x.URL)-len(".html")]
	e.p.set(withdraw(sim2.Handler(), hexID))
	e.day = today // the same day: nothing else moves
	if _, err := e.crawl(context.Background(), crawler.Options{}); err != nil {
		t.Fatal(err)
	}
	rep = e.check()
	want := map[string]struct{}{}
	for k, v := range truth2 {
		if v.URL == x.URL && v.Check != "key-column-empty" && v.Check != "periodic-gap" {
			continue // the item's own findings
		}
		want[k] = struct{}{}
	}
	if f := e.findings()[key(x.Check, x.Subject)]; f.Status != store.StatusResolved {
		t.Errorf("finding of the withdrawn item: %s, want resolved", f.Status)
	}
	got := e.drafts()
	if len(got) != len(want) || rep.Sync.New != 0 {
		t.Errorf("%d drafts, want %d; sync %+v", len(got), len(want), rep.Sync)
	}
	for k := range want {
		if _, ok := got[k]; !ok {
			t.Errorf("finding %s lost when another item was withdrawn", k)
		}
	}
}

// withdraw serves h with one gongkai item's entry removed from its list,
// whatever element holds the entry (li, tr or div).
func withdraw(h http.Handler, hexID string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.Contains(r.URL.Path, "/channel_c_") {
			h.ServeHTTP(w, r)
			return
		}
		// The page is asked for in full: its validators are those of the
		// page before the withdrawal, which a conditional GET would match.
		r = r.Clone(r.Context())
		r.Header.Del("If-None-Match")
		r.Header.Del("If-Modified-Since")
		rec := &bufferWriter{header: http.Header{}}
		h.ServeHTTP(rec, r)
		for k, v := range rec.header {
			w.Header()[k] = v
		}
		body := removeEntry(rec.body, "doc_"+hexID+".html")
		w.Header().Del("Content-Length")
		if len(body) != len(rec.body) {
			// A changed page: the old validators no longer hold.
			w.Header().Del("ETag")
			w.Header().Del("Last-Modified")
		}
		w.WriteHeader(rec.status)
		w.Write(body)
	})
}

// removeEntry removes from a list page the innermost li, tr or div
// element around the first link to target.
func removeEntry(body []byte, target string) []byte {
	at := bytes.Index(body, []byte(target))
	if at < 0 {
		return body
	}
	start, tag := -1, ""
	for _, t := range []string{"li", "tr", "div"} {
		if i := bytes.LastIndex(body[:at], []byte("<"+t)); i > start {
			start, tag = i, t
		}
	}
	if start < 0 {
		return body
	}
	end := bytes.Index(body[at:], []byte("</"+tag+">"))
	if end < 0 {
		return body
	}
	end += at + len("</"+tag+">")
	out := append([]byte(nil), body[:start]...)
	return append(out, body[end:]...)
}

// bufferWriter captures an answer.
type bufferWriter struct {
	header http.Header
	status int
	body   []byte
}

func (b *bufferWriter) Header() http.Header { return b.header }
func (b *bufferWriter) WriteHeader(s int)   { b.status = s }
func (b *bufferWriter) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	b.body = append(b.body, p...)
	return len(p), nil
}
