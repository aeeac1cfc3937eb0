package store

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Environment of a re-executed test binary acting as a second process.
const (
	envChildMode = "GOVAUDIT_STORE_CHILD"
	envChildPath = "GOVAUDIT_STORE_PATH"
)

// TestMain lets the test binary play a second process: with envChildMode
// set it runs that role instead of the tests.
func TestMain(m *testing.M) {
	switch os.Getenv(envChildMode) {
	case "":
		os.Exit(m.Run())
	case "hold":
		os.Exit(childHold(os.Getenv(envChildPath)))
	case "churn":
		os.Exit(childChurn(os.Getenv(envChildPath)))
	default:
		fmt.Fprintln(os.Stderr, "unknown child mode")
		os.Exit(3)
	}
}

// childHold opens the store, says "ready" and holds it until killed or
// stdin closes.
func childHold(path string) int {
	s, err := Open(path, Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer s.Close()
	fmt.Println("ready")
	bufio.NewReader(os.Stdin).ReadString('\n')
	return 0
}

// childChurn writes findings, decisions and crawl batches in a loop,
// printing the round number after each, until killed.
func childChurn(path string) int {
	s, err := Open(path, Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if _, err := s.StartRun("check", t0); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	for round := 1; ; round++ {
		var found []Finding
		for i := range 200 {
			found = append(found, mkFinding("timeliness", fmt.Sprintf("https://x.test/%d/%d", round%3, i), "u1", float64(i%4)))
		}
		now := t0.Add(time.Duration(round) * time.Minute)
		if _, err := s.SyncFindings(SyncRequest{Rules: []string{"timeliness"}, Found: found, Now: now}); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		id := FindingID("timeliness", fmt.Sprintf("https://x.test/%d/%d", round%3, round%200))
		s.Decide(id, Action{Kind: DecideConfirm, By: "li", At: now}) // may be refused: not a draft
		var b Batch
		for i := range 100 {
			b.Items = append(b.Items, Item{URL: fmt.Sprintf("https://x.test/a/%d/%d", round, i), Column: "c" + strconv.Itoa(i%5), FetchedAt: now})
		}
		if err := s.Write(&b); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		fmt.Println(round)
	}
}

// startChild re-executes the test binary in the given mode on path and
// waits until it prints its first line.
func startChild(t *testing.T, mode, path string) (*exec.Cmd, *bufio.Reader) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), envChildMode+"="+mode, envChildPath+"="+path)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	r := bufio.NewReader(stdout)
	line, err := r.ReadString('\n')
	if err != nil {
		t.Fatalf("child %s: no first line: %v", mode, err)
	}
	_ = line
	return cmd, r
}

// t0 is a fixed time of the tests (UTC, so values survive a JSON round
// trip unchanged for reflect.DeepEqual).
var t0 = time.Date(2026, 3, 2, 1, 30, 0, 0, time.UTC)

// openTemp opens a new store in a temporary directory.
func openTemp(t testing.TB) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "govaudit.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// mkFinding makes a finding as a check reports it.
func mkFinding(rule, subject, unit string, points float64) Finding {
	return Finding{
		ID: FindingID(rule, subject), Rule: rule, Subject: subject, Unit: unit, Column: "col-" + unit,
		URL: subject, Title: "关于" + subject + "的通知", Quarter: "2026Q1", Points: points, Scoring: true,
		Evidence: Evidence{Text: "成文 2026-01-05，发布 2026-02-20：30 个工作日，超过 20 个工作日",
			Dates: map[string]string{"written": "2026-01-05", "published": "2026-02-20"}, WorkingDays: 30,
			Skipped: []string{"春节 2026-02-15 至 2026-02-23"}},
	}
}

// storedBlobSizes returns the stored size of every blob of kind in the
// packs, by hash, read from the blob index.
func storedBlobSizes(t *testing.T, s *Store, kind byte) map[string]int {
	t.Helper()
	m := map[string]int{}
	err := s.view(func(tx *bolt.Tx) error {
		return eachRaw(tx, bucketBlobs, []byte{kind}, func(k, v []byte) error {
			ref, err := decodeBlobRef(v)
			if err != nil {
				return err
			}
			m[string(k[1:])] = int(ref.n)
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// packBytes returns the total size of the store's pack files.
func packBytes(t *testing.T, s *Store) int64 {
	t.Helper()
	sizes, err := s.packs.sizes()
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	for _, size := range sizes {
		n += size
	}
	return n
}
