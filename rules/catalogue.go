package rules

import (
	"regexp"
	"sort"
	"strings"
)

// This file is the one vocabulary of the checks: every check's id, names
// and wording, and the Chinese rendering of every evidence key. The web
// UI, the notice (HTML, DOCX, XLSX, CSV), the weekly digest and the CLI all
// read their words from here; none keeps a label map of its own.
//
// Adding a check is adding one entry to Defs below (with its eval
// function in its own file): the id, Title, Short, Action, the provision
// and its defaults. TestCatalogue fails on an entry with a missing or
// non-Chinese wording, and the output tests of reports and web render
// every entry. A check that records a new evidence date key adds it to
// evidenceDates as well.

// Def describes one check: its identity, its words and its (configured)
// settings.
type Def struct {
	ID string // stable id, e.g. timeliness; never shown to a reader
	// Title is the check's one Chinese name, used wherever a finding is
	// named: the review pages, the problem lists, the digest, the CLI.
	Title string
	// Short is the name for narrow places: ranking column headers, filters.
	Short string
	// Action says in Chinese what a unit does to rectify a finding.
	Action  string
	Article string  // the provision it enforces
	Pack    string  // PackDistrict or PackNational
	Points  float64 // deduction per finding
	Scoring bool    // whether its findings count in scores
	Enabled bool
	// OfColumns marks a check that judges a column as a whole (its list
	// over a period): it judges only a walk that read every list page and
	// did not fall sharply (store.SourceState.Judged), and keeps its
	// findings of a column whose latest walk was partial or suspect.
	OfColumns bool
	// eval runs the check.
	eval func(e *env, d Def) outcome
}

