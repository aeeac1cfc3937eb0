package store

import (
	"errors"
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"
)

func TestListedRoundTrip(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "s.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, ok, err := s.ListedOf("column:a"); ok || err != nil {
		t.Fatalf("empty store: %v %v", ok, err)
	}
	a := Listed{Key: "column:a", RunID: 3, Entries: map[uint64]uint64{ListedKey("http://x/1"): 11, ListedKey("http://x/2"): 12}}
	b := Listed{Key: "mailbox:b", RunID: 4, Entries: map[uint64]uint64{}}
	if err := s.PutListed(a, b); err != nil {
		t.Fatal(err)
	}
	a2 := Listed{Key: "column:a", RunID: 5, Entries: map[uint64]uint64{ListedKey("http://x/2"): 13}}
	if err := s.PutListed(a2); err != nil {
		t.Fatal(err)
	}
	got, ok, err := s.ListedOf("column:a")
	if err != nil || !ok || got.RunID != 5 || got.Has("http://x/1") || !got.Has("http://x/2") {
		t.Fatalf("ListedOf = %+v %v %v", got, ok, err)
	}
	if sig, ok := got.Sig("http://x/2"); !ok || sig != 13 {
		t.Errorf("Sig = %d %v", sig, ok)
	}
	all, err := s.AllListed()
	if err != nil || len(all) != 2 || all["mailbox:b"].RunID != 4 || len(all["mailbox:b"].Entries) != 0 {
		t.Fatalf("AllListed = %+v %v", all, err)
	}
	if err := s.PutListed(Listed{RunID: 1}); err == nil {
		t.Error("a listing without key was stored")
	}
	// A damaged record is an error, not an empty listing.
	if err := s.update(func(tx *bolt.Tx) error { return putRaw(tx, bucketListed, []byte("column:c"), []byte{1, 2, 3}) }); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.ListedOf("column:c"); !errors.Is(err, ErrCorrupt) {
		t.Errorf("damaged listing: %v", err)
	}
	if _, err := s.AllListed(); !errors.Is(err, ErrCorrupt) {
		t.Errorf("AllListed with a damaged listing: %v", err)
	}
}

// TestBatchListedAndListPages: Write stores a batch's listings and list
// pages with its source states, and refuses them without a key.
func TestBatchListedAndListPages(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "s.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, ok, err := s.ListPageOf("http://x/list"); ok || err != nil {
		t.Fatalf("empty store: %v %v", ok, err)
	}
	lp := ListPage{URL: "http://x/list", ETag: `"e1"`, LastModified: "Thu, 26 Nov 2026 00:00:00 GMT", RunID: 2,
		Entries: []ListEntry{{URL: "http://x/1", Fields: []string{"标题", "2026-11-20"}}, {Fields: []string{"no-page"}}},
		Next:    []string{"http://x/list_1"}}
	src := SourceState{Key: "column:a", Kind: SourceColumn, ID: "a", Audited: true, RunID: 2}
	l := Listed{Key: "column:a", RunID: 2, Entries: map[uint64]uint64{ListedKey("http://x/1"): 7}}
	if err := s.Write(&Batch{Sources: []SourceState{src}, Listed: []Listed{l}, ListPages: []ListPage{lp}}); err != nil {
		t.Fatal(err)
	}
	got, ok, err := s.ListPageOf(lp.URL)
	if err != nil || !ok || got.ETag != lp.ETag || got.LastModified != lp.LastModified || got.RunID != 2 ||
		len(got.Entries) != 2 || got.Entries[0].Fields[0] != "标题" || got.Entries[1].URL != "" ||
		len(got.Next) != 1 || got.Next[0] != lp.Next[0] {
		t.Fatalf("ListPageOf = %+v %v %v", got, ok, err)
	}
	gl, ok, err := s.ListedOf("column:a")
	if err != nil || !ok || gl.RunID != 2 || !gl.Has("http://x/1") {
		t.Fatalf("ListedOf = %+v %v %v", gl, ok, err)
	}
	for _, b := range []*Batch{{Listed: []Listed{{RunID: 3}}}, {ListPages: []ListPage{{RunID: 3}}}} {
		if err := s.Write(b); err == nil {
			t.Errorf("Write(%+v) accepted a record without key", b)
		}
	}
	if got, _, _ := s.ListPageOf(lp.URL); got.RunID != 2 {
		t.Errorf("list page after refused batches: run %d", got.RunID)
	}
}
