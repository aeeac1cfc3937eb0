package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/crypto/bcrypt"
)

func contextWithUser(ctx context.Context, u *User) context.Context {
	return context.WithValue(ctx, userKey{}, u)
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

type loginData struct {
	Next    string
	Token   string
	Name    string
	Message string
	SSO     bool
}

// loginForm shows the sign-in form with a fresh double-submit token.
func (s *Server) loginForm(w http.ResponseWriter, r *http.Request) {
	s.renderLogin(w, r, http.StatusOK, r.URL.Query().Get("next"), "", "")
}

func (s *Server) renderLogin(w http.ResponseWriter, r *http.Request, status int, next, name, msg string) {
	if !isLocalPath(next) {
		next = "/findings"
	}
	tok := randomToken()
	s.setCookie(w, r, loginCookie, tok, 1800)
	s.render(w, r, status, "login", "登录", loginData{
		Next: next, Token: tok, Name: name, Message: msg, SSO: s.cfg.Web.SSOHeader != "",
	})
}

// login checks a name and password and opens a session.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	now := s.now()
	name := strings.TrimSpace(r.PostFormValue("name"))
	next := r.PostFormValue("next")
	c, err := r.Cookie(loginCookie)
	if err != nil || !tokensEqual(r.PostFormValue("csrf"), c.Value) {
		s.renderLogin(w, r, http.StatusForbidden, next, name, "登录表单已失效，请重新输入")
		return
	}
	ip := s.remoteIP(r).String()
	// The attempt is counted as a failure before the password check and
	// taken back if it succeeds (see limiter.attempt).
	ipOK := s.ipLimit.attempt(ip, now)
	if !ipOK || !s.usrLimit.attempt(name, now) {
		if ipOK {
			s.ipLimit.forgive(ip, now)
		}
		s.log.Warn("sign-in refused: too many failures", "user", name, "ip", ip)
		s.renderLogin(w, r, http.StatusTooManyRequests, next, name, "登录失败次数过多，请 15 分钟后再试")
		return
	}
	in, known := s.users[name]
	hash := s.dummy
	if known && in.PasswordHash != "" {
		hash = []byte(in.PasswordHash)
	}
	err = bcrypt.CompareHashAndPassword(hash, []byte(r.PostFormValue("password")))
	if err != nil || !known || in.PasswordHash == "" {
		s.log.Info("sign-in failed", "user", name, "ip", ip)
		s.renderLogin(w, r, http.StatusUnauthorized, next, name, "用户名或密码错误")
		return
	}
	s.ipLimit.forgive(ip, now)
	s.usrLimit.reset(name)
	if c, err := r.Cookie(sessionCookie); err == nil {
		s.sessions.delete(c.Value)
	}
	sess := s.sessions.create(name, roleOf(in.Role), false, now, s.sessionLife())
	s.setCookie(w, r, sessionCookie, sess.id, int(s.sessionLife().Seconds()))
	s.setCookie(w, r, loginCookie, "", -1)
	s.log.Info("signed in", "user", name, "ip", ip)
	if !isLocalPath(next) {
		next = "/findings"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if u := UserFrom(r.Context()); u != nil && u.session != nil {
		s.sessions.delete(u.session.id)
	}
	s.setCookie(w, r, sessionCookie, "", -1)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}
