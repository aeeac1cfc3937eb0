package web

import (
	"fmt"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/govaudit/govaudit/store"
)

// Manual adjustments (人工加减分) are what inspectors enter for what no
// crawler sees: rectification, training, submissions, year-end items and
// bonus points. They count like confirmed findings of their period; every
// entry and withdrawal lands in the audit trail (store.History).

// adjustmentForm is what an inspector typed into the add form, kept to
// fill the form again when it is refused.
type adjustmentForm struct {
	Unit, Period, Points, Category, Reason string
}

type adjustmentRow struct {
	store.Adjustment
	UnitName string
}

type adjustmentsData struct {
	Unit       string
	Period     string
	Withdrawn  bool // the list includes withdrawn entries
	Units      []option
	Periods    []option
	Rows       []adjustmentRow
	Deductions float64 // sum of the active entries listed, > 0 part
	Bonus      float64 // sum of the active entries listed, < 0 part (as a positive number)
	CanAct     bool
	Form       adjustmentForm
	FormUnits  []option
	Categories []option
	Suggest    []string // periods offered in the form
	Message    string   // why the form was refused
	Back       string
}

// adjPeriodRE matches what the list may be filtered by: a quarter, a
// year end, or a whole year.
var adjPeriodRE = regexp.MustCompile(`^\d{4}(Q[1-4]|Y)?$`)

// adjIDRE matches adjustment ids ("adj-000001").
var adjIDRE = regexp.MustCompile(`^adj-\d{1,12}$`)

// adjustmentsURL writes the list's URL for a filter.
func adjustmentsURL(unit, period string, withdrawn bool) string {
	v := url.Values{}
	if unit != "" {
		v.Set("unit", unit)
	}
	if period != "" {
		v.Set("period", period)
	}
	if withdrawn {
		v.Set("withdrawn", "1")
	}
	if len(v) == 0 {
		return "/adjustments"
	}
	return "/adjustments?" + v.Encode()
}

func (s *Server) adjustments(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.renderAdjustments(w, r, http.StatusOK, strings.TrimSpace(q.Get("unit")),
		strings.ToUpper(strings.TrimSpace(q.Get("period"))), q.Get("withdrawn") == "1", adjustmentForm{}, "")
}

// renderAdjustments shows the list filtered by unit and period, and the
// add form (with form and msg when an entry was refused).
func (s *Server) renderAdjustments(w http.ResponseWriter, r *http.Request, status int, unit, period string,
	withdrawn bool, form adjustmentForm, msg string) {
	if !adjPeriodRE.MatchString(period) {
		period = ""
	}
	all, err := s.st.Adjustments(store.AdjustmentFilter{Withdrawn: true})
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, "读取人工加减分记录失败", err)
		return
	}
	now := s.now()
	cur := quarterOf(now)
	year := cur[:4]
	d := adjustmentsData{Unit: unit, Period: period, Withdrawn: withdrawn, CanAct: UserFrom(r.Context()).CanAct(),
		Form: form, Message: msg, Back: adjustmentsURL(unit, period, withdrawn)}
	if d.Form.Period == "" {
		d.Form.Period = cur
	}
	if d.Form.Unit == "" {
		d.Form.Unit = unit
	}

	periods := map[string]bool{cur: true, year + "Y": true}
	for _, a := range all {
		periods[a.Period] = true
		if len(a.Period) >= 4 {
			periods[a.Period[:4]] = true
		}
		match := (unit == "" || a.Unit == unit) && (withdrawn || !a.Withdrawn) &&
			(period == "" || a.Period == period || (len(period) == 4 && strings.HasPrefix(a.Period, period)))
		if !match {
			continue
		}
		d.Rows = append(d.Rows, adjustmentRow{Adjustment: a, UnitName: s.unitName(a.Unit)})
		if !a.Withdrawn {
			if a.Points > 0 {
				d.Deductions += a.Points
			} else {
				d.Bonus -= a.Points
			}
		}
	}
	// Newest first: the entry just made is on top.
	sort.SliceStable(d.Rows, func(i, j int) bool { return d.Rows[i].ID > d.Rows[j].ID })
	if period != "" {
		periods[period] = true
	}
	ps := sortedSet(periods)
	sort.Sort(sort.Reverse(sort.StringSlice(ps)))
	for _, p := range ps {
		label := p
		switch {
		case len(p) == 4:
			label = p + " 全年（含年终）"
		case strings.HasSuffix(p, "Y"):
			label = p[:4] + " 年终考核"
		}
		d.Periods = append(d.Periods, option{p, label, p == period})
	}

	seen := map[string]bool{}
	for _, u := range s.cfg.Units {
		seen[u.ID] = true
		d.Units = append(d.Units, option{u.ID, u.Name, u.ID == unit})
		d.FormUnits = append(d.FormUnits, option{u.ID, u.Name, u.ID == d.Form.Unit})
	}
	others := map[string]bool{}
	for _, a := range all {
		if !seen[a.Unit] {
			others[a.Unit] = true
		}
	}
	for _, id := range sortedSet(others) {
		d.Units = append(d.Units, option{id, id, id == unit})
	}
	for _, c := range store.AdjustmentCategories() {
		d.Categories = append(d.Categories, option{c, c, c == d.Form.Category})
	}
	prevQ := quarterOf(now.AddDate(0, -3, 0))
	prevY := strconv.Itoa(now.In(cst).Year()-1) + "Y"
	d.Suggest = []string{cur, prevQ, year + "Y", prevY}
	s.render(w, r, status, "adjustments", "人工加减分", d)
}

