package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/govaudit/govaudit/config"
	"github.com/govaudit/govaudit/store"
	"github.com/govaudit/govaudit/web"
)

// run runs govaudit with args and returns its exit status and output.
func run(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = runMain(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestExitStatus(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("site:\n  base_url: http://portal.test/\n  profile: wordpress\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string // a part of stderr
	}{
		{"no command", nil, 2, ""},
		{"help", []string{"help"}, 0, ""},
		{"unknown command", []string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{"bad flag", []string{"init", "--bogus"}, 2, "flag provided but not defined: -bogus"},
		{"init with two files", []string{"init", "a.yaml", "b.yaml"}, 2, "at most one FILE"},
		{"runs with a bad format", []string{"runs", "--format", "xml"}, 2, `--format "xml"`},
		{"runs with a bad config", []string{"runs", "--config", bad}, 2, bad + `:3: site.profile: "wordpress" is not a CMS profile`},
		{"runs with a missing config", []string{"runs", "--config", filepath.Join(dir, "none.yaml")}, 2, "none.yaml"},
		{"portalsim with a bad date", []string{"portalsim", "--today", "27/11/2026"}, 2, `--today "27/11/2026"`},
		{"demo with an argument", []string{"demo", "extra"}, 2, `unexpected argument "extra"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := run(t, tt.args...)
			if code != tt.code {
				t.Errorf("exit status %d, want %d (stderr %q)", code, tt.code, stderr)
			}
			if !strings.Contains(stderr, tt.stderr) {
				t.Errorf("stderr %q does not contain %q", stderr, tt.stderr)
			}
		})
	}
}

func TestHelpOfEveryCommand(t *testing.T) {
	for _, c := range commands() {
		t.Run(c.name, func(t *testing.T) {
			code, stdout, stderr := run(t, c.name, "--help")
			if code != 0 {
				t.Errorf("%s --help: exit status %d, want 0\n%s", c.name, code, stderr)
			}
			if c.name != "version" && !strings.Contains(stdout+stderr, "Usage: govaudit "+c.name) {
				t.Errorf("%s --help prints no usage line:\n%s%s", c.name, stdout, stderr)
			}
		})
	}
	_, stdout, _ := run(t, "help")
	for _, name := range []string{"init", "runs", "portalsim", "demo", "version"} {
		if !regexp.MustCompile(`(?m)^  ` + name + ` `).MatchString(stdout) {
			t.Errorf("help does not list %s:\n%s", name, stdout)
		}
	}
}

func TestInit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "govaudit.yaml")
	code, stdout, stderr := run(t, "init", path)
	if code != 0 {
		t.Fatalf("init: %d %s", code, stderr)
	}
	if !strings.Contains(stdout, "46 units") {
		t.Errorf("init says %q", stdout)
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatalf("the written file does not load: %v", err)
	}
	if len(cfg.Units) != 46 {
		t.Errorf("%d units", len(cfg.Units))
	}

	// An existing file is not replaced without --force.
	if err := os.WriteFile(path, []byte("# mine\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = run(t, "init", path)
	if code != 1 || !strings.Contains(stderr, "already exists (use --force") {
		t.Errorf("init over a file: %d %q", code, stderr)
	}
	if data, _ := os.ReadFile(path); string(data) != "# mine\n" {
		t.Error("init without --force changed the file")
	}
	code, _, stderr = run(t, "init", "--force", path)
	if code != 0 {
		t.Fatalf("init --force: %d %s", code, stderr)
	}
	if data, _ := os.ReadFile(path); !bytes.Equal(data, config.Starter()) {
		t.Error("init --force did not write the starter")
	}
}

// writeTestConfig writes a small valid configuration whose store is db.
func writeTestConfig(t *testing.T, dir, db string) string {
	t.Helper()
	path := filepath.Join(dir, "govaudit.yaml")
	data := "site:\n  base_url: http://portal.test/\nstore:\n  path: " + db + "\nunits:\n  - {id: u1, name: 区发改局}\n"
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestRuns(t *testing.T) {
	dir := t.TempDir()
	cfgPath := writeTestConfig(t, dir, "runs.db")
	st, err := store.Open(filepath.Join(dir, "runs.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 11, 26, 18, 0, 0, 0, time.UTC) // 02:00 CST
	crawl, err := st.StartRun("crawl", t0)
	if err != nil {
		t.Fatal(err)
	}
	crawl.EndedAt = t0.Add(95 * time.Second)
	crawl.Status = "ok"
	crawl.Pages, crawl.Items = 1234, 567
	crawl.Errors = map[string]int{"timeout": 2, "http-5xx": 5}
	if err := st.SaveRun(crawl); err != nil {
		t.Fatal(err)
	}
	check, err := st.StartRun("check", t0.Add(2*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	check.EndedAt = check.StartedAt.Add(3 * time.Second)
	check.Status = "failed"
	check.Note = "calendar has no data for 2028"
	if err := st.SaveRun(check); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	code, stdout, stderr := run(t, "runs", "--config", cfgPath)
	if code != 0 {
		t.Fatalf("runs: %d %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != 3 {
		t.Fatalf("want a header and 2 runs, got:\n%s", stdout)
	}
	for _, want := range []string{"ID", "KIND", "DURATION", "STATUS", "PAGES", "ITEMS", "ERRORS"} {
		if !strings.Contains(lines[0], want) {
			t.Errorf("header %q lacks %s", lines[0], want)
		}
	}
	// Newest first; times in CST.
	if !strings.Contains(lines[1], "check") || !strings.Contains(lines[1], "failed: calendar has no data for 2028") {
		t.Errorf("first line %q", lines[1])
	}
	for _, want := range []string{"crawl", "2026-11-27 02:00:00", "1m35s", "ok", "1234", "567", "7 (http-5xx 5, timeout 2)"} {
		if !strings.Contains(lines[2], want) {
			t.Errorf("crawl line %q lacks %q", lines[2], want)
		}
	}

	code, stdout, _ = run(t, "runs", "--config", cfgPath, "--kind", "crawl", "--format", "json")
	var runs []store.Run
	if code != 0 || json.Unmarshal([]byte(stdout), &runs) != nil {
		t.Fatalf("runs --format json: %d %q", code, stdout)
	}
	if len(runs) != 1 || runs[0].Kind != "crawl" || runs[0].Pages != 1234 || runs[0].Errors["http-5xx"] != 5 {
		t.Errorf("json runs %+v", runs)
	}

	code, stdout, _ = run(t, "runs", "--config", cfgPath, "--limit", "1")
	if code != 0 || strings.Count(strings.TrimSpace(stdout), "\n") != 1 || !strings.Contains(stdout, "check") {
		t.Errorf("runs --limit 1: %d\n%s", code, stdout)
	}

	// --db alone, without a configuration file in the working directory.
	code, _, stderr = run(t, "runs", "--db", filepath.Join(dir, "runs.db"), "--config", filepath.Join(dir, "none.yaml"))
	if code != 2 {
		t.Errorf("an explicit missing --config must still be an error: %d %s", code, stderr)
	}
	t.Chdir(dir)
	os.Remove(cfgPath)
	code, stdout, stderr = run(t, "runs", "--db", "runs.db")
	if code != 0 || !strings.Contains(stdout, "crawl") {
		t.Errorf("runs --db without a config: %d %s %s", code, stdout, stderr)
	}
}

func TestRunsWithoutStore(t *testing.T) {
	dir := t.TempDir()
	cfgPath := writeTestConfig(t, dir, "none.db")
	code, _, stderr := run(t, "runs", "--config", cfgPath)
	if code != 1 || !strings.Contains(stderr, "no store at "+filepath.Join(dir, "none.db")) {
		t.Errorf("got %d %q", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "none.db")); err == nil {
		t.Error("runs created a store")
	}
}

// syncBuffer is a bytes.Buffer safe for a writer and a reader goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestPortalsim(t *testing.T) {
	dir := t.TempDir()
	truth := filepath.Join(dir, "truth.json")
	cfgOut := filepath.Join(dir, "sim.yaml")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errb syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- runMain(ctx, []string{"portalsim", "--addr", "127.0.0.1:0", "--seed", "7", "--today", "2026-11-27",
			"--units", "3", "--items", "3", "--truth", truth, "--config-out", cfgOut}, &out, &errb)
	}()
	re := regexp.MustCompile(`serving (http://127\.0\.0\.1:\d+/)`)
	var base string
	for deadline := time.Now().Add(20 * time.Second); base == ""; {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			base = m[1]
			break
		}
		select {
		case code := <-done:
			t.Fatalf("portalsim exited with %d: %s", code, errb.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("portalsim did not start: %s %s", out.String(), errb.String())
		}
		time.Sleep(20 * time.Millisecond)
	}

	cfg, err := config.Load(cfgOut)
	if err != nil {
		t.Fatalf("--config-out does not load: %v", err)
	}
	if cfg.Site.BaseURL != base || len(cfg.Units) != 3 || len(cfg.Columns) == 0 {
		t.Errorf("config: base %q, %d units, %d columns", cfg.Site.BaseURL, len(cfg.Units), len(cfg.Columns))
	}
	if cfg.Store.Path != filepath.Join(dir, "govaudit.db") {
		t.Errorf("store path %q", cfg.Store.Path)
	}
	var tr struct {
		Seed  int64  `json:"seed"`
		Today string `json:"today"`
	}
	data, err := os.ReadFile(truth)
	if err != nil || json.Unmarshal(data, &tr) != nil || tr.Seed != 7 || tr.Today != "2026-11-27" {
		t.Errorf("truth file: %v %+v", err, tr)
	}
	resp, err := http.Get(cfg.Columns[0].URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || len(body) == 0 {
		t.Errorf("GET %s: %d, %d bytes", cfg.Columns[0].URL, resp.StatusCode, len(body))
	}

	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("portalsim exited with %d after cancel: %s", code, errb.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("portalsim did not stop when its context was cancelled")
	}
}

// TestDemoVariedByDefault runs the demo without --layouts: the portal
// draws its units' layouts from the varied set, and the truth says so.
func TestDemoVariedByDefault(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "demo")
	code, stdout, stderr := run(t, "demo", "--dir", dir, "--units", "3", "--items", "3", "--today", "2026-11-27")
	if code != 0 {
		t.Fatalf("demo: exit status %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	b, err := os.ReadFile(filepath.Join(dir, "truth.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"layouts": "varied"`) {
		t.Error("the demo's portal is not varied by default")
	}
	if code, _, stderr := run(t, "demo", "--dir", dir, "--layouts", "fancy"); code != 2 || !strings.Contains(stderr, "--layouts") {
		t.Errorf("unknown layouts: %d %q", code, stderr)
	}
}

func TestDemo(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "demo")
	args := []string{"demo", "--dir", dir, "--units", "3", "--items", "4", "--today", "2026-11-27"}
	code, stdout, stderr := run(t, args...)
	if code != 0 {
		t.Fatalf("demo: exit status %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	for _, want := range []string{"gongkai", "hanweb", "trs", "pages", "items", "attachments", "letters", "errors:",
		"Where everything is", filepath.Join(dir, "govaudit.yaml"), filepath.Join(dir, "govaudit.db"), filepath.Join(dir, "truth.json")} {
		if !strings.Contains(stdout, want) {
			t.Errorf("demo output lacks %q:\n%s", want, stdout)
		}
	}
	// Each family found items, and as many as the portal has.
	for _, fam := range []string{"gongkai", "hanweb", "trs"} {
		m := regexp.MustCompile(`(?m)^\s*` + fam + `\s+(\d+)\s+(\d+)/(\d+)`).FindStringSubmatch(stdout)
		if m == nil {
			t.Errorf("no %s row:\n%s", fam, stdout)
			continue
		}
		if m[1] == "0" || m[2] == "0" || m[2] != m[3] {
			t.Errorf("%s: pages %s, items %s of %s", fam, m[1], m[2], m[3])
		}
	}
	cfg, err := config.Load(filepath.Join(dir, "govaudit.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(cfg.Store.Path, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	last, ok, err := st.LastRun("crawl")
	if err != nil || !ok || last.Status != "ok" || last.Items == 0 {
		t.Errorf("last crawl run %+v %v %v", last, ok, err)
	}

	// The summary says how to go on, and the demo inspector signs in to
	// the review UI with the printed password.
	for _, want := range []string{
		"govaudit serve --config " + filepath.Join(dir, "govaudit.yaml"),
		"then open http://127.0.0.1:8080 and sign in as demo, password govaudit-demo",
		"a DEMO credential",
		"govaudit findings list --config " + filepath.Join(dir, "govaudit.yaml"),
		"govaudit digest --config " + filepath.Join(dir, "govaudit.yaml") + " --week 2026-W48",
		"quarterly notice, ranking (csv)", "quarterly notice, problem list (csv)",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("demo output lacks %q", want)
		}
	}
	if raw, _ := os.ReadFile(filepath.Join(dir, "govaudit.yaml")); !strings.Contains(string(raw), "# DEMO CREDENTIAL") {
		t.Error("the demo configuration does not mark the demo credential")
	}
	srv, err := web.New(web.Options{Config: cfg, Store: st})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := browser.Get(hs.URL + "/login")
	if err != nil {
		t.Fatal(err)
	}
	form, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	tok := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindSubmatch(form)
	if tok == nil {
		t.Fatal("no token on the sign-in form")
	}
	resp, err = browser.PostForm(hs.URL+"/login", url.Values{"csrf": {string(tok[1])}, "name": {"demo"}, "password": {"govaudit-demo"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/findings" {
		t.Errorf("demo sign-in: %s %s", resp.Status, resp.Header.Get("Location"))
	}
	hs.Close()
	st.Close()

	if !strings.Contains(stdout, "portalsim --addr 127.0.0.1:") {
		t.Errorf("the portal hint does not give --addr:\n%s", stdout)
	}

	// Again in the same directory: allowed, starts afresh.
	if code, stdout, stderr := run(t, args...); code != 0 {
		t.Fatalf("second demo: %d\n%s\n%s", code, stdout, stderr)
	}
	// Not once a person has reviewed something: then only with --force.
	st, err = store.Open(cfg.Store.Path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	drafts, _, err := st.Findings(store.Filter{Status: store.StatusDraft, Limit: 1})
	if err != nil || len(drafts) == 0 {
		t.Fatalf("no draft to review: %v", err)
	}
	if _, err := st.Decide(drafts[0].ID, store.Action{Kind: store.DecideDismiss, By: "张三", Reason: "误报", At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	if code, _, stderr := run(t, args...); code == 0 || !strings.Contains(stderr, "--force") {
		t.Errorf("a demo over review decisions: %d %q", code, stderr)
	}
	if code, stdout, stderr := run(t, append(args, "--force")...); code != 0 {
		t.Fatalf("demo --force: %d\n%s\n%s", code, stdout, stderr)
	}

	// A directory holding someone's own configuration is refused.
	other := t.TempDir()
	mine := filepath.Join(other, "govaudit.yaml")
	if err := os.WriteFile(mine, []byte("site: {base_url: http://x/}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = run(t, "demo", "--dir", other, "--units", "3")
	if code != 1 || !strings.Contains(stderr, "was not written by the demo") {
		t.Errorf("demo in a foreign directory: %d %q", code, stderr)
	}
}
