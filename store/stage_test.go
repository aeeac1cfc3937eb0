package store

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// hookCtx is a context whose Err calls hook with the number of the call
// (from 1) and returns hook's error when it is not nil: the points
// between a sync's transactions.
type hookCtx struct {
	context.Context
	calls atomic.Int64
	hook  func(n int) error
}

func (c *hookCtx) Err() error {
	if err := c.hook(int(c.calls.Add(1))); err != nil {
		return err
	}
	return c.Context.Err()
}

// stagedFixture is a store with two findings of rule timeliness synced at
// t0, a confirmed and b a draft, which stages one finding per transaction;
// and the next check's findings: a and b again and news, not stored yet.
func stagedFixture(t *testing.T, news int) (s *Store, a, b Finding, found []Finding) {
	t.Helper()
	s, _, a, b = syncedPair(t)
	if _, err := s.Decide(a.ID, Action{Kind: DecideConfirm, By: "li", At: t0}); err != nil {
		t.Fatal(err)
	}
	s.stageChunk = 1
	found = []Finding{a, b}
	for i := range news {
		found = append(found, mkFinding("timeliness", fmt.Sprintf("https://gov.test/new/%02d", i), "u2", 1))
	}
	return s, a, b, found
}

// visible returns what the readers of s show: the findings of Findings,
// EachFinding and FindingsOfRule by id, and the count of Count.
func visible(t *testing.T, s *Store) (list, each, ofRule map[string]string, count int) {
	t.Helper()
	list, each, ofRule = map[string]string{}, map[string]string{}, map[string]string{}
	fs, _, err := s.Findings(Filter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fs {
		list[f.ID] = f.Status
	}
	if err := s.EachFinding(func(f Finding) error { each[f.ID] = f.Status; return nil }); err != nil {
		t.Fatal(err)
	}
	rs, err := s.FindingsOfRule("timeliness")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range rs {
		ofRule[f.ID] = f.Status
	}
	c, err := s.Count()
	if err != nil {
		t.Fatal(err)
	}
	return list, each, ofRule, c.Findings
}

// wantVisible fails unless every reader of s shows exactly want.
func wantVisible(t *testing.T, s *Store, when string, want map[string]string) {
	t.Helper()
	list, each, ofRule, count := visible(t, s)
	for name, got := range map[string]map[string]string{"Findings": list, "EachFinding": each, "FindingsOfRule": ofRule} {
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: %s shows %v, want %v", when, name, got, want)
		}
	}
	if count != len(want) {
		t.Errorf("%s: Count says %d findings, want %d", when, count, len(want))
	}
}

