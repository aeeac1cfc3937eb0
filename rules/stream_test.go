package rules

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/govaudit/govaudit/config"
	"github.com/govaudit/govaudit/store"
)

// genStore writes a synthetic district store through the real store API:
// units x 5 columns x perColumn items with everything the crawler fills
// (dates, 文号, attachments — some shared across columns, some broken or
// not probed —, links and their pages, snapshots, content records), a
// policy column's 解读 in another unit's interpretation column, a partial
// and a suspect column, a removed item, and letters. It returns the
// configuration and the store's path.
func genStore(tb testing.TB, dir string, units, perColumn int) (*config.Config, string) {
	tb.Helper()
	cfg := &config.Config{}
	kinds := []struct {
		name, kind, cadence string
		key                 bool
	}{
		{"政策文件", config.KindPolicy, "", true},
		{"政策解读", config.KindInterpretation, "", false},
		{"工作动态", config.KindDynamic, "", false},
		{"统计数据", config.KindStatistics, config.CadenceMonthly, false},
		{"年度报告", config.KindAnnualReport, "", false},
	}
	for u := 0; u < units; u++ {
		uid := fmt.Sprintf("u%02d", u)
		cfg.Units = append(cfg.Units, config.Unit{ID: uid, Name: "单位" + uid, District: u == 0})
		for _, k := range kinds {
			cfg.Columns = append(cfg.Columns, config.Column{ID: uid + "/" + k.name, Unit: uid, Name: k.name, Kind: k.kind,
				Cadence: k.cadence, Key: k.key, URL: "http://p/" + uid + "/" + k.kind + "/"})
		}
	}
	cfg.Mailboxes = []config.Mailbox{{ID: "mb", Name: "区长信箱", Unit: "u00", URL: "http://p/mail/"}}
	cfg.ApplyDefaults()

	path := filepath.Join(dir, "govaudit.db")
	st, err := store.Open(path, store.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	defer st.Close()
	crawled := time.Date(2026, 11, 26, 2, 0, 0, 0, time.UTC)
	start := time.Date(2024, 1, 3, 0, 0, 0, 0, time.UTC)
	for ci, col := range cfg.Columns {
		b := &store.Batch{Snapshots: map[string][]byte{}}
		var contents []store.Content
		listed := store.Listed{Key: "column:" + col.ID, RunID: 2, Entries: map[uint64]uint64{}}
		u := ci / len(kinds)
		for i := 0; i < perColumn; i++ {
			url := fmt.Sprintf("%s%05d.html", col.URL, i)
			pub := start.AddDate(0, 0, (i*1013+ci*7)%1060)
			it := store.Item{URL: url, Unit: col.Unit, Column: col.ID, ListDate: pub.Format(dateLayout),
				Published: pub.Format(dateLayout) + " 09:30", Written: pub.AddDate(0, 0, -(i % 40)).Format(dateLayout),
				FetchedAt: crawled, RunID: 2, Title: fmt.Sprintf("%s第%d号信息", col.Name, i)}
			body := fmt.Sprintf("<p>%s 正文第 %d 段。本文由%s发布。</p>", it.Title, i, col.Unit)
			switch col.Kind {
			case config.KindPolicy:
				it.Title = fmt.Sprintf("关于印发临淄区第%d项%s管理办法的通知", i, col.Unit)
				it.DocNo = fmt.Sprintf("临%s发〔2025〕%d号", col.Unit, i)
				if i%3 == 0 {
					it.Validity = "有效"
				}
				if u%2 == 0 && i%5 == 0 {
					body += "<p>本办法自发布之日起施行，有效期2年。</p>"
				}
				it.Attachments = []store.Attachment{{URL: fmt.Sprintf("http://p/files/%s-%d.pdf", col.Unit, i), Name: "附件", Checked: i%11 != 0, Status: 200}}
				if i%13 == 0 {
					it.Attachments[0].Status, it.Attachments[0].Broken = 404, "HTTP 404"
				}
				if i%7 == 0 { // shared with the dynamic column of the next unit
					it.Attachments = append(it.Attachments, store.Attachment{URL: fmt.Sprintf("http://p/shared/%d.pdf", i), Name: "共享", Checked: true, Status: 200 + 204*(u%2)})
				}
			case config.KindInterpretation:
				other := fmt.Sprintf("u%02d", (u+1)%units)
				it.Title = fmt.Sprintf("《临淄区第%d项%s管理办法》政策解读", i, other)
				pol := fmt.Sprintf("http://p/%s/policy/%05d.html", other, i)
				if i%2 == 0 {
					it.Links = []string{pol}
				}
				it.Published = pub.AddDate(0, 0, i%9).Format(dateLayout)
			case config.KindDynamic:
				if i%7 == 0 {
					it.Attachments = []store.Attachment{{URL: fmt.Sprintf("http://p/shared/%d.pdf", i), Name: "共享", Checked: true, Status: 404 - 204*(u%2), Broken: map[bool]string{true: "HTTP 404"}[u%2 == 0]}}
				}
				if i%17 == 0 {
					body += "<p>联系电话 13812345678，坐标 国务院办公厅 ，錯別字 截止目前。</p>"
				}
			case config.KindStatistics:
				m := pub.AddDate(0, -1, 0)
				it.Title = fmt.Sprintf("%d年%d月统计数据", m.Year(), int(m.Month()))
			case config.KindAnnualReport:
				it.Title = fmt.Sprintf("%d年政府信息公开工作年度报告", pub.Year()-1)
			}
			if i%19 == 0 {
				it.FetchErr, it.Published = "HTTP 503", ""
			}
			link := fmt.Sprintf("http://p/link/%d.html", i%50)
			it.Links = append(it.Links, link)
			page := fmt.Sprintf("<html><body><div class=nav><a href=\"/\">首页</a></div><div id=zoom>%s<a href=\"%s\">相关</a></div></body></html>", body, link)
			it.SnapshotHash = store.SnapshotHash([]byte(page))
			b.Snapshots[it.SnapshotHash] = []byte(page)
			b.Items = append(b.Items, it)
			listed.Entries[store.ListedKey(url)] = 1
			c := store.Content{URL: url, PageHash: it.SnapshotHash, CheckedAt: crawled, RunID: 2}
			if i%23 == 0 {
				c.Links = []store.ContentLink{{URL: "http://1.2.3.4/x", Text: "外链"}, {URL: "http://spam.example/", Hidden: "display:none"}}
			}
			if i%29 == 0 {
				c.Personal = []store.PersonalMatch{{Kind: "mobile", Masked: "138****5678", Hash: "h", Where: "第 1 行"}}
				c.PersonalCounts = map[string]int{"mobile": 1}
			}
			if i%31 != 0 {
				contents = append(contents, c)
			}
		}
		// The last item of the dynamic columns was taken off the portal.
		if col.Kind == config.KindDynamic && perColumn > 1 {
			delete(listed.Entries, store.ListedKey(b.Items[len(b.Items)-1].URL))
		}
		s := store.SourceState{Key: "column:" + col.ID, Kind: store.SourceColumn, ID: col.ID, Unit: col.Unit, URL: col.URL,
			Audited: true, ListPages: 1 + perColumn/20, Items: len(listed.Entries), RunID: 2, CrawledAt: crawled}
		switch ci {
		case 2:
			s.Partial, s.Cause = true, "第 2 页 HTTP 503"
		case 3:
			s.Suspect = "疑似异常（上次 40 条，本次 3 条）"
		case 7:
			s.Audited, s.Cause = false, "HTTP 503"
		}
		b.Sources = []store.SourceState{s}
		b.Listed = []store.Listed{listed}
		b.Pages = []store.Page{{URL: col.URL, Status: 200, FetchedAt: crawled, Hash: "list"}}
		if ci == 0 {
			for l := 0; l < 50; l++ {
				st := 200
				if l%9 == 0 {
					st = 404
				}
				b.Pages = append(b.Pages, store.Page{URL: fmt.Sprintf("http://p/link/%d.html", l), Status: st, FetchedAt: crawled})
			}
		}
		if err := st.Write(b); err != nil {
			tb.Fatal(err)
		}
		if err := st.PutContents(contents); err != nil {
			tb.Fatal(err)
		}
	}
	var letters []store.Letter
	for i := 0; i < 40; i++ {
		recv := start.AddDate(0, 0, i*23)
		l := store.Letter{URL: fmt.Sprintf("http://p/mail/%d.html", i), Mailbox: "mb", Unit: "u00", Title: "来信",
			Received: recv.Format(dateLayout), FetchedAt: crawled, RunID: 2}
		if i%3 != 0 {
			l.Replied = recv.AddDate(0, 0, i%12).Format(dateLayout)
		}
		letters = append(letters, l)
	}
	err = st.Write(&store.Batch{Letters: letters, Sources: []store.SourceState{{Key: "mailbox:mb", Kind: store.SourceMailbox, ID: "mb",
		Unit: "u00", URL: "http://p/mail/", Audited: true, ListPages: 1, Items: len(letters), RunID: 2, CrawledAt: crawled}}})
	if err != nil {
		tb.Fatal(err)
	}
	return cfg, path
}

// TestStreamedEqualsInMemory: the evaluation that streams the store (as
// Check does) finds exactly what the evaluation of every item in memory
// finds, on a store with cross-column cases (解读 in another unit's
// column, attachments shared across columns), partial, suspect and
// unaudited columns and a removed item.
func TestStreamedEqualsInMemory(t *testing.T) {
	for _, n := range []int{1, 7, 60} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			cfg, path := genStore(t, t.TempDir(), 4, n)
			st, err := store.Open(path, store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			ctx := context.Background()
			asOf := day(t, "2026-11-27")
			mem, err := LoadInput(ctx, cfg, st, testCal(t))
			if err != nil {
				t.Fatal(err)
			}
			want, err := Evaluate(mem, asOf)
			if err != nil {
				t.Fatal(err)
			}
			streamed, err := storeInput(ctx, cfg, st, testCal(t))
			if err != nil {
				t.Fatal(err)
			}
			got, err := Evaluate(streamed, asOf)
			if err != nil {
				t.Fatal(err)
			}
			if len(want.Findings) == 0 {
				t.Fatal("no findings: the generated store exercises nothing")
			}
			spooled := evaluateSpooled(t, ctx, cfg, st, asOf)
			if !reflect.DeepEqual(spooled, byID(want.Findings)) {
				t.Errorf("spooled: %d findings, in memory: %d; they differ", len(spooled), len(want.Findings))
			}
			if !reflect.DeepEqual(got.Findings, want.Findings) {
				t.Errorf("streamed: %d findings, in memory: %d; they differ", len(got.Findings), len(want.Findings))
			}
			if !reflect.DeepEqual(got.Checks, want.Checks) {
				t.Errorf("summaries differ:\nstreamed  %+v\nin memory %+v", got.Checks, want.Checks)
			}
			if cov := Coverage(mem); !reflect.DeepEqual(got.coverage, cov) {
				t.Errorf("coverage differs:\nstreamed  %+v\nin memory %+v", got.coverage, cov)
			}
			v, err := NationalVerdict(mem, nil, asOf)
			if err != nil {
				t.Fatal(err)
			}
			if gv := got.env.nationalVerdict(nil); !reflect.DeepEqual(gv, v) {
				t.Errorf("verdict differs:\nstreamed  %+v\nin memory %+v", gv, v)
			}
			for _, f := range want.Findings {
				if got.Keep(f) != want.Keep(f) {
					t.Errorf("Keep(%s) differs", f.ID)
				}
			}
			for _, id := range []string{Interpretation, BrokenAttachment, Validity, PersonalData, PeriodicGap} {
				if n >= 60 && countFindings(want, id) == 0 {
					t.Errorf("no %s finding: the generated store does not exercise it", id)
				}
			}
		})
	}
}

