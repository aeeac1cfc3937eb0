package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Items and pages, the records read most (every check decodes every item;
// an incremental crawl reads the page and item of every article), are kept
// in a compact binary layout instead of JSON: decoding it costs a fraction
// of encoding/json's time and allocates one string per record, of which
// every string field is a part.
//
// A record starts with a layout tag. JSON records (schema version 1) start
// with '{' and are still read; migrateBinaryRecords rewrites them when a
// store is opened read-write. A later layout gets a new tag, and the
// decoders keep reading the older ones.
//
// Every value is in field order: a string as its length (uvarint) and its
// bytes; an int as a varint; a bool as one byte; a slice as its length and
// its elements; a time as in appendTime.
const (
	tagItem1 = 0x01 // item layout 1: see encodeItem
	tagPage1 = 0x01 // page layout 1: see encodePage
)

// encodeItem appends the binary record of it to buf. FirstSeen and Column
// come first, so that putItem can read them without decoding the rest.
func encodeItem(buf []byte, it *Item) []byte {
	buf = append(buf, tagItem1)
	buf = appendTime(buf, it.FirstSeen)
	buf = appendString(buf, it.Column)
	buf = appendString(buf, it.URL)
	buf = appendString(buf, it.Unit)
	buf = appendString(buf, it.Family)
	buf = appendString(buf, it.Title)
	buf = appendString(buf, it.ListDate)
	buf = appendString(buf, it.Published)
	buf = appendString(buf, it.Written)
	buf = appendString(buf, it.DocNo)
	buf = appendString(buf, it.IndexNo)
	buf = appendString(buf, it.Publisher)
	buf = appendString(buf, it.Validity)
	buf = binary.AppendUvarint(buf, uint64(len(it.Attachments)))
	for i := range it.Attachments {
		a := &it.Attachments[i]
		buf = appendString(buf, a.URL)
		buf = appendString(buf, a.Name)
		buf = appendString(buf, a.Type)
		buf = binary.AppendVarint(buf, int64(a.Status))
		buf = appendString(buf, a.ContentType)
		buf = binary.AppendVarint(buf, a.Length)
		buf = appendBool(buf, a.Checked)
		buf = appendString(buf, a.Broken)
		buf = appendString(buf, a.Err)
	}
	buf = appendStrings(buf, it.NamedAttachments)
	buf = binary.AppendVarint(buf, int64(it.BodyLen))
	buf = appendStrings(buf, it.Links)
	buf = appendString(buf, it.SnapshotHash)
	buf = appendTime(buf, it.FetchedAt)
	buf = appendString(buf, it.FetchErr)
	return binary.AppendUvarint(buf, it.RunID)
}

// decodeItem decodes a record of the items bucket, binary or JSON.
func decodeItem(data []byte, it *Item) error {
	if len(data) > 0 && data[0] == '{' {
		*it = Item{}
		return json.Unmarshal(data, it)
	}
	d := newDecoder(data, tagItem1)
	*it = Item{
		FirstSeen: d.time(),
		Column:    d.string(),
		URL:       d.string(),
		Unit:      d.string(),
		Family:    d.string(),
		Title:     d.string(),
		ListDate:  d.string(),
		Published: d.string(),
		Written:   d.string(),
		DocNo:     d.string(),
		IndexNo:   d.string(),
		Publisher: d.string(),
		Validity:  d.string(),
	}
	if n := d.count(); n > 0 {
		it.Attachments = make([]Attachment, n)
		for i := range it.Attachments {
			it.Attachments[i] = Attachment{
				URL:         d.string(),
				Name:        d.string(),
				Type:        d.string(),
				Status:      d.int(),
				ContentType: d.string(),
				Length:      d.varint(),
				Checked:     d.bool(),
				Broken:      d.string(),
				Err:         d.string(),
			}
		}
	}
	it.NamedAttachments = d.strings()
	it.BodyLen = d.int()
	it.Links = d.strings()
	it.SnapshotHash = d.string()
	it.FetchedAt = d.time()
	it.FetchErr = d.string()
	it.RunID = d.uvarint()
	return d.finish()
}

// itemHead decodes only the FirstSeen and Column of an item record.
func itemHead(data []byte) (firstSeen time.Time, column string, err error) {
	if len(data) > 0 && data[0] == '{' {
		var it Item
		err := json.Unmarshal(data, &it)
		return it.FirstSeen, it.Column, err
	}
	d := newDecoder(data, tagItem1)
	firstSeen = d.time()
	column = d.string()
	return firstSeen, column, d.err
}

// encodePage appends the binary record of p to buf.
func encodePage(buf []byte, p *Page) []byte {
	buf = append(buf, tagPage1)
	buf = appendString(buf, p.URL)
	buf = binary.AppendVarint(buf, int64(p.Status))
	buf = appendString(buf, p.ETag)
	buf = appendString(buf, p.LastModified)
	buf = appendString(buf, p.Hash)
	buf = appendString(buf, p.Charset)
	buf = binary.AppendVarint(buf, int64(p.Bytes))
	buf = appendTime(buf, p.FetchedAt)
	buf = appendString(buf, p.ErrKind)
	buf = appendString(buf, p.Err)
	return binary.AppendUvarint(buf, p.RunID)
}

// decodePage decodes a record of the pages bucket, binary or JSON.
func decodePage(data []byte, p *Page) error {
	if len(data) > 0 && data[0] == '{' {
		*p = Page{}
		return json.Unmarshal(data, p)
	}
	d := newDecoder(data, tagPage1)
	*p = Page{
		URL:          d.string(),
		Status:       d.int(),
		ETag:         d.string(),
		LastModified: d.string(),
		Hash:         d.string(),
		Charset:      d.string(),
		Bytes:        d.int(),
		FetchedAt:    d.time(),
		ErrKind:      d.string(),
		Err:          d.string(),
		RunID:        d.uvarint(),
	}
	return d.finish()
}

func appendString(buf []byte, s string) []byte {
	buf = binary.AppendUvarint(buf, uint64(len(s)))
	return append(buf, s...)
}

func appendStrings(buf []byte, ss []string) []byte {
	buf = binary.AppendUvarint(buf, uint64(len(ss)))
	for _, s := range ss {
		buf = appendString(buf, s)
	}
	return buf
}

func appendBool(buf []byte, b bool) []byte {
	if b {
		return append(buf, 1)
	}
	return append(buf, 0)
}

// appendTime appends t as a flag byte (0: the zero time), then the Unix
// seconds (varint), the nanoseconds (uvarint) and the zone offset in
// seconds (varint). Decoding gives the instant in UTC when the offset is 0,
// else in time.Local when that has the offset at the instant, else in a
// fixed zone: what encoding/json gives for the time's RFC 3339 text.
func appendTime(buf []byte, t time.Time) []byte {
	if t.IsZero() {
		return append(buf, 0)
	}
	_, offset := t.Zone()
	buf = append(buf, 1)
	buf = binary.AppendVarint(buf, t.Unix())
	buf = binary.AppendUvarint(buf, uint64(t.Nanosecond()))
	return binary.AppendVarint(buf, int64(offset))
}

// decoder reads a binary record. The first error sticks: later reads
// return zero values and finish reports it.
type decoder struct {
	data []byte
	// s is data as one string; decoded strings are parts of it.
	s   string
	i   int
	err error
}

// newDecoder starts decoding a record that must carry tag.
func newDecoder(data []byte, tag byte) *decoder {
	d := &decoder{data: data, s: string(data), i: 1}
	switch {
	case len(data) == 0:
		d.err = fmt.Errorf("%w: empty record", ErrCorrupt)
	case data[0] != tag:
		d.err = fmt.Errorf("%w: unknown record layout %#x", ErrCorrupt, data[0])
	}
	return d
}

func (d *decoder) fail(what string) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: bad %s at byte %d of a %d-byte record", ErrCorrupt, what, d.i, len(d.data))
	}
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.data[d.i:])
	if n <= 0 {
		d.fail("number")
		return 0
	}
	d.i += n
	return v
}

