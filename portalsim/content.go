package portalsim

import (
	"encoding/csv"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/govaudit/govaudit/config"
	"github.com/govaudit/govaudit/rules/workday"
)

// This file holds the pages and the ground truth of the content checks
// (docs/CHECKS.md: wording, interpretation, validity, catalog). With
// Options.Content, the district office (the first unit) gets extra
// documents with known wording errors, policies with and without their
// 解读 (in a new 政策解读专栏 column of kind interpretation), policies
// with an expired 有效期, and the traps of issue 15: a correct leader
// title, a 解读 published on the 3rd working day across the National Day
// holiday, an expired 有效期 marked 失效. The truth of the interpretation
// and validity checks covers every generated policy, with or without
// Options.Content; the catalog's truth needs WriteCatalog.

// contentDoc is what an extra document of Options.Content says.
type contentDoc struct {
	paras    []string // body paragraphs (plain text, escaped when written)
	links    []*item  // documents its body links
	validity string   // 有效性 in the metadata table
	// interpOf is the policy this 解读 interprets.
	interpOf *item
	// wording are the wrong texts (the wording check's subjects after
	// "#") the document holds.
	wording []string
}

// ContentUnitColumn is the name of the interpretation column added to the
// first unit by Options.Content.
const ContentUnitColumn = "政策解读专栏"

// Check ids of the content checks.
const (
	CheckWording        = "wording"
	CheckInterpretation = "interpretation"
	CheckValidity       = "validity"
	CheckCatalog        = "catalog"
	CheckRectification  = "rectification"
)

// ContentChecks are the content checks whose truth the simulator gives
// (rectification depends on notices, not on the portal).
var ContentChecks = []string{CheckWording, CheckInterpretation, CheckValidity, CheckCatalog}

// validityText is the 有效性 an item's metadata table shows.
func (it *item) validityText() string {
	if it.q != nil {
		return it.q.validity
	}
	return "有效"
}

// contentBody writes the body of an extra document and reports whether
// it is one.
func (s *Sim) contentBody(b *strings.Builder, it *item) bool {
	if it.q == nil {
		return false
	}
	for _, p := range it.q.paras {
		fmt.Fprintf(b, "<p>%s</p>\n", esc(p))
	}
	for _, l := range it.q.links {
		fmt.Fprintf(b, "<p>相关链接：<a href=\"%s\">%s</a></p>\n", esc(l.path()), esc(l.title))
	}
	if it.written != 0 {
		fmt.Fprintf(b, "<p style=\"text-align:right\">%s</p>\n<p style=\"text-align:right\">%s</p>\n",
			esc(it.c.u.name), it.written.format(fmtCN, 0))
	}
	return true
}

