package main

// Crash safety: govaudit is killed with SIGKILL in the middle of a crawl, a
// check and a review action. Afterwards the store must open, hold no
// half-written finding, and the next run must complete with the same
// findings as a run that was never interrupted.
//
// The operations run in a child process: this test binary re-executed
// with envCrashArgs set, which runs runMain with those arguments (the same
// code path as the govaudit binary).

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/govaudit/govaudit/config"
	"github.com/govaudit/govaudit/portalsim"
	"github.com/govaudit/govaudit/store"
)

// envCrashArgs holds the JSON-encoded arguments of a child govaudit.
const envCrashArgs = "GOVAUDIT_CRASH_CHILD_ARGS"

// TestHelperGovauditChild is not a test: re-executed with envCrashArgs set,
// the test binary runs govaudit with those arguments and exits.
func TestHelperGovauditChild(t *testing.T) {
	raw := os.Getenv(envCrashArgs)
	if raw == "" {
		t.Skip("helper process only")
	}
	var args []string
	if err := json.Unmarshal([]byte(raw), &args); err != nil {
		fmt.Fprintln(os.Stderr, "bad child arguments:", err)
		os.Exit(3)
	}
	os.Exit(runMain(context.Background(), args, childStdout(), os.Stderr))
}

// child is a govaudit process started by a test.
type child struct {
	cmd   *exec.Cmd
	lines chan string   // stdout and stderr, line by line; closed at EOF
	done  chan struct{} // closed when the process has exited
	code  int           // exit status once done; -1 when killed
	mu    sync.Mutex
	out   strings.Builder // stdout so far
	log   strings.Builder // stderr so far
}

// startChild starts govaudit with args in a child process.
func startChild(t *testing.T, args ...string) *child {
	t.Helper()
	raw, _ := json.Marshal(args)
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperGovauditChild$")
	cmd.Env = append(os.Environ(), envCrashArgs+"="+string(raw))
	c := &child{cmd: cmd, lines: make(chan string, 4096), done: make(chan struct{})}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-c.done
	})
	// Both streams feed the marker lines; stdout is also kept whole.
	var wg sync.WaitGroup
	scan := func(r io.Reader, keep func(string)) {
		defer wg.Done()
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			c.mu.Lock()
			keep(sc.Text() + "\n")
			c.mu.Unlock()
			select {
			case c.lines <- sc.Text():
			default: // nobody waits for markers any more
			}
		}
	}
	wg.Add(2)
	go scan(stdout, func(s string) { c.out.WriteString(s) })
	go scan(stderr, func(s string) { c.log.WriteString(s) })
	go func() {
		wg.Wait()
		close(c.lines)
		cmd.Wait()
		c.code = cmd.ProcessState.ExitCode()
		close(c.done)
	}()
	return c
}

// stdout returns what the child wrote to stdout so far.
func (c *child) stdout() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.out.String()
}

// stderr returns what the child wrote to stderr so far.
func (c *child) stderr() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.log.String()
}

// kill sends SIGKILL and waits for the process to die. It reports whether
// the process was still running (false: it had finished on its own).
func (c *child) kill(t *testing.T) bool {
	t.Helper()
	select {
	case <-c.done:
		return false
	default:
	}
	if err := c.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Logf("kill: %v", err)
	}
	<-c.done
	return c.code == -1
}

// waitMarker waits until the n-th stderr line containing marker, or the
// end of the process, or the timeout; it reports whether the marker came.
func (c *child) waitMarker(marker string, n int, timeout time.Duration) bool {
	deadline := time.After(timeout)
	for seen := 0; ; {
		select {
		case line, ok := <-c.lines:
			if !ok {
				return false
			}
			if strings.Contains(line, marker) {
				if seen++; seen == n {
					return true
				}
			}
		case <-deadline:
			return false
		}
	}
}

// wait waits for the child to finish on its own.
func (c *child) wait(t *testing.T, timeout time.Duration) int {
	t.Helper()
	go func() {
		for range c.lines { // drain
		}
	}()
	select {
	case <-c.done:
		return c.code
	case <-time.After(timeout):
		c.cmd.Process.Kill()
		<-c.done
		t.Fatalf("child %v did not finish in %s; stderr:\n%s", c.cmd.Env[len(c.cmd.Env)-1], timeout, c.stderr())
		return -1
	}
}

