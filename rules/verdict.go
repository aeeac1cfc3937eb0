package rules

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/govaudit/govaudit/config"
	"github.com/govaudit/govaudit/probe"
	"github.com/govaudit/govaudit/rules/workday"
	"github.com/govaudit/govaudit/store"
)

// The national verdict (单项否决): per site and week, the veto indicators of
// the State Council's website spot checks, from what govaudit measures,
// each with an early warning before its limit:
//
//	availability   visits failing within 15 s ≥ 5 % of ≥ 20 a day over a week (warn 3 %)
//	home-update    home page without a dated update ≥ 14 days (warn 10)
//	stale-columns  ≥ 5 columns not updated: dynamic 14 days, notice and policy
//	               183 days (rules.stale_days) (warn 3)
//	blank-columns  ≥ 5 columns that never held an item (warn 3)
//	interaction    a letter received within the past year unanswered for more
//	               than 3 months (warn: one unanswered for more than 2 months)
//	severe-wording a confirmed wording finding of a 严重表述错误 (职务错误 and
//	               领导姓名错误 included) on a page of the window (warn: such a
//	               draft, a 疑似 awaiting review); from the store's findings
//
// The first two come from the probes' week (probe.Summary of the home
// page); without probes they are "none".

// Verdict thresholds.
const (
	verdictColumnsWarn    = 3
	verdictColumnsFail    = 5
	verdictUnansweredFail = 3 // months
	verdictUnansweredWarn = 2 // months
)

// ISOWeek returns the ISO week of d as "2026-W48".
func ISOWeek(d time.Time) string {
	y, w := d.ISOWeek()
	return fmt.Sprintf("%04d-W%02d", y, w)
}

// NationalVerdict computes the site's verdict as of asOf from in and the
// home page's probe summary of the week ending with asOf (nil: not
// probed).
func NationalVerdict(in Input, home *probe.Summary, asOf time.Time) (store.VerdictRecord, error) {
	if in.Config == nil || in.Calendar == nil {
		return store.VerdictRecord{}, fmt.Errorf("national verdict: config and calendar are required")
	}
	e, err := newEnv(in, asOf)
	if err != nil {
		return store.VerdictRecord{}, err
	}
	return e.nationalVerdict(home), nil
}