// Defs returns the checks with their default settings, in report order:
// the catalogue.
func Defs() []Def {
	return []Def{
		{ID: Timeliness, Title: "信息发布不及时", Short: "发布不及时",
			Action:  "核实信息形成日期，今后自形成或变更之日起 20 个工作日内公开",
			Article: "考核办法第八条：信息形成或变更之日起 20 个工作日内公开", Pack: PackDistrict, Points: 1, Scoring: true, Enabled: true, eval: checkTimeliness},
		{ID: Backdated, Title: "发布日期早于成文日期", Short: "日期倒挂",
			Action:  "核对并更正信息的成文日期或发布日期",
			Article: "考核办法第十三条（规范性）；国家政府网站检查指标", Pack: PackDistrict, Points: 0.5, Scoring: true, Enabled: true, eval: checkBackdated},
		{ID: KeyColumnEmpty, Title: "重点栏目整季度未更新", Short: "重点栏目未更新",
			Action:  "在重点栏目及时发布本季度信息",
			Article: "考核办法第十三条第三项：重点栏目不得整季度无更新", Pack: PackDistrict, Points: 2, Scoring: true, Enabled: true, OfColumns: true, eval: checkKeyColumnEmpty},
		{ID: BlankColumn, Title: "空白栏目", Short: "空白栏目",
			Action:  "补充栏目内容，确无内容的栏目应说明或撤并",
			Article: "考核办法第十三条第一项（完整性）；国家政府网站检查指标", Pack: PackDistrict, Points: 1, Scoring: true, Enabled: true, OfColumns: true, eval: checkBlankColumn},
		{ID: MissingAttachment, Title: "缺少附件", Short: "缺少附件",
			Action:  "为政策、服务类文件补充附件下载",
			Article: "考核办法第十三条第二项：政策、服务类文件须提供附件下载", Pack: PackDistrict, Points: 0.5, Scoring: true, Enabled: true, eval: checkMissingAttachment},
		{ID: BrokenAttachment, Title: "附件无法下载", Short: "附件无法下载",
			Action:  "重新上传附件并确认可以正常下载",
			Article: "考核办法第十三条第二项；国家政府网站检查指标", Pack: PackDistrict, Points: 0.5, Scoring: true, Enabled: true, eval: checkBrokenAttachment},
		{ID: MailboxReply, Title: "信箱来信答复超期", Short: "信箱答复超期",
			Action:  "尽快答复来信，今后 5 个工作日内答复",
			Article: "考核办法第六条第四项：信箱来信 5 个工作日内答复", Pack: PackDistrict, Points: 1, Scoring: true, Enabled: true, eval: checkMailboxReply},
		{ID: PeriodicGap, Title: "定期信息缺期或逾期", Short: "定期信息缺期",
			Action:  "补发缺期的按月、按季、按年信息，今后按期发布",
			Article: "考核办法第十三条第三项：按月、按年信息按时发布、不断档", Pack: PackDistrict, Points: 1, Scoring: true, Enabled: true, OfColumns: true, eval: checkPeriodicGap},
		{ID: AnnualReport, Title: "政府信息公开工作年度报告未按时发布", Short: "年度报告逾期",
			Action:  "发布上一年度政府信息公开工作年度报告",
			Article: "考核办法第十四条；政府信息公开条例第四十九条", Pack: PackDistrict, Points: 2, Scoring: true, Enabled: true, OfColumns: true, eval: checkAnnualReport},
		{ID: StaleColumn, Title: "栏目长期未更新", Short: "栏目长期未更新",
			Action:  "及时更新栏目内容",
			Article: "国家政府网站检查指标：栏目更新时限", Pack: PackNational, Points: 0, Scoring: false, Enabled: true, OfColumns: true, eval: checkStaleColumn},
		{ID: BrokenLink, Title: "页面链接失效", Short: "链接失效",
			Action:  "修复或删除失效链接",
			Article: "国家政府网站检查指标：链接可用", Pack: PackNational, Points: 0.2, Scoring: false, Enabled: true, eval: checkBrokenLink},
		// Content and follow-up checks (issue 15).
		{ID: Wording, Title: "错别字及严重表述错误", Short: "错别字",
			Action:  "更正错别字和错误表述，核对领导姓名与职务",
			Article: "考核办法第十三条第二项：信息不得有错别字；国家政府网站检查指标：严重表述错误", Pack: PackDistrict, Points: 1, Scoring: true, Enabled: true, eval: checkWording},
		{ID: Interpretation, Title: "政策解读缺失、滞后或未双向关联", Short: "解读缺失或滞后",
			Action:  "为规范性文件发布政策解读，并与文件双向链接",
			Article: "考核办法第六条第四项：解读时效性、政策文件与解读材料关联性", Pack: PackDistrict, Points: 0.5, Scoring: true, Enabled: true, eval: checkInterpretation},
		{ID: Validity, Title: "规范性文件未标注有效性或有效性标注错误", Short: "有效性标注",
			Action:  "在规范性文件页面标注有效性，届满失效的文件及时更正为失效",
			Article: "考核办法第十三条第二项：无效信息、格式规范", Pack: PackDistrict, Points: 0.5, Scoring: true, Enabled: true, eval: checkValidity},
		{ID: Catalog, Title: "主动公开基本目录事项未公开或未按期更新", Short: "目录事项未公开",
			Action:  "按主动公开基本目录分工在对应栏目发布信息",
			Article: "考核办法第十三条第一项：按主动公开基本目录分工公开", Pack: PackDistrict, Points: 1, Scoring: true, Enabled: true, OfColumns: true, eval: checkCatalog},
		// Content checks (issue 14).
		{ID: PersonalData, Title: "公开信息含未脱敏个人信息", Short: "个人信息未脱敏",
			Action:  "立即对页面和附件中的个人信息去标识化处理后重新发布",
			Article: "2018年政务公开工作要点：涉及个人隐私的政府信息公开时要去标识化处理", Pack: PackDistrict, Points: 2, Scoring: true, Enabled: true, eval: checkPersonalData},
		{ID: ExternalLink, Title: "链接指向非政府网站或纯数字网址", Short: "外部链接",
			Action:  "删除或更正指向非政府网站或纯数字网址的链接",
			Article: "国家政府网站检查指标：不得链接非政府网站域名或 IP 地址", Pack: PackNational, Points: 0.5, Scoring: false, Enabled: true, eval: checkExternalLink},
		{ID: HiddenLink, Title: "页面存在隐藏链接（暗链）", Short: "暗链",
			Action:  "立即删除隐藏链接，排查网站安全",
			Article: "国家政府网站检查指标：页面被挂马、内容被篡改（暗链）", Pack: PackNational, Points: 2, Scoring: true, Enabled: true, eval: checkHiddenLink},
		// Rectification reads the findings of the checks above: keep it last.
		{ID: Rectification, Title: "通报问题未按期整改", Short: "整改不到位",
			Action:  "按通报要求限期整改，整改完成后报区政务公开办",
			Article: "考核办法第十三条第四项：通报问题整改情况，拒不整改的加重扣分", Pack: PackDistrict, Points: 2, Scoring: true, Enabled: true, eval: checkRectification},
	}
}

