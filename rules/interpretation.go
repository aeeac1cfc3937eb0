package rules

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/govaudit/govaudit/config"
	"github.com/govaudit/govaudit/rules/workday"
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
func checkInterpretation(e *env, _ Def) (o outcome) {
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
	cols := e.configuredColumns()
	// Candidate 解读: items published up to asOf in interpretation columns,
	// and 解读-titled items of the other columns.
	var cands []*item
	interpCols := map[string][]string{} // unit -> interpretation column ids
	for _, c := range e.columns {
		if c.Kind == config.KindInterpretation {
			interpCols[c.Unit] = append(interpCols[c.Unit], c.ID)
		}
	}
	for _, c := range e.columns {
		for _, x := range e.byColumn[c.ID] {
			if x.FetchErr != "" {
				continue
			}
			if c.Kind == config.KindInterpretation || reInterpTitle.MatchString(x.Title) {
				cands = append(cands, x)
			}
		}
	}
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
		var found []*item
		var foundText []articleText
		for _, c := range cands {
			if c.URL == p.URL || (cols[c.Column].Kind != config.KindInterpretation && c.Column != p.Column) {
				continue
			}
			ct, _ := e.text(c)
			if e.err != nil {
				return o
			}
			if refersTo(c, ct, p) {
				found = append(found, c)
				foundText = append(foundText, ct)
			}
		}
		if len(found) == 0 {
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
		first := 0
		for i, c := range found {
			if c.pub.Before(found[first].pub) {
				first = i
			}
		}
		fi := found[first]
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
					fi.URL, fi.pub.Format(dateLayout), p.pub.Format(dateLayout), n, limit, holidayNote(x)))
			}
		}
		pLinks := append(slices.Clone(p.Links), pt.Links...)
		fwd := slices.ContainsFunc(found, func(c *item) bool { return slices.Contains(pLinks, c.URL) })
		back := false
		for i, c := range found {
			if slices.Contains(c.Links, p.URL) || slices.Contains(foundText[i].Links, p.URL) {
				back = true
			}
		}
		if !fwd {
			problems = append(problems, "政策文件页面未链接其解读")
		}
		if !back {
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

// refersTo reports whether the 解读 c (with its page text ct) names or
// links the policy p.
func refersTo(c *item, ct articleText, p *item) bool {
	if slices.Contains(c.Links, p.URL) || slices.Contains(ct.Links, p.URL) {
		return true
	}
	text := c.Title + "\n" + ct.Body
	if hasDocNo(p.DocNo) {
		if k := docNoKey(p.DocNo); utf8.RuneCountInString(k) >= 4 && strings.Contains(docNoKey(text), k) {
			return true
		}
	}
	for _, name := range policyNames(p.Title) {
		if strings.Contains(text, name) {
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
