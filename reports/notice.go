package reports

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/govaudit/govaudit/config"
	"github.com/govaudit/govaudit/rules"
	"github.com/govaudit/govaudit/store"
)

// CheckLabel returns the Chinese name of a check id, from the catalogue
// (rules.CheckName).
func CheckLabel(rule string) string { return rules.CheckName(rule) }

func checkIndex(rule string) int { return rules.CheckIndex(rule) }

// Input is what a notice is computed from.
type Input struct {
	Period Period
	// Site is the portal's name, e.g. 临淄区人民政府.
	Site  string
	Units []config.Unit
	// Columns maps a column id to its name; ids not found are shown as
	// their last path element.
	Columns     map[string]string
	Scoring     config.Scoring
	Findings    []store.Finding
	Adjustments []store.Adjustment
	// Generated is the time the notice is made: its date.
	Generated time.Time
	// Issue is what the notice prints as a document: the issuing office,
	// the document number, the addressees, the rectification period and
	// the contact (config's notice section, defaults applied).
	Issue config.Notice
}

// Notice is the quarterly (or annual) notice: the ranking and every
// unit's problem list. All strings are raw: renderers escape them.
type Notice struct {
	Period    Period
	Title     string
	Site      string
	Generated time.Time
	// Checks are the checks with a deduction column in the ranking.
	Checks []Check
	// Rows are the units in ranking order.
	Rows []Row
	// Drafts is the number of draft findings still waiting for review.
	Drafts     int
	QuarterMax float64
	YearEndMax float64
	// Max is the highest possible score of the period (without bonus).
	Max float64

	// The document's parts (all in Chinese).
	DocNumber  string // 文号; empty when none is configured
	Office     string // issuing office (落款)
	Recipients string // addressees (主送)
	Contact    string
	Date       string    // the notice's date, "2026年10月9日"
	RectifyBy  string    // rectification deadline, "2026年10月24日"
	Summary    string    // the summary paragraph
	ByCheck    []ByCheck // the problems by check, most frequent first
	Problems   int       // confirmed problems listed
	// Rectification is the rectification record of the earlier notices
	// (RectificationRecord), set by the caller.
	Rectification []RectifyUnit
}

// ByCheck is one check's share of a notice's problems.
type ByCheck struct {
	Label  string
	Action string
	Count  int
	// Units lists the units concerned, with their count when more than one:
	// "区教体局（3个）".
	Units []string
}

// Check is one column of deductions in the ranking.
type Check struct {
	Rule  string
	Label string
	Cap   float64 // 0: no cap
}

// Row is one unit's line of the ranking and its problem list.
type Row struct {
	Rank   int
	UnitID string
	Unit   string
	Score  float64
	// Deductions are per Notice.Checks (after caps; for a year, summed over
	// the quarters).
	Deductions []float64
	// Adjusted is the sum of manual adjustments of the quarters.
	Adjusted float64
	// Quarters and YearEnd are filled for a year notice.
	Quarters []float64
	YearEnd  float64
	Drafts   int
	// Capped describes the caps that applied, in Chinese.
	Capped      []string
	Problems    []Problem
	Adjustments []AdjustmentLine
}

// Problem is one confirmed finding of a unit's problem list (问题清单).
type Problem struct {
	ID      string
	Quarter string
	Rule    string
	Check   string // Chinese name of the check
	Short   string // its short name (for narrow columns)
	Column  string
	Title   string
	URL     string
	Dates   string // "成文日期 2026-05-06；发布日期 2026-07-01"
	// Evidence is the finding's evidence in Chinese, URLs included (for
	// the spreadsheet); Plain is the same without URLs (for print).
	Evidence string
	Plain    string
	Points   float64
	// Counted is false for checks that do not count in scores.
	Counted bool
}

// AdjustmentLine is one manual adjustment shown in a problem list.
type AdjustmentLine struct {
	ID       string
	Period   string
	Category string
	Reason   string
	By       string
	At       time.Time
	Points   float64 // deduction > 0, bonus < 0
}

