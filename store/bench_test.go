package store

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// benchFindings fills a store with n findings of 4 rules over 46 units,
// some of them decided.
func benchFindings(b *testing.B, n int) *Store {
	b.Helper()
	s := openTemp(b)
	rules := []string{"timeliness", "attachment", "metadata", "mailbox"}
	var found []Finding
	for i := range n {
		f := mkFinding(rules[i%4], fmt.Sprintf("https://gov.test/u%02d/art/%06d.html", i%46, i), fmt.Sprintf("u%02d", i%46), float64(i%5)/2)
		found = append(found, f)
	}
	if _, err := s.SyncFindings(SyncRequest{Rules: rules, Found: found, Now: t0}); err != nil {
		b.Fatal(err)
	}
	for i := 0; i < n; i += 10 {
		s.Decide(found[i].ID, Action{Kind: DecideConfirm, By: "li", At: t0})
	}
	return s
}

// BenchmarkFindingsList lists one page of a filtered, sorted view over
// 10,000 and 50,000 findings, as the review UI does: the first list after
// Open (cold-load), lists from the in-memory copy, and a decision followed
// by a list.
func BenchmarkFindingsList(b *testing.B) {
	for _, n := range []int{10_000, 50_000} {
		s := benchFindings(b, n)
		// Cold: the first list after Open decodes every finding.
		b.Run(fmt.Sprintf("%d/cold-load", n), func(b *testing.B) {
			for b.Loop() {
				s.cacheMu.Lock()
				s.cache = nil
				s.cacheMu.Unlock()
				if _, _, err := s.Findings(Filter{Limit: 50}); err != nil {
					b.Fatal(err)
				}
			}
		})
		s.Findings(Filter{Limit: 1}) // warm
		for _, tc := range []struct {
			name string
			f    Filter
		}{
			{"page", Filter{Sort: "-date", Limit: 50}},
			{"unit+status", Filter{Unit: "u07", Status: StatusDraft, Sort: "-points", Limit: 50}},
			{"query", Filter{Query: "art/0012", Limit: 50}},
		} {
			b.Run(fmt.Sprintf("%d/%s", n, tc.name), func(b *testing.B) {
				for b.Loop() {
					if _, total, err := s.Findings(tc.f); err != nil || total == 0 {
						b.Fatal(total, err)
					}
				}
			})
		}
		// After a write: every list follows a decision, merged into the cache.
		b.Run(fmt.Sprintf("%d/after-write", n), func(b *testing.B) {
			f, _, _ := s.Findings(Filter{Limit: 1, Status: StatusDraft})
			id := f[0].ID
			i := 0
			for b.Loop() {
				i++
				if _, err := s.Decide(id, Action{Kind: DecideAdjust, Points: float64(i % 3), Reason: "bench", By: "li", At: t0}); err != nil {
					b.Fatal(err)
				}
				if _, _, err := s.Findings(Filter{Status: StatusDraft, Limit: 50}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSyncFindings re-syncs 10,000 unchanged findings, as a nightly
// check does.
func BenchmarkSyncFindings(b *testing.B) {
	s := benchFindings(b, 10_000)
	var found []Finding
	s.EachFinding(func(f Finding) error { found = append(found, f); return nil })
	rules := []string{"timeliness", "attachment", "metadata", "mailbox"}
	for b.Loop() {
		if _, err := s.SyncFindings(SyncRequest{Rules: rules, Found: found, Now: t0.Add(time.Hour)}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWriteBatch writes crawl batches of 100 articles (page, item,
// 20 KB snapshot each), as the crawler does.
func BenchmarkWriteBatch(b *testing.B) {
	s := openTemp(b)
	body := []byte(strings.Repeat("<tr><td>索引号</td><td>11/2026-00003</td></tr><p>关于印发《工作要点》的通知，请认真贯彻落实。</p>\n", 160))
	const per = 100
	n := 0
	b.SetBytes(int64(per * len(body)))
	for b.Loop() {
		batch := &Batch{Snapshots: map[string][]byte{}}
		for range per {
			n++
			url := fmt.Sprintf("https://gov.test/u%02d/art/%07d.html", n%46, n)
			page := append(fmt.Appendf(nil, "<h1>%d</h1>", n), body...)
			h := SnapshotHash(page)
			batch.Snapshots[h] = page
			batch.Pages = append(batch.Pages, Page{URL: url, Status: 200, Hash: h, Bytes: len(page), FetchedAt: t0})
			batch.Items = append(batch.Items, Item{URL: url, Unit: "u01", Column: fmt.Sprintf("c%d", n%900), Title: "关于印发《工作要点》的通知",
				Published: "2026-03-01", Written: "2026-02-20", SnapshotHash: h, FetchedAt: t0,
				Attachments: []Attachment{{URL: url + ".pdf", Name: "附件.pdf", Type: "pdf", Status: 200, Checked: true}}})
		}
		if err := s.Write(batch); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "articles/s")
}

// writtenBytes is what this process has written to storage so far
// (/proc/self/io), or -1 where that is not known.
func writtenBytes() int64 {
	data, err := os.ReadFile("/proc/self/io")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "write_bytes: "); ok {
			n, _ := strconv.ParseInt(v, 10, 64)
			return n
		}
	}
	return -1
}

// crawlBatches makes the batches of a crawl of n articles: a page, an item
// and a snapshot each, in batches of per articles.
func crawlBatches(n, per int, run uint64, at time.Time) []*Batch {
	var out []*Batch
	body := strings.Repeat("<tr><td>索引号</td><td>11/2026-00003</td></tr><p>关于印发《工作要点》的通知，请认真贯彻落实。</p>\n", 40)
	for i := 0; i < n; i += per {
		b := &Batch{Snapshots: map[string][]byte{}}
		for k := i; k < min(i+per, n); k++ {
			col := k % 900
			url := fmt.Sprintf("http://127.0.0.1:54565/art/2020/%02d/%d/art_%d_%06d.html", k%12+1, k%28+1, 51000+col, (k*7919)%1000003)
			snap := fmt.Appendf(nil, "<h1>%d</h1>%s", k, body)
			h := SnapshotHash(snap)
			b.Snapshots[h] = snap
			b.Pages = append(b.Pages, Page{URL: url, Status: 200, ETag: `"856a5e4d1e3a"`, Hash: h, Bytes: len(snap), FetchedAt: at, RunID: run})
			it := benchItem(k)
			it.URL, it.Column, it.SnapshotHash, it.FetchedAt, it.RunID = url, fmt.Sprintf("u%02d/c%03d", col%46, col), h, at, run
			b.Items = append(b.Items, it)
		}
		out = append(out, b)
	}
	return out
}

// BenchmarkCrawlWrite writes the batches of a crawl of 20,000 articles (a
// page, an item and a snapshot each, 500 to a batch): "first" into an
// empty store, "again" the same articles unchanged but for their fetch
// time into the store that holds them (an incremental crawl that writes
// every record back), in batches of 500 and of 4,000 articles.
// written-MB is what the process wrote to storage.
func BenchmarkCrawlWrite(b *testing.B) {
	const n, per = 20_000, 500
	report := func(b *testing.B, s *Store, written int64) {
		b.ReportMetric(float64(written)/float64(b.N)/(1<<20), "written-MB/op")
		if fi, err := os.Stat(s.Path()); err == nil {
			b.ReportMetric(float64(fi.Size())/(1<<20), "file-MB")
		}
	}
	write := func(b *testing.B, s *Store, batches []*Batch) int64 {
		w0 := writtenBytes()
		for _, batch := range batches {
			if err := s.Write(batch); err != nil {
				b.Fatal(err)
			}
		}
		return writtenBytes() - w0
	}
	b.Run("first", func(b *testing.B) {
		var written int64
		var s *Store
		for b.Loop() {
			b.StopTimer()
			if s != nil {
				s.Close()
			}
			var err error
			if s, err = Open(filepath.Join(b.TempDir(), "bench.db"), Options{}); err != nil {
				b.Fatal(err)
			}
			batches := crawlBatches(n, per, 1, t0)
			b.StartTimer()
			written += write(b, s, batches)
		}
		report(b, s, written)
		s.Close()
	})
	// Again, with the crawler's batches of 500 articles and of 4,000.
	for _, size := range []int{per, 4000} {
		b.Run(fmt.Sprintf("again/batch-%d", size), func(b *testing.B) {
			s := openTemp(b)
			write(b, s, crawlBatches(n, per, 1, t0))
			run := uint64(1)
			var written int64
			for b.Loop() {
				b.StopTimer()
				run++
				batches := crawlBatches(n, size, run, t0.Add(time.Duration(run)*time.Hour))
				for _, batch := range batches {
					batch.Snapshots = nil // unchanged: stored already
				}
				b.StartTimer()
				written += write(b, s, batches)
			}
			report(b, s, written)
		})
	}
}
