package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// envCrashStall, set as "N:MARKER" in a child's environment, makes the
// child stall, alive, when it is about to print its N-th stdout line
// containing MARKER. A test waiting for the (N-1)-th marker line can then
// kill the child knowing that it has not finished: the kill lands while
// the N-th action is under way or just after it, never after the end.
const envCrashStall = "GOVAUDIT_CRASH_CHILD_STALL"

// childStdout returns the stdout a child govaudit writes to: os.Stdout,
// behind a stallWriter when envCrashStall is set.
func childStdout() io.Writer {
	v := os.Getenv(envCrashStall)
	if v == "" {
		return os.Stdout
	}
	num, marker, ok := strings.Cut(v, ":")
	n, err := strconv.Atoi(num)
	if !ok || err != nil || n < 1 || marker == "" {
		fmt.Fprintf(os.Stderr, "bad %s=%q: want N:MARKER\n", envCrashStall, v)
		os.Exit(3)
	}
	return &stallWriter{w: os.Stdout, marker: []byte(marker), n: n}
}

// stallWriter passes writes to w until the n-th one containing marker,
// which never returns.
type stallWriter struct {
	w      io.Writer
	marker []byte
	n      int
	seen   int
	// stalled, when set, is closed as the writer stalls.
	stalled chan struct{}
}

func (s *stallWriter) Write(p []byte) (int, error) {
	if bytes.Contains(p, s.marker) {
		if s.seen++; s.seen == s.n {
			if s.stalled != nil {
				close(s.stalled)
			}
			for {
				// Sleep rather than block on a channel: the runtime would
				// call a process whose goroutines all block a deadlock.
				time.Sleep(time.Hour)
			}
		}
	}
	return s.w.Write(p)
}

// startStallingChild starts govaudit with args in a child process that
// stalls before printing its n-th line containing marker (envCrashStall).
func startStallingChild(t *testing.T, marker string, n int, args ...string) *child {
	t.Helper()
	// startChild copies the environment when it starts the process; the
	// variable must not reach other children.
	if err := os.Setenv(envCrashStall, fmt.Sprintf("%d:%s", n, marker)); err != nil {
		t.Fatal(err)
	}
	defer os.Unsetenv(envCrashStall)
	return startChild(t, args...)
}

// TestStallWriter checks the hook the crash tests rely on: lines pass
// until the n-th marker line, which stalls.
func TestStallWriter(t *testing.T) {
	var buf bytes.Buffer
	s := &stallWriter{w: &buf, marker: []byte("已确认"), n: 3, stalled: make(chan struct{})}
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
	select {
	case <-done:
		t.Error("the stalled write returned")
	default:
	}
}
