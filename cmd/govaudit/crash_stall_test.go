package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// envCrashStall, set in a child's environment to a stallPoint, makes the
// child stall, alive, at a known point of its work. As it stalls it writes
// stallNote, so that a test waiting for that line kills the child exactly
// there: it has not finished, and it does nothing more before the kill.
const envCrashStall = "GOVAUDIT_CRASH_CHILD_STALL"

// stallNote starts the line a stalling child writes as it stalls.
const stallNote = "govaudit crash test: the child stalls"

// stallPoint is where a child stalls, written "WHERE:N:MARKER":
//
//   - stdout:N:MARKER, stderr:N:MARKER: as it is about to write its N-th
//     line containing MARKER to that stream (slog writes a record in one
//     Write, so a log message is a marker);
//   - ctx:N:FUNC: at the N-th call of Err, made by the function FUNC (its
//     full name, e.g. github.com/govaudit/govaudit/rules.check; empty: by
//     any function), on the context runMain runs with. Its note goes to
//     stderr.
type stallPoint struct {
	where  string
	n      int
	marker string
}

func (p stallPoint) String() string { return fmt.Sprintf("%s:%d:%s", p.where, p.n, p.marker) }

// parseStallPoint reads a stallPoint written by its String method.
func parseStallPoint(v string) (stallPoint, error) {
	parts := strings.SplitN(v, ":", 3)
	if len(parts) != 3 {
		return stallPoint{}, fmt.Errorf("bad %s=%q: want WHERE:N:MARKER", envCrashStall, v)
	}
	n, err := strconv.Atoi(parts[1])
	p := stallPoint{where: parts[0], n: n, marker: parts[2]}
	switch {
	case err != nil || n < 1:
		return stallPoint{}, fmt.Errorf("bad %s=%q: N must be a positive number", envCrashStall, v)
	case p.where != "stdout" && p.where != "stderr" && p.where != "ctx":
		return stallPoint{}, fmt.Errorf("bad %s=%q: WHERE is stdout, stderr or ctx", envCrashStall, v)
	case p.where != "ctx" && p.marker == "":
		return stallPoint{}, fmt.Errorf("bad %s=%q: a stream needs a MARKER", envCrashStall, v)
	}
	return p, nil
}

// childWiring returns the context, stdout and stderr a child govaudit
// runs with: context.Background(), os.Stdout and os.Stderr, one of them
// stalling as envCrashStall says.
func childWiring() (context.Context, io.Writer, io.Writer, error) {
	ctx, stdout, stderr := context.Background(), io.Writer(os.Stdout), io.Writer(os.Stderr)
	v := os.Getenv(envCrashStall)
	if v == "" {
		return ctx, stdout, stderr, nil
	}
	p, err := parseStallPoint(v)
	if err != nil {
		return nil, nil, nil, err
	}
	switch p.where {
	case "stdout":
		stdout = &stallWriter{w: os.Stdout, marker: []byte(p.marker), n: p.n, note: os.Stdout}
	case "stderr":
		stderr = &stallWriter{w: os.Stderr, marker: []byte(p.marker), n: p.n, note: os.Stderr}
	case "ctx":
		ctx = &stallContext{Context: ctx, caller: p.marker, n: int64(p.n), note: os.Stderr}
	}
	return ctx, stdout, stderr, nil
}

// stall writes the stall note to note (when not nil), closes stalled
// (when not nil) and never returns.
func stall(note io.Writer, what string, stalled chan struct{}) {
	if note != nil {
		fmt.Fprintf(note, "%s (%s)\n", stallNote, what)
	}
	if stalled != nil {
		close(stalled)
	}
	for {
		// Sleep rather than block on a channel: the runtime would call a
		// process whose goroutines all block a deadlock.
		time.Sleep(time.Hour)
	}
}

// stallWriter passes writes to w until the n-th one containing marker,
// which never returns.
type stallWriter struct {
	w      io.Writer
	marker []byte
	n      int
	seen   int
	// note, when set, receives the stall note as the writer stalls.
	note io.Writer
	// stalled, when set, is closed as the writer stalls.
	stalled chan struct{}
}

func (s *stallWriter) Write(p []byte) (int, error) {
	if bytes.Contains(p, s.marker) {
		if s.seen++; s.seen == s.n {
			stall(s.note, fmt.Sprintf("before marker line %d", s.n), s.stalled)
		}
	}
	return s.w.Write(p)
}

// stallContext is a context whose n-th Err call made by the function
// caller (any function when empty) never returns. Err is where
// long-running work looks whether it should stop, so a stall there
// freezes the work between two of its steps.
type stallContext struct {
	context.Context
	caller string
	n      int64
	seen   atomic.Int64
	// note, when set, receives the stall note as the context stalls.
	note io.Writer
	// stalled, when set, is closed as the context stalls.
	stalled chan struct{}
}

