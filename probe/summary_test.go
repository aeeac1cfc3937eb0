package probe

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/govaudit/govaudit/store"
)

// weekEnd is the end of the simulated week: Saturday 2026-11-28 00:00 CST,
// so the week is Saturday 21 to Friday 27 November.
var weekEnd = time.Date(2026, 11, 28, 0, 0, 0, 0, cst)

// simulateWeek probes a real HTTP server every interval for the week
// before weekEnd. The server fails every failEvery-th visit (alternately
// with a 503 and with a body that arrives too late); its home page shows
// newest as its latest item.
func simulateWeek(t *testing.T, interval time.Duration, failEvery int, newest string) []store.Probe {
	t.Helper()
	var n atomic.Int64
	var expire atomic.Pointer[visitCtx]
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := n.Add(1)
		if failEvery > 0 && i%int64(failEvery) == 0 {
			if (i/int64(failEvery))%2 == 0 {
				http.Error(w, "busy", http.StatusServiceUnavailable)
				return
			}
			w.Write([]byte("<html>"))
			w.(http.Flusher).Flush()
			// The rest of the body never comes: the visit's deadline
			// passes now, whatever the machine's load.
			expire.Load().expire()
			<-r.Context().Done()
			return
		}
		w.Write([]byte(`<ul class="news"><li><a href="/x">要闻</a><span>` + newest + `</span></li><li>2026-01-05</li></ul>`))
	}))
	t.Cleanup(srv.Close)
	clock := weekEnd.Add(-Week)
	// A generous timeout: a healthy visit on a busy machine must not
	// fail; the slow answers end their visit by its deadline (visitCtx).
	p := &Prober{Timeout: time.Minute, Now: func() time.Time { return clock }}
	var ps []store.Probe
	for ; clock.Before(weekEnd); clock = clock.Add(interval) {
		ctx := newVisitCtx()
		expire.Store(ctx)
		ps = append(ps, p.Probe(ctx, Target{Name: HomeTarget, URL: srv.URL + "/"}))
	}
	return ps
}

// visitCtx is a context whose deadline passes when the test says so, not
// after a time: a too-late answer without a race against the clock.
type visitCtx struct {
	context.Context
	once sync.Once
	done chan struct{}
}

func newVisitCtx() *visitCtx {
	return &visitCtx{Context: context.Background(), done: make(chan struct{})}
}

func (c *visitCtx) expire()                     { c.once.Do(func() { close(c.done) }) }
func (c *visitCtx) Done() <-chan struct{}       { return c.done }
func (c *visitCtx) Deadline() (time.Time, bool) { return time.Time{}, false }
func (c *visitCtx) Err() error {
	select {
	case <-c.done:
		return context.DeadlineExceeded
	default:
		return nil
	}
}

func TestSummarizeSimulatedWeek(t *testing.T) {
	tests := []struct {
		name       string
		interval   time.Duration
		failEvery  int
		newest     string
		visits     int
		failures   int
		sufficient bool
		status     string
		days       int
		freshness  string
	}{
		{"healthy", 30 * time.Minute, 0, "2026-11-26", 336, 0, true, StatusOK, 1, StatusOK},
		{"1.8 % ok", 30 * time.Minute, 50, "2026-11-20", 336, 6, true, StatusOK, 7, StatusOK},
		{"3.3 % warns", 30 * time.Minute, 30, "2026-11-17", 336, 11, true, StatusWarn, 10, StatusWarn},
		{"5.4 % fails", 30 * time.Minute, 18, "2026-11-13", 336, 18, true, StatusFail, 14, StatusFail},
		{"too few visits only warn", 2 * time.Hour, 10, "2026-11-26", 84, 8, false, StatusWarn, 1, StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps := simulateWeek(t, tt.interval, tt.failEvery, tt.newest)
			sums := Summarize(ps, weekEnd)
			if len(sums) != 1 {
				t.Fatalf("Summarize = %d summaries, want 1", len(sums))
			}
			s := sums[0]
			if s.Visits != tt.visits || s.Failures != tt.failures || s.Sufficient != tt.sufficient || s.Status != tt.status {
				t.Errorf("visits %d failures %d (%.2f%%) sufficient %v status %s; want %d %d %v %s",
					s.Visits, s.Failures, 100*s.Ratio, s.Sufficient, s.Status, tt.visits, tt.failures, tt.sufficient, tt.status)
			}
			if s.Newest != tt.newest || s.DaysSinceUpdate != tt.days || s.Freshness != tt.freshness {
				t.Errorf("newest %s, %d days, %s; want %s, %d, %s", s.Newest, s.DaysSinceUpdate, s.Freshness, tt.newest, tt.days, tt.freshness)
			}
			for i, n := range s.PerDay {
				if want := int(24 * time.Hour / tt.interval); n != want {
					t.Errorf("day %d: %d visits, want %d", i, n, want)
				}
			}
			if tt.failures > 0 && !strings.Contains(s.LastError, "HTTP 503") && !strings.Contains(s.LastError, "timeout") {
				t.Errorf("LastError = %q", s.LastError)
			}
		})
	}
}

