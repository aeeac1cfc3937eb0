package rules

import "fmt"

// checkBackdated: an item in the window whose publication date is earlier
// than its 成文日期.
func checkBackdated(e *env, _ Def) outcome {
	var o outcome
	for _, it := range e.windowItems(&o, nil) {
		if !it.hasWritten {
			o.undatable++
			continue
		}
		o.examined++
		if !it.pub.Before(it.written) {
			continue
		}
		text := fmt.Sprintf("发布日期 %s 早于成文日期 %s（早 %d 天）",
			it.pub.Format(dateLayout), it.written.Format(dateLayout), days(it.pub, it.written))
		f := e.itemFinding(it, it.URL, text)
		f.Evidence.Dates["written"] = it.written.Format(dateLayout)
		f.Evidence.Dates["published"] = it.pub.Format(dateLayout)
		o.findings = append(o.findings, f)
	}
	return o
}
