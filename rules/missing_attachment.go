package rules

import (
	"fmt"
	"path"
	"regexp"
	"strings"
	"unicode"

	"github.com/govaudit/govaudit/config"
	"github.com/govaudit/govaudit/store"
)

// checkMissingAttachment: an item in the window, in a column that requires
// attachments, that links none or whose body names an attachment (附件：…)
// that no linked attachment matches (Art. 13.2).
func checkMissingAttachment(e *env, _ Def) outcome {
	var o outcome
	cols := e.configuredColumns()
	needs := func(col config.Column, _ *item) bool { return col.NeedsAttachment() }
	for _, it := range e.windowItems(&o, needs) {
		col := cols[it.Column]
		o.examined++
		var text string
		switch {
		case len(it.Attachments) == 0:
			text = fmt.Sprintf("「%s」栏目的文件须提供附件下载，本文（发布 %s）没有附件", col.Name, it.pub.Format(dateLayout))
		default:
			missing := unmatchedNames(it.NamedAttachments, it.Attachments)
			if len(missing) == 0 {
				continue
			}
			text = fmt.Sprintf("正文列明附件「%s」，页面没有对应的下载链接（页面附件 %d 个）",
				strings.Join(missing, "」「"), len(it.Attachments))
		}
		f := e.itemFinding(it, it.URL, text)
		f.Evidence.Dates["published"] = it.pub.Format(dateLayout)
		o.findings = append(o.findings, f)
	}
	return o
}

// unmatchedNames returns the named attachments that no linked attachment
// matches, comparing names without extension, spaces and numbering.
func unmatchedNames(named []string, atts []store.Attachment) []string {
	have := map[string]bool{}
	for _, a := range atts {
		have[attachmentKey(a.Name)] = true
		if base := path.Base(a.URL); base != "" {
			have[attachmentKey(base)] = true
		}
	}
	var out []string
	for _, n := range named {
		k := attachmentKey(n)
		if k == "" || have[k] {
			continue
		}
		out = append(out, strings.TrimSpace(n))
	}
	return out
}

// numbering matches leading labels such as "附件1：", "附件：", "1.", "1、", "（1）".
var numbering = regexp.MustCompile(`^(?:附件\s*[0-9一二三四五六七八九十]*\s*[：:.、．]?|[（(][0-9一二三四五六七八九十]+[)）]\s*[.、．:：]?|[0-9一二三四五六七八九十]+\s*[.、．:：])\s*`)

// attachmentExt matches a file extension at the end of a name.
var attachmentExt = regexp.MustCompile(`(?i)\.(pdf|docx?|xlsx?|wps|ofd|zip|rar|csv|et|txt|jpg|jpeg|png)$`)

// attachmentKey normalises an attachment name for comparison.
func attachmentKey(name string) string {
	s := strings.TrimSpace(name)
	s = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
	s = attachmentExt.ReplaceAllString(s, "")
	for {
		t := numbering.ReplaceAllString(s, "")
		if t == s {
			break
		}
		s = t
	}
	s = strings.Trim(s, "《》\"“”「」")
	return s
}
