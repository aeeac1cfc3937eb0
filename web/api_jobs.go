package web

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"strconv"

	"github.com/govaudit/govaudit/jobs"
	"github.com/govaudit/govaudit/reports"
	"github.com/govaudit/govaudit/rules"
	"github.com/govaudit/govaudit/rules/workday"
	"github.com/govaudit/govaudit/store"
)

// The jobs of the JSON API: what `govaudit report`, `check`, `runs` and
// `digest` do while a server holds the store, through the same code (package
// jobs) as the web UI.
//
//	GET  /api/notice/{period}/{format}  -> the file (html, docx, xlsx, ranking.csv, problems.csv)
//	POST /api/check    {"as_of"}        -> {"report": …}
//	GET  /api/runs?kind=&limit=         -> {"runs": […]}
//	POST /api/digest   {"week", "as_of", "send"} -> {"messages": […], "units": n, "sent": n, "skipped": n, "failed": [...]}

func (s *Server) apiJobRoutes() {
	s.mux.Handle("GET /api/notice/{period}/{file}", s.api(s.apiNotice))
	s.mux.Handle("POST /api/check", s.api(s.apiCheck))
	s.mux.Handle("GET /api/runs", s.api(s.apiRuns))
	s.mux.Handle("POST /api/digest", s.api(s.apiDigest))
}

func (s *Server) apiNotice(w http.ResponseWriter, r *http.Request) {
	p, err := s.periodFrom(r.PathValue("period"))
	if err != nil {
		apiError(w, http.StatusBadRequest, "bad_request", "period: "+err.Error())
		return
	}
	var nf *noticeFile
	for i := range noticeFiles {
		if noticeFiles[i].Key == r.PathValue("file") {
			nf = &noticeFiles[i]
		}
	}
	if nf == nil {
		apiError(w, http.StatusNotFound, "not_found", "unknown format "+r.PathValue("file"))
		return
	}
	n, err := jobs.Notice(r.Context(), s.cfg, s.st, p, s.now())
	if err != nil {
		apiError(w, http.StatusInternalServerError, "failed", err.Error())
		return
	}
	var buf bytes.Buffer
	if err := nf.write(&buf, n); err != nil {
		apiError(w, http.StatusInternalServerError, "failed", err.Error())
		return
	}
	w.Header().Set("Content-Type", nf.Type)
	w.Header().Set("X-Govaudit-Drafts", strconv.Itoa(n.Drafts))
	_, _ = w.Write(buf.Bytes())
}

// APICheck is the answer to a check run.
type APICheck struct {
	Report rules.Report `json:"report"`
}

func (s *Server) apiCheck(w http.ResponseWriter, r *http.Request) {
	var in struct {
		AsOf string `json:"as_of"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4<<10)).Decode(&in); err != nil {
		apiError(w, http.StatusBadRequest, "bad_request", "body: "+err.Error())
		return
	}
	asOf := s.now()
	if in.AsOf != "" {
		d, err := workday.Parse(in.AsOf)
		if err != nil {
			apiError(w, http.StatusBadRequest, "bad_request", "as_of: "+err.Error())
			return
		}
		asOf = d
	}
	if !s.jobLock.TryLock() {
		apiError(w, http.StatusConflict, "busy", "another job is running")
		return
	}
	defer s.jobLock.Unlock()
	rep, err := jobs.Check(r.Context(), s.cfg, s.st, asOf)
	if err != nil {
		apiError(w, http.StatusInternalServerError, "failed", err.Error())
		return
	}
	apiJSON(w, http.StatusOK, APICheck{Report: rep})
}

// APIRuns is the answer to a runs request.
type APIRuns struct {
	Runs []store.Run `json:"runs"`
}

func (s *Server) apiRuns(w http.ResponseWriter, r *http.Request) {
	limit := 0
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			apiError(w, http.StatusBadRequest, "bad_request", "limit: want a number >= 0")
			return
		}
		limit = n
	}
	runs, err := s.st.Runs(r.URL.Query().Get("kind"), limit)
	if err != nil {
		apiError(w, http.StatusInternalServerError, "failed", err.Error())
		return
	}
	if runs == nil {
		runs = []store.Run{}
	}
	apiJSON(w, http.StatusOK, APIRuns{Runs: runs})
}

// APIDigest is the answer to a digest request.
type APIDigest struct {
	Week      string            `json:"week"`
	Units     int               `json:"units"`
	NoAddress []string          `json:"no_address,omitempty"`
	Messages  []reports.Message `json:"messages"`
	Sent      int               `json:"sent"`
	Skipped   int               `json:"skipped"`
	Failed    []string          `json:"failed,omitempty"`
}

func (s *Server) apiDigest(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Week string `json:"week"`
		AsOf string `json:"as_of"`
		Send bool   `json:"send"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4<<10)).Decode(&in); err != nil {
		apiError(w, http.StatusBadRequest, "bad_request", "body: "+err.Error())
		return
	}
	asOf := workday.Day(s.now())
	var week reports.Week
	if in.Week != "" {
		wk, err := reports.ParseWeek(in.Week)
		if err != nil {
			apiError(w, http.StatusBadRequest, "bad_request", "week: "+err.Error())
			return
		}
		week, asOf = wk, wk.Monday()
	}
	if in.AsOf != "" {
		d, err := workday.Parse(in.AsOf)
		if err != nil {
			apiError(w, http.StatusBadRequest, "bad_request", "as_of: "+err.Error())
			return
		}
		asOf = d
	}
	if in.Week == "" {
		week = reports.WeekOf(asOf)
	}
	cal, err := jobs.Calendar(s.cfg, nil)
	if err != nil {
		apiError(w, http.StatusInternalServerError, "failed", err.Error())
		return
	}
	d, err := jobs.Digest(r.Context(), s.cfg, s.st, cal, week, asOf)
	if err != nil {
		apiError(w, http.StatusInternalServerError, "failed", err.Error())
		return
	}
	ms, err := d.Messages(s.cfg.Mail.Office)
	if err != nil {
		apiError(w, http.StatusInternalServerError, "failed", err.Error())
		return
	}
	out := APIDigest{Week: week.String(), Units: len(d.Units), NoAddress: ms.NoAddress, Messages: ms.List}
	if in.Send {
		smtp, err := reports.SMTPFromConfig(s.cfg.Mail, os.Getenv)
		if err != nil {
			apiError(w, http.StatusBadRequest, "bad_request", err.Error())
			return
		}
		if !s.jobLock.TryLock() {
			apiError(w, http.StatusConflict, "busy", "another job is running")
			return
		}
		defer s.jobLock.Unlock()
		res, err := jobs.SendDigest(r.Context(), s.cfg, s.st, smtp, week, d, ms.List)
		out.Sent, out.Skipped = len(res.Sent), len(res.Skipped)
		for _, f := range res.Failed {
			out.Failed = append(out.Failed, f.Message.To+": "+f.Err.Error())
		}
		if err != nil && len(out.Failed) == 0 {
			out.Failed = append(out.Failed, err.Error())
		}
	}
	if out.Messages == nil {
		out.Messages = []reports.Message{}
	}
	apiJSON(w, http.StatusOK, out)
}
