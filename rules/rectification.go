package rules

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/govaudit/govaudit/config"
	"github.com/govaudit/govaudit/rules/workday"
	"github.com/govaudit/govaudit/store"
)

// Rectifiable reports whether a finding of check rule describes a
// condition the unit can undo (a missing attachment, a wrong word …), so
// that a notice asks for its rectification and the rectification check
// follows it up. A late publication or a late reply cannot be undone:
// its deduction is final (docs/CHECKS.md). A rectification finding is
// rectifiable: a notice listing it lists again the finding it concerns.
func Rectifiable(rule string) bool {
	switch rule {
	case Backdated, BlankColumn, MissingAttachment, BrokenAttachment, StaleColumn, BrokenLink,
		Wording, Interpretation, Validity, Catalog, Rectification:
		return true
	}
	return false
}

// RectifyDeadline is the last day of the rectification period of a notice
// issued on day: rules.rectify_days working days after it (default 10).
func RectifyDeadline(cfg *config.Config, cal *workday.Calendar, day time.Time) (time.Time, error) {
	n := cfg.Rules.RectifyDays
	if n <= 0 {
		n = 10
	}
	return cal.Add(workday.Day(day), n)
}

// checkRectification follows up the findings notices listed
// (Input.Notified, recorded when a notice is issued): each listed finding
// of a Rectifiable check is re-examined by this very evaluation — it is
// fixed when its check, evaluated now and able to audit it, no longer
// finds it. After the deadline of the first notice that listed it, a
// finding still found is a rectification finding (subject: the listed
// finding's id). Each later notice that listed it again (or its
// rectification finding) adds, once its own deadline has passed and the
// finding is still found, a 拒不整改 finding "<id>:<notice>" that counts
// double. The state of every entry
// (pending, rectified with the first date it was no longer seen, late,
// overdue, unknown) goes to Result.Rectification for the store.
func checkRectification(e *env, _ Def) outcome {
	var o outcome
	res := e.in.sofar
	if res == nil || len(e.in.Notified) == 0 {
		return o
	}
	// Group the entries by the finding they follow up.
	groups := map[string][]store.NoticeEntry{}
	var order []string
	for _, n := range e.in.Notified {
		orig := n.FindingID
		if n.Rule == Rectification {
			orig = n.Subject
		}
		if _, ok := groups[orig]; !ok {
			order = append(order, orig)
		}
		groups[orig] = append(groups[orig], n)
	}
	slices.Sort(order)
	today := e.asOf.Format(dateLayout)
	titles := map[string]string{}
	for _, d := range Defs() {
		titles[d.ID] = d.Title
	}
	for _, id := range order {
		rows := groups[id]
		bi := slices.IndexFunc(rows, func(n store.NoticeEntry) bool { return n.Rule != Rectification })
		if bi < 0 {
			continue // the listed finding itself was never notified
		}
		base := rows[bi]
		if !Rectifiable(base.Rule) {
			continue
		}
		// One entry per notice, oldest first: the first is the base's.
		byNotice := slices.Clone(rows)
		slices.SortFunc(byNotice, func(a, b store.NoticeEntry) int { return a.NotifiedAt.Compare(b.NotifiedAt) })
		byNotice = slices.CompactFunc(byNotice, func(a, b store.NoticeEntry) bool { return a.Notice == b.Notice })
		firstDeadline, err := workday.Parse(base.Deadline)
		if err != nil {
			e.err = fmt.Errorf("notice entry %s of %s: deadline %q: %w", base.FindingID, base.Notice, base.Deadline, err)
			return o
		}
		f := store.Finding{Rule: base.Rule, Subject: base.Subject, Unit: base.Unit, Column: base.Column, URL: base.URL, Quarter: base.Quarter}
		unknown := !slices.Contains(res.Rules, base.Rule) || res.Keep(f)
		seen := res.noticed[noticedKey(base.Rule, base.Subject)]
		for _, n := range rows {
			upd := n
			upd.Checked = today
			switch {
			case unknown:
				upd.State = store.RectifyUnknown
			case !seen:
				if upd.Rectified == "" {
					upd.Rectified = today
				}
				upd.State = store.RectifyFixed
				if upd.Rectified > upd.Deadline {
					upd.State = store.RectifyLate
				}
			default:
				upd.Rectified = ""
				upd.State = store.RectifyPending
				if today > upd.Deadline {
					upd.State = store.RectifyOverdue
				}
			}
			if upd.State != n.State || upd.Rectified != n.Rectified || upd.Checked != n.Checked {
				res.Rectification = append(res.Rectification, upd)
			}
		}
		if !e.asOf.After(firstDeadline) {
			continue // still within the first period
		}
		if unknown {
			o.notAudited++
			o.unaudited = append(o.unaudited, id)
			continue
		}
		o.examined++
		if !seen {
			continue
		}
		label := titles[base.Rule]
		if label == "" {
			label = base.Rule
		}
		finding := func(subject, text string, n store.NoticeEntry, due time.Time) {
			o.findings = append(o.findings, store.Finding{
				Subject: subject, Unit: base.Unit, Column: base.Column, URL: base.URL, Title: base.Title,
				Quarter: Quarter(due),
				Evidence: store.Evidence{Text: text, Dates: map[string]string{
					"notified": n.NotifiedAt.In(workday.CST()).Format(dateLayout), "due": n.Deadline, "checked": today}},
			})
		}
		finding(id, fmt.Sprintf("通报（%s）所列问题「%s」（%s）整改期限为 %s，%s 复查仍存在，未按期整改",
			base.Notice, label, base.Subject, base.Deadline, today), base, firstDeadline)
		// Each later notice that listed it again, once its deadline has
		// passed: 拒不整改, double points.
		var listed []string
		for _, n := range byNotice {
			listed = append(listed, n.Notice)
			if n.Notice == base.Notice {
				continue
			}
			due, err := workday.Parse(n.Deadline)
			if err != nil {
				e.err = fmt.Errorf("notice entry %s of %s: deadline %q: %w", n.FindingID, n.Notice, n.Deadline, err)
				return o
			}
			if !e.asOf.After(due) {
				continue
			}
			subject := id + ":" + n.Notice
			if o.weight == nil {
				o.weight = map[string]float64{}
			}
			o.weight[subject] = 2
			finding(subject, fmt.Sprintf("经 %d 次通报（%s）所列问题「%s」（%s）仍未整改（整改期限 %s，%s 复查仍存在），属拒不整改，加重扣分",
				len(listed), strings.Join(listed, "、"), label, base.Subject, n.Deadline, today), n, due)
		}
	}
	return o
}
