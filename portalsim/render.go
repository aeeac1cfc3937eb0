package portalsim

import (
	"fmt"
	"html"
	"net/url"
	"strconv"
	"strings"

	"github.com/govaudit/govaudit/config"
)

const siteName = "临淄区人民政府"

var esc = html.EscapeString

// charsetMeta is the charset declaration in a unit's pages.
func charsetMeta(u *unit) string {
	switch {
	case u == nil || u.charset == "utf-8" || u.mislabeled:
		return `<meta charset="utf-8">`
	case u.httpEquiv:
		return `<meta http-equiv="Content-Type" content="text/html; charset=gb2312">`
	default:
		return `<meta charset="` + u.charset + `">`
	}
}

// open writes the start of a page up to and including <body>.
func open(b *strings.Builder, u *unit, title string, metas ...string) {
	b.WriteString("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n")
	b.WriteString(charsetMeta(u))
	b.WriteString("\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>")
	b.WriteString(esc(title))
	b.WriteString("</title>\n<meta name=\"SiteName\" content=\"" + siteName + "\">\n")
	for i := 0; i+1 < len(metas); i += 2 {
		fmt.Fprintf(b, "<meta name=\"%s\" content=\"%s\">\n", metas[i], esc(metas[i+1]))
	}
	b.WriteString("</head>\n<body>\n<div class=\"header\"><a href=\"/\">" + siteName + "</a>")
	if u != nil {
		fmt.Fprintf(b, " &gt; <a href=\"%s\">%s</a>", u.catalogPath(), esc(u.name))
	}
	b.WriteString("</div>\n")
}

func closePage(b *strings.Builder) {
	b.WriteString("<div class=\"footer\">主办：临淄区人民政府办公室　网站标识码：3703050001　鲁ICP备05000000号</div>\n</body>\n</html>\n")
}

// home renders the portal's home page.
func (s *Sim) home() string {
	var b strings.Builder
	open(&b, nil, siteName)
	b.WriteString("<h1>" + siteName + "</h1>\n<div class=\"news\"><h2>最新信息</h2>\n<ul class=\"news-list\">\n")
	for _, it := range s.newest {
		fmt.Fprintf(&b, "<li><a href=\"%s\" title=\"%s\">%s</a><span class=\"date\">%s</span></li>\n",
			it.path(), esc(it.title), esc(it.title), it.pub.iso())
	}
	b.WriteString("</ul></div>\n<div class=\"gk\"><h2>政务公开</h2>\n<ul class=\"unit-list\">\n")
	for _, u := range s.units {
		fmt.Fprintf(&b, "<li><a href=\"%s\">%s</a></li>\n", u.catalogPath(), esc(u.name))
	}
	b.WriteString("</ul></div>\n<div class=\"hdjl\"><h2>互动交流</h2>\n<ul class=\"mailbox-list\">\n")
	for _, mb := range s.mailboxes {
		fmt.Fprintf(&b, "<li><a href=\"%s\">%s</a></li>\n", mb.dir(), esc(mb.name))
	}
	b.WriteString("</ul></div>\n")
	closePage(&b)
	return b.String()
}

