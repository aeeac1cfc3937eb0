package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/govaudit/govaudit/config"
	"github.com/govaudit/govaudit/portalsim"
	"github.com/govaudit/govaudit/store"
)

// opsPortal starts a small simulated portal and writes a configuration
// for it, changed by edit, into a new directory. It returns the
// configuration's path.
func opsPortal(t *testing.T, edit func(*config.Config)) string {
	t.Helper()
	cst := time.FixedZone("CST", 8*3600)
	sim, err := portalsim.New(portalsim.Options{Seed: 5, Units: 3, ChannelsMin: 3, ChannelsMax: 4, Items: 6, Letters: 10,
		Today: time.Now().In(cst)})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(srv.Close)
	path := filepath.Join(t.TempDir(), "govaudit.yaml")
	cfg := sim.Config(srv.URL + "/")
	if edit != nil {
		edit(cfg)
	}
	if err := writeSimConfig(cfg, path, ""); err != nil {
		t.Fatal(err)
	}
	return path
}

// opsMailpit starts mailpit for a test and returns its SMTP port and API
// URL; without mailpit the test is skipped (failed when CI=true).
func opsMailpit(t *testing.T) (int, string) {
	t.Helper()
	bin, err := exec.LookPath("mailpit")
	if err != nil {
		bin = "/usr/local/bin/mailpit"
		if _, err := os.Stat(bin); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatal("mailpit not found; required when CI=true")
			}
			t.Skip("mailpit not found: skipping (install github.com/axllent/mailpit)")
		}
	}
	port := func() int {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		return l.Addr().(*net.TCPAddr).Port
	}
	smtpPort, httpPort := port(), port()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "--smtp", fmt.Sprintf("127.0.0.1:%d", smtpPort),
		"--listen", fmt.Sprintf("127.0.0.1:%d", httpPort), "--smtp-auth-accept-any", "--smtp-auth-allow-insecure",
		"--database", filepath.Join(t.TempDir(), "mailpit.db"), "--disable-version-check", "--quiet")
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); cmd.Wait() })
	api := fmt.Sprintf("http://127.0.0.1:%d", httpPort)
	deadline := time.Now().Add(15 * time.Second)
	for {
		if resp, err := http.Get(api + "/api/v1/messages"); err == nil {
			resp.Body.Close()
			if c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", smtpPort)); err == nil {
				c.Close()
				return smtpPort, api
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("mailpit did not come up")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func mailCount(t *testing.T, api string) int {
	t.Helper()
	resp, err := http.Get(api + "/api/v1/messages")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct{ Total int }
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	return body.Total
}

// TestHelperHoldStore is not a test: re-executed by other tests with
// GOVAUDIT_HOLD_STORE set, it holds that store until its stdin closes.
func TestHelperHoldStore(t *testing.T) {
	path := os.Getenv("GOVAUDIT_HOLD_STORE")
	if path == "" {
		t.Skip("helper process only")
	}
	st, err := store.Open(path, store.Options{})
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	fmt.Println("holding")
	io.Copy(io.Discard, os.Stdin)
	st.Close()
	os.Exit(0)
}

// holdStore makes another process hold the store at path until the test
// ends.
func holdStore(t *testing.T, path string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperHoldStore$")
	cmd.Env = append(os.Environ(), "GOVAUDIT_HOLD_STORE="+path)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stdin.Close(); cmd.Wait() })
	if line, _ := bufio.NewReader(stdout).ReadString('\n'); strings.TrimSpace(line) != "holding" {
		t.Fatalf("holder: %q", line)
	}
}