// Build computes a notice.
func Build(in Input) (*Notice, error) {
	if in.Period.Year == 0 {
		return nil, fmt.Errorf("build notice: no period")
	}
	sc := NewScorer(in.Scoring)
	n := &Notice{
		Period: in.Period, Site: in.Site, Generated: in.Generated,
		QuarterMax: sc.QuarterPoints, YearEndMax: sc.YearEndPoints,
		Title: fmt.Sprintf("关于%s政务公开工作考核情况的通报", in.Period.Label()),
	}
	n.Max = sc.QuarterPoints
	if in.Period.IsYear() {
		n.Max = 4*sc.QuarterPoints + sc.YearEndPoints
	}
	inPeriod := map[string]bool{}
	for _, q := range in.Period.Quarters() {
		inPeriod[q] = true
	}
	if in.Period.IsYear() {
		inPeriod[in.Period.YearEnd()] = true
	}
	extra := map[string]bool{}
	used := map[string]bool{}
	for _, f := range in.Findings {
		if inPeriod[f.Quarter] && (f.Status == store.StatusConfirmed || f.Status == store.StatusDraft) {
			extra[f.Unit] = true
			if f.Status == store.StatusConfirmed && f.Scoring {
				used[f.Rule] = true
			}
		}
	}
	for _, a := range in.Adjustments {
		if inPeriod[a.Period] && !a.Withdrawn {
			extra[a.Unit] = true
		}
	}
	ids := orderUnits(in.Units, extra)
	names := map[string]string{}
	for _, u := range in.Units {
		names[u.ID] = u.Name
	}
	var ruleIDs []string
	for r := range used {
		ruleIDs = append(ruleIDs, r)
	}
	sort.Slice(ruleIDs, func(i, j int) bool {
		a, b := checkIndex(ruleIDs[i]), checkIndex(ruleIDs[j])
		if a != b {
			return a < b
		}
		return ruleIDs[i] < ruleIDs[j]
	})
	for _, r := range ruleIDs {
		n.Checks = append(n.Checks, Check{Rule: r, Label: rules.CheckShort(r), Cap: sc.Caps[r]})
	}

	rows := make(map[string]*Row, len(ids))
	for _, id := range ids {
		name := names[id]
		if name == "" {
			name = id
		}
		rows[id] = &Row{UnitID: id, Unit: name, Deductions: make([]float64, len(ruleIDs))}
	}
	addQuarter := func(r *Row, qs *QuarterScore) {
		for i, rule := range ruleIDs {
			r.Deductions[i] = round2(r.Deductions[i] + qs.Deductions[rule])
		}
		r.Adjusted = round2(r.Adjusted + qs.Adjusted)
		r.Drafts += qs.Drafts
		for _, c := range qs.Capped {
			r.Capped = append(r.Capped, fmt.Sprintf("%s %s扣分 %s 分，按上限 %s 分计",
				quarterLabel(qs.Quarter), CheckLabel(c), FormatPoints(qs.Raw[c]), FormatPoints(qs.Deductions[c])))
		}
	}
	if in.Period.IsYear() {
		for id, ys := range sc.Year(in.Period.Year, ids, in.Findings, in.Adjustments) {
			r := rows[id]
			if r == nil {
				continue
			}
			for i := range ys.Quarters {
				addQuarter(r, &ys.Quarters[i])
				r.Quarters = append(r.Quarters, ys.Quarters[i].Score)
			}
			r.YearEnd = ys.YearEnd.Score
			r.Score = ys.Total
		}
	} else {
		for id, qs := range sc.Quarters(in.Period.String(), ids, in.Findings, in.Adjustments) {
			r := rows[id]
			if r == nil {
				continue
			}
			addQuarter(r, qs)
			r.Score = qs.Score
		}
	}

	for _, f := range in.Findings {
		if !inPeriod[f.Quarter] {
			continue
		}
		r := rows[f.Unit]
		if r == nil || f.Status != store.StatusConfirmed {
			continue
		}
		r.Problems = append(r.Problems, Problem{
			ID: f.ID, Quarter: f.Quarter, Rule: f.Rule, Check: CheckLabel(f.Rule), Short: rules.CheckShort(f.Rule),
			Column: columnName(in.Columns, f.Column), Title: f.Title, URL: f.URL,
			Dates: formatDates(f.Evidence.Dates), Evidence: rules.EvidenceText(f.Evidence.Text),
			Plain:  rules.PlainEvidence(f.Evidence.Text),
			Points: f.Points, Counted: f.Scoring,
		})
	}
	for _, a := range in.Adjustments {
		if !inPeriod[a.Period] || a.Withdrawn {
			continue
		}
		r := rows[a.Unit]
		if r == nil {
			continue
		}
		r.Adjustments = append(r.Adjustments, AdjustmentLine{ID: a.ID, Period: a.Period,
			Category: a.Category, Reason: a.Reason, By: a.By, At: a.At, Points: a.Points})
	}

	n.Rows = make([]Row, 0, len(ids))
	for _, id := range ids {
		r := rows[id]
		sort.SliceStable(r.Problems, func(i, j int) bool {
			a, b := r.Problems[i], r.Problems[j]
			if a.Quarter != b.Quarter {
				return a.Quarter < b.Quarter
			}
			if ai, bi := checkIndex(a.Rule), checkIndex(b.Rule); ai != bi {
				return ai < bi
			}
			if a.Column != b.Column {
				return a.Column < b.Column
			}
			return a.ID < b.ID
		})
		sort.SliceStable(r.Adjustments, func(i, j int) bool {
			return r.Adjustments[i].Period < r.Adjustments[j].Period
		})
		n.Drafts += r.Drafts
		n.Rows = append(n.Rows, *r)
	}
	sort.SliceStable(n.Rows, func(i, j int) bool { return n.Rows[i].Score > n.Rows[j].Score })
	scores := make([]float64, len(n.Rows))
	for i, r := range n.Rows {
		scores[i] = r.Score
	}
	for i, rank := range Ranks(scores) {
		n.Rows[i].Rank = rank
	}
	document(n, in)
	return n, nil
}

