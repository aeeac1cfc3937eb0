package rules

import (
	"fmt"
	"regexp"
	"strconv"
	"time"

	"golang.org/x/text/width"

	"github.com/govaudit/govaudit/config"
	"github.com/govaudit/govaudit/rules/workday"
)

// period is one month, quarter or year of a periodic column.
type period struct {
	key         string    // 2026-03, 2026Q1, 2026
	label       string    // 2026年3月, 2026年第一季度, 2026年
	first, last time.Time // its days
}

// deadline returns the day by which the period's item is due.
func (p period) deadline(days int) time.Time { return p.last.AddDate(0, 0, days) }

var (
	monthRE      = regexp.MustCompile(`(\d{4})年(0?[1-9]|1[0-2])月`)
	monthRangeRE = regexp.MustCompile(`(\d{4})年(0?[1-9]|1[0-2])月?\s*[-－—–~～至到]\s*(0?[1-9]|1[0-2])月`)
	quarterRE    = regexp.MustCompile(`(\d{4})年第?([一二三四1-4])季度`)
	yearRE       = regexp.MustCompile(`(\d{4})年`)
)

// cadenceWord is the Chinese word of a periodic cadence ("" for none).
func cadenceWord(cadence string) string {
	switch cadence {
	case config.CadenceMonthly:
		return "月度"
	case config.CadenceQuarterly:
		return "季度"
	case config.CadenceYearly:
		return "年度"
	}
	return ""
}

// coveredPeriods returns the keys of the periods of a cadence that a title
// names: "2026年3月" (2026-03), "2026年第一季度" (2026Q1), "2026年" (2026), and
// both months of a combined period ("2026年1-2月": 2026-01 and 2026-02).
func coveredPeriods(cadence, title string) []string {
	var keys []string
	for _, c := range periodCover(cadence, title) {
		keys = append(keys, c.key)
	}
	return keys
}

// cover is one period a title names; through is the last month of a
// combined period ("2026年1-2月" covers 2026-01 through 2026-02), whose
// deadline is the one the item answers to; empty for a single period.
type cover struct {
	key, through string
}

// periodCover returns the periods of a cadence that a title names (see
// coveredPeriods). Full-width digits count as digits.
func periodCover(cadence, title string) []cover {
	title = width.Fold.String(title)
	var re *regexp.Regexp
	switch cadence {
	case config.CadenceMonthly:
		var out []cover
		seen := map[string]bool{}
		for _, m := range monthRangeRE.FindAllStringSubmatchIndex(title, -1) {
			if m[0] > 0 && title[m[0]-1] >= '0' && title[m[0]-1] <= '9' {
				continue
			}
			year := title[m[2]:m[3]]
			from, _ := strconv.Atoi(title[m[4]:m[5]])
			to, _ := strconv.Atoi(title[m[6]:m[7]])
			if to < from {
				continue
			}
			through := fmt.Sprintf("%s-%02d", year, to)
			for n := from; n <= to; n++ {
				k := fmt.Sprintf("%s-%02d", year, n)
				if !seen[k] {
					seen[k] = true
					out = append(out, cover{key: k, through: through})
				}
			}
		}
		for _, m := range monthRE.FindAllStringSubmatchIndex(title, -1) {
			if m[0] > 0 && title[m[0]-1] >= '0' && title[m[0]-1] <= '9' {
				continue
			}
			n, _ := strconv.Atoi(title[m[4]:m[5]])
			k := fmt.Sprintf("%s-%02d", title[m[2]:m[3]], n)
			if !seen[k] {
				seen[k] = true
				out = append(out, cover{key: k})
			}
		}
		return out
	case config.CadenceQuarterly:
		re = quarterRE
	case config.CadenceYearly:
		re = yearRE
	default:
		return nil
	}
	var out []cover
	for _, m := range re.FindAllStringSubmatchIndex(title, -1) {
		if m[0] > 0 && title[m[0]-1] >= '0' && title[m[0]-1] <= '9' {
			continue // part of a longer number
		}
		year := title[m[2]:m[3]]
		if cadence == config.CadenceQuarterly {
			out = append(out, cover{key: year + "Q" + quarterDigit(title[m[4]:m[5]])})
		} else {
			out = append(out, cover{key: year})
		}
	}
	return out
}

// throughDeadline is the deadline of a combined monthly period that ends
// with month through ("2026-02"), deadlineDays after its last day.
func throughDeadline(through string, deadlineDays int) (time.Time, bool) {
	t, err := time.Parse("2006-01", through)
	if err != nil {
		return time.Time{}, false
	}
	last := workday.Date(t.Year(), t.Month()+1, 1).AddDate(0, 0, -1)
	return last.AddDate(0, 0, deadlineDays), true
}

