package crawler

import (
	"sync"
	"time"

	"github.com/govaudit/govaudit/store"
)

// Batch limits: a batch is written when it holds this many records or
// this many bytes of compressed snapshots, or after flushEvery. Fewer,
// larger transactions write less: each commit rewrites the branch pages
// it touched and syncs the file.
const (
	batchRecords = 2000
	batchBytes   = 8 << 20
	flushEvery   = 2 * time.Second
)

// record is one thing to store; exactly one field is set (a snapshot may
// come with a page).
type record struct {
	page   *store.Page
	item   *store.Item
	letter *store.Letter
	source *store.SourceState
	listed *store.Listed
	// listPage is a list page as fetched and parsed (store.ListPage).
	listPage *store.ListPage
	// hash and snap are a snapshot compressed by store.CompressSnapshot.
	hash string
	snap []byte
	// text is the article text of the page whose snapshot hash is hash,
	// compressed (store.Batch.Texts); it may come alone.
	text []byte
}

// writer batches records into store.Write calls from one goroutine.
type writer struct {
	st    *store.Store
	in    chan record
	done  chan struct{}
	onErr func(error)

	mu      sync.Mutex
	err     error
	busy    time.Duration // time spent in store.Write
	batches int
}

func newWriter(st *store.Store, onErr func(error)) *writer {
	w := &writer{st: st, in: make(chan record, 1024), done: make(chan struct{}), onErr: onErr}
	go w.loop()
	return w
}

// put queues a record. It never blocks on a failed store: after an error
// records are dropped (the run is failing anyway).
func (w *writer) put(rec record) {
	w.in <- rec
}

func (w *writer) loop() {
	defer close(w.done)
	t := time.NewTicker(flushEvery)
	defer t.Stop()
	b := &store.Batch{Compressed: map[string][]byte{}, Texts: map[string][]byte{}}
	n, size := 0, 0
	flush := func() {
		if n == 0 && len(b.Compressed) == 0 {
			return
		}
		if w.failed() == nil {
			t0 := time.Now()
			// Listings are written in the same transaction as the source
			// states: a source state is never newer than its listing
			// (rules.LoadInput relies on it; finish queues the listing
			// first, so it is in this batch or an earlier one).
			err := w.st.Write(b)
			w.mu.Lock()
			w.busy += time.Since(t0)
			w.batches++
			w.mu.Unlock()
			if err != nil {
				w.mu.Lock()
				w.err = err
				w.mu.Unlock()
				w.onErr(err)
			}
		}
		b = &store.Batch{Compressed: map[string][]byte{}, Texts: map[string][]byte{}}
		n, size = 0, 0
	}
	for {
		select {
		case rec, ok := <-w.in:
			if !ok {
				flush()
				return
			}
			switch {
			case rec.page != nil:
				b.Pages = append(b.Pages, *rec.page)
			case rec.item != nil:
				b.Items = append(b.Items, *rec.item)
			case rec.letter != nil:
				b.Letters = append(b.Letters, *rec.letter)
			case rec.source != nil:
				b.Sources = append(b.Sources, *rec.source)
			case rec.listed != nil:
				b.Listed = append(b.Listed, *rec.listed)
			case rec.listPage != nil:
				b.ListPages = append(b.ListPages, *rec.listPage)
			}
			if rec.hash != "" && rec.snap != nil {
				if _, dup := b.Compressed[rec.hash]; !dup {
					b.Compressed[rec.hash] = rec.snap
					size += len(rec.snap)
				}
			}
			if rec.hash != "" && rec.text != nil {
				if _, dup := b.Texts[rec.hash]; !dup {
					b.Texts[rec.hash] = rec.text
					size += len(rec.text)
				}
			}
			n++
			if n >= batchRecords || size >= batchBytes {
				flush()
			}
		case <-t.C:
			flush()
		}
	}
}

func (w *writer) failed() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

// close flushes what is queued and returns the first store error.
func (w *writer) close() error {
	close(w.in)
	<-w.done
	return w.failed()
}