// adjustmentFrom reads and checks the add form. The message is for the
// inspector, in Chinese.
func (s *Server) adjustmentFrom(r *http.Request) (store.Adjustment, adjustmentForm, string) {
	f := adjustmentForm{
		Unit:     strings.TrimSpace(r.PostFormValue("unit")),
		Period:   strings.ToUpper(strings.TrimSpace(r.PostFormValue("period"))),
		Points:   strings.TrimSpace(r.PostFormValue("points")),
		Category: strings.TrimSpace(r.PostFormValue("category")),
		Reason:   strings.TrimSpace(r.PostFormValue("reason")),
	}
	a := store.Adjustment{Unit: f.Unit, Period: f.Period, Category: f.Category, Reason: f.Reason,
		By: UserFrom(r.Context()).Name, At: s.now()}
	known := false
	for _, u := range s.cfg.Units {
		known = known || u.ID == f.Unit
	}
	if !known {
		return a, f, "请选择单位"
	}
	if !store.ValidAdjustmentPeriod(f.Period) {
		return a, f, "期间应为季度（如 2026Q3）或年终（如 2026Y）"
	}
	p, err := strconv.ParseFloat(f.Points, 64)
	if err != nil || math.IsNaN(p) || math.IsInf(p, 0) {
		return a, f, "分值必须是数字：扣分填正数（如 1 或 0.5），加分填负数（如 -2）"
	}
	if p == 0 || p > 100 || p < -100 {
		return a, f, "分值不能为 0，且绝对值不超过 100：扣分填正数，加分填负数"
	}
	a.Points = p
	valid := false
	for _, c := range store.AdjustmentCategories() {
		valid = valid || c == f.Category
	}
	if !valid {
		return a, f, "请选择类别：" + strings.Join(store.AdjustmentCategories(), "、")
	}
	if p < 0 && f.Category != store.CategoryBonus && f.Category != store.CategoryOther {
		return a, f, "负数分值是加分，类别请选择“" + store.CategoryBonus + "”"
	}
	if f.Reason == "" {
		return a, f, "必须填写事由"
	}
	if len([]rune(f.Reason)) > 2000 {
		return a, f, "事由太长（最多 2000 字）"
	}
	return a, f, ""
}

