package store

import (
	"fmt"
	"testing"
	"time"
)

// readBenchStore is a store holding n crawled articles (an item, a page and
// the pages of its three links each) written as the crawler writes them.
func readBenchStore(b *testing.B, n int) (*Store, []string) {
	b.Helper()
	s := openTemp(b)
	at := time.Date(2026, 11, 27, 8, 57, 48, 280237752, time.UTC)
	var links []string
	for i := 0; i < n; i += 500 {
		batch := &Batch{}
		for k := i; k < min(i+500, n); k++ {
			it := benchItem(k)
			it.Column = fmt.Sprintf("u%02d/c%03d", k%46, k%900)
			batch.Items = append(batch.Items, it)
			batch.Pages = append(batch.Pages, Page{URL: it.URL, Status: 200, ETag: `"856a5e4d1e3a"`, Hash: it.SnapshotHash, Bytes: 4000, FetchedAt: at, RunID: 1})
			links = append(links, it.Links...)
		}
		if err := s.Write(batch); err != nil {
			b.Fatal(err)
		}
	}
	batch := &Batch{}
	for _, l := range links[:3] {
		batch.Pages = append(batch.Pages, Page{URL: l, Status: 200, FetchedAt: at, RunID: 1})
	}
	if err := s.Write(batch); err != nil {
		b.Fatal(err)
	}
	return s, links
}

// BenchmarkEachItem reads 40,000 items, as every check does.
func BenchmarkEachItem(b *testing.B) {
	s, _ := readBenchStore(b, 40_000)
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		if err := s.EachItem(func(Item) error { n++; return nil }); err != nil || n != 40_000 {
			b.Fatal(n, err)
		}
	}
}

// BenchmarkLinkPages looks up the pages of the links of 40,000 items (three
// each, the same three for all, as on a portal's article pages): one Page
// call per link of every item, as broken-link did, and one Pages call.
func BenchmarkLinkPages(b *testing.B) {
	s, links := readBenchStore(b, 40_000)
	b.Run("Page-per-link", func(b *testing.B) {
		for b.Loop() {
			for _, l := range links {
				if _, ok, err := s.Page(l); err != nil || !ok {
					b.Fatal(l, ok, err)
				}
			}
		}
	})
	b.Run("Pages", func(b *testing.B) {
		for b.Loop() {
			if m, err := s.Pages(links); err != nil || len(m) != 3 {
				b.Fatal(len(m), err)
			}
		}
	})
}