// stagedIDs returns the ids every stage in s names.
func stagedIDs(t *testing.T, s *Store) []string {
	t.Helper()
	var ids []string
	err := s.view(func(tx *bolt.Tx) error {
		for _, st := range stagesOf(tx) {
			st.ForEach(func(k, _ []byte) error { ids = append(ids, string(k)); return nil })
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

// TestSyncStagesNewFindingsInvisibly: while a sync stages its new
// findings, transaction after transaction, no reader sees them, nor any
// change to the findings that existed; its last commit shows them all.
func TestSyncStagesNewFindingsInvisibly(t *testing.T) {
	s, a, b, found := stagedFixture(t, 5)
	before := map[string]string{a.ID: StatusConfirmed, b.ID: StatusDraft}
	wantVisible(t, s, "before the sync", before) // the cache is loaded now
	ctx := &hookCtx{Context: context.Background()}
	var between []int
	ctx.hook = func(n int) error {
		between = append(between, len(stagedIDs(t, s)))
		wantVisible(t, s, fmt.Sprintf("after staging transaction %d", n), before)
		if f, err := s.Finding(found[2].ID); !errors.Is(err, ErrNotFound) {
			t.Errorf("after staging transaction %d: Finding of a staged one: %+v, %v", n, f, err)
		}
		return nil
	}
	res, err := s.SyncFindings(SyncRequest{Rules: []string{"timeliness"}, Found: found[:1], Spool: spoolOf(t, found[2:]), Now: t0.Add(time.Hour), Ctx: ctx})
	if err != nil {
		t.Fatal(err)
	}
	// One staging transaction per new finding (a, which exists, waits for
	// the last transaction), each followed by a look at the context.
	if len(between) < 5 || between[len(between)-1] != 5 {
		t.Errorf("staged findings after each transaction: %v, want 5 transactions or more ending with 5", between)
	}
	want := map[string]string{a.ID: StatusConfirmed, b.ID: StatusResolved}
	for _, f := range found[2:] {
		want[f.ID] = StatusDraft
	}
	wantVisible(t, s, "after the sync", want)
	if res.New != 5 || res.Resolved != 1 || res.Unchanged != 1 || res.RolledBack != 0 {
		t.Errorf("result %+v, want 5 new, 1 resolved, 1 unchanged", res)
	}
	if ids := stagedIDs(t, s); len(ids) != 0 {
		t.Errorf("stages left after the sync: %v", ids)
	}
	if err := s.Verify(); err != nil {
		t.Error(err)
	}
}

// TestSyncInterruptedWhileStaging: a sync stopped between two staging
// transactions (its context, or a killed process) leaves its staged
// findings in the file, invisible, also after a reopen; the store
// verifies; the next sync removes them before it starts and then stores
// what it found, each new finding with one "detected" event.
func TestSyncInterruptedWhileStaging(t *testing.T) {
	s, a, b, found := stagedFixture(t, 6)
	before := map[string]string{a.ID: StatusConfirmed, b.ID: StatusDraft}
	stop := errors.New("stopped")
	ctx := &hookCtx{Context: context.Background(), hook: func(n int) error {
		if n == 3 {
			return stop
		}
		return nil
	}}
	_, err := s.SyncFindings(SyncRequest{Rules: []string{"timeliness"}, Found: found[2:], Now: t0.Add(time.Hour), Ctx: ctx})
	if !errors.Is(err, stop) {
		t.Fatalf("interrupted sync: %v, want the context's error", err)
	}
	staged := stagedIDs(t, s)
	if len(staged) != 3 {
		t.Fatalf("%d findings staged after three staging transactions, want 3", len(staged))
	}
	wantVisible(t, s, "after the interrupted sync", before)
	if err := s.Verify(); err != nil {
		t.Fatalf("store after an interrupted sync: %v", err)
	}

	path := s.Path()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	wantVisible(t, s, "after a reopen", before)

	res, err := s.SyncFindings(SyncRequest{Rules: []string{"timeliness"}, Found: found, Now: t0.Add(2 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if res.RolledBack != 3 || res.New != 6 || res.Unchanged != 2 {
		t.Errorf("next sync: %+v, want 3 rolled back, 6 new, 2 unchanged", res)
	}
	want := map[string]string{a.ID: StatusConfirmed, b.ID: StatusDraft}
	for _, f := range found[2:] {
		want[f.ID] = StatusDraft
	}
	wantVisible(t, s, "after the next sync", want)
	for _, id := range staged {
		h, err := s.History(id)
		if err != nil {
			t.Fatal(err)
		}
		if len(h) != 1 || h[0].Action != ActionDetected || !h[0].At.Equal(t0.Add(2*time.Hour)) {
			t.Errorf("history of %s, staged by the interrupted sync: %+v; want one detected event of the next sync", id, h)
		}
	}
	if ids := stagedIDs(t, s); len(ids) != 0 {
		t.Errorf("stages left after the next sync: %v", ids)
	}
	if err := s.Verify(); err != nil {
		t.Error(err)
	}
}

// TestVerifyReportsBrokenStage: a stage that names a finding the store
// does not hold is damage.
func TestVerifyReportsBrokenStage(t *testing.T) {
	s := openTemp(t)
	err := s.update(func(tx *bolt.Tx) error {
		st, _, err := openStage(tx, nil)
		if err != nil {
			return err
		}
		return st.Put([]byte("tim-0000000000"), []byte{})
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Verify(); !errors.Is(err, ErrCorrupt) {
		t.Errorf("Verify of a stage naming no finding: %v, want ErrCorrupt", err)
	}
}

// spoolOf returns a spool holding found.
func spoolOf(t *testing.T, found []Finding) *FindingSpool {
	t.Helper()
	sp, err := NewFindingSpool(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sp.Close() })
	for _, f := range found {
		if err := sp.Add(f); err != nil {
			t.Fatal(err)
		}
	}
	return sp
}

// TestSyncIsAtomicForConcurrentReaders: a reader polling the findings
// while a sync stages fifty new ones, one transaction each, sees either
// everything before the sync or everything after it, never a part.
func TestSyncIsAtomicForConcurrentReaders(t *testing.T) {
	s, a, b, found := stagedFixture(t, 50)
	before := map[string]string{a.ID: StatusConfirmed, b.ID: StatusDraft}
	after := map[string]string{a.ID: StatusConfirmed, b.ID: StatusDraft}
	for _, f := range found[2:] {
		after[f.ID] = StatusDraft
	}
	done := make(chan struct{})
	reads := make(chan int)
	go func() {
		n := 0
		defer func() { reads <- n }()
		for {
			select {
			case <-done:
				return
			default:
			}
			// Findings reads the cache, FindingsOfRule the records.
			cached, _, err := s.Findings(Filter{})
			if err != nil {
				t.Error(err)
				return
			}
			read, err := s.FindingsOfRule("timeliness")
			if err != nil {
				t.Error(err)
				return
			}
			for name, fs := range map[string][]Finding{"Findings": cached, "FindingsOfRule": read} {
				got := map[string]string{}
				for _, f := range fs {
					got[f.ID] = f.Status
				}
				if !reflect.DeepEqual(got, before) && !reflect.DeepEqual(got, after) {
					t.Errorf("%s saw %d findings mid-sync, neither the %d before nor the %d after", name, len(got), len(before), len(after))
					return
				}
			}
			n++
		}
	}()
	if _, err := s.SyncFindings(SyncRequest{Rules: []string{"timeliness"}, Found: found, Now: t0.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	close(done)
	if n := <-reads; n < 2 {
		t.Logf("only %d reads during the sync", n)
	}
	wantVisible(t, s, "after the sync", after)
}

// TestSyncRefusesDamagedStages: a value where a stage bucket belongs is
// damage: the sync stores nothing and says which file and what to do.
func TestSyncRefusesDamagedStages(t *testing.T) {
	s, a, b, found := stagedFixture(t, 3)
	err := s.update(func(tx *bolt.Tx) error {
		top, err := writeBucket(tx, bucketFindingStages)
		if err != nil {
			return err
		}
		return top.Put([]byte("not-a-stage"), []byte("x"))
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.SyncFindings(SyncRequest{Rules: []string{"timeliness"}, Found: found, Now: t0.Add(time.Hour)})
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), s.Path()) || !strings.Contains(err.Error(), "govaudit backup") {
		t.Errorf("sync over a damaged stage bucket: %v; want ErrCorrupt naming the store and the backup to restore", err)
	}
	wantVisible(t, s, "after the refused sync", map[string]string{a.ID: StatusConfirmed, b.ID: StatusDraft})
	if err := s.Verify(); !errors.Is(err, ErrCorrupt) {
		t.Errorf("Verify: %v, want ErrCorrupt", err)
	}
}

// TestSyncWithNothingNewCommitsOnce: a nightly sync that finds no new
// finding commits one transaction, as before staging: the look for new
// ones writes nothing.
func TestSyncWithNothingNewCommitsOnce(t *testing.T) {
	s, _, _, found := stagedFixture(t, 0)
	lastTx := func() int {
		var id int
		if err := s.view(func(tx *bolt.Tx) error { id = tx.ID(); return nil }); err != nil {
			t.Fatal(err)
		}
		return id
	}
	before := lastTx()
	res, err := s.SyncFindings(SyncRequest{Rules: []string{"timeliness"}, Found: found, Now: t0.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if res.Unchanged != 2 || res.New != 0 {
		t.Errorf("result %+v, want 2 unchanged", res)
	}
	if n := lastTx() - before; n != 1 {
		t.Errorf("a sync with nothing new committed %d transactions, want 1", n)
	}
}
