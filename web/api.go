package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/govaudit/govaudit/store"
)

// The JSON API lets the command line review findings while a server holds
// the store (bbolt admits one writer). It is authenticated by a bearer
// token that the server writes, readable by its owner only, into an
// endpoint file next to the store: whoever can read that file could open
// the store itself, so the API grants nothing more.
//
//	GET  /api/ping                    -> {"ok": true}
//	GET  /api/findings?rule=&unit=&status=&quarter=&column=&q=&sort=&offset=&limit=
//	                                  -> {"findings": […], "total": n}
//	GET  /api/findings/{id}           -> {"finding": …, "history": […]}
//	POST /api/findings/{id}/{action}  {"by", "reason", "points"} -> {"finding": …}
//
// Errors are {"error": message, "code": not_found | reason_required |
// transition | bad_request | unauthorized}.

// APIToken returns the bearer token of the server's JSON API.
func (s *Server) APIToken() string { return s.apiToken }

// Endpoint is what the endpoint file holds.
type Endpoint struct {
	URL   string `json:"url"`   // e.g. http://127.0.0.1:8080
	Token string `json:"token"` // bearer token of the JSON API
	PID   int    `json:"pid"`
}

// EndpointPath is the endpoint file of the store at storePath.
func EndpointPath(storePath string) string { return storePath + ".serve.json" }

// WriteEndpoint writes e to the endpoint file of the store, mode 0600.
func WriteEndpoint(storePath string, e Endpoint) error {
	path := EndpointPath(storePath)
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".serve-*.json")
	if err != nil {
		return fmt.Errorf("write endpoint file: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("write endpoint file: %w", err)
	}
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return fmt.Errorf("write endpoint file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write endpoint file: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write endpoint file: %w", err)
	}
	return nil
}

// ReadEndpoint reads the endpoint file of the store; an error wrapping
// os.ErrNotExist means no server announced itself.
func ReadEndpoint(storePath string) (Endpoint, error) {
	var e Endpoint
	b, err := os.ReadFile(EndpointPath(storePath))
	if err != nil {
		return e, err
	}
	if err := json.Unmarshal(b, &e); err != nil || e.URL == "" || e.Token == "" {
		return e, fmt.Errorf("endpoint file %s is damaged", EndpointPath(storePath))
	}
	return e, nil
}

// RemoveEndpoint removes the endpoint file when it still names token.
func RemoveEndpoint(storePath, token string) {
	if e, err := ReadEndpoint(storePath); err == nil && e.Token == token {
		os.Remove(EndpointPath(storePath))
	}
}

// APIDecision is the body of a decision posted to the API.
type APIDecision struct {
	By     string  `json:"by"`
	Reason string  `json:"reason,omitempty"`
	Points float64 `json:"points,omitempty"`
}

// APIFinding is the answer of the API about one finding.
type APIFinding struct {
	Finding store.Finding `json:"finding"`
	History []store.Event `json:"history,omitempty"`
}

// APIError is the answer of the API to a request it refused.
type APIError struct {
	Error string `json:"error"`
	Code  string `json:"code"`
}

func (s *Server) apiRoutes() {
	s.mux.Handle("GET /api/ping", s.api(func(w http.ResponseWriter, r *http.Request) {
		apiJSON(w, http.StatusOK, map[string]bool{"ok": true})
	}))
	s.mux.Handle("GET /api/findings", s.api(s.apiFindings))
	s.mux.Handle("GET /api/findings/{id}", s.api(s.apiFinding))
	s.mux.Handle("POST /api/findings/{id}/{action}", s.api(s.apiDecide))
	s.apiJobRoutes()
}

// api wraps h with the bearer-token check.
func (s *Server) api(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || !tokensEqual(tok, s.apiToken) {
			apiError(w, http.StatusUnauthorized, "unauthorized", "missing or wrong API token")
			return
		}
		h(w, r)
	})
}

// APIFindings is the answer of the API to a list request.
type APIFindings struct {
	Findings []store.Finding `json:"findings"`
	Total    int             `json:"total"`
}

func (s *Server) apiFindings(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := store.Filter{Rule: q.Get("rule"), Unit: q.Get("unit"), Status: q.Get("status"), Quarter: q.Get("quarter"),
		Column: q.Get("column"), Query: q.Get("q"), Sort: q.Get("sort")}
	for name, dst := range map[string]*int{"offset": &f.Offset, "limit": &f.Limit} {
		if v := q.Get(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				apiError(w, http.StatusBadRequest, "bad_request", name+": want a number >= 0")
				return
			}
			*dst = n
		}
	}
	list, total, err := s.st.Findings(f)
	if err != nil {
		apiError(w, http.StatusBadRequest, "bad_request", err.Error())
		return
	}
	if list == nil {
		list = []store.Finding{}
	}
	apiJSON(w, http.StatusOK, APIFindings{Findings: list, Total: total})
}

func (s *Server) apiFinding(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	f, err := s.st.Finding(id)
	if err != nil {
		apiStoreError(w, id, err)
		return
	}
	h, err := s.st.History(id)
	if err != nil {
		apiStoreError(w, id, err)
		return
	}
	apiJSON(w, http.StatusOK, APIFinding{Finding: f, History: h})
}

func (s *Server) apiDecide(w http.ResponseWriter, r *http.Request) {
	id, kind := r.PathValue("id"), r.PathValue("action")
	var d APIDecision
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d); err != nil {
		apiError(w, http.StatusBadRequest, "bad_request", "body: "+err.Error())
		return
	}
	if strings.TrimSpace(d.By) == "" {
		apiError(w, http.StatusBadRequest, "bad_request", "by (who decides) is required")
		return
	}
	switch kind {
	case store.DecideConfirm, store.DecideDismiss, store.DecideAdjust, store.DecideReopen:
	default:
		apiError(w, http.StatusBadRequest, "bad_request", fmt.Sprintf("unknown action %q", kind))
		return
	}
	if kind == store.DecideAdjust {
		if err := s.cfg.Scoring.CheckPoints(d.Points); err != nil {
			apiError(w, http.StatusBadRequest, "bad_request", err.Error())
			return
		}
	}
	f, err := s.st.Decide(id, store.Action{Kind: kind, By: strings.TrimSpace(d.By), Reason: strings.TrimSpace(d.Reason),
		Points: d.Points, At: s.now()})
	if err != nil {
		apiStoreError(w, id, err)
		return
	}
	s.log.Info("finding decided through the API", "id", id, "action", kind, "by", d.By)
	apiJSON(w, http.StatusOK, APIFinding{Finding: f})
}

func apiStoreError(w http.ResponseWriter, id string, err error) {
	switch {
	case errors.Is(err, store.ErrNotFound):
		apiError(w, http.StatusNotFound, "not_found", "no finding "+id)
	case errors.Is(err, store.ErrReasonRequired):
		apiError(w, http.StatusBadRequest, "reason_required", err.Error())
	case errors.Is(err, store.ErrTransition):
		apiError(w, http.StatusConflict, "transition", err.Error())
	default:
		apiError(w, http.StatusBadRequest, "bad_request", err.Error())
	}
}

func apiError(w http.ResponseWriter, status int, code, msg string) {
	apiJSON(w, status, APIError{Error: msg, Code: code})
}

func apiJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
