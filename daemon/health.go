package daemon

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"time"

	"github.com/govaudit/govaudit/probe"
	"github.com/govaudit/govaudit/store"
)

// Health is the answer of /healthz.
type Health struct {
	// Status is ok, degraded (a job's latest run failed or a probe
	// failed) or down (the store cannot be read; HTTP 503).
	Status string      `json:"status"`
	Time   time.Time   `json:"time"`
	Store  StoreHealth `json:"store"`
	Jobs   []JobHealth `json:"jobs"`
	// Probes are the latest round's results.
	Probes []store.Probe `json:"probes,omitempty"`
}

// StoreHealth says whether the store answers.
type StoreHealth struct {
	OK   bool   `json:"ok"`
	Path string `json:"path"`
	Err  string `json:"err,omitempty"`
}

// JobHealth is one job's schedule and latest run.
type JobHealth struct {
	Job     string     `json:"job"`
	Spec    string     `json:"spec"`
	Next    time.Time  `json:"next,omitzero"`
	Running bool       `json:"running"`
	Last    *store.Run `json:"last,omitempty"`
}

// Health returns the daemon's state.
func (d *Daemon) Health() Health {
	h := Health{Status: "ok", Time: d.now().In(d.loc), Store: StoreHealth{OK: true, Path: d.st.Path()}}
	d.mu.Lock()
	for name, j := range d.jobs {
		jh := JobHealth{Job: name, Spec: j.spec, Running: j.running.Load() != nil}
		if e := d.cron.Entry(j.entry); e.Valid() {
			jh.Next = e.Next
			if jh.Next.IsZero() && e.Schedule != nil { // cron not started yet
				jh.Next = e.Schedule.Next(d.now().In(d.loc))
			}
		}
		h.Jobs = append(h.Jobs, jh)
	}
	d.mu.Unlock()
	sort.Slice(h.Jobs, func(a, b int) bool { return h.Jobs[a].Job < h.Jobs[b].Job })
	for i := range h.Jobs {
		if h.Jobs[i].Job == JobProbe {
			continue
		}
		r, ok, err := d.st.LastRun(h.Jobs[i].Job)
		if err != nil {
			h.Status, h.Store.OK, h.Store.Err = "down", false, err.Error()
			break
		}
		if ok {
			r.Resume = nil
			h.Jobs[i].Last = &r
			if r.Status == store.RunFailed && h.Status == "ok" {
				h.Status = "degraded"
			}
		}
	}
	if ps := d.lastRound.Load(); ps != nil {
		h.Probes = *ps
		for _, p := range h.Probes {
			if !p.OK && h.Status == "ok" {
				h.Status = "degraded"
			}
		}
	}
	return h
}