// catalog renders a unit's catalog page in the unit's catalog layout.
func (s *Sim) catalog(u *unit) string {
	var b strings.Builder
	open(&b, u, u.name+"政府信息公开")
	switch u.lay.catalog {
	case CatalogTree:
		// Nothing in the markup: the tree is drawn by a script from its
		// nodes, as many 信息公开目录 pages do.
		fmt.Fprintf(&b, "<div class=\"xxgk-left\"><div class=\"tit\">%s信息公开目录</div>\n<ul id=\"catalogTree\" class=\"ztree\"></ul></div>\n", esc(u.name))
		b.WriteString("<script type=\"text/javascript\">\nvar setting = { data: { simpleData: { enable: true, idKey: \"id\", pIdKey: \"pId\" } } };\nvar zNodes = [\n")
		fmt.Fprintf(&b, "\t{ id: \"%d\", pId: \"0\", name: %s, open: true, url: \"\" }", u.idx+1, jsQuote(u.name, false))
		for i, c := range u.cols {
			// Every third node in the JSON style, the others unquoted;
			// the unit's odd-numbered ones escape their names.
			if i%3 == 2 {
				fmt.Fprintf(&b, ",\n\t{\"id\":\"%d%02d\",\"pId\":\"%d\",\"name\":%s,\"url\":%s,\"target\":\"_self\"}",
					u.idx+1, i, u.idx+1, jsQuote(c.spec.name, u.idx%2 == 1), jsQuote(catalogHref(c), false))
				continue
			}
			fmt.Fprintf(&b, ",\n\t{ id: \"%d%02d\", pId: \"%d\", name: %s, url: %s, target: \"_self\" }",
				u.idx+1, i, u.idx+1, jsQuote(c.spec.name, u.idx%2 == 1), jsQuote(catalogHref(c), false))
		}
		b.WriteString("\n];\n$(document).ready(function () { $.fn.zTree.init($(\"#catalogTree\"), setting, zNodes); });\n</script>\n")
	case CatalogSidebar:
		// The site's menu bar links the district's channels, some of the
		// same names as the unit's; the unit's own are in the sidebar.
		b.WriteString("<div class=\"navbar\"><ul>\n")
		if d := s.districtUnit(); d != nil {
			for _, c := range d.cols[:min(6, len(d.cols))] {
				fmt.Fprintf(&b, "<li><a href=\"%s\">%s</a></li>\n", absHref(c), esc(c.spec.name))
			}
		}
		fmt.Fprintf(&b, "</ul></div>\n<div class=\"leftnav\"><h3>%s</h3>\n<ul>\n", esc(u.name))
		for i, c := range u.cols {
			if i%2 == 1 {
				// Every other one opens its page by script.
				fmt.Fprintf(&b, "<li><a href=\"javascript:void(0)\" onclick=\"window.open('%s','_self')\">%s</a></li>\n", catalogHref(c), esc(c.spec.name))
				continue
			}
			fmt.Fprintf(&b, "<li><a href=\"%s\" title=\"%s\">%s</a></li>\n", catalogHref(c), esc(c.spec.name), esc(c.spec.name))
		}
		b.WriteString("</ul></div>\n")
	default:
		fmt.Fprintf(&b, "<div class=\"unit-title\">%s政府信息公开</div>\n<ul class=\"channel-list\">\n", esc(u.name))
		for _, c := range u.cols {
			fmt.Fprintf(&b, "<li><a href=\"%s\">%s</a></li>\n", catalogHref(c), esc(c.spec.name))
		}
		b.WriteString("</ul>\n")
	}
	closePage(&b)
	return b.String()
}

// catalogHref is the link to a column from its unit's catalog page.
func catalogHref(c *column) string {
	switch c.u.fam {
	case famHanweb:
		return c.listPath(1)
	case famTRS:
		return "./" + c.spec.slug + "/index.html"
	default:
		return fmt.Sprintf("channel_c_%s_n_%d/", c.hex, c.unix)
	}
}

// absHref is catalogHref as a path from the site's root.
func absHref(c *column) string {
	h := catalogHref(c)
	if strings.HasPrefix(h, "/") {
		return h
	}
	cat := c.u.catalogPath()
	return cat[:strings.LastIndex(cat, "/")+1] + strings.TrimPrefix(h, "./")
}

// districtUnit is the district's own unit (区政府办公室), nil when none.
func (s *Sim) districtUnit() *unit {
	for _, u := range s.units {
		if u.district {
			return u
		}
	}
	return nil
}