// catalogue indexes Defs by id.
var catalogue = func() map[string]Def {
	m := map[string]Def{}
	for _, d := range Defs() {
		m[d.ID] = d
	}
	return m
}()

// Lookup returns the catalogue entry of a check id.
func Lookup(id string) (Def, bool) {
	d, ok := catalogue[id]
	return d, ok
}

// CheckName returns the Chinese name of a check; an unknown id reads
// "其他问题" (ids are never shown to a reader).
func CheckName(id string) string {
	if d, ok := catalogue[id]; ok {
		return d.Title
	}
	return "其他问题"
}

// CheckShort returns the short Chinese name of a check.
func CheckShort(id string) string {
	if d, ok := catalogue[id]; ok {
		return d.Short
	}
	return "其他问题"
}

// CheckAction returns what a unit does to rectify a finding of a check.
func CheckAction(id string) string {
	if d, ok := catalogue[id]; ok {
		return d.Action
	}
	return "核实并整改"
}

// CheckIndex is a check's position in report order (unknown ids last).
func CheckIndex(id string) int {
	for i, d := range Defs() {
		if d.ID == id {
			return i
		}
	}
	return len(catalogue)
}

// evidenceDates are the evidence date keys in reading order with their
// Chinese names. Every key a check writes into Evidence.Dates is here.
var evidenceDates = []struct{ Key, Name string }{
	{"written", "成文日期"},
	{"received", "来信日期"},
	{"from", "考核期起"},
	{"to", "考核期止"},
	{"due", "截止日期"},
	{"published", "发布日期"},
	{"replied", "答复日期"},
	{"list", "列表日期"},
	{"last_published", "最近发布"},
	{"valid_until", "有效期至"},
	{"interpretation", "解读发布"},
	{"notified", "通报日期"},
	{"checked", "复查日期"},
	{"as_of", "检查日期"},
}

// DateKeys returns the known evidence date keys in reading order.
func DateKeys() []string {
	out := make([]string, len(evidenceDates))
	for i, k := range evidenceDates {
		out[i] = k.Key
	}
	return out
}

// DateName returns the Chinese name of an evidence date key; an unknown key
// reads "日期".
func DateName(key string) string {
	for _, k := range evidenceDates {
		if k.Key == key {
			return k.Name
		}
	}
	return "日期"
}

// DatePair is one evidence date in words.
type DatePair struct{ Name, Value string }