func (d *Daemon) healthz(w http.ResponseWriter, r *http.Request) {
	h := d.Health()
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if !h.Store.OK {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(h)
}

// OpsPage describes the daemon's operations page for the review UI (it
// matches web.Page): the jobs, their latest runs and the week's probes.
type OpsPage struct {
	Path     string
	Title    string
	Template string // defines "content"; executed with Data's value as .Data
	Data     func(r *http.Request) (any, error)
}

// OpsData is the data of the operations page, formatted for display
// (times in Asia/Shanghai).
type OpsData struct {
	Status string
	Jobs   []OpsJob
	Week   []OpsTarget // the probes of the last 7 days
	Limits string      // the thresholds, in words
	Runs   []OpsRun    // the latest runs of every kind
}

// OpsJob is one row of the jobs table.
type OpsJob struct {
	Job, Spec, Next, Last, Status, Note string
}

// OpsTarget is one row of the availability table.
type OpsTarget struct {
	probe.Summary
	Name, Percent, Home string
}

// OpsRun is one row of the runs table.
type OpsRun struct {
	ID                                 uint64
	Kind, Started, Ended, Status, Note string
	Pages                              int
}

func (d *Daemon) opsPage() OpsPage {
	return OpsPage{Path: "/ops", Title: "运行与可用性", Template: opsTemplate, Data: func(*http.Request) (any, error) {
		return d.opsData()
	}}
}

func (d *Daemon) opsData() (OpsData, error) {
	tf := func(t time.Time, layout string) string {
		if t.IsZero() {
			return ""
		}
		return t.In(d.loc).Format(layout)
	}
	h := d.Health()
	lim := probe.DefaultLimits()
	data := OpsData{Status: h.Status, Limits: fmt.Sprintf("访问失败率 ≥ %.0f%% 预警；≥ %.0f%% 且一周内每日访问 ≥ %d 次为不合格；首页 %d 天未更新预警，%d 天不合格",
		100*lim.WarnRatio, 100*lim.FailRatio, lim.MinPerDay, lim.WarnDays, lim.FailDays)}
	for _, j := range h.Jobs {
		oj := OpsJob{Job: j.Job, Spec: j.Spec, Next: tf(j.Next, "2006-01-02 15:04")}
		if j.Last != nil {
			oj.Last, oj.Status, oj.Note = tf(j.Last.StartedAt, "2006-01-02 15:04"), j.Last.Status, j.Last.Note
		}
		if j.Running {
			oj.Status = "运行中"
		}
		data.Jobs = append(data.Jobs, oj)
	}
	week, err := probe.WeekOf(d.st, d.now())
	if err != nil {
		return data, err
	}
	for _, s := range week {
		t := OpsTarget{Summary: s, Name: s.Target, Percent: fmt.Sprintf("%.1f%%", 100*s.Ratio)}
		if s.Target == probe.HomeTarget {
			t.Name = "首页"
			switch {
			case s.Freshness == probe.StatusNone:
				t.Home = "本周无成功访问，无法判断更新情况"
			case s.Newest == "":
				t.Home = "首页未见带日期的信息（视为未更新）"
			default:
				t.Home = fmt.Sprintf("首页最新信息 %s，距今 %d 天（%s）", s.Newest, s.DaysSinceUpdate, s.Freshness)
			}
		}
		data.Week = append(data.Week, t)
	}
	runs, err := d.st.Runs("", 30)
	if err != nil {
		return data, err
	}
	for _, r := range runs {
		data.Runs = append(data.Runs, OpsRun{ID: r.ID, Kind: r.Kind, Started: tf(r.StartedAt, "2006-01-02 15:04:05"),
			Ended: tf(r.EndedAt, "15:04:05"), Status: r.Status, Note: r.Note, Pages: r.Pages})
	}
	return data, nil
}

// opsTemplate renders OpsData; html/template escapes every value.
const opsTemplate = `{{define "content"}}{{with .Data}}
<h1>运行与可用性</h1>
<p>状态：{{.Status}}</p>
<h2>定时任务</h2>
<table class="table">
<thead><tr><th>任务</th><th>计划（北京时间）</th><th>下次运行</th><th>最近一次</th><th>状态</th><th>说明</th></tr></thead>
<tbody>{{range .Jobs}}<tr><td>{{.Job}}</td><td><code>{{.Spec}}</code></td><td>{{.Next}}</td><td>{{.Last}}</td><td>{{.Status}}</td><td>{{.Note}}</td></tr>{{end}}</tbody>
</table>
<h2>近一周可用性</h2>
<p>{{.Limits}}</p>
<table class="table">
<thead><tr><th>对象</th><th>访问</th><th>失败</th><th>失败率</th><th>判定</th><th>平均耗时</th><th>最近错误</th></tr></thead>
<tbody>{{range .Week}}<tr><td>{{.Name}}</td><td>{{.Visits}}</td><td>{{.Failures}}</td><td>{{.Percent}}</td>
<td>{{.Status}}{{if not .Sufficient}}（样本不足）{{end}}</td><td>{{.AvgMS}} ms</td><td>{{.LastError}}</td></tr>
{{if .Home}}<tr><td colspan="7">{{.Home}}</td></tr>{{end}}{{else}}<tr><td colspan="7">暂无探测记录</td></tr>{{end}}</tbody>
</table>
<h2>最近运行记录</h2>
<table class="table">
<thead><tr><th>#</th><th>类型</th><th>开始</th><th>结束</th><th>状态</th><th>页面</th><th>说明</th></tr></thead>
<tbody>{{range .Runs}}<tr><td>{{.ID}}</td><td>{{.Kind}}</td><td>{{.Started}}</td><td>{{.Ended}}</td><td>{{.Status}}</td><td>{{.Pages}}</td><td>{{.Note}}</td></tr>{{end}}</tbody>
</table>
{{end}}{{end}}`