// addAdjustment stores a new manual entry from the form.
func (s *Server) addAdjustment(w http.ResponseWriter, r *http.Request) {
	a, form, msg := s.adjustmentFrom(r)
	unit, period := r.PostFormValue("f-unit"), r.PostFormValue("f-period")
	if msg != "" {
		s.renderAdjustments(w, r, http.StatusBadRequest, unit, period, false, form, msg)
		return
	}
	adj, err := s.st.AddAdjustment(a)
	if err != nil {
		s.log.Error("add adjustment", "unit", a.Unit, "period", a.Period, "err", err)
		s.renderAdjustments(w, r, http.StatusInternalServerError, unit, period, false, form, "保存失败，请稍后重试")
		return
	}
	s.log.Info("adjustment added", "id", adj.ID, "unit", adj.Unit, "period", adj.Period, "points", adj.Points, "by", adj.By)
	s.sessions.setFlash(UserFrom(r.Context()).session, fmt.Sprintf("已录入 %s：%s %s %s（%s）",
		adj.ID, s.unitName(adj.Unit), adj.Period, adjPoints(adj.Points), adj.Category))
	http.Redirect(w, r, adjustmentsURL(adj.Unit, adj.Period, false), http.StatusSeeOther)
}

type adjustmentData struct {
	A        store.Adjustment
	UnitName string
	History  []store.Event
	CanAct   bool
}

// adjustmentPage shows one entry with its history and the withdraw form.
func (s *Server) adjustmentPage(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !adjIDRE.MatchString(id) {
		s.fail(w, r, http.StatusNotFound, "没有这条人工加减分记录："+id, nil)
		return
	}
	a, ok := lookup(s, w, r, id, s.st.Adjustment, "没有这条人工加减分记录："+id, "读取人工加减分记录失败")
	if !ok {
		return
	}
	hist, err := s.st.History(id)
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, "读取操作记录失败", err)
		return
	}
	s.Render(w, r, "adjustment", "人工加减分 "+a.ID, adjustmentData{A: a, UnitName: s.unitName(a.Unit), History: hist,
		CanAct: UserFrom(r.Context()).CanAct()})
}

// withdrawAdjustment withdraws an entry: it counts no more but is kept.
func (s *Server) withdrawAdjustment(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	switch {
	case !adjIDRE.MatchString(id):
		s.fail(w, r, http.StatusNotFound, "没有这条人工加减分记录："+id, nil)
		return
	case reason == "":
		s.fail(w, r, http.StatusBadRequest, "撤回必须填写理由", nil)
		return
	case len([]rune(reason)) > 2000:
		s.fail(w, r, http.StatusBadRequest, "理由太长（最多 2000 字）", nil)
		return
	}
	cur, ok := lookup(s, w, r, id, s.st.Adjustment, "没有这条人工加减分记录："+id, "读取人工加减分记录失败")
	if !ok {
		return
	}
	if cur.Withdrawn {
		s.fail(w, r, http.StatusConflict, fmt.Sprintf("%s 已于 %s 由 %s 撤回，不能再次撤回", id, fmtTime(cur.WithdrawnAt), actorName(cur.WithdrawnBy)), nil)
		return
	}
	u := UserFrom(r.Context())
	a, err := s.st.WithdrawAdjustment(id, u.Name, reason, s.now())
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, "撤回失败，请稍后重试", err)
		return
	}
	s.log.Info("adjustment withdrawn", "id", id, "by", u.Name)
	s.sessions.setFlash(u.session, fmt.Sprintf("已撤回 %s（%s %s %s）", a.ID, s.unitName(a.Unit), a.Period, adjPoints(a.Points)))
	http.Redirect(w, r, "/adjustments/"+url.PathEscape(id), http.StatusSeeOther)
}

// adjPoints writes an entry's points in words: "扣 1 分", "加 2 分".
func adjPoints(p float64) string {
	if p < 0 {
		return "加 " + fmtPoints(-p) + " 分"
	}
	return "扣 " + fmtPoints(p) + " 分"
}
