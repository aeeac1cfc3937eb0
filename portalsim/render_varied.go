package portalsim

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// The renderer of LayoutsVaried. Each variant reproduces a structure seen
// on public government portals (see docs/PORTAL_FORMATS.md, "Layouts"); the
// markup is written for the simulator.

// listDate is how a list writes an item's publication date.
func listDate(it *item) string {
	u := it.c.u
	if u.fam == famTRS {
		if u.shortDates {
			return it.pub.format(fmtShort, 0)
		}
		return it.pub.format(fmtBracket, 0)
	}
	return it.pub.iso()
}

// listHref is how a list page links an item.
func listHref(it *item) string {
	switch it.c.u.fam {
	case famTRS:
		return fmt.Sprintf("./%s/t%s_%d.html", it.yyyymm(), it.pub.format(fmtCompact, 0), it.id)
	case famHanweb:
		return it.path()
	}
	return "../doc_" + it.hex + ".html"
}

// variedList renders list page p of a column of a varied unit.
func (s *Sim) variedList(c *column, p int) string {
	if c.u.fam == famHanweb {
		return s.variedHanwebList(c)
	}
	u, l := c.u, c.u.lay
	var b strings.Builder
	open(&b, u, c.spec.name)
	n := s.listPages(c)
	count := n
	if s.endless[c] {
		count = max(n, p+1)
	}
	if l.pager == PagerTRSVars {
		// The pager's variables, declared in a script of their own before
		// the list; the call at the bottom passes them.
		fmt.Fprintf(&b, "<script type=\"text/javascript\">\nvar countPage = %d;//共多少页\nvar currentPage = %d;//当前页\n</script>\n", count, p-1)
	}
	fmt.Fprintf(&b, "<div class=\"lm-title\"><span>%s</span></div>\n", esc(c.spec.name))
	items := s.listItems(c, p)
	first := (min(p, n)-1)*c.perPage() + 1
	writeEntries(&b, l, items, first, len(c.items) == 0)
	switch l.pager {
	case PagerTRS:
		fmt.Fprintf(&b, "<div class=\"page\"><script>createPageHTML(%d, %d, \"index\", \"html\");</script></div>\n", count, p-1)
	case PagerTRSVars:
		b.WriteString("<div class=\"page\"><script type=\"text/javascript\">createPageHTML(countPage, currentPage, \"index\", \"html\");</script></div>\n")
	case PagerNumbered:
		writeNumberedPager(&b, p, count, p < n || s.endless[c])
	default:
		writePager(&b, "index_", p, n, p < n || s.endless[c])
	}
	closePage(&b)
	return b.String()
}

// writeEntries writes the entries of a list page in layout l's record
// layout; first is the running number of the first entry. A blank column
// says so inside its list container.
func writeEntries(b *strings.Builder, l *layout, items []*item, first int, blank bool) {
	switch l.list {
	case ListTR:
		b.WriteString("<table class=\"list-table\" width=\"100%\">\n")
		for _, it := range items {
			fmt.Fprintf(b, "<tr><td class=\"title\"><a href=\"%s\" title=\"%s\" target=\"_blank\">%s</a></td><td class=\"date\" width=\"100\">%s</td></tr>\n",
				listHref(it), esc(it.title), esc(it.title), listDate(it))
		}
		if blank {
			fmt.Fprintf(b, "<tr><td colspan=\"2\" class=\"no-data\">%s</td></tr>\n", l.empty)
		}
		b.WriteString("</table>\n")
	case ListDiv:
		b.WriteString("<div class=\"news-list\">\n")
		for _, it := range items {
			fmt.Fprintf(b, "<div class=\"list-item\"><div class=\"item-title\"><a href=\"%s\" title=\"%s\">%s</a></div><div class=\"item-date\">%s</div></div>\n",
				listHref(it), esc(it.title), esc(it.title), listDate(it))
		}
		if blank {
			fmt.Fprintf(b, "<div class=\"no-data\">%s</div>\n", l.empty)
		}
		b.WriteString("</div>\n")
	case ListTRCols:
		fmt.Fprintf(b, "<table class=\"zfxxgk-list\">\n<tr><th>序号</th><th>名称</th><th>%s</th><th>%s</th><th>%s</th></tr>\n",
			l.docNoLabel, l.writtenLabel, l.pubLabel)
		for i, it := range items {
			written := ""
			if it.written != 0 {
				written = it.written.iso()
			}
			docNo := it.docNo
			if docNo == "无文号" {
				docNo = ""
			}
			fmt.Fprintf(b, "<tr><td>%d</td><td class=\"title\"><a href=\"%s\" title=\"%s\">%s</a></td><td>%s</td><td>%s</td><td>%s</td></tr>\n",
				first+i, listHref(it), esc(it.title), esc(it.title), esc(docNo), written, it.pub.iso())
		}
		if blank {
			fmt.Fprintf(b, "<tr><td colspan=\"5\" class=\"no-data\">%s</td></tr>\n", l.empty)
		}
		b.WriteString("</table>\n")
	default:
		b.WriteString("<ul class=\"xxgk-list\">\n")
		for _, it := range items {
			fmt.Fprintf(b, "<li><a href=\"%s\" title=\"%s\">%s</a><span class=\"date\">%s</span></li>\n",
				listHref(it), esc(it.title), esc(it.title), listDate(it))
		}
		if blank {
			fmt.Fprintf(b, "<li class=\"no-data\">%s</li>\n", l.empty)
		}
		b.WriteString("</ul>\n")
	}
}

