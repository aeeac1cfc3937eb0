package web

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/govaudit/govaudit/jobs"
	"github.com/govaudit/govaudit/reports"
	"github.com/govaudit/govaudit/rules"
	"github.com/govaudit/govaudit/rules/workday"
	"github.com/govaudit/govaudit/store"
)

// unitRow is one unit's line of the overview.
type unitRow struct {
	ID, Name         string
	Rank             int
	Score            float64
	Drafts           int
	DraftPoints      float64
	Confirmed        int
	ConfirmedPoints  float64
	Dismissed        int
	Resolved         int
	DraftsURL        string
	ConfirmedURL     string
	UnitURL          string
	BarY, LabelY     int
	ConfirmedW       int // bar widths in the chart, in pixels
	DraftX, DraftW   int
	ValueX           int
	BarLabel         string
	NonScoring       int
	NonScoringPoints float64
	// Trend is the unit's score over the trend's quarters, as an inline SVG
	// polyline.
	Trend sparkline
}

// sparkline is a small inline SVG of scores across quarters.
type sparkline struct {
	Points string // polyline points
	Dots   []dot
	Title  string // the scores in words
}

type dot struct {
	X, Y  int
	V     float64
	Title string
}

type overviewData struct {
	Quarter   string
	Quarters  []option
	Rows      []unitRow
	Total     unitRow
	Chart     chart
	NoScoring bool
	// Verdict is the site's latest national verdict (quality.go).
	Verdict *verdictView
	Sort    string
	Sorts   []sortLink
	Trend   []string // the trend's quarters, in words
	Max     float64
}

// sortLink is a sortable column header.
type sortLink struct {
	Key, Label, URL string
	Active          bool
}

// chart holds the geometry of the inline SVG bar chart.
type chart struct {
	Width, Height int
	LabelW, BarH  int
	AxisX         int
	Ticks         []tick
}

type tick struct {
	X     int
	Label string
}

const (
	chartWidth  = 760
	chartLabelW = 150
	chartBars   = 540
	chartRow    = 18
	chartTop    = 24
	// trendQuarters is how many quarters the trend shows.
	trendQuarters = 6
	sparkW        = 110
	sparkH        = 24
)

// overviewSorts are the overview's orders.
var overviewSorts = []struct{ key, label string }{
	{"rank", "排名"}, {"name", "单位"}, {"drafts", "待审核"}, {"confirmed", "已确认"}, {"deducted", "已确认扣分"},
}

// overview shows every unit's score, rank and findings of a quarter (by
// default the last ended one), sortable, with each unit's trend.
func (s *Server) overview(w http.ResponseWriter, r *http.Request) {
	q := strings.TrimSpace(r.URL.Query().Get("quarter"))
	if !quarterRE.MatchString(q) {
		q = jobs.LastEndedQuarter(s.now()).String()
	}
	d, err := s.overviewData(r, q)
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, "读取问题失败", err)
		return
	}
	d.Sort = r.URL.Query().Get("sort")
	sortRows(d.Rows, d.Sort)
	for _, o := range overviewSorts {
		v := url.Values{"quarter": {q}, "sort": {o.key}}
		d.Sorts = append(d.Sorts, sortLink{o.key, o.label, "/overview?" + v.Encode(), o.key == d.Sort || (d.Sort == "" && o.key == "rank")})
	}
	s.Render(w, r, "overview", "单位汇总 "+rules.QuarterName(q), d)
}

// sortRows orders the rows by a column; rank (then config order) by default.
func sortRows(rows []unitRow, by string) {
	sort.SliceStable(rows, func(i, j int) bool {
		a, b := rows[i], rows[j]
		switch by {
		case "name":
			return a.Name < b.Name
		case "drafts":
			return a.Drafts > b.Drafts
		case "confirmed":
			return a.Confirmed > b.Confirmed
		case "deducted":
			return a.ConfirmedPoints > b.ConfirmedPoints
		}
		return a.Rank < b.Rank
	})
}

