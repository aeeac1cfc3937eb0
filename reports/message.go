package reports

import (
	"fmt"
	htmltemplate "html/template"
	"strings"
	"text/template"

	"github.com/govaudit/govaudit/probe"
)

// Message is one digest email before it is sent.
type Message struct {
	// Unit is the unit id of a unit's digest; empty for the office summary.
	Unit    string
	To      string
	ToName  string
	Subject string
	Text    string
	HTML    string
	// Items is the number of entries the email lists.
	Items int
}

// Messages is the digest's emails: one per unit with something to report
// and a contact address, and a summary to office (when office is set).
type Messages struct {
	List []Message
	// NoAddress lists units with entries but no contact address (their
	// entries appear in the summary).
	NoAddress []string
}

var digestFuncs = map[string]any{
	"inc":        func(i int) int { return i + 1 },
	"risklabel":  RiskLabel,
	"riskaction": RiskAction,
	"risktext":   riskText,
	"line":       oneLine,
	// The week's availability (see availability.go).
	"homenote":    homeNote,
	"catalognote": catalogNote,
	"unitpage":    func(s *probe.Summary) string { return s.NoteAs("贵单位目录页") },
	"availlimits": AvailabilityLimits,
	// The national verdict (verdict.go, issue 15).
	"vline":     VerdictLine,
	"vheadline": VerdictHeadline,
	// linkable guards every href: only http(s) URLs become links.
	"linkable": linkable,
}

// Messages renders the digest's emails.
func (d *Digest) Messages(office string) (Messages, error) {
	var out Messages
	unitHTML, err := htmltemplate.New("digest_unit.html").Funcs(digestFuncs).ParseFS(templateFS, "templates/digest_unit.html")
	if err != nil {
		return out, fmt.Errorf("parse digest template: %w", err)
	}
	unitText, err := template.New("digest_unit.txt").Funcs(digestFuncs).ParseFS(templateFS, "templates/digest_unit.txt")
	if err != nil {
		return out, fmt.Errorf("parse digest template: %w", err)
	}
	sumHTML, err := htmltemplate.New("digest_summary.html").Funcs(digestFuncs).ParseFS(templateFS, "templates/digest_summary.html")
	if err != nil {
		return out, fmt.Errorf("parse digest template: %w", err)
	}
	sumText, err := template.New("digest_summary.txt").Funcs(digestFuncs).ParseFS(templateFS, "templates/digest_summary.txt")
	if err != nil {
		return out, fmt.Errorf("parse digest template: %w", err)
	}
	asOf := d.AsOf.In(cst).Format("2006年1月2日")
	week := fmt.Sprintf("%d年第%d周", d.Week.Year, d.Week.Num)
	site := oneLine(d.Site)
	var overdue, soon, drafts, alerts int
	for _, u := range d.Units {
		overdue += len(u.Overdue)
		soon += len(u.Soon)
		drafts += len(u.Drafts)
		if u.CatalogAlert() {
			alerts++
		}
		if strings.TrimSpace(u.Unit.Email) == "" {
			out.NoAddress = append(out.NoAddress, u.Unit.Name)
			continue
		}
		m := Message{Unit: u.Unit.ID, To: strings.TrimSpace(u.Unit.Email), ToName: oneLine(u.Unit.Name),
			Subject: UnitSubject(u.Unit.Name, d.Week, u.Count()), Items: u.Count()}
		nums := []string{"一", "二", "三", "四"}
		draftsNo := nums[min(len(u.Overdue), 1)+min(len(u.Soon), 1)]
		availNo := nums[min(len(u.Overdue), 1)+min(len(u.Soon), 1)+min(len(u.Drafts), 1)]
		data := map[string]any{"U": u, "AsOf": asOf, "Week": week, "Site": site, "Subject": m.Subject, "DraftsNo": draftsNo,
			"AvailNo": availNo, "RectifyBy": d.RectifyBy, "Office": oneLine(d.Office), "Contact": oneLine(d.Contact)}
		if m.Text, err = render(unitText, data); err != nil {
			return out, err
		}
		if m.HTML, err = renderHTML(unitHTML, data); err != nil {
			return out, err
		}
		out.List = append(out.List, m)
	}
	if office = strings.TrimSpace(office); office != "" {
		m := Message{To: office, ToName: "政务公开办", Subject: SummarySubject(d.Week, len(d.Units), overdue+soon+drafts+alerts),
			Items: overdue + soon + drafts + alerts}
		data := map[string]any{"Units": d.Units, "AsOf": asOf, "Week": week, "Subject": m.Subject,
			"Total": m.Items, "Overdue": overdue, "Soon": soon, "Drafts": drafts, "Alerts": alerts, "Avail": d.Availability,
			"Verdict": d.Verdict, "Coverage": d.Coverage}
		if m.Text, err = render(sumText, data); err != nil {
			return out, err
		}
		if m.HTML, err = renderHTML(sumHTML, data); err != nil {
			return out, err
		}
		out.List = append(out.List, m)
	}
	return out, nil
}

func render(t *template.Template, data any) (string, error) {
	var b strings.Builder
	if err := t.Execute(&b, data); err != nil {
		return "", fmt.Errorf("render %s: %w", t.Name(), err)
	}
	return b.String(), nil
}

func renderHTML(t *htmltemplate.Template, data any) (string, error) {
	var b strings.Builder
	if err := t.Execute(&b, data); err != nil {
		return "", fmt.Errorf("render %s: %w", t.Name(), err)
	}
	return b.String(), nil
}