// jsQuote writes s as a JavaScript string literal in double quotes; with
// escape, every non-ASCII character as \uXXXX (as JSON encoders do).
func jsQuote(s string, escape bool) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '/':
			b.WriteString("\\/")
		case r == '<' || r == '>' || r == '&' || r < 0x20 || escape && r > 0x7e:
			if r > 0xffff {
				b.WriteRune(r) // outside the BMP: as is
				continue
			}
			fmt.Fprintf(&b, "\\u%04x", r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// pageItems returns the entries of list page p (1-based) of a list of items.
func (c *column) pageItems(items []*item, p int) []*item {
	n := c.perPage()
	lo := min((p-1)*n, len(items))
	return items[lo:min(lo+n, len(items))]
}

// shown returns the items a column's list shows: all of them, or fewer
// under Faults.EmptiedColumns and Faults.ShrunkColumns.
func (s *Sim) shown(c *column) []*item {
	switch {
	case s.emptied[c]:
		return nil
	case s.shrunk[c]:
		return c.items[:len(c.items)/3]
	}
	return c.items
}

// listPages is the number of list pages the column's list shows (1 for
// an empty list).
func (s *Sim) listPages(c *column) int {
	n := len(s.shown(c))
	return max(1, (n+c.perPage()-1)/c.perPage())
}

// list renders list page p of a column.
func (s *Sim) list(c *column, p int) string {
	if !c.u.classic {
		return s.variedList(c, p)
	}
	switch c.u.fam {
	case famHanweb:
		return s.hanwebList(c)
	case famTRS:
		return s.trsList(c, p)
	default:
		return s.gongkaiList(c, p)
	}
}

// listItems returns the entries of list page p; past the last page of an
// endless column (Faults.EndlessColumns), those of the last page again.
func (s *Sim) listItems(c *column, p int) []*item {
	if s.endless[c] {
		p = min(p, s.listPages(c))
	}
	return c.pageItems(s.shown(c), p)
}

func (s *Sim) gongkaiList(c *column, p int) string {
	var b strings.Builder
	open(&b, c.u, c.spec.name)
	fmt.Fprintf(&b, "<div class=\"channel-title\">%s</div>\n<ul class=\"doc-list\">\n", esc(c.spec.name))
	for _, it := range s.listItems(c, p) {
		fmt.Fprintf(&b, "<li><a href=\"../doc_%s.html\" title=\"%s\">%s</a><span class=\"date\">%s</span></li>\n",
			it.hex, esc(it.title), esc(it.title), it.pub.iso())
	}
	b.WriteString("</ul>\n")
	if len(c.items) == 0 {
		b.WriteString("<p class=\"empty\">暂无信息</p>\n")
	}
	n := s.listPages(c)
	writePager(&b, "index_", p, n, p < n || s.endless[c])
	closePage(&b)
	return b.String()
}

// writePager writes the plain pager of page p of n: page 1 is "./", page
// k > 1 is prefix+k+".html"; next links the following page.
func writePager(b *strings.Builder, prefix string, p, n int, next bool) {
	b.WriteString("<div class=\"pager\">")
	if p > 1 {
		prev := "./"
		if p > 2 {
			prev = prefix + strconv.Itoa(p-1) + ".html"
		}
		fmt.Fprintf(b, "<a href=\"%s\">上一页</a> ", prev)
	}
	if next {
		fmt.Fprintf(b, "<a href=\"%s%d.html\">下一页</a> ", prefix, p+1)
	}
	fmt.Fprintf(b, "<span>第%d页/共%d页</span></div>\n", p, n)
}

// hanwebRecord is one list entry of a hanweb column.
func hanwebRecord(b *strings.Builder, it *item) {
	fmt.Fprintf(b, "<record><![CDATA[<li><a href=\"%s\" title=\"%s\">%s</a><span>%s</span></li>]]></record>\n",
		it.path(), esc(it.title), esc(it.title), it.pub.iso())
}

func (c *column) unitID() int { return c.num*10 + 1 }

func (s *Sim) hanwebList(c *column) string {
	var b strings.Builder
	open(&b, c.u, c.spec.name)
	fmt.Fprintf(&b, "<div class=\"main-title\">%s</div>\n", esc(c.spec.name))
	fmt.Fprintf(&b, "<div id=\"%d\"><script type=\"text/xml\"><datastore><nextgroup><![CDATA[<a href=\"/module/web/jpage/dataproxy.jsp?page=1&webid=1&path=/&columnid=%d&unitid=%d&webname=%s&permissiontype=0\"></a>]]></nextgroup>\n<recordset>\n",
		c.unitID(), c.num, c.unitID(), url.QueryEscape(c.u.name))
	shown := s.shown(c)
	for _, it := range shown[:min(15, len(shown))] {
		hanwebRecord(&b, it)
	}
	b.WriteString("</recordset></datastore></script></div>\n")
	if c.u.pagerScript {
		fmt.Fprintf(&b, "<script>var jpageConfig = { divid: \"%d\", perpage:15, totalRecord: %d, columnid: %d, webid: 1 };</script>\n",
			c.unitID(), len(shown), c.num)
	}
	if len(c.items) == 0 {
		b.WriteString("<p class=\"empty\">暂无信息</p>\n")
	}
	closePage(&b)
	return b.String()
}

// proxy renders a hanweb data proxy answer for records start..end (1-based, inclusive).
func (s *Sim) proxy(c *column, start, end, perPage int) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="` + strings.ToUpper(c.u.charset) + "\"?>\n<datastore>\n")
	shown := s.shown(c)
	total := len(shown)
	claimed, last := total, min(end, total)
	if s.endless[c] && total > 0 {
		// A proxy that never ends: a million more records claimed, the
		// real ones repeated past the end.
		claimed, last = total+1000000, min(end, max(start, 1)+999)
	}
	fmt.Fprintf(&b, "<totalrecord>%d</totalrecord>\n<totalpage>%d</totalpage>\n<recordset>\n", claimed, (claimed+perPage-1)/perPage)
	for i := max(start, 1); i <= last; i++ {
		if c.u.classic {
			hanwebRecord(&b, shown[(i-1)%total])
		} else {
			s.variedRecord(&b, shown[(i-1)%total])
		}
	}
	b.WriteString("</recordset>\n</datastore>\n")
	return b.String()
}

