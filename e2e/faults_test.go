package e2e

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/govaudit/govaudit/config"
	"github.com/govaudit/govaudit/crawler"
	"github.com/govaudit/govaudit/portalsim"
	"github.com/govaudit/govaudit/store"
)

// sidParam finds a "sid" session parameter in a query (not the "classid"
// of a download URL: attachments are fetched in full for their text).
var sidParam = regexp.MustCompile(`(^|&)sid=`)

// Columns of the small portal (seed 5) the fault tests aim at.
const (
	gkPolicy  = "lzqrmzfbgs/政策文件" // gongkai, key, 14 items
	gkGBKNote = "lzqkjj/通知公告"     // gongkai in GBK (meta only), key
	hwDynamic = "lzqfgj/工作动态"     // hanweb, key
	hwNotice  = "lzqfgj/通知公告"     // hanweb, key
	trsPolicy = "lzqjtj/政策文件"     // trs, key
	trsNotice = "lzqjtj/通知公告"     // trs, key
	utf8Unit  = "lzqrmzfbgs"
	capPages  = 6 // testConfig's MaxListPages
)

// outcome is what a whole run left: the run, the source states, the
// requests the portal served.
type outcome struct {
	run  store.Run
	err  error
	srcs map[string]store.SourceState
	hits []hit
}

