package rules

import (
	"fmt"
	"strings"

	"github.com/govaudit/govaudit/config"
)

// checkValidity: a 规范性文件 in the window (isNormative) whose page states
// no 有效性 — neither a 有效性 / 效力状态 field with a value nor a 有效期 in
// its text — or that is still marked 有效 although the 有效期 its text
// states ended before asOf. A document marked 失效 / 废止 is never
// flagged for its 有效期. Subject: the item's URL.
func checkValidity(e *env, _ Def) outcome {
	var o outcome
	cols := e.configuredColumns()
	keep := func(col config.Column, it *item) bool { return isNormative(col, it) }
	// A unit none of whose pages carries a 有效性 field at all publishes on
	// a layout without one: a missing statement there says nothing about
	// the document, and is not judged (its expired terms still are). That
	// is known once every item was seen: such findings wait in
	// e.acc.pendingValidity (finishValidity).
	for _, it := range e.windowItems(&o, keep) {
		t, ok := e.text(it)
		if e.err != nil {
			return o
		}
		if !ok {
			// Without the text, neither a 有效期 in the body nor its end
			// can be read: not audited.
			o.notAudited++
			o.unaudited = append(o.unaudited, it.URL)
			continue
		}
		o.examined++
		state := validityState(it.Validity)
		start := it.pub
		if it.hasWritten {
			start = it.written
		}
		end, stated, hasTerm := validityEnd(it.Title+"\n"+t.Body, start)
		var text string
		switch {
		case state == validityNone && !hasTerm:
			text = fmt.Sprintf("「%s」栏目的规范性文件（文号 %s）未标注有效性（有效、失效、废止或有效期）", cols[it.Column].Name, docNoOrNone(it.DocNo))
		case state == validityValid && hasTerm && end.Before(e.asOf):
			text = fmt.Sprintf("正文载明「%s」，有效期已于 %s 届满，页面仍标注有效性为「%s」", stated, end.Format(dateLayout), it.Validity)
		default:
			continue
		}
		f := e.itemFinding(it, it.URL, text)
		f.Evidence.Dates["published"] = it.pub.Format(dateLayout)
		if hasTerm {
			f.Evidence.Dates["valid_until"] = end.Format(dateLayout)
		}
		if state == validityNone && !hasTerm {
			e.acc.detach(&f)
			e.acc.pendingValidity = append(e.acc.pendingValidity, pendingFinding{unit: strings.Clone(it.Unit), f: f})
			continue
		}
		o.findings = append(o.findings, f)
	}
	return o
}

// docNoOrNone is a 文号 for a message.
func docNoOrNone(s string) string {
	if hasDocNo(s) {
		return s
	}
	return "无"
}
