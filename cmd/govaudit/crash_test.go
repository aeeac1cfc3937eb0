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
	"errors"
	"fmt"
	"io"
	"io/fs"
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
	ctx, stdout, stderr, err := childWiring()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	os.Exit(runMain(ctx, args, stdout, stderr))
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

// crashPortal starts a small simulated portal and writes a configuration
// for it. It returns the configuration's path and the portal's gate, which
// a test arms to stop a crawl at a known request.
func crashPortal(t *testing.T) (string, *requestGate) {
	t.Helper()
	sim, err := portalsim.New(portalsim.Options{Seed: 11, Units: 4, ChannelsMin: 3, ChannelsMax: 4, Items: 10, Letters: 12,
		Rates: portalsim.Rates{Late: 0.4, Undatable: 0.2, MissingAttachment: 0.3, BrokenAttachment: 0.2},
		Today: time.Date(2026, 11, 20, 0, 0, 0, 0, time.FixedZone("CST", 8*3600))})
	if err != nil {
		t.Fatal(err)
	}
	gate := &requestGate{}
	srv := httptest.NewServer(gate.wrap(sim.Handler()))
	t.Cleanup(srv.Close)
	t.Cleanup(gate.release) // first: Close waits for held requests
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
	return path, gate
}

// requestGate holds a portal's answers on demand: armed with holdAfter(k),
// the portal answers k more requests and holds every later one, unanswered,
// until its client goes away or the gate is released. A crawler waiting
// for a held answer cannot finish, so a test that sees the first request
// held kills a crawl known to be running, with k answers received.
type requestGate struct {
	mu    sync.Mutex
	armed bool
	left  int           // requests still to answer
	held  chan struct{} // closed when the first request is held
	open  chan struct{} // closed by release
}

// holdAfter arms the gate. The channel it returns is closed when the gate
// holds its first request.
func (g *requestGate) holdAfter(k int) <-chan struct{} {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.armed {
		close(g.open)
	}
	g.armed, g.left = true, k
	g.held, g.open = make(chan struct{}), make(chan struct{})
	return g.held
}

// release disarms the gate and lets the held requests be answered.
func (g *requestGate) release() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.armed {
		g.armed = false
		close(g.open)
	}
}

// wrap returns h behind the gate.
func (g *requestGate) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var open chan struct{}
		g.mu.Lock()
		if g.armed {
			if g.left > 0 {
				g.left--
			} else {
				open = g.open
				select {
				case <-g.held:
				default:
					close(g.held)
				}
			}
		}
		g.mu.Unlock()
		if open != nil {
			select {
			case <-open:
			case <-r.Context().Done():
				return // the crawler was killed
			}
		}
		h.ServeHTTP(w, r)
	})
}

// waitHeld waits until the portal's gate holds a request of the crawl c
// (held is what holdAfter returned). It fails the test if c ends first.
func waitHeld(t *testing.T, c *child, held <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-held:
	case <-c.done:
		t.Fatalf("%s: the crawl ended (exit %d) before the portal held a request\nstdout:\n%s\nstderr:\n%s", what, c.code, c.stdout(), c.stderr())
	case <-time.After(30 * time.Second):
		c.kill(t)
		t.Fatalf("%s: the portal held no request in 30 s\nstderr:\n%s", what, c.stderr())
	}
}

// killAtGate waits until the portal's gate holds a request of the crawl
// c, kills c there and releases the gate. It fails the test unless the
// crawl was alive when killed.
func killAtGate(t *testing.T, c *child, gate *requestGate, held <-chan struct{}, what string) {
	t.Helper()
	defer gate.release()
	waitHeld(t, c, held, what)
	if !c.kill(t) {
		t.Fatalf("%s: the crawl had exited (%d) before the kill", what, c.code)
	}
}

