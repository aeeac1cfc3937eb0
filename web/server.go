// Package web is the inspectors' review UI: a server-rendered site, in
// Simplified Chinese, where inspectors sign in, filter the findings of the
// checks, read their evidence and a sanitised snapshot of the page as it
// was checked, and confirm, dismiss, adjust or reopen them. Every decision
// goes through store.Decide and so lands in the audit trail. Inspectors also
// enter and withdraw manual score adjustments (人工加减分), with the same
// audit trail (store.AddAdjustment, store.WithdrawAdjustment).
//
// Templates, style sheet and script are embedded; the UI needs no build
// step, no CDN and no network beyond the server itself. Everything that
// came from the crawled portal is shown through html/template escaping.
package web

import (
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/govaudit/govaudit/config"
	"github.com/govaudit/govaudit/store"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// cst is China Standard Time, the zone of every date shown.
var cst = time.FixedZone("CST", 8*3600)

// Options configure a Server.
type Options struct {
	Config *config.Config // required: units, columns, inspectors, web settings
	Store  *store.Store   // required
	Log    *slog.Logger   // nil: discard
	Now    func() time.Time
	// SignIns keeps sessions across Servers; nil: a fresh state.
	SignIns *SignIns
}

// Server serves the review UI. Create it with New.
type Server struct {
	cfg      *config.Config
	st       *store.Store
	log      *slog.Logger
	now      func() time.Time
	users    map[string]config.Inspector
	proxy    *net.IPNet
	sessions *sessions
	ipLimit  *limiter
	usrLimit *limiter
	dummy    []byte // bcrypt hash compared against for unknown names
	apiToken string // bearer token of the JSON API
	mux      *http.ServeMux
	// ruleNames are the checks' titles by id, ruleOrder their ids in
	// report order (from rules.Defs).
	ruleNames map[string]string
	ruleOrder []string
	// columnNames are the names of the configured columns (templates'
	// included) by id, read once from the configuration.
	columnNames map[string]string

	// jobLock lets one job started from the browser or the API (a check
	// run, a digest send) run at a time.
	jobLock sync.Mutex

	mu    sync.RWMutex
	base  time.Time                     // the baseline, once known (see baseline)
	pages map[string]*template.Template // by page name
	nav   []navLink
}

// Page is an extra page of the UI, shown in the navigation bar with the
// layout of the others; the daemon adds its operations page this way.
type Page struct {
	Path  string // e.g. "/ops"; GET only
	Title string // the navigation label and page title, in Chinese
	// Template is html/template text defining a template named "content",
	// executed with the value returned by Data as .Data.
	Template string
	// Data returns the page's data for one request.
	Data func(r *http.Request) (any, error)
}

type navLink struct {
	Path, Title string
}

// Sign-in failures allowed per IP and per user name within the window.
const (
	maxFailures   = 5
	failureWindow = 15 * time.Minute
	pageSize      = 50
)

// New returns a Server for the configuration and store of opt.
func New(opt Options) (*Server, error) {
	if opt.Config == nil || opt.Store == nil {
		return nil, errors.New("web: Config and Store are required")
	}
	s := &Server{
		cfg:      opt.Config,
		st:       opt.Store,
		log:      opt.Log,
		now:      opt.Now,
		users:    make(map[string]config.Inspector),
		pages:    make(map[string]*template.Template),
		mux:      http.NewServeMux(),
		apiToken: randomToken(),
	}
	s.ruleNames, s.ruleOrder = checkNames()
	s.columnNames = map[string]string{}
	for _, c := range s.cfg.AllColumns() {
		s.columnNames[c.ID] = c.Name
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	si := opt.SignIns
	if si == nil {
		si = NewSignIns()
	}
	s.sessions, s.ipLimit, s.usrLimit = si.sessions, si.ip, si.user
	if s.now == nil {
		s.now = time.Now
	}
	cost := bcrypt.DefaultCost
	for _, in := range s.cfg.Inspectors {
		if in.Name == "" {
			continue
		}
		if in.Role != "" && in.Role != RoleInspector && in.Role != RoleViewer {
			return nil, fmt.Errorf("web: inspector %q: role %q is neither inspector nor viewer", in.Name, in.Role)
		}
		s.users[in.Name] = in
		if c, err := bcrypt.Cost([]byte(in.PasswordHash)); err == nil {
			cost = c
		}
	}
	dummy, err := bcrypt.GenerateFromPassword([]byte(randomToken()[:20]), cost)
	if err != nil {
		return nil, fmt.Errorf("web: dummy hash: %w", err)
	}
	s.dummy = dummy
	if p := s.cfg.Web.TrustedProxy; p != "" {
		_, n, err := net.ParseCIDR(p)
		if err != nil {
			return nil, fmt.Errorf("web: trusted_proxy %q: %w", p, err)
		}
		s.proxy = n
	}
	if s.cfg.Web.SSOHeader != "" && s.proxy == nil {
		return nil, errors.New("web: sso_header needs trusted_proxy (the CIDR of the proxy that sets it)")
	}
	for _, name := range []string{"login", "findings", "finding", "overview", "runs", "error", "adjustments", "adjustment", "reports", "unit", "digest"} {
		if err := s.parsePage(name, ""); err != nil {
			return nil, err
		}
	}
	s.routes()
	if err := s.AddPage(s.rectificationPage()); err != nil { // issue 15: quality.go
		return nil, err
	}
	return s, nil
}

// parsePage parses the layout with the page's template: the embedded file
// templates/<name>.html, or text when it is not empty.
func (s *Server) parsePage(name, text string) error {
	t := template.New("layout.html").Funcs(s.funcs())
	t, err := t.ParseFS(templateFS, "templates/layout.html")
	if err != nil {
		return fmt.Errorf("web: parse layout: %w", err)
	}
	if text == "" {
		t, err = t.ParseFS(templateFS, "templates/"+name+".html")
	} else {
		t, err = t.New(name).Parse(text)
	}
	if err != nil {
		return fmt.Errorf("web: parse page %s: %w", name, err)
	}
	s.mu.Lock()
	s.pages[name] = t
	s.mu.Unlock()
	return nil
}

// AddPage adds p to the navigation and serves it to every signed-in user
// (viewers included). Call it before serving.
func (s *Server) AddPage(p Page) error {
	if !strings.HasPrefix(p.Path, "/") || p.Title == "" || p.Data == nil {
		return fmt.Errorf("web: page %q needs a path, a title and a data function", p.Path)
	}
	name := "extra:" + p.Path
	if err := s.parsePage(name, p.Template); err != nil {
		return err
	}
	s.mu.Lock()
	s.nav = append(s.nav, navLink{Path: p.Path, Title: p.Title})
	s.mu.Unlock()
	s.mux.Handle("GET "+p.Path, s.viewer(func(w http.ResponseWriter, r *http.Request) {
		data, err := p.Data(r)
		if err != nil {
			s.fail(w, r, http.StatusInternalServerError, "页面数据读取失败", err)
			return
		}
		s.Render(w, r, name, p.Title, data)
	}))
	return nil
}

// Handler returns the UI's HTTP handler, with security headers on every
// answer and request bodies capped (limitBodies). Serve it with a server
// from NewHTTPServer.
func (s *Server) Handler() http.Handler {
	return s.headers(limitBodies(s.mux))
}

func (s *Server) routes() {
	static, _ := fs.Sub(staticFS, "static")
	fileServer := http.StripPrefix("/static/", http.FileServerFS(static))
	s.mux.Handle("GET /static/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Files only: no directory listing.
		name := strings.TrimPrefix(r.URL.Path, "/static/")
		if name == "" || strings.HasSuffix(name, "/") {
			http.NotFound(w, r)
			return
		}
		if fi, err := fs.Stat(static, path.Clean(name)); err != nil || fi.IsDir() {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=3600")
		fileServer.ServeHTTP(w, r)
	}))
	s.mux.HandleFunc("GET /login", s.loginForm)
	s.mux.HandleFunc("POST /login", s.login)
	s.mux.Handle("POST /logout", s.viewer(s.logout))
	s.mux.Handle("GET /{$}", s.viewer(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/findings", http.StatusSeeOther)
	}))
	// Any other path: a Chinese 404 page (not Go's "404 page not found").
	// It neither redirects to the sign-in page nor starts a session.
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, http.StatusNotFound, "页面不存在："+r.URL.Path, nil)
	})
	s.mux.Handle("GET /findings", s.viewer(s.findingsList))
	s.mux.Handle("GET /findings/export.csv", s.viewer(s.exportFindings))
	s.mux.Handle("GET /reports", s.viewer(s.reportsPage))
	s.mux.Handle("POST /jobs/check", s.inspector(s.runCheck))
	s.mux.Handle("GET /digest", s.viewer(s.digestPage))
	s.mux.Handle("POST /digest/send", s.inspector(s.sendDigest))
	s.mux.Handle("GET /reports/{period}/{file}", s.viewer(s.noticeDownload))
	s.mux.Handle("POST /findings/bulk", s.inspector(s.bulk))
	s.mux.Handle("GET /findings/{id}", s.viewer(s.findingPage))
	s.mux.Handle("POST /findings/{id}/{action}", s.inspector(s.act))
	s.mux.Handle("GET /overview", s.viewer(s.overview))
	s.mux.Handle("GET /overview/export.csv", s.viewer(s.overviewExport))
	s.mux.Handle("GET /overview/unit/{id}", s.viewer(s.unitPage))
	s.mux.Handle("GET /adjustments", s.viewer(s.adjustments))
	s.mux.Handle("POST /adjustments", s.inspector(s.addAdjustment))
	s.mux.Handle("GET /adjustments/{id}", s.viewer(s.adjustmentPage))
	s.mux.Handle("POST /adjustments/{id}/withdraw", s.inspector(s.withdrawAdjustment))
	s.mux.Handle("GET /runs", s.viewer(s.runs))
	s.mux.Handle("POST /coverage/accept", s.inspector(s.acceptDrop))
	s.mux.Handle("GET /snapshot/{hash}", s.viewer(s.snapshot))
	s.apiRoutes()
}

