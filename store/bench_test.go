package store

import (
	"fmt"
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