// nationalVerdict is NationalVerdict over e.
func (e *env) nationalVerdict(home *probe.Summary) store.VerdictRecord {
	v := store.VerdictRecord{Week: ISOWeek(e.asOf), AsOf: e.asOf.Format(dateLayout)}
	lim := probe.DefaultLimits()

	// Availability and home page, from the probes.
	avail := store.VerdictIndicator{ID: "availability", Name: "网站可用性", Warn: 100 * lim.WarnRatio, Fail: 100 * lim.FailRatio, Unit: "%", Status: store.VerdictNone}
	upd := store.VerdictIndicator{ID: "home-update", Name: "首页更新", Warn: float64(lim.WarnDays), Fail: float64(lim.FailDays), Unit: "天", Status: store.VerdictNone}
	if home != nil && home.Visits > 0 {
		avail.Value = round2(100 * home.Ratio)
		avail.Status = home.Status
		avail.Note = home.NoteAs("首页")
		upd.Status = home.Freshness
		upd.Value = float64(home.DaysSinceUpdate)
		switch {
		case home.Freshness == probe.StatusNone || home.Freshness == "":
			upd.Status = store.VerdictNone
			upd.Note = "本周首页无成功访问，无法判断"
		case home.Newest == "":
			upd.Note = "首页未见带日期的信息，视为未更新"
		default:
			upd.Note = fmt.Sprintf("首页最新信息 %s，已 %d 天未更新", home.Newest, home.DaysSinceUpdate)
		}
	} else {
		avail.Note = "本周无可用性探测记录"
		upd.Note = "本周无首页探测记录"
	}

	// Stale and blank columns, from the latest crawl.
	stale := store.VerdictIndicator{ID: "stale-columns", Name: "栏目不更新", Warn: verdictColumnsWarn, Fail: verdictColumnsFail, Unit: "个"}
	blank := store.VerdictIndicator{ID: "blank-columns", Name: "空白栏目", Warn: verdictColumnsWarn, Fail: verdictColumnsFail, Unit: "个"}
	unaudited := 0
	var staleNames, blankNames []string
	for _, col := range e.columns {
		st, ok := e.columnJudged(col.ID)
		if !ok {
			unaudited++
			continue
		}
		sum := e.summary(col.ID)
		if st.Items == 0 && sum.n == 0 {
			blankNames = append(blankNames, e.unitName(col.Unit)+"「"+col.Name+"」")
			continue
		}
		limit := 0
		switch col.Kind {
		case config.KindDynamic, config.KindNotice, config.KindPolicy:
			limit = e.cfg.Rules.Stale[col.Kind]
		}
		if limit <= 0 {
			continue
		}
		var newest time.Time
		if sum.newest != nil {
			newest = sum.newest.pub
		}
		if !newest.IsZero() && days(newest, e.asOf) > limit {
			staleNames = append(staleNames, e.unitName(col.Unit)+"「"+col.Name+"」")
		}
	}
	countIndicator(&stale, staleNames, unaudited)
	countIndicator(&blank, blankNames, unaudited)

	// Interaction: letters unanswered for more than 3 months.
	inter := store.VerdictIndicator{ID: "interaction", Name: "互动回应", Warn: 1, Fail: 1, Unit: "件"}
	yearAgo := e.asOf.AddDate(-1, 0, 0)
	failBefore := e.asOf.AddDate(0, -verdictUnansweredFail, 0)
	warnBefore := e.asOf.AddDate(0, -verdictUnansweredWarn, 0)
	var fail, warn int
	for _, l := range e.letters {
		if l.FetchErr != "" {
			continue
		}
		recv, err := parseDay(l.Received)
		if err != nil || recv.Before(yearAgo) || recv.After(e.asOf) {
			continue
		}
		if rep, err := parseDay(l.Replied); err == nil && !rep.After(e.asOf) {
			continue // answered
		}
		if l.Replied == "" && answeredStatus(l.Status) {
			continue // answered, date not given
		}
		switch {
		case recv.Before(failBefore):
			fail++
		case recv.Before(warnBefore):
			warn++
		}
	}
	inter.Value = float64(fail)
	switch {
	case fail > 0:
		inter.Status = store.VerdictFail
		inter.Note = fmt.Sprintf("近一年内有 %d 件来信超过 3 个月未答复", fail)
	case warn > 0:
		inter.Status = store.VerdictWarn
		inter.Value = float64(warn)
		inter.Note = fmt.Sprintf("有 %d 件来信超过 2 个月未答复，即将超过 3 个月", warn)
	default:
		inter.Status = store.VerdictOK
		inter.Note = "近一年内无超过 3 个月未答复的来信"
	}
	if len(e.mailboxes) == 0 {
		inter.Status, inter.Note = store.VerdictNone, "未配置信箱"
	}

	v.Indicators = []store.VerdictIndicator{avail, upd, stale, blank, inter}
	v.Status = worstStatus(v.Indicators)
	return v
}

// worstStatus is the worst status of the indicators (none when all are none).
func worstStatus(inds []store.VerdictIndicator) string {
	status := store.VerdictNone
	rank := map[string]int{store.VerdictNone: 0, store.VerdictOK: 1, store.VerdictWarn: 2, store.VerdictFail: 3}
	for _, ind := range inds {
		if rank[ind.Status] > rank[status] {
			status = ind.Status
		}
	}
	return status
}