func TestNightlyCommand(t *testing.T) {
	smtpPort, api := opsMailpit(t)
	const secret = "s3cret-Hunter2-pw"
	t.Setenv("GOVAUDIT_TEST_SMTP_PASSWORD", secret)
	cfgPath := opsPortal(t, func(c *config.Config) {
		c.Mail = config.Mail{Host: "127.0.0.1", Port: smtpPort, TLS: "none", User: "govaudit",
			PasswordEnv: "GOVAUDIT_TEST_SMTP_PASSWORD", From: "govaudit@example.gov.cn", Office: "office@example.gov.cn"}
	})
	db := filepath.Join(filepath.Dir(cfgPath), "govaudit.db")

	code, stdout, stderr := run(t, "nightly", "--config", cfgPath, "--db", db)
	if code != 0 {
		t.Fatalf("nightly: exit %d\n%s\n%s", code, stdout, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "nightly #") || !strings.Contains(lines[0], " ok") ||
		!strings.HasPrefix(lines[1], "digest #") || !strings.Contains(lines[1], "sent ") {
		t.Fatalf("nightly output:\n%s", stdout)
	}
	sent := mailCount(t, api)
	if sent == 0 {
		t.Fatal("the digest sent no mail")
	}
	if strings.Contains(stdout+stderr, secret) {
		t.Error("the SMTP password appears in the output or the log")
	}

	// The same week again: crawl and check, no second digest.
	code, stdout, stderr = run(t, "nightly", "--config", cfgPath, "--db", db)
	if code != 0 || strings.Count(strings.TrimSpace(stdout), "\n") != 0 || mailCount(t, api) != sent {
		t.Fatalf("second nightly: exit %d, %d mails (want %d)\n%s\n%s", code, mailCount(t, api), sent, stdout, stderr)
	}

	// Another process holds the store: refused at once, in one line.
	holdStore(t, db)
	start := time.Now()
	code, stdout, stderr = run(t, "nightly", "--config", cfgPath, "--db", db)
	if code != 1 || stdout != "" || stderr != "govaudit nightly: another govaudit run holds "+db+"\n" {
		t.Errorf("nightly while held: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("refusal took %s", d)
	}
}

func TestDaemonCommand(t *testing.T) {
	hash, err := bcrypt.GenerateFromPassword([]byte("zhang-pw"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	cfgPath := opsPortal(t, func(c *config.Config) {
		c.Web.AllowViewers = true
		c.Probes.Interval = time.Minute
		c.Inspectors = []config.Inspector{{Name: "张三", PasswordHash: string(hash)}}
	})
	dir := filepath.Dir(cfgPath)
	db := filepath.Join(dir, "govaudit.db")
	ctx, cancel := context.WithCancel(context.Background())
	var out, errb syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- runMain(ctx, []string{"daemon", "--config", cfgPath, "--db", db, "--addr", "127.0.0.1:0", "--log-format", "json"}, &out, &errb)
	}()
	defer func() {
		cancel()
		<-done
	}()
	re := regexp.MustCompile(`review UI at (http://[0-9.:]+)`)
	var base string
	deadline := time.Now().Add(10 * time.Second)
	for base == "" {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			base = m[1]
		}
		if time.Now().After(deadline) {
			t.Fatalf("no address announced:\n%s\n%s", out.String(), errb.String())
		}
		time.Sleep(20 * time.Millisecond)
	}

	// The daemon makes up the first nightly run on its own.
	var health struct {
		Status string
		Jobs   []struct {
			Job  string
			Last *store.Run
		}
		Probes []store.Probe
	}
	deadline = time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(base + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		json.NewDecoder(resp.Body).Decode(&health)
		resp.Body.Close()
		ok := false
		for _, j := range health.Jobs {
			if j.Job == "nightly" && j.Last != nil && j.Last.Status != store.RunRunning {
				if j.Last.Status != store.RunOK {
					t.Fatalf("nightly run %s: %s", j.Last.Status, j.Last.Note)
				}
				ok = true
			}
		}
		if ok && len(health.Probes) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no finished nightly run and probes: %+v\n%s", health, errb.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	if health.Probes[0].Target != "home" || !health.Probes[0].OK || health.Probes[0].Newest == "" {
		t.Errorf("home probe = %+v", health.Probes[0])
	}

	for path, want := range map[string]string{
		"/metrics":  `govaudit_job_last_success{job="nightly"} 1`,
		"/ops":      "近一周可用性",
		"/findings": "<html",
	} {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(body), want) {
			t.Errorf("GET %s: %s, want %q in the body", path, resp.Status, want)
		}
	}

	// An inspector signs in; a reload (SIGHUP) builds a new UI but keeps
	// the sign-in (the viewer fallback would otherwise show 访客).
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	page := func(path string) string {
		t.Helper()
		resp, err := browser.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	csrf := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(page("/login"))
	if csrf == nil {
		t.Fatal("no token on the sign-in form")
	}
	resp, err := browser.PostForm(base+"/login", url.Values{"csrf": {csrf[1]}, "name": {"张三"}, "password": {"zhang-pw"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if body := page("/findings"); !strings.Contains(body, `<span class="who">张三`) {
		t.Fatal("not signed in as 张三")
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(errb.String(), `"msg":"configuration reloaded"`); {
		if time.Now().After(deadline) {
			t.Fatalf("no reload after SIGHUP:\n%s", errb.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if body := page("/findings"); !strings.Contains(body, `<span class="who">张三`) {
		t.Error("the reload signed 张三 out")
	}

	// A backup while the daemon holds the store, and a nightly run refused.
	copyPath := filepath.Join(dir, "copy.db")
	if code, stdout, stderr := run(t, "backup", "--db", db, copyPath); code != 0 || !strings.Contains(stdout, "备份完成") {
		t.Errorf("backup: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if code, stdout, _ := run(t, "runs", "--db", copyPath, "--kind", "nightly"); code != 0 || !strings.Contains(stdout, "nightly") {
		t.Errorf("runs of the backup: exit %d\n%s", code, stdout)
	}
	if code, _, stderr := run(t, "nightly", "--config", cfgPath, "--db", db); code != 1 || !strings.Contains(stderr, "another govaudit run holds") {
		t.Errorf("nightly while the daemon runs: exit %d, %s", code, stderr)
	}

	cancel()
	if code := <-done; code != 0 {
		t.Errorf("daemon exit %d\n%s", code, errb.String())
	}
	done <- 0
	// JSON logs, one object a line.
	for _, l := range strings.Split(strings.TrimSpace(errb.String()), "\n") {
		if !json.Valid([]byte(l)) {
			t.Errorf("log line is not JSON: %s", l)
			break
		}
	}
	if !strings.Contains(errb.String(), `"msg":"daemon stopped"`) {
		t.Error("no stop line in the log")
	}
}
