package crawler

import (
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"
)

// probeResult is what a HEAD or ranged GET tells about a URL.
type probeResult struct {
	status      int
	contentType string
	length      int64
	// broken says why a document does not download ("HTTP 404", "HTML
	// error page", "empty body"); empty when it does.
	broken string
	// err is set (with errKind) when the probe failed for a reason that
	// says nothing about the URL: timeout, reset, firewall, robots, or a
	// server error (5xx after the retries: the server failed, not the
	// document; a site in trouble must not make documents look broken).
	errKind, err string
}

// probe checks a URL with HEAD, and with a ranged GET (bytes 0-1023) when
// HEAD is refused or its answer is doubtful (an error status, an HTML type
// for a document, an empty length): servers that mishandle HEAD must not
// make a document look broken.
func (r *run) probe(u string, document bool) probeResult {
	if d := r.siteDown(); d != nil {
		return probeResult{errKind: d.kind, err: d.sourceCause() + "，本次未再请求"}
	}
	res := r.f.do(r.ctx, request{method: "HEAD", url: u, probe: true, attachment: document})
	if r.ctx.Err() != nil {
		return probeResult{errKind: errNetwork, err: "抓取已中断"}
	}
	if res.refused {
		// Off-site or internal: recorded as not checked, not requested.
		r.countErr(res.errKind)
		return probeResult{errKind: res.errKind, err: res.cause}
	}
	r.observe(res)
	p := evaluate(res, document, true)
	if p.err == "" && p.broken == "" {
		return p
	}
	if d := r.siteDown(); d != nil {
		return probeResult{errKind: d.kind, err: d.sourceCause() + "，本次未再请求"}
	}
	res = r.f.do(r.ctx, request{method: "GET", url: u, probe: true, attachment: document, header: http.Header{"Range": {"bytes=0-1023"}}})
	if r.ctx.Err() != nil {
		return probeResult{errKind: errNetwork, err: "抓取已中断"}
	}
	r.observe(res)
	p = evaluate(res, document, false)
	if p.err != "" {
		r.countErr(p.errKind)
	}
	return p
}

// evaluate reads a probe answer.
func evaluate(res *response, document, head bool) probeResult {
	p := probeResult{status: res.status}
	if res.header != nil {
		p.contentType = res.contentType
	}
	switch {
	case res.failed() && res.status == 0, res.errKind == errBlocked, res.errKind == errRobots, res.errKind == errHTTP5xx:
		p.errKind, p.err = res.errKind, res.cause
		return p
	case res.status == http.StatusTooManyRequests:
		// Rate limited: the server said nothing about the document.
		p.errKind, p.err = errBlocked, "请求过于频繁，被站点限流 (HTTP 429)"
		return p
	case res.status == http.StatusForbidden && !head && firewallPage(res.body):
		p.errKind, p.err = errBlocked, "被站点防火墙拦截 (HTTP 403)"
		return p
	case res.status == http.StatusRequestedRangeNotSatisfiable:
		p.broken = "empty body"
		return p
	case res.status >= 300:
		p.broken = fmt.Sprintf("HTTP %d", res.status)
		p.errKind = res.errKind
		return p
	}
	p.length = -1
	if cr := res.header.Get("Content-Range"); cr != "" {
		if i := strings.LastIndex(cr, "/"); i >= 0 {
			if n, err := strconv.ParseInt(strings.TrimSpace(cr[i+1:]), 10, 64); err == nil {
				p.length = n
			}
		}
	}
	if p.length < 0 {
		if n, err := strconv.ParseInt(res.header.Get("Content-Length"), 10, 64); err == nil {
			p.length = n
		} else if !head {
			p.length = int64(len(res.body))
		}
	}
	mt, _, _ := mime.ParseMediaType(p.contentType)
	if mt == "" && !head && len(res.body) > 0 {
		mt, _, _ = mime.ParseMediaType(http.DetectContentType(res.body))
	}
	switch {
	case document && mt == "text/html" && !head && judgeEmptyList(res.body).kind == errChallenge:
		// A challenge page instead of the document: nothing was learnt.
		p.errKind, p.err = errBlocked, "附件地址返回验证页面，疑似网站防火墙拦截"
	case document && mt == "text/html":
		p.broken = "HTML error page"
	case document && p.length == 0:
		p.broken = "empty body"
	}
	if p.length < 0 {
		p.length = 0
	}
	return p
}

// firewallPage reports whether the body of a 403 answer is a firewall's
// or a challenge's page (or no page at all) rather than the server's own
// refusal of the document: then the attachment was not audited.
func firewallPage(body []byte) bool {
	if len(strings.TrimSpace(string(body))) == 0 {
		return true
	}
	v := judgeEmptyList(body)
	if v.kind == errChallenge {
		return true
	}
	lower := strings.ToLower(string(body))
	for _, m := range []string{"waf", "firewall", "防火墙", "拦截", "安全狗", "云锁", "访问受限", "禁止访问", "forbidden by", "access denied", "请求被阻断"} {
		if strings.Contains(lower, m) {
			return true
		}
	}
	return false
}
