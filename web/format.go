package web

import (
	"html/template"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/govaudit/govaudit/rules"
	"github.com/govaudit/govaudit/store"
)

// checkNames returns the checks' Chinese titles by id and their ids in
// report order, from rules.Defs: the one list of the checks.
func checkNames() (map[string]string, []string) {
	defs := rules.Defs()
	names := make(map[string]string, len(defs))
	order := make([]string, 0, len(defs))
	for _, d := range defs {
		names[d.ID] = d.Title
		order = append(order, d.ID)
	}
	return names, order
}

var statusNames = map[string]string{
	store.StatusDraft:     "待审核",
	statusHistorical:      "历史问题",
	store.StatusConfirmed: "已确认",
	store.StatusDismissed: "已驳回",
	store.StatusResolved:  "已消除",
}

var statusOrder = []string{store.StatusDraft, statusHistorical, store.StatusConfirmed, store.StatusDismissed, store.StatusResolved}

var actionNames = map[string]string{
	"detected": "检出",
	"confirm":  "确认",
	"dismiss":  "驳回",
	"adjust":   "调整扣分",
	"reopen":   "重新打开",
	"reopened": "再次检出",
	"resolved": "问题已消除",
	"add":      "新增",
	"withdraw": "撤回",
}

// dateKeys returns the keys of evidence dates in reading order (the
// catalogue's, rules.DateKeys), unknown keys last in alphabetical order.
func dateKeys(m map[string]string) []string {
	var ks []string
	known := map[string]bool{}
	for _, k := range rules.DateKeys() {
		known[k] = true
		if _, ok := m[k]; ok {
			ks = append(ks, k)
		}
	}
	for _, k := range sortedKeys(m) {
		if !known[k] {
			ks = append(ks, k)
		}
	}
	return ks
}

var runStatusNames = map[string]string{
	"running":     "运行中",
	"ok":          "成功",
	"failed":      "失败",
	"interrupted": "已中断",
}

// runKindNames are the Chinese names of the kinds of runs.
var runKindNames = map[string]string{
	"crawl":   "抓取",
	"check":   "检查",
	"nightly": "夜间任务",
	"digest":  "每周提醒",
	"report":  "通报",
	"probe":   "可用性探测",
}

func nameOr(m map[string]string, k string) string {
	if n, ok := m[k]; ok {
		return n
	}
	return k
}

func (s *Server) unitName(id string) string {
	for _, u := range s.cfg.Units {
		if u.ID == id {
			return u.Name
		}
	}
	return id
}

func (s *Server) columnName(id string) string {
	if n, ok := s.columnNames[id]; ok {
		return n
	}
	// Column ids default to "<unit id>/<column name>".
	if i := strings.Index(id, "/"); i >= 0 {
		return id[i+1:]
	}
	return id
}

func (s *Server) funcs() template.FuncMap {
	return template.FuncMap{
		"ruleName":    rules.CheckName,
		"subjectText": subjectText,
		"statusName":  func(st string) string { return nameOr(statusNames, st) },
		"actionName":  func(a string) string { return nameOr(actionNames, a) },
		"runStatus":   func(st string) string { return nameOr(runStatusNames, st) },
		"runKind":     func(k string) string { return nameOr(runKindNames, k) },
		"dateName":    rules.DateName,
		"evidence":    rules.EvidenceText,
		"quarter":     rules.QuarterName,
		"unitName":    s.unitName,
		"columnName":  s.columnName,
		"points":      fmtPoints,
		"dec":         func(i int) int { return i - 1 },
		"when":        fmtTime,
		"actor":       actorName,
		"httpURL":     httpURL,
		"dateKeys":    dateKeys,
		"adjPoints":   adjPoints,
	}
}

// actorName names who made an event: the system appears as 系统.
func actorName(by string) string {
	if by == "" || by == store.SystemActor {
		return "系统"
	}
	return by
}

// fmtPoints writes points without needless decimals: 1, 0.5, 0.25.
func fmtPoints(p float64) string {
	return strconv.FormatFloat(p, 'f', -1, 64)
}

// fmtTime writes t in China Standard Time, or "—" for the zero time.
func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(cst).Format("2006-01-02 15:04")
}

// httpURL returns u when it is an absolute http(s) URL, else "": a
// crawled javascript: URL never becomes a link.
func httpURL(u string) string {
	p, err := url.Parse(strings.TrimSpace(u))
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
		return ""
	}
	return p.String()
}

func sortedKeys(m map[string]string) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func sortedIntKeys(m map[string]int) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// quarterOf returns t's quarter in China Standard Time, e.g. "2026Q3".
func quarterOf(t time.Time) string {
	t = t.In(cst)
	return strconv.Itoa(t.Year()) + "Q" + strconv.Itoa((int(t.Month())-1)/3+1)
}

// subjectText renders a finding's subject for the detail page: a URL (or
// a page and the link on it) as it is; an internal key such as
// "unit/column:2026Q2" as nothing, since the title, column and quarter
// already say it.
func subjectText(s string) string {
	if strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://") {
		return s
	}
	return ""
}
