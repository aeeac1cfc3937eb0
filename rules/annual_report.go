package rules

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/govaudit/govaudit/config"
	"github.com/govaudit/govaudit/rules/workday"
	"github.com/govaudit/govaudit/store"
)

// annualDeadline is the day by which a unit's annual report on
// open-government work for year y is due: 31 January of y+1, or 31 March
// for the district government itself (条例 Art. 49).
func annualDeadline(u config.Unit, y int) time.Time {
	if u.District {
		return workday.Date(y+1, time.March, 31)
	}
	return workday.Date(y+1, time.January, 31)
}

// isAnnualReport reports whether a title is the annual report for year y:
// it names "<y>年" and "年度报告".
func isAnnualReport(title string, y int) bool {
	return strings.Contains(title, strconv.Itoa(y)+"年") && strings.Contains(title, "年度报告")
}

// checkAnnualReport: for each unit whose annual-report columns were all
// audited and each year whose deadline lies in the window before asOf, no
// annual report (missing) or one published after the deadline (late).
func checkAnnualReport(e *env, _ Def) outcome {
	var o outcome
	type unitCols struct {
		cols []config.Column
		ok   bool
		st   store.SourceState
	}
	byUnit := map[string]*unitCols{}
	var order []string
	for _, col := range e.columns {
		if col.Kind != config.KindAnnualReport {
			continue
		}
		uc := byUnit[col.Unit]
		if uc == nil {
			uc = &unitCols{ok: true}
			byUnit[col.Unit] = uc
			order = append(order, col.Unit)
		}
		uc.cols = append(uc.cols, col)
		st, ok := e.columnJudged(col.ID)
		if !ok || st.Truncated {
			uc.ok = false
		} else if uc.st.Key == "" {
			uc.st = st
		}
	}
	for _, uid := range order {
		uc := byUnit[uid]
		u, ok := e.units[uid]
		if !ok {
			u = config.Unit{ID: uid}
		}
		var years []int
		for y := e.since.Year() - 2; y < e.asOf.Year(); y++ {
			if d := annualDeadline(u, y); !d.Before(e.since) && d.Before(e.asOf) {
				years = append(years, y)
			}
		}
		if !uc.ok {
			o.notAudited += len(years)
			continue
		}
		col := uc.cols[0]
		for _, y := range years {
			subject := uid + ":" + strconv.Itoa(y)
			due := annualDeadline(u, y)
			var first *item
			for _, c := range uc.cols {
				for _, it := range e.byColumn[c.ID] {
					if isAnnualReport(it.Title, y) && (first == nil || earlier(it, first)) {
						first = it
					}
				}
			}
			if first != nil && !first.hasPub {
				o.undatable++
				continue
			}
			o.examined++
			who := "部门报告期限：次年 1 月 31 日"
			if u.District {
				who = "区政府报告期限：次年 3 月 31 日"
			}
			dates := map[string]string{"due": due.Format(dateLayout)}
			var text string
			switch {
			case first == nil:
				text = fmt.Sprintf("%s %d 年政府信息公开工作年度报告应于 %s 前发布（%s），截至 %s 未发布",
					e.unitName(uid), y, due.Format(dateLayout), who, e.asOf.Format(dateLayout))
			case first.pub.After(due):
				dates["published"] = first.pub.Format(dateLayout)
				text = fmt.Sprintf("%s %d 年政府信息公开工作年度报告应于 %s 前发布，%s 才发布，逾期 %d 天：%s",
					e.unitName(uid), y, due.Format(dateLayout), first.pub.Format(dateLayout), days(due, first.pub), first.Title)
			default:
				continue
			}
			ev := e.sourceEvidence(uc.st, text)
			ev.Dates = dates
			f := columnFinding(uid, col.ID, col.Name, colURL(col, uc.st), subject, Quarter(due), ev)
			f.Title = fmt.Sprintf("%d 年政府信息公开工作年度报告", y)
			if first != nil {
				f.URL = first.URL
				f.Column = first.Column
				f.Evidence.SnapshotHash, f.Evidence.FetchedAt = first.SnapshotHash, first.FetchedAt
			}
			o.findings = append(o.findings, f)
		}
	}
	return o
}
