package web

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Roles.
const (
	RoleInspector = "inspector" // may decide findings
	RoleViewer    = "viewer"    // may only read
)

// User is who is signed in.
type User struct {
	Name string
	Role string
	// session is nil for an anonymous viewer (AllowViewers without sign-in).
	session *session
}

// CanAct reports whether u may decide findings.
func (u *User) CanAct() bool { return u != nil && u.Role == RoleInspector }

type userKey struct{}

// UserFrom returns the user of a request served by the Server's handler,
// or nil.
func UserFrom(ctx context.Context) *User {
	u, _ := ctx.Value(userKey{}).(*User)
	return u
}

const (
	sessionCookie = "govaudit_session"
	loginCookie   = "govaudit_login" // double-submit CSRF token of the sign-in form
)

// session is a signed-in browser. Sessions live in memory: a restart of
// the server signs everybody out.
type session struct {
	id      string
	user    string
	role    string
	csrf    string
	expires time.Time
	sso     bool
	flash   string
}

// sessions is the in-memory session table.
type sessions struct {
	mu sync.Mutex
	m  map[string]*session
}

func newSessions() *sessions { return &sessions{m: make(map[string]*session)} }

// SignIns is the sign-in state of the UI: the sessions and the counts of
// failed sign-ins. It lives in memory; a process restart signs everybody
// out. Pass the same SignIns to the Servers that replace one another (the
// daemon builds a new Server when it reloads its configuration) so that
// nobody is signed out and no failure count is forgotten.
type SignIns struct {
	sessions *sessions
	ip, user *limiter
}

// NewSignIns returns an empty sign-in state.
func NewSignIns() *SignIns {
	return &SignIns{sessions: newSessions(), ip: newLimiter(maxFailures, failureWindow), user: newLimiter(maxFailures, failureWindow)}
}

func (ss *sessions) create(user, role string, sso bool, now time.Time, life time.Duration) *session {
	s := &session{id: randomToken(), user: user, role: role, csrf: randomToken(), expires: now.Add(life), sso: sso}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	for id, o := range ss.m {
		if !now.Before(o.expires) {
			delete(ss.m, id)
		}
	}
	ss.m[s.id] = s
	return s
}

func (ss *sessions) get(id string, now time.Time) *session {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	s := ss.m[id]
	if s == nil {
		return nil
	}
	if !now.Before(s.expires) {
		delete(ss.m, id)
		return nil
	}
	return s
}

func (ss *sessions) delete(id string) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	delete(ss.m, id)
}

// setFlash stores a one-time message shown on the next page.
func (ss *sessions) setFlash(s *session, msg string) {
	if s == nil {
		return
	}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	s.flash = msg
}

// takeFlash returns and clears the session's message.
func (ss *sessions) takeFlash(s *session) string {
	if s == nil {
		return ""
	}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	m := s.flash
	s.flash = ""
	return m
}

// randomToken returns 32 random bytes, base64url-encoded.
func randomToken() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand panics on failure)
	return base64.RawURLEncoding.EncodeToString(b)
}

// tokensEqual compares tokens in constant time.
func tokensEqual(a, b string) bool {
	return a != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// limiter counts failed sign-ins per key (an IP or a user name) in a
// sliding window.
type limiter struct {
	mu     sync.Mutex
	max    int
	window time.Duration
	fails  map[string][]time.Time
}

func newLimiter(max int, window time.Duration) *limiter {
	return &limiter{max: max, window: window, fails: make(map[string][]time.Time)}
}

// attempt counts an attempt of key as a failure in advance, unless key
// is blocked: then it reports false and counts nothing. Counting before
// the password check (a slow bcrypt) is what stops parallel guesses: the
// sixth of nine simultaneous attempts already finds the first five.
func (l *limiter) attempt(key string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	ts := l.recent(key, now)
	if len(ts) >= l.max {
		return false
	}
	l.fails[key] = append(ts, now)
	return true
}

// forgive takes back one attempt of key counted at t (it succeeded, or
// was not made).
func (l *limiter) forgive(key string, t time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	ts := l.fails[key]
	for i := len(ts) - 1; i >= 0; i-- {
		if ts[i].Equal(t) {
			ts = append(ts[:i:i], ts[i+1:]...)
			break
		}
	}
	if len(ts) == 0 {
		delete(l.fails, key)
		return
	}
	l.fails[key] = ts
}

func (l *limiter) reset(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.fails, key)
}

