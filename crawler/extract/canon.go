package extract

import (
	"net/url"
	"strings"
	"unicode"
)

// CanonicalURL returns the canonical form of an absolute http(s) URL, so
// that the same page reached under many URLs is known under one:
//
//   - scheme and host in lower case, the default port dropped;
//   - no fragment; an empty path becomes "/";
//   - no session id carried in the path (";jsessionid=…", ";phpsessid=…",
//     ";sessionid=…", ";sid=…");
//   - no session or tracking parameters in the query: jsessionid,
//     phpsessid, sessionid, session_id, aspsessionid…, utm_*, spm, and
//     sid, sessid, session or token when their value looks like a session
//     token (16 or more letters, digits, '-', '_' or '.'), since a short
//     "sid" is often a site id that selects the page.
//
// The remaining query parameters keep their order: servers may read them
// by position, and one CMS always writes them in one order, so sorting
// would buy nothing and risk fetching another page. A URL that does not
// parse, or is not absolute, is returned unchanged.
func CanonicalURL(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" {
		return raw
	}
	canonical(u)
	return u.String()
}

// canonical rewrites u in place to its canonical form (see CanonicalURL).
func canonical(u *url.URL) {
	u.Scheme = strings.ToLower(u.Scheme)
	if hasUpper(u.Host) {
		u.Host = strings.ToLower(u.Host)
	}
	if p := u.Port(); p == "80" && u.Scheme == "http" || p == "443" && u.Scheme == "https" {
		u.Host = u.Hostname()
		if strings.Contains(u.Host, ":") { // IPv6 literal
			u.Host = "[" + u.Host + "]"
		}
	}
	u.Fragment, u.RawFragment = "", ""
	if u.Path == "" && u.Opaque == "" {
		u.Path = "/"
	}
	if strings.IndexByte(u.Path, ';') >= 0 {
		ep := stripPathSessions(u.EscapedPath())
		if p, err := url.PathUnescape(ep); err == nil {
			u.Path, u.RawPath = p, ep
		}
	}
	if u.RawQuery != "" {
		// Whitespace before a dropped fragment would be trimmed from the
		// next reading of the result: drop it now (idempotence).
		u.RawQuery = strings.TrimRightFunc(stripQuerySessions(strings.TrimRightFunc(u.RawQuery, unicode.IsSpace)), unicode.IsSpace)
	}
	if u.RawQuery == "" {
		u.ForceQuery = false
	}
}

func hasUpper(s string) bool {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			return true
		}
	}
	return false
}

// pathSessionKeys are the path parameters that carry a session id.
var pathSessionKeys = []string{"jsessionid", "phpsessid", "sessionid", "sid"}

// stripPathSessions removes ";key=value" session parameters from the
// segments of an escaped path; other path parameters stay.
func stripPathSessions(p string) string {
	segs := strings.Split(p, "/")
	for i, seg := range segs {
		if strings.IndexByte(seg, ';') < 0 {
			continue
		}
		parts := strings.Split(seg, ";")
		kept := parts[:1]
		for _, param := range parts[1:] {
			k, _, _ := strings.Cut(param, "=")
			drop := false
			for _, s := range pathSessionKeys {
				if strings.EqualFold(k, s) {
					drop = true
					break
				}
			}
			if !drop {
				kept = append(kept, param)
			}
		}
		segs[i] = strings.Join(kept, ";")
	}
	return strings.Join(segs, "/")
}

// stripQuerySessions removes session and tracking parameters from a raw
// query, keeping the others in their order and spelling.
func stripQuerySessions(q string) string {
	if !mayHoldSession(q) {
		return q
	}
	parts := strings.Split(q, "&")
	out := parts[:0]
	for _, part := range parts {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		if uk, err := url.QueryUnescape(k); err == nil {
			k = uk
		}
		if sessionParam(strings.ToLower(k), v) {
			continue
		}
		out = append(out, part)
	}
	return strings.Join(out, "&")
}

// mayHoldSession is a quick test that spares the common query the split.
func mayHoldSession(q string) bool {
	l := strings.ToLower(q)
	return strings.Contains(l, "sess") || strings.Contains(l, "utm_") || strings.Contains(l, "sid") ||
		strings.Contains(l, "spm") || strings.Contains(l, "token") || strings.HasPrefix(l, "_=") || strings.Contains(l, "&_=")
}

// sessionParam reports whether a query parameter (its key in lower case)
// only identifies a session, a visit or a campaign.
func sessionParam(k, v string) bool {
	switch k {
	case "jsessionid", "phpsessid", "sessionid", "session_id", "spm", "_":
		return true
	case "sid", "sessid", "session", "token":
		return sessionToken(v)
	}
	return strings.HasPrefix(k, "utm_") || strings.HasPrefix(k, "aspsessionid")
}

// sessionToken reports whether a value looks like a generated session
// token rather than a small id.
func sessionToken(v string) bool {
	if len(v) < 16 {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '-' || c == '_' || c == '.' || c == '%') {
			return false
		}
	}
	return true
}
