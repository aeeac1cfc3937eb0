package web

import (
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/govaudit/govaudit/rules"
	"github.com/govaudit/govaudit/store"
)

// unitRow is one unit's line of the overview.
type unitRow struct {
	ID, Name         string
	Drafts           int
	DraftPoints      float64
	Confirmed        int
	ConfirmedPoints  float64
	Dismissed        int
	DraftsURL        string
	ConfirmedURL     string
	BarY, LabelY     int
	ConfirmedW       int // bar widths in the chart, in pixels
	DraftX, DraftW   int
	ValueX           int
	BarLabel         string
	NonScoring       int
	NonScoringPoints float64
}

type overviewData struct {
	Quarter   string
	Quarters  []option
	Rows      []unitRow
	Total     unitRow
	Chart     chart
	NoScoring bool
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
)

func (s *Server) overview(w http.ResponseWriter, r *http.Request) {
	q := strings.TrimSpace(r.URL.Query().Get("quarter"))
	if !quarterRE.MatchString(q) {
		q = quarterOf(s.now())
	}
	d := overviewData{Quarter: q}
	rows := map[string]*unitRow{}
	var order []string
	for _, u := range s.cfg.Units {
		rows[u.ID] = &unitRow{ID: u.ID, Name: u.Name}
		order = append(order, u.ID)
	}
	quarters := map[string]bool{q: true, quarterOf(s.now()): true}
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
		}
		if !f.Scoring && (f.Status == store.StatusDraft || f.Status == store.StatusConfirmed) {
			row.NonScoring++
			row.NonScoringPoints += f.Points
		}
		return nil
	})
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, "读取问题失败", err)
		return
	}
	for _, qq := range sortedSet(quarters) {
		if qq != "" {
			d.Quarters = append(d.Quarters, option{qq, rules.QuarterName(qq), qq == q})
		}
	}
	sort.Slice(d.Quarters, func(i, j int) bool { return d.Quarters[i].Value > d.Quarters[j].Value })

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
		base := url.Values{"unit": {id}, "quarter": {q}}
		base.Set("status", store.StatusDraft)
		row.DraftsURL = "/findings?" + base.Encode()
		base.Set("status", store.StatusConfirmed)
		row.ConfirmedURL = "/findings?" + base.Encode()
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
		d.Total.NonScoring += row.NonScoring
		d.Rows = append(d.Rows, *row)
	}
	d.Chart = chart{Width: chartWidth, Height: chartTop + len(order)*chartRow + 8, LabelW: chartLabelW,
		BarH: chartRow - 6, AxisX: chartLabelW}
	for i := 0; i <= 4; i++ {
		v := scale * float64(i) / 4
		d.Chart.Ticks = append(d.Chart.Ticks, tick{X: chartLabelW + int(v/scale*chartBars), Label: fmtPoints(v)})
	}
	s.Render(w, r, "overview", "单位汇总 "+rules.QuarterName(q), d)
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
}

func (s *Server) runs(w http.ResponseWriter, r *http.Request) {
	kind := strings.TrimSpace(r.URL.Query().Get("kind"))
	list, err := s.st.Runs(kind, 200)
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, "读取运行记录失败", err)
		return
	}
	d := runsData{Kind: kind}
	for _, k := range []string{"", "crawl", "check", "nightly", "digest", "report", "probe"} {
		label := k
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
	s.Render(w, r, "runs", "运行记录", d)
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
