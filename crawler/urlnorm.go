package crawler

import (
	"hash/fnv"
	"net/url"
	"regexp"
	"strings"
	"sync"
)

// reSessionPath matches a session id carried in the path (";jsessionid=…").
var reSessionPath = regexp.MustCompile(`(?i);(?:jsessionid|phpsessid|sessionid|sid)=[^/?#]*`)

// sessionParam reports whether a query parameter only identifies a
// session or a campaign, so that URLs differing in it are the same page.
func sessionParam(k string) bool {
	k = strings.ToLower(k)
	switch k {
	case "jsessionid", "phpsessid", "sessionid", "session_id", "aspsessionid", "_":
		return true
	}
	return strings.HasPrefix(k, "utm_") || strings.HasPrefix(k, "aspsessionid")
}

// normalizeURL returns the canonical form of an absolute URL: lower-case
// scheme and host, no default port, no fragment, no session or tracking
// parameters. The same page under many URLs is fetched once.
func normalizeURL(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" {
		return raw
	}
	u.Scheme = strings.ToLower(u.Scheme)
	u.Host = strings.ToLower(u.Host)
	if h, p := u.Hostname(), u.Port(); p == "80" && u.Scheme == "http" || p == "443" && u.Scheme == "https" {
		u.Host = h
	}
	u.Fragment, u.RawFragment = "", ""
	if u.Path == "" {
		u.Path = "/"
	}
	if reSessionPath.MatchString(u.Path) || reSessionPath.MatchString(u.RawPath) {
		u.Path = reSessionPath.ReplaceAllString(u.Path, "")
		u.RawPath = ""
	}
	if u.RawQuery != "" {
		q, err := url.ParseQuery(u.RawQuery)
		if err == nil {
			drop := false
			for k := range q {
				if sessionParam(k) {
					delete(q, k)
					drop = true
				}
			}
			if drop {
				u.RawQuery = q.Encode()
			}
		}
	}
	return u.String()
}

// urlSet is a set of URLs kept as 64-bit hashes: the crawl's only memory
// that grows with the portal (8 bytes and map overhead per URL).
type urlSet struct {
	mu sync.Mutex
	m  map[uint64]struct{}
}

func newURLSet() *urlSet { return &urlSet{m: map[uint64]struct{}{}} }

// add adds u and reports whether it was new.
func (s *urlSet) add(u string) bool {
	h := fnv.New64a()
	h.Write([]byte(u))
	k := h.Sum64()
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
	h := fnv.New64a()
	h.Write([]byte(u))
	k := h.Sum64()
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.m[k]
	return ok
}
