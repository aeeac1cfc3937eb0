package portalsim

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"
)

// The faults of issue 10: answers that look like success but hold no list
// or a cut page, and outages of single list pages and attachments. None of
// them changes the ground truth.

// soft200 applies the column faults that answer 200 without a list (and
// Faults.PageFailColumns); it reports whether it wrote the answer.
func (s *Sim) soft200(w http.ResponseWriter, r *http.Request, resp *response) bool {
	c := resp.col
	switch {
	case s.pageFail[c] && resp.listPage > 1:
		http.Error(w, "500 Internal Server Error", http.StatusInternalServerError)
	case s.waf200[c] && !s.passed(r):
		writeHTML(w, http.StatusOK, s.waf200Page(), true)
	case s.login[c]:
		writeHTML(w, http.StatusOK, loginPage, true)
	default:
		i, ok := s.soft404[c]
		if !ok {
			return false
		}
		writeHTML(w, http.StatusOK, softNotFoundPages[i%len(softNotFoundPages)], false)
	}
	return true
}

// outageFaults applies the attachment outages and the cut article bodies;
// it reports whether it wrote the answer.
func (s *Sim) outageFaults(w http.ResponseWriter, key string, resp *response) bool {
	f := s.opt.Faults
	switch {
	case resp.kind == rAtt && hit(key, f.AttThrottleEvery, 10):
		writeHTML(w, http.StatusTooManyRequests, throttlePage, true)
	case resp.kind == rAtt && hit(key, f.AttFirewallEvery, 11):
		writeHTML(w, http.StatusForbidden, fmt.Sprintf(firewallPage, mix(hashString(key))%1000000000), true)
	case resp.kind == rItem && hit(key, f.CutArticleEvery, 12):
		cutBody(w, resp, mix(hashString(key))%2 == 0)
	default:
		return false
	}
	return true
}

func writeHTML(w http.ResponseWriter, status int, page string, noStore bool) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if noStore {
		w.Header().Set("Cache-Control", "no-store")
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(page)))
	w.WriteHeader(status)
	_, _ = w.Write([]byte(page))
}

// bodyMarkers start the body of an article page in every family.
var bodyMarkers = [][]byte{[]byte(`id="zoom"`), []byte(`class="TRS_Editor"`), []byte(`class="bt_content"`)}

// cutBody sends an article page cut after its body's first paragraph,
// before its attachment links: with a Content-Length of the whole page
// (declared) or chunked, and then closes the connection.
func cutBody(w http.ResponseWriter, resp *response, declared bool) {
	cut := len(resp.body) / 2
	for _, m := range bodyMarkers {
		if i := bytes.Index(resp.body, m); i >= 0 {
			if j := bytes.Index(resp.body[i:], []byte("</p>")); j >= 0 {
				cut = i + j + len("</p>")
			}
			break
		}
	}
	w.Header().Set("Content-Type", resp.ctype)
	if declared {
		// The server closes the connection after the short body.
		w.Header().Set("Content-Length", strconv.Itoa(len(resp.body)))
		w.WriteHeader(resp.status)
		_, _ = w.Write(resp.body[:cut])
		return
	}
	w.WriteHeader(resp.status)
	_, _ = w.Write(resp.body[:cut])
	if fl, ok := w.(http.Flusher); ok {
		fl.Flush()
	}
	hj, ok := w.(http.Hijacker)
	if !ok {
		return
	}
	if conn, _, err := hj.Hijack(); err == nil {
		_ = conn.Close() // no terminating chunk
	}
}

// waf200Page is a WAF's JavaScript challenge served with status 200: a
// script that sets a cookie and reloads, and a note for browsers without
// JavaScript.
func (s *Sim) waf200Page() string {
	return "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title></title>\n<script type=\"text/javascript\">\nvar _0x2a1f=[\"" + challengeCookie + "=\",\"" + s.token +
		"\",\";max-age=3600;path=/\"];\nfunction _0x51c3(){document.cookie=_0x2a1f[0]+_0x2a1f[1]+_0x2a1f[2];setTimeout(function(){location.reload();},800);}\n_0x51c3();\n</script>\n</head>\n<body>\n<noscript>您的浏览器未启用JavaScript，请启用后刷新页面。</noscript>\n<div style=\"display:none\">正在进行安全检测，请稍候……</div>\n</body></html>\n"
}

// softNotFoundPages are "not found" pages served with status 200.
var softNotFoundPages = []string{
	"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>页面不存在</title></head><body>\n<div class=\"header\"><a href=\"/\">" + siteName + "</a></div>\n<div class=\"error-box\"><h2>页面不存在</h2><p>抱歉，您请求的页面不存在或已被删除，<span id=\"sec\">5</span>秒后返回<a href=\"/\">首页</a>。</p></div>\n<div class=\"footer\">主办：临淄区人民政府办公室</div>\n</body></html>\n",
	"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + siteName + "</title></head><body>\n<div class=\"header\"><a href=\"/\">" + siteName + "</a></div>\n<div class=\"main\"><p class=\"tip\">您访问的页面不存在！</p><ul class=\"links\"><li><a href=\"/\">返回首页</a></li><li><a href=\"javascript:history.back()\">返回上一页</a></li></ul></div>\n<div class=\"footer\">主办：临淄区人民政府办公室</div>\n</body></html>\n",
}

// loginPage is a sign-in form served with status 200 in place of a list.
const loginPage = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>统一身份认证平台 - 用户登录</title></head><body>\n<div class=\"login-box\"><h2>用户登录</h2>\n<form action=\"/sso/login\" method=\"post\">\n<p><label>用户名：</label><input type=\"text\" name=\"username\"></p>\n<p><label>密　码：</label><input type=\"password\" name=\"password\"></p>\n<p><label>验证码：</label><input type=\"text\" name=\"captcha\"><img src=\"/sso/captcha.jpg\" alt=\"验证码\"></p>\n<p><input type=\"submit\" value=\"登 录\"> <a href=\"/sso/forget\">忘记密码</a></p>\n</form></div>\n</body></html>\n"

const throttlePage = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>429 Too Many Requests</title></head><body><h1>429 Too Many Requests</h1><p>访问过于频繁，请稍后再试。</p></body></html>\n"

// firewallPage is a web application firewall's block page (with an event id).
const firewallPage = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>访问被拦截</title></head><body>\n<div class=\"waf\"><h2>您的访问请求可能对网站造成安全威胁，已被网站应用防火墙拦截。</h2><p>事件ID：%09d</p><p>如有疑问，请联系网站管理员。</p></div>\n</body></html>\n"
