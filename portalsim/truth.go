package portalsim

import (
	"cmp"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/govaudit/govaudit/config"
)

// Truth is what the portal holds and the violations in it, as of
// Options.Today, under the semantics of docs/CHECKS.md (window start =
// 1 January of Today's year − 1), for a crawl without faults.
type Truth struct {
	Seed       int64          `json:"seed"`
	Today      string         `json:"today"`   // 2006-01-02
	Layouts    string         `json:"layouts"` // classic or varied
	Units      []TruthUnit    `json:"units"`
	Columns    []TruthColumn  `json:"columns"`
	Items      []TruthItem    `json:"items"`
	Letters    []TruthLetter  `json:"letters"`
	Mailboxes  []TruthMailbox `json:"mailboxes"`
	Violations []Violation    `json:"violations"`
}

// TruthUnit is a unit of the portal.
type TruthUnit struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Family  string `json:"family"`  // gongkai, hanweb or trs
	Charset string `json:"charset"` // utf-8, gbk or gb18030: the bytes sent
	// Declared says where the charset is declared: "header" (and in the
	// page), "meta" (only in the page) or "wrong" (UTF-8 is declared, GBK
	// sent: Faults.WrongCharsetUnits).
	Declared string `json:"declared"`
	Catalog  string `json:"catalog"` // URL of the catalog page
	District bool   `json:"district,omitempty"`
	// Layout is how the unit's pages are laid out.
	Layout TruthLayout `json:"layout"`
}

// TruthColumn is a channel of a unit's catalog.
type TruthColumn struct {
	ID      string `json:"id"` // <unit id>/<column name>
	Unit    string `json:"unit"`
	Name    string `json:"name"`
	URL     string `json:"url"` // the first list page
	Kind    string `json:"kind"`
	Key     bool   `json:"key"`
	Cadence string `json:"cadence"`
	Items   int    `json:"items"`
	Blank   bool   `json:"blank"`
	Pages   int    `json:"pages"` // list pages (hanweb: pages of 15 records)
}

// TruthItem is one document.
type TruthItem struct {
	URL         string   `json:"url"`
	Unit        string   `json:"unit"`
	Column      string   `json:"column"`
	Title       string   `json:"title"`
	Published   string   `json:"published"`         // 2006-01-02
	Written     string   `json:"written,omitempty"` // empty: no 成文日期 on the page
	DocNo       string   `json:"doc_no,omitempty"`  // 文号; empty for 无文号
	Attachments []string `json:"attachments,omitempty"`
	Broken      []string `json:"broken,omitempty"` // attachments that do not download
	// Missing are attachment names the body gives that no link matches.
	Missing  []string `json:"missing,omitempty"`
	DeadLink string   `json:"dead_link,omitempty"` // a link on the page to a missing page
}

// TruthLetter is one mailbox letter.
type TruthLetter struct {
	URL      string `json:"url"`
	Mailbox  string `json:"mailbox"`
	Received string `json:"received"`          // 2006-01-02 15:04
	Replied  string `json:"replied,omitempty"` // 2006-01-02 15:04; empty when unanswered
	Status   string `json:"status"`
}

// TruthMailbox is a letter box.
type TruthMailbox struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Unit string `json:"unit"`
	URL  string `json:"url"`  // the first list page
	Form string `json:"form"` // table or script
	// Columns are the list's column headers, in order.
	Columns []string `json:"columns"`
	Letters int      `json:"letters"`
}

// Violation is one finding a correct audit raises.
type Violation struct {
	Check   string `json:"check"`   // the check id, see docs/CHECKS.md
	Subject string `json:"subject"` // exactly the subject the check uses
	Unit    string `json:"unit"`
	Column  string `json:"column,omitempty"`
	// URL is the page the finding is about: the item (also for its
	// attachments and links), the letter, or the column's first list page.
	URL     string `json:"url,omitempty"`
	Quarter string `json:"quarter"`
}

