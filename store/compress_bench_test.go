package store

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/govaudit/govaudit/portalsim"
	"github.com/klauspost/compress/gzip"
)

// simPages returns the HTML pages the simulated portal's violations are
// about (articles, letters, first list pages), as the crawler stores them.
func simPages(b *testing.B) [][]byte {
	b.Helper()
	sim, err := portalsim.New(portalsim.Options{Seed: 1, Units: 46, ChannelsMin: 20, ChannelsMax: 20, Items: 10,
		Layouts: portalsim.LayoutsClassic, Today: time.Date(2026, 11, 27, 0, 0, 0, 0, time.FixedZone("CST", 8*3600))})
	if err != nil {
		b.Fatal(err)
	}
	const base = "http://portal.test"
	seen := map[string]bool{}
	var pages [][]byte
	for _, v := range sim.Truth(base).Violations {
		u, err := url.Parse(v.URL)
		if err != nil || seen[v.URL] || !strings.HasPrefix(v.URL, base) {
			continue
		}
		seen[v.URL] = true
		rec := httptest.NewRecorder()
		sim.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, u.RequestURI(), nil))
		if rec.Code == http.StatusOK && strings.Contains(rec.Header().Get("Content-Type"), "html") {
			pages = append(pages, rec.Body.Bytes())
		}
	}
	if len(pages) < 1000 {
		b.Fatalf("%d pages from the simulated portal, want at least 1,000", len(pages))
	}
	return pages
}

// BenchmarkSnapshotCompression compresses the simulated portal's pages as
// the store keeps snapshots (S2, CompressSnapshotBody) and as it did
// before (gzip at its fastest), reporting the stored size as a percentage
// of the pages' size: go test ./store -run X -bench SnapshotCompression.
func BenchmarkSnapshotCompression(b *testing.B) {
	pages := simPages(b)
	total := 0
	for _, p := range pages {
		total += len(p)
	}
	// One gzip writer, reset for each page, as the crawler kept one per
	// goroutine.
	zw, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed)
	gz := func(p []byte) []byte {
		var buf bytes.Buffer
		zw.Reset(&buf)
		zw.Write(p)
		zw.Close()
		return buf.Bytes()
	}
	for _, c := range []struct {
		name     string
		compress func([]byte) []byte
	}{{"s2", CompressSnapshotBody}, {"gzip-fastest", gz}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(total))
			stored := 0
			for b.Loop() {
				stored = 0
				for _, p := range pages {
					stored += len(c.compress(p))
				}
			}
			b.ReportMetric(100*float64(stored)/float64(total), "%stored")
		})
	}
}