// trendQuartersTo lists the trend's quarters ending with q, oldest first.
func trendQuartersTo(q string) []reports.Period {
	p, err := reports.ParseQuarter(q)
	if err != nil {
		return nil
	}
	out := make([]reports.Period, trendQuarters)
	for i := trendQuarters - 1; i >= 0; i-- {
		out[i] = p
		if p.Quarter--; p.Quarter == 0 {
			p.Year, p.Quarter = p.Year-1, 4
		}
	}
	return out
}

// overviewData computes the overview of quarter q.
func (s *Server) overviewData(r *http.Request, q string) (overviewData, error) {
	d := overviewData{Quarter: q, Verdict: s.latestVerdict()}
	rows := map[string]*unitRow{}
	var order []string
	for _, u := range s.cfg.Units {
		rows[u.ID] = &unitRow{ID: u.ID, Name: u.Name}
		order = append(order, u.ID)
	}
	quarters := map[string]bool{q: true}
	for _, p := range trendQuartersTo(jobs.LastEndedQuarter(s.now()).String()) {
		quarters[p.String()] = true
	}
	err := s.st.EachFinding(func(f store.Finding) error {
		quarters[f.Quarter] = true
		if f.Quarter != q {
			return nil
		}
		row := rows[f.Unit]
		if row == nil {
			row = &unitRow{ID: f.Unit, Name: f.Unit}
			rows[f.Unit] = row
			order = append(order, f.Unit)
		}
		switch f.Status {
		case store.StatusDraft:
			row.Drafts++
			if f.Scoring {
				row.DraftPoints += f.Points
			}
		case store.StatusConfirmed:
			row.Confirmed++
			if f.Scoring {
				row.ConfirmedPoints += f.Points
			}
		case store.StatusDismissed:
			row.Dismissed++
		case store.StatusResolved:
			row.Resolved++
		}
		if !f.Scoring && (f.Status == store.StatusDraft || f.Status == store.StatusConfirmed) {
			row.NonScoring++
			row.NonScoringPoints += f.Points
		}
		return nil
	})
	if err != nil {
		return d, err
	}
	for _, qq := range sortedSet(quarters) {
		if qq != "" {
			d.Quarters = append(d.Quarters, option{qq, rules.QuarterName(qq), qq == q})
		}
	}
	sort.Slice(d.Quarters, func(i, j int) bool { return d.Quarters[i].Value > d.Quarters[j].Value })

	// Scores and ranks of the quarter, and of the trend's quarters.
	trend := trendQuartersTo(q)
	scores := make([]map[string]float64, len(trend))
	ranks := map[string]int{}
	for i, p := range trend {
		n, err := jobs.Notice(r.Context(), s.cfg, s.st, p, s.now())
		if errors.Is(err, jobs.ErrNoUnits) {
			break
		}
		if err != nil {
			return d, err
		}
		d.Max = n.Max
		scores[i] = map[string]float64{}
		for _, row := range n.Rows {
			scores[i][row.UnitID] = row.Score
			if p.String() == q {
				ranks[row.UnitID] = row.Rank
			}
		}
		d.Trend = append(d.Trend, p.Label())
	}

	max := 0.0
	for _, id := range order {
		row := rows[id]
		if v := row.ConfirmedPoints + row.DraftPoints; v > max {
			max = v
		}
	}
	scale := niceMax(max)
	for i, id := range order {
		row := rows[id]
		row.Rank = ranks[id]
		if m := scores[len(scores)-1]; m != nil {
			row.Score = m[id]
		}
		row.Trend = spark(trend, scores, id, d.Max)
		base := url.Values{"unit": {id}, "quarter": {q}}
		base.Set("status", store.StatusDraft)
		row.DraftsURL = "/findings?" + base.Encode()
		base.Set("status", store.StatusConfirmed)
		row.ConfirmedURL = "/findings?" + base.Encode()
		row.UnitURL = "/overview/unit/" + url.PathEscape(id) + "?" + url.Values{"quarter": {q}}.Encode()
		row.BarY = chartTop + i*chartRow + 3
		row.LabelY = chartTop + i*chartRow + 13
		row.ConfirmedW = int(row.ConfirmedPoints / scale * chartBars)
		row.DraftX = chartLabelW + row.ConfirmedW
		row.DraftW = int(row.DraftPoints / scale * chartBars)
		row.ValueX = row.DraftX + row.DraftW + 4
		row.BarLabel = fmtPoints(row.ConfirmedPoints)
		if row.DraftPoints > 0 {
			row.BarLabel += " (+" + fmtPoints(row.DraftPoints) + ")"
		}
		d.Total.Drafts += row.Drafts
		d.Total.DraftPoints += row.DraftPoints
		d.Total.Confirmed += row.Confirmed
		d.Total.ConfirmedPoints += row.ConfirmedPoints
		d.Total.Dismissed += row.Dismissed
		d.Total.Resolved += row.Resolved
		d.Total.NonScoring += row.NonScoring
		d.Rows = append(d.Rows, *row)
	}
	d.Chart = chart{Width: chartWidth, Height: chartTop + len(order)*chartRow + 8, LabelW: chartLabelW,
		BarH: chartRow - 6, AxisX: chartLabelW}
	for i := 0; i <= 4; i++ {
		v := scale * float64(i) / 4
		d.Chart.Ticks = append(d.Chart.Ticks, tick{X: chartLabelW + int(v/scale*chartBars), Label: fmtPoints(v)})
	}
	return d, nil
}