// killOnceStored kills the crawl c, held at the portal's gate, once its
// writer has committed a batch (it does so every few seconds). It stops c
// (SIGSTOP), copies the store db, and when the copy holds items kills c
// while it is stopped; otherwise it lets c go on a moment and looks again.
// The kill thus leaves exactly the copy: it returns its number of items.
func killOnceStored(t *testing.T, c *child, db, what string) int {
	t.Helper()
	peek := db + ".peek"
	defer os.Remove(peek)
	defer os.RemoveAll(store.PackDir(peek))
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			c.kill(t)
			t.Fatalf("%s: the crawl stored no item in 30 s\nstderr:\n%s", what, c.stderr())
		}
		stopChild(t, c, what)
		copyFile(t, db, peek)
		n := countItems(t, peek)
		if n > 0 {
			if !c.kill(t) {
				t.Fatalf("%s: the crawl had exited (%d) before the kill", what, c.code)
			}
			return n
		}
		if err := c.cmd.Process.Signal(syscall.SIGCONT); err != nil {
			t.Fatalf("%s: continue the crawl: %v", what, err)
		}
	}
}

// stopChild stops the child c with SIGSTOP and waits until every thread
// of it has stopped: then nothing of it runs, not even a write under way.
func stopChild(t *testing.T, c *child, what string) {
	t.Helper()
	pid := c.cmd.Process.Pid
	if err := c.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatalf("%s: stop the child: %v", what, err)
	}
	for deadline := time.Now().Add(10 * time.Second); !allStopped(pid); time.Sleep(time.Millisecond) {
		select {
		case <-c.done:
			t.Fatalf("%s: the child exited (%d) instead of stopping", what, c.code)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: the child did not stop in 10 s", what)
		}
	}
}

// allStopped reports whether every thread of process pid is stopped.
func allStopped(pid int) bool {
	tasks, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	if err != nil || len(tasks) == 0 {
		return false
	}
	for _, task := range tasks {
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/stat", pid, task.Name()))
		if err != nil {
			return false
		}
		// pid (comm) state ...: comm may hold anything but a ')'.
		i := bytes.LastIndexByte(stat, ')')
		if i < 0 || i+2 >= len(stat) || stat[i+2] != 'T' {
			return false
		}
	}
	return true
}