func (s *Sim) trsList(c *column, p int) string {
	var b strings.Builder
	open(&b, c.u, c.spec.name)
	fmt.Fprintf(&b, "<div class=\"list-title\">%s</div>\n<ul class=\"list\">\n", esc(c.spec.name))
	for _, it := range s.listItems(c, p) {
		date := it.pub.format(fmtBracket, 0)
		if c.u.shortDates {
			date = it.pub.format(fmtShort, 0)
		}
		fmt.Fprintf(&b, "<li><a href=\"./%s/t%s_%d.html\" title=\"%s\">%s</a><span>%s</span></li>\n",
			it.yyyymm(), it.pub.format(fmtCompact, 0), it.id, esc(it.title), esc(it.title), date)
	}
	b.WriteString("</ul>\n")
	if len(c.items) == 0 {
		b.WriteString("<p class=\"empty\">暂无信息</p>\n")
	}
	count := s.listPages(c)
	if s.endless[c] {
		count = max(count, p+1)
	}
	fmt.Fprintf(&b, "<div class=\"page\"><script>createPageHTML(%d, %d, \"index\", \"html\");</script></div>\n", count, p-1)
	closePage(&b)
	return b.String()
}

// Label sets of the metadata table.
var (
	labelsStd = [...]string{"索引号", "主题分类", "发布机构", "成文日期", "发布日期", "文号", "有效性", "标题"}
	labelsAlt = [...]string{"索引号", "主题分类", "公开主体", "发文日期", "发布日期", "发文字号", "效力状态", "标题"}
)

