package rules

import (
	"errors"
	"fmt"
	"hash/maphash"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/govaudit/govaudit/config"
	"github.com/govaudit/govaudit/rules/workday"
	"github.com/govaudit/govaudit/store"
)

// reInterpTitle recognises a 解读 by its title.
var reInterpTitle = regexp.MustCompile(`解读|图解|一图读懂|问答|答记者问`)

// reBookTitle finds the 《…》 quotations of a title.
var reBookTitle = regexp.MustCompile(`《([^《》]{4,})》`)

// checkInterpretation: each 规范性文件 in the window (isNormative, not itself
// titled as a 解读) must have a 解读 (Art. 6.4): an item of a column of kind
// interpretation (any unit), or of the policy's own column with a 解读-like
// title (解读, 图解, 一图读懂, 问答, 答记者问), whose title or body names the
// policy's 文号 or title (or a 《…》 name in it of 4 characters or more), or
// that links to the policy's page. Findings, one per policy:
//   - missing: no 解读, once more than rules.interpretation_days working
//     days have passed since the policy's publication; judged only when
//     the policy's unit has a column of kind interpretation and they were
//     all audited (else the policy counts as not audited: where the unit
//     publishes its 解读 is unknown);
//   - late: the first 解读 was published more than that many working days
//     after the policy (a 解读 published before the policy is on time);
//   - not linked both ways: the policy's page does not link any of its
//     解读, or no 解读 page links the policy.
//
// It runs in three steps (stream.go): checkInterpretation collects the
// policies of a batch of items, matchInterpretation matches each candidate
// 解读 against them, and finishInterpretation judges each policy.
func checkInterpretation(e *env, _ Def) (o outcome) {
	keep := func(col config.Column, it *item) bool {
		return isNormative(col, it) && !reInterpTitle.MatchString(it.Title)
	}
	for _, p := range e.windowItems(&o, keep) {
		pt, ok := e.text(p)
		if e.err != nil {
			return o
		}
		if !ok {
			o.notAudited++
			o.unaudited = append(o.unaudited, p.URL)
			continue
		}
		e.acc.policies = append(e.acc.policies, e.newPolicy(p, pt))
	}
	return o
}

// awaiting is a policy (规范性文件) awaiting its 解读: what the finding and the
// matching need of the item, and what the candidates matched so far.
type awaiting struct {
	it     *item    // a copy with only what a finding names
	links  []uint64 // hashes of the links of its record and page, sorted
	docKey string   // docNoKey of its 文号 when one of 4 characters or more
	names  []string // policyNames of its title

	found bool
	first struct { // the earliest 解读 found (the first of equals)
		url string
		pub time.Time
	}
	fwd, back bool // the awaiting links a 解读; a 解读 links the awaiting
}

// newPolicy keeps what the 解读 check needs of the policy p with page pt.
func (e *env) newPolicy(p *item, pt articleText) *awaiting {
	// Copies, not slices of the item's record, which would stay in memory
	// whole until the end of the evaluation.
	it := &store.Item{URL: strings.Clone(p.URL), Unit: strings.Clone(p.Unit), Column: strings.Clone(p.Column),
		Title: strings.Clone(p.Title), DocNo: strings.Clone(p.DocNo),
		SnapshotHash: strings.Clone(p.SnapshotHash), FetchedAt: p.FetchedAt}
	x := &item{Item: it, pub: p.pub, hasPub: p.hasPub, written: p.written, hasWritten: p.hasWritten}
	pol := &awaiting{it: x, names: policyNames(it.Title)}
	if hasDocNo(it.DocNo) {
		if k := docNoKey(it.DocNo); utf8.RuneCountInString(k) >= 4 {
			pol.docKey = k
		}
	}
	for _, l := range p.Links {
		pol.links = append(pol.links, maphash.String(e.acc.seed, l))
	}
	for _, l := range pt.Links {
		pol.links = append(pol.links, maphash.String(e.acc.seed, l))
	}
	slices.Sort(pol.links)
	return pol
}

