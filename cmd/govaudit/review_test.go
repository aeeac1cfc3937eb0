package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/govaudit/govaudit/config"
	"github.com/govaudit/govaudit/store"
	"github.com/govaudit/govaudit/web"
)

// runIn runs govaudit with stdin and returns its exit status and output.
func runIn(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	a := &app{stdout: &out, stderr: &errb, log: slog.New(slog.DiscardHandler), stdin: strings.NewReader(stdin)}
	for _, c := range commands() {
		if c.name == args[0] {
			return exitStatus(&errb, c.name, c.run(context.Background(), a, args[1:])), out.String(), errb.String()
		}
	}
	t.Fatalf("no command %s", args[0])
	return 0, "", ""
}

// seedReviewStore writes a configuration and a store with two findings.
func seedReviewStore(t *testing.T) (cfgPath, dbPath string, ids []string) {
	t.Helper()
	dir := t.TempDir()
	cfgPath = writeTestConfig(t, dir, "review.db")
	dbPath = filepath.Join(dir, "review.db")
	st, err := store.Open(dbPath, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	found := []store.Finding{
		{Rule: "timeliness", Subject: "http://portal.test/a.html", URL: "http://portal.test/a.html", Unit: "u1",
			Title: "关于\x1b[31m印发的通知", Quarter: "2026Q3", Points: 1, Scoring: true,
			Evidence: store.Evidence{Text: "成文 2026-08-03，发布 2026-09-10，间隔 27 个工作日", WorkingDays: 27,
				Dates: map[string]string{"written": "2026-08-03", "published": "2026-09-10"}, Skipped: []string{"中秋节 2026-09-25"}}},
		{Rule: "timeliness", Subject: "http://portal.test/b.html", Unit: "u1", Title: "b", Quarter: "2026Q3", Points: 1, Scoring: true},
	}
	if _, err := st.SyncFindings(store.SyncRequest{Rules: []string{"timeliness"}, Found: found,
		Now: time.Date(2026, 10, 12, 2, 0, 0, 0, time.FixedZone("CST", 8*3600))}); err != nil {
		t.Fatal(err)
	}
	for _, f := range found {
		ids = append(ids, store.FindingID(f.Rule, f.Subject))
	}
	return cfgPath, dbPath, ids
}

func TestFindingsReviewCommands(t *testing.T) {
	cfgPath, dbPath, ids := seedReviewStore(t)
	c := "--config=" + cfgPath
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"dismiss needs a reason", []string{"findings", "dismiss", ids[0], c}, 2, "", "--reason is required"},
		{"adjust needs points", []string{"findings", "adjust", ids[0], "--reason", "x", c}, 2, "", "--points is required"},
		// Points are validated in one place (config.Scoring.CheckPoints):
		// finite, from 0 to the quarter's points (default 20).
		{"adjust huge points", []string{"findings", "adjust", ids[0], "--points", "1.7e308", "--reason", "x", c}, 2, "", "from 0 to 20"},
		{"adjust above a quarter", []string{"findings", "adjust", ids[0], "--points", "20.5", "--reason", "x", c}, 2, "", "from 0 to 20"},
		{"adjust negative", []string{"findings", "adjust", ids[0], "--points", "-1", "--reason", "x", c}, 2, "", "from 0 to 20"},
		{"adjust one id", []string{"findings", "adjust", ids[0], ids[1], "--points", "1", "--reason", "x", c}, 2, "", "one finding id"},
		{"confirm", []string{"findings", "confirm", ids[0], "--by", "张三", c}, 0, ids[0] + " 已确认\n", ""},
		{"confirm again fails", []string{"findings", "confirm", ids[0], "--by", "张三", c}, 1, "", "only a draft can be confirmed"},
		{"adjust", []string{"findings", "adjust", ids[0], "--points", "0.5", "--reason", "情节较轻", "--by", "张三", c}, 0, "扣分 0.5", ""},
		{"dismiss two", []string{"findings", "dismiss", ids[0], ids[1], "--reason", "单位已整改", "--by", "李四", c}, 0, ids[1] + " 已驳回", ""},
		{"reopen", []string{"findings", "reopen", ids[1], "--by", "李四", c}, 0, ids[1] + " 已重新打开（待审核）", ""},
		{"unknown id", []string{"findings", "confirm", "tim-0000000000", c}, 1, "", "not found"},
		{"history", []string{"findings", "history", ids[0], c}, 0, "情节较轻", ""},
		{"show", []string{"findings", "show", ids[0], c}, 0, "跳过的节假日  中秋节 2026-09-25", ""},
	}
	for _, tt := range tests {
		code, stdout, stderr := run(t, tt.args...)
		if code != tt.code || !strings.Contains(stdout, tt.stdout) || !strings.Contains(stderr, tt.stderr) {
			t.Errorf("%s: exit %d, want %d\nstdout: %s\nstderr: %s", tt.name, code, tt.code, stdout, stderr)
		}
	}
	_, stdout, _ := run(t, "findings", "history", ids[0], c)
	for _, want := range []string{"系统", "检出", "张三", "确认", "调整扣分", "扣分 1 → 0.5", "李四", "驳回", "单位已整改"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("history lacks %q:\n%s", want, stdout)
		}
	}
	_, stdout, _ = run(t, "findings", "show", ids[0], c)
	if strings.Contains(stdout, "\x1b") {
		t.Error("show prints a crawled escape sequence to the terminal")
	}
	st, err := store.Open(dbPath, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if f, _ := st.Finding(ids[0]); f.Status != store.StatusDismissed || f.Points != 0.5 {
		t.Errorf("finding after the commands: %s %v", f.Status, f.Points)
	}
}

