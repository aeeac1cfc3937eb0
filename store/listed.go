package store

import (
	"encoding/binary"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

// bucketListed keeps, per column or mailbox, what its latest walk listed.
// A missing bucket reads as empty (putRaw creates it on the first write).
const bucketListed = "listed"

// Listed is what one crawl run's walk of a column or mailbox listed: the
// entries of its list pages, each as ListedKey(URL) with a signature of
// the entry that the crawler chooses (e.g. a hash of title and date) and
// the store does not interpret.
//
// It lets the crawler leave the records of unchanged entries alone: an
// item or letter belongs to the latest crawl of its source when that
// crawl's Listed has its URL, whatever the record's own RunID.
type Listed struct {
	Key   string // the source key, "column:<id>" or "mailbox:<id>"
	RunID uint64
	// Entries maps ListedKey(url) to the entry's signature.
	Entries map[uint64]uint64
}

// ListedKey is the key of a URL in Listed.Entries: its 64-bit FNV-1a hash.
func ListedKey(url string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(url); i++ {
		h ^= uint64(url[i])
		h *= 1099511628211
	}
	return h
}

// Has reports whether l lists url.
func (l Listed) Has(url string) bool {
	_, ok := l.Entries[ListedKey(url)]
	return ok
}

// Sig returns the signature l holds for url, and whether it lists url.
func (l Listed) Sig(url string) (uint64, bool) {
	s, ok := l.Entries[ListedKey(url)]
	return s, ok
}

// encode lays l out as the run id and the (key, signature) pairs in key
// order, all 8-byte big-endian.
func (l Listed) encode() []byte {
	keys := make([]uint64, 0, len(l.Entries))
	for k := range l.Entries {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := make([]byte, 8+16*len(keys))
	binary.BigEndian.PutUint64(out, l.RunID)
	for i, k := range keys {
		binary.BigEndian.PutUint64(out[8+16*i:], k)
		binary.BigEndian.PutUint64(out[16+16*i:], l.Entries[k])
	}
	return out
}

func decodeListed(key string, data []byte) (Listed, error) {
	if len(data) < 8 || (len(data)-8)%16 != 0 {
		return Listed{}, fmt.Errorf("%w: listed record %s has %d bytes", ErrCorrupt, key, len(data))
	}
	n := (len(data) - 8) / 16
	l := Listed{Key: key, RunID: binary.BigEndian.Uint64(data), Entries: make(map[uint64]uint64, n)}
	for i := 0; i < n; i++ {
		l.Entries[binary.BigEndian.Uint64(data[8+16*i:])] = binary.BigEndian.Uint64(data[16+16*i:])
	}
	return l, nil
}

// PutListed stores the records, each replacing its source's previous one,
// in one write transaction.
func (s *Store) PutListed(ls ...Listed) error {
	if len(ls) == 0 {
		return nil
	}
	for _, l := range ls {
		if l.Key == "" {
			return fmt.Errorf("put listed: record of run %d without key", l.RunID)
		}
	}
	ls = sortedBy(ls, func(l Listed) string { return l.Key })
	err := s.update(func(tx *bolt.Tx) error {
		for _, l := range ls {
			if err := putRaw(tx, bucketListed, []byte(l.Key), l.encode()); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("put listed: %w", err)
	}
	return nil
}

// ListedOf returns the latest Listed of a source and whether there is one.
func (s *Store) ListedOf(key string) (Listed, bool, error) {
	var l Listed
	var found bool
	err := s.view(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(bucketListed))
		if b == nil {
			return nil
		}
		data := b.Get([]byte(key))
		if data == nil {
			return nil
		}
		var err error
		l, err = decodeListed(key, data)
		found = err == nil
		return err
	})
	if err != nil {
		return Listed{}, false, fmt.Errorf("read listed %s: %w", key, err)
	}
	return l, found, nil
}

// AllListed returns the latest Listed of every source that has one, by key.
func (s *Store) AllListed() (map[string]Listed, error) {
	out := map[string]Listed{}
	err := s.view(func(tx *bolt.Tx) error {
		return eachRaw(tx, bucketListed, nil, func(k, v []byte) error {
			l, err := decodeListed(string(k), v)
			if err != nil {
				return err
			}
			out[l.Key] = l
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("read listed: %w", err)
	}
	return out, nil
}

// bucketListPages keeps, per list page URL, what the page showed when it
// was last fetched in full (ListPage).
const bucketListPages = "list-pages"

// ListPage is what one list page showed when it was last fetched and
// parsed, with the validators it was served with. A crawler that gets a
// 304 for the page on a later walk takes its entries and pager links from
// here instead of fetching and parsing it again. The entries' fields are
// the crawler's; the store does not interpret them.
type ListPage struct {
	URL          string `json:"url"`
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"lm,omitempty"`
	RunID        uint64 `json:"run"`
	// FetchedAt is when the page was last fetched in full.
	FetchedAt time.Time `json:"at"`
	// Parser is an opaque fingerprint of how the crawler read the page
	// (e.g. its CMS family and selectors): a crawler that would read it
	// otherwise does not use the stored entries.
	Parser string `json:"parser,omitempty"`
	// Entries are the page's entries in page order.
	Entries []ListEntry `json:"entries"`
	// Next are the further list pages the page links (its pager), in order.
	Next []string `json:"next,omitempty"`
}

// ListEntry is one entry of a ListPage: its URL (which may be empty, e.g.
// a letter row without a page) and the fields the crawler keeps of it.
type ListEntry struct {
	URL    string   `json:"u,omitempty"`
	Fields []string `json:"f,omitempty"`
}

// ListPageOf returns the stored ListPage of a list page URL and whether
// there is one.
func (s *Store) ListPageOf(url string) (ListPage, bool, error) {
	return getRecord(s, bucketListPages, url, decodeListPage)
}

// writeListed stores a batch's listings and list pages inside its write
// transaction (see Batch.Listed and Batch.ListPages).
func writeListed(tx *bolt.Tx, ls []Listed, ps []ListPage) error {
	if len(ls) > 0 {
		b, err := writeBucket(tx, bucketListed)
		if err != nil {
			return err
		}
		for _, l := range sortedBy(ls, func(l Listed) string { return l.Key }) {
			if err := putChanged(b, bucketListed, l.Key, l.encode()); err != nil {
				return err
			}
		}
	}
	if len(ps) > 0 {
		b, err := writeBucket(tx, bucketListPages)
		if err != nil {
			return err
		}
		for _, p := range sortedBy(ps, func(p ListPage) string { return p.URL }) {
			if err := putChanged(b, bucketListPages, p.URL, encodeListPage(nil, &p)); err != nil {
				return err
			}
		}
	}
	return nil
}
