package rules

import (
	"fmt"
	"sort"
	"strings"

	"github.com/govaudit/govaudit/config"
	"github.com/govaudit/govaudit/store"
)

// Coverage states of a column: what the checks could do with its latest walk.
const (
	CoverJudged    = "judged"      // every check judges it
	CoverPartial   = "partial"     // a later list page failed: item checks only
	CoverSuspect   = "suspect"     // its list fell sharply: item checks only, column checks wait
	CoverTruncated = "truncated"   // the page cap cut it: judged up to the cut
	CoverNotFound  = "not-found"   // a channel to discover that its catalog does not list
	CoverNotRead   = "not-audited" // nothing judged
	CoverNeverRead = "never"       // no crawl has reached it yet
)

// CoverageStateLabel is the Chinese name of a coverage state.
func CoverageStateLabel(state string) string {
	switch state {
	case CoverJudged:
		return "已审计"
	case CoverPartial:
		return "部分抓取"
	case CoverSuspect:
		return "疑似异常"
	case CoverTruncated:
		return "达页数上限"
	case CoverNotFound:
		return "栏目未找到"
	case CoverNotRead:
		return "未审计"
	case CoverNeverRead:
		return "尚未抓取"
	}
	return state
}

// ColumnCoverage says what was read of one configured column by its
// latest walk, and so what the checks could judge.
type ColumnCoverage struct {
	Unit, Column, Name, URL string
	State                   string // Cover*
	Cause                   string // why it was not (fully) judged
	ListPages, PagesFailed  int
	// Listed counts the items its latest walk listed; Read those whose
	// page was read; the others count what was found on the read pages.
	Listed, Read, FetchFailed                int
	WithPublished, WithWritten, WithListDate int
	WithAttachments                          int
	// Warnings say when the column looks mis-read (in Chinese).
	Warnings []string
}

// Coverage reports, for each configured column of in.Config, what its
// latest walk read (in.Items holds what the portal still lists, as
// LoadInput gives it). Columns come in configuration order.
func Coverage(in Input) []ColumnCoverage {
	srcs := map[string]store.SourceState{}
	for _, s := range in.Sources {
		srcs[s.Key] = s
	}
	byCol := map[string][]*store.Item{}
	for i := range in.Items {
		it := &in.Items[i]
		byCol[it.Column] = append(byCol[it.Column], it)
	}
	var out []ColumnCoverage
	for _, col := range in.Config.AllColumns() {
		s, ok := srcs[store.SourceColumn+":"+col.ID]
		out = append(out, columnCoverage(col, s, ok, byCol[col.ID]))
	}
	return out
}

// columnCoverage is the coverage of a configured column whose latest
// state is s (ok: there is one) and whose stored items are items.
func columnCoverage(col config.Column, s store.SourceState, ok bool, items []*store.Item) ColumnCoverage {
	c := ColumnCoverage{Unit: col.Unit, Column: col.ID, Name: col.Name, URL: col.URL}
	switch {
	case !ok:
		c.State = CoverNeverRead
	case !s.Audited && s.ErrKind == store.NotFound:
		c.State, c.Cause = CoverNotFound, s.Cause
	case !s.Audited:
		c.State, c.Cause = CoverNotRead, s.Cause
	case s.Partial:
		c.State, c.Cause = CoverPartial, s.Cause
	case s.Suspect != "":
		c.State, c.Cause = CoverSuspect, s.Suspect
	case s.Truncated:
		c.State, c.Cause = CoverTruncated, s.Cause
	default:
		c.State = CoverJudged
	}
	if ok {
		c.ListPages, c.PagesFailed, c.Listed = s.ListPages, s.PagesFailed, s.Items
		if c.URL == "" {
			c.URL = s.URL
		}
	}
	same, dated := 0, 0
	for _, it := range items {
		if it.FetchErr != "" {
			c.FetchFailed++
			continue
		}
		c.Read++
		if it.Published != "" {
			c.WithPublished++
		}
		if it.Written != "" {
			c.WithWritten++
		}
		if it.ListDate != "" {
			c.WithListDate++
		}
		if len(it.Attachments) > 0 {
			c.WithAttachments++
		}
		if it.Published != "" && it.Written != "" {
			dated++
			if len(it.Published) >= 10 && len(it.Written) >= 10 && it.Published[:10] == it.Written[:10] {
				same++
			}
		}
	}
	c.Warnings = misreadWarnings(c, same, dated)
	return c
}