// content adds the extra documents of Options.Content to the first unit.
// A first unit without a dynamic and a policy column gets none.
func (g *generator) content() error {
	s := g.s
	u := s.units[0]
	dyn := slices.IndexFunc(u.cols, func(c *column) bool { return c.spec.kind == config.KindDynamic })
	pol := slices.IndexFunc(u.cols, func(c *column) bool { return c.spec.kind == config.KindPolicy })
	if dyn < 0 || pol < 0 {
		return nil
	}
	cal, err := workday.New()
	if err != nil {
		return fmt.Errorf("portalsim: content pages: %w", err)
	}
	toDay := func(t time.Time) day { return dayOf(t) }
	y := s.ws.year()
	// The last working day on or before 30 September of the window's
	// first year, then its 3rd and 4th working days across National Day.
	pTrap := mkday(y, time.September, 30)
	for {
		ok, err := cal.IsWorkday(pTrap.at(0))
		if err != nil {
			return fmt.Errorf("portalsim: content pages: %w", err)
		}
		if ok {
			break
		}
		pTrap--
	}
	third, err := cal.Add(pTrap.at(0), 3)
	if err != nil {
		return fmt.Errorf("portalsim: content pages: %w", err)
	}
	fourth, _ := cal.Add(pTrap.at(0), 4)
	today := s.today
	if toDay(fourth) >= today-5 {
		return fmt.Errorf("portalsim: content pages need a today well after %s", toDay(fourth).iso())
	}

	saved := g.nextID // the column's generated items are dropped: keep the ids of what follows
	interp := g.newColumn(u, len(u.cols), chanSpec{ContentUnitColumn, config.KindInterpretation, config.CadenceNone, "zcjdzl", 0})
	g.nextID = saved
	interp.items = nil
	interp.blank = false
	u.cols = append(u.cols, interp)
	dc, pc := u.cols[dyn], u.cols[pol]
	r := s.rng(15, 1)
	next := 800000
	add := func(c *column, pub day, title, docNo string, q *contentDoc) *item {
		next += 3
		it := &item{c: c, id: next, title: title, topic: "政务公开", pub: pub, pubMin: 9*60 + next%300,
			subject: "政务公开", docNo: "无文号", q: q}
		it.hex = hex24(uint64(s.opt.Seed)^0xc0de, uint64(it.id))
		it.indexNo = fmt.Sprintf("%s/%d-%07d", u.code, pub.year(), mix(uint64(it.id))%10000000)
		if q.validity == "" && c.spec.kind != config.KindPolicy {
			q.validity = "有效"
		}
		if c.spec.kind == config.KindPolicy {
			it.docNo = docNo
			it.written = pub - 2
			g.addAtt(it, r, strings.TrimPrefix(strings.TrimSuffix(title, "的通知"), "关于印发"), []string{"pdf"})
		}
		c.items = append(c.items, it)
		return it
	}
	// Wording: errors, and the trap of correct titles.
	add(dc, today-40, "区政府召开全区政务公开工作推进会", "", &contentDoc{paras: []string{
		"会议指出，要深入贯彻《中华人民共合国政府信息公开条例》，再接再励做好政务公开工作。",
		"副区长高志远出席会议并讲话。",
		"区委书记林正化对下一步工作提出要求。",
	}, wording: []string{"中华人民共合国", "再接再励", "副区长高志远", "区委书记林正化"}})
	add(dc, today-35, "区长高志远主持召开区政府常务会议", "", &contentDoc{paras: []string{
		"区委副书记、区长高志远主持会议。常务副区长周明德，副区长孙丽娟出席。",
		"会议传达学习了党的二十大精神，研究了中华人民共和国政府信息公开条例贯彻落实工作。",
	}})
	docNo := func(n int) string { return fmt.Sprintf("临政办发〔%d〕%d号", y, n) }
	valid := func(v string) *contentDoc {
		return &contentDoc{paras: []string{"为规范相关工作，结合我区实际，制定本办法。", "本办法由区政府办公室负责解释。"}, validity: v}
	}
	// Interpretation: on time across the holiday (trap), late, missing,
	// not linked both ways.
	p1 := add(pc, pTrap, "关于印发临淄区政务公开示范点建设管理办法的通知", docNo(101), valid("有效"))
	i1 := add(interp, toDay(third), "《临淄区政务公开示范点建设管理办法》政策解读", "", &contentDoc{interpOf: p1, links: []*item{p1},
		paras: []string{fmt.Sprintf("近日，区政府办公室印发了《临淄区政务公开示范点建设管理办法》（临政办发[%d]101号），现解读如下。", y)}})
	p1.q.links = []*item{i1}
	p2 := add(pc, pTrap, "关于印发临淄区公共停车场管理办法的通知", docNo(102), valid("有效"))
	i2 := add(interp, toDay(fourth), "一图读懂《临淄区公共停车场管理办法》", "", &contentDoc{interpOf: p2, links: []*item{p2},
		paras: []string{"一图读懂。"}})
	p2.q.links = []*item{i2}
	add(pc, today-60, "关于印发临淄区政务新媒体管理办法的通知", docNo(103), valid("有效"))
	p4 := add(pc, today-30, "关于印发临淄区政府信息公开申请办理规定的通知", docNo(104), valid("有效"))
	add(interp, today-30, "《临淄区政府信息公开申请办理规定》政策问答", "", &contentDoc{interpOf: p4,
		paras: []string{"问：《临淄区政府信息公开申请办理规定》适用于哪些申请？答：……"}})
	// Validity: expired but 有效; expired and 失效 (trap); none stated.
	start := mkday(y, time.March, 15)
	end := today - 20
	term := fmt.Sprintf("本办法自%d年4月1日起施行，有效期至%s。", y-1, end.format(fmtCN, 0))
	v1 := add(pc, start, "关于印发临淄区农村集体资产管理办法的通知", docNo(105), valid("有效"))
	v1.q.paras = append(v1.q.paras, term)
	v2 := add(pc, start+1, "关于印发临淄区农村宅基地管理办法的通知", docNo(106), valid("失效"))
	v2.q.paras = append(v2.q.paras, term)
	add(pc, start+2, "关于印发临淄区城乡环卫一体化管理办法的通知", docNo(107), valid(""))
	for _, c := range []*column{dc, pc, interp} {
		sortItems(c.items)
	}
	u.newest = max(u.newest, dc.newest(), pc.newest(), interp.newest())
	return nil
}