// TestFindingsThroughServer holds the store with a web server, as
// `govaudit serve` does, and decides through its API.
func TestFindingsThroughServer(t *testing.T) {
	cfgPath, dbPath, ids := seedReviewStore(t)
	c := "--config=" + cfgPath
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(dbPath, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()

	// Held, and no server announced: a clear error pointing to the web UI.
	code, _, stderr := run(t, "findings", "confirm", ids[0], c)
	if code != 1 || !strings.Contains(stderr, "web UI") {
		t.Fatalf("held store without endpoint: %d %s", code, stderr)
	}
	if code, _, stderr := run(t, "findings", "list", c); code != 1 || !strings.Contains(stderr, "web UI") {
		t.Fatalf("list of a held store without endpoint: %d %s", code, stderr)
	}

	srv, err := web.New(web.Options{Config: cfg, Store: st})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()
	if err := web.WriteEndpoint(dbPath, web.Endpoint{URL: hs.URL, Token: srv.APIToken(), PID: os.Getpid()}); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(web.EndpointPath(dbPath)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("endpoint file mode: %v %v", fi.Mode(), err)
	}
	outDir := t.TempDir()
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"confirm", []string{"findings", "confirm", ids[0], "--by", "张三", c}, 0, "已确认", ""},
		{"confirm again", []string{"findings", "confirm", ids[0], "--by", "张三", c}, 1, "", "only a draft"},
		{"dismiss", []string{"findings", "dismiss", ids[1], "--reason", "不属于本单位", "--by", "张三", c}, 0, "已驳回", ""},
		{"unknown", []string{"findings", "show", "tim-0000000000", c}, 1, "", "no finding tim-0000000000 in the server"},
		{"history", []string{"findings", "history", ids[1], c}, 0, "不属于本单位", ""},
		{"list", []string{"findings", "list", c}, 0, "共 2 条", ""},
		{"list filtered", []string{"findings", "list", "--status", "dismissed", "--format", "csv", c}, 0, ids[1] + ",timeliness,u1", ""},
		{"list limited", []string{"findings", "list", "--limit", "1", c}, 0, "共 2 条，显示 1 条", ""},
		{"list bad status", []string{"findings", "list", "--status", "gone", c}, 2, "", "--status"},
		{"list --check", []string{"findings", "list", "--check", "timeliness", c}, 0, "共 2 条", ""},
		// The jobs that write go through the server too.
		{"report", []string{"report", "--quarter", "2026Q3", "--format", "html,docx,xlsx,csv", "--out", outDir, c}, 0, "2026Q3-问题清单.csv", ""},
		{"check", []string{"check", "--as-of", "2026-10-10", c}, 0, "由 server", ""},
		{"runs", []string{"runs", c}, 0, "check", ""},
		{"digest dry run", []string{"digest", "--week", "2026-W41", "--dry-run", filepath.Join(outDir, "eml"), c}, 0, "试运行", ""},
	}
	for _, tt := range tests {
		code, stdout, stderr := run(t, tt.args...)
		if code != tt.code || !strings.Contains(stdout, tt.stdout) || !strings.Contains(stderr, tt.stderr) {
			t.Errorf("%s: exit %d, want %d\nstdout: %s\nstderr: %s", tt.name, code, tt.code, stdout, stderr)
		}
	}
	// The JSON list through the API carries what the store holds.
	_, stdout, _ := run(t, "findings", "list", "--format", "json", "--status", "confirmed", c)
	var listed []findingJSON
	if err := json.Unmarshal([]byte(stdout), &listed); err != nil {
		t.Fatalf("list --format json through the API: %v\n%s", err, stdout)
	}
	if len(listed) != 1 || listed[0].ID != ids[0] || listed[0].Status != store.StatusConfirmed ||
		listed[0].Evidence.WorkingDays != 27 || listed[0].Evidence.Dates["written"] != "2026-08-03" {
		t.Errorf("listed through the API: %+v", listed)
	}
	h, _ := st.History(ids[1])
	if last := h[len(h)-1]; last.By != "张三" || last.Reason != "不属于本单位" || last.Action != "dismiss" {
		t.Errorf("last event through the API: %+v", last)
	}
	// A wrong token is refused.
	if err := web.WriteEndpoint(dbPath, web.Endpoint{URL: hs.URL, Token: "forged"}); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := run(t, "findings", "reopen", ids[1], c); code != 1 || !strings.Contains(stderr, "refused the token") {
		t.Errorf("forged token: %d %s", code, stderr)
	}
	// A server that went away: the message names the file to remove.
	hs.Close()
	if err := web.WriteEndpoint(dbPath, web.Endpoint{URL: hs.URL, Token: srv.APIToken()}); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := run(t, "findings", "reopen", ids[1], c); code != 1 || !strings.Contains(stderr, "remove that file") {
		t.Errorf("dead server: %d %s", code, stderr)
	}
}