// writeNumberedPager writes a pager with page numbers: 首页, 上一页,
// numbers around p, 下一页 and 尾页 (page 1 is "./", page k is
// index_k.html).
func writeNumberedPager(b *strings.Builder, p, n int, next bool) {
	href := func(k int) string {
		if k == 1 {
			return "./"
		}
		return "index_" + strconv.Itoa(k) + ".html"
	}
	b.WriteString("<div class=\"pagination\">")
	fmt.Fprintf(b, "<a href=\"%s\">首页</a> ", href(1))
	if p > 1 {
		fmt.Fprintf(b, "<a href=\"%s\">上一页</a> ", href(p-1))
	}
	for k := max(1, p-4); k <= min(n, p+4); k++ {
		if k == p {
			fmt.Fprintf(b, "<span class=\"current\">%d</span> ", k)
		} else {
			fmt.Fprintf(b, "<a href=\"%s\">%d</a> ", href(k), k)
		}
	}
	if next {
		fmt.Fprintf(b, "<a href=\"%s\">下一页</a> ", href(p+1))
	}
	fmt.Fprintf(b, "<a href=\"%s\">尾页</a> <span>共%d页</span></div>\n", href(max(n, p)), n)
}

// variedRecord writes one data-proxy record of a varied hanweb unit: the
// CDATA holds an <li>, a table row or a <div>.
func (s *Sim) variedRecord(b *strings.Builder, it *item) {
	var inner string
	switch it.c.u.lay.list {
	case ListTR:
		inner = fmt.Sprintf("<tr><td class=\"bt_link\"><a href=\"%s\" title=\"%s\" target=\"_blank\">%s</a></td><td class=\"bt_time\" width=\"90\">%s</td></tr>",
			it.path(), esc(it.title), esc(it.title), it.pub.iso())
	case ListDiv:
		inner = fmt.Sprintf("<div class=\"default_pgContainer_item\"><a href=\"%s\" title=\"%s\" target=\"_blank\">%s</a><div class=\"time\">[%s]</div></div>",
			it.path(), esc(it.title), esc(it.title), it.pub.iso())
	default:
		inner = fmt.Sprintf("<li><a href=\"%s\" title=\"%s\" target=\"_blank\">%s</a><span class=\"bt-data-time\">%s</span></li>",
			it.path(), esc(it.title), esc(it.title), it.pub.iso())
	}
	b.WriteString("<record><![CDATA[" + inner + "]]></record>\n")
}