func quarterDigit(s string) string {
	switch s {
	case "一":
		return "1"
	case "二":
		return "2"
	case "三":
		return "3"
	case "四":
		return "4"
	}
	return s
}

// periodsDue returns the periods of a cadence whose deadline lies in
// [since, asOf).
func periodsDue(cadence string, deadlineDays int, since, asOf time.Time) []period {
	var ps []period
	start := workday.Date(since.Year()-2, time.January, 1)
	for first := start; !first.After(asOf); {
		var p period
		switch cadence {
		case config.CadenceMonthly:
			p = period{key: first.Format("2006-01"), label: fmt.Sprintf("%d年%d月", first.Year(), first.Month()), first: first, last: first.AddDate(0, 1, -1)}
		case config.CadenceQuarterly:
			q := (int(first.Month())-1)/3 + 1
			p = period{key: fmt.Sprintf("%dQ%d", first.Year(), q), label: fmt.Sprintf("%d年%s", first.Year(), [...]string{"", "第一季度", "第二季度", "第三季度", "第四季度"}[q]), first: first, last: first.AddDate(0, 3, -1)}
		case config.CadenceYearly:
			p = period{key: strconv.Itoa(first.Year()), label: fmt.Sprintf("%d年", first.Year()), first: first, last: first.AddDate(1, 0, -1)}
		default:
			return nil
		}
		if d := p.deadline(deadlineDays); !d.Before(since) && d.Before(asOf) {
			ps = append(ps, p)
		}
		first = p.last.AddDate(0, 0, 1)
	}
	return ps
}

// checkPeriodicGap: a monthly, quarterly or yearly column missing a period
// whose deadline has passed, or whose first item for it came late.
func checkPeriodicGap(e *env, _ Def) outcome {
	var o outcome
	for _, col := range e.columns {
		if cadenceWord(col.Cadence) == "" || col.Kind == config.KindAnnualReport {
			// The annual report has its own check (annual-report), which
			// owns a missing or late report: one violation, one deduction.
			continue
		}
		dd := col.DeadlineDays
		if dd <= 0 {
			dd = config.DefaultDeadlineDays(col.Cadence)
		}
		periods := periodsDue(col.Cadence, dd, e.since, e.asOf)
		st, ok := e.columnJudged(col.ID)
		if !ok {
			o.notAudited += len(periods)
			continue
		}
		items := e.byColumn[col.ID]
		oldest, truncated := oldestCut(st.Truncated, items)
		first := map[string]*item{}    // period key -> earliest covering item
		through := map[string]string{} // period key -> last month of that item's combined period
		for _, it := range items {
			for _, c := range periodCover(col.Cadence, it.Title) {
				if f, ok := first[c.key]; !ok || earlier(it, f) {
					first[c.key] = it
					through[c.key] = c.through
				}
			}
		}
		for _, p := range periods {
			subject := col.ID + ":" + p.key
			due := p.deadline(dd)
			it, covered := first[p.key]
			if d, ok := throughDeadline(through[p.key], dd); covered && ok && d.After(due) {
				// "1-2月" is due when February is.
				due = d
			}
			if !covered && truncated && p.last.Before(oldest) {
				o.notAudited++
				o.unaudited = append(o.unaudited, subject)
				continue
			}
			if covered && !it.hasPub {
				o.undatable++
				continue
			}
			o.examined++
			dates := map[string]string{"due": due.Format(dateLayout)}
			var text string
			switch {
			case !covered:
				text = fmt.Sprintf("%s信息「%s」应于 %s 前发布（期末后 %d 天），截至 %s 未发布",
					cadenceWord(col.Cadence), p.label, due.Format(dateLayout), dd, e.asOf.Format(dateLayout))
			case it.pub.After(due):
				dates["published"] = it.pub.Format(dateLayout)
				text = fmt.Sprintf("%s信息「%s」应于 %s 前发布（期末后 %d 天），%s 才发布，逾期 %d 天：%s",
					cadenceWord(col.Cadence), p.label, due.Format(dateLayout), dd, it.pub.Format(dateLayout), days(due, it.pub), it.Title)
			default:
				continue
			}
			ev := e.sourceEvidence(st, text)
			ev.Dates = dates
			f := columnFinding(col.Unit, col.ID, col.Name, colURL(col, st), subject, Quarter(due), ev)
			if covered {
				f.URL = it.URL
				ev.SnapshotHash, ev.FetchedAt = it.SnapshotHash, it.FetchedAt
				f.Evidence = ev
			}
			o.findings = append(o.findings, f)
		}
	}
	return o
}

// earlier orders items by publication date (undated last), then URL.
func earlier(a, b *item) bool {
	if a.hasPub != b.hasPub {
		return a.hasPub
	}
	if !a.pub.Equal(b.pub) {
		return a.pub.Before(b.pub)
	}
	return a.URL < b.URL
}
