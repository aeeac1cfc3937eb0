package web

import (
	"log/slog"
	"net/http"
	"time"
)

// Timeouts of the HTTP servers of `govaudit serve` and `govaudit daemon`:
// a client that sends its headers or body slowly (slowloris, a stalled
// upload) or stops reading is cut off instead of holding a connection and
// a goroutine for ever.
type Timeouts struct {
	ReadHeader time.Duration // the request line and headers
	Read       time.Duration // the whole request, body included
	Write      time.Duration // from the end of the headers to the end of the answer
	Idle       time.Duration // a kept-alive connection between requests
}

// DefaultTimeouts are the timeouts used when none are given.
func DefaultTimeouts() Timeouts {
	return Timeouts{ReadHeader: 10 * time.Second, Read: 30 * time.Second, Write: 2 * time.Minute, Idle: 2 * time.Minute}
}

// orDefault fills the zero fields of t from DefaultTimeouts.
func (t Timeouts) orDefault() Timeouts {
	d := DefaultTimeouts()
	if t.ReadHeader <= 0 {
		t.ReadHeader = d.ReadHeader
	}
	if t.Read <= 0 {
		t.Read = d.Read
	}
	if t.Write <= 0 {
		t.Write = d.Write
	}
	if t.Idle <= 0 {
		t.Idle = d.Idle
	}
	return t
}

// NewHTTPServer returns the server for h with the timeouts t (zero fields:
// the defaults) and a cap on header size. Bodies are capped by the
// handlers (see limitBodies).
func NewHTTPServer(h http.Handler, t Timeouts, log *slog.Logger) *http.Server {
	t = t.orDefault()
	srv := &http.Server{Handler: h, ReadHeaderTimeout: t.ReadHeader, ReadTimeout: t.Read, WriteTimeout: t.Write,
		IdleTimeout: t.Idle, MaxHeaderBytes: 64 << 10}
	if log != nil {
		srv.ErrorLog = slog.NewLogLogger(log.Handler(), slog.LevelWarn)
	}
	return srv
}

// Request body limits: a sign-in form is a name, a password and two
// tokens; the largest other body is a review form or an API call with a
// reason of at most 2000 characters.
const (
	maxLoginBody   = 16 << 10
	maxRequestBody = 1 << 20
)

// limitBodies refuses a request whose declared body exceeds its limit
// before reading any of it, and cuts any body at the limit while it is
// read (http.MaxBytesReader: the handler's form parsing then fails).
func limitBodies(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit := int64(maxRequestBody)
		if r.URL.Path == "/login" {
			limit = maxLoginBody
		}
		if r.ContentLength > limit {
			w.Header().Set("Connection", "close")
			http.Error(w, "请求内容过大", http.StatusRequestEntityTooLarge)
			return
		}
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = http.MaxBytesReader(w, r.Body, limit)
		}
		next.ServeHTTP(w, r)
	})
}
