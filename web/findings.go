package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/govaudit/govaudit/config"
	"github.com/govaudit/govaudit/pii"
	"github.com/govaudit/govaudit/rules"
	"github.com/govaudit/govaudit/store"
)

// option is one choice of a filter's drop-down list.
type option struct {
	Value, Label string
	Selected     bool
}

// statusCount is one tab of the status bar.
type statusCount struct {
	Status, Name, URL string
	N                 int
	Active            bool
}

type listData struct {
	Filter   store.Filter
	Rows     []store.Finding
	Total    int
	Page     int
	Pages    int
	First    int // 1-based index of the first row shown
	Last     int
	Counts   []statusCount
	AllCount statusCount
	Units    []option
	Rules    []option
	Columns  []option
	Quarters []option
	Sorts    []option
	PrevURL  string
	NextURL  string
	Back     string // this page, to come back to after an action
	// Ctx is the filter as a query ("?unit=…&status=…", or ""), carried by
	// the links to the findings so that their pages step through the
	// same list.
	Ctx    string
	CanAct bool
	// Hist marks the historical problems among Rows.
	Hist map[string]bool
}

var quarterRE = regexp.MustCompile(`^\d{4}Q[1-4]$`)

// filterFrom reads the list's filter from the query; unknown values are
// dropped rather than refused.
func filterFrom(q url.Values) (store.Filter, int) {
	f := store.Filter{
		Unit:    strings.TrimSpace(q.Get("unit")),
		Rule:    strings.TrimSpace(q.Get("rule")),
		Status:  q.Get("status"),
		Quarter: strings.TrimSpace(q.Get("quarter")),
		Column:  strings.TrimSpace(q.Get("column")),
		Query:   strings.TrimSpace(q.Get("q")),
		Sort:    q.Get("sort"),
	}
	// The list opens on the drafts to review (not historical ones), so
	// that a first run does not flood it; status=all lists every status.
	if _, given := q["status"]; !given {
		f.Status = store.StatusDraft
	}
	if _, ok := statusNames[f.Status]; !ok {
		f.Status = ""
	}
	if f.Quarter != "" && !quarterRE.MatchString(f.Quarter) {
		f.Quarter = ""
	}
	switch f.Sort {
	case "date", "-date", "points", "-points":
	default:
		f.Sort = "-date"
	}
	page, err := strconv.Atoi(q.Get("page"))
	if err != nil || page < 1 {
		page = 1
	}
	return f, page
}

// listURL writes the list's URL for f and page.
func listURL(f store.Filter, page int) string {
	v := url.Values{}
	for k, val := range map[string]string{"unit": f.Unit, "rule": f.Rule, "status": f.Status,
		"quarter": f.Quarter, "column": f.Column, "q": f.Query} {
		if val != "" {
			v.Set(k, val)
		}
	}
	switch f.Status {
	case store.StatusDraft: // the default
		v.Del("status")
	case "":
		v.Set("status", "all")
	}
	if f.Sort != "-date" {
		v.Set("sort", f.Sort)
	}
	if page > 1 {
		v.Set("page", strconv.Itoa(page))
	}
	if len(v) == 0 {
		return "/findings"
	}
	return "/findings?" + v.Encode()
}