func (d *decoder) varint() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.data[d.i:])
	if n <= 0 {
		d.fail("number")
		return 0
	}
	d.i += n
	return v
}

func (d *decoder) int() int { return int(d.varint()) }

// count reads a slice length, which cannot exceed the bytes left (each
// element takes at least one).
func (d *decoder) count() int {
	n := d.uvarint()
	if n > uint64(len(d.data)-d.i) {
		d.fail("length")
		return 0
	}
	return int(n)
}

func (d *decoder) string() string {
	n := d.count()
	if d.err != nil || n == 0 {
		return ""
	}
	s := d.s[d.i : d.i+n]
	d.i += n
	return s
}

func (d *decoder) strings() []string {
	n := d.count()
	if d.err != nil || n == 0 {
		return nil
	}
	out := make([]string, n)
	for i := range out {
		out[i] = d.string()
	}
	return out
}

func (d *decoder) bool() bool {
	if d.err != nil {
		return false
	}
	if d.i >= len(d.data) || d.data[d.i] > 1 {
		d.fail("flag")
		return false
	}
	d.i++
	return d.data[d.i-1] == 1
}

func (d *decoder) time() time.Time {
	if !d.bool() {
		return time.Time{}
	}
	sec, nsec, offset := d.varint(), d.uvarint(), d.varint()
	if d.err != nil {
		return time.Time{}
	}
	if nsec >= 1e9 {
		d.fail("time")
		return time.Time{}
	}
	t := time.Unix(sec, int64(nsec))
	if offset == 0 {
		return t.UTC()
	}
	if _, local := t.Zone(); int64(local) == offset {
		return t
	}
	return t.In(time.FixedZone("", int(offset)))
}

