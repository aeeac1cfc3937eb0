package jobs

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/govaudit/govaudit/config"
	"github.com/govaudit/govaudit/store"
)

var cst = time.FixedZone("CST", 8*3600)

func TestLastEndedQuarter(t *testing.T) {
	for day, want := range map[string]string{"2026-01-01": "2025Q4", "2026-03-31": "2025Q4", "2026-04-01": "2026Q1", "2026-12-05": "2026Q3"} {
		d, _ := time.ParseInLocation("2006-01-02", day, cst)
		if got := LastEndedQuarter(d).String(); got != want {
			t.Errorf("LastEndedQuarter(%s) = %s, want %s", day, got, want)
		}
	}
}

func TestColumnNames(t *testing.T) {
	cfg := &config.Config{
		Columns:   []config.Column{{Unit: "u1", Name: " 政策文件 "}, {ID: "c2", Unit: "u1", Name: "通知公告"}},
		Mailboxes: []config.Mailbox{{ID: "u1-xx", Name: "区长信箱"}},
	}
	m := ColumnNames(cfg)
	if m["u1/ 政策文件 "] != "政策文件" || m["c2"] != "通知公告" || m["u1-xx"] != "区长信箱" {
		t.Errorf("ColumnNames = %v", m)
	}
}

// TestBaseline: the configured date, else the start of the quarter of the
// first detection, else none.
func TestBaseline(t *testing.T) {
	st, err := store.Open(filepath.Join(t.TempDir(), "s.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	cfg := &config.Config{}
	if b, err := Baseline(cfg, st); err != nil || !b.IsZero() {
		t.Errorf("empty store: %v %v", b, err)
	}
	at := time.Date(2026, 11, 20, 2, 0, 0, 0, cst)
	if _, err := st.SyncFindings(store.SyncRequest{Rules: []string{"timeliness"}, Now: at, Found: []store.Finding{
		{Rule: "timeliness", Subject: "http://x/1", Unit: "u1", Quarter: "2025Q1", Points: 1, Scoring: true}}}); err != nil {
		t.Fatal(err)
	}
	b, err := Baseline(cfg, st)
	if err != nil || b.Format("2006-01-02") != "2026-10-01" {
		t.Errorf("default baseline %v %v, want 2026-10-01", b, err)
	}
	cfg.Rules.Baseline = "2025-07-01"
	if b, err := Baseline(cfg, st); err != nil || b.Format("2006-01-02") != "2025-07-01" {
		t.Errorf("configured baseline %v %v", b, err)
	}
}
