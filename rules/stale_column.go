package rules

import (
	"fmt"
	"time"
)

// checkStaleColumn (national pack): an audited, non-blank column whose
// newest publication date is more than rules.stale_days[kind] days before
// asOf. Undated items count as not updated.
func checkStaleColumn(e *env, _ Def) outcome {
	var o outcome
	for _, col := range e.columns {
		limit := e.cfg.Rules.Stale[col.Kind]
		if limit <= 0 {
			continue
		}
		st, ok := e.columnJudged(col.ID)
		if !ok {
			o.notAudited++
			continue
		}
		items := e.byColumn[col.ID]
		if len(items) == 0 {
			continue // blank: the blank-column check's business
		}
		o.examined++
		newest, n := newestPub(items)
		unread := 0 // undated because their page could not be read
		for _, it := range items {
			if !it.hasPub && it.FetchErr != "" {
				unread++
			}
		}
		var text string
		switch {
		case unread > 0 && (n == 0 || days(newest, e.asOf) > limit):
			// One of the unread items may be the recent post.
			o.examined--
			o.undatable++
			continue
		case n == 0:
			text = fmt.Sprintf("栏目「%s」的 %d 条信息均无发布日期，视为未更新（限 %d 天）", col.Name, len(items), limit)
		case days(newest, e.asOf) > limit:
			text = fmt.Sprintf("栏目「%s」最近一次发布 %s，截至 %s 已 %d 天未更新，超过 %d 天",
				col.Name, newest.Format(dateLayout), e.asOf.Format(dateLayout), days(newest, e.asOf), limit)
		default:
			continue
		}
		ev := e.sourceEvidence(st, text)
		if n > 0 {
			ev.Dates = map[string]string{"last_published": newest.Format(dateLayout)}
		}
		o.findings = append(o.findings, columnFinding(col.Unit, col.ID, col.Name, colURL(col, st), col.ID, Quarter(e.asOf), ev))
	}
	return o
}

// newestPub returns the newest publication date of items and how many are dated.
func newestPub(items []*item) (time.Time, int) {
	var newest time.Time
	n := 0
	for _, it := range items {
		if !it.hasPub {
			continue
		}
		n++
		if it.pub.After(newest) {
			newest = it.pub
		}
	}
	return newest, n
}