// linksTo reports whether the policy's record or page links url.
func (p *awaiting) linksTo(seed maphash.Seed, url string) bool {
	_, ok := slices.BinarySearch(p.links, maphash.String(seed, url))
	return ok
}

// matchInterpretation matches the candidate 解读 c (an item published by
// asOf of a configured column, whose page was read) against the policies:
// those of any unit when c's column is of kind interpretation, else those
// of c's own column. The policies it may refer to come from an index
// (policyIndex); refersTo decides, as it would for every policy.
func (e *env) matchInterpretation(c *item) {
	if e.acc.polIndex == nil {
		e.acc.polIndex = newPolicyIndex(e.acc.policies)
	}
	idx := e.acc.polIndex
	anyColumn := e.colByID[c.Column].Kind == config.KindInterpretation
	if !anyColumn && len(idx.byColumn[c.Column]) == 0 {
		return
	}
	t, _ := e.text(c)
	if e.err != nil {
		return
	}
	ct := newCandidate(c, t)
	var among []*awaiting
	if anyColumn {
		among = idx.lookup(ct)
	} else {
		among = idx.byColumn[c.Column]
	}
	for _, p := range among {
		if c.URL == p.it.URL || !ct.refersTo(p.it.URL, p) {
			continue
		}
		if !p.found || c.pub.Before(p.first.pub) {
			p.first.url, p.first.pub = c.URL, c.pub
		}
		p.found = true
		if p.linksTo(e.acc.seed, c.URL) {
			p.fwd = true
		}
		if ct.links[p.it.URL] {
			p.back = true
		}
	}
}

// keyRunes is the length of policyIndex's keys: every name and 文号 key a
// policy is matched by has at least this many characters (policyNames,
// newPolicy).
const keyRunes = 4

// policyIndex finds the policies a candidate 解读 may refer to without
// testing each policy against its text: by URL (the candidate links it),
// by one keyRunes-character window of each name (looked up at every
// position of the candidate's text) and of each 文号 key (at every
// position of the text's docNoKey). A text that contains a name contains
// every window of it, so any window will do: the index takes the one
// fewest policies share, since names often begin alike (关于印发…,
// 关于进一步…) and a common prefix would send most candidates to most
// policies. It finds a superset of the policies refersTo accepts;
// refersTo decides.
type policyIndex struct {
	byColumn map[string][]*awaiting
	byURL    map[string][]*awaiting
	byName   map[string][]*awaiting
	byDoc    map[string][]*awaiting
}

func newPolicyIndex(ps []*awaiting) *policyIndex {
	idx := &policyIndex{byColumn: map[string][]*awaiting{}, byURL: map[string][]*awaiting{},
		byName: map[string][]*awaiting{}, byDoc: map[string][]*awaiting{}}
	// How many policies each window occurs in (a policy counted once per
	// window, whichever of its names holds it).
	nameFreq, docFreq := map[string]int{}, map[string]int{}
	for _, p := range ps {
		countWindows(nameFreq, p.names...)
		if p.docKey != "" {
			countWindows(docFreq, p.docKey)
		}
	}
	for _, p := range ps {
		idx.byColumn[p.it.Column] = append(idx.byColumn[p.it.Column], p)
		idx.byURL[p.it.URL] = append(idx.byURL[p.it.URL], p)
		for _, n := range p.names {
			k := rarest(n, nameFreq)
			if l := idx.byName[k]; len(l) == 0 || l[len(l)-1] != p {
				idx.byName[k] = append(l, p)
			}
		}
		if p.docKey != "" {
			k := rarest(p.docKey, docFreq)
			idx.byDoc[k] = append(idx.byDoc[k], p)
		}
	}
	return idx
}

// countWindows adds one to freq for each distinct window of the strings
// (those of one policy).
func countWindows(freq map[string]int, strs ...string) {
	seen := map[string]bool{}
	for _, s := range strs {
		for _, w := range windows(s) {
			if !seen[w] {
				seen[w] = true
				freq[w]++
			}
		}
	}
}

