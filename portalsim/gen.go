package portalsim

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/govaudit/govaudit/config"
)

// Fixed per-unit page families and charsets, by the unit's index in
// config.DefaultUnits(): they do not depend on the seed, so tests and
// documentation can name them. Indices 0, 3, 4 modulo 5 are gongkai,
// 1 hanweb, 2 trs.
func unitFamily(idx int) family {
	switch idx % 5 {
	case 1:
		return famHanweb
	case 2:
		return famTRS
	default:
		return famGongkai
	}
}

// unitCharsets lists the units not served in UTF-8.
var unitCharsets = map[int]struct {
	charset   string
	metaOnly  bool
	httpEquiv bool
}{
	3:  {"gbk", true, false},      // 区科技局 (gongkai): <meta charset="gbk"> only
	6:  {"gb18030", false, false}, // 区民政局 (hanweb): GB18030, in the header
	7:  {"gbk", false, false},     // 区司法局 (trs): GBK, in the header
	11: {"gbk", false, false},     // 临淄生态环境分局 (hanweb): GBK, in the header
	12: {"gbk", true, true},       // 区住建局 (trs): <meta http-equiv … charset=gb2312> only
	20: {"gb18030", false, false}, // 区应急管理局 (gongkai): GB18030, in the header
}

// staleLimit is the national pack's longest gap between posts, in days,
// for a column kind (0: never stale).
func staleLimit(kind string) int {
	switch kind {
	case config.KindDynamic:
		return 14
	case config.KindNotice, config.KindPolicy:
		return 183
	case config.KindPlanning, config.KindPersonnel:
		return 365
	}
	return 0
}

// defaultDeadlineDays is the periodic-gap deadline per cadence.
func defaultDeadlineDays(cadence string) int {
	switch cadence {
	case config.CadenceMonthly:
		return 15
	case config.CadenceQuarterly:
		return 20
	case config.CadenceYearly:
		return 31
	}
	return 0
}

// requiresAttachment reports whether a column kind requires attachments by default.
func requiresAttachment(kind string) bool {
	return kind == config.KindPolicy || kind == config.KindService
}

// generator holds the state of one generation.
type generator struct {
	s      *Sim
	rates  Rates
	nextID int
	fullQ  []quarter // quarters in the window that ended before today
}

// rng returns a generator seeded from the sim's seed and parts.
func (s *Sim) rng(parts ...uint64) *rand.Rand {
	h := mix(uint64(s.opt.Seed))
	for _, p := range parts {
		h = mix(h ^ p)
	}
	return rand.New(rand.NewPCG(h, mix(h^0x5eed)))
}

func (g *generator) generate() error {
	s := g.s
	for q := quarterOf(s.ws); q.end() < s.today; q = q.next() {
		g.fullQ = append(g.fullQ, q)
	}
	g.nextID = 100000
	defs := config.DefaultUnits()[:s.opt.Units]
	for i, d := range defs {
		u := g.newUnit(i, d)
		s.units = append(s.units, u)
		r := s.rng(1, uint64(i))
		n := s.opt.ChannelsMin + r.IntN(s.opt.ChannelsMax-s.opt.ChannelsMin+1)
		for j, spec := range catalogSpecs(i, n, r) {
			c := g.newColumn(u, j, spec)
			u.cols = append(u.cols, c)
			u.newest = max(u.newest, c.newest())
		}
	}
	if s.opt.Content {
		if err := g.content(); err != nil {
			return err
		}
	}
	g.mailboxes()
	s.placeContent(g.rates) // content.go
	return s.index()
}

func (g *generator) newUnit(i int, d config.Unit) *unit {
	s := g.s
	r := s.rng(2, uint64(i))
	u := &unit{
		idx: i, id: d.ID, name: d.Name, district: d.District,
		fam: unitFamily(i), charset: "utf-8",
		home:        50000 + 100*i,
		altLabels:   i%4 == 3,
		shortDates:  i%10 == 7,
		compactPub:  i%3 == 1,
		btContent:   i%2 == 0,
		pagerScript: i%4 != 3,
	}
	if cs, ok := unitCharsets[i]; ok {
		u.charset, u.metaOnly, u.httpEquiv = cs.charset, cs.metaOnly, cs.httpEquiv
	}
	const alnum = "0123456789ABCDEFGHJKLMNPQRTUWXY"
	var b strings.Builder
	b.WriteString("11370305")
	for range 9 {
		b.WriteByte(alnum[r.IntN(len(alnum))])
	}
	b.WriteByte("0123456789X"[r.IntN(11)])
	u.code = b.String()
	return u
}