// variedHanwebList renders the column page of a varied hanweb unit: the
// first records in a datastore script, the paging parameters in a jpage
// configuration object or in variables passed to a jpage call.
func (s *Sim) variedHanwebList(c *column) string {
	u, l := c.u, c.u.lay
	shown := s.shown(c)
	var b strings.Builder
	open(&b, u, c.spec.name)
	if l.pager == PagerJpageVar {
		fmt.Fprintf(&b, "<script type=\"text/javascript\">\nvar totalRecord = %d;\nvar perPage = %d;\nvar columnId = %d;\n</script>\n",
			len(shown), l.perPage, c.num)
	}
	fmt.Fprintf(&b, "<div class=\"main-title\">%s</div>\n", esc(c.spec.name))
	if l.list == ListTR {
		b.WriteString("<table class=\"bt-list\" width=\"100%\"><tr><td>\n")
	}
	fmt.Fprintf(&b, "<div id=\"%d\"><script type=\"text/xml\"><datastore><nextgroup><![CDATA[<a href=\"/module/web/jpage/dataproxy.jsp?page=1&webid=1&path=/&columnid=%d&unitid=%d&webname=%s&permissiontype=0\"></a>]]></nextgroup>\n<recordset>\n",
		c.unitID(), c.num, c.unitID(), url.QueryEscape(u.name))
	for _, it := range shown[:min(l.perPage, len(shown))] {
		s.variedRecord(&b, it)
	}
	b.WriteString("</recordset></datastore></script></div>\n")
	if l.list == ListTR {
		b.WriteString("</td></tr></table>\n")
	}
	switch l.pager {
	case PagerJpageVar:
		fmt.Fprintf(&b, "<script type=\"text/javascript\">\n$(\"#%d\").jpage({\n\tdataStore: dataStore,\n\ttotalRecord: totalRecord,\n\tperPage: perPage,\n\tproxyUrl: \"/module/web/jpage/dataproxy.jsp\",\n\tgroupSize: 3,\n\tbarPosition: \"bottom\",\n\tajaxParam: { col: 1, appid: 1, webid: 1, path: \"/\", columnid: columnId, sourceContentType: 1, unitid: %d, webname: \"%s\", permissiontype: 0 }\n});\n</script>\n",
			c.unitID(), c.unitID(), esc(u.name))
	default:
		fmt.Fprintf(&b, "<script>var jpageConfig = { divid: \"%d\", perpage:%d, totalRecord: %d, columnid: %d, webid: 1 };</script>\n",
			c.unitID(), l.perPage, len(shown), c.num)
	}
	if len(c.items) == 0 {
		fmt.Fprintf(&b, "<div class=\"no-data\">%s</div>\n", l.empty)
	}
	closePage(&b)
	return b.String()
}

// field is a label and its value in an article's metadata.
type field struct{ label, value string }

// metaFields are the metadata of an item under its unit's labels; pubFirst
// puts the publication date before the written date.
func metaFields(it *item, pubFirst bool) []field {
	u, l := it.c.u, it.c.u.lay
	written := ""
	if it.written != 0 {
		written = it.written.format([]int{fmtCNPadded, fmtCN, fmtISO}[u.idx%3], 0)
		if l.fullWidth {
			written = fullWidth(it.written.format(fmtCN, 0))
		}
	}
	var pub string
	switch l.pubLabel {
	case "发布时间":
		pub = it.pub.format(fmtDateTime, it.pubMin)
	case "发稿时间":
		pub = it.pub.format(fmtISOTime, it.pubMin)
	default:
		pub = it.pub.iso()
		if u.idx%2 == 1 {
			pub = it.pub.format(fmtCNPadded, 0)
		}
	}
	validity := "有效性"
	if l.docNoLabel == "发文字号" {
		validity = "效力状态"
	}
	w, p := field{l.writtenLabel, written}, field{l.pubLabel, pub}
	if pubFirst {
		w, p = p, w
	}
	return []field{{"索引号", it.indexNo}, {"主题分类", esc(it.subject)}, {l.publisherLabel, esc(u.name)}, w,
		p, {l.docNoLabel, esc(it.docNo)}, {validity, esc(it.validityText())}, {"标题", esc(it.title)}}
}

