package crawler

import (
	"bytes"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/PuerkitoBio/goquery"

	"github.com/govaudit/govaudit/crawler/extract"
)

// Error kinds of list pages that answered but hold no list the crawler
// can read. A column whose first list page is one of these is not
// audited: a page that could not be read is never an empty column.
const (
	errChallenge  = "challenge"   // a JavaScript or captcha challenge served with 200
	errLogin      = "login"       // a sign-in page
	errSoft404    = "soft-404"    // "页面不存在" served with 200
	errUnreadable = "unreadable"  // a page with no recognisable list
	errEmptyDoubt = "empty-doubt" // an empty-list marker beside unread article links
)

// emptyMarkers are the texts portals print in a list that holds nothing.
var emptyMarkers = []string{
	"暂无信息", "暂无数据", "暂无内容", "暂无记录", "暂无相关信息", "暂无相关内容", "暂无相关数据", "暂无公开信息",
	"暂无文章", "暂无文件", "暂无信件", "没有找到相关记录", "没有找到相关信息", "没有相关信息", "没有相关记录",
	"没有记录", "无相关信息", "无相关记录", "查无记录", "查询结果为空", "该栏目暂无", "本栏目暂无",
}

// challengeMarkers betray a bot challenge or a WAF interstitial.
var challengeMarkers = []string{
	"acw_sc__v2", "__jsl_clearance", "jsl_clearance_s", "_waf_", "waf_sc", "yunsuo_session", "safedog",
	"cf-chl", "challenge-platform", "请开启javascript", "请启用javascript", "enable javascript",
	"安全验证", "人机验证", "滑动验证", "正在进行安全检测", "访问验证", "安全检测中", "请完成验证", "网站防火墙",
	"您的访问被拦截", "访问被拒绝", "疑似攻击", "非法访问",
}

// notFoundMarkers betray an error page served with status 200.
var notFoundMarkers = []string{
	"页面不存在", "页面未找到", "找不到页面", "找不到该页面", "您访问的页面不存在", "您所访问的页面不存在",
	"您要访问的页面不存在", "该页面不存在", "页面已删除", "栏目不存在", "该栏目已撤销", "页面已被删除",
	"page not found", "404 not found", "error 404", "抱歉，您访问的页面",
}

var (
	rePassword   = regexp.MustCompile(`(?i)<input[^>]+type\s*=\s*["']?password`)
	reAnchorHref = regexp.MustCompile(`(?i)<a\s[^>]*href\s*=\s*["']?([^"'\s>]+)`)
	// reArticleHref is deliberately wider than extract.IsArticleURL (dated
	// directories, numeric ids, id= queries): a page with any such link
	// is never taken for an empty list, whereas the misread guard
	// (ownArticleLinks) counts only the extractor's sure article links.
	reArticleHref  = regexp.MustCompile(`(?i)(?:t\d{8}_\d+|art_\d+_\d+|doc_[0-9a-f]{8,}|/content/|/art/\d{4}/|/\d{6}/[^/]+\.s?html?|/\d{4}-\d{2}/\d{2}/|[/_]\d{5,}\.s?html?$|[?&](?:id|docid|articleid|infoid)=\d+)`)
	reEmptyPager   = regexp.MustCompile(`(?i)createPageHTML\(\s*0\s*,|\bcountPage\s*=\s*0\s*[;,]|<totalrecord>\s*0\s*</totalrecord>|totalRecord\s*[:=]\s*["']?0["']?\s*[;,]`)
	reEmptyRecords = regexp.MustCompile(`(?is)<recordset>\s*</recordset>`)
	// reClientTemplate finds the markup of a list rendered in the browser:
	// Vue, Angular or Alpine directives, or moustaches in the page's HTML.
	reClientTemplate = regexp.MustCompile(`(?i)\s(?:v-for|v-if|v-show|v-else|ng-repeat|ng-if|x-for|x-show|:key)\s*=|\{\{\s*[a-z_$][\w$.]*(?:\[[^\]]*\])?\s*\}\}`)
)