// finish reports the first error, or trailing bytes.
func (d *decoder) finish() error {
	if d.err == nil && d.i != len(d.data) {
		d.err = fmt.Errorf("%w: %d bytes after the end of a record", ErrCorrupt, len(d.data)-d.i)
	}
	return d.err
}

// migrateBinaryRecords (schema 1 to 2) rewrites the JSON records of the
// items and pages buckets in the binary layout. Records already binary are
// left alone.
func migrateBinaryRecords(tx *bolt.Tx) error {
	if err := reencode(tx, bucketItems, func(data []byte) ([]byte, error) {
		var it Item
		if err := decodeItem(data, &it); err != nil {
			return nil, err
		}
		return encodeItem(nil, &it), nil
	}); err != nil {
		return err
	}
	return reencode(tx, bucketPages, func(data []byte) ([]byte, error) {
		var p Page
		if err := decodePage(data, &p); err != nil {
			return nil, err
		}
		return encodePage(nil, &p), nil
	})
}

// reencode replaces every JSON value of a bucket by conv(value). It reads
// a chunk of records, then puts them, so that no cursor walks a bucket
// that is being changed.
func reencode(tx *bolt.Tx, bucket string, conv func([]byte) ([]byte, error)) error {
	b := tx.Bucket([]byte(bucket))
	if b == nil {
		return nil
	}
	const chunk = 1000
	var after []byte
	for {
		var keys, values [][]byte
		c := b.Cursor()
		k, v := c.First()
		if after != nil {
			if k, v = c.Seek(after); k != nil && bytes.Equal(k, after) {
				k, v = c.Next()
			}
		}
		for ; k != nil && len(keys) < chunk; k, v = c.Next() {
			after = append(after[:0], k...)
			if len(v) == 0 || v[0] != '{' {
				continue
			}
			nv, err := conv(v)
			if err != nil {
				return fmt.Errorf("re-encode %s/%q: %w", bucket, k, err)
			}
			keys = append(keys, bytes.Clone(k))
			values = append(values, nv)
		}
		for i := range keys {
			if err := b.Put(keys[i], values[i]); err != nil {
				return fmt.Errorf("put %s/%q: %w", bucket, keys[i], err)
			}
		}
		if k == nil {
			return nil
		}
	}
}