// spark draws a unit's scores over the trend's quarters.
func spark(trend []reports.Period, scores []map[string]float64, id string, max float64) sparkline {
	var sl sparkline
	if max <= 0 {
		max = 20
	}
	// The scale runs from the unit's lowest score (at most max-4) to max,
	// so that a lost point shows.
	lo := max - 4
	for i := range trend {
		if i < len(scores) && scores[i] != nil && scores[i][id] < lo {
			lo = scores[i][id]
		}
	}
	var pts, words []string
	for i, p := range trend {
		if i >= len(scores) || scores[i] == nil {
			continue
		}
		v := scores[i][id]
		x := 4 + i*(sparkW-8)/max1(len(trend)-1)
		y := 3 + int(float64(sparkH-6)*(max-v)/(max-lo))
		pts = append(pts, strconv.Itoa(x)+","+strconv.Itoa(y))
		t := p.Label() + " " + fmtPoints(v) + " 分"
		words = append(words, t)
		sl.Dots = append(sl.Dots, dot{x, y, v, t})
	}
	sl.Points = strings.Join(pts, " ")
	sl.Title = strings.Join(words, "；")
	return sl
}

func max1(n int) int {
	if n < 1 {
		return 1
	}
	return n
}

// unitData is one unit's page.
type unitData struct {
	Row      unitRow
	Quarter  string
	Quarters []option
	Trend    []string
	History  []unitQuarter
	Findings []store.Finding
	Adjust   []store.Adjustment
	ListURL  string
	Resolved []store.Finding
}

// unitQuarter is a unit's result in one quarter of its history.
type unitQuarter struct {
	Quarter string
	Score   float64
	Rank    int
	Of      int
}

