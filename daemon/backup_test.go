package daemon

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/govaudit/govaudit/store"
)

// fillPage is the page body fill stores.
const fillPage = "<html><body><h1>关于印发工作要点的通知</h1><p>正文</p></body></html>"

// fill gives a store findings in every status, runs and events, and a
// page body with its article text.
func fill(t *testing.T, st *store.Store) {
	t.Helper()
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, Location())
	var found []store.Finding
	for i := range 30 {
		subj := fmt.Sprintf("http://portal.test/doc%d.html", i)
		found = append(found, store.Finding{ID: store.FindingID("timeliness", subj), Rule: "timeliness", Subject: subj,
			Unit: "lzqfgj", Quarter: "2026Q4", Points: 0.5, Evidence: store.Evidence{Text: "发布日期晚于成文日期 25 个工作日"}})
	}
	if _, err := st.SyncFindings(store.SyncRequest{Rules: []string{"timeliness"}, Found: found, Now: now}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Decide(found[0].ID, store.Action{Kind: "confirm", By: "张三", At: now}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Decide(found[1].ID, store.Action{Kind: "dismiss", By: "张三", Reason: "已更正", At: now}); err != nil {
		t.Fatal(err)
	}
	// A page body, which the store keeps in its packs and a backup inlines.
	h := store.SnapshotHash([]byte(fillPage))
	err := st.Write(&store.Batch{Snapshots: map[string][]byte{h: []byte(fillPage)},
		Texts: map[string][]byte{h: store.CompressText([]byte("关于印发工作要点的通知"))}})
	if err != nil {
		t.Fatal(err)
	}
	r, _ := st.StartRun(JobNightly, now)
	r.Status, r.EndedAt, r.Pages = store.RunOK, now.Add(time.Minute), 1234
	if err := st.SaveRun(r); err != nil {
		t.Fatal(err)
	}
}

// findingsJSON returns every finding of the store at path with its
// history, as JSON, to compare two stores.
func findingsJSON(t *testing.T, path string) string {
	t.Helper()
	st, err := store.Open(path, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	return dump(t, st)
}

func dump(t *testing.T, st *store.Store) string {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	n := 0
	err := st.EachFinding(func(f store.Finding) error {
		n++
		h, err := st.History(f.ID)
		if err != nil {
			return err
		}
		return enc.Encode(struct {
			F store.Finding
			H []store.Event
		}{f, h})
	})
	if err != nil {
		t.Fatal(err)
	}
	runs, _ := st.Runs("", 10)
	enc.Encode(runs)
	h := store.SnapshotHash([]byte(fillPage))
	body, err := st.Snapshot(h)
	if err != nil || string(body) != fillPage {
		t.Fatalf("page body = %q, %v", body, err)
	}
	text, err := st.Text(h)
	if err != nil {
		t.Fatal(err)
	}
	enc.Encode([]string{string(body), string(text)})
	if n != 30 {
		t.Fatalf("%d findings, want 30", n)
	}
	return b.String()
}

// filledStore opens a new store in a temporary directory and fills it;
// the caller closes it.
func filledStore(t *testing.T) (dir, path string, st *store.Store) {
	t.Helper()
	dir = t.TempDir()
	path = filepath.Join(dir, "govaudit.db")
	st, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	fill(t, st)
	return dir, path, st
}

func TestBackupOfAClosedStore(t *testing.T) {
	dir, path, st := filledStore(t)
	want := dump(t, st)
	st.Close()

	dst := filepath.Join(dir, "backup", "copy.db")
	os.Mkdir(filepath.Dir(dst), 0o700)
	os.WriteFile(dst, []byte("an older backup"), 0o600) // replaced atomically
	n, err := Backup(context.Background(), path, "", dst, nil)
	if err != nil || n == 0 {
		t.Fatalf("Backup = %d, %v", n, err)
	}
	if fi, _ := os.Stat(dst); fi.Size() != n {
		t.Errorf("copy is %d bytes, Backup said %d", fi.Size(), n)
	}
	if got := findingsJSON(t, dst); got != want {
		t.Errorf("the copy differs:\n%s\nwant\n%s", got, want)
	}
	for _, pattern := range []string{".*.tmp", ".*backup-*"} {
		for _, d := range []string{dir, filepath.Join(dir, "backup")} {
			if left, _ := filepath.Glob(filepath.Join(d, pattern)); len(left) != 0 {
				t.Errorf("temporary files left: %v", left)
			}
		}
	}
	if _, err := os.Stat(store.PackDir(dst)); !os.IsNotExist(err) {
		t.Errorf("the backup has a pack directory (%v): it must be one file", err)
	}
	if _, err := Backup(context.Background(), path, "", path, nil); err == nil || !strings.Contains(err.Error(), "overwrite the store") {
		t.Errorf("backup onto the store itself: %v", err)
	}
	var out bytes.Buffer
	if n2, err := Backup(context.Background(), path, "", "-", &out); err != nil || n2 != n || int64(out.Len()) != n {
		t.Errorf("backup to stdout: %d bytes (%d written), %v", n2, out.Len(), err)
	}
}

// TestBackupRefusesADamagedCopy backs up a store whose audit trail holds
// an event of no finding: the copy fails the store's verification, and the
// previous backup stays in place.
func TestBackupRefusesADamagedCopy(t *testing.T) {
	dir, path, st := filledStore(t)
	orphan := store.Event{Subject: "tim-0000000000", At: time.Date(2026, 11, 27, 11, 0, 0, 0, Location()), By: "张三", Action: "confirm"}
	if err := st.AddEvent(orphan); err != nil {
		t.Fatal(err)
	}
	st.Close()
	if err := Verify(path); !errors.Is(err, store.ErrCorrupt) || !strings.Contains(err.Error(), "no finding or adjustment") {
		t.Fatalf("Verify of the store = %v, want the orphan event reported", err)
	}
	dst := filepath.Join(dir, "copy.db")
	os.WriteFile(dst, []byte("an older backup"), 0o600)
	_, err := Backup(context.Background(), path, "", dst, nil)
	if err == nil || !strings.Contains(err.Error(), "fails verification") || !strings.Contains(err.Error(), "tim-0000000000") {
		t.Errorf("Backup of a damaged store = %v, want a verification error naming the event", err)
	}
	if got, _ := os.ReadFile(dst); string(got) != "an older backup" {
		t.Errorf("the older backup was replaced: %.40q", got)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*.tmp")); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

func TestBackupWhileTheDaemonRuns(t *testing.T) {
	dir, path, st := filledStore(t)
	defer st.Close()
	want := dump(t, st)

	// A daemon holds the store and serves the backup on its socket.
	h := start(t, context.Background(), Options{Config: testConfig("0 2 * * *"), Store: st, AdminSocket: BackupSocket(path)})
	eventually(t, 3*time.Second, "the admin socket", func() bool {
		_, err := os.Stat(BackupSocket(path))
		return err == nil
	})
	if fi, _ := os.Stat(BackupSocket(path)); fi.Mode().Perm() != 0o600 {
		t.Errorf("socket mode %v, want 0600", fi.Mode().Perm())
	}
	dst := filepath.Join(dir, "copy.db")
	n, err := Backup(context.Background(), path, "", dst, nil)
	if err != nil || n == 0 {
		t.Fatalf("Backup while the daemon runs = %d, %v", n, err)
	}
	if got := findingsJSON(t, dst); got != want {
		t.Errorf("the copy differs from the live store")
	}
	if !strings.Contains(h.logs.String(), "backup copied over the admin socket") {
		t.Error("no log line for the backup")
	}
	if err := h.wait(t); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(BackupSocket(path)); !os.IsNotExist(err) {
		t.Errorf("socket left after the daemon stopped: %v", err)
	}

	// Held by a process without a socket (a nightly run): a clear refusal.
	_, err = Backup(context.Background(), path, "", filepath.Join(dir, "copy2.db"), nil)
	if err == nil || !strings.Contains(err.Error(), "another govaudit run holds") {
		t.Errorf("Backup of a store held without a socket = %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "copy2.db")); !os.IsNotExist(err) {
		t.Error("a failed backup left a file")
	}
}