func (s *Sim) metaTable(b *strings.Builder, it *item) {
	u := it.c.u
	l := labelsStd
	if u.altLabels {
		l = labelsAlt
	}
	written := ""
	if it.written != 0 {
		written = it.written.format([]int{fmtCNPadded, fmtCN, fmtISO}[u.idx%3], 0)
	}
	pub := it.pub.iso()
	if u.idx%2 == 1 {
		pub = it.pub.format(fmtCNPadded, 0)
	}
	b.WriteString("<table class=\"xxgk-table\">\n")
	fmt.Fprintf(b, "<tr><td class=\"label\">%s</td><td>%s</td><td class=\"label\">%s</td><td>%s</td></tr>\n", l[0], it.indexNo, l[1], esc(it.subject))
	fmt.Fprintf(b, "<tr><td class=\"label\">%s</td><td>%s</td><td class=\"label\">%s</td><td>%s</td></tr>\n", l[2], esc(u.name), l[3], written)
	fmt.Fprintf(b, "<tr><td class=\"label\">%s</td><td>%s</td><td class=\"label\">%s</td><td>%s</td></tr>\n", l[4], pub, l[5], esc(it.docNo))
	fmt.Fprintf(b, "<tr><td class=\"label\">%s</td><td>%s</td><td class=\"label\">%s</td><td>%s</td></tr>\n", l[6], esc(it.validityText()), l[7], esc(it.title))
	b.WriteString("</table>\n")
}

var bodySentences = []string{
	"为深入贯彻落实上级关于%s工作的决策部署，进一步提升工作水平，结合我区实际，现将有关事项通知如下。",
	"各单位要充分认识%s工作的重要意义，切实加强组织领导，明确责任分工，确保各项任务落到实处。",
	"要坚持问题导向，聚焦%s工作中的薄弱环节，建立健全长效机制，推动工作常态化、制度化。",
	"会议强调，要以更高标准、更严要求抓好%s各项工作，为全区经济社会高质量发展提供有力保障。",
	"下一步，将持续加大%s工作力度，强化督导检查，及时发现和解决存在的问题。",
	"各有关单位要加强协调配合，形成工作合力，按时报送%s工作进展情况。",
	"%s工作开展以来，累计走访企业和群众二百余次，收集意见建议三十余条，均已办理完毕。",
}

// body writes an item's text: paragraphs, the attachment names it gives,
// and for dated documents the issuing unit and date.
func (s *Sim) body(b *strings.Builder, it *item) {
	if s.contentBody(b, it) {
		s.privacyBody(b, it) // privacy.go
		return
	}
	r := s.rng(9, uint64(it.id))
	if it.c.spec.kind == config.KindDynamic {
		_, m, d := it.pub.ymd()
		fmt.Fprintf(b, "<p>%d月%d日，%s召开会议，专题研究部署%s工作。</p>\n", int(m), d, esc(it.c.u.name), esc(it.topic))
	}
	for range 2 + r.IntN(4) {
		fmt.Fprintf(b, "<p>"+pick(r, bodySentences)+"</p>\n", esc(it.topic))
	}
	if it.brokenLink {
		fmt.Fprintf(b, "<p>相关链接：<a href=\"%s\">关于%s工作的相关政策</a></p>\n", it.deadLink(), esc(it.topic))
	}
	if it.mention {
		var names []string
		for _, a := range it.atts {
			if r.IntN(2) == 0 {
				names = append(names, a.name)
			} else {
				names = append(names, a.stem)
			}
		}
		names = append(names, it.missing...)
		if !it.c.u.classic && len(names) > 1 && it.c.u.lay.attLine != AttLines {
			writeAttLine(b, it.c.u.lay.attLine, names)
		} else if len(names) == 1 {
			fmt.Fprintf(b, "<p>附件：%s</p>\n", esc(names[0]))
		} else {
			sep := pick(r, []string{". ", "、"})
			for i, n := range names {
				fmt.Fprintf(b, "<p>附件：%d%s%s</p>\n", i+1, sep, esc(n))
			}
		}
	}
	s.privacyBody(b, it) // privacy.go
	if it.written != 0 && it.c.spec.kind != config.KindDynamic {
		// The signature (落款): the unit and the written date.
		fmt.Fprintf(b, "<p style=\"text-align:right\">%s</p>\n<p style=\"text-align:right\">%s</p>\n",
			esc(it.c.u.name), it.written.format(fmtCN, 0))
	}
}

