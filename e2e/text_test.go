package e2e

import (
	"context"
	"sort"
	"testing"

	"github.com/govaudit/govaudit/crawler"
	"github.com/govaudit/govaudit/portalsim"
	"github.com/govaudit/govaudit/rules"
)

// TestStoredTextsJudgeLikeSnapshots: the article texts the crawler
// stores with the pages give the content checks (wording,
// interpretation, validity) exactly what reading the snapshots gives,
// and with them the checks read no snapshot.
func TestStoredTextsJudgeLikeSnapshots(t *testing.T) {
	// With the documents of the content checks' violations.
	opt := options(today, portalsim.Faults{})
	opt.Content = true
	e := newEnv(t, portalsim.Faults{})
	e.sim = newSim(t, opt)
	e.p.set(e.sim.Handler())
	e.cfg = testConfig(e.sim, e.p.srv.URL)
	if _, err := e.crawl(context.Background(), crawler.Options{}); err != nil {
		t.Fatal(err)
	}
	in, err := rules.LoadInput(context.Background(), e.cfg, e.st, e.cal)
	if err != nil {
		t.Fatal(err)
	}
	evaluate := func(withTexts bool) (findings []string, snapshots, texts int) {
		in := in
		snapshot, text := in.Snapshot, in.Text
		in.Snapshot = func(h string) ([]byte, error) { snapshots++; return snapshot(h) }
		in.Text = func(h string) ([]byte, error) { texts++; return text(h) }
		if !withTexts {
			in.Text = nil
		}
		res, err := rules.Evaluate(in, today)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range res.Findings {
			findings = append(findings, f.Rule+" "+f.Subject+" "+f.Evidence.Text)
		}
		sort.Strings(findings)
		return findings, snapshots, texts
	}
	stored, snapshots, texts := evaluate(true)
	read, snapshotsRead, _ := evaluate(false)
	if texts == 0 || snapshots != 0 {
		t.Errorf("with stored texts: %d texts and %d snapshots read, want texts only", texts, snapshots)
	}
	if snapshotsRead == 0 {
		t.Fatalf("without stored texts no snapshot was read: the content checks read nothing")
	}
	content := 0
	for _, f := range read {
		for _, id := range []string{rules.Wording, rules.Interpretation, rules.Validity} {
			if len(f) > len(id) && f[:len(id)+1] == id+" " {
				content++
			}
		}
	}
	if content == 0 {
		t.Errorf("no wording, interpretation or validity finding to compare: the portal has some")
	}
	if len(stored) != len(read) {
		t.Fatalf("%d findings from stored texts, %d from snapshots", len(stored), len(read))
	}
	for i := range stored {
		if stored[i] != read[i] {
			t.Errorf("stored texts: %s\nsnapshots:    %s", stored[i], read[i])
		}
	}
}
