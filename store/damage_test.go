package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// pristineStore writes a store with enough items, findings and runs to
// span many pages, closes it and returns its bytes and page size.
func pristineStore(t *testing.T) ([]byte, int) {
	t.Helper()
	s := openTemp(t)
	path := s.Path()
	var found []Finding
	for i := range 300 {
		found = append(found, mkFinding("timeliness", fmt.Sprintf("https://gov.test/f/%d", i), "u1", 1))
	}
	if _, err := s.SyncFindings(SyncRequest{Rules: []string{"timeliness"}, Found: found, Now: t0}); err != nil {
		t.Fatal(err)
	}
	var b Batch
	for i := range 2000 {
		b.Items = append(b.Items, Item{URL: fmt.Sprintf("https://gov.test/a/%d.html", i), Unit: "u1", Column: "c1",
			Title: strings.Repeat("关于印发工作要点的通知", 3), FetchedAt: t0})
	}
	if err := s.Write(&b); err != nil {
		t.Fatal(err)
	}
	if _, err := s.StartRun("crawl", t0); err != nil {
		t.Fatal(err)
	}
	s.Close()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data, int(binary.LittleEndian.Uint32(data[24:28]))
}

// readEverything opens path as the commands do and reads every kind of
// record, returning the first error.
func readEverything(path string, readOnly bool) (err error) {
	s, err := Open(path, Options{ReadOnly: readOnly})
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.EachItem(func(Item) error { return nil }); err != nil {
		return err
	}
	if _, _, err := s.Findings(Filter{}); err != nil {
		return err
	}
	if _, err := s.Runs("", 0); err != nil {
		return err
	}
	if _, err := s.Adjustments(AdjustmentFilter{}); err != nil {
		return err
	}
	return s.Verify()
}

// TestDamagedStores damages a store in the ways a disk, a full file system
// or a careless copy do, and reads it as every command would: each
// damage gives an error naming the file and pointing at the backups,
// never a panic or a fault (SIGBUS), and no store is created over it.
func TestDamagedStores(t *testing.T) {
	data, ps := pristineStore(t)
	pages := len(data) / ps
	if pages < 10 {
		t.Fatalf("the pristine store has only %d pages", pages)
	}
	tests := []struct {
		name   string
		damage func([]byte) []byte
		// mustFail: the damage hits pages in use, so some read fails.
		mustFail bool
	}{
		{"empty file", func([]byte) []byte { return nil }, true},
		{"truncated to 8 KiB", func(d []byte) []byte { return d[:8<<10] }, true},
		{"truncated to half", func(d []byte) []byte { return d[:len(d)/2/ps*ps] }, true},
		{"truncated mid-page", func(d []byte) []byte { return d[:len(d)-ps-100] }, false},
		{"zeroed middle", func(d []byte) []byte {
			clear(d[pages/3*ps : pages/2*ps])
			return d
		}, false},
		{"zeroed metas", func(d []byte) []byte {
			clear(d[:2*ps])
			return d
		}, true},
		{"flipped page flags", func(d []byte) []byte {
			for p := 2; p < pages; p++ {
				d[p*ps+8] ^= 0x1f
			}
			return d
		}, true},
		{"garbage root", func(d []byte) []byte {
			for p := 2; p < pages; p += 2 {
				for i := 16; i < ps; i += 7 {
					d[p*ps+i] = byte(i * 31)
				}
			}
			return d
		}, false},
	}
	for _, tt := range tests {
		for _, ro := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/readonly=%v", tt.name, ro), func(t *testing.T) {
				path := filepath.Join(t.TempDir(), "damaged.db")
				bad := tt.damage(append([]byte(nil), data...))
				if err := os.WriteFile(path, bad, 0o600); err != nil {
					t.Fatal(err)
				}
				err := readEverything(path, ro)
				if err == nil {
					if tt.mustFail {
						t.Fatal("no error")
					}
					return
				}
				var ve *VerifyError
				if errors.As(err, &ve) {
					return // the damage was found by Verify, which says what to do
				}
				if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "govaudit backup") {
					t.Errorf("error %q: want ErrCorrupt naming the file and govaudit backup", err)
				}
				if fi, err := os.Stat(path); err != nil || fi.Size() != int64(len(bad)) {
					t.Errorf("the damaged file changed: %v, %d bytes, was %d", err, fi.Size(), len(bad))
				}
			})
		}
	}
}

// TestTruncatedWhileOpen shrinks the file under an open store (another
// program, a restore done wrong): reads past the new end of the file
// fault (SIGBUS) and must come back as an error of a damaged store.
func TestTruncatedWhileOpen(t *testing.T) {
	data, _ := pristineStore(t)
	path := filepath.Join(t.TempDir(), "shrunk.db")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := os.Truncate(path, 8<<10); err != nil {
		t.Fatal(err)
	}
	err = s.EachItem(func(Item) error { return nil })
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), path) {
		t.Errorf("EachItem over a shrunk file: %v, want ErrCorrupt naming the file", err)
	}
}
