package store

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// Batch is crawl output written in one transaction by Write.
type Batch struct {
	Pages []Page
	// Snapshots maps SnapshotHash(body) to the decoded HTML (UTF-8). Bodies
	// are stored compressed and only once per hash.
	Snapshots map[string][]byte
	Items     []Item
	Letters   []Letter
	Sources   []SourceState
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
	var missing []string
	err := s.view(func(tx *bolt.Tx) error {
		bk := tx.Bucket([]byte(bucketSnapshots))
		for h := range b.Snapshots {
			if bk == nil || bk.Get([]byte(h)) == nil {
				missing = append(missing, h)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("write batch: %w", err)
	}
	sort.Strings(missing)
	compressed := make([][]byte, len(missing))
	for i, h := range missing {
		if compressed[i], err = s.compress(b.Snapshots[h]); err != nil {
			return fmt.Errorf("write batch: compress snapshot %s: %w", h, err)
		}
	}
	err = s.update(func(tx *bolt.Tx) error {
		snaps, err := writeBucket(tx, bucketSnapshots)
		if err != nil {
			return err
		}
		for i, h := range missing {
			if snaps.Get([]byte(h)) != nil {
				continue // written meanwhile by another batch
			}
			if err := snaps.Put([]byte(h), compressed[i]); err != nil {
				return fmt.Errorf("put snapshot %s: %w", h, err)
			}
		}
		// Keys in order: bbolt inserts many keys in random order slowly.
		for _, p := range sortedBy(b.Pages, func(p Page) string { return p.URL }) {
			if err := putJSON(tx, bucketPages, p.URL, p); err != nil {
				return err
			}
		}
		var index [][]byte
		for _, it := range sortedBy(b.Items, func(it Item) string { return it.URL }) {
			key, err := putItem(tx, it)
			if err != nil {
				return err
			}
			index = append(index, key)
		}
		slices.SortFunc(index, bytes.Compare)
		for _, key := range index {
			if err := putRaw(tx, bucketColItems, key, []byte{}); err != nil {
				return err
			}
		}
		for _, l := range sortedBy(b.Letters, func(l Letter) string { return l.URL }) {
			if err := putJSON(tx, bucketLetters, l.URL, l); err != nil {
				return err
			}
		}
		for _, src := range sortedBy(b.Sources, func(s SourceState) string { return s.Key }) {
			if err := putJSON(tx, bucketSources, src.Key, src); err != nil {
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
	for h, body := range b.Snapshots {
		if got := SnapshotHash(body); got != h {
			return fmt.Errorf("snapshot keyed %q has hash %s", h, got)
		}
	}
	return nil
}

// putItem stores an item, keeping the FirstSeen of the stored record, and
// returns the key of its column index entry (which the caller puts). It
// removes the entry of the item's former column.
func putItem(tx *bolt.Tx, it Item) ([]byte, error) {
	var old Item
	found, err := getJSON(tx, bucketItems, it.URL, &old)
	if err != nil {
		return nil, err
	}
	if found {
		if !old.FirstSeen.IsZero() {
			it.FirstSeen = old.FirstSeen
		}
		if old.Column != it.Column {
			if err := deleteKey(tx, bucketColItems, []byte(old.Column+sep+old.URL)); err != nil {
				return nil, err
			}
		}
	}
	if it.FirstSeen.IsZero() {
		it.FirstSeen = it.FetchedAt
	}
	if err := putJSON(tx, bucketItems, it.URL, it); err != nil {
		return nil, err
	}
	return []byte(it.Column + sep + it.URL), nil
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

// compress gzips body.
func (s *Store) compress(body []byte) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(len(body)/4 + 64)
	zw, _ := s.gzipPool.Get().(*gzip.Writer)
	if zw == nil {
		var err error
		if zw, err = gzip.NewWriterLevel(&buf, gzip.BestSpeed); err != nil {
			return nil, err
		}
	} else {
		zw.Reset(&buf)
	}
	defer s.gzipPool.Put(zw)
	if _, err := zw.Write(body); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Snapshot returns the decompressed body stored under hash, or an error
// wrapping ErrNotFound.
func (s *Store) Snapshot(hash string) ([]byte, error) {
	var body []byte
	err := s.view(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(bucketSnapshots))
		var data []byte
		if b != nil {
			data = b.Get([]byte(hash))
		}
		if data == nil {
			return ErrNotFound
		}
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return fmt.Errorf("%w: %v", ErrCorrupt, err)
		}
		if body, err = io.ReadAll(zr); err != nil {
			return fmt.Errorf("%w: %v", ErrCorrupt, err)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("snapshot %s: %w", hash, err)
	}
	return body, nil
}

// Page returns the fetch state of a URL and whether there is one.
func (s *Store) Page(url string) (Page, bool, error) {
	return getOne[Page](s, bucketPages, url)
}

// Item returns the item of a URL and whether there is one.
func (s *Store) Item(url string) (Item, bool, error) {
	return getOne[Item](s, bucketItems, url)
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
func eachChunked[T any](s *Store, bucket string, fn func(T) error) error {
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
			k, _ := c.First()
			if after != nil {
				if k, _ = c.Seek(after); k != nil && bytes.Equal(k, after) {
					k, _ = c.Next()
				}
			}
			for ; k != nil && len(chunk) < eachChunk; k, _ = c.Next() {
				var v T
				if _, err := getJSONb(tx, bucket, k, &v); err != nil {
					return err
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
	return eachChunked(s, bucketItems, fn)
}

// EachLetter calls fn for every letter in URL order and stops at fn's first
// error, which it returns (read like EachItem).
func (s *Store) EachLetter(fn func(Letter) error) error {
	return eachChunked(s, bucketLetters, fn)
}

// ItemsOfColumn returns the items of a column in URL order, by the column
// index.
func (s *Store) ItemsOfColumn(column string) ([]Item, error) {
	var out []Item
	err := s.view(func(tx *bolt.Tx) error {
		prefix := []byte(column + sep)
		return eachRaw(tx, bucketColItems, prefix, func(k, _ []byte) error {
			var it Item
			found, err := getJSONb(tx, bucketItems, k[len(prefix):], &it)
			if err != nil {
				return err
			}
			if !found {
				return fmt.Errorf("%w: column index names missing item %s", ErrCorrupt, k[len(prefix):])
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
