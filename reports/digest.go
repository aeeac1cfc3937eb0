package reports

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/govaudit/govaudit/config"
	"github.com/govaudit/govaudit/probe"
	"github.com/govaudit/govaudit/rules"
	"github.com/govaudit/govaudit/store"
)

// Risk kinds: what the weekly digest warns a unit about.
const (
	RiskKeyColumn = "key-column" // a key column with no post yet this quarter
	RiskPeriodic  = "periodic"   // a monthly/quarterly/yearly period overdue or due soon
	RiskMailbox   = "mailbox"    // a letter unanswered longer than the limit
	RiskStale     = "stale"      // a column not updated for too long (national pack)
	RiskOther     = "other"
)

// Risk is one thing a unit should act on: overdue already, or about to be.
// The digest's caller gets them from the checks (rules.AtRisk) and converts.
type Risk struct {
	Unit   string // unit id
	Kind   string // one of the Risk* kinds
	Column string // column name (or id)
	// Title names the object: a letter's title, a period ("2026年10月") …
	Title string
	URL   string
	// Due is the deadline ("2006-01-02"); empty when there is none.
	Due string
	// WorkingDaysLeft counts the working days left until Due (not overdue).
	WorkingDaysLeft int
	Overdue         bool
	// Detail is an optional sentence in Chinese from the check.
	Detail string
	// Check and Subject name the finding the risk would become (or is), so
	// that the digest lists a problem once.
	Check, Subject string
}

// riskChecks maps a risk kind to the check it forewarns of.
var riskChecks = map[string]string{
	RiskKeyColumn: rules.KeyColumnEmpty,
	RiskPeriodic:  rules.PeriodicGap,
	RiskMailbox:   rules.MailboxReply,
	RiskStale:     rules.StaleColumn,
}

// RiskLabel returns the Chinese name of a risk kind: the short name of the
// check it forewarns of (the catalogue's words).
func RiskLabel(kind string) string {
	if c, ok := riskChecks[kind]; ok {
		return rules.CheckShort(c)
	}
	return "其他"
}

// DigestInput is what the weekly digest is built from.
type DigestInput struct {
	Week Week
	// AsOf is the digest's date; new drafts are those detected in the seven
	// days ending on it.
	AsOf    time.Time
	Site    string
	Units   []config.Unit
	Columns map[string]string
	Risks   []Risk
	// Findings are scanned for the drafts detected in the week.
	Findings []store.Finding
	// Probes are the availability probes' summaries of the seven full days
	// before AsOf's date (probe.WeekOf with the midnight that starts it),
	// so that a digest sent on Monday morning judges the whole last week;
	// none when nothing was probed.
	Probes []probe.Summary
	// Baseline: drafts dated before it are historical problems and are not
	// listed (rules.Historical); zero lists every new draft.
	Baseline time.Time
	// Office signs the emails; Contact is whom units ask (config notice).
	Office, Contact string
}

// Digest is the weekly digest of every unit that has something to do.
type Digest struct {
	Week Week
	AsOf time.Time
	Site string
	// From and To bound the detection time of the new drafts listed [From, To).
	From, To time.Time
	// Units are the units with at least one entry, in config order.
	Units []UnitDigest
	// Availability is the week's probes; empty when nothing was probed.
	Availability Availability
	// Verdict is the site's latest national verdict (单项否决), for the
	// office's summary; nil when none was computed (set by the caller).
	Verdict *store.VerdictRecord
	// RectifyBy is when the week's new problems are to be put right: the
	// end of the running quarter, whose notice scores them.
	RectifyBy       string
	Office, Contact string
	// Coverage is what the latest crawl could not judge, for the office:
	// columns not found in their catalog, not audited, suspect or
	// partial, and those that look mis-read (set by the caller).
	Coverage CoverageSummary
}

// CoverageSummary is the office's view of what the latest crawl read.
type CoverageSummary struct {
	Columns int            // configured columns
	Judged  int            // judged in full (a cut walk included)
	Lines   []CoverageLine // the columns that need a look, at most MaxCoverageLines
	More    int            // further columns that need a look, not listed
}