// countItems returns the number of items in the store at path.
func countItems(t *testing.T, path string) int {
	t.Helper()
	st, err := store.Open(path, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer st.Close()
	n := 0
	if err := st.EachItem(func(store.Item) error { n++; return nil }); err != nil {
		t.Fatalf("read the items of %s: %v", path, err)
	}
	return n
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

// draftIDs returns the ids of the draft findings of states, sorted.
func draftIDs(states map[string]findingState) []string {
	var ids []string
	for id, f := range states {
		if f.Status == store.StatusDraft {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids
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

// stagedFindings returns how many findings the store at path holds
// staged by a sync that did not finish (store.Counts.Staged).
func stagedFindings(t *testing.T, path string) int {
	t.Helper()
	st, err := store.Open(path, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer st.Close()
	c, err := st.Count()
	if err != nil {
		t.Fatal(err)
	}
	return c.Staged
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

// copyFile copies the store file src to dst, and its pack directory
// (store.PackDir) in place of dst's.
func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(store.PackDir(dst)); err != nil {
		t.Fatal(err)
	}
	packs, err := os.ReadDir(store.PackDir(src))
	if errors.Is(err, fs.ErrNotExist) {
		return
	} else if err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(store.PackDir(dst), 0o700); err != nil {
		t.Fatal(err)
	}
	for _, e := range packs {
		data, err := os.ReadFile(filepath.Join(store.PackDir(src), e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(store.PackDir(dst), e.Name()), data, 0o600); err != nil {
			t.Fatal(err)
		}
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
	// Every kill lands at a known point of a running operation: the child
	// stalls there (startStalled: at a log or output line, or where it
	// asks its context whether to stop) or waits for an answer the portal
	// holds (requestGate). It is asserted alive when killed, so no kill
	// can land before the operation began or after it ended, however fast
	// or slow the machine.
	cfg, gate := crashPortal(t)
	dir := t.TempDir()
	ref := filepath.Join(dir, "reference.db")
	crawled := filepath.Join(dir, "crawled.db")

	// The reference: a crawl and a check never interrupted.
	mustRun(t, "crawl", "--config", cfg, "--db", ref)
	copyFile(t, ref, crawled)
	mustRun(t, "check", "--config", cfg, "--db", ref, "--as-of", crashAsOf)
	want := findingStates(t, ref)
	refCrawl := lastRun(t, crawled, "crawl")
	refSources, refRequests := refCrawl.Figures["sources"], refCrawl.Requests
	if len(want) < 10 || refSources < 8 || refRequests < 4*refSources {
		t.Fatalf("the reference run found %d findings in %d sources with %d requests; the portal is too small to test with",
			len(want), refSources, refRequests)
	}
	t.Logf("reference: %d sources, %d requests, %d findings", refSources, refRequests, len(want))

	t.Run("crawl", func(t *testing.T) {
		db := filepath.Join(t.TempDir(), "crawl.db")
		args := []string{"crawl", "--config", cfg, "--db", db}
		// The killed crawls make one interrupted crawl: each next one
		// resumes it and skips the sources it stored a state of. left is
		// how many sources the next crawl has to do.
		left := func() int {
			t.Helper()
			st, err := store.Open(db, store.Options{ReadOnly: true})
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			srcs, err := st.Sources()
			if err != nil {
				t.Fatal(err)
			}
			n := refSources
			for _, s := range srcs {
				if s.Kind == store.SourceColumn || s.Kind == store.SourceMailbox {
					n--
				}
			}
			return n
		}
		// killed checks the store after the i-th kill: it verifies, holds i
		// crawl runs, and the newest ended as want (a crawl killed while it
		// ran is marked interrupted when the store is opened next).
		killed := func(i int, what, want string) {
			t.Helper()
			_, runs := verifyStore(t, db, "crawl")
			if len(runs) != i {
				t.Fatalf("%s: %d crawl runs after %d kills", what, len(runs), i)
			}
			if runs[0].Status != want {
				t.Errorf("%s: the killed crawl's run is %s (%s), want %s", what, runs[0].Status, runs[0].Note, want)
			}
			t.Logf("killed: %s; %d of %d sources left", what, left(), refSources)
		}

		// 1. A fresh crawl, held after a quarter of its requests, deep in
		// its walk, and killed once its writer has committed a batch of
		// pages and items. It cannot have finished every source, which
		// needs all its requests.
		what := fmt.Sprintf("fresh crawl held after %d of its %d requests, with a batch stored", refRequests/4, refRequests)
		held := gate.holdAfter(refRequests / 4)
		c := startChild(t, args...)
		waitHeld(t, c, held, what)
		items := killOnceStored(t, c, db, what)
		gate.release()
		killed(1, what, store.RunInterrupted)
		if n := countItems(t, db); n != items {
			t.Errorf("%s: %d items stored when killed, %d after", what, items, n)
		}
		t.Logf("the first kill left %d items", items)

		// 2. The crawl resumed, held after fewer requests than it has
		// sources to do: each needs at least its list page, so it cannot
		// have finished them all either.
		n := left()
		if n < 1 {
			t.Fatalf("no source left to crawl after: %s", what)
		}
		what = fmt.Sprintf("resumed crawl of %d sources held after %d requests", n, n-1)
		held = gate.holdAfter(n - 1)
		killAtGate(t, startChild(t, args...), gate, held, what)
		killed(2, what, store.RunInterrupted)

		// 3. Resumed again, stalled as it logs the middle one of the
		// sources it does (the others may be under way).
		if n = left(); n < 1 {
			t.Fatalf("no source left to crawl after: %s", what)
		}
		what = fmt.Sprintf("resumed crawl of %d sources stalled at its source %d", n, (n+1)/2)
		killAtStall(t, startStalled(t, stallPoint{"stderr", (n + 1) / 2, "source crawled"}, args...), what)
		killed(3, what, store.RunInterrupted)

		// A crawl killed before it finished must not turn into deductions
		// when the checks run on what it left: a check now may find only
		// what the reference found.
		mustRun(t, "check", "--config", cfg, "--db", db, "--as-of", crashAsOf)
		for id, f := range findingStates(t, db) {
			if _, ok := want[id]; !ok {
				t.Errorf("after killed crawls the check raised %s (%s), which an uninterrupted run does not", id, f.Status)
			}
		}

		// 4. Resumed to its end, killed as it logs that it finished: its
		// run is saved, ok.
		what = "resumed crawl stalled as it logs that it finished"
		killAtStall(t, startStalled(t, stallPoint{"stderr", 1, "crawl finished"}, args...), what)
		killed(4, what, store.RunOK)

		// The next crawl completes, and the check then agrees with the
		// reference.
		out := mustRun(t, args...)
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
		args := []string{"check", "--config", cfg, "--db", db, "--as-of", crashAsOf}
		// rules.check asks its context whether to stop once every check is
		// evaluated, right before the findings are stored, in one
		// transaction.
		const beforeSync = "github.com/govaudit/govaudit/rules.check"
		// SyncFindings asks it after each transaction that stages new
		// findings, before the one that shows them (store/stage.go).
		const staging = "github.com/govaudit/govaudit/store.(*Store).stageNew"
		points := []struct {
			what   string
			at     stallPoint
			stored bool   // the findings are stored when the kill lands
			run    string // the killed check's run, after the reopen
			staged bool   // new findings are staged, not shown, when the kill lands
		}{
			{"as it reads the store", stallPoint{"ctx", 1, ""}, false, store.RunInterrupted, false},
			{"as it is about to store the findings", stallPoint{"ctx", 1, beforeSync}, false, store.RunInterrupted, false},
			{"with the new findings staged, not shown", stallPoint{"ctx", 1, staging}, false, store.RunInterrupted, true},
			{"with the findings stored, before its summary", stallPoint{"stdout", 1, "检查日期"}, true, store.RunOK, false},
			{"as it is about to store the findings again", stallPoint{"ctx", 1, beforeSync}, true, store.RunInterrupted, false},
		}
		for i, p := range points {
			killAtStall(t, startStalled(t, p.at, args...), "check "+p.what)
			n, runs := verifyStore(t, db, "check")
			if len(runs) != i+1 {
				t.Fatalf("check killed %s: %d check runs after %d kills", p.what, len(runs), i+1)
			}
			if runs[0].Status != p.run {
				t.Errorf("check killed %s: its run is %s (%s), want %s", p.what, runs[0].Status, runs[0].Note, p.run)
			}
			wantN := 0
			if p.stored {
				wantN = len(want)
			}
			if n != wantN {
				t.Errorf("check killed %s: %d findings, want %d (one transaction shows all or none)", p.what, n, wantN)
			}
			if staged := stagedFindings(t, db); (staged > 0) != p.staged {
				t.Errorf("check killed %s: %d findings staged, not shown; want some: %v", p.what, staged, p.staged)
			}
			if out := mustRun(t, "verify", "--db", db); p.staged != strings.Contains(out, "of an interrupted check are stored but not shown") {
				t.Errorf("check killed %s: govaudit verify says\n%s", p.what, out)
			}
			if p.stored {
				for id, f := range findingStates(t, db) {
					if f != want[id] {
						t.Errorf("check killed %s: finding %s is %+v, %+v in the reference", p.what, id, f, want[id])
					}
				}
			}
			t.Logf("killed: check %s; %d findings stored", p.what, n)
		}
		mustRun(t, args...)
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
		drafts := draftIDs(want)
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
		drafts := draftIDs(want)
		draftsLeft := func() []string { return draftIDs(findingStates(t, db)) }
		// serve starts govaudit serve, stalling at p unless nil, and
		// returns it with its address.
		serve := func(p *stallPoint) (*child, string) {
			t.Helper()
			args := []string{"serve", "--config", cfg, "--db", db, "--addr", "127.0.0.1:0"}
			var srv *child
			if p != nil {
				srv = startStalled(t, *p, args...)
			} else {
				srv = startChild(t, args...)
			}
			if !srv.waitMarker("review UI at", 1, 20*time.Second) {
				t.Fatalf("serve announced no address:\n%s\n%s", srv.stdout(), srv.stderr())
			}
			m := regexp.MustCompile(`review UI at (http://[0-9.:]+)`).FindStringSubmatch(srv.stdout())
			if m == nil {
				t.Fatalf("serve announced no address:\n%s", srv.stdout())
			}
			return srv, m[1]
		}
		bulkForm := func(i int, csrf string, ids []string) url.Values {
			form := url.Values{"csrf": {csrf}, "action": {"confirm"}, "id": ids}
			if i%2 == 1 {
				form.Set("action", "dismiss")
				form.Set("reason", "单位已整改")
			}
			return form
		}
		// The server is killed in the middle of a bulk action on every
		// draft left: it stalls as it logs its n-th decision, so the n-th
		// is committed and the next not begun.
		rounds := []int{1, 5, 10, 20}
		for i, n := range rounds {
			left := draftsLeft()
			if len(left) <= n {
				t.Fatalf("bulk action %d: %d drafts left, too few to kill it after %d decisions", i, len(left), n)
			}
			srv, base := serve(&stallPoint{"stderr", n, "finding decided"})
			c, csrf := signIn(t, base)
			go c.PostForm(base+"/findings/bulk", bulkForm(i, csrf, left)) // dies with the server
			what := fmt.Sprintf("bulk action %d on %d drafts, stalled at its decision %d", i, len(left), n)
			killAtStall(t, srv, what)
			verifyStore(t, db, "check")
			if d := len(left) - len(draftsLeft()); d != n {
				t.Errorf("%s: %d findings decided, want %d", what, d, n)
			}
			t.Logf("killed: %s", what)
		}
		// The rest completes on a new server.
		if left := draftsLeft(); len(left) > 0 {
			srv, base := serve(nil)
			c, csrf := signIn(t, base)
			resp, err := c.PostForm(base+"/findings/bulk", bulkForm(0, csrf, left))
			if err != nil {
				t.Fatalf("the bulk action after the kills: %v", err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("the bulk action after the kills: %s", resp.Status)
			}
			if !srv.waitMarker("findings decided in bulk", 1, 20*time.Second) {
				t.Fatalf("the server did not log the bulk action:\n%s", srv.stderr())
			}
			if log := srv.stderr(); !strings.Contains(log, fmt.Sprintf("done=%d failed=0", len(left))) {
				t.Errorf("the bulk action after the kills did not decide all %d drafts left:\n%s", len(left), log)
			}
			srv.kill(t) // at rest: the action was answered
		} else {
			t.Error("the killed bulk actions left no draft: nothing completes on a new server")
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

// lastRun returns the newest run of the given kind in the store at path.
func lastRun(t *testing.T, path, kind string) store.Run {
	t.Helper()
	st, err := store.Open(path, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	r, ok, err := st.LastRun(kind)
	if err != nil || !ok {
		t.Fatalf("no %s run in %s: %v", kind, path, err)
	}
	return r
}

// The marker lines the crash test waits for must be what the crawler
// logs; a renamed log message would silently turn marker kills into kills
// at the end.
func TestCrashMarkersAreLogged(t *testing.T) {
	cfg, _ := crashPortal(t)
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
	cfg, _ := crashPortal(t)
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
