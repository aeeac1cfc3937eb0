package rules

import (
	"errors"
	"fmt"

	"github.com/govaudit/govaudit/rules/workday"
)

// checkTimeliness: an item in the window published more than
// rules.publish_days working days after its 成文日期 (Art. 8). Items without
// a 成文日期 are undatable.
func checkTimeliness(e *env, _ Def) outcome {
	var o outcome
	limit := e.cfg.Rules.PublishDays
	if limit <= 0 {
		limit = 20
	}
	for _, it := range e.windowItems(&o, nil) {
		if !it.hasWritten {
			o.undatable++
			continue
		}
		n, err := e.cal.Between(it.written, it.pub)
		if err != nil {
			if errors.Is(err, workday.ErrNoData) {
				o.undatable++ // a 成文日期 in a year without holiday data
				continue
			}
			e.err = err
			return o
		}
		o.examined++
		if n <= limit {
			continue
		}
		x, err := e.cal.Explain(it.written, it.pub)
		if err != nil {
			e.err = err
			return o
		}
		text := fmt.Sprintf("成文 %s，发布 %s：%d 个工作日，超过 %d 个工作日%s",
			it.written.Format(dateLayout), it.pub.Format(dateLayout), x.Workdays, limit, holidayNote(x))
		f := e.itemFinding(it, it.URL, text)
		f.Evidence.Dates["written"] = it.written.Format(dateLayout)
		f.Evidence.Dates["published"] = it.pub.Format(dateLayout)
		if due, err := e.cal.Add(it.written, limit); err == nil {
			f.Evidence.Dates["due"] = due.Format(dateLayout)
		}
		explained(&f.Evidence, x)
		o.findings = append(o.findings, f)
	}
	return o
}