// windows returns every keyRunes-character window of s, or s itself when
// it is shorter (policyNames and newPolicy keep no such names).
func windows(s string) []string {
	var starts []int
	for i := range s {
		starts = append(starts, i)
	}
	if len(starts) <= keyRunes {
		return []string{s}
	}
	out := make([]string, 0, len(starts)-keyRunes+1)
	for j := 0; j+keyRunes <= len(starts); j++ {
		end := len(s)
		if j+keyRunes < len(starts) {
			end = starts[j+keyRunes]
		}
		out = append(out, s[starts[j]:end])
	}
	return out
}

// rarest returns the window of s that the fewest policies share (the
// first of equals, so the index does not depend on map order).
func rarest(s string, freq map[string]int) string {
	var best string
	bestN := -1
	for _, w := range windows(s) {
		if n := freq[w]; bestN < 0 || n < bestN {
			best, bestN = w, n
		}
	}
	return best
}

// lookup returns the policies the candidate may refer to, each once
// (what a candidate does to a policy does not depend on the order).
func (idx *policyIndex) lookup(c *candidate) []*awaiting {
	seen := map[*awaiting]bool{}
	var out []*awaiting
	add := func(ps []*awaiting) {
		for _, p := range ps {
			if !seen[p] {
				seen[p] = true
				out = append(out, p)
			}
		}
	}
	for l := range c.links {
		add(idx.byURL[l])
	}
	windows := func(text string, m map[string][]*awaiting) {
		if len(m) == 0 {
			return
		}
		for i := range text {
			if !utf8.RuneStart(text[i]) {
				continue
			}
			if ps, ok := m[runePrefix(text[i:], keyRunes)]; ok {
				add(ps)
			}
		}
	}
	windows(c.text, idx.byName)
	if len(idx.byDoc) > 0 {
		if !c.keyed {
			c.docKey, c.keyed = docNoKey(c.text), true
		}
		windows(c.docKey, idx.byDoc)
	}
	return out
}

// runePrefix returns the first n characters of s (all of s when shorter).
func runePrefix(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[:i]
		}
		n--
	}
	return s
}

// candidate is what matching needs of a candidate 解读.
type candidate struct {
	links  map[string]bool // of its record and its page
	text   string          // its title and body
	docKey string          // docNoKey(text), computed when first needed
	keyed  bool
}

func newCandidate(c *item, ct articleText) *candidate {
	x := &candidate{links: make(map[string]bool, len(c.Links)+len(ct.Links)), text: c.Title + "\n" + ct.Body}
	for _, l := range c.Links {
		x.links[l] = true
	}
	for _, l := range ct.Links {
		x.links[l] = true
	}
	return x
}

// refersTo reports whether the candidate names or links the policy p at
// url: it links url, or its title or body names p's 文号 (normalised, 4
// characters or more) or one of p's names.
func (c *candidate) refersTo(url string, p *awaiting) bool {
	if c.links[url] {
		return true
	}
	if p.docKey != "" {
		if !c.keyed {
			c.docKey, c.keyed = docNoKey(c.text), true
		}
		if strings.Contains(c.docKey, p.docKey) {
			return true
		}
	}
	for _, name := range p.names {
		if strings.Contains(c.text, name) {
			return true
		}
	}
	return false
}