// tagContent1 is content record layout 1: see encodeContent. Content
// records (read for every article in the window by each check) were JSON
// before it and still decode.
const tagContent1 = 0x01

// encodeContent appends the binary record of c to buf.
func encodeContent(buf []byte, c *Content) []byte {
	buf = append(buf, tagContent1)
	buf = appendString(buf, c.URL)
	buf = appendString(buf, c.PageHash)
	buf = appendBool(buf, c.HasText)
	buf = appendPersonal(buf, c.Personal, c.PersonalCounts)
	buf = binary.AppendUvarint(buf, uint64(len(c.Links)))
	for _, l := range c.Links {
		buf = appendString(buf, l.URL)
		buf = appendString(buf, l.Text)
		buf = appendBool(buf, l.Image)
		buf = appendString(buf, l.Hidden)
	}
	buf = binary.AppendUvarint(buf, uint64(len(c.Attachments)))
	for i := range c.Attachments {
		a := &c.Attachments[i]
		buf = appendString(buf, a.URL)
		buf = appendString(buf, a.Name)
		buf = appendString(buf, a.Hash)
		buf = binary.AppendVarint(buf, a.Bytes)
		buf = appendString(buf, a.Format)
		buf = binary.AppendVarint(buf, int64(a.TextLen))
		buf = appendBool(buf, a.Audited)
		buf = appendString(buf, a.Cause)
		buf = appendString(buf, a.ETag)
		buf = appendString(buf, a.LastModified)
		buf = appendPersonal(buf, a.Personal, a.PersonalCounts)
		buf = appendTime(buf, a.CheckedAt)
	}
	buf = appendTime(buf, c.CheckedAt)
	return binary.AppendUvarint(buf, c.RunID)
}

// appendPersonal appends personal data matches and their counts by kind
// (in key order).
func appendPersonal(buf []byte, ms []PersonalMatch, counts map[string]int) []byte {
	buf = binary.AppendUvarint(buf, uint64(len(ms)))
	for _, m := range ms {
		buf = appendString(buf, m.Kind)
		buf = appendString(buf, m.Masked)
		buf = appendString(buf, m.Hash)
		buf = appendString(buf, m.Where)
		buf = appendString(buf, m.Context)
	}
	buf = binary.AppendUvarint(buf, uint64(len(counts)))
	for _, k := range slices.Sorted(maps.Keys(counts)) {
		buf = appendString(buf, k)
		buf = binary.AppendVarint(buf, int64(counts[k]))
	}
	return buf
}

// decodeContent decodes a record of the content bucket, binary or JSON.
func decodeContent(data []byte, c *Content) error {
	if len(data) > 0 && data[0] == '{' {
		*c = Content{}
		return json.Unmarshal(data, c)
	}
	d := newDecoder(data, tagContent1)
	*c = Content{URL: d.string(), PageHash: d.string(), HasText: d.bool()}
	c.Personal, c.PersonalCounts = d.personal()
	if n := d.count(); n > 0 {
		c.Links = make([]ContentLink, n)
		for i := range c.Links {
			c.Links[i] = ContentLink{URL: d.string(), Text: d.string(), Image: d.bool(), Hidden: d.string()}
		}
	}
	if n := d.count(); n > 0 {
		c.Attachments = make([]AttachmentText, n)
		for i := range c.Attachments {
			a := AttachmentText{URL: d.string(), Name: d.string(), Hash: d.string(), Bytes: d.varint(),
				Format: d.string(), TextLen: d.int(), Audited: d.bool(), Cause: d.string(), ETag: d.string(), LastModified: d.string()}
			a.Personal, a.PersonalCounts = d.personal()
			a.CheckedAt = d.time()
			c.Attachments[i] = a
		}
	}
	c.CheckedAt = d.time()
	c.RunID = d.uvarint()
	return d.finish()
}

