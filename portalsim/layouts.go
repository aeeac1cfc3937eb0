package portalsim

import (
	"fmt"
	"strings"
)

// Layouts selects how the portal lays out its pages.
type Layouts string

const (
	// LayoutsVaried gives every unit layouts drawn from variants modelled on
	// public portals: record layouts, metadata layouts, pagers, label
	// synonyms, attachment lines and mailbox column orders. It is the
	// default.
	LayoutsVaried Layouts = "varied"
	// LayoutsClassic gives every unit of a family the family's one original
	// layout (the simulator's first version, which the parser was written
	// against).
	LayoutsClassic Layouts = "classic"
)

// ParseLayouts reads a layout set name ("" means varied).
func ParseLayouts(s string) (Layouts, error) {
	switch Layouts(s) {
	case "", LayoutsVaried:
		return LayoutsVaried, nil
	case LayoutsClassic:
		return LayoutsClassic, nil
	}
	return "", fmt.Errorf("portalsim: unknown layouts %q (want classic or varied)", s)
}

// Record layouts of list pages (TruthLayout.List).
const (
	ListLI     = "li"      // <li><a>…</a><span>date</span></li>
	ListTR     = "tr"      // table rows <tr><td><a>…</a></td><td>date</td></tr>
	ListDiv    = "div"     // <div class="list-item"> rows with title and date divisions
	ListTRCols = "tr-cols" // a table with a header: 序号 | 名称 | 文号 | 成文日期 | 发布日期
)

// Metadata layouts of article pages (TruthLayout.Meta).
const (
	MetaTable    = "table"     // label/value cells, two pairs per row
	MetaTable3   = "table3"    // label/value cells, three pairs per row
	MetaSeed     = "seed"      // the seed district: table with 发文日期, title, info line 发布日期:… outside, 落款 date
	MetaDL       = "dl"        // <dl><dt>label：</dt><dd>value</dd>…
	MetaULColon  = "ul-colon"  // <ul><li>label：value</li>…
	MetaULSpans  = "ul-spans"  // <ul><li><span>label</span><span>value</span></li>…
	MetaSpanPair = "span-pair" // <span class="label">label：</span><span class="value">value</span> pairs
)

// Pagers of list pages (TruthLayout.Pager).
const (
	PagerLinks    = "links"          // plain 上一页 / 下一页 links
	PagerNumbered = "links-numbered" // 首页 1 2 3 下一页 尾页
	PagerTRS      = "trs-literal"    // createPageHTML(5, 0, "index", "html")
	PagerTRSVars  = "trs-vars"       // createPageHTML(countPage, currentPage, "index", "html"), variables declared earlier
	PagerJpage    = "jpage"          // hanweb data proxy, a jpageConfig object (or no script: the nextgroup link only)
	PagerJpageVar = "jpage-vars"     // hanweb data proxy, totalRecord / perPage variables passed to a jpage call
)

// Attachment lines of article bodies (TruthLayout.AttachmentLine).
const (
	AttLines    = "lines"    // one 附件：1. name paragraph per attachment
	AttOneLine  = "one-line" // 附件：1.xxx.ofd 2.yyy.pdf
	AttNumbered = "numbered" // 附件1：xxx　附件2：yyy
)

// TRS attachment links (TruthLayout.AttachmentScript).
const (
	AttScriptMixed  = "mixed"  // per item: plain links or var file_appendix='…'; document.write(file_appendix)
	AttScriptConcat = "concat" // per item: plain links or document.write of variables concatenated from pieces
)

// Catalog pages of units (TruthLayout.Catalog).
const (
	CatalogList    = "channel-list" // <ul class="channel-list"> of links
	CatalogTree    = "ztree"        // no link in the markup: a zTree drawn from var zNodes = [...]
	CatalogSidebar = "sidebar"      // links in a left sidebar (every other one opened by an onclick), under a menu bar linking the district's channels of the same names
)

// Mailbox list column orders (TruthMailbox.Columns).
var mailOrders = [][]string{
	{"编号", "标题", "处理情况", "提交时间", "承办部门"},
	{"编号", "标题", "来信时间", "处理状态", "承办部门"},
	{"标题", "承办部门", "办理状态", "提交日期"},
}

// layout is how one unit lays out its pages.
type layout struct {
	list, meta, pager string
	perPage           int
	// Label synonyms: the publication date, the written date, the document
	// number and the publishing body.
	pubLabel, writtenLabel, docNoLabel, publisherLabel string
	pubDateMeta                                        bool // <meta name="PubDate">
	fullWidth                                          bool // written dates in full-width digits (２０２５年３月１日)
	attLine, attScript, empty                          string
	catalog                                            string
}

