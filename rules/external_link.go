package rules

import "fmt"

// checkExternalLink: a link of an article page in the window to a host
// outside the allowed domains (the site's host, the page's host,
// *.gov.cn, the national platforms of config.DefaultAllowedDomains and
// site.allowed_domains) or to a raw IP address. Subject:
// "<page URL> -> <link URL>". Hidden links count too (they are also
// hidden-link findings). Not scoring by default: an inspector decides.
func checkExternalLink(e *env, _ Def) outcome {
	var o outcome
	hosts := allowedHosts(e.cfg)
	for _, it := range e.windowItems(&o, nil) {
		c, ok := e.contentOf(&o, it)
		if !ok {
			continue
		}
		o.examined++
		for _, l := range c.Links {
			why := hosts.offsite(it.URL, l.URL)
			if why == "" {
				continue
			}
			text := fmt.Sprintf("文章页面链接到%s：%s", why, l.URL)
			if l.Text != "" {
				text += fmt.Sprintf("（链接文字「%s」）", l.Text)
			}
			text += "。政府网站不得链接非政府网站域名或 IP 地址，确需链接的应经审核后列入允许的域名"
			f := e.itemFinding(it, it.URL+" -> "+l.URL, text)
			f.Evidence.Dates["published"] = it.pub.Format(dateLayout)
			o.findings = append(o.findings, f)
		}
	}
	return o
}