func (s *Server) findingsList(w http.ResponseWriter, r *http.Request) {
	f, page := filterFrom(r.URL.Query())
	d := listData{Filter: f, Page: page, CanAct: UserFrom(r.Context()).CanAct()}

	// One pass for the values of the filters.
	quarters := map[string]bool{}
	columns := map[string]bool{}
	units := map[string]bool{}
	ruleSet := map[string]bool{}
	err := s.st.EachFinding(func(x store.Finding) error {
		units[x.Unit] = true
		ruleSet[x.Rule] = true
		quarters[x.Quarter] = true
		if f.Unit == "" || x.Unit == f.Unit {
			if x.Column != "" {
				columns[x.Column] = true
			}
		}
		return nil
	})
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, "读取问题失败", err)
		return
	}
	lf := f
	lf.Offset, lf.Limit = (page-1)*pageSize, pageSize
	rows, total, err := s.query(lf)
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, "读取问题失败", err)
		return
	}
	d.Pages = max((total+pageSize-1)/pageSize, 1)
	if page > d.Pages {
		// Past the end (a stale link, or the last rows were decided):
		// show the last page.
		page = d.Pages
		d.Page = page
		lf.Offset = (page - 1) * pageSize
		if rows, total, err = s.query(lf); err != nil {
			s.fail(w, r, http.StatusInternalServerError, "读取问题失败", err)
			return
		}
	}
	d.Rows, d.Total = rows, total
	d.Hist = s.historicalIDs(rows)
	if len(rows) > 0 {
		d.First, d.Last = lf.Offset+1, lf.Offset+len(rows)
	}
	if page > 1 {
		d.PrevURL = listURL(f, page-1)
	}
	if page < d.Pages {
		d.NextURL = listURL(f, page+1)
	}
	d.Back = listURL(f, page)
	d.Ctx = strings.TrimPrefix(listURL(f, page), "/findings")

	// The tabs count each status under the other filters.
	all := 0
	for _, st := range statusOrder {
		sf := f
		sf.Status, sf.Limit = st, 1
		_, n, err := s.query(sf)
		if err != nil {
			s.fail(w, r, http.StatusInternalServerError, "读取问题失败", err)
			return
		}
		sf.Limit = 0
		d.Counts = append(d.Counts, statusCount{Status: st, Name: statusNames[st], N: n,
			URL: listURL(sf, 1), Active: f.Status == st})
		all += n
	}
	af := f
	af.Status = ""
	d.AllCount = statusCount{Name: "全部", N: all, URL: listURL(af, 1), Active: f.Status == ""}

	// Units: the configured ones in their order, then any other seen.
	seen := map[string]bool{}
	for _, u := range s.cfg.Units {
		seen[u.ID] = true
		d.Units = append(d.Units, option{u.ID, u.Name, u.ID == f.Unit})
	}
	for _, id := range sortedSet(units) {
		if !seen[id] && id != "" {
			d.Units = append(d.Units, option{id, id, id == f.Unit})
		}
	}
	for _, id := range s.ruleOrder {
		d.Rules = append(d.Rules, option{id, s.ruleNames[id], id == f.Rule})
		delete(ruleSet, id)
	}
	for _, id := range sortedSet(ruleSet) {
		d.Rules = append(d.Rules, option{id, rules.CheckName(id), id == f.Rule})
	}
	if f.Column != "" {
		columns[f.Column] = true
	}
	for _, id := range sortedSet(columns) {
		label := s.columnName(id)
		if f.Unit == "" {
			if i := strings.Index(id, "/"); i > 0 {
				label = s.unitName(id[:i]) + " / " + label
			}
		}
		d.Columns = append(d.Columns, option{id, label, id == f.Column})
	}
	if f.Quarter != "" {
		quarters[f.Quarter] = true
	}
	qs := sortedSet(quarters)
	sort.Sort(sort.Reverse(sort.StringSlice(qs)))
	for _, q := range qs {
		if q != "" {
			d.Quarters = append(d.Quarters, option{q, rules.QuarterName(q), q == f.Quarter})
		}
	}
	for _, o := range []option{{"-date", "最新检出在前", false}, {"date", "最早检出在前", false},
		{"-points", "扣分从高到低", false}, {"points", "扣分从低到高", false}} {
		o.Selected = o.Value == f.Sort
		d.Sorts = append(d.Sorts, o)
	}
	s.Render(w, r, "findings", "问题清单", d)
}

