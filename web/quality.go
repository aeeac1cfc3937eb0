package web

import (
	"net/http"
	"slices"

	"github.com/govaudit/govaudit/reports"
	"github.com/govaudit/govaudit/store"
)

// The UI parts of issue 15: the rectification state of every notified
// finding (page /rectification) and the national verdict on the overview.
// Merge note: the names of the evidence dates below and the page hook in
// New are the only changes outside this file (plus the overview block).

// verdictView is the national verdict as the overview shows it, with the
// latest check run's remarks for the office.
type verdictView struct {
	Headline string
	Status   string
	Lines    []verdictLine
	Notes    []noteGroup
}

// noteGroup is one check's remarks.
type noteGroup struct {
	Check string
	Notes []string
}

type verdictLine struct {
	Status string // ok, warn, fail, none: the CSS class
	Text   string
}

// latestVerdict returns the latest national verdict for the overview; nil
// when none was computed yet or it cannot be read (the overview still
// shows the findings).
func (s *Server) latestVerdict() *verdictView {
	v, ok, err := s.st.LatestVerdict()
	if err != nil || !ok {
		return nil
	}
	out := &verdictView{Headline: reports.VerdictHeadline(v), Status: v.Status}
	for _, ind := range v.Indicators {
		out.Lines = append(out.Lines, verdictLine{Status: ind.Status, Text: reports.VerdictLine(ind)})
	}
	if n, ok, err := s.st.LatestCheckNotes(); err == nil && ok {
		ids := make([]string, 0, len(n.Notes))
		for id := range n.Notes {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		for _, id := range ids {
			out.Notes = append(out.Notes, noteGroup{Check: reports.CheckLabel(id), Notes: n.Notes[id]})
		}
	}
	return out
}

// rectRow is one notified finding on the rectification page.
type rectRow struct {
	store.NoticeEntry
	UnitName  string
	Check     string
	StateText string
	Link      string // the finding's page
}

type rectData struct {
	Rows   []rectRow
	Counts map[string]int
	Notice string
	// Notices are the notices recorded, newest first.
	Notices []string
}

// rectificationTemplate is the page /rectification.
const rectificationTemplate = `{{define "content"}}{{with .Data}}
<h1>通报问题整改跟踪</h1>
<form method="get" action="/rectification" class="filters">
  <label>通报
    <select name="notice">
      <option value="">全部</option>
      {{range .Notices}}<option value="{{.}}"{{if eq . $.Data.Notice}} selected{{end}}>{{.}}</option>{{end}}
    </select></label>
  <button type="submit">查看</button>
</form>
<p class="hint">通报所列、可整改的已确认问题，整改期限后由每晚的检查复查：已整改的记录首次复查未再发现的日期；逾期未整改的生成“通报问题未整改”问题，再次通报后仍未整改的按拒不整改加重扣分。</p>
{{if .Rows}}
<table class="list" id="rectification">
<thead><tr><th>通报</th><th>单位</th><th>问题类型</th><th>信息</th><th>整改期限</th><th>整改情况</th><th>最近复查</th></tr></thead>
<tbody>
{{range .Rows}}
<tr><td>{{.Notice}}</td><td>{{.UnitName}}</td><td>{{.Check}}</td>
<td><a href="{{.Link}}">{{if .Title}}{{.Title}}{{else}}{{.Subject}}{{end}}</a></td>
<td>{{.Deadline}}</td><td class="state-{{.State}}">{{.StateText}}</td><td>{{.Checked}}</td></tr>
{{end}}
</tbody></table>
{{else}}<p>尚无已登记的通报（用 govaudit report --quarter … --issue 登记）。</p>{{end}}
{{end}}{{end}}`

// rectificationPage is the extra page of the rectification follow-up.
func (s *Server) rectificationPage() Page {
	return Page{Path: "/rectification", Title: "整改跟踪", Template: rectificationTemplate,
		Data: func(r *http.Request) (any, error) {
			es, err := s.st.NoticeEntries()
			if err != nil {
				return nil, err
			}
			d := rectData{Counts: map[string]int{}, Notice: r.URL.Query().Get("notice")}
			seen := map[string]bool{}
			for _, e := range es {
				if !seen[e.Notice] {
					seen[e.Notice] = true
					d.Notices = append(d.Notices, e.Notice)
				}
				if d.Notice != "" && e.Notice != d.Notice {
					continue
				}
				d.Counts[e.State]++
				d.Rows = append(d.Rows, rectRow{NoticeEntry: e, UnitName: s.unitName(e.Unit), Check: reports.CheckLabel(e.Rule),
					StateText: reports.RectifyStateLabel(e), Link: "/findings/" + e.FindingID})
			}
			slices.Sort(d.Notices)
			slices.Reverse(d.Notices)
			slices.SortStableFunc(d.Rows, func(a, b rectRow) int {
				if a.Notice != b.Notice {
					if a.Notice > b.Notice {
						return -1
					}
					return 1
				}
				return 0
			})
			return d, nil
		}}
}
