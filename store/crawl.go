package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/s2"
	bolt "go.etcd.io/bbolt"
)

// Batch is crawl output written in one transaction by Write.
type Batch struct {
	Pages []Page
	// Snapshots maps SnapshotHash(body) to the decoded HTML (UTF-8). Bodies
	// are stored compressed and only once per hash.
	Snapshots map[string][]byte
	// Compressed maps SnapshotHash(body) to the body as CompressSnapshot
	// (or a SnapshotCompressor) compressed it, e.g. in the crawler's fetch
	// workers, so that Write only stores it. Like Snapshots, each hash is
	// stored once; a hash in both maps is taken from Compressed.
	Compressed map[string][]byte
	Items      []Item
	Letters    []Letter
	Sources    []SourceState
	// Listed are listings of walks (see PutListed), written in the same
	// transaction as the batch's source states.
	Listed []Listed
	// ListPages are list pages as last fetched (see ListPageOf).
	ListPages []ListPage
	// Texts maps the snapshot hash of an article page to what the content
	// checks read of it (textract.ArticleText, encoded), compressed by
	// CompressText. Each is stored once; see Text.
	Texts map[string][]byte
}

// CompressSnapshot returns the key of a snapshot (SnapshotHash) and the
// body compressed as the store keeps it, for Batch.Compressed. It is safe
// for concurrent use.
func CompressSnapshot(body []byte) (hash string, compressed []byte) {
	return SnapshotHash(body), CompressSnapshotBody(body)
}

// snapshotS2 is the first byte of a snapshot stored S2-compressed: one
// byte of format, then an S2 block. Stores kept snapshots gzip-compressed
// before (their first byte is always 0x1f); those still read.
const snapshotS2 = 0x02

// maxSnapshot bounds the decoded size of a stored snapshot (the crawler
// keeps bodies far smaller).
const maxSnapshot = 64 << 20

// CompressSnapshotBody is CompressSnapshot without the hash, for a caller
// that has it. Snapshots are compressed with S2, several times faster than
// gzip at its fastest for a somewhat larger record: on the simulated
// portal's pages 57 % of the body against gzip's 51 %, several times
// faster (BenchmarkSnapshotCompression). The returned slice is new.
func CompressSnapshotBody(body []byte) []byte {
	buf := make([]byte, 1+s2.MaxEncodedLen(len(body)))
	buf[0] = snapshotS2
	n := len(s2.Encode(buf[1:], body))
	// A copy of the right size: the crawler queues snapshots for the
	// store's writer, and the encoder's buffer is twice what it holds.
	return bytes.Clone(buf[:1+n])
}

// decodeSnapshot decompresses a stored snapshot, S2 or gzip.
func (s *Store) decodeSnapshot(data []byte) ([]byte, error) {
	switch {
	case len(data) > 0 && data[0] == snapshotS2:
		n, err := s2.DecodedLen(data[1:])
		if err != nil {
			return nil, err
		}
		if n > maxSnapshot {
			return nil, fmt.Errorf("snapshot of %d bytes, more than any page kept", n)
		}
		return s2.Decode(make([]byte, n), data[1:])
	case len(data) >= 18 && data[0] == 0x1f && data[1] == 0x8b:
		return s.gunzip(data)
	}
	return nil, errors.New("not a compressed snapshot")
}

// SnapshotHash returns the key of a snapshot: the first 32 hex digits of
// the body's SHA-256.
func SnapshotHash(body []byte) string {
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:16])
}