// metaBlock writes an item's metadata in its unit's metadata layout (all
// but the seed district's, see seedTable).
func metaBlock(b *strings.Builder, it *item) {
	l := it.c.u.lay
	switch l.meta {
	case MetaTable3:
		fs := metaFields(it, true)
		b.WriteString("<table class=\"xxgk-info\" cellspacing=\"0\">\n")
		for i := 0; i < len(fs); i += 3 {
			b.WriteString("<tr>")
			for _, f := range fs[i:min(i+3, len(fs))] {
				fmt.Fprintf(b, "<th>%s</th><td>%s</td>", f.label, f.value)
			}
			b.WriteString("</tr>\n")
		}
		b.WriteString("</table>\n")
	case MetaDL:
		b.WriteString("<div class=\"xxgk-detail\"><dl>\n")
		for _, f := range metaFields(it, false) {
			fmt.Fprintf(b, "<dt>%s：</dt><dd>%s</dd>\n", f.label, f.value)
		}
		b.WriteString("</dl></div>\n")
	case MetaULColon:
		b.WriteString("<div class=\"xxgk-box\"><ul class=\"clearfix\">\n")
		for _, f := range metaFields(it, false) {
			fmt.Fprintf(b, "<li>%s：%s</li>\n", f.label, f.value)
		}
		b.WriteString("</ul></div>\n")
	case MetaULSpans:
		b.WriteString("<ul class=\"info-list\">\n")
		for _, f := range metaFields(it, true) {
			fmt.Fprintf(b, "<li><span class=\"tit\">%s</span><span class=\"con\">%s</span></li>\n", f.label, f.value)
		}
		b.WriteString("</ul>\n")
	case MetaSpanPair:
		fs := metaFields(it, true)
		b.WriteString("<div class=\"info-meta\">\n")
		for i := 0; i < len(fs); i += 2 {
			b.WriteString("<p>")
			for j, f := range fs[i:min(i+2, len(fs))] {
				if j > 0 {
					b.WriteString("　")
				}
				fmt.Fprintf(b, "<span class=\"lab\">%s：</span><span class=\"val\">%s</span>", f.label, f.value)
			}
			b.WriteString("</p>\n")
		}
		b.WriteString("</div>\n")
	default:
		fs := metaFields(it, false)
		b.WriteString("<table class=\"xxgk-table\">\n")
		for i := 0; i < len(fs); i += 2 {
			b.WriteString("<tr>")
			for _, f := range fs[i:min(i+2, len(fs))] {
				fmt.Fprintf(b, "<td class=\"t1\">%s：</td><td class=\"t2\">%s</td>", f.label, f.value)
			}
			b.WriteString("</tr>\n")
		}
		b.WriteString("</table>\n")
	}
}

// seedTable writes the seed district's metadata table: 标题; 索引号 | 文号;
// 发文日期 | 发布机构. The publication date is not in it.
func seedTable(b *strings.Builder, it *item) {
	u := it.c.u
	written := ""
	if it.written != 0 {
		written = it.written.format([]int{fmtISO, fmtCNPadded, fmtCN}[u.idx%3], 0)
		if u.lay.fullWidth {
			written = fullWidth(it.written.format(fmtCN, 0))
		}
	}
	b.WriteString("<table class=\"xxgk-table\" width=\"100%\">\n")
	fmt.Fprintf(b, "<tr><td class=\"label\">标题：</td><td colspan=\"3\">%s</td></tr>\n", esc(it.title))
	fmt.Fprintf(b, "<tr><td class=\"label\">索引号：</td><td>%s</td><td class=\"label\">文号：</td><td>%s</td></tr>\n", it.indexNo, esc(it.docNo))
	fmt.Fprintf(b, "<tr><td class=\"label\">发文日期：</td><td>%s</td><td class=\"label\">发布机构：</td><td>%s</td></tr>\n", written, esc(u.name))
	b.WriteString("</table>\n")
}

// writeAttLine writes the attachment names a body gives on one line.
func writeAttLine(b *strings.Builder, style string, names []string) {
	b.WriteString("<p>")
	for i, n := range names {
		switch style {
		case AttNumbered:
			if i > 0 {
				b.WriteString("　")
			}
			fmt.Fprintf(b, "附件%d：%s", i+1, esc(n))
		default:
			if i == 0 {
				b.WriteString("附件：")
			} else {
				b.WriteString(" ")
			}
			fmt.Fprintf(b, "%d.%s", i+1, esc(n))
		}
	}
	b.WriteString("</p>\n")
}