// unitPage shows one unit: its score and rank over the quarters, the
// quarter's confirmed and draft findings, its manual adjustments and the
// problems it rectified (resolved).
func (s *Server) unitPage(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	q := strings.TrimSpace(r.URL.Query().Get("quarter"))
	if !quarterRE.MatchString(q) {
		q = jobs.LastEndedQuarter(s.now()).String()
	}
	d, err := s.overviewData(r, q)
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, "读取问题失败", err)
		return
	}
	u := unitData{Quarter: q, Quarters: d.Quarters, Trend: d.Trend}
	found := false
	for _, row := range d.Rows {
		if row.ID == id {
			u.Row, found = row, true
		}
	}
	if !found {
		s.fail(w, r, http.StatusNotFound, "没有这个单位："+id, nil)
		return
	}
	for _, p := range trendQuartersTo(q) {
		n, err := jobs.Notice(r.Context(), s.cfg, s.st, p, s.now())
		if err != nil {
			s.fail(w, r, http.StatusInternalServerError, "读取问题失败", err)
			return
		}
		for _, row := range n.Rows {
			if row.UnitID == id {
				u.History = append(u.History, unitQuarter{p.Label(), row.Score, row.Rank, len(n.Rows)})
			}
		}
	}
	list, _, err := s.st.Findings(store.Filter{Unit: id, Quarter: q, Sort: "-points"})
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, "读取问题失败", err)
		return
	}
	for _, f := range list {
		switch f.Status {
		case store.StatusConfirmed, store.StatusDraft:
			u.Findings = append(u.Findings, f)
		case store.StatusResolved:
			u.Resolved = append(u.Resolved, f)
		}
	}
	if u.Adjust, err = s.st.Adjustments(store.AdjustmentFilter{Unit: id, Period: q[:4]}); err != nil {
		s.fail(w, r, http.StatusInternalServerError, "读取人工加减分失败", err)
		return
	}
	u.ListURL = "/findings?" + url.Values{"unit": {id}, "quarter": {q}, "status": {"all"}}.Encode()
	s.Render(w, r, "unit", u.Row.Name+" · "+rules.QuarterName(q), u)
}

// overviewExport writes the overview of a quarter as CSV.
func (s *Server) overviewExport(w http.ResponseWriter, r *http.Request) {
	q := strings.TrimSpace(r.URL.Query().Get("quarter"))
	if !quarterRE.MatchString(q) {
		q = jobs.LastEndedQuarter(s.now()).String()
	}
	d, err := s.overviewData(r, q)
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, "读取问题失败", err)
		return
	}
	sortRows(d.Rows, r.URL.Query().Get("sort"))
	var buf bytes.Buffer
	buf.WriteString("\ufeff")
	cw := csv.NewWriter(&buf)
	hdr := []string{"排名", "单位", "得分", "待审核", "待审核扣分", "已确认", "已确认扣分", "已驳回", "已消除", "不计分问题"}
	for _, t := range d.Trend {
		hdr = append(hdr, t+"得分")
	}
	_ = cw.Write(hdr)
	for _, row := range d.Rows {
		rec := []string{strconv.Itoa(row.Rank), reports.SafeCell(row.Name), fmtPoints(row.Score), strconv.Itoa(row.Drafts),
			fmtPoints(row.DraftPoints), strconv.Itoa(row.Confirmed), fmtPoints(row.ConfirmedPoints), strconv.Itoa(row.Dismissed),
			strconv.Itoa(row.Resolved), strconv.Itoa(row.NonScoring)}
		for _, dt := range row.Trend.Dots {
			rec = append(rec, fmtPoints(dt.V))
		}
		_ = cw.Write(rec)
	}
	cw.Flush()
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", attachment(q+"-单位汇总.csv"))
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(buf.Bytes())
}

// niceMax rounds the chart's maximum up to a round number of points.
func niceMax(v float64) float64 {
	for _, n := range []float64{2, 4, 8, 10, 20, 40, 50, 100, 200, 400, 1000} {
		if v <= n {
			return n
		}
	}
	return v
}

type runRow struct {
	store.Run
	Duration string
	Summary  string
}

type runsData struct {
	Kind  string
	Kinds []option
	Rows  []runRow
	// Coverage is what the latest crawl read of the columns: the totals
	// and the columns that need a look.
	Coverage     reports.CoverageSummary
	CoverageNote string
	// CanAct shows inspectors the form that confirms a suspect drop.
	CanAct bool
}