// evaluateSpooled evaluates st as Check does, its findings spooled, and
// returns them by id.
func evaluateSpooled(t *testing.T, ctx context.Context, cfg *config.Config, st *store.Store, asOf time.Time) map[string]store.Finding {
	t.Helper()
	in, err := storeInput(ctx, cfg, st, testCal(t))
	if err != nil {
		t.Fatal(err)
	}
	if in.spool, err = store.NewFindingSpool(t.TempDir()); err != nil {
		t.Fatal(err)
	}
	defer in.spool.Close()
	res, err := Evaluate(in, asOf)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Findings) != 0 {
		t.Errorf("a spooled evaluation kept %d findings in memory", len(res.Findings))
	}
	n := 0
	for _, c := range res.Checks {
		n += c.Findings
	}
	if n != in.spool.Len() {
		t.Errorf("summaries count %d findings, the spool holds %d", n, in.spool.Len())
	}
	var found []store.Finding
	if err := in.spool.Each(func(f store.Finding) error { found = append(found, f); return nil }); err != nil {
		t.Fatal(err)
	}
	return byID(found)
}

// byID indexes fs by id, an empty list of days as none (as the store
// reads it back).
func byID(fs []store.Finding) map[string]store.Finding {
	m := make(map[string]store.Finding, len(fs))
	for _, f := range fs {
		for _, days := range []*[]string{&f.Evidence.Skipped, &f.Evidence.MakeUp} {
			if len(*days) == 0 {
				*days = nil
			}
		}
		m[f.ID] = f
	}
	return m
}