// Dates returns the evidence dates in reading order with their Chinese
// names, unknown keys last (by key).
func Dates(m map[string]string) []DatePair {
	var out []DatePair
	for _, k := range evidenceDates {
		if v := m[k.Key]; v != "" {
			out = append(out, DatePair{k.Name, v})
		}
	}
	var rest []string
	for k, v := range m {
		if v != "" && DateName(k) == "日期" {
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	for _, k := range rest {
		out = append(out, DatePair{"日期", m[k]})
	}
	return out
}

// FormatDates writes evidence dates as one line, e.g.
// "成文日期 2026-05-06；发布日期 2026-07-01".
func FormatDates(m map[string]string) string {
	var parts []string
	for _, p := range Dates(m) {
		parts = append(parts, p.Name+" "+p.Value)
	}
	return strings.Join(parts, "；")
}

// brokenReasons renders the crawler's reasons why a document does not
// download.
var brokenReasons = []struct{ en, zh string }{
	{"HTML error page", "打开为网页而非文件"},
	{"empty body", "文件内容为空"},
}

// httpStatus matches "HTTP 404" in evidence text.
var httpStatus = regexp.MustCompile(`HTTP (\d{3})`)

// statusNames renders the HTTP statuses readers meet.
var statusNames = map[string]string{
	"400": "请求无效", "401": "需要登录", "403": "禁止访问", "404": "页面不存在", "410": "页面已删除",
	"500": "服务器错误", "502": "网关错误", "503": "服务不可用", "504": "网关超时",
}

// BrokenReason renders a crawler's reason ("HTML error page",
// "empty body", "HTTP 404") in Chinese.
func BrokenReason(s string) string {
	return EvidenceText(s)
}

// EvidenceText renders a stored evidence text for a reader: the English
// fragments older findings or the crawler carry ("HTML error page",
// "HTTP 404") in Chinese. URLs are kept; PlainEvidence drops them.
func EvidenceText(s string) string {
	for _, r := range brokenReasons {
		s = strings.ReplaceAll(s, r.en, r.zh)
	}
	s = QuarterName(s)
	return httpStatus.ReplaceAllStringFunc(s, func(m string) string {
		code := m[5:]
		if name, ok := statusNames[code]; ok {
			return "网页状态码 " + code + "（" + name + "）"
		}
		return "网页状态码 " + code
	})
}

// quarterID matches a quarter id such as 2026Q3 in evidence text.
var quarterID = regexp.MustCompile(`\b(\d{4})Q([1-4])\b`)

var quarterNames = [...]string{"", "第一季度", "第二季度", "第三季度", "第四季度"}

// yearEndID matches the year-end period of manual adjustments, 2026Y.
var yearEndID = regexp.MustCompile(`^(\d{4})Y$`)

// QuarterName writes the quarter ids in s ("2026Q3") in Chinese
// (2026年第三季度), and a year-end period ("2026Y") as 2026年年终考核.
func QuarterName(s string) string {
	s = yearEndID.ReplaceAllString(s, "${1}年年终考核")
	return quarterID.ReplaceAllStringFunc(s, func(m string) string {
		return m[:4] + "年" + quarterNames[m[5]-'0']
	})
}

// urlPattern matches a URL in evidence text.
var urlPattern = regexp.MustCompile(`(?i)\s*(https?://|ftp://)[^\s；，。、（）「」()]+\s*`)

// PlainEvidence renders an evidence text for print: in Chinese (see
// EvidenceText), without URLs, which a printed document cannot follow,
// and without the working-day calendar's detail (the holidays skipped and
// make-up days counted), which the review page and the spreadsheet keep.
func PlainEvidence(s string) string {
	s = EvidenceText(s)
	s = urlPattern.ReplaceAllString(s, "")
	s = dropParen(s, "（节假日不计")
	s = dropParen(s, "（调休上班计入")
	for _, r := range []struct{ old, new string }{{"（；", "（"}, {"；）", "）"}, {"（）", ""}, {"「」", ""}} {
		s = strings.ReplaceAll(s, r.old, r.new)
	}
	return strings.TrimSpace(s)
}

// dropParen removes every full-width parenthesised part of s that starts
// with prefix, nested parentheses included.
func dropParen(s, prefix string) string {
	for {
		i := strings.Index(s, prefix)
		if i < 0 {
			return s
		}
		depth, end := 0, len(s)
		for j, r := range s[i:] {
			if r == '（' {
				depth++
			} else if r == '）' {
				depth--
				if depth == 0 {
					end = i + j + len("）")
					break
				}
			}
		}
		s = s[:i] + s[end:]
	}
}