// jsString quotes s as a JavaScript string literal in double quotes.
func jsString(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "</", `<\/`).Replace(s) + `"`
}

// concatAppendix writes TRS attachment links the way some templates do:
// every link assembled from variables and string pieces, then written by
// document.write.
func concatAppendix(b *strings.Builder, it *item) {
	b.WriteString("<script type=\"text/javascript\">\nvar fjDir = \"./\";\nvar file_appendix = \"\";\n")
	for i, a := range it.atts {
		n := i + 1
		fmt.Fprintf(b, "var fj%dId = \"P0\" + \"%s\";\nvar fj%dExt = \".%s\";\nvar fj%dName = %s;\n", n, a.key, n, a.ext, n, jsString(esc(a.stem)))
		fmt.Fprintf(b, "file_appendix += \"<a href=\\\"\" + fjDir + fj%dId + fj%dExt + \"\\\" target=\\\"_blank\\\">\" + fj%dName + fj%dExt + \"<\\/a><br>\";\n", n, n, n, n)
	}
	b.WriteString("if (file_appendix != \"\") {\n\tdocument.write(\"<div class=\\\"fj\\\"><span>附件：<\\/span>\" + file_appendix + \"<\\/div>\");\n}\n</script>\n")
}

// variedArticle renders an article page of a varied unit.
func (s *Sim) variedArticle(it *item) string {
	u, l := it.c.u, it.c.u.lay
	metas := []string{"ArticleTitle", it.title}
	if l.pubDateMeta {
		pubMeta := it.pub.format(fmtDateTime, it.pubMin)
		if u.compactPub {
			pubMeta = it.pub.format(fmtCompact, 0)
		}
		metas = append(metas, "PubDate", pubMeta)
	}
	metas = append(metas, "ContentSource", u.name, "ColumnName", it.c.spec.name)
	var b strings.Builder
	open(&b, u, it.title, metas...)
	switch u.fam {
	case famHanweb:
		fmt.Fprintf(&b, "<div class=\"article\">\n<h1 class=\"title\">%s</h1>\n<div class=\"info\">%s：%s　来源：%s　<span id=\"hits\"></span></div>\n",
			esc(it.title), l.pubLabel, it.pub.format(fmtCNPadded, 0), esc(u.name))
		metaBlock(&b, it)
		if u.btContent {
			b.WriteString("<div class=\"bt_content\">\n")
		} else {
			b.WriteString("<div id=\"zoom\">\n")
		}
		s.body(&b, it)
		attLinks(&b, it)
		b.WriteString("</div>\n</div>\n")
	case famTRS:
		fmt.Fprintf(&b, "<div class=\"article\">\n<h2 class=\"title\">%s</h2>\n<div class=\"info\">%s：%s　来源：%s</div>\n",
			esc(it.title), l.pubLabel, it.pub.format(fmtSlash, it.pubMin), esc(u.name))
		metaBlock(&b, it)
		b.WriteString("<div class=\"TRS_Editor\">\n")
		s.body(&b, it)
		b.WriteString("</div>\n")
		if len(it.atts) > 0 {
			b.WriteString("<div class=\"appendix\">\n")
			switch {
			case !it.scriptAtts:
				attLinks(&b, it)
			case l.attScript == AttScriptConcat:
				concatAppendix(&b, it)
			default:
				var links []string
				for _, a := range it.atts {
					links = append(links, fmt.Sprintf("<a href=\"%s\">%s</a>", a.href(), esc(a.name)))
				}
				fmt.Fprintf(&b, "<script>var file_appendix='%s'; document.write(file_appendix);</script>\n", strings.Join(links, "<br>"))
			}
			b.WriteString("</div>\n")
		}
		b.WriteString("</div>\n")
	default:
		if l.meta == MetaSeed {
			seedTable(&b, it)
		} else {
			metaBlock(&b, it)
		}
		fmt.Fprintf(&b, "<h1 class=\"doc-title\">%s</h1>\n<div class=\"doc-date\">%s:%s</div>\n<div id=\"zoom\">\n",
			esc(it.title), l.pubLabel, it.pub.iso())
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