// crashPortal starts a small simulated portal whose every answer is
// delayed, so that a crawl takes long enough to be killed in its middle,
// and writes a configuration for it. It returns the configuration's path.
func crashPortal(t *testing.T, delay time.Duration) string {
	t.Helper()
	sim, err := portalsim.New(portalsim.Options{Seed: 11, Units: 4, ChannelsMin: 3, ChannelsMax: 4, Items: 10, Letters: 12,
		Rates: portalsim.Rates{Late: 0.4, Undatable: 0.2, MissingAttachment: 0.3, BrokenAttachment: 0.2},
		Today: time.Date(2026, 11, 20, 0, 0, 0, 0, time.FixedZone("CST", 8*3600))})
	if err != nil {
		t.Fatal(err)
	}
	h := sim.Handler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(delay)
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	path := filepath.Join(t.TempDir(), "govaudit.yaml")
	cfg := sim.Config(srv.URL + "/")
	hash, err := bcrypt.GenerateFromPassword([]byte(crashPassword), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Inspectors = []config.Inspector{{Name: "张三", PasswordHash: string(hash)}}
	if err := writeSimConfig(cfg, path, ""); err != nil {
		t.Fatal(err)
	}
	return path
}

// crashPassword is the password of the inspector 张三 of crashPortal.
const crashPassword = "crash-test-pw"

// crashAsOf is the date the checks of the crash tests judge as of.
const crashAsOf = "2026-11-20"

// findingState is what must agree between an interrupted and an
// uninterrupted history: a finding's status and points.
type findingState struct {
	Status string
	Points float64
}

// findingStates reads the findings of the store at path.
func findingStates(t *testing.T, path string) map[string]findingState {
	t.Helper()
	st, err := store.Open(path, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer st.Close()
	out := map[string]findingState{}
	err = st.EachFinding(func(f store.Finding) error {
		out[f.ID] = findingState{f.Status, f.Points}
		return nil
	})
	if err != nil {
		t.Fatalf("read findings of %s: %v", path, err)
	}
	return out
}

// verifyStore checks the store at path after a crash: it opens read-write
// (which marks runs a dead process left running as interrupted), and then
// store.VerifyFile checks every page of the file, every finding (it
// decodes, has a valid status, its id and its rule index entry), every
// event (it decodes and belongs to an existing finding or adjustment) and
// that the events of each finding replay to its status. It returns the
// number of findings and the runs of the given kind.
func verifyStore(t *testing.T, path, kind string) (int, []store.Run) {
	t.Helper()
	st, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatalf("the store does not open after kill -9: %v", err)
	}
	runs, err := st.Runs(kind, 0)
	if err != nil {
		t.Fatalf("runs after kill -9: %v", err)
	}
	for _, r := range runs {
		if r.Status == "running" {
			t.Errorf("run #%d is still marked running after the reopen", r.ID)
		}
	}
	st.Close()
	if err := store.VerifyFile(path); err != nil {
		t.Fatalf("after kill -9: %v", err)
	}
	return len(findingStates(t, path)), runs
}

// copyFile copies the store file src to dst.
func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// mustRun runs govaudit in a child process to completion and fails the
// test unless it exits 0.
func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	c := startChild(t, args...)
	if code := c.wait(t, 60*time.Second); code != 0 {
		t.Fatalf("govaudit %s: exit %d\n%s\n%s", strings.Join(args, " "), code, c.stdout(), c.stderr())
	}
	return c.stdout()
}

