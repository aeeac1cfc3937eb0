package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/govaudit/govaudit/store"
)

// seedVerifyStore writes a configuration and a sound store with one
// finding and two items; it returns both paths.
func seedVerifyStore(t *testing.T) (cfgPath, dbPath string) {
	t.Helper()
	dir := t.TempDir()
	cfgPath = writeTestConfig(t, dir, "verify.db")
	dbPath = filepath.Join(dir, "verify.db")
	st, err := store.Open(dbPath, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.FixedZone("CST", 8*3600))
	f := store.Finding{Rule: "timeliness", Subject: "http://portal.test/a.html", Unit: "u1", Quarter: "2026Q4", Points: 1}
	if _, err := st.SyncFindings(store.SyncRequest{Rules: []string{"timeliness"}, Found: []store.Finding{f}, Now: now}); err != nil {
		t.Fatal(err)
	}
	b := &store.Batch{Items: []store.Item{
		{URL: "http://portal.test/a.html", Unit: "u1", Column: "c1", Title: "关于甲的通知", FetchedAt: now},
		{URL: "http://portal.test/b.html", Unit: "u1", Column: "c1", Title: "关于乙的通知", FetchedAt: now},
	}}
	if err := st.Write(b); err != nil {
		t.Fatal(err)
	}
	return cfgPath, dbPath
}

func TestVerifyCommand(t *testing.T) {
	cfgPath, dbPath := seedVerifyStore(t)
	const ok = "store OK: 1 findings, 1 events, 2 items\n"
	for _, args := range [][]string{{"--db", dbPath}, {"--config", cfgPath}} {
		code, stdout, stderr := run(t, append([]string{"verify"}, args...)...)
		if code != 0 || stdout != ok {
			t.Errorf("verify %v: exit %d, stdout %q, want 0 and %q\n%s", args, code, stdout, ok, stderr)
		}
	}

	// Usage and missing files.
	if code, _, stderr := run(t, "verify", "--db", dbPath, "extra"); code != 2 {
		t.Errorf("verify with an argument: exit %d, want 2\n%s", code, stderr)
	}
	missing := filepath.Join(t.TempDir(), "missing.db")
	if code, _, stderr := run(t, "verify", "--db", missing); code != 1 || !strings.Contains(stderr, missing) {
		t.Errorf("verify of a missing file: exit %d, want 1 and the file named\n%s", code, stderr)
	}

	// A store held by another open is reported with a hint.
	st, err := store.Open(dbPath, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	code, _, stderr := run(t, "verify", "--db", dbPath)
	if code != 1 || !strings.Contains(stderr, "govaudit backup FILE") {
		t.Errorf("verify of a held store: exit %d, want 1 and the backup hint\n%s", code, stderr)
	}

	// An event of no finding: the problem is printed, exit 1.
	err = st.AddEvent(store.Event{Subject: "tim-0000000000", At: time.Now(), By: "张三", Action: store.DecideConfirm})
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := run(t, "verify", "--db", dbPath)
	if code != 1 || stdout != "" || !strings.Contains(stderr, dbPath) || !strings.Contains(stderr, `"tim-0000000000", which is no finding or adjustment`) {
		t.Errorf("verify of a damaged store: exit %d, stdout %q, want 1 and the problem on stderr\n%s", code, stdout, stderr)
	}
}
