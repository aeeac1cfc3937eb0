package rules

import (
	"net"
	"net/url"
	"strings"

	"github.com/govaudit/govaudit/config"
	"github.com/govaudit/govaudit/pii"
	"github.com/govaudit/govaudit/store"
)

// Helpers of the content checks (personal-data, external-link,
// hidden-link): the content record of an item and the allowed hosts.

// contentOf returns the content record of an item; an item without one
// (crawled before the content checks, or its reading failed) is counted
// as not audited, with its attachments, and false is returned.
func (e *env) contentOf(o *outcome, it *item) (store.Content, bool) {
	c, ok := e.in.Contents[it.URL]
	if !ok {
		o.notAudited++
		o.unaudited = append(o.unaudited, it.URL)
		return c, false
	}
	return c, true
}

// hostRules tells the hosts article links may point to.
type hostRules struct {
	exact    map[string]bool
	suffixes []string // ".gov.cn" …
}

// allowedHosts builds the host rules of cfg: the site's host,
// *.gov.cn, config.DefaultAllowedDomains and site.allowed_domains.
func allowedHosts(cfg *config.Config) hostRules {
	h := hostRules{exact: map[string]bool{}}
	if u, err := url.Parse(cfg.Site.BaseURL); err == nil && u.Hostname() != "" {
		h.exact[strings.ToLower(u.Hostname())] = true
	}
	add := func(p string) {
		p = strings.ToLower(strings.TrimSpace(p))
		if p == "" {
			return
		}
		if rest, ok := strings.CutPrefix(p, "*."); ok {
			h.exact[rest] = true
			h.suffixes = append(h.suffixes, "."+rest)
			return
		}
		h.exact[p] = true
	}
	add("*.gov.cn")
	for _, p := range config.DefaultAllowedDomains {
		add(p)
	}
	for _, p := range cfg.Site.AllowedDomains {
		add(p)
	}
	return h
}

// offsite says why a link's host is not allowed from page ("" when it
// is): a raw IP address, or a host outside the allowed domains. The
// page's own host is always allowed.
func (h hostRules) offsite(page, link string) string {
	lu, err := url.Parse(link)
	if err != nil {
		return ""
	}
	host := strings.ToLower(strings.TrimSuffix(lu.Hostname(), "."))
	if host == "" {
		return ""
	}
	if pu, err := url.Parse(page); err == nil && strings.EqualFold(pu.Hostname(), host) {
		return ""
	}
	if h.exact[host] {
		return ""
	}
	if net.ParseIP(host) != nil {
		return "IP 地址 " + host
	}
	for _, s := range h.suffixes {
		if strings.HasSuffix(host, s) {
			return ""
		}
	}
	return "非政府网站域名 " + host
}

// allowedNumbers returns the pii hashes of rules.personal_data.allow.
func allowedNumbers(cfg *config.Config) map[string]bool {
	m := map[string]bool{}
	for _, n := range cfg.Rules.PersonalData.Allow {
		if d := pii.Normalize(n); d != "" {
			m[pii.Hash(d)] = true
		}
	}
	return m
}