func TestKillDuringCrawlCheckAndReview(t *testing.T) {
	if testing.Short() {
		t.Skip("starts some 20 processes")
	}
	cfg := crashPortal(t, 10*time.Millisecond)
	dir := t.TempDir()
	ref := filepath.Join(dir, "reference.db")
	crawled := filepath.Join(dir, "crawled.db")

	// The reference: a crawl and a check never interrupted.
	t0 := time.Now()
	mustRun(t, "crawl", "--config", cfg, "--db", ref)
	crawlTime := time.Since(t0)
	copyFile(t, ref, crawled)
	t0 = time.Now()
	mustRun(t, "check", "--config", cfg, "--db", ref, "--as-of", crashAsOf)
	checkTime := time.Since(t0)
	want := findingStates(t, ref)
	if len(want) < 10 {
		t.Fatalf("the reference run found %d findings; the portal is too small to test with", len(want))
	}
	t.Logf("reference: crawl %s, check %s, %d findings", crawlTime.Round(time.Millisecond), checkTime.Round(time.Millisecond), len(want))

	t.Run("crawl", func(t *testing.T) {
		db := filepath.Join(t.TempDir(), "crawl.db")
		// Kill points: after the first source, after several, and at
		// fractions of an uninterrupted crawl's time.
		type point struct {
			marker string
			n      int
			after  time.Duration
		}
		points := []point{
			{marker: "source crawled", n: 1},
			{marker: "source crawled", n: 6},
			{after: crawlTime / 3},
			{after: crawlTime * 2 / 3},
			{marker: "crawl finished", n: 1},
		}
		killed := 0
		for i, p := range points {
			c := startChild(t, "crawl", "--config", cfg, "--db", db)
			if p.marker != "" {
				if !c.waitMarker(p.marker, p.n, 30*time.Second) {
					t.Logf("kill point %d: marker %q ×%d did not come", i, p.marker, p.n)
				}
			} else {
				time.Sleep(p.after)
			}
			if c.kill(t) {
				killed++
			}
			verifyStore(t, db, "crawl")
		}
		_, runs := verifyStore(t, db, "crawl")
		interrupted := 0
		for _, r := range runs {
			switch r.Status {
			case store.RunInterrupted:
				interrupted++
			case store.RunOK: // killed after it had saved its run
			default:
				t.Errorf("crawl run #%d is %s: %s", r.ID, r.Status, r.Note)
			}
		}
		// The two marker kills always land mid-crawl; the timed ones
		// usually do.
		t.Logf("%d of %d crawls killed while running, %d runs interrupted", killed, len(points), interrupted)
		if interrupted < 2 || len(runs) != len(points) {
			t.Fatalf("%d of %d crawls killed while running, %d runs interrupted, %d runs", killed, len(points), interrupted, len(runs))
		}
		// A crawl killed before it finished must not turn into deductions
		// when the checks run on what it left: a check now may find only
		// what the reference found.
		mustRun(t, "check", "--config", cfg, "--db", db, "--as-of", crashAsOf)
		for id, f := range findingStates(t, db) {
			if _, ok := want[id]; !ok {
				t.Errorf("after killed crawls the check raised %s (%s), which an uninterrupted run does not", id, f.Status)
			}
		}
		// The next crawl completes, and the check then agrees with the
		// reference.
		out := mustRun(t, "crawl", "--config", cfg, "--db", db)
		if !strings.Contains(out, " ok：") {
			t.Errorf("the crawl after the kills: %s", out)
		}
		mustRun(t, "check", "--config", cfg, "--db", db, "--as-of", crashAsOf)
		verifyStore(t, db, "crawl")
		got := findingStates(t, db)
		for id, w := range want {
			if g, ok := got[id]; !ok || g.Status != w.Status || g.Points != w.Points {
				t.Errorf("finding %s: %+v after killed crawls, %+v in the reference", id, g, w)
			}
		}
		for id, g := range got {
			if _, ok := want[id]; !ok && g.Status != store.StatusResolved {
				t.Errorf("finding %s (%s) is not in the reference", id, g.Status)
			}
		}
	})

	t.Run("check", func(t *testing.T) {
		db := filepath.Join(t.TempDir(), "check.db")
		copyFile(t, crawled, db)
		killed := 0
		for i := 1; i <= 6; i++ {
			c := startChild(t, "check", "--config", cfg, "--db", db, "--as-of", crashAsOf)
			time.Sleep(checkTime * time.Duration(i) / 7)
			if c.kill(t) {
				killed++
			}
			n, _ := verifyStore(t, db, "check")
			if n != 0 && n != len(want) {
				t.Errorf("after a check killed at %d/7 of its time: %d findings, want 0 or all %d (one transaction)", i, n, len(want))
			}
		}
		t.Logf("%d of 6 checks killed while running", killed)
		if killed == 0 {
			t.Fatal("no check was killed while running")
		}
		mustRun(t, "check", "--config", cfg, "--db", db, "--as-of", crashAsOf)
		verifyStore(t, db, "check")
		got := findingStates(t, db)
		if len(got) != len(want) {
			t.Errorf("%d findings after killed checks, %d in the reference", len(got), len(want))
		}
		for id, w := range want {
			if g := got[id]; g != w {
				t.Errorf("finding %s: %+v after killed checks, %+v in the reference", id, g, w)
			}
		}
	})

	t.Run("review", func(t *testing.T) {
		db := filepath.Join(t.TempDir(), "review.db")
		copyFile(t, ref, db)
		var drafts []string
		for id, f := range want {
			if f.Status == store.StatusDraft {
				drafts = append(drafts, id)
			}
		}
		sort.Strings(drafts)
		// Kill after the n-th decision was printed: the n-th was committed,
		// the next one is under way or just committed. The child stalls
		// before it prints the (n+1)-th (startStallingChild), so it is
		// alive when killed, however fast it decides: every kill lands
		// mid-action, never after the end.
		rounds, killed := 0, 0
		for i, n := range []int{1, 7, 20, 45} {
			args := []string{"findings", "confirm", "--config", cfg, "--db", db, "--by", "张三"}
			marker := "已确认"
			if i%2 == 1 {
				args = []string{"findings", "dismiss", "--config", cfg, "--db", db, "--by", "李四", "--reason", "单位已整改"}
				marker = "已驳回"
			}
			left := 0
			for id, f := range findingStates(t, db) {
				if f.Status == store.StatusDraft {
					args = append(args, id)
					left++
				}
			}
			if left <= n {
				break
			}
			rounds++
			c := startStallingChild(t, marker, n+1, args...)
			if !c.waitMarker(marker, n, 30*time.Second) {
				t.Fatalf("no %d-th %q line: %s %s", n, marker, c.stdout(), c.stderr())
			}
			if c.kill(t) {
				killed++
			} else {
				t.Errorf("review action %d (%d of %d decisions) ended before the kill, exit %d:\n%s", i, n, left, c.code, c.stderr())
			}
			verifyStore(t, db, "check")
			// The n-th decision was committed before it was printed; the
			// (n+1)-th may or may not have been; no other.
			after := 0
			for _, f := range findingStates(t, db) {
				if f.Status == store.StatusDraft {
					after++
				}
			}
			if d := left - after; d != n && d != n+1 {
				t.Errorf("review action %d killed after its %d-th decision: %d findings decided, want %d or %d", i, n, d, n, n+1)
			}
		}
		t.Logf("%d of %d review actions killed while running", killed, rounds)
		if rounds < 2 {
			t.Errorf("only %d review actions could be started (too few drafts)", rounds)
		}
		// The rest completes.
		args := []string{"findings", "confirm", "--config", cfg, "--db", db, "--by", "张三"}
		for id, f := range findingStates(t, db) {
			if f.Status == store.StatusDraft {
				args = append(args, id)
			}
		}
		if len(args) > 8 {
			mustRun(t, args...)
		}
		verifyStore(t, db, "check")
		st, err := store.Open(db, store.Options{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		for _, id := range drafts {
			f, err := st.Finding(id)
			if err != nil {
				t.Fatal(err)
			}
			h, _ := st.History(id)
			decisions := 0
			for _, e := range h {
				if e.Action == store.DecideConfirm || e.Action == store.DecideDismiss {
					decisions++
				}
			}
			if (f.Status != store.StatusConfirmed && f.Status != store.StatusDismissed) || decisions != 1 {
				t.Errorf("finding %s: %s with %d decisions after killed reviews, want one decision", id, f.Status, decisions)
			}
		}
	})
	t.Run("web review", func(t *testing.T) {
		db := filepath.Join(t.TempDir(), "web.db")
		copyFile(t, ref, db)
		var drafts []string
		for id, f := range want {
			if f.Status == store.StatusDraft {
				drafts = append(drafts, id)
			}
		}
		sort.Strings(drafts)
		// The server is killed while it confirms (or dismisses) every draft
		// in one bulk action, after a delay.
		killed := 0
		for i, after := range []time.Duration{2 * time.Millisecond, 10 * time.Millisecond, 25 * time.Millisecond, 60 * time.Millisecond} {
			var left []string
			for id, f := range findingStates(t, db) {
				if f.Status == store.StatusDraft {
					left = append(left, id)
				}
			}
			t.Logf("bulk action %d: %d drafts left", i, len(left))
			if len(left) == 0 {
				break
			}
			srv := startChild(t, "serve", "--config", cfg, "--db", db, "--addr", "127.0.0.1:0")
			base := ""
			re := regexp.MustCompile(`review UI at (http://[0-9.:]+)`)
			for deadline := time.Now().Add(20 * time.Second); base == ""; time.Sleep(10 * time.Millisecond) {
				if m := re.FindStringSubmatch(srv.stdout()); m != nil {
					base = m[1]
				}
				if time.Now().After(deadline) {
					t.Fatalf("serve announced no address:\n%s\n%s", srv.stdout(), srv.stderr())
				}
			}
			c, csrf := signIn(t, base)
			form := url.Values{"csrf": {csrf}, "action": {"confirm"}}
			if i%2 == 1 {
				form.Set("action", "dismiss")
				form.Set("reason", "单位已整改")
			}
			form["id"] = left
			go c.PostForm(base+"/findings/bulk", form) // dies with the server
			time.Sleep(after)
			if srv.kill(t) {
				killed++
			}
			verifyStore(t, db, "check")
		}
		t.Logf("%d servers killed during a bulk action", killed)
		if killed < 2 {
			t.Errorf("only %d servers were killed while running", killed)
		}
		// The rest completes on a new server.
		args := []string{"findings", "confirm", "--config", cfg, "--db", db, "--by", "张三"}
		for id, f := range findingStates(t, db) {
			if f.Status == store.StatusDraft {
				args = append(args, id)
			}
		}
		if len(args) > 8 {
			mustRun(t, args...)
		}
		verifyStore(t, db, "check")
		st, err := store.Open(db, store.Options{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		decided := 0
		for _, id := range drafts {
			f, _ := st.Finding(id)
			h, _ := st.History(id)
			n := 0
			for _, e := range h {
				if e.Action == store.DecideConfirm || e.Action == store.DecideDismiss {
					n++
				}
			}
			if (f.Status != store.StatusConfirmed && f.Status != store.StatusDismissed) || n != 1 {
				t.Errorf("finding %s: %s with %d decisions after killed servers, want one decision", id, f.Status, n)
			}
			if len(h) > 0 && h[len(h)-1].By == "张三" && h[len(h)-1].At.IsZero() {
				t.Errorf("finding %s: decision without a time", id)
			}
			decided++
		}
		if decided != len(drafts) {
			t.Errorf("%d of %d drafts decided", decided, len(drafts))
		}
	})
}

// The marker lines the crash test waits for must be what the crawler
// logs; a renamed log message would silently turn marker kills into kills
// at the end.
func TestCrashMarkersAreLogged(t *testing.T) {
	cfg := crashPortal(t, 0)
	var out, errb bytes.Buffer
	code := runMain(context.Background(), []string{"crawl", "--config", cfg, "--db", filepath.Join(t.TempDir(), "m.db")}, &out, &errb)
	if code != 0 {
		t.Fatalf("crawl: %d\n%s", code, errb.String())
	}
	for _, m := range []string{"source crawled", "crawl finished"} {
		if !strings.Contains(errb.String(), m) {
			t.Errorf("the crawl log has no %q line", m)
		}
	}
}

// mountTmpfs mounts a tmpfs of the given size (e.g. "2m") on a new
// directory and returns it. It needs root: otherwise the test is skipped,
// or failed when CI=true (CI runs as root).
func mountTmpfs(t *testing.T, size string) string {
	t.Helper()
	if os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("mounting a tmpfs needs root; CI=true runs as root")
		}
		t.Skip("not root: cannot mount a small tmpfs to play a full disk (run as root, as CI does)")
	}
	dir := filepath.Join(t.TempDir(), "small")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size="+size); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("mount tmpfs on %s: %v", dir, err)
		}
		t.Skipf("cannot mount a tmpfs (%v): skipping the full-disk test", err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, 0); err != nil {
			t.Errorf("unmount %s: %v", dir, err)
		}
	})
	return dir
}

