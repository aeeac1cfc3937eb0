package store

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
)

// A FindingSpool holds the findings of an evaluation in a temporary file
// until SyncFindings reads them, so that a large portal's findings (a
// hundred thousand at 1,000 items a channel, ≈ 1.7 KB each in memory) need
// not all be in memory at once. In memory it keeps only each finding's id
// and place in the file.
//
// Add the findings, hand the spool to SyncFindings (SyncRequest.Spool),
// and Close it. A spool is not safe for concurrent use.
type FindingSpool struct {
	f *os.File
	// unlinked: the file's name was removed as soon as it was created
	// (where the system allows it), so that a killed process leaves
	// nothing behind.
	unlinked bool
	w        *bufio.Writer
	size     int64
	ents     []spoolEntry
	buf      []byte
}

// spoolEntry is where one finding lies in the spool's file.
type spoolEntry struct {
	id  string
	off int64
	n   int
}

// tagSpool1 is the layout of a spooled finding: see encodeSpooled.
const tagSpool1 = 0x01

// NewFindingSpool creates a spool whose file lies in dir (os.TempDir when
// empty). The file has no name once created where the system allows it
// (it lives while open), and is removed by Close otherwise.
func NewFindingSpool(dir string) (*FindingSpool, error) {
	f, err := os.CreateTemp(dir, "govaudit-findings-*.spool")
	if err != nil {
		return nil, fmt.Errorf("create findings spool: %w", err)
	}
	s := &FindingSpool{f: f, w: bufio.NewWriterSize(f, 256<<10)}
	s.unlinked = os.Remove(f.Name()) == nil
	return s, nil
}

// Add appends f to the spool. Its ID is set (FindingID) when empty. A
// subject added twice by the same rule: the last wins, as in
// SyncRequest.Found.
func (s *FindingSpool) Add(f Finding) error {
	if s.f == nil {
		return fmt.Errorf("spool finding %q: the spool is closed", f.Subject)
	}
	if f.ID == "" {
		f.ID = FindingID(f.Rule, f.Subject)
	}
	s.buf = encodeSpooled(s.buf[:0], &f)
	if _, err := s.w.Write(s.buf); err != nil {
		return fmt.Errorf("spool finding %s: %w", f.ID, err)
	}
	s.ents = append(s.ents, spoolEntry{id: f.ID, off: s.size, n: len(s.buf)})
	s.size += int64(len(s.buf))
	return nil
}

// Len returns the number of findings added.
func (s *FindingSpool) Len() int { return len(s.ents) }

// Size returns the bytes the spool's file holds.
func (s *FindingSpool) Size() int64 { return s.size }

// Close removes the spool's file.
func (s *FindingSpool) Close() error {
	if s.f == nil {
		return nil
	}
	name := s.f.Name()
	err := s.f.Close()
	s.f, s.w, s.ents = nil, nil, nil
	if !s.unlinked {
		if rerr := os.Remove(name); err == nil {
			err = rerr
		}
	}
	if err != nil {
		return fmt.Errorf("close findings spool: %w", err)
	}
	return nil
}

// Each calls fn with every finding of the spool, in the order added.
func (s *FindingSpool) Each(fn func(Finding) error) error {
	if err := s.flush(); err != nil {
		return err
	}
	for i := range s.ents {
		var f Finding
		if err := s.read(i, &f); err != nil {
			return err
		}
		if err := fn(f); err != nil {
			return err
		}
	}
	return nil
}

// flush writes what Add buffered, before the file is read.
func (s *FindingSpool) flush() error {
	if s.f == nil {
		return fmt.Errorf("read findings spool: the spool is closed")
	}
	if err := s.w.Flush(); err != nil {
		return fmt.Errorf("write findings spool: %w", err)
	}
	return nil
}

// read decodes the finding of entry i.
func (s *FindingSpool) read(i int, f *Finding) error {
	e := s.ents[i]
	data := make([]byte, e.n)
	if _, err := s.f.ReadAt(data, e.off); err != nil && err != io.EOF {
		return fmt.Errorf("read findings spool: %w", err)
	}
	if err := decodeSpooled(data, f); err != nil {
		return fmt.Errorf("read findings spool at %d: %w", e.off, err)
	}
	return nil
}

// encodeSpooled appends the spool record of f to buf.
func encodeSpooled(buf []byte, f *Finding) []byte {
	buf = append(buf, tagSpool1)
	for _, s := range []string{f.ID, f.Rule, f.Subject, f.Unit, f.Column, f.URL, f.Title, f.Quarter, f.Status} {
		buf = appendString(buf, s)
	}
	buf = binary.BigEndian.AppendUint64(buf, math.Float64bits(f.Points))
	buf = appendBool(buf, f.Scoring)
	ev := &f.Evidence
	buf = appendString(buf, ev.Text)
	keys := make([]string, 0, len(ev.Dates))
	for k := range ev.Dates {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	buf = binary.AppendUvarint(buf, uint64(len(keys)))
	for _, k := range keys {
		buf = appendString(buf, k)
		buf = appendString(buf, ev.Dates[k])
	}
	buf = binary.AppendVarint(buf, int64(ev.WorkingDays))
	buf = appendStrings(buf, ev.Skipped)
	buf = appendStrings(buf, ev.MakeUp)
	buf = appendString(buf, ev.SnapshotHash)
	buf = appendTime(buf, ev.FetchedAt)
	buf = appendTime(buf, f.DetectedAt)
	return appendTime(buf, f.LastSeen)
}

// decodeSpooled reads a record of encodeSpooled into f.
func decodeSpooled(data []byte, f *Finding) error {
	d := newDecoder(data, tagSpool1)
	*f = Finding{}
	for _, s := range []*string{&f.ID, &f.Rule, &f.Subject, &f.Unit, &f.Column, &f.URL, &f.Title, &f.Quarter, &f.Status} {
		*s = d.string()
	}
	f.Points = math.Float64frombits(d.u64())
	f.Scoring = d.bool()
	ev := &f.Evidence
	ev.Text = d.string()
	if n := d.count(); n > 0 {
		ev.Dates = make(map[string]string, n)
		for range n {
			k := d.string()
			ev.Dates[k] = d.string()
		}
	}
	ev.WorkingDays = d.int()
	ev.Skipped = d.strings()
	ev.MakeUp = d.strings()
	ev.SnapshotHash = d.string()
	ev.FetchedAt = d.time()
	f.DetectedAt = d.time()
	f.LastSeen = d.time()
	return d.finish()
}

// u64 reads eight big-endian bytes.
func (d *decoder) u64() uint64 {
	if d.err != nil {
		return 0
	}
	if len(d.data)-d.i < 8 {
		d.fail("number")
		return 0
	}
	v := binary.BigEndian.Uint64(d.data[d.i:])
	d.i += 8
	return v
}
