package store

import (
	"fmt"
	"slices"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"
)

// bucketContent holds a Content record per article URL (JSON). Added
// without a schema change: Open creates the bucket, and a store written
// before it simply has no content records (the content checks then count
// its items as not audited).
const bucketContent = "content"

// Content is what the content checks (personal-data, external-link,
// hidden-link) need of one article page and its attachments, read at
// crawl time. It keeps no document: personal data only masked and as a
// hash, attachments as their hash, size and text length.
type Content struct {
	URL string `json:"url"` // the article (item) URL
	// PageHash is the snapshot hash of the page the record was read from.
	PageHash string `json:"page_hash"`
	// HasText says that the page's article text was stored with it
	// (Batch.Texts, read by Text).
	HasText bool `json:"has_text,omitempty"`
	// Personal are the personal data found in the page's text.
	Personal []PersonalMatch `json:"personal,omitempty"`
	// PersonalCounts counts them by kind (Personal is capped).
	PersonalCounts map[string]int `json:"personal_counts,omitempty"`
	// Links are the page's links to other hosts and its hidden links.
	Links       []ContentLink    `json:"links,omitempty"`
	Attachments []AttachmentText `json:"attachments,omitempty"`
	CheckedAt   time.Time        `json:"checked_at"`
	RunID       uint64           `json:"run_id"`
}

// PersonalMatch is one piece of personal data, never in clear.
type PersonalMatch struct {
	Kind    string `json:"kind"`              // id, mobile, bank
	Masked  string `json:"masked"`            // e.g. 138****5678
	Hash    string `json:"hash"`              // pii.Hash of the number
	Where   string `json:"where"`             // 第 3 行, 工作表 花名册 C5 …
	Context string `json:"context,omitempty"` // the text around it, digits masked
}

// ContentLink is a link of an article page.
type ContentLink struct {
	URL   string `json:"url"`
	Text  string `json:"text,omitempty"`
	Image bool   `json:"image,omitempty"`
	// Hidden says why a reader cannot see it; empty when visible.
	Hidden string `json:"hidden,omitempty"`
}

// AttachmentText is the outcome of reading one attachment's text.
type AttachmentText struct {
	URL  string `json:"url"`
	Name string `json:"name,omitempty"`
	// Hash is the SHA-256 of the downloaded bytes; Bytes their number.
	Hash    string `json:"hash,omitempty"`
	Bytes   int64  `json:"bytes"`
	Format  string `json:"format,omitempty"`   // xlsx, docx, pdf, txt, csv, html, doc …
	TextLen int    `json:"text_len,omitempty"` // characters of text
	// Audited is false when the text could not be read; Cause says why
	// ("无法提取文字：图片型 PDF，无文字层", "超过大小上限 20 MiB", "HTTP 404").
	Audited bool   `json:"audited"`
	Cause   string `json:"cause,omitempty"`
	// ETag and LastModified are the validators of the download, for a
	// conditional GET when the attachment is read again.
	ETag           string          `json:"etag,omitempty"`
	LastModified   string          `json:"last_modified,omitempty"`
	Personal       []PersonalMatch `json:"personal,omitempty"`
	PersonalCounts map[string]int  `json:"personal_counts,omitempty"`
	CheckedAt      time.Time       `json:"checked_at"`
}

// PutContents stores content records, replacing those of the same URLs.
func (s *Store) PutContents(cs []Content) error {
	if len(cs) == 0 {
		return nil
	}
	sorted := append([]Content(nil), cs...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].URL < sorted[j].URL })
	err := s.update(func(tx *bolt.Tx) error {
		for i := range sorted {
			if sorted[i].URL == "" {
				return fmt.Errorf("content record without a URL")
			}
			if err := putRaw(tx, bucketContent, []byte(sorted[i].URL), encodeContent(nil, &sorted[i])); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("write %d content records: %w", len(cs), err)
	}
	return nil
}

// Content returns the content record of an article URL.
func (s *Store) Content(url string) (Content, bool, error) {
	return getRecord(s, bucketContent, url, decodeContent)
}

// ContentsOf returns the content records of urls that have one, by URL,
// read in one read transaction (duplicate URLs are looked up once). The
// checks read a batch of articles' records at a time with it, instead of
// every record of the store (Contents).
func (s *Store) ContentsOf(urls []string) (map[string]Content, error) {
	keys := slices.Clone(urls)
	slices.Sort(keys)
	keys = slices.Compact(keys)
	out := make(map[string]Content, len(keys))
	err := s.view(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(bucketContent))
		if b == nil {
			return nil
		}
		for _, k := range keys {
			data := b.Get([]byte(k))
			if data == nil {
				continue
			}
			var c Content
			if err := decodeContent(data, &c); err != nil {
				return fmt.Errorf("decode %s/%q: %w", bucketContent, k, err)
			}
			out[k] = c
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read %d content records: %w", len(keys), err)
	}
	return out, nil
}

// Contents returns every content record by article URL.
func (s *Store) Contents() (map[string]Content, error) {
	out := map[string]Content{}
	err := s.view(func(tx *bolt.Tx) error {
		return eachRaw(tx, bucketContent, nil, func(k, data []byte) error {
			var c Content
			if err := decodeContent(data, &c); err != nil {
				return fmt.Errorf("decode %s/%q: %w", bucketContent, k, err)
			}
			out[string(k)] = c
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("read content records: %w", err)
	}
	return out, nil
}
