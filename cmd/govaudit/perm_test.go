package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/govaudit/govaudit/config"
)

// TestConfigWithHashesNotWorldReadable: a configuration that holds password
// hashes is never left readable by others: `user add` on a 0644 file
// (keeping a group's read, as root:govaudit 0640 in production) and the
// demo's configuration, written afresh or over an older 0644 one.
func TestConfigWithHashesNotWorldReadable(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "govaudit.yaml")
	if err := os.WriteFile(path, config.Starter(), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runIn(t, "correct horse\n", "user", "add", "张三", "--config", path); code != 0 {
		t.Fatalf("user add: exit %d\n%s", code, stderr)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o640 {
		t.Errorf("after user add: mode %v (%v), want 0640", fi.Mode().Perm(), err)
	}

	demo := filepath.Join(dir, "demo.yaml")
	if err := os.WriteFile(demo, []byte("# an older demo configuration\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	cfg.Site.BaseURL = "http://127.0.0.1:1/"
	cfg.Inspectors = []config.Inspector{{Name: "demo", PasswordHash: "$2a$10$0123456789012345678901uAbCdEfGhIjKlMnOpQrStUvWxYz0123", Role: "inspector"}}
	if err := writeSimConfigNote(cfg, demo, filepath.Join(dir, "demo.db"), ""); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(demo); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("demo configuration: mode %v (%v), want 0600", fi.Mode().Perm(), err)
	}
}
