package rules

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/govaudit/govaudit/config"
	"github.com/govaudit/govaudit/store"
)

// TestRectification follows findings through a real store: checked,
// confirmed, listed by a notice, re-examined before and after the
// deadline, listed again, and escalated.
func TestRectification(t *testing.T) {
	ctx := context.Background()
	cfg := testConfig()
	on := true
	cfg.Rules.Since = "2025-01-01"
	cfg = onlyCheck(cfg, MissingAttachment)
	cfg.Rules.Checks[Rectification] = config.Check{Enabled: &on}
	cfg.Rules.Checks[Timeliness] = config.Check{Enabled: &on}
	cal := testCal(t)
	st := openTestStore(t)
	const (
		a = "http://p/u1/policy/a.html" // never fixed
		b = "http://p/u1/policy/b.html" // fixed well before the deadline
		c = "http://p/u1/policy/c.html" // never fixed, listed twice: 拒不整改
		d = "http://p/u1/policy/d.html" // trap: fixed one day before the deadline
		l = "http://p/u1/policy/l.html" // late publication: not rectifiable
	)
	mk := func(url string, att bool) store.Item {
		x := it(colPolicy, url, "关于印发某办法的通知", "2025-09-01", "2025-08-29")
		if url == l {
			x.Written = "2025-06-02"
		}
		if att {
			x.Attachments = []store.Attachment{{URL: url + ".pdf", Name: "办法.pdf", Type: "pdf", Status: 200, Checked: true}}
		}
		return x
	}
	crawl := func(fixed ...string) {
		var items []store.Item
		for _, u := range []string{a, b, c, d, l} {
			items = append(items, mk(u, u == l || strings.Contains(strings.Join(fixed, " "), u)))
		}
		in := Input{Items: items, Sources: audited(cfg, nil)}
		writeInput(t, st, in)
	}
	check := func(asOf string) Report {
		t.Helper()
		rep, err := Check(ctx, cfg, st, cal, day(t, asOf))
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	confirm := func(rule, subject string) store.Finding {
		t.Helper()
		f, err := st.Decide(store.FindingID(rule, subject), store.Action{Kind: "confirm", By: "张科长", At: time.Now()})
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	entries := func() map[string]store.NoticeEntry {
		t.Helper()
		es, err := st.NoticeEntries()
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]store.NoticeEntry{}
		for _, e := range es {
			m[e.Subject+" "+e.Notice] = e
		}
		return m
	}

	crawl()
	check("2025-10-08")
	var listed []store.Finding
	for _, u := range []string{a, b, c, d} {
		listed = append(listed, confirm(MissingAttachment, u))
	}
	listed = append(listed, confirm(Timeliness, l))
	var notice []store.Finding
	for _, f := range listed {
		if Rectifiable(f.Rule) {
			notice = append(notice, f)
		}
	}
	if len(notice) != 4 {
		t.Fatalf("%d rectifiable of %d", len(notice), len(listed))
	}
	due, err := RectifyDeadline(cfg, cal, day(t, "2025-10-09"))
	if err != nil || due.Format(dateLayout) != "2025-10-22" {
		t.Fatalf("deadline %v %v, want 2025-10-22 (10 working days, 11 October a make-up day)", due, err)
	}
	if n, err := st.RecordNotice("2025Q3", day(t, "2025-10-09"), "2025-10-22", notice); err != nil || n != 4 {
		t.Fatalf("record notice: %d %v", n, err)
	}
	if n, _ := st.RecordNotice("2025Q3", day(t, "2025-10-09"), "2025-10-22", notice); n != 0 {
		t.Errorf("recording the notice again added %d", n)
	}

	// b fixed early; the next checks see it gone.
	crawl(b)
	check("2025-10-14")
	// d fixed on 21 October, the day before the deadline.
	crawl(b, d)
	rep := check("2025-10-21")
	if sumOf(rep, Rectification).Findings != 0 {
		t.Errorf("rectification findings before the deadline: %+v", sumOf(rep, Rectification))
	}
	es := entries()
	if e := es[b+" 2025Q3"]; e.State != store.RectifyFixed || e.Rectified != "2025-10-14" {
		t.Errorf("b: %+v", e)
	}
	if e := es[d+" 2025Q3"]; e.State != store.RectifyFixed || e.Rectified != "2025-10-21" {
		t.Errorf("d: %+v", e)
	}
	if e := es[a+" 2025Q3"]; e.State != store.RectifyPending {
		t.Errorf("a: %+v", e)
	}

	// After the deadline: a and c are rectification findings.
	rep = check("2025-10-23")
	if s := sumOf(rep, Rectification); s.Findings != 2 || s.Examined != 4 {
		t.Errorf("rectification summary after the deadline: %+v", s)
	}
	rf, _, err := st.Findings(store.Filter{Rule: Rectification})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]store.Finding{}
	for _, f := range rf {
		got[f.Subject] = f
	}
	idA, idC := store.FindingID(MissingAttachment, a), store.FindingID(MissingAttachment, c)
	sameSubjects(t, got, idA, idC)
	if f := got[idA]; f.Points != 2 || f.Quarter != "2025Q4" || f.Unit != "u1" || !strings.Contains(f.Evidence.Text, "未按期整改") {
		t.Errorf("rectification of a: %+v", f)
	}
	es = entries()
	if e := es[a+" 2025Q3"]; e.State != store.RectifyOverdue {
		t.Errorf("a after the deadline: %+v", e)
	}
	if e := es[d+" 2025Q3"]; e.State != store.RectifyFixed || e.Rectified != "2025-10-21" {
		t.Errorf("d after the deadline: %+v", e)
	}

	// The next notice lists c's rectification finding; c is still not
	// fixed after its deadline: 拒不整改, double points.
	rc := confirm(Rectification, idC)
	due2, _ := RectifyDeadline(cfg, cal, day(t, "2026-01-08"))
	if _, err := st.RecordNotice("2025Q4", day(t, "2026-01-08"), due2.Format(dateLayout), []store.Finding{rc}); err != nil {
		t.Fatal(err)
	}
	// a is fixed late, after the first deadline.
	crawl(a, b, d)
	check("2026-01-09")
	if e := entries()[a+" 2025Q3"]; e.State != store.RectifyLate || e.Rectified != "2026-01-09" {
		t.Errorf("a fixed late: %+v", e)
	}
	check(due2.AddDate(0, 0, 1).Format(dateLayout))
	esc, err := st.Finding(store.FindingID(Rectification, idC+":2025Q4"))
	if err != nil {
		t.Fatal(err)
	}
	if esc.Points != 4 || !strings.Contains(esc.Evidence.Text, "拒不整改") || !strings.Contains(esc.Evidence.Text, "2025Q3、2025Q4") {
		t.Errorf("escalation: %+v", esc)
	}
	if f, _ := st.Finding(store.FindingID(Rectification, idA)); f.Status != store.StatusResolved {
		t.Errorf("a's rectification draft after the fix: %s", f.Status)
	}
}

func sumOf(rep Report, id string) Summary {
	for _, c := range rep.Checks {
		if c.ID == id {
			return c
		}
	}
	return Summary{}
}