func (c *stallContext) Err() error {
	if c.caller == "" || errCaller() == c.caller {
		if c.seen.Add(1) == c.n {
			what := fmt.Sprintf("at call %d of ctx.Err", c.n)
			if c.caller != "" {
				what += " by " + c.caller
			}
			stall(c.note, what, c.stalled)
		}
	}
	return c.Context.Err()
}

// errCaller returns the name of the function that called
// (*stallContext).Err (inlined functions count as their own).
func errCaller() string {
	pcs := make([]uintptr, 16)
	frames := runtime.CallersFrames(pcs[:runtime.Callers(1, pcs)])
	for afterErr := false; ; {
		f, more := frames.Next()
		if afterErr {
			return f.Function
		}
		afterErr = strings.HasSuffix(f.Function, ".(*stallContext).Err")
		if !more {
			return ""
		}
	}
}

// startStalled starts govaudit with args in a child process that stalls
// at p (envCrashStall).
func startStalled(t *testing.T, p stallPoint, args ...string) *child {
	t.Helper()
	// startChild copies the environment when it starts the process; the
	// variable must not reach other children.
	if err := os.Setenv(envCrashStall, p.String()); err != nil {
		t.Fatal(err)
	}
	defer os.Unsetenv(envCrashStall)
	return startChild(t, args...)
}

// startStallingChild starts govaudit with args in a child process that
// stalls before printing its n-th stdout line containing marker.
func startStallingChild(t *testing.T, marker string, n int, args ...string) *child {
	t.Helper()
	return startStalled(t, stallPoint{where: "stdout", n: n, marker: marker}, args...)
}

// killAtStall waits until the child c writes the stall note, then kills
// it there. It fails the test unless the child stalled and was alive when
// killed: a kill that could land after the end tests nothing.
func killAtStall(t *testing.T, c *child, what string) {
	t.Helper()
	if !c.waitMarker(stallNote, 1, 30*time.Second) {
		c.kill(t)
		t.Fatalf("%s: the child never stalled (exit %d)\nstdout:\n%s\nstderr:\n%s", what, c.code, c.stdout(), c.stderr())
	}
	if !c.kill(t) {
		t.Fatalf("%s: the stalled child had exited (%d) before the kill", what, c.code)
	}
}

// TestStallWriter checks the hook the crash tests rely on: lines pass
// until the n-th marker line, which stalls.
func TestStallWriter(t *testing.T) {
	var buf, note bytes.Buffer
	s := &stallWriter{w: &buf, marker: []byte("已确认"), n: 3, note: &note, stalled: make(chan struct{})}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for _, l := range []string{"a 已确认\n", "warning\n", "b 已确认\n", "c 已确认\n", "d 已确认\n"} {
			s.Write([]byte(l))
		}
	}()
	select {
	case <-s.stalled:
	case <-done:
		t.Fatal("the writer did not stall")
	case <-time.After(10 * time.Second):
		t.Fatal("the writer neither stalled nor returned")
	}
	// The goroutine sleeps for good: it writes nothing more.
	if got, want := buf.String(), "a 已确认\nwarning\nb 已确认\n"; got != want {
		t.Errorf("written before the stall: %q, want %q", got, want)
	}
	if !strings.HasPrefix(note.String(), stallNote) {
		t.Errorf("stall note %q, want one starting %q", note.String(), stallNote)
	}
	select {
	case <-done:
		t.Error("the stalled write returned")
	default:
	}
}

// TestStallContext checks the context hook: Err calls made by other
// functions pass, the n-th made by the named one stalls.
func TestStallContext(t *testing.T) {
	probe := runtime.FuncForPC(reflect.ValueOf(stallContextProbe).Pointer()).Name()
	for _, tc := range []struct {
		name   string
		caller string
		want   int // calls of the loop below that return before the stall
	}{
		{"any caller", "", 2},
		{"named caller", probe, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var note bytes.Buffer
			c := &stallContext{Context: context.Background(), caller: tc.caller, n: 3, note: &note, stalled: make(chan struct{})}
			var returned atomic.Int64
			done := make(chan struct{})
			go func() {
				defer close(done)
				for i := range 8 {
					if i%2 == 0 {
						c.Err() // called by the closure: not the named caller
					} else {
						stallContextProbe(c)
					}
					returned.Add(1)
				}
			}()
			select {
			case <-c.stalled:
			case <-done:
				t.Fatal("the context did not stall")
			case <-time.After(10 * time.Second):
				t.Fatal("the context neither stalled nor returned")
			}
			if got := returned.Load(); got != int64(tc.want) {
				t.Errorf("%d Err calls returned before the stall, want %d", got, tc.want)
			}
			if !strings.HasPrefix(note.String(), stallNote) {
				t.Errorf("stall note %q, want one starting %q", note.String(), stallNote)
			}
		})
	}
}

// stallContextProbe calls ctx.Err, as a named function for TestStallContext.
//
//go:noinline
func stallContextProbe(ctx context.Context) error { return ctx.Err() }