// emptyVerdict is what a list page that yielded no entries shows.
type emptyVerdict struct {
	// empty is true when the page says its list is empty: an explicit
	// marker or a pager that counts zero, and no article link the
	// extractor failed to read.
	empty bool
	// kind and cause say why the page is not an empty list.
	kind, cause string
}

// maxSniff bounds how much of a page the verdict reads.
const maxSniff = 512 << 10

// judgeEmptyList decides whether a list page from which no entry could be
// read is an empty list or a page that could not be read. Only a page
// that says so is empty; a challenge, a sign-in page, an error page or a
// page without a recognisable list is not.
func judgeEmptyList(body []byte) emptyVerdict {
	if len(body) > maxSniff {
		body = body[:maxSniff]
	}
	lower := bytes.ToLower(body)
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(body))
	if err != nil {
		return emptyVerdict{kind: errParse, cause: "列表页无法解析"}
	}
	title := strings.ToLower(strings.TrimSpace(doc.Find("title").First().Text()))
	text := visibleText(doc)
	ltext := strings.ToLower(text)

	for _, m := range challengeMarkers {
		if bytes.Contains(lower, []byte(m)) {
			return emptyVerdict{kind: errChallenge, cause: fmt.Sprintf("列表页为验证页面（含“%s”），疑似网站防火墙拦截，未能读取列表", m)}
		}
	}
	// A page that is mostly a script setting a cookie and reloading.
	if len([]rune(strings.TrimSpace(text))) < 200 && bytes.Contains(lower, []byte("document.cookie")) &&
		(bytes.Contains(lower, []byte("location")) || bytes.Contains(lower, []byte("reload"))) {
		return emptyVerdict{kind: errChallenge, cause: "列表页为脚本验证页面（设置 Cookie 后跳转），疑似网站防火墙拦截，未能读取列表"}
	}
	for _, m := range notFoundMarkers {
		if strings.Contains(title, m) || strings.Contains(ltext, m) {
			return emptyVerdict{kind: errSoft404, cause: fmt.Sprintf("列表页显示“%s”（状态码 200 的错误页），未能读取列表", m)}
		}
	}
	if strings.Contains(title, "404") || strings.Contains(title, "错误") {
		return emptyVerdict{kind: errSoft404, cause: fmt.Sprintf("列表页标题为“%s”（状态码 200 的错误页），未能读取列表", firstRunes(title, 40))}
	}
	links, articles := 0, 0
	for _, m := range reAnchorHref.FindAllSubmatch(body, 2000) {
		h := string(m[1])
		if strings.HasPrefix(h, "#") || strings.HasPrefix(strings.ToLower(h), "javascript:") {
			continue
		}
		links++
		if reArticleHref.MatchString(h) {
			articles++
		}
	}
	marker := ""
	for _, m := range emptyMarkers {
		if strings.Contains(text, m) {
			marker = m
			break
		}
	}
	zeroPager := reEmptyPager.Match(body) || reEmptyRecords.Match(body)
	if reClientTemplate.Match(body) {
		// A list a script fills in: its "暂无数据" is the template's, and the
		// page's source holds no entries whatever the list shows.
		return emptyVerdict{kind: errUnreadable, cause: "列表由页面脚本动态加载（页面源码中只有模板），未能读取列表；请用 govaudit inspect 查看，或为该栏目配置数据接口"}
	}
	login := rePassword.Match(body) || strings.Contains(title, "登录") || strings.Contains(title, "login")
	switch {
	case (marker != "" || zeroPager) && articles == 0:
		return emptyVerdict{empty: true}
	case login:
		return emptyVerdict{kind: errLogin, cause: "列表页为登录页面，未能读取列表"}
	case marker != "":
		return emptyVerdict{kind: errEmptyDoubt, cause: fmt.Sprintf("列表页显示“%s”，但页面上有 %d 个疑似信息链接未能识别，未作判断", marker, articles)}
	case articles > 0:
		return emptyVerdict{kind: errUnreadable, cause: fmt.Sprintf("列表页有 %d 个疑似信息链接，但未能识别出信息列表（页面结构未适配）", articles)}
	}
	return emptyVerdict{kind: errUnreadable, cause: fmt.Sprintf("列表页中未识别到信息列表，也没有“暂无信息”等空列表标志（页面含 %d 个链接）", links)}
}