func (c *column) newest() day {
	if len(c.items) == 0 {
		return 0
	}
	return c.items[0].pub
}

func (g *generator) newColumn(u *unit, j int, spec chanSpec) *column {
	s := g.s
	r := s.rng(3, uint64(u.idx), uint64(j))
	c := &column{
		u: u, idx: j, spec: spec,
		hex:   hex24(uint64(s.opt.Seed), uint64(u.idx)<<16|uint64(j)),
		unix:  1546272000 + int64(r.IntN(4*365*86400)),
		num:   u.home + 1 + j,
		style: r.IntN(6),
	}
	c.key = r.Float64() < spec.key
	periodic := spec.cadence != config.CadenceNone || spec.kind == config.KindAnnualReport
	c.blank = !periodic && r.Float64() < g.rates.Blank
	c.stale = !c.blank && staleLimit(spec.kind) > 0 && r.Float64() < g.rates.Stale
	switch {
	case c.blank:
	case spec.kind == config.KindAnnualReport:
		g.annualItems(c, r)
	case periodic:
		g.periodicItems(c, r)
	default:
		g.regularItems(c, r)
	}
	slices.SortFunc(c.items, func(a, b *item) int {
		if a.pub != b.pub {
			return int(b.pub - a.pub)
		}
		if a.pubMin != b.pubMin {
			return b.pubMin - a.pubMin
		}
		return b.id - a.id
	})
	return c
}

// regularItems fills an ordinary (not periodic) column.
func (g *generator) regularItems(c *column, r *rand.Rand) {
	s := g.s
	kind := c.spec.kind
	n := s.opt.Items + r.IntN(2*(s.opt.Items/3)+1) - s.opt.Items/3
	n = max(n, 1)
	nOld := n / 5
	nIn := n - nOld
	limit := staleLimit(kind)
	last := s.today
	if c.stale {
		last = s.today - day(limit+10+r.IntN(40))
	}
	skip := map[quarter]bool{}
	if c.key && len(g.fullQ) > 0 && r.Float64() < g.rates.KeyGap {
		for range 1 + r.IntN(2) {
			skip[g.fullQ[r.IntN(len(g.fullQ))]] = true
		}
	}
	var dates []day
	if last >= s.ws {
		span := int(last-s.ws) + 1
		for range nIn {
			for range 20 {
				d := s.ws + day(r.IntN(span))
				if !skip[quarterOf(d)] {
					dates = append(dates, d)
					break
				}
			}
		}
		if c.key {
			for _, q := range g.fullQ {
				if skip[q] || q.start() > last {
					continue
				}
				hi := min(q.end(), last)
				if !slices.ContainsFunc(dates, func(d day) bool { return quarterOf(d) == q }) {
					dates = append(dates, q.start()+day(r.IntN(int(hi-q.start())+1)))
				}
			}
		}
		if limit > 0 && !c.stale {
			lo := max(s.today-day(limit/2), quarterOf(s.today).start())
			if !slices.ContainsFunc(dates, func(d day) bool { return d >= lo }) {
				dates = append(dates, lo+day(r.IntN(int(s.today-lo)+1)))
			}
		}
	}
	// Older items, well before the window.
	oldHi := min(s.ws-45, last)
	oldLo := s.ws - 3*365
	for range nOld {
		if oldHi >= oldLo {
			dates = append(dates, oldLo+day(r.IntN(int(oldHi-oldLo)+1)))
		}
	}
	for _, d := range dates {
		t, topic := title(r, kind, c.u, d.year())
		it := g.newItem(c, r, d, t, topic)
		g.writtenDate(it, r)
		g.attachments(it, r)
		c.items = append(c.items, it)
	}
}