func (s *Server) runs(w http.ResponseWriter, r *http.Request) {
	kind := strings.TrimSpace(r.URL.Query().Get("kind"))
	list, err := s.st.Runs(kind, 200)
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, "读取运行记录失败", err)
		return
	}
	d := runsData{Kind: kind, CanAct: UserFrom(r.Context()).CanAct()}
	for _, k := range []string{"", "crawl", "check", "nightly", "digest", "report", "probe"} {
		label := nameOr(runKindNames, k)
		if k == "" {
			label = "全部"
		}
		d.Kinds = append(d.Kinds, option{k, label, k == kind})
	}
	now := s.now()
	for _, run := range list {
		row := runRow{Run: run}
		end := run.EndedAt
		if end.IsZero() && run.Status == "running" {
			end = now
		}
		if !end.IsZero() && !run.StartedAt.IsZero() {
			row.Duration = fmtDuration(end.Sub(run.StartedAt))
		}
		row.Summary = runSummary(run)
		d.Rows = append(d.Rows, row)
	}
	if in, err := rules.LoadInput(r.Context(), s.cfg, s.st, &workday.Calendar{}); err != nil {
		d.CoverageNote = "读取抓取覆盖情况失败"
		s.log.Warn("coverage", "err", err)
	} else {
		d.Coverage = reports.SummarizeCoverage(rules.Coverage(in), s.cfg.Units)
	}
	s.Render(w, r, "runs", "运行记录", d)
}

// acceptDrop records an inspector's confirmation that a suspect column's
// drop is real: the next check judges the column as its latest walk
// read it.
func (s *Server) acceptDrop(w http.ResponseWriter, r *http.Request) {
	id := strings.TrimSpace(r.PostFormValue("column"))
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	col, ok := s.cfg.Column(id)
	switch {
	case !ok:
		s.fail(w, r, http.StatusNotFound, "没有这个栏目："+id, nil)
		return
	case reason == "":
		s.fail(w, r, http.StatusBadRequest, "确认栏目数量下降属实必须填写理由", nil)
		return
	case len([]rune(reason)) > 2000:
		s.fail(w, r, http.StatusBadRequest, "理由太长（最多 2000 字）", nil)
		return
	}
	u := UserFrom(r.Context())
	was, err := s.st.AcceptDrop(store.SourceColumn+":"+id, u.Name, reason, s.now())
	if err != nil {
		s.fail(w, r, http.StatusConflict, "该栏目当前不是“疑似异常”状态，无需确认", err)
		return
	}
	s.log.Info("suspect drop accepted", "column", id, "by", u.Name)
	s.sessions.setFlash(u.session, fmt.Sprintf("已确认%s「%s」%s属实，下次检查按本次抓取结果判定", s.unitName(col.Unit), col.Name, was))
	http.Redirect(w, r, "/runs#coverage", http.StatusSeeOther)
}

// fmtDuration writes d in Chinese units, to the second.
func fmtDuration(d time.Duration) string {
	d = d.Round(time.Second)
	h, m, sec := int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60
	switch {
	case h > 0:
		return strconv.Itoa(h) + " 小时 " + strconv.Itoa(m) + " 分"
	case m > 0:
		return strconv.Itoa(m) + " 分 " + strconv.Itoa(sec) + " 秒"
	}
	return strconv.Itoa(sec) + " 秒"
}

// runSummary lists a run's non-zero figures in words.
func runSummary(r store.Run) string {
	var parts []string
	add := func(label string, n int) {
		if n != 0 {
			parts = append(parts, label+" "+strconv.Itoa(n))
		}
	}
	add("页面", r.Pages)
	add("请求", r.Requests)
	add("未修改", r.NotModified)
	add("文章", r.Parsed)
	add("条目", r.Items)
	add("附件", r.Attachments)
	add("来信", r.Letters)
	for _, k := range sortedIntKeys(r.Errors) {
		add("错误 "+k, r.Errors[k])
	}
	for _, k := range sortedIntKeys(r.Figures) {
		add(k, r.Figures[k])
	}
	if r.Bytes > 0 {
		parts = append(parts, "数据 "+strconv.FormatFloat(float64(r.Bytes)/(1<<20), 'f', 1, 64)+" MB")
	}
	return strings.Join(parts, "，")
}