func TestSummarizeWindowAndTargets(t *testing.T) {
	at := func(d time.Duration) time.Time { return weekEnd.Add(-d) }
	ps := []store.Probe{
		{At: at(Week + time.Second), Target: HomeTarget, OK: false},        // before the week
		{At: weekEnd, Target: HomeTarget, OK: false},                       // after it
		{At: at(Week), Target: HomeTarget, OK: true, Newest: "2026-11-01"}, // first instant: in
		{At: at(time.Hour), Target: HomeTarget, OK: true, Newest: ""},      // a page without dates later on
		{At: at(2 * time.Hour), Target: "zz", OK: false, Err: "HTTP 500", URL: "u1"},
		{At: at(time.Hour), Target: "zz", OK: true, LatencyMS: 300, URL: "u2"},
		{At: at(3 * time.Hour), Target: "aa", OK: true, LatencyMS: 100},
	}
	sums := Summarize(ps, weekEnd)
	if len(sums) != 3 || sums[0].Target != HomeTarget || sums[1].Target != "aa" || sums[2].Target != "zz" {
		t.Fatalf("targets = %+v, want home, aa, zz", sums)
	}
	home := sums[0]
	if home.Visits != 2 || home.Failures != 0 || home.PerDay[0] != 1 || home.PerDay[6] != 1 {
		t.Errorf("home = %+v, want 2 visits on days 0 and 6", home)
	}
	if home.Newest != "2026-11-01" || home.DaysSinceUpdate != 26 || home.Freshness != StatusFail {
		t.Errorf("home freshness = %s %d %s", home.Newest, home.DaysSinceUpdate, home.Freshness)
	}
	zz := sums[2]
	if zz.Visits != 2 || zz.Failures != 1 || zz.Ratio != 0.5 || zz.Status != StatusWarn || zz.AvgMS != 300 || zz.URL != "u2" || zz.LastError != "HTTP 500" {
		t.Errorf("zz = %+v", zz)
	}
	if zz.Freshness != "" {
		t.Errorf("freshness of a catalog = %q, want none", zz.Freshness)
	}

	// A home page that never answered cannot be judged for freshness; one
	// that answered without any date fails.
	sums = Summarize([]store.Probe{{At: at(time.Hour), Target: HomeTarget, OK: false}}, weekEnd)
	if sums[0].Freshness != StatusNone || sums[0].Status != StatusWarn {
		t.Errorf("home never answering: %+v", sums[0])
	}
	sums = Summarize([]store.Probe{{At: at(time.Hour), Target: HomeTarget, OK: true}}, weekEnd)
	if sums[0].Freshness != StatusFail || !strings.Contains(sums[0].Note(), "视为未更新") {
		t.Errorf("home without dates: %+v %s", sums[0], sums[0].Note())
	}
	if Summarize(nil, weekEnd) == nil {
		t.Error("Summarize(nil) = nil, want an empty list")
	}
}

func TestNote(t *testing.T) {
	s := Summary{Target: HomeTarget, Visits: 336, Failures: 18, Ratio: 18.0 / 336, Sufficient: true, Status: StatusFail,
		Newest: "2026-11-20", DaysSinceUpdate: 7, Freshness: StatusOK}
	want := "首页 一周访问 336 次，失败 18 次（5.4%），不合格；首页最新信息 2026-11-20，已 7 天未更新，正常"
	if got := s.Note(); got != want {
		t.Errorf("Note =\n%s\nwant\n%s", got, want)
	}
	s = Summary{Target: "lzqfgj", Visits: 84, Failures: 8, Ratio: 8.0 / 84, Status: StatusWarn}
	if got := s.Note(); !strings.Contains(got, "样本不足") || !strings.HasPrefix(got, "lzqfgj") {
		t.Errorf("Note = %s", got)
	}
}

func TestNoteAs(t *testing.T) {
	s := Summary{Target: "lzqfgj", Visits: 336, Failures: 12, Ratio: 12.0 / 336, Sufficient: true, Status: StatusWarn}
	want := "区发改局目录页 一周访问 336 次，失败 12 次（3.6%），预警"
	if got := s.NoteAs("区发改局目录页"); got != want {
		t.Errorf("NoteAs =\n%s\nwant\n%s", got, want)
	}
	for status, word := range map[string]string{StatusOK: "正常", StatusWarn: "预警", StatusFail: "不合格", StatusNone: "无数据", "odd": "odd"} {
		if got := StatusWord(status); got != word {
			t.Errorf("StatusWord(%s) = %s, want %s", status, got, word)
		}
	}
}