func TestUserAdd(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "govaudit.yaml")
	if err := os.WriteFile(path, config.Starter(), 0o600); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(path)

	code, stdout, stderr := runIn(t, "correct horse\n", "user", "add", "张三", "--config", path)
	if code != 0 || !strings.Contains(stdout, "added 张三") {
		t.Fatalf("user add: %d %s %s", code, stdout, stderr)
	}
	code, _, _ = runIn(t, "battery staple\n", "user", "add", "李四", "--role", "viewer", "--config", path)
	if code != 0 {
		t.Fatal("user add viewer failed")
	}
	code, stdout, _ = runIn(t, "new password 2\n", "user", "add", "张三", "--config", path)
	if code != 0 || !strings.Contains(stdout, "password of 张三 changed") {
		t.Fatalf("password change: %d %s", code, stdout)
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatalf("config after user add does not load: %v", err)
	}
	if len(cfg.Inspectors) != 2 {
		t.Fatalf("inspectors: %+v", cfg.Inspectors)
	}
	for _, tt := range []struct{ name, pw, role string }{{"张三", "new password 2", "inspector"}, {"李四", "battery staple", "viewer"}} {
		var in *config.Inspector
		for i := range cfg.Inspectors {
			if cfg.Inspectors[i].Name == tt.name {
				in = &cfg.Inspectors[i]
			}
		}
		if in == nil || in.Role != tt.role || bcrypt.CompareHashAndPassword([]byte(in.PasswordHash), []byte(tt.pw)) != nil {
			t.Errorf("%s: %+v", tt.name, in)
		}
	}
	after, _ := os.ReadFile(path)
	if strings.Contains(string(after), "correct horse") || strings.Contains(string(after), "new password") {
		t.Fatal("a password was written in clear")
	}
	// Only the inspectors entry changed: every other line (comments,
	// alignment, blank lines) is as it was.
	strip := func(text string, block bool) string {
		var keep []string
		in := false
		for _, l := range strings.Split(text, "\n") {
			if strings.HasPrefix(l, "inspectors:") {
				in = block
				continue
			}
			if in && (strings.HasPrefix(l, "  - name: ") || strings.HasPrefix(l, "    password_hash: ") || strings.HasPrefix(l, "    role: ")) {
				continue
			}
			in = false
			keep = append(keep, l)
		}
		return strings.Join(keep, "\n")
	}
	if strip(string(before), false) != strip(string(after), true) {
		t.Errorf("user add changed the file beyond the inspectors:\n%s", after)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode changed to %v", fi.Mode())
	}

	tests := []struct {
		name, stdin string
		args        []string
		code        int
		stderr      string
	}{
		{"short password", "short\n", []string{"user", "add", "王五", "--config", path}, 2, "at least 8"},
		{"bad role", "long enough\n", []string{"user", "add", "王五", "--role", "admin", "--config", path}, 2, "--role"},
		{"no name", "long enough\n", []string{"user", "add", "--config", path}, 2, "one user NAME"},
		{"no config", "long enough\n", []string{"user", "add", "王五", "--config", filepath.Join(dir, "none.yaml")}, 2, "none.yaml"},
	}
	for _, tt := range tests {
		code, _, stderr := runIn(t, tt.stdin, tt.args...)
		if code != tt.code || !strings.Contains(stderr, tt.stderr) {
			t.Errorf("%s: %d %s", tt.name, code, stderr)
		}
	}
	code, stdout, _ = runIn(t, "", "user", "list", "--config", path)
	if code != 0 || !strings.Contains(stdout, "李四") || !strings.Contains(stdout, "viewer") {
		t.Errorf("user list: %s", stdout)
	}
	if code, _, _ := runIn(t, "", "user", "remove", "李四", "--config", path); code != 0 {
		t.Error("user remove failed")
	}
	if cfg, _ := config.Load(path); len(cfg.Inspectors) != 1 {
		t.Errorf("after remove: %+v", cfg.Inspectors)
	}
}