func sortedSet(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

type findingData struct {
	F            store.Finding
	LiveURL      string
	Snapshot     string // hash of the snapshot to frame, "" when none
	SnapshotNote string
	Item         *store.Item
	History      []store.Event
	CanAct       bool
	Back         string
	Actions      map[string]bool
	// Within the list the page was opened from (its filter in the query):
	// the neighbours, the list itself, the position, and where an action
	// leads (the next finding, else the list).
	PrevURL, NextURL, ListURL, AfterAct string
	Pos, Of                             int
}

var hashRE = regexp.MustCompile(`^[0-9a-f]{16,64}$`)

func (s *Server) findingPage(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	f, ok := lookup(s, w, r, id, s.st.Finding, "没有这个问题："+id, "读取问题失败")
	if !ok {
		return
	}
	hist, err := s.st.History(id)
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, "读取审核记录失败", err)
		return
	}
	d := findingData{F: f, LiveURL: httpURL(f.URL), History: hist, CanAct: UserFrom(r.Context()).CanAct(),
		Back: "/findings/" + url.PathEscape(f.ID), Actions: allowedActions(f.Status)}
	if f.URL != "" {
		if it, ok, err := s.st.Item(f.URL); err == nil && ok {
			d.Item = &it
		}
	}
	hash := f.Evidence.SnapshotHash
	if hash == "" && d.Item != nil {
		hash = d.Item.SnapshotHash
	}
	if hashRE.MatchString(hash) {
		d.Snapshot = hash
		if !f.Evidence.FetchedAt.IsZero() {
			d.SnapshotNote = "抓取于 " + fmtTime(f.Evidence.FetchedAt)
		} else if d.Item != nil && !d.Item.FetchedAt.IsZero() {
			d.SnapshotNote = "抓取于 " + fmtTime(d.Item.FetchedAt)
		}
	}
	if r.URL.RawQuery != "" {
		if err := s.neighbours(&d, r.URL.Query()); err != nil {
			s.fail(w, r, http.StatusInternalServerError, "读取问题失败", err)
			return
		}
	}
	s.Render(w, r, "finding", "问题 "+f.ID, d)
}

// neighbours places the finding of d in the list of the filter q: its
// previous and next findings (their links carrying the same filter), the
// list page that holds it, and where an action on it leads.
func (s *Server) neighbours(d *findingData, q url.Values) error {
	f, _ := filterFrom(q)
	rows, _, err := s.query(f)
	if err != nil {
		return err
	}
	link := func(id string, f store.Filter, page int) string {
		ctx := strings.TrimPrefix(listURL(f, page), "/findings")
		return "/findings/" + url.PathEscape(id) + ctx
	}
	d.ListURL = listURL(f, 1)
	for i, x := range rows {
		if x.ID != d.F.ID {
			continue
		}
		page := i/pageSize + 1
		d.Pos, d.Of = i+1, len(rows)
		d.ListURL = listURL(f, page)
		if i > 0 {
			d.PrevURL = link(rows[i-1].ID, f, (i-1)/pageSize+1)
		}
		if i+1 < len(rows) {
			d.NextURL = link(rows[i+1].ID, f, (i+1)/pageSize+1)
		}
		break
	}
	d.AfterAct = d.NextURL
	if d.AfterAct == "" {
		d.AfterAct = d.ListURL
	}
	return nil
}

// allowedActions are the actions offered for a status.
func allowedActions(status string) map[string]bool {
	switch status {
	case store.StatusDraft:
		return map[string]bool{"confirm": true, "dismiss": true, "adjust": true}
	case store.StatusConfirmed:
		return map[string]bool{"dismiss": true, "adjust": true, "reopen": true}
	case store.StatusDismissed:
		return map[string]bool{"reopen": true}
	case store.StatusResolved:
		return map[string]bool{"reopen": true}
	}
	return map[string]bool{}
}

// decision reads and checks an action from a form. The message is for the
// inspector.
func (s *Server) decision(r *http.Request, kind string) (store.Action, string) {
	a := store.Action{Kind: kind, By: UserFrom(r.Context()).Name, At: s.now(),
		Reason: strings.TrimSpace(r.PostFormValue("reason"))}
	switch kind {
	case "confirm", "reopen":
	case "dismiss":
		if a.Reason == "" {
			return a, "驳回必须填写理由"
		}
	case "adjust":
		if a.Reason == "" {
			return a, "调整扣分必须填写理由"
		}
		p, err := strconv.ParseFloat(strings.TrimSpace(r.PostFormValue("points")), 64)
		if err == nil {
			err = s.cfg.Scoring.CheckPoints(p)
		}
		if err != nil {
			return a, fmt.Sprintf("扣分必须是 0 到 %v 之间的数字", s.maxPoints())
		}
		a.Points = p
	default:
		return a, "未知的操作：" + kind
	}
	if len([]rune(a.Reason)) > 2000 {
		return a, "理由太长（最多 2000 字）"
	}
	return a, ""
}

// decideMessage explains a store error to the inspector.
func decideMessage(id string, err error) (int, string) {
	switch {
	case errors.Is(err, store.ErrNotFound):
		return http.StatusNotFound, "没有这个问题：" + id
	case errors.Is(err, store.ErrReasonRequired):
		return http.StatusBadRequest, "此操作必须填写理由"
	case errors.Is(err, store.ErrTransition):
		return http.StatusConflict, "问题 " + id + " 的当前状态不允许此操作"
	}
	return http.StatusInternalServerError, "保存失败，请稍后重试"
}

