package main

import (
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/govaudit/govaudit/store"
)

// TestDamagedStoreCommands runs the commands that read the store over
// damaged copies of one: each exits 1 with a message naming the file and
// the backups, none panics or dies of a fault, and none creates a store
// over the damaged file.
func TestDamagedStoreCommands(t *testing.T) {
	_, dbPath := seedVerifyStore(t)
	st, err := store.Open(dbPath, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var b store.Batch
	for i := range 1500 {
		b.Items = append(b.Items, store.Item{URL: fmt.Sprintf("http://portal.test/x/%d.html", i), Unit: "u1", Column: "c1",
			Title: "关于印发工作要点的通知", FetchedAt: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)})
	}
	if err := st.Write(&b); err != nil {
		t.Fatal(err)
	}
	st.Close()
	pristine, err := os.ReadFile(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	ps := int(binary.LittleEndian.Uint32(pristine[24:28]))
	damages := map[string]func([]byte) []byte{
		"empty":     func([]byte) []byte { return nil },
		"truncated": func(d []byte) []byte { return d[:8<<10] },
		"flags": func(d []byte) []byte {
			for p := 2; p < len(d)/ps; p++ {
				d[p*ps+8] ^= 0x1f
			}
			return d
		},
		"zeroed": func(d []byte) []byte {
			clear(d[2*ps:])
			return d
		},
	}
	// "@" stands for --config FILE.
	commands := [][]string{
		{"check", "@"}, {"findings", "list", "@"}, {"runs", "@"}, {"verify", "@"}, {"report", "@", "--quarter", "2026Q4"},
		{"adjustments", "list", "@"}, {"backup", "@", "-"}, {"serve", "@", "--addr", "127.0.0.1:0"},
		{"findings", "confirm", "@", "x"}, {"compact", "@"},
	}
	for name, damage := range damages {
		for _, args := range commands {
			t.Run(name+"/"+strings.Join(args[:2], "_"), func(t *testing.T) {
				dir := t.TempDir()
				cfg := writeTestConfig(t, dir, "damaged.db")
				path := filepath.Join(dir, "damaged.db")
				bad := damage(append([]byte(nil), pristine...))
				if err := os.WriteFile(path, bad, 0o600); err != nil {
					t.Fatal(err)
				}
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				var out, errb strings.Builder
				var argv []string
				for _, a := range args {
					if a == "@" {
						argv = append(argv, "--config", cfg)
					} else {
						argv = append(argv, a)
					}
				}
				code := runMain(ctx, argv, &out, &errb)
				if code != 1 || !strings.Contains(errb.String(), path) || !strings.Contains(errb.String(), "govaudit backup") {
					t.Errorf("exit %d, stderr %q; want 1, the file named and govaudit backup", code, errb.String())
				}
				if fi, err := os.Stat(path); err != nil || fi.Size() != int64(len(bad)) {
					t.Errorf("the damaged file changed: %v", err)
				}
			})
		}
	}
}
