package rules

import "fmt"

// checkHiddenLink: a link of an article page in the window that a reader
// cannot see (see package pagescan: display:none, visibility:hidden,
// opacity 0, zero font size or size, far off-screen, the colour of its
// background, around it or on it), or a link to a host outside the
// allowed domains (see external-link) with neither text nor image.
// Subject: "<page URL> -> <link URL>".
func checkHiddenLink(e *env, _ Def) outcome {
	var o outcome
	hosts := allowedHosts(e.cfg)
	for _, it := range e.windowItems(&o, nil) {
		c, ok := e.contentOf(&o, it)
		if !ok {
			continue
		}
		o.examined++
		for _, l := range c.Links {
			var why string
			switch {
			case l.Hidden != "":
				why = "链接不可见（" + l.Hidden + "）"
			case l.Text == "" && !l.Image:
				if off := hosts.offsite(it.URL, l.URL); off != "" {
					why = "无文字的外部链接（" + off + "）"
				}
			}
			if why == "" {
				continue
			}
			text := fmt.Sprintf("文章页面含隐藏链接（暗链）：%s，指向 %s", why, l.URL)
			if l.Text != "" {
				text += fmt.Sprintf("，链接文字「%s」", l.Text)
			}
			text += "。疑似页面被篡改，应立即删除并排查网站安全"
			f := e.itemFinding(it, it.URL+" -> "+l.URL, text)
			f.Evidence.Dates["published"] = it.pub.Format(dateLayout)
			o.findings = append(o.findings, f)
		}
	}
	return o
}