// pageCSP is the policy of every page but the snapshot: no inline script,
// no inline style, nothing from elsewhere, never framed.
const pageCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"frame-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// snapshotCSP is the policy of a rendered snapshot: inert, framed only by
// the UI itself, sandboxed even when opened on its own.
const snapshotCSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; " +
	"base-uri 'none'; form-action 'none'; frame-ancestors 'self'; sandbox"

func (s *Server) headers(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		if strings.HasPrefix(r.URL.Path, "/snapshot/") {
			h.Set("Content-Security-Policy", snapshotCSP)
			h.Set("X-Frame-Options", "SAMEORIGIN")
		} else {
			h.Set("Content-Security-Policy", pageCSP)
			h.Set("X-Frame-Options", "DENY")
		}
		next.ServeHTTP(w, r)
	})
}

// viewer wraps h for any signed-in user (or anonymous viewer when
// allowed); others are sent to the sign-in page.
func (s *Server) viewer(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u := s.identify(w, r)
		if u == nil {
			if r.Method == http.MethodGet || r.Method == http.MethodHead {
				http.Redirect(w, r, "/login?next="+urlQueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			s.fail(w, r, http.StatusUnauthorized, "请先登录", nil)
			return
		}
		r = r.WithContext(contextWithUser(r.Context(), u))
		if r.Method == http.MethodPost && !s.csrfOK(r, u) {
			s.fail(w, r, http.StatusForbidden, "表单已失效（缺少或错误的安全令牌），请刷新页面后重试", nil)
			return
		}
		h(w, r)
	})
}