// Complete reports whether the column checks judged the column's latest
// walk (in full, or up to the page cap's cut).
func (c ColumnCoverage) Complete() bool {
	return c.State == CoverJudged || c.State == CoverTruncated
}

// NeedsLook reports whether a person should look at the column: it was
// not judged in full, or it looks mis-read.
func (c ColumnCoverage) NeedsLook() bool {
	return c.State != CoverJudged || len(c.Warnings) > 0
}

// CoverageHeadline sums coverage in one Chinese line: the columns by state
// and those that look mis-read, e.g.
// "栏目 96 个：已审计 80，栏目未找到 16；疑似读取有误 0 个".
func CoverageHeadline(cs []ColumnCoverage) string {
	tot := CoverageTotals(cs)
	var parts []string
	for _, s := range []string{CoverJudged, CoverTruncated, CoverPartial, CoverSuspect, CoverNotRead, CoverNotFound, CoverNeverRead} {
		if tot[s] > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", CoverageStateLabel(s), tot[s]))
		}
	}
	misread := 0
	for _, c := range cs {
		if len(c.Warnings) > 0 {
			misread++
		}
	}
	return fmt.Sprintf("栏目 %d 个：%s；疑似读取有误 %d 个", len(cs), strings.Join(parts, "，"), misread)
}

// misreadWarnings are the signs that a column's pages are read wrong
// rather than that the unit did something wrong.
func misreadWarnings(c ColumnCoverage, same, dated int) []string {
	var w []string
	if dated >= 3 && same == dated {
		w = append(w, fmt.Sprintf("%d 条信息的发布日期全部等于成文日期，疑似把成文日期读成了发布日期（请用 govaudit inspect 查看文章页）", dated))
	}
	if c.Read >= 3 && c.WithPublished == 0 && c.WithListDate == 0 {
		w = append(w, fmt.Sprintf("%d 条信息均未读到任何日期（请用 govaudit inspect 查看列表页和文章页）", c.Read))
	}
	if c.Read >= 3 && c.WithPublished == 0 && c.WithListDate > 0 {
		w = append(w, "文章页均未读到发布日期，以列表日期代替")
	}
	if c.FetchFailed > 0 && c.FetchFailed*2 > c.FetchFailed+c.Read {
		w = append(w, fmt.Sprintf("%d 条信息的页面无法读取，超过一半", c.FetchFailed))
	}
	return w
}

// CoverageTotals sums coverage by state.
func CoverageTotals(cs []ColumnCoverage) map[string]int {
	m := map[string]int{}
	for _, c := range cs {
		m[c.State]++
	}
	return m
}

// SortCoverage orders coverage rows with the ones that need attention
// first (not found, not audited, suspect, partial, warnings), then by
// unit and column.
func SortCoverage(cs []ColumnCoverage) {
	rank := func(c ColumnCoverage) int {
		switch c.State {
		case CoverNotFound:
			return 0
		case CoverNotRead:
			return 1
		case CoverSuspect:
			return 2
		case CoverPartial:
			return 3
		case CoverNeverRead:
			return 4
		}
		if len(c.Warnings) > 0 {
			return 5
		}
		return 6
	}
	sort.SliceStable(cs, func(i, j int) bool {
		ri, rj := rank(cs[i]), rank(cs[j])
		if ri != rj {
			return ri < rj
		}
		if cs[i].Unit != cs[j].Unit {
			return cs[i].Unit < cs[j].Unit
		}
		return cs[i].Column < cs[j].Column
	})
}