// severeWording judges the wording findings: a confirmed severe one fails
// the site, a severe draft warns.
func severeWording(fs []store.Finding) store.VerdictIndicator {
	ind := store.VerdictIndicator{ID: "severe-wording", Name: "严重表述错误", Warn: 1, Fail: 1, Unit: "处", Status: store.VerdictOK}
	confirmed, drafts := 0, 0
	for _, f := range fs {
		if !strings.Contains(f.Evidence.Text, "（严重）") {
			continue
		}
		switch f.Status {
		case store.StatusConfirmed:
			confirmed++
		case store.StatusDraft:
			drafts++
		}
	}
	switch {
	case confirmed > 0:
		ind.Status, ind.Value = store.VerdictFail, float64(confirmed)
		ind.Note = fmt.Sprintf("已确认 %d 处严重表述错误（另有 %d 处待审核）", confirmed, drafts)
	case drafts > 0:
		ind.Status, ind.Value = store.VerdictWarn, float64(drafts)
		ind.Note = fmt.Sprintf("%d 处疑似严重表述错误待审核", drafts)
	default:
		ind.Note = "未发现严重表述错误"
	}
	return ind
}

// countIndicator judges a count of columns.
func countIndicator(ind *store.VerdictIndicator, names []string, unaudited int) {
	ind.Value = float64(len(names))
	switch {
	case ind.Value >= ind.Fail:
		ind.Status = store.VerdictFail
	case ind.Value >= ind.Warn:
		ind.Status = store.VerdictWarn
	default:
		ind.Status = store.VerdictOK
	}
	ind.Note = fmt.Sprintf("%d 个", len(names))
	if len(names) > 0 {
		shown := names[:min(5, len(names))]
		ind.Note += "：" + joinCN(shown)
		if len(names) > len(shown) {
			ind.Note += " 等"
		}
	}
	if unaudited > 0 {
		ind.Note += fmt.Sprintf("（另有 %d 个栏目未能抓取）", unaudited)
	}
}

// joinCN joins with 、.
func joinCN(ss []string) string {
	out := ""
	for i, s := range ss {
		if i > 0 {
			out += "、"
		}
		out += s
	}
	return out
}

// round2 rounds to two decimals.
func round2(f float64) float64 {
	return float64(int64(f*100+0.5)) / 100
}

// SaveVerdict computes the verdict as of asOf over st (the probes of the
// seven days ending with asOf's day) and stores it for its week.
func SaveVerdict(ctx context.Context, cfg *config.Config, st *store.Store, in Input, asOf time.Time) (store.VerdictRecord, error) {
	return saveVerdict(ctx, st, asOf, func(home *probe.Summary) (store.VerdictRecord, error) {
		return NationalVerdict(in, home, asOf)
	})
}

// saveVerdict is SaveVerdict with the verdict computed by verdict.
func saveVerdict(ctx context.Context, st *store.Store, asOf time.Time, verdict func(*probe.Summary) (store.VerdictRecord, error)) (store.VerdictRecord, error) {
	if err := ctx.Err(); err != nil {
		return store.VerdictRecord{}, err
	}
	weekEnd := workday.Day(asOf).AddDate(0, 0, 1)
	sums, err := probe.WeekOf(st, weekEnd)
	if err != nil {
		return store.VerdictRecord{}, err
	}
	var home *probe.Summary
	for i := range sums {
		if sums[i].Target == probe.HomeTarget {
			home = &sums[i]
		}
	}
	v, err := verdict(home)
	if err != nil {
		return store.VerdictRecord{}, err
	}
	ws, err := st.FindingsOfRule(Wording)
	if err != nil {
		return store.VerdictRecord{}, err
	}
	v.Indicators = append(v.Indicators, severeWording(ws))
	v.Status = worstStatus(v.Indicators)
	v.At = time.Now()
	if err := st.PutVerdict(v); err != nil {
		return store.VerdictRecord{}, err
	}
	return v, nil
}

// saveNotes keeps the checks' remarks for the office (Summary.Notes) of a
// check run, so that the UI can show them after a nightly run.
func saveNotes(st *store.Store, sums []Summary, asOf time.Time) error {
	n := store.CheckNotes{AsOf: workday.Day(asOf).Format(dateLayout), At: time.Now(), Notes: map[string][]string{}}
	for _, s := range sums {
		if len(s.Notes) > 0 {
			n.Notes[s.ID] = s.Notes
		}
	}
	return st.PutCheckNotes(n)
}