// TestFaultsNeverBecomeDeductions crawls the portal under each fault mode,
// runs the checks, and asserts the exact findings (the ground truth
// restricted to what was audited) and the recorded causes.
func TestFaultsNeverBecomeDeductions(t *testing.T) {
	tests := []struct {
		name   string
		faults portalsim.Faults
		tweak  func(*config.Crawl)
		// allAudited: every source must be audited and the findings equal
		// the whole truth.
		allAudited bool
		assert     func(t *testing.T, e *env, o outcome)
	}{
		{name: "healthy", allAudited: true},
		{name: "site down all night", faults: portalsim.Faults{Down: true}, assert: assertSiteDown("HTTP 503")},
		{name: "WAF challenge on every page", faults: portalsim.Faults{ChallengeAll: true}, assert: func(t *testing.T, e *env, o outcome) {
			assertSiteDown("被站点防火墙拦截 (HTTP 412)")(t, e, o)
			for _, s := range o.srcs {
				if s.ErrKind != "blocked" {
					t.Errorf("%s: kind %q, want blocked", s.Key, s.ErrKind)
				}
			}
		}},
		{name: "flapping", faults: portalsim.Faults{FlapUp: 9, FlapDown: 1}, tweak: func(c *config.Crawl) { c.Retries = 4 },
			assert: func(t *testing.T, e *env, o outcome) {
				if o.run.Errors["site-down"] != 0 || o.err != nil {
					t.Errorf("a flapping site declared down: %v %q", o.err, o.run.Note)
				}
				if n := count(o.hits, func(h hit) bool { return h.status == 503 }); n < 10 {
					t.Errorf("only %d requests hit a down phase", n)
				}
				audited := 0
				for _, s := range o.srcs {
					if s.Audited {
						audited++
					}
				}
				if audited < len(o.srcs)*9/10 {
					t.Errorf("%d of %d sources audited: retries should ride out short down phases", audited, len(o.srcs))
				}
			}},
		{name: "outage midway", faults: portalsim.Faults{FlapUp: 20, FlapDown: 1 << 30}, assert: func(t *testing.T, e *env, o outcome) {
			if o.run.Errors["site-down"] != 1 || !strings.Contains(o.run.Note, "站点在抓取中途无法访问：HTTP 503") {
				t.Errorf("run errors %v note %q", o.run.Errors, o.run.Note)
			}
			// The crawl stops asking once the site is declared down.
			if n := len(o.hits); n > 20+3*80 {
				t.Errorf("%d requests: the crawl kept hammering a site that is down", n)
			}
			down := 0
			for _, s := range o.srcs {
				if !s.Audited {
					down++
					if !strings.Contains(s.Cause, "HTTP 503") {
						t.Errorf("%s not audited for %q", s.Key, s.Cause)
					}
				}
			}
			if down == 0 || o.run.Figures["audited"] != len(o.srcs)-down {
				t.Errorf("%d sources not audited, figures %v", down, o.run.Figures)
			}
		}},
		{name: "very slow pages", faults: portalsim.Faults{SlowEvery: 13, SlowDelay: 3 * time.Second},
			tweak: func(c *config.Crawl) { c.Timeout = 250 * time.Millisecond; c.Retries = 1 },
			assert: func(t *testing.T, e *env, o outcome) {
				if o.run.Errors["timeout"] == 0 {
					t.Errorf("errors %v: no timeout recorded", o.run.Errors)
				}
				failed := 0
				for _, it := range e.items() {
					if it.FetchErr != "" {
						failed++
						if it.FetchErr != "超时（共尝试 2 次）" {
							t.Errorf("item %s: cause %q", it.URL, it.FetchErr)
						}
					}
				}
				if failed == 0 {
					t.Error("no article timed out: the fault did not hit")
				}
				for _, s := range o.srcs {
					if !s.Audited && s.ErrKind != "timeout" {
						t.Errorf("%s not audited for %s: %s", s.Key, s.ErrKind, s.Cause)
					}
				}
			}},
		{name: "malformed HTML", faults: portalsim.Faults{MalformedEvery: 2}, allAudited: true, assert: assertTitles},
		{name: "huge page", faults: portalsim.Faults{HugeColumns: []string{gkPolicy, hwDynamic}}, assert: func(t *testing.T, e *env, o outcome) {
			for _, id := range []string{gkPolicy, hwDynamic} {
				s := o.srcs["column:"+id]
				if s.Audited || s.ErrKind != "too-large" || s.Cause != "页面超过大小上限 1 MiB" || s.Items != 0 {
					t.Errorf("%s: %+v", id, s)
				}
			}
			if o.run.Errors["too-large"] != 2 {
				t.Errorf("errors %v", o.run.Errors)
			}
			assertOthersAudited(t, o, gkPolicy, hwDynamic)
			if o.run.Bytes > 20<<20 {
				t.Errorf("read %d bytes: the cap did not stop the 50 MiB pages", o.run.Bytes)
			}
		}},
		{name: "redirect loops", faults: portalsim.Faults{RedirectLoopColumns: []string{trsPolicy}, RedirectLoopEvery: 11}, assert: func(t *testing.T, e *env, o outcome) {
			s := o.srcs["column:"+trsPolicy]
			// (A loaded machine may time a chain out first and retry it.)
			if s.Audited || s.ErrKind != "redirect-loop" || !strings.HasPrefix(s.Cause, "重定向循环") {
				t.Errorf("%s: %+v", trsPolicy, s)
			}
			loops := 0
			for _, it := range e.items() {
				if strings.HasPrefix(it.FetchErr, "重定向循环") {
					loops++
				}
			}
			if loops == 0 || o.run.Errors["redirect-loop"] != loops+1 {
				t.Errorf("%d articles in a loop, errors %v", loops, o.run.Errors)
			}
			assertOthersAudited(t, o, trsPolicy)
		}},
		{name: "endless pager", faults: portalsim.Faults{EndlessColumns: []string{gkPolicy, trsNotice, hwDynamic}}, assert: func(t *testing.T, e *env, o outcome) {
			tr := e.sim.Truth(e.p.srv.URL)
			for _, id := range []string{gkPolicy, trsNotice} {
				s := o.srcs["column:"+id]
				want := columnOf(t, tr, func(c portalsim.TruthColumn) bool { return c.ID == id }).Items
				if !s.Audited || !s.Truncated || s.ListPages != capPages || s.Items != want || s.Cause != "已达列表页数上限 6，后续页面未抓取" {
					t.Errorf("%s: %+v (items want %d)", id, s, want)
				}
			}
			// Hanweb's proxy repeats its records past the end: a batch with
			// nothing new ends the list, which is then complete.
			s := o.srcs["column:"+hwDynamic]
			want := columnOf(t, tr, func(c portalsim.TruthColumn) bool { return c.ID == hwDynamic }).Items
			if !s.Audited || s.Truncated || s.Items != want {
				t.Errorf("%s: %+v (items want %d)", hwDynamic, s, want)
			}
			if o.run.Errors["page-cap"] != 2 {
				t.Errorf("errors %v", o.run.Errors)
			}
			assertOthersAudited(t, o)
		}},
		{name: "session ids and tracking parameters", faults: portalsim.Faults{SessionIDs: true}, allAudited: true, assert: func(t *testing.T, e *env, o outcome) {
			assertTitles(t, e, o)
			tr := e.sim.Truth(e.p.srv.URL)
			items := e.items()
			if len(items) != len(tr.Items) {
				t.Errorf("%d items stored, truth %d: a page stored under several URLs", len(items), len(tr.Items))
			}
			for u := range items {
				if strings.ContainsAny(u, ";#") || strings.Contains(u, "sid=") || strings.Contains(u, "utm_") {
					t.Errorf("item stored under a session URL: %s", u)
				}
			}
			// Every article page was fetched once, under its canonical URL.
			isItem := map[string]bool{}
			for _, it := range tr.Items {
				isItem[strings.TrimPrefix(it.URL, e.p.srv.URL)] = true
			}
			articles := map[string]int{}
			for _, h := range o.hits {
				if h.method != "GET" {
					continue
				}
				if strings.Contains(h.path, ";") || sidParam.MatchString(h.query) || strings.Contains(h.query, "utm_") {
					t.Errorf("fetched under a session URL: %s?%s", h.path, h.query)
				}
				if isItem[h.path] {
					articles[h.path]++
				}
			}
			for p, n := range articles {
				if n != 1 {
					t.Errorf("article %s fetched %d times", p, n)
				}
			}
			if len(articles) != len(tr.Items) {
				t.Errorf("%d article pages fetched, %d items", len(articles), len(tr.Items))
			}
		}},
		{name: "non-HTML answers", faults: portalsim.Faults{NonHTMLColumns: []string{gkGBKNote, hwNotice}, NonHTMLEvery: 9}, assert: func(t *testing.T, e *env, o outcome) {
			for id, ct := range map[string]string{gkGBKNote: "application/json;charset=UTF-8", hwNotice: "image/png"} {
				s := o.srcs["column:"+id]
				if s.Audited || s.ErrKind != "not-html" || s.Cause != "返回的不是网页（"+ct+"）" {
					t.Errorf("%s: %+v", id, s)
				}
			}
			n := 0
			for _, it := range e.items() {
				if strings.HasPrefix(it.FetchErr, "返回的不是网页") {
					n++
				}
			}
			if n == 0 || o.run.Errors["not-html"] != n+2 {
				t.Errorf("%d articles not HTML, errors %v", n, o.run.Errors)
			}
			assertOthersAudited(t, o, gkGBKNote, hwNotice)
		}},
		{name: "wrong charsets", faults: portalsim.Faults{WrongCharsetUnits: []string{utf8Unit}, WrongCharsetEvery: 3}, allAudited: true, assert: assertTitles},
		{name: "resets and cut bodies", faults: portalsim.Faults{ResetEvery: 17, TruncateEvery: 19}, assert: func(t *testing.T, e *env, o outcome) {
			if o.run.Errors["reset"]+o.run.Errors["truncated"] == 0 {
				t.Errorf("errors %v", o.run.Errors)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, tt.faults)
			if tt.tweak != nil {
				tt.tweak(&e.cfg.Site.Crawl)
			}
			run, err := e.crawl(context.Background(), crawler.Options{})
			o := outcome{run: run, err: err, srcs: e.sources(), hits: e.p.log()}
			t.Logf("run: status %s requests %d items %d errors %v note %q", run.Status, run.Requests, run.Items, run.Errors, run.Note)
			if len(o.srcs) != len(e.cfg.Columns)+len(e.cfg.Mailboxes) {
				t.Errorf("%d source states, want one per column and mailbox (%d)", len(o.srcs), len(e.cfg.Columns)+len(e.cfg.Mailboxes))
			}
			if tt.allAudited {
				if err != nil {
					t.Fatalf("crawl: %v", err)
				}
				assertOthersAudited(t, o)
			}
			e.check()
			truth := e.sim.Truth(e.p.srv.URL)
			want := e.expected(truth)
			if tt.allAudited && len(want) != len(truth.Violations) {
				t.Errorf("only %d of %d violations auditable", len(want), len(truth.Violations))
			}
			e.assertFindings(want)
			if tt.assert != nil {
				tt.assert(t, e, o)
			}
		})
	}
}