// attLinks writes the attachment links of an item as plain links.
func attLinks(b *strings.Builder, it *item) {
	for _, a := range it.atts {
		fmt.Fprintf(b, "<p><a href=\"%s\">%s</a></p>\n", esc(a.href()), esc(a.name))
	}
}

// tools are the links every article page carries.
func tools(b *strings.Builder, it *item) {
	fmt.Fprintf(b, "<div class=\"tools\"><a href=\"javascript:window.print()\">打印本页</a> <a href=\"javascript:window.close()\">关闭窗口</a></div>\n<div class=\"nav\"><a href=\"/\">网站首页</a> <a href=\"%s\">返回%s</a></div>\n",
		it.c.listPath(1), esc(it.c.spec.name))
}

func (s *Sim) article(it *item) string {
	u := it.c.u
	if !u.classic {
		return s.variedArticle(it)
	}
	pubMeta := it.pub.format(fmtDateTime, it.pubMin)
	if u.compactPub {
		pubMeta = it.pub.format(fmtCompact, 0)
	}
	var b strings.Builder
	open(&b, u, it.title, "ArticleTitle", it.title, "PubDate", pubMeta, "ContentSource", u.name, "ColumnName", it.c.spec.name)
	switch u.fam {
	case famHanweb:
		fmt.Fprintf(&b, "<div class=\"article\">\n<h1 class=\"title\">%s</h1>\n<div class=\"info\">发布日期：%s　来源：%s　<span id=\"hits\"></span></div>\n",
			esc(it.title), it.pub.format(fmtCNPadded, 0), esc(u.name))
		if it.written != 0 {
			s.metaTable(&b, it)
		}
		if u.btContent {
			b.WriteString("<div class=\"bt_content\">\n")
		} else {
			b.WriteString("<div id=\"zoom\">\n")
		}
		s.body(&b, it)
		attLinks(&b, it)
		b.WriteString("</div>\n</div>\n")
	case famTRS:
		fmt.Fprintf(&b, "<div class=\"article\">\n<h2 class=\"title\">%s</h2>\n<div class=\"info\">发布时间：%s　来源：%s</div>\n",
			esc(it.title), it.pub.format(fmtSlash, it.pubMin), esc(u.name))
		if it.written != 0 {
			s.metaTable(&b, it)
		}
		b.WriteString("<div class=\"TRS_Editor\">\n")
		s.body(&b, it)
		b.WriteString("</div>\n")
		if len(it.atts) > 0 {
			b.WriteString("<div class=\"appendix\">\n")
			if it.scriptAtts {
				var links []string
				for _, a := range it.atts {
					links = append(links, fmt.Sprintf("<a href=\"%s\">%s</a>", a.href(), esc(a.name)))
				}
				fmt.Fprintf(&b, "<script>var file_appendix='%s'; document.write(file_appendix);</script>\n", strings.Join(links, "<br>"))
			} else {
				attLinks(&b, it)
			}
			b.WriteString("</div>\n")
		}
		b.WriteString("</div>\n")
	default:
		s.metaTable(&b, it)
		fmt.Fprintf(&b, "<h1 class=\"doc-title\">%s</h1>\n<div class=\"doc-date\">发布日期:%s</div>\n<div id=\"zoom\">\n",
			esc(it.title), it.pub.iso())
		s.body(&b, it)
		b.WriteString("</div>\n")
		if len(it.atts) > 0 {
			b.WriteString("<div class=\"attachments\">\n")
			attLinks(&b, it)
			b.WriteString("</div>\n")
		}
	}
	tools(&b, it)
	closePage(&b)
	return b.String()
}

// Mailbox pages.

// letterCells are the cells of a letter's row, in the mailbox's column
// order (mailOrders).
func letterCells(l *letter) []string {
	link := fmt.Sprintf("<a href=\"letter_%d.html\">%s</a>", l.id, esc(l.title))
	switch l.mb.order {
	case 1:
		return []string{l.no, link, l.recv.iso(), l.status, esc(l.handler)}
	case 2:
		return []string{link, esc(l.handler), l.status, l.recv.iso()}
	}
	return []string{l.no, link, l.status, l.recv.iso(), esc(l.handler)}
}