// TruthLayout is the layout a unit's pages were drawn with.
type TruthLayout struct {
	List           string `json:"list"`  // li, tr, div, tr-cols
	Meta           string `json:"meta"`  // table, table3, seed, dl, ul-colon, ul-spans, span-pair
	Pager          string `json:"pager"` // links, links-numbered, trs-literal, trs-vars, jpage, jpage-vars
	PerPage        int    `json:"per_page"`
	PubLabel       string `json:"pub_label"`       // 发布日期, 发布时间 or 发稿时间
	WrittenLabel   string `json:"written_label"`   // 成文日期, 发文日期 or 印发日期
	DocNoLabel     string `json:"doc_no_label"`    // 文号 or 发文字号
	PublisherLabel string `json:"publisher_label"` // 发布机构 or 公开主体
	PubDateMeta    bool   `json:"pubdate_meta"`    // article pages carry <meta name="PubDate">
	FullWidth      bool   `json:"full_width"`      // written dates in full-width digits
	AttachmentLine string `json:"attachment_line"` // lines, one-line, numbered
	// AttachmentScript is how TRS pages link attachments (mixed or
	// concat); empty for the other families.
	AttachmentScript string `json:"attachment_script,omitempty"`
	EmptyMarker      string `json:"empty_marker"` // what a blank column's list says
	Catalog          string `json:"catalog"`      // channel-list, ztree, sidebar
}

func (l *layout) truth() TruthLayout {
	return TruthLayout{List: l.list, Meta: l.meta, Pager: l.pager, PerPage: l.perPage,
		PubLabel: l.pubLabel, WrittenLabel: l.writtenLabel, DocNoLabel: l.docNoLabel, PublisherLabel: l.publisherLabel,
		PubDateMeta: l.pubDateMeta, FullWidth: l.fullWidth, AttachmentLine: l.attLine, AttachmentScript: l.attScript,
		EmptyMarker: l.empty, Catalog: l.catalog}
}

// classicLayout describes the classic layout of unit u (which the classic
// renderer writes without consulting it).
func classicLayout(u *unit) *layout {
	l := &layout{list: ListLI, meta: MetaTable, perPage: 15, pubLabel: "发布日期", writtenLabel: "成文日期",
		docNoLabel: "文号", publisherLabel: "发布机构", pubDateMeta: true, attLine: AttLines, empty: "暂无信息",
		catalog: CatalogList}
	if u.altLabels {
		l.writtenLabel, l.docNoLabel, l.publisherLabel = "发文日期", "发文字号", "公开主体"
	}
	switch u.fam {
	case famHanweb:
		l.pager = PagerJpage
	case famTRS:
		l.pager, l.perPage, l.attScript = PagerTRS, 20, AttScriptMixed
	default:
		l.pager = PagerLinks
	}
	return l
}

// Variant lists per family. Every unit takes the variant at its position
// in its family, shifted by a seeded offset, so that a portal with a few
// units of a family already holds every variant of it.
var (
	gongkaiLists = []string{ListLI, ListTR, ListDiv, ListTRCols}
	trsLists     = []string{ListTR, ListLI, ListTRCols, ListDiv}
	hanwebLists  = []string{ListLI, ListTR, ListDiv}
	// The seed district's layout is the /gongkai/ platform's usual one.
	gongkaiMetas  = []string{MetaSeed, MetaTable3, MetaSeed, MetaDL, MetaSeed, MetaSpanPair, MetaSeed, MetaULSpans, MetaSeed, MetaTable}
	hanwebMetas   = []string{MetaTable, MetaULColon, MetaDL, MetaTable3, MetaSpanPair, MetaULSpans}
	trsMetas      = []string{MetaULColon, MetaTable3, MetaULSpans, MetaTable, MetaDL, MetaSpanPair}
	gongkaiPagers = []string{PagerLinks, PagerNumbered}
	trsPagers     = []string{PagerTRSVars, PagerTRS}
	hanwebPagers  = []string{PagerJpageVar, PagerJpage}
	pubLabels     = []string{"发布日期", "发布时间", "发稿时间"}
	writtenLabels = []string{"成文日期", "发文日期", "印发日期"}
	emptyMarkers  = []string{"暂无信息", "暂无数据", "没有找到相关记录"}
	attLines      = []string{AttOneLine, AttNumbered, AttLines}
	catalogs      = []string{CatalogTree, CatalogSidebar, CatalogList}
)