// CoverageLine is one column that was not (fully) judged.
type CoverageLine struct {
	Unit, Column, State, Cause string
	// ID is the column's id; Suspect marks a suspect drop an inspector
	// may confirm (store.AcceptDrop).
	ID      string
	Suspect bool
}

// MaxCoverageLines bounds the columns the office's digest lists.
const MaxCoverageLines = 40

// SummarizeCoverage turns the checks' coverage into the office's summary.
func SummarizeCoverage(cov []rules.ColumnCoverage, units []config.Unit) CoverageSummary {
	names := map[string]string{}
	for _, u := range units {
		names[u.ID] = u.Name
	}
	cs := append([]rules.ColumnCoverage(nil), cov...)
	rules.SortCoverage(cs)
	out := CoverageSummary{Columns: len(cs)}
	for _, c := range cs {
		if c.Complete() {
			out.Judged++
		}
		if !c.NeedsLook() {
			continue
		}
		if len(out.Lines) >= MaxCoverageLines {
			out.More++
			continue
		}
		cause := c.Cause
		if len(c.Warnings) > 0 {
			if cause != "" {
				cause += "；"
			}
			cause += strings.Join(c.Warnings, "；")
		}
		unit := names[c.Unit]
		if unit == "" {
			unit = c.Unit
		}
		state := rules.CoverageStateLabel(c.State)
		if c.Complete() && len(c.Warnings) > 0 {
			state = "疑似读取有误"
		}
		out.Lines = append(out.Lines, CoverageLine{Unit: unit, Column: c.Name, State: state, Cause: cause,
			ID: c.Column, Suspect: c.State == rules.CoverSuspect})
	}
	return out
}

// UnitDigest is one unit's part of the digest.
type UnitDigest struct {
	Unit    config.Unit
	Overdue []Risk
	Soon    []Risk
	Drafts  []DraftLine
	// Catalog is the week's availability of the unit's catalog page, when
	// it is probed; a warning or failure counts as an entry.
	Catalog *probe.Summary
}

// Count returns the number of entries.
func (u UnitDigest) Count() int {
	n := len(u.Overdue) + len(u.Soon) + len(u.Drafts)
	if u.CatalogAlert() {
		n++
	}
	return n
}

// CatalogAlert reports whether the unit's catalog page warns or fails.
func (u UnitDigest) CatalogAlert() bool { return u.Catalog != nil && availabilityAlert(*u.Catalog) }

// DraftLine is a new draft finding of the week.
type DraftLine struct {
	ID       string
	Check    string
	Action   string // what to do (the catalogue's words)
	Column   string
	Title    string
	URL      string
	Evidence string
	Points   float64
	Detected time.Time
}