var doneNames = map[string]string{"confirm": "已确认", "dismiss": "已驳回", "adjust": "已调整扣分", "reopen": "已重新打开"}

// act applies one action to one finding.
func (s *Server) act(w http.ResponseWriter, r *http.Request) {
	id, kind := r.PathValue("id"), r.PathValue("action")
	a, msg := s.decision(r, kind)
	if msg != "" {
		s.fail(w, r, http.StatusBadRequest, msg, nil)
		return
	}
	if _, err := s.st.Decide(id, a); err != nil {
		status, msg := decideMessage(id, err)
		s.fail(w, r, status, msg, err)
		return
	}
	s.log.Info("finding decided", "id", id, "action", kind, "by", a.By)
	u := UserFrom(r.Context())
	s.sessions.setFlash(u.session, fmt.Sprintf("问题 %s %s", id, doneNames[kind]))
	// Reviewing a list, an action leads to the next finding of the list.
	if next := r.PostFormValue("next"); isLocalPath(next) && strings.HasPrefix(next, "/findings") {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/findings/"+url.PathEscape(id), http.StatusSeeOther)
}

// bulk confirms or dismisses the selected findings.
func (s *Server) bulk(w http.ResponseWriter, r *http.Request) {
	kind := r.PostFormValue("action")
	if kind != "confirm" && kind != "dismiss" {
		s.fail(w, r, http.StatusBadRequest, "批量操作只能是确认或驳回", nil)
		return
	}
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, http.StatusBadRequest, "表单无法读取", err)
		return
	}
	ids := r.PostForm["id"]
	if len(ids) == 0 {
		s.fail(w, r, http.StatusBadRequest, "请先勾选问题", nil)
		return
	}
	a, msg := s.decision(r, kind)
	if msg != "" {
		s.fail(w, r, http.StatusBadRequest, msg, nil)
		return
	}
	done := 0
	var failed []string
	for _, id := range ids {
		if _, err := s.st.Decide(id, a); err != nil {
			_, m := decideMessage(id, err)
			failed = append(failed, m)
			if !errors.Is(err, store.ErrTransition) && !errors.Is(err, store.ErrNotFound) {
				s.log.Error("bulk decide", "id", id, "err", err)
			}
			continue
		}
		done++
		// Each decision is logged as a single one is, so the log tells
		// who decided which finding (and the crash test can stop the
		// server between two decisions).
		s.log.Info("finding decided", "id", id, "action", kind, "by", a.By, "bulk", true)
	}
	s.log.Info("findings decided in bulk", "action", kind, "by", a.By, "done", done, "failed", len(failed))
	flash := fmt.Sprintf("%s %d 条问题", doneNames[kind], done)
	if len(failed) > 0 {
		flash += fmt.Sprintf("；%d 条未处理：%s", len(failed), strings.Join(failed, "；"))
	}
	s.sessions.setFlash(UserFrom(r.Context()).session, flash)
	http.Redirect(w, r, backLink(r), http.StatusSeeOther)
}

// snapshot serves a stored page, sanitised, for the sandboxed frame.
func (s *Server) snapshot(w http.ResponseWriter, r *http.Request) {
	hash := r.PathValue("hash")
	if !hashRE.MatchString(hash) {
		http.Error(w, "快照编号无效", http.StatusBadRequest)
		return
	}
	body, err := s.st.Snapshot(hash)
	if errors.Is(err, store.ErrNotFound) {
		http.Error(w, "快照不存在", http.StatusNotFound)
		return
	}
	if err != nil {
		s.log.Error("read snapshot", "hash", hash, "err", err)
		http.Error(w, "快照读取失败", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "private, max-age=3600")
	// Personal data in the page is shown masked (content checks, issue 14).
	_, _ = w.Write(Sanitize(pii.MaskHTML(body)))
}

// maxPoints is the most points a finding can be given by hand (see
// config.Scoring.CheckPoints).
func (s *Server) maxPoints() float64 {
	if s.cfg.Scoring.QuarterPoints > 0 {
		return s.cfg.Scoring.QuarterPoints
	}
	return config.Default().Scoring.QuarterPoints
}
