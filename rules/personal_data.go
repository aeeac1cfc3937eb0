package rules

import (
	"fmt"
	"strings"

	"github.com/govaudit/govaudit/pii"
	"github.com/govaudit/govaudit/store"
)

// checkPersonalData: personal data published without de-identification
// (ID numbers, mobile numbers, bank card numbers; see package pii) in the
// text of an article page in the window (subject: the page URL) or of one
// of its attachments (subject: the attachment URL, once however many
// pages link it). Numbers of rules.personal_data.allow are not counted.
// An article without a content record, and an attachment whose text
// could not be read (too large, a format without text, a scanned PDF, a
// failed download), is not audited.
func checkPersonalData(e *env, _ Def) outcome {
	var o outcome
	allow := allowedNumbers(e.cfg)
	for _, it := range e.windowItems(&o, nil) {
		c, ok := e.contentOf(&o, it)
		if !ok {
			for _, a := range it.Attachments {
				o.unaudited = append(o.unaudited, a.URL)
			}
			continue
		}
		o.examined++
		if ms, counts := allowedOut(c.Personal, c.PersonalCounts, allow); len(counts) > 0 {
			f := e.itemFinding(it, it.URL, "页面正文"+personalText(ms, counts))
			f.Evidence.Dates["published"] = it.pub.Format(dateLayout)
			o.findings = append(o.findings, f)
		}
		read := map[string]bool{}
		for _, a := range c.Attachments {
			read[a.URL] = true
		}
		for _, a := range it.Attachments {
			// Linked but not read (crawl.attachment_text off, or the
			// crawl stopped): not audited, never clean.
			if !read[a.URL] && e.acc.first(PersonalData, a.URL) {
				o.notAudited++
				o.unaudited = append(o.unaudited, a.URL)
			}
		}
		for _, a := range c.Attachments {
			if !e.acc.first(PersonalData, a.URL) {
				continue // judged with an earlier item (in URL order)
			}
			if !a.Audited {
				o.notAudited++
				o.unaudited = append(o.unaudited, a.URL)
				continue
			}
			o.examined++
			ms, counts := allowedOut(a.Personal, a.PersonalCounts, allow)
			if len(counts) == 0 {
				continue
			}
			name := a.Name
			if name == "" {
				name = a.URL
			}
			f := e.itemFinding(it, a.URL, fmt.Sprintf("附件「%s」（%s）", name, a.URL)+personalText(ms, counts))
			f.Evidence.Dates["published"] = it.pub.Format(dateLayout)
			o.findings = append(o.findings, f)
		}
	}
	return o
}

// allowedOut drops the allowed numbers from matches and counts.
func allowedOut(ms []store.PersonalMatch, counts map[string]int, allow map[string]bool) ([]store.PersonalMatch, map[string]int) {
	out := make([]store.PersonalMatch, 0, len(ms))
	left := map[string]int{}
	for k, n := range counts {
		left[k] = n
	}
	for _, m := range ms {
		if allow[m.Hash] {
			left[m.Kind]--
			continue
		}
		out = append(out, m)
	}
	for k, n := range left {
		if n <= 0 {
			delete(left, k)
		}
	}
	return out, left
}

// personalText is the evidence of personal data: the counts by kind and
// up to five masked examples with where they are.
func personalText(ms []store.PersonalMatch, counts map[string]int) string {
	total := 0
	var kinds []string
	for _, k := range []string{pii.KindID, pii.KindMobile, pii.KindBank} {
		if n := counts[k]; n > 0 {
			total += n
			kinds = append(kinds, fmt.Sprintf("%s %d 处", pii.KindLabel(k), n))
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "含未脱敏个人信息 %d 处（%s）", total, strings.Join(kinds, "、"))
	if total >= 5 {
		b.WriteString("，属批量泄露")
	}
	b.WriteString("：")
	for i, m := range ms {
		if i == 5 {
			fmt.Fprintf(&b, "等")
			break
		}
		if i > 0 {
			b.WriteString("；")
		}
		// Masked once more: a record written by an older crawler must
		// not leak either.
		fmt.Fprintf(&b, "%s %s（%s", pii.KindLabel(m.Kind), pii.MaskText(m.Masked), m.Where)
		if m.Context != "" {
			fmt.Fprintf(&b, "：「%s」", strings.Join(strings.Fields(pii.MaskText(m.Context)), " "))
		}
		b.WriteString("）")
	}
	b.WriteString("。应按去标识化要求以“*”替代部分数字")
	return b.String()
}
