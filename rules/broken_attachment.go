package rules

import (
	"fmt"
)

// checkBrokenAttachment: an attachment of an item in the window that was
// probed and does not download (HTTP status >= 400, an HTML page instead
// of a document, an empty body). Unprobed attachments and probes that
// failed for a network reason are not audited.
func checkBrokenAttachment(e *env, _ Def) outcome {
	var o outcome
	for _, it := range e.windowItems(&o, nil) {
		for _, a := range it.Attachments {
			if !e.acc.first(BrokenAttachment, a.URL) {
				continue // judged with an earlier item (in URL order)
			}
			if !a.Checked || a.Err != "" {
				o.notAudited++
				o.unaudited = append(o.unaudited, a.URL)
				continue
			}
			o.examined++
			why := a.Broken
			if why == "" && a.Status >= 400 {
				why = fmt.Sprintf("HTTP %d", a.Status)
			}
			if why == "" {
				continue
			}
			name := a.Name
			if name == "" {
				name = a.URL
			}
			text := fmt.Sprintf("附件「%s」无法下载：%s（%s；所在页面发布 %s）", name, BrokenReason(why), a.URL, it.pub.Format(dateLayout))
			f := e.itemFinding(it, a.URL, text)
			f.Evidence.Dates["published"] = it.pub.Format(dateLayout)
			o.findings = append(o.findings, f)
		}
	}
	return o
}