// WriteFile writes t as indented JSON to path (atomically).
func (t Truth) WriteFile(path string) error {
	b, err := json.MarshalIndent(t, "", "  ")
	if err != nil {
		return fmt.Errorf("encode truth: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".truth-*.json")
	if err != nil {
		return fmt.Errorf("write truth %s: %w", path, err)
	}
	_, err = tmp.Write(append(b, '\n'))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("write truth %s: %w", path, err)
	}
	return nil
}

// Count returns the number of violations of check.
func (t Truth) Count(check string) int {
	n := 0
	for _, v := range t.Violations {
		if v.Check == check {
			n++
		}
	}
	return n
}

// Check ids of docs/CHECKS.md.
const (
	CheckTimeliness        = "timeliness"
	CheckBackdated         = "backdated"
	CheckKeyColumnEmpty    = "key-column-empty"
	CheckBlankColumn       = "blank-column"
	CheckMissingAttachment = "missing-attachment"
	CheckBrokenAttachment  = "broken-attachment"
	CheckMailboxReply      = "mailbox-reply"
	CheckPeriodicGap       = "periodic-gap"
	CheckAnnualReport      = "annual-report"
	CheckStaleColumn       = "stale-column"
	CheckBrokenLink        = "broken-link"
)

// Checks lists every check id.
var Checks = []string{CheckTimeliness, CheckBackdated, CheckKeyColumnEmpty, CheckBlankColumn,
	CheckMissingAttachment, CheckBrokenAttachment, CheckMailboxReply, CheckPeriodicGap,
	CheckAnnualReport, CheckStaleColumn, CheckBrokenLink}

// trimBase removes a trailing slash from a base URL.
func trimBase(base string) string { return strings.TrimRight(base, "/") }

// Truth returns the ground truth for the portal served at baseURL (e.g.
// "http://127.0.0.1:8080"); every URL in it is absolute.
func (s *Sim) Truth(baseURL string) Truth {
	t, _ := s.truth(baseURL)
	return t
}

// truth computes the truth and lists the borderline cases found in the
// data (there must be none: the generator keeps wide margins).
func (s *Sim) truth(baseURL string) (Truth, []string) {
	base := trimBase(baseURL)
	ws, today := s.ws, s.today
	t := Truth{Seed: s.opt.Seed, Today: today.iso(), Layouts: string(s.opt.Layouts)}
	var problems []string
	problem := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	add := func(v Violation) { t.Violations = append(t.Violations, v) }
	inWindow := func(d day) bool { return d >= ws && d <= today }
	todayQ := quarterOf(today).String()

	for _, u := range s.units {
		declared, charset := "header", u.charset
		switch {
		case u.mislabeled:
			declared, charset = "wrong", "gbk"
		case u.metaOnly:
			declared = "meta"
		}
		t.Units = append(t.Units, TruthUnit{ID: u.id, Name: u.name, Family: u.fam.String(), Charset: charset,
			Declared: declared, Catalog: base + u.catalogPath(), District: u.district, Layout: u.lay.truth()})
		var annual []*column
		for _, c := range u.cols {
			cid := c.id()
			curl := base + c.listPath(1)
			t.Columns = append(t.Columns, TruthColumn{ID: cid, Unit: u.id, Name: c.spec.name, URL: curl,
				Kind: c.spec.kind, Key: c.key, Cadence: c.spec.cadence, Items: len(c.items), Blank: c.blank,
				Pages: c.pages()})
			colV := func(check, subject, q string) {
				add(Violation{Check: check, Subject: subject, Unit: u.id, Column: cid, URL: curl, Quarter: q})
			}
			if len(c.items) == 0 {
				colV(CheckBlankColumn, cid, todayQ)
			}
			if c.key {
				for q := quarterOf(ws); q.end() < today; q = q.next() {
					if !slices.ContainsFunc(c.items, func(it *item) bool { return quarterOf(it.pub) == q }) {
						colV(CheckKeyColumnEmpty, cid+":"+q.String(), q.String())
					}
				}
			}
			if limit := staleLimit(c.spec.kind); limit > 0 && len(c.items) > 0 {
				age := int(today - c.items[0].pub)
				if age > limit {
					colV(CheckStaleColumn, cid, todayQ)
				}
				if age > limit-5 && age < limit+10 {
					problem("stale borderline: %s newest %d days old", cid, age)
				}
			}
			if c.spec.cadence != config.CadenceNone {
				s.periodTruth(c, func(subject string, q quarter) { colV(CheckPeriodicGap, cid+":"+subject, q.String()) }, problem)
			}
			if c.spec.kind == config.KindAnnualReport {
				annual = append(annual, c)
			}
			for _, it := range c.items {
				iurl := base + it.path()
				ti := TruthItem{URL: iurl, Unit: u.id, Column: cid, Title: it.title, Published: it.pub.iso(), Missing: it.missing}
				if it.written != 0 {
					ti.Written = it.written.iso()
				}
				if it.docNo != "无文号" {
					ti.DocNo = it.docNo
				}
				for _, a := range it.atts {
					ti.Attachments = append(ti.Attachments, base+a.path())
					if a.mode != attOK {
						ti.Broken = append(ti.Broken, base+a.path())
					}
				}
				if it.brokenLink {
					ti.DeadLink = base + it.deadLink()
				}
				t.Items = append(t.Items, ti)
				if !inWindow(it.pub) {
					continue
				}
				q := quarterOf(it.pub).String()
				itemV := func(check, subject string) {
					add(Violation{Check: check, Subject: subject, Unit: u.id, Column: cid, URL: iurl, Quarter: q})
				}
				if it.written != 0 {
					delta := int(it.pub - it.written)
					switch {
					case delta >= 45:
						itemV(CheckTimeliness, iurl)
						if it.written < ws {
							problem("late item written before the window: %s", iurl)
						}
					case delta > 10:
						problem("timeliness borderline: %s %d days", iurl, delta)
					case delta < 0:
						itemV(CheckBackdated, iurl)
					}
				}
				if requiresAttachment(c.spec.kind) && (len(it.atts) == 0 || len(it.missing) > 0) {
					itemV(CheckMissingAttachment, iurl)
				}
				for _, a := range it.atts {
					if a.mode != attOK {
						itemV(CheckBrokenAttachment, base+a.path())
					}
				}
				if it.brokenLink {
					itemV(CheckBrokenLink, iurl+" -> "+base+it.deadLink())
				}
				s.privacyTruth(it, iurl, base, itemV) // privacy.go
			}
		}
		if len(annual) > 0 {
			s.annualTruth(u, annual, base, add, problem)
		}
	}
	s.contentTruth(base, add, problem)
	for _, mb := range s.mailboxes {
		form := "table"
		if mb.script {
			form = "script"
		}
		t.Mailboxes = append(t.Mailboxes, TruthMailbox{ID: mb.id, Name: mb.name, Unit: mb.owner.id,
			URL: base + mb.dir(), Form: form, Columns: mailOrders[mb.order], Letters: len(mb.letters)})
		for _, l := range mb.letters {
			lurl := base + l.path()
			tl := TruthLetter{URL: lurl, Mailbox: mb.id, Received: l.recv.format(fmtDateTime, l.recvMin), Status: l.status}
			if l.replied != 0 {
				tl.Replied = l.replied.format(fmtDateTime, l.repMin)
			}
			t.Letters = append(t.Letters, tl)
			if !inWindow(l.recv) {
				continue
			}
			late := false
			if l.replied != 0 {
				d := int(l.replied - l.recv)
				late = d >= 20
				if d > 3 && d < 20 {
					problem("reply borderline: %s %d days", lurl, d)
				}
			} else {
				age := int(today - l.recv)
				late = age >= 20
				if age > 2 && age < 20 {
					problem("unanswered borderline: %s %d days", lurl, age)
				}
			}
			if late {
				add(Violation{Check: CheckMailboxReply, Subject: lurl, Unit: mb.owner.id, URL: lurl, Quarter: quarterOf(l.recv).String()})
			}
		}
	}
	slices.SortFunc(t.Violations, func(a, b Violation) int {
		return cmp.Or(strings.Compare(a.Check, b.Check), strings.Compare(a.Subject, b.Subject))
	})
	return t, problems
}

// periodNames lists the ways a title may name a period (docs/CHECKS.md).
func periodNames(cadence string, y, sub int) []string {
	switch cadence {
	case config.CadenceMonthly:
		return []string{fmt.Sprintf("%d年%d月", y, sub), fmt.Sprintf("%d年%02d月", y, sub)}
	case config.CadenceQuarterly:
		return []string{fmt.Sprintf("%d年第%s季度", y, cnQuarter[sub]), fmt.Sprintf("%d年%s季度", y, cnQuarter[sub]),
			fmt.Sprintf("%d年%d季度", y, sub)}
	default:
		return []string{fmt.Sprintf("%d年", y)}
	}
}

// firstCovering returns the earliest publication date of the items whose
// title contains one of names, and whether there is one.
func firstCovering(items []*item, match func(title string) bool) (day, bool) {
	var first day
	found := false
	for _, it := range items {
		if match(it.title) && (!found || it.pub < first) {
			first, found = it.pub, true
		}
	}
	return first, found
}

// periodTruth applies the periodic-gap check to column c.
func (s *Sim) periodTruth(c *column, add func(subject string, q quarter), problem func(string, ...any)) {
	ws, today := s.ws, s.today
	dd := defaultDeadlineDays(c.spec.cadence)
	type period struct {
		subject string
		names   []string
		end     day
	}
	var periods []period
	for y := ws.year() - 1; y <= today.year(); y++ {
		switch c.spec.cadence {
		case config.CadenceMonthly:
			for m := 1; m <= 12; m++ {
				periods = append(periods, period{fmt.Sprintf("%d-%02d", y, m), periodNames(c.spec.cadence, y, m), monthEnd(y, time.Month(m))})
			}
		case config.CadenceQuarterly:
			for q := 1; q <= 4; q++ {
				periods = append(periods, period{fmt.Sprintf("%dQ%d", y, q), periodNames(c.spec.cadence, y, q), quarter{y, q}.end()})
			}
		default:
			periods = append(periods, period{fmt.Sprint(y), periodNames(c.spec.cadence, y, 0), mkday(y, 12, 31)})
		}
	}
	for _, p := range periods {
		dl := p.end + day(dd)
		first, found := firstCovering(c.items, func(title string) bool {
			return slices.ContainsFunc(p.names, func(n string) bool { return strings.Contains(title, n) })
		})
		if dl >= today-3 && dl <= today+3 && (!found || first > dl) {
			problem("period borderline: %s %s deadline %s near today", c.id(), p.subject, dl.iso())
		}
		if found && first > dl && first < dl+10 {
			problem("period borderline: %s %s published %s, deadline %s", c.id(), p.subject, first.iso(), dl.iso())
		}
		if dl < ws || dl >= today {
			continue
		}
		if !found || first > dl {
			add(p.subject, quarterOf(dl))
		}
	}
}

// annualTruth applies the annual-report check to unit u.
func (s *Sim) annualTruth(u *unit, cols []*column, base string, add func(Violation), problem func(string, ...any)) {
	ws, today := s.ws, s.today
	var items []*item
	for _, c := range cols {
		items = append(items, c.items...)
	}
	for y := ws.year() - 1; y <= today.year(); y++ {
		dl := annualDeadline(u, y)
		yr := fmt.Sprintf("%d年", y)
		first, found := firstCovering(items, func(title string) bool {
			return strings.Contains(title, yr) && strings.Contains(title, "年度报告")
		})
		if dl >= today-3 && dl <= today+3 && (!found || first > dl) {
			problem("annual borderline: %s %d deadline %s near today", u.id, y, dl.iso())
		}
		if found && first > dl-6 && first < dl+15 {
			problem("annual borderline: %s %d published %s, deadline %s", u.id, y, first.iso(), dl.iso())
		}
		if dl < ws || dl >= today {
			continue
		}
		if !found || first > dl {
			add(Violation{Check: CheckAnnualReport, Subject: fmt.Sprintf("%s:%d", u.id, y), Unit: u.id,
				Column: cols[0].id(), URL: base + cols[0].listPath(1), Quarter: quarterOf(dl).String()})
		}
	}
}