// BuildDigest sorts the risks and the week's new drafts by unit. Units with
// nothing get no entry. Risks and drafts of units missing from the config
// are listed under their id so that nothing is lost.
func BuildDigest(in DigestInput) *Digest {
	to := dateOf(in.AsOf).AddDate(0, 0, 1)
	d := &Digest{Week: in.Week, AsOf: in.AsOf, Site: in.Site, From: to.AddDate(0, 0, -7), To: to,
		Office: in.Office, Contact: in.Contact, RectifyBy: chineseDate(rules.QuarterStart(in.AsOf).AddDate(0, 3, -1))}
	if d.Office == "" {
		d.Office = in.Site + "政务公开办"
	}
	// Each problem once, in its most urgent section: a risk (overdue or
	// due soon) wins over the same problem as a new draft.
	risky := map[string]bool{}
	for _, r := range in.Risks {
		if r.Subject != "" {
			risky[r.Check+"\x00"+r.Subject] = true
		}
	}
	byUnit := map[string]*UnitDigest{}
	known := map[string]config.Unit{}
	for _, u := range in.Units {
		known[u.ID] = u
	}
	get := func(id string) *UnitDigest {
		ud := byUnit[id]
		if ud == nil {
			u, ok := known[id]
			if !ok {
				u = config.Unit{ID: id, Name: id}
			}
			ud = &UnitDigest{Unit: u}
			byUnit[id] = ud
		}
		return ud
	}
	base := ""
	if !in.Baseline.IsZero() {
		base = in.Baseline.In(cst).Format("2006-01-02")
	}
	for _, r := range in.Risks {
		// A warning whose deadline passed before the baseline is a
		// historical problem: not in the digest.
		if r.Unit == "" || (base != "" && r.Due != "" && r.Due < base) {
			continue
		}
		ud := get(r.Unit)
		if r.Overdue {
			ud.Overdue = append(ud.Overdue, r)
		} else {
			ud.Soon = append(ud.Soon, r)
		}
	}
	for _, f := range in.Findings {
		if f.Status != store.StatusDraft || f.Unit == "" || f.DetectedAt.Before(d.From) || !f.DetectedAt.Before(d.To) ||
			rules.Historical(f, in.Baseline) || risky[f.Rule+"\x00"+f.Subject] {
			continue
		}
		ud := get(f.Unit)
		ud.Drafts = append(ud.Drafts, DraftLine{ID: f.ID, Check: CheckLabel(f.Rule), Action: rules.CheckAction(f.Rule), Column: columnName(in.Columns, f.Column),
			Title: f.Title, URL: f.URL, Evidence: rules.EvidenceText(f.Evidence.Text), Points: f.Points, Detected: f.DetectedAt})
	}
	d.Availability = buildAvailability(in.Probes, in.Units)
	for _, c := range d.Availability.Catalogs {
		s := c.Summary
		get(c.Unit.ID).Catalog = &s
	}
	extra := map[string]bool{}
	for id := range byUnit {
		extra[id] = true
	}
	for _, id := range orderUnits(in.Units, extra) {
		ud := byUnit[id]
		if ud == nil || ud.Count() == 0 {
			continue
		}
		sortRisks(ud.Overdue)
		sortRisks(ud.Soon)
		sort.SliceStable(ud.Drafts, func(i, j int) bool {
			a, b := ud.Drafts[i], ud.Drafts[j]
			if a.Check != b.Check {
				return a.Check < b.Check
			}
			return a.ID < b.ID
		})
		d.Units = append(d.Units, *ud)
	}
	return d
}

// sortRisks orders risks by due date (earliest first), then kind and column.
func sortRisks(rs []Risk) {
	sort.SliceStable(rs, func(i, j int) bool {
		a, b := rs[i], rs[j]
		if a.Due != b.Due {
			if a.Due == "" || b.Due == "" {
				return b.Due == ""
			}
			return a.Due < b.Due
		}
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		if a.Column != b.Column {
			return a.Column < b.Column
		}
		return a.Title < b.Title
	})
}

// RiskAction says what to do about a risk (the catalogue's words).
func RiskAction(kind string) string {
	if c, ok := riskChecks[kind]; ok {
		return rules.CheckAction(c)
	}
	return "核实并整改"
}

// riskText writes a risk as one line of Chinese (raw; escape for HTML).
func riskText(r Risk) string {
	var b strings.Builder
	b.WriteString(oneLine(r.Column))
	if r.Title != "" {
		if r.Column != "" {
			b.WriteString("：")
		}
		b.WriteString(oneLine(r.Title))
	}
	if r.Detail != "" {
		b.WriteString("；" + oneLine(r.Detail))
	}
	switch {
	case r.Overdue && r.Due != "":
		fmt.Fprintf(&b, "（已逾期，期限 %s）", r.Due)
	case r.Overdue:
		b.WriteString("（已逾期）")
	case r.Due != "":
		fmt.Fprintf(&b, "（剩余 %d 个工作日，期限 %s）", r.WorkingDaysLeft, r.Due)
	}
	return b.String()
}

// oneLine turns untrusted text into one line without control characters,
// so that it cannot break the layout of a plain-text email.
func oneLine(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\r' || r == '\t':
			return ' '
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == 0x2028 || r == 0x2029:
			return -1
		}
		return r
	}, s)
	return strings.TrimSpace(s)
}

// UnitSubject is the subject of a unit's digest.
func UnitSubject(unitName string, w Week, n int) string {
	return fmt.Sprintf("【政务公开】%s 第%d周 待办提醒（%d项）", oneLine(unitName), w.Num, n)
}

// SummarySubject is the subject of the office's summary.
func SummarySubject(w Week, units, items int) string {
	return fmt.Sprintf("【政务公开】第%d周 各单位待办提醒汇总（%d个单位，%d项）", w.Num, units, items)
}