// periodicItems fills a monthly, quarterly or yearly column: one item per
// period, published 1–10 days after the period, except the injected gaps
// (missing, or published 10 or more days after the deadline).
func (g *generator) periodicItems(c *column, r *rand.Rand) {
	s := g.s
	dd := defaultDeadlineDays(c.spec.cadence)
	type period struct {
		y, sub int
		end    day
	}
	var periods []period
	// History: half a year before the window, longer for bigger portals.
	from := s.ws - day(max(183, 30*s.opt.Items))
	wy, wm, _ := from.ymd()
	switch c.spec.cadence {
	case config.CadenceMonthly:
		for y, m := wy, wm; ; {
			e := monthEnd(y, m)
			if e >= s.today {
				break
			}
			periods = append(periods, period{y, int(m), e})
			if m++; m > 12 {
				y, m = y+1, 1
			}
		}
	case config.CadenceQuarterly:
		for q := quarterOf(from); q.end() < s.today; q = q.next() {
			periods = append(periods, period{q.y, q.q, q.end()})
		}
	default:
		for y := min(wy, s.ws.year()-3); mkday(y, 12, 31) < s.today; y++ {
			periods = append(periods, period{y, 0, mkday(y, 12, 31)})
		}
	}
	for _, p := range periods {
		dl := p.end + day(dd)
		var pub day
		if dl >= s.ws && dl < s.today-3 && r.Float64() < g.rates.PeriodicGap {
			if r.IntN(2) == 0 || dl+10 > s.today {
				continue // missing
			}
			pub = dl + 10 + day(r.IntN(min(31, int(s.today-dl-10)+1)))
		} else {
			pub = p.end + 1 + day(r.IntN(min(10, int(s.today-p.end))))
		}
		it := g.newItem(c, r, pub, periodTitle(c.spec.cadence, c.style, c.u, p.y, p.sub), "统计")
		it.written = pub - day(r.IntN(4))
		if r.IntN(2) == 0 {
			g.addAtt(it, r, it.title, []string{"xlsx", "xls", "pdf"})
		}
		c.items = append(c.items, it)
	}
}

// annualItems fills an annual-report column: one report per year,
// published 6–25 days before the deadline, except the injected ones
// (missing, or published 15 or more days after it).
func (g *generator) annualItems(c *column, r *rand.Rand) {
	s := g.s
	for y := s.today.year() - 6; y < s.today.year(); y++ {
		dl := annualDeadline(c.u, y)
		var pub day
		if dl >= s.ws && dl < s.today-3 && r.Float64() < g.rates.AnnualReport {
			if r.IntN(2) == 0 || dl+15 > s.today {
				continue // missing
			}
			pub = dl + 15 + day(r.IntN(min(46, int(s.today-dl-15)+1)))
		} else {
			lo, hi := dl-25, min(dl-6, s.today)
			if lo > hi {
				continue // not published yet
			}
			pub = lo + day(r.IntN(int(hi-lo)+1))
		}
		it := g.newItem(c, r, pub, annualTitle(c.u, y), "政务公开")
		it.written = pub - day(r.IntN(6))
		if r.IntN(2) == 0 {
			g.addAtt(it, r, it.title, []string{"pdf"})
			it.mention = r.IntN(2) == 0
		}
		c.items = append(c.items, it)
	}
}

// annualDeadline is the day by which unit u's report for year y is due.
func annualDeadline(u *unit, y int) day {
	if u.district {
		return mkday(y+1, time.March, 31)
	}
	return mkday(y+1, time.January, 31)
}

func (g *generator) newItem(c *column, r *rand.Rand, pub day, title, topic string) *item {
	s := g.s
	g.nextID += 1 + r.IntN(7)
	it := &item{
		c: c, id: g.nextID, title: title, topic: topic,
		pub: pub, pubMin: 8*60 + r.IntN(10*60),
		subject:    pick(r, subjectClasses),
		brokenLink: r.Float64() < g.rates.BrokenLink,
		scriptAtts: r.IntN(2) == 0,
		docNo:      "无文号",
	}
	it.hex = hex24(uint64(s.opt.Seed)^0xd0c, uint64(it.id))
	if k := c.spec.kind; (k == config.KindPolicy || k == config.KindNotice) && r.IntN(5) < 3 {
		it.docNo = fmt.Sprintf("临%s发〔%d〕%d号", unitAbbr(c.u), pub.year(), 1+r.IntN(60))
	}
	it.indexNo = fmt.Sprintf("%s/%d-%07d", c.u.code, pub.year(), mix(uint64(it.id))%10000000)
	return it
}