// fillDisk fills the file system of dir up to leave bytes free, with a
// file it returns.
func fillDisk(t *testing.T, dir string, leave int64) string {
	t.Helper()
	path := filepath.Join(dir, "filler")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 16<<10)
	var n int64
	for {
		m, err := f.Write(chunk)
		n += int64(m)
		if err != nil {
			if !errorsIsENOSPC(err) {
				t.Fatalf("fill %s: %v", dir, err)
			}
			break
		}
	}
	if err := f.Truncate(max(n-leave, 0)); err != nil {
		t.Fatal(err)
	}
	return path
}

func errorsIsENOSPC(err error) bool {
	var errno syscall.Errno
	for e := err; e != nil; {
		if x, ok := e.(syscall.Errno); ok {
			errno = x
			break
		}
		u, ok := e.(interface{ Unwrap() error })
		if !ok {
			break
		}
		e = u.Unwrap()
	}
	return errno == syscall.ENOSPC
}

// TestCrawlOnFullDisk runs a crawl into a store whose file system fills
// up: the crawl fails with a clear error naming the store file, the
// findings and items committed before are intact, and once space is freed
// the next crawl and check complete.
func TestCrawlOnFullDisk(t *testing.T) {
	cfg := crashPortal(t, 0)
	dir := mountTmpfs(t, "4m")
	db := filepath.Join(dir, "govaudit.db")
	mustRun(t, "crawl", "--config", cfg, "--db", db)
	mustRun(t, "check", "--config", cfg, "--db", db, "--as-of", crashAsOf)
	before := findingStates(t, db)
	st, err := store.Open(db, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	var items []string
	st.EachItem(func(it store.Item) error { items = append(items, it.URL); return nil })
	st.Close()
	if len(before) == 0 || len(items) == 0 {
		t.Fatalf("nothing committed before the disk fills: %d findings, %d items", len(before), len(items))
	}

	// The store on a full disk: a fresh crawl into it has no room.
	filler := fillDisk(t, dir, 8<<10)
	c := startChild(t, "crawl", "--config", cfg, "--db", db)
	code := c.wait(t, 60*time.Second)
	msg := c.stderr()
	if code != 1 {
		t.Errorf("crawl on a full disk: exit %d, want 1\n%s", code, msg)
	}
	last := msg
	if lines := strings.Split(strings.TrimSpace(msg), "\n"); len(lines) > 0 {
		last = lines[len(lines)-1]
	}
	t.Logf("crawl on a full disk: %s", last)
	if !strings.Contains(last, db) || !strings.Contains(last, "disk full") {
		t.Errorf("the crawl's error does not say the store %s is on a full disk:\n%s", db, last)
	}
	// So does a review action.
	ids := make([]string, 0, len(before))
	for id := range before {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	c = startChild(t, "findings", "dismiss", "--config", cfg, "--db", db, "--by", "李四", "--reason", strings.Repeat("理由", 4000), ids[0])
	switch code := c.wait(t, 30*time.Second); {
	case code == 0:
		t.Logf("a dismissal fitted on the full disk")
	case !strings.Contains(c.stderr(), db) || !strings.Contains(c.stderr(), "disk full"):
		t.Errorf("the dismissal's error does not say the store %s is on a full disk:\n%s", db, c.stderr())
	}

	// Nothing committed before is lost.
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	verifyStore(t, db, "crawl")
	after := findingStates(t, db)
	for id, f := range before {
		g, ok := after[id]
		if !ok || (g.Status != f.Status && id != ids[0]) || g.Points != f.Points {
			t.Errorf("finding %s was %+v before the disk filled, %+v (present %v) after", id, f, g, ok)
		}
	}
	st, err = store.Open(db, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range items {
		if _, ok, err := st.Item(u); !ok || err != nil {
			t.Errorf("item %s was lost: %v", u, err)
		}
	}
	st.Close()

	// With room again, the next runs complete.
	if out := mustRun(t, "crawl", "--config", cfg, "--db", db); !strings.Contains(out, " ok：") {
		t.Errorf("crawl after freeing space: %s", out)
	}
	mustRun(t, "check", "--config", cfg, "--db", db, "--as-of", crashAsOf)
	verifyStore(t, db, "check")
}

// signIn signs in to the review UI at base as 张三 and returns the client
// and the session's CSRF token.
func signIn(t *testing.T, base string) (*http.Client, string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	token := regexp.MustCompile(`name="csrf" value="([^"]+)"`)
	get := func(path string) string {
		resp, err := c.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	m := token.FindStringSubmatch(get("/login"))
	if m == nil {
		t.Fatal("no token on the sign-in page")
	}
	resp, err := c.PostForm(base+"/login", url.Values{"csrf": {m[1]}, "name": {"张三"}, "password": {crashPassword}, "next": {"/findings"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	m = token.FindStringSubmatch(get("/findings"))
	if m == nil {
		t.Fatal("not signed in: no token on the findings page")
	}
	return c, m[1]
}