func countFindings(r Result, rule string) int {
	n := 0
	for _, f := range r.Findings {
		if f.Rule == rule {
			n++
		}
	}
	return n
}

// BenchmarkCheckGenerated runs Check over a generated store of 46 units x
// 5 columns x GOVAUDIT_BENCH_ITEMS items per column (default 200) and
// reports the peak heap in use (sampled every 5 ms) and the CPU time of
// the process per check.
func BenchmarkCheckGenerated(b *testing.B) {
	n := 200
	if s := os.Getenv("GOVAUDIT_BENCH_ITEMS"); s != "" {
		fmt.Sscan(s, &n)
	}
	cfg, path := genStore(b, b.TempDir(), 46, n)
	st, err := store.Open(path, store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	cal := testCal(b)
	asOf := day(b, "2026-11-27")
	runtime.GC()
	var peak atomic.Uint64
	done := make(chan struct{})
	go func() {
		var ms runtime.MemStats
		for {
			select {
			case <-done:
				return
			case <-time.After(5 * time.Millisecond):
			}
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
		}
	}()
	cpu0 := cpuTime()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Check(context.Background(), cfg, st, cal, asOf); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	close(done)
	b.ReportMetric(float64(peak.Load())/(1<<20), "peak-heap-MB")
	b.ReportMetric((cpuTime()-cpu0).Seconds()/float64(b.N), "cpu-s/op")
	b.ReportMetric(float64(46*5*n), "items")
}

// cpuTime is the user and system CPU time of the process.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