// recent prunes and returns key's failures in the window; l.mu is held.
func (l *limiter) recent(key string, now time.Time) []time.Time {
	ts := l.fails[key]
	i := 0
	for i < len(ts) && now.Sub(ts[i]) >= l.window {
		i++
	}
	ts = ts[i:]
	if len(ts) == 0 {
		delete(l.fails, key)
		return nil
	}
	l.fails[key] = ts
	return ts
}

// remoteIP is the address of the client: the peer, or the last address
// added to X-Forwarded-For when the peer is the trusted proxy.
func (s *Server) remoteIP(r *http.Request) net.IP {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip := net.ParseIP(host)
	if s.proxy != nil && ip != nil && s.proxy.Contains(ip) {
		if xff := r.Header.Get("X-Forwarded-For"); xff != "" {
			parts := strings.Split(xff, ",")
			if fwd := net.ParseIP(strings.TrimSpace(parts[len(parts)-1])); fwd != nil {
				return fwd
			}
		}
	}
	return ip
}

// fromProxy reports whether the request's peer is the trusted proxy.
func (s *Server) fromProxy(r *http.Request) bool {
	if s.proxy == nil {
		return false
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && s.proxy.Contains(ip)
}

// secureCookies reports whether cookies get the Secure flag: as
// configured, else when the request came over HTTPS (directly or through
// the trusted proxy). Plain HTTP on loopback gets no Secure flag, since a
// browser would then drop the cookie.
func (s *Server) secureCookies(r *http.Request) bool {
	if p := s.cfg.Web.SecureCookies; p != nil {
		return *p
	}
	return r.TLS != nil || (s.fromProxy(r) && strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https"))
}

func (s *Server) setCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{
		Name:     name,
		Value:    value,
		Path:     "/",
		MaxAge:   maxAge,
		HttpOnly: true,
		Secure:   s.secureCookies(r),
		SameSite: http.SameSiteLaxMode,
	})
}

// identify returns who makes the request, or nil when nobody is signed in
// and anonymous viewing is off. It may create a session for an SSO user.
func (s *Server) identify(w http.ResponseWriter, r *http.Request) *User {
	now := s.now()
	var sess *session
	if c, err := r.Cookie(sessionCookie); err == nil {
		sess = s.sessions.get(c.Value, now)
	}
	if h := s.cfg.Web.SSOHeader; h != "" && s.fromProxy(r) {
		if name := strings.TrimSpace(r.Header.Get(h)); name != "" {
			role := RoleViewer
			if in, ok := s.users[name]; ok {
				role = roleOf(in.Role)
			} else if !s.cfg.Web.AllowViewers {
				return nil
			}
			if sess == nil || sess.user != name || !sess.sso {
				sess = s.sessions.create(name, role, true, now, s.sessionLife())
				s.setCookie(w, r, sessionCookie, sess.id, int(s.sessionLife().Seconds()))
			}
			return &User{Name: name, Role: role, session: sess}
		}
	}
	if sess != nil && !sess.sso {
		// The role is read again so that a demotion in the config takes
		// effect on the next request.
		if in, ok := s.users[sess.user]; ok {
			return &User{Name: sess.user, Role: roleOf(in.Role), session: sess}
		}
		s.sessions.delete(sess.id)
	}
	if s.cfg.Web.AllowViewers {
		return &User{Name: "访客", Role: RoleViewer}
	}
	return nil
}

func roleOf(r string) string {
	if r == RoleViewer {
		return RoleViewer
	}
	return RoleInspector
}

func (s *Server) sessionLife() time.Duration {
	h := s.cfg.Web.SessionHours
	if h <= 0 {
		h = 12
	}
	return time.Duration(h) * time.Hour
}
