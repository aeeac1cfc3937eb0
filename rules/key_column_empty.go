package rules

import (
	"fmt"
	"time"
)

// checkKeyColumnEmpty: for each audited key column and each quarter that
// has fully ended before asOf and starts on or after the window start, no
// item published in that quarter (Art. 13.3). The running quarter is only
// "at risk" (see AtRisk).
func checkKeyColumnEmpty(e *env, _ Def) outcome {
	var o outcome
	for _, col := range e.columns {
		if !col.Key {
			continue
		}
		quarters := endedQuarters(e.since, e.asOf)
		st, ok := e.columnJudged(col.ID)
		if !ok {
			o.notAudited += len(quarters)
			continue
		}
		items := e.byColumn[col.ID]
		oldest, truncated := oldestCut(st.Truncated, items)
		// An item without any date (its page not read, no date in its
		// list entry) may belong to any quarter: none is judged empty.
		undated := 0
		for _, it := range items {
			if !it.hasPub {
				undated++
			}
		}
		for _, q := range quarters {
			first, last := q, q.AddDate(0, 3, -1)
			subject := col.ID + ":" + Quarter(q)
			if truncated && first.Before(oldest) {
				// The walk stopped before reaching this quarter.
				o.notAudited++
				o.unaudited = append(o.unaudited, subject)
				continue
			}
			o.examined++
			n, newest := 0, time.Time{}
			for _, it := range items {
				if !it.hasPub {
					continue
				}
				if !it.pub.Before(first) && !it.pub.After(last) {
					n++
				}
				if it.pub.Before(first) && it.pub.After(newest) {
					newest = it.pub
				}
			}
			if n > 0 {
				continue
			}
			if undated > 0 {
				o.examined--
				o.undatable++
				o.unaudited = append(o.unaudited, subject)
				continue
			}
			prev := "此前从未发布信息"
			if !newest.IsZero() {
				prev = "此前最近一次发布 " + newest.Format(dateLayout)
			}
			text := fmt.Sprintf("重点栏目「%s」%s（%s 至 %s）无信息发布；%s",
				col.Name, QuarterName(Quarter(q)), first.Format(dateLayout), last.Format(dateLayout), prev)
			ev := e.sourceEvidence(st, text)
			ev.Dates = map[string]string{"from": first.Format(dateLayout), "to": last.Format(dateLayout)}
			if !newest.IsZero() {
				ev.Dates["last_published"] = newest.Format(dateLayout)
			}
			o.findings = append(o.findings, columnFinding(col.Unit, col.ID, col.Name, colURL(col, st), subject, Quarter(q), ev))
		}
	}
	return o
}

// endedQuarters returns the first days of the quarters that start on or
// after since and end before asOf.
func endedQuarters(since, asOf time.Time) []time.Time {
	var qs []time.Time
	for q := quarterStart(since); ; q = q.AddDate(0, 3, 0) {
		if q.Before(since) {
			continue
		}
		if !q.AddDate(0, 3, -1).Before(asOf) {
			return qs
		}
		qs = append(qs, q)
	}
}

// oldestCut returns, for a column whose walk was cut by a cap, the oldest
// publication date seen: nothing before it can be judged.
func oldestCut(truncated bool, items []*item) (time.Time, bool) {
	if !truncated {
		return time.Time{}, false
	}
	var oldest time.Time
	for _, it := range items {
		if it.hasPub && (oldest.IsZero() || it.pub.Before(oldest)) {
			oldest = it.pub
		}
	}
	if oldest.IsZero() {
		oldest = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	return oldest, true
}