// variedLayout draws unit u's layout; k is u's position among the units
// of its family, off are seeded offsets (one per dimension).
func variedLayout(u *unit, k int, off [12]int) *layout {
	at := func(opts []string, i int) string { return opts[(k+off[i])%len(opts)] }
	// Two-valued dimensions read other bits of k than the pager, so that
	// every pairing occurs.
	l := &layout{perPage: []int{15, 20}[(k/2+off[3])%2]}
	switch u.fam {
	case famHanweb:
		l.list, l.meta, l.pager = at(hanwebLists, 0), at(hanwebMetas, 1), at(hanwebPagers, 2)
	case famTRS:
		l.list, l.meta, l.pager = at(trsLists, 0), at(trsMetas, 1), at(trsPagers, 2)
		l.attScript = []string{AttScriptConcat, AttScriptMixed}[((k+1)/2+off[11])%2]
	default:
		l.list, l.meta, l.pager = at(gongkaiLists, 0), at(gongkaiMetas, 1), at(gongkaiPagers, 2)
	}
	// Label synonyms and the rest use the unit's index in the whole
	// portal, so that every family meets every synonym; each dimension
	// reads other digits of it, so that every pairing occurs.
	i := u.idx
	l.pubLabel = pubLabels[(i+off[4])%3]
	l.writtenLabel = writtenLabels[(i/3+off[5])%3]
	l.docNoLabel = []string{"文号", "发文字号"}[(i/2+off[6])%2]
	l.publisherLabel = []string{"发布机构", "公开主体"}[(i+i/2+off[7])%2]
	l.pubDateMeta = (i+off[8])%5 != 0 && (i+off[8])%5 != 3
	l.fullWidth = (i+i/3+off[9])%4 == 0
	l.attLine = attLines[(i+i/3+off[10])%3]
	l.empty = emptyMarkers[(2*i+i/3+off[11])%3]
	l.catalog = catalogs[(i+off[2])%3]
	if l.meta == MetaSeed {
		// The seed district's own labels.
		l.pubLabel, l.writtenLabel, l.docNoLabel, l.publisherLabel = "发布日期", "发文日期", "文号", "发布机构"
	}
	return l
}

// LayoutDims are the names of the layout dimensions, as in TruthLayout's
// JSON and Options.VaryOnly.
var LayoutDims = []string{"list", "meta", "pager", "per_page", "pub_label", "written_label", "doc_no_label",
	"publisher_label", "pubdate_meta", "full_width", "attachment_line", "attachment_script", "empty_marker", "mailbox_columns", "catalog"}

// baseLayout is the varied renderer's plainest layout for unit u: what
// every dimension but the one of Options.VaryOnly keeps.
func baseLayout(u *unit) *layout {
	l := classicLayout(u)
	l.writtenLabel, l.docNoLabel, l.publisherLabel = "成文日期", "文号", "发布机构"
	return l
}

// isolate returns base with dimension dim taken from varied.
func isolate(base, varied *layout, dim string) *layout {
	l := *base
	switch dim {
	case "list":
		l.list = varied.list
	case "meta":
		l.meta = varied.meta
		if l.meta == MetaSeed {
			l.pubLabel, l.writtenLabel, l.docNoLabel, l.publisherLabel = varied.pubLabel, varied.writtenLabel, varied.docNoLabel, varied.publisherLabel
		}
	case "pager":
		l.pager = varied.pager
	case "per_page":
		l.perPage = varied.perPage
	case "pub_label":
		l.pubLabel = varied.pubLabel
	case "written_label":
		l.writtenLabel = varied.writtenLabel
	case "doc_no_label":
		l.docNoLabel = varied.docNoLabel
	case "publisher_label":
		l.publisherLabel = varied.publisherLabel
	case "pubdate_meta":
		l.pubDateMeta = varied.pubDateMeta
	case "full_width":
		l.fullWidth = varied.fullWidth
	case "attachment_line":
		l.attLine = varied.attLine
	case "attachment_script":
		l.attScript = varied.attScript
	case "empty_marker":
		l.empty = varied.empty
	case "catalog":
		l.catalog = varied.catalog
	}
	return &l
}

// assignLayouts gives every unit its layout and every mailbox its column
// order.
func (s *Sim) assignLayouts() {
	var off [12]int
	r := s.rng(0x1a4)
	for i := range off {
		off[i] = r.IntN(60)
	}
	seen := map[family]int{}
	for _, u := range s.units {
		if s.opt.Layouts == LayoutsClassic {
			u.lay = classicLayout(u)
			u.classic = true
			continue
		}
		u.lay = variedLayout(u, seen[u.fam], off)
		seen[u.fam]++
		if s.opt.VaryOnly != "" {
			u.lay = isolate(baseLayout(u), u.lay, s.opt.VaryOnly)
		}
	}
	for bi, mb := range s.mailboxes {
		if s.opt.Layouts != LayoutsClassic && (s.opt.VaryOnly == "" || s.opt.VaryOnly == "mailbox_columns") {
			mb.order = (bi + off[0]) % len(mailOrders)
		}
	}
}

// fullWidth writes the ASCII digits of s in full width (２０２５年).
func fullWidth(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			r += '０' - '0'
		}
		b.WriteRune(r)
	}
	return b.String()
}
