package rules

import (
	"fmt"

	"github.com/govaudit/govaudit/config"
)

// checkBrokenLink (national pack): a link on a crawled article page in the
// window whose probe answered HTTP >= 400. Unprobed links, probes that
// failed for a network reason and firewall challenges are not audited.
func checkBrokenLink(e *env, _ Def) outcome {
	var o outcome
	// First the items to judge, then every link's page in one look-up.
	judged := e.windowItems(&o, func(_ config.Column, it *item) bool { return len(it.Links) > 0 })
	var links []string
	for _, it := range judged {
		links = append(links, it.Links...)
	}
	pages := e.pages(links)
	if e.err != nil {
		return o
	}
	for _, it := range judged {
		seen := map[string]bool{}
		for _, link := range it.Links {
			if seen[link] {
				continue
			}
			seen[link] = true
			subject := it.URL + " -> " + link
			p, ok := pages[link]
			if !ok || p.Status == 0 || p.ErrKind == "blocked" {
				o.notAudited++
				o.unaudited = append(o.unaudited, subject)
				continue
			}
			o.examined++
			if p.Status < 400 {
				continue
			}
			text := fmt.Sprintf("页面（发布 %s）上的链接 %s 无法访问：%s（探测于 %s）",
				it.pub.Format(dateLayout), link, BrokenReason(fmt.Sprintf("HTTP %d", p.Status)), p.FetchedAt.In(e.asOf.Location()).Format("2006-01-02 15:04"))
			f := e.itemFinding(it, subject, text)
			f.Evidence.Dates["published"] = it.pub.Format(dateLayout)
			o.findings = append(o.findings, f)
		}
	}
	return o
}
