package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Bucket names.
const (
	bucketMeta      = "meta"
	bucketRuns      = "runs"
	bucketRunKinds  = "run-kinds"
	bucketPages     = "pages"
	bucketSnapshots = "snapshots"
	// bucketTexts maps a page's snapshot hash to the article text read
	// from it (S2, see Text).
	bucketTexts        = "texts"
	bucketItems        = "items"
	bucketColItems     = "col-items"
	bucketLetters      = "letters"
	bucketSources      = "sources"
	bucketFindings     = "findings"
	bucketRuleFindings = "rule-findings"
	bucketFindingSeen  = "finding-seen"
	bucketEvents       = "events"
)

// bucketNames lists every bucket Open creates. A file of this package that
// keeps records of its own adds its bucket name here. (putJSON also creates a
// missing bucket on first write, and readers treat a missing bucket as
// empty, so an older file or a read-only open still works.)
func bucketNames() []string {
	return []string{
		bucketMeta,
		bucketRuns, bucketRunKinds,
		bucketPages, bucketSnapshots, bucketTexts, bucketBlobs,
		bucketItems, bucketColItems,
		bucketLetters, bucketSources,
		bucketFindings, bucketRuleFindings, bucketFindingSeen,
		bucketFindingStages,
		bucketEvents,
		// Sibling files: add your buckets below.
		"adjustments",
		"digests",
		bucketNotices,
		bucketVerdicts,
		bucketCheckNotes,
		"probes",
		"sessions",
		bucketContent,
	}
}

// sep separates the parts of a composite index key.
const sep = "\x00"

// u64 encodes n as 8 big-endian bytes, so keys sort numerically.
func u64(n uint64) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], n)
	return b[:]
}

// writeBucket returns the named bucket of a write transaction, creating it
// if needed.
func writeBucket(tx *bolt.Tx, name string) (*bolt.Bucket, error) {
	if b := tx.Bucket([]byte(name)); b != nil {
		return b, nil
	}
	b, err := tx.CreateBucket([]byte(name))
	if err != nil {
		return nil, fmt.Errorf("create bucket %s: %w", name, err)
	}
	return b, nil
}

// getJSON decodes the value under key of the named bucket into v and reports
// whether it was there. A missing bucket counts as empty.
func getJSON(tx *bolt.Tx, bucket, key string, v any) (bool, error) {
	return getJSONb(tx, bucket, []byte(key), v)
}

// getJSONb is getJSON with a binary key.
func getJSONb(tx *bolt.Tx, bucket string, key []byte, v any) (bool, error) {
	b := tx.Bucket([]byte(bucket))
	if b == nil {
		return false, nil
	}
	data := b.Get(key)
	if data == nil {
		return false, nil
	}
	if err := json.Unmarshal(data, v); err != nil {
		return true, fmt.Errorf("decode %s/%q: %w", bucket, key, err)
	}
	return true, nil
}

// putJSON stores v as JSON under key of the named bucket.
func putJSON(tx *bolt.Tx, bucket, key string, v any) error {
	return putJSONb(tx, bucket, []byte(key), v)
}

// putJSONb is putJSON with a binary key.
func putJSONb(tx *bolt.Tx, bucket string, key []byte, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s/%q: %w", bucket, key, err)
	}
	return putRaw(tx, bucket, key, data)
}

// putRaw stores value under key of the named bucket.
func putRaw(tx *bolt.Tx, bucket string, key, value []byte) error {
	b, err := writeBucket(tx, bucket)
	if err != nil {
		return err
	}
	if err := b.Put(key, value); err != nil {
		return fmt.Errorf("put %s/%q: %w", bucket, key, err)
	}
	return nil
}

// deleteKey removes key from the named bucket; a missing key or bucket is
// not an error.
func deleteKey(tx *bolt.Tx, bucket string, key []byte) error {
	b := tx.Bucket([]byte(bucket))
	if b == nil {
		return nil
	}
	if err := b.Delete(key); err != nil {
		return fmt.Errorf("delete %s/%q: %w", bucket, key, err)
	}
	return nil
}

// eachRaw calls fn for every key starting with prefix (all keys when prefix
// is empty) in key order. key and value are valid only during the call.
func eachRaw(tx *bolt.Tx, bucket string, prefix []byte, fn func(key, value []byte) error) error {
	b := tx.Bucket([]byte(bucket))
	if b == nil {
		return nil
	}
	c := b.Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		if err := fn(k, v); err != nil {
			return err
		}
	}
	return nil
}

// eachJSON decodes every value whose key starts with prefix into a T and
// calls fn with it, in key order.
func eachJSON[T any](tx *bolt.Tx, bucket, prefix string, fn func(key string, v T) error) error {
	return eachRaw(tx, bucket, []byte(prefix), func(k, data []byte) error {
		var v T
		if err := json.Unmarshal(data, &v); err != nil {
			return fmt.Errorf("decode %s/%q: %w", bucket, k, err)
		}
		return fn(string(k), v)
	})
}

// listJSON returns every value whose key starts with prefix, in key order.
func listJSON[T any](tx *bolt.Tx, bucket, prefix string) ([]T, error) {
	var out []T
	err := eachJSON(tx, bucket, prefix, func(_ string, v T) error {
		out = append(out, v)
		return nil
	})
	return out, err
}

// nextSeq returns the next value of the named bucket's sequence (1, 2 …).
func nextSeq(tx *bolt.Tx, bucket string) (uint64, error) {
	b, err := writeBucket(tx, bucket)
	if err != nil {
		return 0, err
	}
	n, err := b.NextSequence()
	if err != nil {
		return 0, fmt.Errorf("next sequence of %s: %w", bucket, err)
	}
	return n, nil
}

// getOne reads one JSON record in its own read transaction.
func getOne[T any](s *Store, bucket, key string) (T, bool, error) {
	var v T
	var found bool
	err := s.view(func(tx *bolt.Tx) error {
		var err error
		found, err = getJSON(tx, bucket, key, &v)
		return err
	})
	if err != nil {
		var zero T
		return zero, false, fmt.Errorf("read %s %s: %w", bucket, key, err)
	}
	return v, found, nil
}