// sortItems orders a column's items as the generator does: newest first.
func sortItems(items []*item) {
	slices.SortFunc(items, func(a, b *item) int {
		if a.pub != b.pub {
			return int(b.pub - a.pub)
		}
		if a.pubMin != b.pubMin {
			return b.pubMin - a.pubMin
		}
		return b.id - a.id
	})
}

// normative reports whether an item is a 规范性文件 for the checks: an
// item of a policy column with a 文号 on its page (the 文号 stands in the
// metadata table, which hanweb and TRS pages of items without a 成文日期
// lack).
func (it *item) normative() bool {
	return it.c.spec.kind == config.KindPolicy && it.docNo != "" && it.docNo != "无文号" && it.hasMetaTable()
}

// hasMetaTable reports whether the item's page carries the metadata table
// (and so a 有效性): always on gongkai pages, on the others when the item
// has a 成文日期 (see article).
func (it *item) hasMetaTable() bool {
	return it.c.u.fam == famGongkai || it.written != 0
}

// contentTruth adds the violations of the content checks.
func (s *Sim) contentTruth(base string, add func(Violation), problem func(string, ...any)) {
	cal, err := workday.New()
	if err != nil {
		problem("calendar: %v", err)
		return
	}
	today := s.today
	// A unit without a column of kind interpretation is not judged for a
	// missing 解读.
	hasInterp := map[*unit]bool{}
	interps := map[*item][]*item{}
	for _, u := range s.units {
		for _, c := range u.cols {
			for _, it := range c.items {
				if c.spec.kind == config.KindInterpretation {
					hasInterp[u] = true
				}
				if it.q != nil && it.q.interpOf != nil && it.pub <= today {
					interps[it.q.interpOf] = append(interps[it.q.interpOf], it)
				}
			}
		}
	}
	for _, u := range s.units {
		for _, c := range u.cols {
			for _, it := range c.items {
				if it.pub < s.ws || it.pub > today {
					continue
				}
				iurl := base + it.path()
				v := func(check, subject string) {
					add(Violation{Check: check, Subject: subject, Unit: u.id, Column: c.id(), URL: iurl, Quarter: quarterOf(it.pub).String()})
				}
				if it.q != nil {
					for _, w := range it.q.wording {
						v(CheckWording, iurl+"#"+w)
					}
				}
				if !it.normative() {
					continue
				}
				// validity: judged only where the layout shows a 有效性 (the
				// seed district's table has none).
				switch {
				case it.c.u.lay.meta == MetaSeed:
				case it.q != nil && it.q.validity == "":
					v(CheckValidity, iurl)
				case it.q != nil && it.q.validity == "有效" && slices.ContainsFunc(it.q.paras, func(p string) bool { return strings.Contains(p, "有效期至") }):
					v(CheckValidity, iurl) // every 有效期至 of content.go has passed
				}
				// interpretation
				due, err := cal.Add(it.pub.at(0), 3)
				if err != nil {
					problem("calendar: %v", err)
					continue
				}
				ins := interps[it]
				if len(ins) == 0 {
					if today > dayOf(due) && hasInterp[u] {
						v(CheckInterpretation, iurl)
					}
					continue
				}
				first := ins[0]
				for _, x := range ins {
					if x.pub < first.pub {
						first = x
					}
				}
				late := false
				if first.pub > it.pub {
					d, _ := cal.Between(it.pub.at(0), first.pub.at(0))
					late = d > 3
				}
				linked := it.q != nil && slices.Contains(it.q.links, first) && slices.Contains(first.q.links, it)
				if late || !linked {
					v(CheckInterpretation, iurl)
				}
			}
		}
	}
	if s.catalogPath != "" {
		for _, row := range s.catalogRows() {
			if row.violation {
				add(Violation{Check: CheckCatalog, Subject: row.unit.id + ":" + row.item, Unit: row.unit.id,
					Column: row.colID, URL: row.colURL(base), Quarter: quarterOf(today).String()})
			}
		}
	}
}

