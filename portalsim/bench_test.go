package portalsim

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// districtScale is the benchmark portal of issue 7: 46 units × 20
// channels × 50 items (about 41,000 articles), about 5,000 letters.
var districtScale = Options{Seed: 1, Units: 46, ChannelsMin: 20, ChannelsMax: 20, Items: 50, Letters: 2000,
	Today: time.Date(2026, 11, 27, 0, 0, 0, 0, cst)}

func BenchmarkGenerateDistrict(b *testing.B) {
	for b.Loop() {
		if _, err := New(districtScale); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkServe renders and serves article, list and attachment requests
// of the district-scale portal (no network).
func BenchmarkServe(b *testing.B) {
	s, err := New(districtScale)
	if err != nil {
		b.Fatal(err)
	}
	var paths []string
	for _, u := range s.units {
		for _, c := range u.cols {
			paths = append(paths, c.listPath(1))
			for _, it := range c.items[:min(5, len(c.items))] {
				paths = append(paths, it.path())
				for _, a := range it.atts {
					paths = append(paths, a.path())
				}
			}
		}
	}
	h := s.Handler()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, paths[i%len(paths)], nil))
		if rec.Code != 200 && rec.Code != 404 {
			b.Fatalf("%s: %d", paths[i%len(paths)], rec.Code)
		}
		i++
	}
}
