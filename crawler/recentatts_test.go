package crawler

import (
	"fmt"
	"testing"

	"github.com/govaudit/govaudit/store"
)

// TestRecentAttsKeepsTheLatest: the run's attachment readings are bounded;
// the oldest URL goes first, a reading put again replaces the old one
// without taking another place.
func TestRecentAttsKeepsTheLatest(t *testing.T) {
	ra := newRecentAtts(3)
	for i := range 5 {
		ra.put(store.AttachmentText{URL: fmt.Sprintf("u%d", i), Bytes: int64(i)})
	}
	ra.put(store.AttachmentText{URL: "u4", Bytes: 40})
	for _, tc := range []struct {
		url   string
		ok    bool
		bytes int64
	}{
		{"u0", false, 0}, {"u1", false, 0}, {"u2", true, 2}, {"u3", true, 3}, {"u4", true, 40},
	} {
		at, ok := ra.get(tc.url)
		if ok != tc.ok || at.Bytes != tc.bytes {
			t.Errorf("get(%s) = %d, %v; want %d, %v", tc.url, at.Bytes, ok, tc.bytes, tc.ok)
		}
	}
	if len(ra.m) != 3 {
		t.Errorf("holds %d readings, want 3", len(ra.m))
	}
	ra.put(store.AttachmentText{URL: "u5"})
	if _, ok := ra.get("u2"); ok {
		t.Error("u2, the oldest, was kept after a fourth URL")
	}
	// u0 and u2 were dropped: reading them again is counted, once each.
	ra.put(store.AttachmentText{URL: "u0"})
	ra.put(store.AttachmentText{URL: "u2"})
	ra.put(store.AttachmentText{URL: "u6"})
	if ra.rereads != 2 {
		t.Errorf("rereads = %d, want 2 (u0 and u2)", ra.rereads)
	}
}