// catalogRow is a row of the simulated 主动公开基本目录 with its truth.
type catalogRow struct {
	unit      *unit
	item      string
	column    string
	cadence   string // monthly, quarterly, yearly or event
	col       *column
	colID     string
	violation bool
}

func (r catalogRow) colURL(base string) string {
	if r.col == nil {
		return ""
	}
	return base + r.col.listPath(1)
}

// catalogRows builds the catalog of the first two units: one row per
// kind of column they have (event-driven, or the cadence of periodic
// ones) and a row for a column the first unit lacks.
func (s *Sim) catalogRows() []catalogRow {
	var rows []catalogRow
	for _, u := range s.units[:min(2, len(s.units))] {
		for _, c := range u.cols {
			cad := "event"
			if c.spec.cadence != config.CadenceNone {
				cad = c.spec.cadence
			}
			switch c.spec.kind {
			case config.KindDynamic, config.KindPolicy, config.KindStatistics, config.KindNotice:
			default:
				continue
			}
			r := catalogRow{unit: u, item: c.spec.name + "信息", column: c.spec.name, cadence: cad, col: c, colID: c.id()}
			switch {
			case len(c.items) == 0:
				r.violation = true
			case cad != "event":
				newest := c.items[0].pub // items are sorted newest first
				for _, it := range c.items {
					if it.pub <= s.today {
						newest = it.pub
						break
					}
				}
				limit := map[string]int{config.CadenceMonthly: 31 + 15, config.CadenceQuarterly: 92 + 20, config.CadenceYearly: 366 + 31}[cad]
				r.violation = int(s.today-newest) > limit
			}
			rows = append(rows, r)
		}
	}
	if len(s.units) > 0 {
		rows = append(rows, catalogRow{unit: s.units[0], item: "重大建设项目批准和实施信息", column: "重大建设项目", cadence: "event", violation: true})
	}
	return rows
}

// WriteCatalog writes the simulated portal's 主动公开基本目录 as CSV to
// path; from then on Config's rules.catalog names path and the truth
// holds the catalog check's violations.
func (s *Sim) WriteCatalog(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("write catalog: %w", err)
	}
	w := csv.NewWriter(f)
	w.Write([]string{"单位", "事项", "栏目", "周期", "时限"})
	for _, r := range s.catalogRows() {
		w.Write([]string{r.unit.name, r.item, r.column, r.cadence, ""})
	}
	w.Flush()
	err = w.Error()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write catalog %s: %w", path, err)
	}
	s.catalogPath = path
	return nil
}