// visibleText is the text a reader sees of a page: without its scripts,
// styles, templates and the elements hidden by their style or attributes
// (an empty-list marker a script shows when its list comes back empty is
// not the page saying so), white space collapsed. It removes those
// elements from doc.
func visibleText(doc *goquery.Document) string {
	doc.Find("script, style, template, noscript, [hidden], .hide, .hidden").Remove()
	doc.Find("[style]").FilterFunction(func(_ int, s *goquery.Selection) bool {
		st, _ := s.Attr("style")
		st = strings.ToLower(strings.ReplaceAll(st, " ", ""))
		return strings.Contains(st, "display:none") || strings.Contains(st, "visibility:hidden")
	}).Remove()
	return strings.Join(strings.Fields(doc.Text()), " ")
}

func firstRunes(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

// cutOff reports whether an HTML page ends before its end: neither
// </body> nor </html> in its last 64 KiB. A body sent without a length
// and closed early reads as complete to the HTTP client; this is how the
// crawler notices.
func cutOff(body []byte) bool {
	tail := body
	if len(tail) > 64<<10 {
		tail = tail[len(tail)-64<<10:]
	}
	// From the end: a whole page ends with one of them, so this stops
	// after a few bytes.
	for i := len(tail) - len("</html"); i >= 0; i-- {
		if tail[i] != '<' || tail[i+1] != '/' {
			continue
		}
		if t := tail[i+2 : i+6]; bytes.EqualFold(t, []byte("html")) || bytes.EqualFold(t, []byte("body")) {
			return false
		}
	}
	return true
}

var reHanwebCol = regexp.MustCompile(`/col/col(\d+)/`)

// ownArticleLinks counts the distinct links of a list page that have the
// shape of an article page (extract.IsArticleURL) and belong to the list's
// own column: under the list's directory (TRS ./YYYYMM/t…) or carrying
// its Hanweb column number (art_<col>_…). Links to other columns (a
// sidebar's 热点信息) do not count.
func ownArticleLinks(body []byte, page *url.URL) int {
	if page == nil {
		return 0
	}
	dir := page.Path[:strings.LastIndex(page.Path, "/")+1]
	site := ""
	if i := strings.Index(page.Path, "/site_"); i >= 0 {
		if j := strings.Index(page.Path[i+1:], "/"); j >= 0 {
			site = page.Path[:i+1+j+1]
		}
	}
	art := ""
	if m := reHanwebCol.FindStringSubmatch(page.Path); m != nil {
		art = "/art_" + m[1] + "_"
	}
	if len(body) > maxSniff*4 {
		body = body[:maxSniff*4]
	}
	seen := map[string]bool{}
	for _, m := range reAnchorHref.FindAllSubmatch(body, 5000) {
		u, err := page.Parse(string(m[1]))
		if err != nil || !strings.EqualFold(u.Host, page.Host) || !extract.IsArticleURL(u.String()) {
			continue
		}
		// (A /gongkai/ channel's documents sit beside every other channel's
		// of the unit, site_…/doc_…: a sidebar of the unit's latest posts
		// would count, so that platform is left to the extractor.)
		own := dir != "/" && strings.HasPrefix(u.Path, dir) && site == "" ||
			art != "" && strings.Contains(u.Path, art)
		if own {
			seen[u.Path] = true
		}
	}
	return len(seen)
}

// misread reports a list page whose own article links far outnumber the
// entries read from it: the extractor took a wrong structure (a damaged
// page, an unknown layout), and judging the column by the few entries it
// read would find missing posts that are there.
func misread(body []byte, page *url.URL, entries int) (string, bool) {
	links := ownArticleLinks(body, page)
	if links-entries >= 3 && entries*2 < links {
		return fmt.Sprintf("列表页有 %d 个本栏目信息链接，仅识别出 %d 条（页面结构未适配或页面损坏）", links, entries), true
	}
	return "", false
}