// chineseDate writes a date as 2026年10月9日.
func chineseDate(t time.Time) string {
	t = t.In(cst)
	return fmt.Sprintf("%d年%d月%d日", t.Year(), int(t.Month()), t.Day())
}

// document fills the notice's parts as a document: number, office,
// addressees, dates, the summary paragraph and the problems by check.
func document(n *Notice, in Input) {
	is := in.Issue
	n.Office = is.Office
	if n.Office == "" {
		n.Office = in.Site + "政务公开工作领导小组办公室"
	}
	n.Recipients = is.Recipients
	if n.Recipients == "" {
		n.Recipients = "各镇人民政府、街道办事处，区政府各部门"
	}
	n.Contact = is.Contact
	if is.DocNumber != "" {
		q := "年"
		if !n.Period.IsYear() {
			q = strconv.Itoa(n.Period.Quarter)
		}
		n.DocNumber = strings.NewReplacer("{year}", strconv.Itoa(n.Period.Year), "{quarter}", q).Replace(is.DocNumber)
	}
	date := in.Generated
	if date.IsZero() {
		date = time.Now()
	}
	n.Date = chineseDate(date)
	days := is.RectifyDays
	if days <= 0 {
		days = 15
	}
	n.RectifyBy = chineseDate(date.AddDate(0, 0, days))

	counts := map[string]int{}
	perUnit := map[string]map[string]int{}
	var unitOrder []string
	units, total := 0, 0.0
	for _, r := range n.Rows {
		if len(r.Problems) > 0 {
			units++
		}
		for _, p := range r.Problems {
			n.Problems++
			counts[p.Rule]++
			if perUnit[p.Rule] == nil {
				perUnit[p.Rule] = map[string]int{}
			}
			if perUnit[p.Rule][r.Unit] == 0 {
				unitOrder = append(unitOrder, p.Rule+"\x00"+r.Unit)
			}
			perUnit[p.Rule][r.Unit]++
		}
		total += r.Score
	}
	var ids []string
	for id := range counts {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool {
		if counts[ids[i]] != counts[ids[j]] {
			return counts[ids[i]] > counts[ids[j]]
		}
		return checkIndex(ids[i]) < checkIndex(ids[j])
	})
	var parts []string
	for _, id := range ids {
		bc := ByCheck{Label: rules.CheckName(id), Action: rules.CheckAction(id), Count: counts[id]}
		for _, k := range unitOrder {
			rule, unit, _ := strings.Cut(k, "\x00")
			if rule == id {
				if c := perUnit[id][unit]; c > 1 {
					unit = fmt.Sprintf("%s（%d个）", unit, c)
				}
				bc.Units = append(bc.Units, unit)
			}
		}
		n.ByCheck = append(n.ByCheck, bc)
		parts = append(parts, fmt.Sprintf("%s%d个", bc.Label, bc.Count))
	}
	full := 0
	for _, r := range n.Rows {
		if r.Score >= n.Max {
			full++
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "根据《政务公开工作考核办法》，现对%d个单位%s政务公开工作进行了检查考核。", len(n.Rows), n.Period.Label())
	if n.Problems == 0 {
		b.WriteString("各单位均未发现扣分问题。")
	} else {
		fmt.Fprintf(&b, "共确认问题%d个，涉及%d个单位，其中%s。", n.Problems, units, strings.Join(parts, "、"))
	}
	if len(n.Rows) > 0 {
		fmt.Fprintf(&b, "各单位平均得分%s分（满分%s分），%d个单位得满分。", FormatPoints(total/float64(len(n.Rows))), FormatPoints(n.Max), full)
	}
	n.Summary = b.String()
}

// columnName returns the configured name of a column id, else the id's
// last path element ("<unit id>/<column name>").
func columnName(cols map[string]string, id string) string {
	if name, ok := cols[id]; ok && name != "" {
		return name
	}
	if i := strings.LastIndex(id, "/"); i >= 0 {
		return id[i+1:]
	}
	return id
}

// formatDates writes the evidence dates in Chinese (rules.FormatDates).
func formatDates(d map[string]string) string { return rules.FormatDates(d) }

// FormatPoints writes points without needless decimals: 2, 0.5, 19.25.
func FormatPoints(v float64) string {
	s := fmt.Sprintf("%.2f", round2(v))
	s = strings.TrimRight(s, "0")
	s = strings.TrimSuffix(s, ".")
	if s == "-0" {
		s = "0"
	}
	return s
}