// unitAbbr is the short form of a unit's name used in document numbers.
func unitAbbr(u *unit) string {
	if u.district {
		return "政办"
	}
	n := strings.TrimPrefix(strings.TrimPrefix(u.name, "区"), "临淄")
	rs := []rune(n)
	return string(rs[:min(2, len(rs))])
}

// writtenDate sets an ordinary item's 成文日期: 0–10 days before its
// publication, or (injected) 45–120 days before, 1–30 days after, or none.
func (g *generator) writtenDate(it *item, r *rand.Rand) {
	s := g.s
	undatable := g.rates.Undatable
	if it.c.spec.kind == config.KindDynamic {
		undatable = min(1, 5*undatable)
	}
	onTime := it.pub - day(r.IntN(11))
	x := r.Float64()
	switch {
	case x < undatable:
		it.written = 0
	case x < undatable+g.rates.Late:
		it.written = it.pub - day(45+r.IntN(76))
		if it.pub >= s.ws && it.written < s.ws {
			it.written = onTime
		}
	case x < undatable+g.rates.Late+g.rates.Backdated:
		it.written = it.pub + day(1+r.IntN(30))
		if it.written > s.today {
			it.written = onTime
		}
	default:
		it.written = onTime
	}
}

// attachments gives an ordinary item its attachments, injecting missing
// and broken ones.
func (g *generator) attachments(it *item, r *rand.Rand) {
	kind := it.c.spec.kind
	need := requiresAttachment(kind)
	n := 0
	switch {
	case need:
		n = 1 + r.IntN(3)
	case kind == config.KindNotice:
		if r.Float64() < 0.3 {
			n = 1 + r.IntN(2)
		}
	case kind == config.KindPersonnel:
		if r.Float64() < 0.2 {
			n = 1
		}
	case kind == config.KindDynamic:
	default:
		if r.Float64() < 0.1 {
			n = 1
		}
	}
	missingName := false
	if need && r.Float64() < g.rates.MissingAttachment {
		if r.IntN(2) == 0 {
			n = 0
		} else {
			missingName = true
		}
	}
	for i := range n {
		role := attRoles[i]
		stem := attachmentStem(it.title, it.topic)
		if i > 0 {
			stem = it.topic + role.suffix
		}
		g.addAtt(it, r, stem, role.exts)
	}
	it.mention = n > 0 && r.Float64() < 0.8
	if missingName {
		it.missing = []string{it.topic + "报名登记表"}
		it.mention = true
	}
	if n > 0 && r.Float64() < g.rates.BrokenAttachment {
		it.atts[r.IntN(n)].mode = 1 + r.IntN(3)
	}
}

func (g *generator) addAtt(it *item, r *rand.Rand, stem string, exts []string) {
	k := len(it.atts)
	a := &att{it: it, stem: stem, ext: pick(r, exts), size: 2048 + r.IntN(30000)}
	a.name = stem + "." + a.ext
	switch it.c.u.fam {
	case famTRS:
		a.key = fmt.Sprintf("%s%07d%d", it.pub.format(fmtCompact, 0), it.id, k)
	default:
		a.key = hex24(uint64(it.id), uint64(k)|0xa77<<8)[:20]
	}
	it.atts = append(it.atts, a)
}