// personal reads what appendPersonal wrote.
func (d *decoder) personal() ([]PersonalMatch, map[string]int) {
	var ms []PersonalMatch
	if n := d.count(); n > 0 {
		ms = make([]PersonalMatch, n)
		for i := range ms {
			ms[i] = PersonalMatch{Kind: d.string(), Masked: d.string(), Hash: d.string(), Where: d.string(), Context: d.string()}
		}
	}
	var counts map[string]int
	if n := d.count(); n > 0 {
		counts = make(map[string]int, n)
		for range n {
			k := d.string()
			counts[k] = d.int()
		}
	}
	return ms, counts
}

// Letters (read in full by every incremental crawl and every check) and
// list pages (read for every list page an incremental crawl takes from the
// store) have binary layouts too, since the seventh round of issue 12;
// their JSON records still decode and are rewritten when they change.
const (
	tagLetter1   = 0x01 // letter layout 1: see encodeLetter
	tagListPage1 = 0x01 // list page layout 1: see encodeListPage
)

// encodeLetter appends the binary record of l to buf.
func encodeLetter(buf []byte, l *Letter) []byte {
	buf = append(buf, tagLetter1)
	for _, s := range []string{l.URL, l.Mailbox, l.Unit, l.No, l.Title, l.Status, l.Received, l.Replied, l.ReplyUnit} {
		buf = appendString(buf, s)
	}
	buf = appendBool(buf, l.Answered)
	buf = appendString(buf, l.Handler)
	buf = appendString(buf, l.SnapshotHash)
	buf = appendTime(buf, l.FetchedAt)
	buf = appendString(buf, l.FetchErr)
	return binary.AppendUvarint(buf, l.RunID)
}

// decodeLetter decodes a record of the letters bucket, binary or JSON.
func decodeLetter(data []byte, l *Letter) error {
	if len(data) > 0 && data[0] == '{' {
		*l = Letter{}
		return json.Unmarshal(data, l)
	}
	d := newDecoder(data, tagLetter1)
	*l = Letter{
		URL:          d.string(),
		Mailbox:      d.string(),
		Unit:         d.string(),
		No:           d.string(),
		Title:        d.string(),
		Status:       d.string(),
		Received:     d.string(),
		Replied:      d.string(),
		ReplyUnit:    d.string(),
		Answered:     d.bool(),
		Handler:      d.string(),
		SnapshotHash: d.string(),
		FetchedAt:    d.time(),
		FetchErr:     d.string(),
		RunID:        d.uvarint(),
	}
	return d.finish()
}

// encodeListPage appends the binary record of p to buf.
func encodeListPage(buf []byte, p *ListPage) []byte {
	buf = append(buf, tagListPage1)
	buf = appendString(buf, p.URL)
	buf = appendString(buf, p.ETag)
	buf = appendString(buf, p.LastModified)
	buf = binary.AppendUvarint(buf, p.RunID)
	buf = appendTime(buf, p.FetchedAt)
	buf = appendString(buf, p.Parser)
	buf = binary.AppendUvarint(buf, uint64(len(p.Entries)))
	for _, e := range p.Entries {
		buf = appendString(buf, e.URL)
		buf = appendStrings(buf, e.Fields)
	}
	return appendStrings(buf, p.Next)
}

// decodeListPage decodes a record of the list pages bucket, binary or
// JSON. Empty slices decode as nil, as JSON's omitempty gave them.
func decodeListPage(data []byte, p *ListPage) error {
	if len(data) > 0 && data[0] == '{' {
		*p = ListPage{}
		return json.Unmarshal(data, p)
	}
	d := newDecoder(data, tagListPage1)
	*p = ListPage{URL: d.string(), ETag: d.string(), LastModified: d.string(), RunID: d.uvarint(), FetchedAt: d.time(), Parser: d.string()}
	if n := d.count(); n > 0 {
		p.Entries = make([]ListEntry, n)
		for i := range p.Entries {
			p.Entries[i] = ListEntry{URL: d.string(), Fields: d.strings()}
		}
	}
	p.Next = d.strings()
	return d.finish()
}