// finishInterpretation judges each policy by the 解读 matched to it.
func (e *env) finishInterpretation() (o outcome) {
	noInterp := map[string]int{} // unit -> policies not judged for a missing 解读
	defer func() {
		units := make([]string, 0, len(noInterp))
		for u := range noInterp {
			units = append(units, u)
		}
		slices.Sort(units)
		for _, u := range units {
			o.notes = append(o.notes, fmt.Sprintf("%s未配置政策解读栏目（kind: interpretation），%d 件规范性文件未核查是否发布解读", e.unitName(u), noInterp[u]))
		}
	}()
	limit := e.cfg.Rules.InterpretationDays
	if limit <= 0 {
		limit = 3
	}
	interpCols := map[string][]string{} // unit -> interpretation column ids
	for _, c := range e.columns {
		if c.Kind == config.KindInterpretation {
			interpCols[c.Unit] = append(interpCols[c.Unit], c.ID)
		}
	}
	for _, pol := range e.acc.policies {
		p := pol.it
		if !pol.found {
			due, err := e.cal.Add(p.pub, limit)
			if err != nil {
				if errors.Is(err, workday.ErrNoData) {
					o.undatable++
					continue
				}
				e.err = err
				return o
			}
			if !e.asOf.After(due) {
				o.examined++ // still within the limit
				continue
			}
			if len(interpCols[p.Unit]) == 0 {
				// Not judged (a note, not "not audited": nothing failed).
				noInterp[p.Unit]++
				o.unaudited = append(o.unaudited, p.URL)
				continue
			}
			if unauditedInterp(e, interpCols[p.Unit]) {
				o.notAudited++
				o.unaudited = append(o.unaudited, p.URL)
				continue
			}
			o.examined++
			text := fmt.Sprintf("规范性文件（文号 %s，发布 %s）未发布政策解读；应于发布后 %d 个工作日内（%s 前）发布",
				docNoOrNone(p.DocNo), p.pub.Format(dateLayout), limit, due.Format(dateLayout))
			f := e.itemFinding(p, p.URL, text)
			f.Evidence.Dates["published"] = p.pub.Format(dateLayout)
			f.Evidence.Dates["due"] = due.Format(dateLayout)
			o.findings = append(o.findings, f)
			continue
		}
		o.examined++
		fi := pol.first
		var problems []string
		var x workday.Explanation
		late := false
		if fi.pub.After(p.pub) {
			n, err := e.cal.Between(p.pub, fi.pub)
			if err != nil {
				if errors.Is(err, workday.ErrNoData) {
					o.undatable++
					continue
				}
				e.err = err
				return o
			}
			if n > limit {
				late = true
				if x, err = e.cal.Explain(p.pub, fi.pub); err != nil {
					e.err = err
					return o
				}
				problems = append(problems, fmt.Sprintf("解读（%s）于 %s 发布，晚于政策文件（%s）%d 个工作日，超过 %d 个工作日%s",
					fi.url, fi.pub.Format(dateLayout), p.pub.Format(dateLayout), n, limit, holidayNote(x)))
			}
		}
		if !pol.fwd {
			problems = append(problems, "政策文件页面未链接其解读")
		}
		if !pol.back {
			problems = append(problems, "解读页面未链接政策文件")
		}
		if len(problems) == 0 {
			continue
		}
		f := e.itemFinding(p, p.URL, strings.Join(problems, "；"))
		f.Evidence.Dates["published"] = p.pub.Format(dateLayout)
		f.Evidence.Dates["interpretation"] = fi.pub.Format(dateLayout)
		if late {
			explained(&f.Evidence, x)
		}
		o.findings = append(o.findings, f)
	}
	return o
}

// unauditedInterp reports whether one of the interpretation columns ids
// was not audited (a missing 解读 might be there).
func unauditedInterp(e *env, ids []string) bool {
	for _, id := range ids {
		if _, ok := e.columnState(id); !ok {
			return true
		}
	}
	return false
}

// policyNames are the names a 解读 may use for a policy titled title: the
// title, the title without 关于印发 … 的通知 around it, and its 《…》
// quotations; each at least 6 characters (4 for a quotation).
func policyNames(title string) []string {
	title = strings.TrimSpace(title)
	var out []string
	add := func(s string, min int) {
		if utf8.RuneCountInString(s) >= min && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	add(title, 6)
	core := strings.TrimPrefix(title, "关于印发")
	core = strings.TrimPrefix(core, "关于")
	for _, suf := range []string{"的通知", "的决定", "的意见", "的批复"} {
		if c, ok := strings.CutSuffix(core, suf); ok {
			core = c
			break
		}
	}
	add(core, 6)
	for _, m := range reBookTitle.FindAllStringSubmatch(title, -1) {
		add(m[1], 4)
	}
	return out
}
