package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/govaudit/govaudit/store"
)

// TestCompactCommand restores a backup (which keeps its page bodies in the
// file) and compacts it: the bodies move to the packs beside it, and the
// store verifies and reads as before.
func TestCompactCommand(t *testing.T) {
	_, dbPath := seedVerifyStore(t)
	body := []byte("<html><body><h1>关于甲的通知</h1><p>正文</p></body></html>")
	h := store.SnapshotHash(body)
	st, err := store.Open(dbPath, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Write(&store.Batch{Snapshots: map[string][]byte{h: body}}); err != nil {
		t.Fatal(err)
	}
	st.Close()

	restored := filepath.Join(t.TempDir(), "restored.db")
	if code, _, stderr := run(t, "backup", "--db", dbPath, restored); code != 0 {
		t.Fatalf("backup: exit %d\n%s", code, stderr)
	}
	if _, err := os.Stat(store.PackDir(restored)); !os.IsNotExist(err) {
		t.Fatalf("a backup has a pack directory: %v", err)
	}
	code, stdout, stderr := run(t, "compact", "--db", restored)
	if code != 0 || !strings.Contains(stdout, "压缩完成") || !strings.Contains(stdout, "1 项") {
		t.Fatalf("compact: exit %d, stdout %q\n%s", code, stdout, stderr)
	}
	if _, err := os.Stat(store.PackDir(restored)); err != nil {
		t.Errorf("no pack directory after compaction: %v", err)
	}
	if code, stdout, stderr := run(t, "verify", "--db", restored); code != 0 || !strings.HasPrefix(stdout, "store OK") {
		t.Errorf("verify after compaction: exit %d, %q\n%s", code, stdout, stderr)
	}
	st, err = store.Open(restored, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	got, err := st.Snapshot(h)
	st.Close()
	if err != nil || string(got) != string(body) {
		t.Errorf("page body after compaction: %q, %v", got, err)
	}

	// A store held by another open is refused with what to do.
	st, err = store.Open(restored, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if code, _, stderr := run(t, "compact", "--db", restored); code != 1 || !strings.Contains(stderr, "stop the daemon") {
		t.Errorf("compact of a held store: exit %d, want 1 and a hint\n%s", code, stderr)
	}
	if code, _, stderr := run(t, "compact", "--db", restored, "extra"); code != 2 {
		t.Errorf("compact with an argument: exit %d, want 2\n%s", code, stderr)
	}
}
