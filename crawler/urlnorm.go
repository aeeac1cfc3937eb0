package crawler

import (
	"sync"

	"github.com/govaudit/govaudit/crawler/extract"
)

// normalizeURL returns the canonical form of an absolute URL (see
// extract.CanonicalURL): the same page under many URLs is fetched once.
// URLs coming out of the extractors are canonical already; this is for
// the configured ones.
func normalizeURL(raw string) string { return extract.CanonicalURL(raw) }

// urlSet is a set of URLs kept as 64-bit hashes: the crawl's only memory
// that grows with the portal (8 bytes and map overhead per URL).
type urlSet struct {
	mu sync.Mutex
	m  map[uint64]struct{}
}

func newURLSet() *urlSet { return &urlSet{m: map[uint64]struct{}{}} }

// hashURL is the 64-bit FNV-1a hash of a URL.
func hashURL(u string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(u); i++ {
		h ^= uint64(u[i])
		h *= 1099511628211
	}
	return h
}

// add adds u and reports whether it was new.
func (s *urlSet) add(u string) bool {
	k := hashURL(u)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.m[k]; ok {
		return false
	}
	s.m[k] = struct{}{}
	return true
}

// has reports whether u is in the set.
func (s *urlSet) has(u string) bool {
	k := hashURL(u)
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.m[k]
	return ok
}
