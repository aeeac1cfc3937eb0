package store

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"
	bolt "go.etcd.io/bbolt"
)

func TestRunsRoundTrip(t *testing.T) {
	s := openTemp(t)
	crawl, err := s.StartRun("crawl", t0)
	if err != nil {
		t.Fatal(err)
	}
	if crawl.ID == 0 || crawl.Status != RunRunning || !crawl.StartedAt.Equal(t0) {
		t.Fatalf("StartRun = %+v", crawl)
	}
	check, err := s.StartRun("check", t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	crawl2, err := s.StartRun("crawl", t0.Add(2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	crawl.Status, crawl.EndedAt, crawl.Pages, crawl.Bytes = RunOK, t0.Add(30*time.Minute), 120, 1<<20
	crawl.Errors = map[string]int{"timeout": 2}
	crawl.Families = map[string]FamilyStats{"trs": {Pages: 10, Items: 8, Attachments: 3}}
	crawl.Figures = map[string]int{"new": 1}
	crawl.Resume = []byte("opaque")
	if err := s.SaveRun(crawl); err != nil {
		t.Fatal(err)
	}
	got, err := s.Run(crawl.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, crawl) {
		t.Errorf("Run = %+v, want %+v", got, crawl)
	}
	if _, err := s.Run(999); !errors.Is(err, ErrNotFound) {
		t.Errorf("Run(999) error = %v, want ErrNotFound", err)
	}

	ids := func(runs []Run) []uint64 {
		var out []uint64
		for _, r := range runs {
			out = append(out, r.ID)
		}
		return out
	}
	for _, tc := range []struct {
		kind  string
		limit int
		want  []uint64
	}{
		{"", 0, []uint64{crawl2.ID, check.ID, crawl.ID}},
		{"", 2, []uint64{crawl2.ID, check.ID}},
		{"crawl", 0, []uint64{crawl2.ID, crawl.ID}},
		{"crawl", 1, []uint64{crawl2.ID}},
		{"check", 5, []uint64{check.ID}},
		{"digest", 0, nil},
		{"cra", 0, nil}, // a prefix of a kind is another kind
	} {
		runs, err := s.Runs(tc.kind, tc.limit)
		if err != nil {
			t.Fatal(err)
		}
		if got := ids(runs); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Runs(%q, %d) = %v, want %v", tc.kind, tc.limit, got, tc.want)
		}
	}
	last, ok, err := s.LastRun("check")
	if err != nil || !ok || last.ID != check.ID {
		t.Errorf("LastRun(check) = %v %v %v", last.ID, ok, err)
	}
	if _, ok, err := s.LastRun("digest"); ok || err != nil {
		t.Errorf("LastRun(digest) = %v %v, want none", ok, err)
	}

	// Changing a run's kind moves it in the index; an explicit ID moves the sequence.
	check.Kind = "nightly"
	if err := s.SaveRun(check); err != nil {
		t.Fatal(err)
	}
	if runs, _ := s.Runs("check", 0); len(runs) != 0 {
		t.Errorf("Runs(check) after kind change = %v", ids(runs))
	}
	if err := s.SaveRun(Run{ID: 50, Kind: "probe", StartedAt: t0}); err != nil {
		t.Fatal(err)
	}
	next, _ := s.StartRun("probe", t0)
	if next.ID != 51 {
		t.Errorf("run after explicit id 50 got id %d, want 51", next.ID)
	}
	if _, err := s.StartRun("", t0); err == nil {
		t.Error("StartRun without kind accepted")
	}
}

func TestInterruptedRunsMarkedAtOpen(t *testing.T) {
	s := openTemp(t)
	path := s.Path()
	r, _ := s.StartRun("crawl", t0)
	done, _ := s.StartRun("check", t0)
	done.Status = RunOK
	s.SaveRun(done)
	s.Close()
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, _ := s.Run(r.ID)
	if got.Status != RunInterrupted || got.Note == "" {
		t.Errorf("left-running run after reopen = %q %q, want interrupted with a note", got.Status, got.Note)
	}
	if got, _ := s.Run(done.ID); got.Status != RunOK {
		t.Errorf("finished run after reopen = %q, want ok", got.Status)
	}
}

// sampleBatch is a batch with one record of every kind.
func sampleBatch() (*Batch, []byte) {
	html := []byte(strings.Repeat("<p>关于印发《2026年政务公开工作要点》的通知</p>\n", 200))
	h := SnapshotHash(html)
	return &Batch{
		Pages: []Page{{URL: "https://gov.test/a.html", Status: 200, ETag: `"e1"`, LastModified: "Mon, 02 Mar 2026 01:00:00 GMT",
			Hash: h, Charset: "gbk", Bytes: len(html), FetchedAt: t0, RunID: 1}},
		Snapshots: map[string][]byte{h: html},
		Items: []Item{{URL: "https://gov.test/a.html", Unit: "u01", Column: "u01-notice", Family: "trs", Title: "通知",
			ListDate: "2026-03-01", Published: "2026-03-01", Written: "2026-02-20", DocNo: "X府办〔2026〕3号",
			IndexNo: "11/2026-00003", Publisher: "X区政府办公室", Validity: "有效",
			Attachments: []Attachment{{URL: "https://gov.test/a.pdf", Name: "附件1.pdf", Type: "pdf", Status: 404,
				Checked: true, Broken: "HTTP 404"}},
			NamedAttachments: []string{"附件1"}, BodyLen: 900, Links: []string{"https://gov.test/b.html"},
			SnapshotHash: h, FetchedAt: t0, RunID: 1, FirstSeen: t0}},
		Letters: []Letter{{URL: "https://gov.test/mail/1", Mailbox: "qzxx", Unit: "u00", No: "X2026001", Title: "路灯不亮",
			Status: "已办结", Received: "2026-02-01 09:10", Replied: "2026-02-10", ReplyUnit: "城管局", Handler: "城管局",
			SnapshotHash: h, FetchedAt: t0, RunID: 1}},
		Sources: []SourceState{{Key: "column:u01-notice", Kind: SourceColumn, ID: "u01-notice", Unit: "u01",
			URL: "https://gov.test/col/", Audited: true, ListPages: 3, Items: 1, Newest: "2026-03-01", RunID: 1, CrawledAt: t0}},
	}, html
}

func TestWriteRoundTrip(t *testing.T) {
	s := openTemp(t)
	b, html := sampleBatch()
	if err := s.Write(b); err != nil {
		t.Fatal(err)
	}
	if p, ok, err := s.Page(b.Pages[0].URL); err != nil || !ok || !reflect.DeepEqual(p, b.Pages[0]) {
		t.Errorf("Page = %+v %v %v, want %+v", p, ok, err, b.Pages[0])
	}
	if it, ok, err := s.Item(b.Items[0].URL); err != nil || !ok || !reflect.DeepEqual(it, b.Items[0]) {
		t.Errorf("Item = %+v %v %v, want %+v", it, ok, err, b.Items[0])
	}
	var letters []Letter
	if err := s.EachLetter(func(l Letter) error { letters = append(letters, l); return nil }); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(letters, b.Letters) {
		t.Errorf("letters = %+v, want %+v", letters, b.Letters)
	}
	if src, ok, err := s.Source("column:u01-notice"); err != nil || !ok || !reflect.DeepEqual(src, b.Sources[0]) {
		t.Errorf("Source = %+v %v %v", src, ok, err)
	}
	if srcs, err := s.Sources(); err != nil || !reflect.DeepEqual(srcs, b.Sources) {
		t.Errorf("Sources = %+v %v", srcs, err)
	}
	if got, err := s.Snapshot(SnapshotHash(html)); err != nil || !bytes.Equal(got, html) {
		t.Errorf("Snapshot round trip: %d bytes, %v; want %d bytes", len(got), err, len(html))
	}
	for _, get := range []func() (bool, error){
		func() (bool, error) { _, ok, err := s.Page("https://nope"); return ok, err },
		func() (bool, error) { _, ok, err := s.Item("https://nope"); return ok, err },
		func() (bool, error) { _, ok, err := s.Source("column:nope"); return ok, err },
	} {
		if ok, err := get(); ok || err != nil {
			t.Errorf("missing record: found=%v err=%v", ok, err)
		}
	}
	if err := s.Write(nil); err != nil {
		t.Errorf("Write(nil) = %v", err)
	}
}

func TestSnapshotCompressionAndDedup(t *testing.T) {
	s := openTemp(t)
	b, html := sampleBatch()
	h := SnapshotHash(html)
	if len(h) != 32 {
		t.Fatalf("SnapshotHash length %d, want 32", len(h))
	}
	for range 3 { // the same snapshot written again is stored once
		if err := s.Write(&Batch{Snapshots: b.Snapshots}); err != nil {
			t.Fatal(err)
		}
	}
	blobs := storedBlobSizes(t, s, blobSnapshot)
	n, stored := len(blobs), blobs[h]
	if n != 1 {
		t.Errorf("%d snapshots stored, want 1", n)
	}
	if stored == 0 || stored > len(html)/4 {
		t.Errorf("snapshot of %d bytes stored in %d bytes; want compressed below a quarter", len(html), stored)
	}
	got, err := s.Snapshot(h)
	if err != nil || !bytes.Equal(got, html) {
		t.Fatalf("Snapshot = %d bytes, %v", len(got), err)
	}
	if _, err := s.Snapshot("0123456789abcdef0123456789abcdef"); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing snapshot error = %v, want ErrNotFound", err)
	}
	empty := []byte{}
	if err := s.Write(&Batch{Snapshots: map[string][]byte{SnapshotHash(empty): empty}}); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Snapshot(SnapshotHash(empty)); err != nil || len(got) != 0 {
		t.Errorf("empty snapshot = %q, %v", got, err)
	}
}

func TestWriteBatchIsAtomicAndValidated(t *testing.T) {
	s := openTemp(t)
	for name, b := range map[string]*Batch{
		"page without URL":  {Items: []Item{{URL: "https://gov.test/ok"}}, Pages: []Page{{Status: 200}}},
		"item without URL":  {Pages: []Page{{URL: "https://gov.test/ok"}}, Items: []Item{{Title: "x"}}},
		"letter w/o URL":    {Letters: []Letter{{Title: "x"}}},
		"source w/o key":    {Sources: []SourceState{{ID: "c1"}}},
		"snapshot mismatch": {Pages: []Page{{URL: "https://gov.test/ok"}}, Snapshots: map[string][]byte{"abc": []byte("x")}},
	} {
		if err := s.Write(b); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, ok, _ := s.Page("https://gov.test/ok"); ok {
		t.Error("a refused batch left a page behind")
	}
	if _, ok, _ := s.Item("https://gov.test/ok"); ok {
		t.Error("a refused batch left an item behind")
	}
}

func TestItemsFirstSeenAndColumnIndex(t *testing.T) {
	s := openTemp(t)
	first := Item{URL: "https://gov.test/1", Column: "c1", Title: "一", FetchedAt: t0}
	if err := s.Write(&Batch{Items: []Item{first}}); err != nil {
		t.Fatal(err)
	}
	got, _, _ := s.Item(first.URL)
	if !got.FirstSeen.Equal(t0) {
		t.Errorf("new item FirstSeen = %v, want its FetchedAt %v", got.FirstSeen, t0)
	}
	later := first
	later.FetchedAt, later.FirstSeen, later.Title, later.Column = t0.Add(48*time.Hour), t0.Add(48*time.Hour), "一（更新）", "c2"
	var batch []Item
	batch = append(batch, later)
	for i := range 5 {
		batch = append(batch, Item{URL: fmt.Sprintf("https://gov.test/c1/%d", i), Column: "c1", FetchedAt: t0})
	}
	batch = append(batch, Item{URL: "https://gov.test/c10", Column: "c10", FetchedAt: t0}) // column id with c1 as prefix
	if err := s.Write(&Batch{Items: batch}); err != nil {
		t.Fatal(err)
	}
	got, _, _ = s.Item(first.URL)
	if !got.FirstSeen.Equal(t0) || got.Title != "一（更新）" {
		t.Errorf("updated item = FirstSeen %v title %q; want FirstSeen kept at %v and new title", got.FirstSeen, got.Title, t0)
	}
	urls := func(items []Item) []string {
		var out []string
		for _, it := range items {
			out = append(out, it.URL)
		}
		return out
	}
	c1, err := s.ItemsOfColumn("c1")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"https://gov.test/c1/0", "https://gov.test/c1/1", "https://gov.test/c1/2", "https://gov.test/c1/3", "https://gov.test/c1/4"}
	if !reflect.DeepEqual(urls(c1), want) {
		t.Errorf("ItemsOfColumn(c1) = %v, want %v (the moved item and c10 excluded)", urls(c1), want)
	}
	if c2, _ := s.ItemsOfColumn("c2"); !reflect.DeepEqual(urls(c2), []string{first.URL}) {
		t.Errorf("ItemsOfColumn(c2) = %v", urls(c2))
	}
	if none, err := s.ItemsOfColumn("nope"); len(none) != 0 || err != nil {
		t.Errorf("ItemsOfColumn(nope) = %v, %v", none, err)
	}
}

func TestEachItemChunksAndStops(t *testing.T) {
	s := openTemp(t)
	const n = 2*eachChunk + 17
	var b Batch
	for i := range n {
		b.Items = append(b.Items, Item{URL: fmt.Sprintf("https://gov.test/%05d", i), Column: "c", FetchedAt: t0})
	}
	if err := s.Write(&b); err != nil {
		t.Fatal(err)
	}
	var seen []string
	if err := s.EachItem(func(it Item) error { seen = append(seen, it.URL); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(seen) != n {
		t.Fatalf("EachItem saw %d items, want %d", len(seen), n)
	}
	for i, u := range seen {
		if want := fmt.Sprintf("https://gov.test/%05d", i); u != want {
			t.Fatalf("item %d = %s, want %s", i, u, want)
		}
	}
	stop := errors.New("stop")
	count := 0
	err := s.EachItem(func(Item) error {
		count++
		if count == 1500 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || count != 1500 {
		t.Errorf("EachItem stopped after %d with %v, want 1500 and stop", count, err)
	}
	// fn may write to the store: no transaction is held while it runs.
	count = 0
	err = s.EachItem(func(it Item) error {
		count++
		if count%1000 == 0 {
			return s.Write(&Batch{Pages: []Page{{URL: it.URL, Status: 200}}})
		}
		return nil
	})
	if err != nil || count != n {
		t.Errorf("EachItem with writes: %d items, %v", count, err)
	}
}

func TestWriteSameURLTwiceInBatchLastWins(t *testing.T) {
	s := openTemp(t)
	b := &Batch{
		Items: []Item{{URL: "https://gov.test/z", Column: "c1", Title: "old", FetchedAt: t0},
			{URL: "https://gov.test/a", Column: "c1", FetchedAt: t0},
			{URL: "https://gov.test/z", Column: "c2", Title: "new", FetchedAt: t0}},
		Pages: []Page{{URL: "https://gov.test/z", Status: 500}, {URL: "https://gov.test/z", Status: 200}},
	}
	if err := s.Write(b); err != nil {
		t.Fatal(err)
	}
	if it, _, _ := s.Item("https://gov.test/z"); it.Title != "new" || it.Column != "c2" {
		t.Errorf("item = %q in %s, want the later record", it.Title, it.Column)
	}
	if p, _, _ := s.Page("https://gov.test/z"); p.Status != 200 {
		t.Errorf("page status = %d, want the later 200", p.Status)
	}
	if c1, _ := s.ItemsOfColumn("c1"); len(c1) != 1 || c1[0].URL != "https://gov.test/a" {
		t.Errorf("ItemsOfColumn(c1) = %v, want only /a", c1)
	}
}

func TestCompressedSnapshots(t *testing.T) {
	s := openTemp(t)
	_, html := sampleBatch()
	other := []byte(strings.Repeat("<p>区长信箱来信选登</p>\n", 300))
	h1, z1 := CompressSnapshot(html)
	h2, z2 := CompressSnapshot(other)
	if h1 != SnapshotHash(html) || h2 != SnapshotHash(other) {
		t.Fatalf("hashes %s %s, want SnapshotHash of the bodies", h1, h2)
	}
	// The same body gives the same bytes, in a new slice.
	if z1b := CompressSnapshotBody(html); !bytes.Equal(z1b, z1) || &z1b[0] == &z1[0] {
		t.Errorf("compressed again: %d bytes, want the same %d bytes in a new slice", len(z1b), len(z1))
	}
	if len(z1) == 0 || len(z1) > len(html)/4 {
		t.Errorf("compressed %d bytes to %d; want below a quarter", len(html), len(z1))
	}
	// Compressed and plain snapshots in one batch, one hash in both maps.
	if err := s.Write(&Batch{
		Snapshots:  map[string][]byte{h1: html},
		Compressed: map[string][]byte{h1: z1, h2: z2},
	}); err != nil {
		t.Fatal(err)
	}
	for body, h := range map[string]string{string(html): h1, string(other): h2} {
		if got, err := s.Snapshot(h); err != nil || string(got) != body {
			t.Errorf("Snapshot(%s) = %d bytes, %v; want %d bytes", h, len(got), err, len(body))
		}
	}
	// Stored once: writing the same hash again leaves the stored bytes alone.
	before, packed := storedBlobSizes(t, s, blobSnapshot), packBytes(t, s)
	if err := s.Write(&Batch{Compressed: map[string][]byte{h1: z1, h2: z2}}); err != nil {
		t.Fatal(err)
	}
	if after := storedBlobSizes(t, s, blobSnapshot); !reflect.DeepEqual(before, after) || len(after) != 2 {
		t.Errorf("snapshots after a second write = %v, want %v", after, before)
	}
	if got := packBytes(t, s); got != packed {
		t.Errorf("packs grew from %d to %d bytes by writing stored snapshots again", packed, got)
	}
}

func TestCompressedSnapshotsValidated(t *testing.T) {
	s := openTemp(t)
	h, z := CompressSnapshot([]byte("<html>正文</html>"))
	for _, tc := range []struct {
		name string
		key  string
		data []byte
	}{
		{"short key", "abc", z},
		{"upper-case key", strings.ToUpper(h), z},
		{"not compressed", h, []byte("<html>正文</html> not compressed")},
		{"gzip", h, gzipped(t, []byte("<html>正文</html>"))},
		{"format byte only", h, z[:1]},
		{"empty", h, nil},
	} {
		b := &Batch{Pages: []Page{{URL: "https://gov.test/z"}}, Compressed: map[string][]byte{tc.key: tc.data}}
		if err := s.Write(b); err == nil {
			t.Errorf("%s: accepted", tc.name)
		}
	}
	if _, ok, _ := s.Page("https://gov.test/z"); ok {
		t.Error("a refused batch left a page behind")
	}
	if _, err := s.Snapshot(h); !errors.Is(err, ErrNotFound) {
		t.Errorf("refused snapshot stored: %v", err)
	}
}

func TestPages(t *testing.T) {
	s := openTemp(t)
	var b Batch
	for i := range 50 {
		b.Pages = append(b.Pages, Page{URL: fmt.Sprintf("https://gov.test/p/%02d", i), Status: 200 + i, FetchedAt: t0, RunID: 1})
	}
	if err := s.Write(&b); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		urls []string
		want []int // indexes into b.Pages
	}{
		{"none", nil, nil},
		{"unsorted with duplicates", []string{"https://gov.test/p/07", "https://gov.test/p/03", "https://gov.test/p/07"}, []int{3, 7}},
		{"missing ones left out", []string{"https://gov.test/p/49", "https://gov.test/nope", "", "https://gov.test/p/00"}, []int{0, 49}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.Pages(tc.urls)
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]Page{}
			for _, i := range tc.want {
				want[b.Pages[i].URL] = b.Pages[i]
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Pages = %v, want %v", got, want)
			}
			for u, p := range got { // the same as one Page call each
				if one, ok, err := s.Page(u); err != nil || !ok || !reflect.DeepEqual(one, p) {
					t.Errorf("Page(%s) = %+v %v %v, Pages gave %+v", u, one, ok, err, p)
				}
			}
		})
	}
}

func TestWriteSkipsUnchangedRecords(t *testing.T) {
	s := openTemp(t)
	var b Batch
	for i := range 300 {
		it := benchItem(i)
		b.Items = append(b.Items, it)
		b.Pages = append(b.Pages, Page{URL: it.URL, Status: 200, FetchedAt: t0, RunID: 1})
		b.Letters = append(b.Letters, Letter{URL: fmt.Sprintf("https://gov.test/mail/%d", i), Mailbox: "qzxx", FetchedAt: t0})
	}
	if err := s.Write(&b); err != nil {
		t.Fatal(err)
	}
	// Pages allocated by a Write: what its commit writes.
	pagesOf := func(b *Batch) int64 {
		st := s.db.Stats()
		before := st.TxStats.GetPageCount()
		if err := s.Write(b); err != nil {
			t.Fatal(err)
		}
		st = s.db.Stats()
		return st.TxStats.GetPageCount() - before
	}
	same := pagesOf(&b)
	changed := b
	changed.Pages = slices.Clone(b.Pages)
	for i := range changed.Pages {
		changed.Pages[i].RunID = 2
	}
	// The same batch again writes at most the free-page list.
	if moved := pagesOf(&changed); same > 1 || moved < 10 {
		t.Errorf("pages written: %d for the same batch again (want at most 1), %d with every page changed (want 10 or more)", same, moved)
	}
	// A missing column index entry is put back by the next write of its item.
	key := []byte(b.Items[5].Column + sep + b.Items[5].URL)
	if err := s.update(func(tx *bolt.Tx) error { return deleteKey(tx, bucketColItems, key) }); err != nil {
		t.Fatal(err)
	}
	if err := s.Write(&Batch{Items: b.Items[5:6]}); err != nil {
		t.Fatal(err)
	}
	if col, err := s.ItemsOfColumn(b.Items[5].Column); err != nil || len(col) != 300 {
		t.Errorf("column after restoring an index entry: %d items, %v", len(col), err)
	}
}

// TestDeadRunShownEnded: a crawl whose process died (kill -9) after
// saving its progress is shown, read-only as read-write, as interrupted,
// with the figures of its last progress and ended at that time (a finite
// duration, not one that grows with the clock).
func TestDeadRunShownEnded(t *testing.T) {
	s := openTemp(t)
	path := s.Path()
	r, _ := s.StartRun("crawl", t0)
	r.Pages, r.UpdatedAt = 1234, t0.Add(10*time.Minute)
	if err := s.SaveRun(r); err != nil {
		t.Fatal(err)
	}
	never, _ := s.StartRun("crawl", t0.Add(time.Hour)) // died before any progress
	s.Close()
	for _, ro := range []bool{true, false} {
		s, err := Open(path, Options{ReadOnly: ro})
		if err != nil {
			t.Fatal(err)
		}
		runs, err := s.Runs("crawl", 0)
		s.Close()
		if err != nil || len(runs) != 2 {
			t.Fatalf("readonly=%v: %d runs, %v", ro, len(runs), err)
		}
		for _, got := range runs {
			wantEnd, wantPages := t0.Add(10*time.Minute), 1234
			if got.ID == never.ID {
				wantEnd, wantPages = never.StartedAt, 0
			}
			if got.Status != RunInterrupted || !got.EndedAt.Equal(wantEnd) || got.Pages != wantPages {
				t.Errorf("readonly=%v: run %d = %s, ended %v, %d pages; want interrupted, ended %v, %d pages",
					ro, got.ID, got.Status, got.EndedAt, got.Pages, wantEnd, wantPages)
			}
		}
	}
}

// gzipped returns body gzip-compressed, as stores kept snapshots before S2.
func gzipped(t *testing.T, body []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(body); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestSnapshotFormats reads snapshots stored in each format a store has
// used (gzip before S2, in the legacy bucket and in a pack) and refuses
// damaged ones with ErrCorrupt.
func TestSnapshotFormats(t *testing.T) {
	s := openTemp(t)
	body := []byte(strings.Repeat("<p>关于做好2026年度政务公开工作的通知</p>\n", 40))
	h := SnapshotHash(body)
	z := CompressSnapshotBody(body)
	for _, tc := range []struct {
		name string
		data []byte
		ok   bool
	}{
		{"s2", z, true},
		{"gzip", gzipped(t, body), true},
		{"truncated s2", z[:len(z)/2], false},
		{"unknown format", append([]byte{0x07}, z[1:]...), false},
		{"empty", []byte{}, false},
	} {
		got, err := s.decodeSnapshot(tc.data)
		switch {
		case tc.ok && (err != nil || !bytes.Equal(got, body)):
			t.Errorf("%s: %d bytes, %v; want the body", tc.name, len(got), err)
		case !tc.ok && err == nil:
			t.Errorf("%s: decoded %d bytes, want an error", tc.name, len(got))
		}
	}
	// A gzip snapshot in the bucket of an older store reads through Snapshot.
	err := s.update(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte(bucketSnapshots)).Put([]byte(h), gzipped(t, body))
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s.Snapshot(h); err != nil || !bytes.Equal(got, body) {
		t.Errorf("legacy gzip snapshot: %d bytes, %v", len(got), err)
	}
}