// assertSiteDown checks a crawl of a site that never answered: the run
// failed with one availability record, every source is not audited with
// the outage's cause, no item was stored, and the crawl gave up early.
func assertSiteDown(cause string) func(t *testing.T, e *env, o outcome) {
	return func(t *testing.T, e *env, o outcome) {
		t.Helper()
		if o.err == nil || o.run.Status != "failed" || o.run.Errors["site-down"] != 1 ||
			!strings.HasPrefix(o.run.Note, "站点无法访问："+cause) {
			t.Errorf("run: %v, status %s, errors %v, note %q", o.err, o.run.Status, o.run.Errors, o.run.Note)
		}
		for _, s := range o.srcs {
			if s.Audited || !strings.Contains(s.Cause, cause) {
				t.Errorf("%s: audited %v, cause %q", s.Key, s.Audited, s.Cause)
			}
		}
		if n := len(e.items()) + len(e.letters()); n != 0 {
			t.Errorf("%d items and letters stored from a site that is down", n)
		}
		if len(e.drafts()) != 0 {
			t.Errorf("%d findings from a site that is down", len(e.drafts()))
		}
		// robots.txt, the home page and about the first wave of list
		// pages, each with its retries; not every source three times.
		if n, most := len(o.hits), 3*(2+8+4); n > most {
			t.Errorf("%d requests to a site that is down, want at most %d", n, most)
		}
	}
}

// assertOthersAudited checks that every source but those named was audited.
func assertOthersAudited(t *testing.T, o outcome, except ...string) {
	t.Helper()
	skip := map[string]bool{}
	for _, id := range except {
		skip["column:"+id] = true
	}
	for _, s := range o.srcs {
		if !skip[s.Key] && !s.Audited {
			t.Errorf("%s not audited: %s %s", s.Key, s.ErrKind, s.Cause)
		}
	}
}

// assertTitles checks the stored titles and dates against the truth (a
// page decoded in the wrong charset or parsed wrong would not match).
func assertTitles(t *testing.T, e *env, o outcome) {
	t.Helper()
	items := e.items()
	for _, ti := range e.sim.Truth(e.p.srv.URL).Items {
		it, ok := items[ti.URL]
		if !ok || it.FetchErr != "" || it.Title != ti.Title || it.Published != ti.Published || it.Written != ti.Written {
			t.Errorf("item %s: %q %q %q %q, truth %q %q %q", ti.URL, it.FetchErr, it.Title, it.Published, it.Written, ti.Title, ti.Published, ti.Written)
		}
	}
}

func count(hits []hit, pred func(hit) bool) int {
	n := 0
	for _, h := range hits {
		if pred(h) {
			n++
		}
	}
	return n
}