func (s *Sim) mailList(mb *mailbox, p int) string {
	var b strings.Builder
	open(&b, nil, mb.name)
	fmt.Fprintf(&b, "<div class=\"mailbox-title\">%s</div>\n", esc(mb.name))
	lo := min((p-1)*15, len(mb.letters))
	letters := mb.letters[lo:min(lo+15, len(mb.letters))]
	header := "<tr><th>" + strings.Join(mailOrders[mb.order], "</th><th>") + "</th></tr>"
	if mb.script {
		fmt.Fprintf(&b, "<table class=\"letter-list\" id=\"letters\">%s</table>\n<script>\nvar dataStore = [", header)
		for i, l := range letters {
			if i > 0 {
				b.WriteString(",\n")
			}
			var row strings.Builder
			row.WriteString("<tr>")
			for _, cell := range letterCells(l) {
				row.WriteString("<td>" + cell + "</td>")
			}
			row.WriteString("</tr>")
			js := strings.NewReplacer(`"`, `\"`, "/", `\/`).Replace(row.String())
			b.WriteString(`"` + js + `"`)
		}
		b.WriteString("];\nfor (var i = 0; i < dataStore.length; i++) { document.getElementById(\"letters\").innerHTML += dataStore[i]; }\n</script>\n")
	} else {
		b.WriteString("<table class=\"letter-list\">\n" + header + "\n")
		for _, l := range letters {
			b.WriteString("<tr>")
			for _, cell := range letterCells(l) {
				b.WriteString("<td>" + cell + "</td>")
			}
			b.WriteString("</tr>\n")
		}
		b.WriteString("</table>\n")
	}
	n := mb.pages()
	writePager(&b, "list_", p, n, p < n)
	closePage(&b)
	return b.String()
}

func (s *Sim) letterPage(l *letter) string {
	var b strings.Builder
	open(&b, nil, l.title)
	replied, unit, answer := "", "", ""
	if l.replied != 0 {
		f := fmtDateTime
		if l.mb.script {
			f = fmtSlash
		}
		replied = l.replied.format(f, l.repMin)
		unit = esc(l.handler)
		answer = fmt.Sprintf("您好！您反映的%s问题已收悉。经%s调查核实，已安排专人处理，相关问题已协调解决。感谢您对我们工作的关心和支持！", esc(l.topic), unit)
	}
	rows := [][2]string{
		{"信件编号", l.no},
		{"信件标题", esc(l.title)},
		{"来信时间", l.recv.format(fmtDateTime, l.recvMin)},
		{"来信内容", fmt.Sprintf("您好，我想反映一下%s的情况，希望有关部门尽快协调解决，谢谢！", esc(l.topic))},
		{"处理状态", l.status},
		{"答复单位", unit},
		{"答复时间", replied},
		{"答复内容", answer},
	}
	b.WriteString("<table class=\"letter-detail\">\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "<tr><td class=\"label\">%s</td><td>%s</td></tr>\n", r[0], r[1])
	}
	fmt.Fprintf(&b, "</table>\n<div class=\"nav\"><a href=\"%s\">返回列表</a></div>\n", l.mb.dir())
	closePage(&b)
	return b.String()
}

const robotsTxt = "User-agent: *\nDisallow: /admin/\n"

// challengePage is a WAF's JavaScript cookie challenge.
func (s *Sim) challengePage() string {
	return "<html><head><meta charset=\"utf-8\"></head><body><script>document.cookie=\"__jsl_clearance=" + s.token +
		";max-age=3600;path=/\";location.href=location.pathname+location.search;</script></body></html>\n"
}

const notFoundPage = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>404</title></head><body><h1>404 Not Found</h1><p>您访问的页面不存在或已被删除。</p></body></html>\n"