// Write stores a batch in one write transaction: all of it or, on error,
// none of it. An item keeps the FirstSeen of its stored record (a new item
// without FirstSeen gets its FetchedAt). Snapshots already stored are not
// written again. Of several records with one key in a batch, the last
// counts.
func (s *Store) Write(b *Batch) error {
	if b == nil {
		return nil
	}
	if err := validateBatch(b); err != nil {
		return fmt.Errorf("write batch: %w", err)
	}
	// Compress outside the write transaction the snapshots not yet stored.
	var missing, missingTexts []string
	err := s.view(func(tx *bolt.Tx) error {
		hashes := slices.Collect(maps.Keys(b.Compressed))
		for h := range b.Snapshots {
			if _, dup := b.Compressed[h]; !dup {
				hashes = append(hashes, h)
			}
		}
		have := storedBlobs(tx, blobSnapshot, bucketSnapshots, hashes)
		for _, h := range hashes {
			if !have[h] {
				missing = append(missing, h)
			}
		}
		texts := slices.Collect(maps.Keys(b.Texts))
		have = storedBlobs(tx, blobText, bucketTexts, texts)
		for _, h := range texts {
			if !have[h] {
				missingTexts = append(missingTexts, h)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("write batch: %w", err)
	}
	sort.Strings(missing)
	sort.Strings(missingTexts)
	// Snapshot keys ('s') sort before text keys ('t'): keys in order.
	keys := make([][]byte, 0, len(missing)+len(missingTexts))
	blobs := make([][]byte, 0, len(missing)+len(missingTexts))
	for _, h := range missing {
		data, ok := b.Compressed[h]
		if !ok {
			data = CompressSnapshotBody(b.Snapshots[h])
		}
		keys, blobs = append(keys, blobKey(blobSnapshot, h)), append(blobs, data)
	}
	for _, h := range missingTexts {
		keys, blobs = append(keys, blobKey(blobText, h)), append(blobs, b.Texts[h])
	}
	// The bodies go to the packs first, synced; the transaction below
	// indexes them (packs.go).
	var refs []blobRef
	if len(blobs) > 0 {
		s.packs.wmu.Lock()
		defer s.packs.wmu.Unlock()
		var undo func()
		if refs, undo, err = s.packs.append(blobs); err != nil {
			return fmt.Errorf("write batch: %w", err)
		}
		defer func() {
			if err != nil {
				undo()
			}
		}()
	}
	err = s.update(func(tx *bolt.Tx) error {
		if err := writeListed(tx, b.Listed, b.ListPages); err != nil {
			return err
		}
		if len(refs) > 0 {
			idx, err := writeBucket(tx, bucketBlobs)
			if err != nil {
				return err
			}
			for i, key := range keys {
				if idx.Get(key) != nil {
					continue // indexed meanwhile by another batch
				}
				if err := idx.Put(key, refs[i].encode()); err != nil {
					return fmt.Errorf("put blob %s: %w", key, err)
				}
			}
		}
		// Keys in order: bbolt inserts many keys in random order slowly.
		// A record equal to the stored one is not written again: a put
		// dirties its leaf and branch pages, which the commit rewrites.
		pages, err := writeBucket(tx, bucketPages)
		if err != nil {
			return err
		}
		for _, p := range sortedBy(b.Pages, func(p Page) string { return p.URL }) {
			if err := putChanged(pages, bucketPages, p.URL, encodePage(nil, &p)); err != nil {
				return err
			}
		}
		items, err := writeBucket(tx, bucketItems)
		if err != nil {
			return err
		}
		colItems, err := writeBucket(tx, bucketColItems)
		if err != nil {
			return err
		}
		var index [][]byte
		for _, it := range sortedBy(b.Items, func(it Item) string { return it.URL }) {
			key, err := putItem(items, colItems, it)
			if err != nil {
				return err
			}
			if key != nil {
				index = append(index, key)
			}
		}
		slices.SortFunc(index, bytes.Compare)
		for _, key := range index {
			if err := colItems.Put(key, []byte{}); err != nil {
				return fmt.Errorf("put %s/%q: %w", bucketColItems, key, err)
			}
		}
		letters, err := writeBucket(tx, bucketLetters)
		if err != nil {
			return err
		}
		for _, l := range sortedBy(b.Letters, func(l Letter) string { return l.URL }) {
			if err := putChanged(letters, bucketLetters, l.URL, encodeLetter(nil, &l)); err != nil {
				return err
			}
		}
		sources, err := writeBucket(tx, bucketSources)
		if err != nil {
			return err
		}
		for _, src := range sortedBy(b.Sources, func(s SourceState) string { return s.Key }) {
			if err := putJSONChanged(sources, bucketSources, src.Key, src); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("write batch: %w", err)
	}
	return nil
}

// validateBatch refuses records without a key and snapshots whose hash does
// not match their body.
func validateBatch(b *Batch) error {
	for _, p := range b.Pages {
		if p.URL == "" {
			return fmt.Errorf("page without URL")
		}
	}
	for _, it := range b.Items {
		if it.URL == "" {
			return fmt.Errorf("item %q without URL", it.Title)
		}
	}
	for _, l := range b.Letters {
		if l.URL == "" {
			return fmt.Errorf("letter %q without URL", l.Title)
		}
	}
	for _, src := range b.Sources {
		if src.Key == "" {
			return fmt.Errorf("source %s %q without key", src.Kind, src.ID)
		}
	}
	for _, l := range b.Listed {
		if l.Key == "" {
			return fmt.Errorf("listed record of run %d without key", l.RunID)
		}
	}
	for _, p := range b.ListPages {
		if p.URL == "" {
			return fmt.Errorf("list page of run %d without URL", p.RunID)
		}
	}
	for h, body := range b.Snapshots {
		if got := SnapshotHash(body); got != h {
			return fmt.Errorf("snapshot keyed %q has hash %s", h, got)
		}
	}
	for h, data := range b.Compressed {
		// Checking the hash would mean decompressing on the writer; check
		// the form of the key and that the value is a compressed snapshot.
		if !validHash(h) {
			return fmt.Errorf("compressed snapshot keyed %q: not a snapshot hash", h)
		}
		if len(data) < 2 || data[0] != snapshotS2 {
			return fmt.Errorf("compressed snapshot %s: not compressed by CompressSnapshot", h)
		}
		if _, err := s2.DecodedLen(data[1:]); err != nil {
			return fmt.Errorf("compressed snapshot %s: not compressed by CompressSnapshot: %v", h, err)
		}
	}
	for h, data := range b.Texts {
		if !validHash(h) {
			return fmt.Errorf("article text keyed %q: not a snapshot hash", h)
		}
		if _, err := s2.DecodedLen(data); err != nil {
			return fmt.Errorf("article text %s: not compressed by CompressText: %v", h, err)
		}
	}
	return nil
}

// CompressText compresses an article text for Batch.Texts. Texts are
// small and read by every check: S2, which decodes several times faster
// than gzip, for a somewhat larger record.
func CompressText(text []byte) []byte {
	return s2.EncodeBetter(nil, text)
}

// validHash reports whether h has the form of a SnapshotHash: 32 lower-case
// hex digits.
func validHash(h string) bool {
	if len(h) != 32 {
		return false
	}
	for i := 0; i < len(h); i++ {
		if c := h[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// putItem stores an item, keeping the FirstSeen of the stored record. It
// removes the column index entry of the item's former column and returns
// the key of the entry the caller must put, or nil when it is there.
func putItem(items, colItems *bolt.Bucket, it Item) ([]byte, error) {
	old := items.Get([]byte(it.URL))
	if old != nil {
		firstSeen, column, err := itemHead(old)
		if err != nil {
			return nil, fmt.Errorf("decode %s/%q: %w", bucketItems, it.URL, err)
		}
		if !firstSeen.IsZero() {
			it.FirstSeen = firstSeen
		}
		if column != it.Column {
			if err := colItems.Delete([]byte(column + sep + it.URL)); err != nil {
				return nil, fmt.Errorf("delete %s/%q: %w", bucketColItems, column+sep+it.URL, err)
			}
		}
	}
	if it.FirstSeen.IsZero() {
		it.FirstSeen = it.FetchedAt
	}
	if err := putChanged(items, bucketItems, it.URL, encodeItem(nil, &it)); err != nil {
		return nil, err
	}
	key := []byte(it.Column + sep + it.URL)
	if colItems.Get(key) != nil {
		return nil, nil
	}
	return key, nil
}

// putChanged puts value under key of b unless it is stored there already.
func putChanged(b *bolt.Bucket, bucket, key string, value []byte) error {
	if old := b.Get([]byte(key)); old != nil && bytes.Equal(old, value) {
		return nil
	}
	if err := b.Put([]byte(key), value); err != nil {
		return fmt.Errorf("put %s/%q: %w", bucket, key, err)
	}
	return nil
}

// putJSONChanged is putChanged with v encoded as JSON.
func putJSONChanged(b *bolt.Bucket, bucket, key string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s/%q: %w", bucket, key, err)
	}
	return putChanged(b, bucket, key, data)
}

// sortedBy returns the records sorted by key, keeping of several records
// with one key only the last.
func sortedBy[T any](records []T, key func(T) string) []T {
	out := slices.Clone(records)
	slices.SortStableFunc(out, func(a, b T) int { return strings.Compare(key(a), key(b)) })
	uniq := out[:0]
	for i, r := range out {
		if i+1 < len(out) && key(out[i+1]) == key(r) {
			continue // a later record has this key
		}
		uniq = append(uniq, r)
	}
	return uniq
}

// Snapshot returns the decompressed body stored under hash, or an error
// wrapping ErrNotFound.
func (s *Store) Snapshot(hash string) ([]byte, error) {
	data, err := s.blob(blobSnapshot, bucketSnapshots, hash)
	if err != nil {
		return nil, fmt.Errorf("snapshot %s: %w", hash, err)
	}
	body, err := s.decodeSnapshot(data)
	if err != nil {
		return nil, fmt.Errorf("snapshot %s: %w: %v", hash, ErrCorrupt, err)
	}
	return body, nil
}

// Text returns what the content checks read of the article page whose
// snapshot hash is hash (textract.ArticleText, encoded), as the crawler
// stored it (Batch.Texts), or an error wrapping ErrNotFound.
func (s *Store) Text(hash string) ([]byte, error) {
	data, err := s.blob(blobText, bucketTexts, hash)
	if err != nil {
		return nil, fmt.Errorf("article text %s: %w", hash, err)
	}
	text, err := s2.Decode(nil, data)
	if err != nil {
		return nil, fmt.Errorf("article text %s: %w: %v", hash, ErrCorrupt, err)
	}
	return text, nil
}

// gunzip decompresses a stored snapshot with a pooled reader, into a
// buffer sized by the gzip trailer's length (a hint: a wrong one only
// costs a regrowth).
func (s *Store) gunzip(data []byte) ([]byte, error) {
	r := bytes.NewReader(data)
	zr, _ := s.gunzipPool.Get().(*gzip.Reader)
	if zr == nil {
		var err error
		if zr, err = gzip.NewReader(r); err != nil {
			return nil, err
		}
	} else if err := zr.Reset(r); err != nil {
		return nil, err
	}
	defer s.gunzipPool.Put(zr)
	size := 0
	if n := len(data); n >= 4 {
		size = int(binary.LittleEndian.Uint32(data[n-4:]))
	}
	if size > 64<<20 {
		size = 64 << 20
	}
	buf := bytes.NewBuffer(make([]byte, 0, size+bytes.MinRead))
	if _, err := buf.ReadFrom(zr); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Page returns the fetch state of a URL and whether there is one.
func (s *Store) Page(url string) (Page, bool, error) {
	return getRecord(s, bucketPages, url, decodePage)
}

// Pages returns the fetch state of each of urls that has one, by URL, read
// in one read transaction (a URL without a page is absent from the map).
// Duplicate URLs are looked up once.
func (s *Store) Pages(urls []string) (map[string]Page, error) {
	keys := slices.Clone(urls)
	slices.Sort(keys)
	keys = slices.Compact(keys)
	out := make(map[string]Page, len(keys))
	err := s.view(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(bucketPages))
		if b == nil {
			return nil
		}
		// Sorted keys walk the B+tree forward, page by page.
		for _, url := range keys {
			data := b.Get([]byte(url))
			if data == nil {
				continue
			}
			var p Page
			if err := decodePage(data, &p); err != nil {
				return fmt.Errorf("decode %s/%q: %w", bucketPages, url, err)
			}
			out[url] = p
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read %d pages: %w", len(keys), err)
	}
	return out, nil
}

// Item returns the item of a URL and whether there is one.
func (s *Store) Item(url string) (Item, bool, error) {
	return getRecord(s, bucketItems, url, decodeItem)
}

// getRecord reads one record in its own read transaction with decode.
func getRecord[T any](s *Store, bucket, key string, decode func([]byte, *T) error) (T, bool, error) {
	var v T
	var found bool
	err := s.view(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(bucket))
		if b == nil {
			return nil
		}
		data := b.Get([]byte(key))
		if data == nil {
			return nil
		}
		found = true
		if err := decode(data, &v); err != nil {
			return fmt.Errorf("decode %s/%q: %w", bucket, key, err)
		}
		return nil
	})
	if err != nil {
		var zero T
		return zero, false, fmt.Errorf("read %s %s: %w", bucket, key, err)
	}
	return v, found, nil
}

// decodeJSON is a decode function of getRecord and eachChunked for JSON
// records.
func decodeJSON[T any](data []byte, v *T) error {
	*v = *new(T)
	return json.Unmarshal(data, v)
}

// Source returns the latest state of a source ("column:<id>" …) and whether
// there is one.
func (s *Store) Source(key string) (SourceState, bool, error) {
	return getOne[SourceState](s, bucketSources, key)
}

// eachChunk is the chunk size of EachItem and EachLetter.
const eachChunk = 1000

// eachChunked calls fn for every record of a bucket in key order. It reads
// the records in chunks, each in a short read transaction, and calls fn
// outside any transaction, so a slow fn never holds the store.
func eachChunked[T any](s *Store, bucket string, decode func([]byte, *T) error, fn func(T) error) error {
	var after []byte
	for {
		chunk := make([]T, 0, eachChunk)
		var last []byte
		err := s.view(func(tx *bolt.Tx) error {
			b := tx.Bucket([]byte(bucket))
			if b == nil {
				return nil
			}
			c := b.Cursor()
			k, data := c.First()
			if after != nil {
				if k, data = c.Seek(after); k != nil && bytes.Equal(k, after) {
					k, data = c.Next()
				}
			}
			for ; k != nil && len(chunk) < eachChunk; k, data = c.Next() {
				if data == nil {
					continue // a nested bucket
				}
				var v T
				if err := decode(data, &v); err != nil {
					return fmt.Errorf("decode %s/%q: %w", bucket, k, err)
				}
				chunk = append(chunk, v)
				last = append(last[:0], k...)
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, v := range chunk {
			if err := fn(v); err != nil {
				return err
			}
		}
		if len(chunk) < eachChunk {
			return nil
		}
		after = last
	}
}

// EachItem calls fn for every item in URL order and stops at fn's first
// error, which it returns. Items are read in chunks of short read
// transactions: a concurrent write may or may not be seen.
func (s *Store) EachItem(fn func(Item) error) error {
	return eachChunked(s, bucketItems, decodeItem, fn)
}

// EachLetter calls fn for every letter in URL order and stops at fn's first
// error, which it returns (read like EachItem).
func (s *Store) EachLetter(fn func(Letter) error) error {
	return eachChunked(s, bucketLetters, decodeLetter, fn)
}

// ItemsOfColumn returns the items of a column in URL order, by the column
// index.
func (s *Store) ItemsOfColumn(column string) ([]Item, error) {
	var out []Item
	err := s.view(func(tx *bolt.Tx) error {
		prefix := []byte(column + sep)
		items := tx.Bucket([]byte(bucketItems))
		return eachRaw(tx, bucketColItems, prefix, func(k, _ []byte) error {
			var data []byte
			if items != nil {
				data = items.Get(k[len(prefix):])
			}
			if data == nil {
				return fmt.Errorf("%w: column index names missing item %s", ErrCorrupt, k[len(prefix):])
			}
			var it Item
			if err := decodeItem(data, &it); err != nil {
				return fmt.Errorf("decode %s/%q: %w", bucketItems, k[len(prefix):], err)
			}
			out = append(out, it)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("items of column %s: %w", column, err)
	}
	return out, nil
}

// Sources returns the latest state of every source, in key order.
func (s *Store) Sources() ([]SourceState, error) {
	var out []SourceState
	err := s.view(func(tx *bolt.Tx) error {
		var err error
		out, err = listJSON[SourceState](tx, bucketSources, "")
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list sources: %w", err)
	}
	return out, nil
}