// mailboxes creates the 区长信箱 and 3–5 部门信箱 with their letters.
func (g *generator) mailboxes() {
	s := g.s
	r := s.rng(4)
	boxes := []*mailbox{{id: "qzxx", name: "区长信箱", owner: s.units[0]}}
	// 部门信箱 belong to departments (the first 34 units), towns only in a
	// portal too small to have three departments.
	var cand []*unit
	for _, u := range s.units[1:] {
		if u.idx < 34 || len(s.units) <= 4 {
			cand = append(cand, u)
		}
	}
	r.Shuffle(len(cand), func(i, j int) { cand[i], cand[j] = cand[j], cand[i] })
	nd := min(len(cand), 3+r.IntN(3))
	for i, u := range cand[:nd] {
		boxes = append(boxes, &mailbox{id: u.id + "-xx", name: u.name + "信箱", owner: u, script: i%2 == 0})
	}
	for bi, mb := range boxes {
		n := s.opt.Letters
		if bi > 0 {
			n = max(5, s.opt.Letters/3)
		}
		g.letters(mb, n, s.rng(5, uint64(bi)))
	}
	s.mailboxes = boxes
}

func (g *generator) letters(mb *mailbox, n int, r *rand.Rand) {
	s := g.s
	for i := range n {
		g.nextID += 1 + r.IntN(5)
		l := &letter{mb: mb, id: g.nextID, topic: pick(r, letterTopics), recvMin: 8*60 + r.IntN(12*60)}
		l.title = fmt.Sprintf(pick(r, []string{"关于%s的问题", "反映%s问题", "咨询%s相关政策", "%s问题何时解决"}), l.topic)
		switch {
		case i < 2 && n >= 4:
			l.recv = s.today - day(r.IntN(3)) // recent, still pending
		case r.Float64() < 0.15:
			l.recv = s.ws - 30 - day(r.IntN(400))
		default:
			l.recv = s.ws + day(r.IntN(int(s.today-s.ws)+1))
		}
		age := int(s.today - l.recv)
		x := r.Float64()
		switch {
		case i < 2 && n >= 4:
			l.replied = 0
		case x < g.rates.Unanswered && age >= 20:
			l.replied = 0
		case x < g.rates.Unanswered+g.rates.LateReply && age >= 20:
			l.replied = l.recv + 20 + day(r.IntN(min(41, age-20+1)))
		case age <= 2 && r.IntN(2) == 0:
			l.replied = 0
		default:
			l.replied = l.recv + day(r.IntN(min(3, age)+1))
		}
		if l.replied != 0 {
			if l.replied == l.recv {
				l.repMin = l.recvMin + 30 + r.IntN(120)
			} else {
				l.repMin = 8*60 + r.IntN(10*60)
			}
			l.status = pick(r, []string{"已办结", "已办结", "已回复", "已反馈"})
		} else {
			l.status = pick(r, []string{"办理中", "待处理", "已受理", "未办结"})
		}
		l.handler = mb.owner.name
		if mb.id == "qzxx" {
			l.handler = s.units[r.IntN(len(s.units))].name
		}
		y, m, _ := l.recv.ymd()
		l.no = fmt.Sprintf("X%04d%02d%04d", y, int(m), l.id%10000)
		mb.letters = append(mb.letters, l)
	}
	slices.SortFunc(mb.letters, func(a, b *letter) int {
		if a.recv != b.recv {
			return int(b.recv - a.recv)
		}
		if a.recvMin != b.recvMin {
			return b.recvMin - a.recvMin
		}
		return b.id - a.id
	})
}

// seedTraps makes sure that every unit in the seed district's layout has
// an item in the window whose 发文日期 lies 60 days before its
// publication date, a date only the info line outside the metadata table
// gives: a parser that takes the first date it meets finds no timeliness
// violation there, and one that takes the 落款 date neither.
func (g *generator) seedTraps() {
	s := g.s
	for _, u := range s.units {
		if u.lay.meta != MetaSeed {
			continue
		}
		var cand *item
		late := false
		for _, c := range u.cols {
			if c.spec.cadence != config.CadenceNone || c.spec.kind == config.KindAnnualReport {
				continue
			}
			for _, it := range c.items {
				if it.pub < s.ws || it.written == 0 {
					continue
				}
				d := int(it.pub - it.written)
				late = late || d >= 45
				if cand == nil && it.pub-60 >= s.ws && d >= 0 && d <= 10 {
					cand = it
				}
			}
		}
		if !late && cand != nil {
			cand.written = cand.pub - 60
		}
	}
}