// inspector wraps h for inspectors only; every request it serves is a
// POST with a valid CSRF token.
func (s *Server) inspector(h http.HandlerFunc) http.Handler {
	return s.viewer(func(w http.ResponseWriter, r *http.Request) {
		if !UserFrom(r.Context()).CanAct() {
			s.fail(w, r, http.StatusForbidden, "只读账号不能审核问题或录入加减分", nil)
			return
		}
		h(w, r)
	})
}

// csrfOK checks the form's token against the session's.
func (s *Server) csrfOK(r *http.Request, u *User) bool {
	if u.session == nil {
		return false
	}
	return tokensEqual(r.PostFormValue("csrf"), u.session.csrf)
}

// view is what the layout receives.
type view struct {
	Title  string
	User   *User
	CSRF   string
	Nav    []navLink
	Active string
	Flash  string
	Data   any
}

// Render executes the page template name inside the layout. Pages added
// with AddPage are named "extra:" + their path.
func (s *Server) Render(w http.ResponseWriter, r *http.Request, name, title string, data any) {
	s.render(w, r, http.StatusOK, name, title, data)
}

func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name, title string, data any) {
	s.mu.RLock()
	t := s.pages[name]
	nav := append([]navLink{
		{"/findings", "问题清单"}, {"/overview", "单位汇总"}, {"/reports", "通报"}, {"/digest", "每周提醒"}, {"/adjustments", "人工加减分"}, {"/runs", "运行记录"},
	}, s.nav...)
	s.mu.RUnlock()
	if t == nil {
		http.Error(w, "no such page", http.StatusInternalServerError)
		return
	}
	v := view{Title: title, Nav: nav, Active: r.URL.Path, Data: data}
	if u := UserFrom(r.Context()); u != nil {
		v.User = u
		if u.session != nil {
			v.CSRF = u.session.csrf
			v.Flash = s.sessions.takeFlash(u.session)
		}
	}
	var buf strings.Builder
	if err := t.ExecuteTemplate(&buf, "layout.html", v); err != nil {
		s.log.Error("render page", "page", name, "err", err)
		http.Error(w, "页面生成失败", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(buf.String()))
}

// fail renders an error page with a message in Chinese; err, when not
// nil, is logged and not shown.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, status int, msg string, err error) {
	if err != nil {
		s.log.Error(msg, "path", r.URL.Path, "err", err)
	}
	s.render(w, r, status, "error", "出错了", struct {
		Status  int
		Message string
		Back    string
	}{status, msg, backLink(r)})
}

// lookup reads the record id with get. When there is no such record it
// answers 404 with missing, on any other error 500 with failed; ok reports
// whether the caller may go on.
func lookup[T any](s *Server, w http.ResponseWriter, r *http.Request, id string, get func(string) (T, error), missing, failed string) (T, bool) {
	v, err := get(id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		s.fail(w, r, http.StatusNotFound, missing, nil)
		return v, false
	case err != nil:
		s.fail(w, r, http.StatusInternalServerError, failed, err)
		return v, false
	}
	return v, true
}

// backLink is a local page to go back to after an error.
func backLink(r *http.Request) string {
	if ref := r.FormValue("back"); isLocalPath(ref) {
		return ref
	}
	return "/findings"
}

// isLocalPath reports whether p is a path on this server (not "//host").
// Control characters and backslashes are refused anywhere: a browser drops
// tabs and line breaks from a Location header and reads a backslash as a
// slash, so "/<TAB>/evil.example" or "/\evil.example" would take it to
// another site.
func isLocalPath(p string) bool {
	if strings.ContainsFunc(p, func(r rune) bool { return r < 0x20 || r == 0x7f || r == '\\' }) {
		return false
	}
	return strings.HasPrefix(p, "/") && !strings.HasPrefix(p, "//")
}
