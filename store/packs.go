package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	bolt "go.etcd.io/bbolt"
)

// Page bodies (snapshots) and article texts are most of what a crawl
// writes, and no check walks them: they live in append-only pack files in
// a directory beside the bbolt file (PackDir), and the bbolt file keeps only
// where each one is (bucket blobs). This keeps the file every check maps
// small, and a crawl's commits short: bbolt rewrites the pages a commit
// touches, pack files are only appended to.
//
// A batch is appended and synced to its pack before the transaction that
// indexes it commits, so an index entry never points at bytes that are not
// on disk. Bytes appended by a batch whose transaction then failed are cut
// off again; bytes a killed process appended without indexing them stay,
// unreferenced, and cost only their space.
//
// Stores written before the packs keep their bodies in the snapshots and
// texts buckets; they are read from there, and new bodies go to the packs.
// Backup inlines the packed bodies into those buckets, so that a backup is
// one self-contained file.

const (
	bucketBlobs = "blobs"
	// Kinds of blob, the first byte of a key of the blobs bucket (the
	// rest is the SnapshotHash).
	blobSnapshot byte = 's'
	blobText     byte = 't'

	packMagic = "GVPACK1\n"
	// packRoll is the size past which a new pack file is started.
	packRoll = 256 << 20
	// blobRefSize is the size of an encoded blobRef.
	blobRefSize = 20
)

// PackDir returns the directory that holds the pack files of the store at
// path. It belongs to the store: copy, move or delete both together.
func PackDir(path string) string { return path + ".packs" }

// blobKey returns the key of a blob in the blobs bucket.
func blobKey(kind byte, hash string) []byte {
	k := make([]byte, 0, 1+len(hash))
	return append(append(k, kind), hash...)
}

// blobRef is where a blob is: pack number, offset, length and the CRC-32C
// of its bytes.
type blobRef struct {
	pack uint32
	off  int64
	n    uint32
	crc  uint32
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

func (r blobRef) encode() []byte {
	b := make([]byte, blobRefSize)
	binary.BigEndian.PutUint32(b[0:], r.pack)
	binary.BigEndian.PutUint64(b[4:], uint64(r.off))
	binary.BigEndian.PutUint32(b[12:], r.n)
	binary.BigEndian.PutUint32(b[16:], r.crc)
	return b
}

func decodeBlobRef(b []byte) (blobRef, error) {
	if len(b) != blobRefSize {
		return blobRef{}, fmt.Errorf("%w: blob reference of %d bytes", ErrCorrupt, len(b))
	}
	r := blobRef{
		pack: binary.BigEndian.Uint32(b[0:]),
		off:  int64(binary.BigEndian.Uint64(b[4:])),
		n:    binary.BigEndian.Uint32(b[12:]),
		crc:  binary.BigEndian.Uint32(b[16:]),
	}
	if r.pack == 0 || r.off < int64(len(packMagic)) {
		return blobRef{}, fmt.Errorf("%w: blob reference to pack %d at %d", ErrCorrupt, r.pack, r.off)
	}
	return r, nil
}

// packSet is the pack directory of one open store.
type packSet struct {
	store    string // the store's file
	dir      string
	readOnly bool
	roll     int64 // packRoll; smaller in tests

	// wmu is held by a writer from the append of its blobs to the commit
	// (or undo) of their index entries, so that an undo cuts off only its
	// own bytes.
	wmu sync.Mutex

	mu      sync.Mutex // guards the fields below
	files   map[uint32]*os.File
	w       *os.File // the pack being appended to, nil until the first append
	last    uint32   // the highest pack number on disk, 0 for none
	size    int64    // size of pack last
	scanned bool
	closed  bool
}

func newPackSet(storePath string, readOnly bool) *packSet {
	return &packSet{store: storePath, dir: PackDir(storePath), readOnly: readOnly, roll: packRoll, files: map[uint32]*os.File{}}
}

func (p *packSet) path(n uint32) string {
	return filepath.Join(p.dir, fmt.Sprintf("%06d.pack", n))
}

// damaged returns the error of a damaged pack file.
func (p *packSet) damaged(n uint32, what string) error {
	return fmt.Errorf("store %s: pack file %s: %w: %s; %s", p.store, p.path(n), ErrCorrupt, what, restoreHint)
}

// packNumber returns the number of a pack file from its name, and whether
// the name is one of a pack file.
func packNumber(name string) (uint32, bool) {
	digits, ok := strings.CutSuffix(name, ".pack")
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseUint(digits, 10, 32)
	return uint32(n), err == nil && n > 0
}

// scanLocked finds the last pack file. p.mu is held.
func (p *packSet) scanLocked() error {
	if p.scanned {
		return nil
	}
	entries, err := os.ReadDir(p.dir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("read pack directory %s: %w", p.dir, err)
	}
	for _, e := range entries {
		if n, ok := packNumber(e.Name()); ok {
			p.last = max(p.last, n)
		}
	}
	if p.last > 0 {
		fi, err := os.Stat(p.path(p.last))
		if err != nil {
			return fmt.Errorf("pack %s: %w", p.path(p.last), err)
		}
		p.size = fi.Size()
	}
	p.scanned = true
	return nil
}

// file returns a read handle of pack n.
func (p *packSet) file(n uint32) (*os.File, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil, errors.New("the store is closed")
	}
	if f := p.files[n]; f != nil {
		return f, nil
	}
	f, err := os.Open(p.path(n))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, p.damaged(n, "the pack file holding page bodies is missing")
	}
	if err != nil {
		return nil, fmt.Errorf("open pack %s: %w", p.path(n), err)
	}
	p.files[n] = f
	return f, nil
}

// read returns the bytes of a blob, checked against their CRC.
func (p *packSet) read(r blobRef) ([]byte, error) {
	f, err := p.file(r.pack)
	if err != nil {
		return nil, err
	}
	buf := make([]byte, r.n)
	if _, err := f.ReadAt(buf, r.off); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, p.damaged(r.pack, fmt.Sprintf("it ends before the %d bytes at offset %d", r.n, r.off))
		}
		return nil, fmt.Errorf("read pack %s: %w", p.path(r.pack), err)
	}
	if crc32.Checksum(buf, castagnoli) != r.crc {
		return nil, p.damaged(r.pack, fmt.Sprintf("the %d bytes at offset %d fail their checksum", r.n, r.off))
	}
	return buf, nil
}

// append writes blobs one after the other to the current pack (a new one
// when the current one is past packRoll), syncs it and returns where each
// is. The caller holds p.wmu, which makes it the only appender, until the
// blobs are indexed; if indexing fails, undo cuts the pack back to where
// it was.
func (p *packSet) append(blobs [][]byte) (refs []blobRef, undo func(), err error) {
	if p.readOnly {
		return nil, nil, fmt.Errorf("store %s is open read-only", p.store)
	}
	// p.mu guards the pack's state, not the writing: readers of other
	// blobs need not wait for this append's writes and sync.
	w, n, start, err := p.current()
	if err != nil {
		return nil, nil, err
	}
	cut := func(err error) error {
		p.mu.Lock()
		defer p.mu.Unlock()
		return p.undoLocked(n, start, err)
	}
	refs = make([]blobRef, len(blobs))
	off := start
	// Writes are gathered in a buffer of at most 1 MiB.
	total := 0
	for _, b := range blobs {
		total += len(b)
	}
	buf := make([]byte, 0, min(total, 1<<20))
	flush := func() error {
		if len(buf) == 0 {
			return nil
		}
		at := off - int64(len(buf))
		_, err := w.WriteAt(buf, at)
		buf = buf[:0]
		return err
	}
	for i, b := range blobs {
		refs[i] = blobRef{pack: n, off: off, n: uint32(len(b)), crc: crc32.Checksum(b, castagnoli)}
		if len(buf)+len(b) > cap(buf) {
			if err := flush(); err != nil {
				return nil, nil, cut(fmt.Errorf("append to pack %s: %w", p.path(n), err))
			}
		}
		if len(b) > cap(buf) {
			if _, err := w.WriteAt(b, off); err != nil {
				return nil, nil, cut(fmt.Errorf("append to pack %s: %w", p.path(n), err))
			}
		} else {
			buf = append(buf, b...)
		}
		off += int64(len(b))
	}
	if err := flush(); err != nil {
		return nil, nil, cut(fmt.Errorf("append to pack %s: %w", p.path(n), err))
	}
	if err := w.Sync(); err != nil {
		return nil, nil, cut(fmt.Errorf("sync pack %s: %w", p.path(n), err))
	}
	p.mu.Lock()
	p.size = off
	p.mu.Unlock()
	return refs, func() { cut(nil) }, nil
}

// current returns the pack to append to, its number and its size, after
// starting a new one when there is none or the last is full.
func (p *packSet) current() (*os.File, uint32, int64, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil, 0, 0, errors.New("the store is closed")
	}
	if err := p.scanLocked(); err != nil {
		return nil, 0, 0, err
	}
	if p.w == nil || p.size >= p.roll {
		if err := p.startLocked(); err != nil {
			return nil, 0, 0, err
		}
	}
	return p.w, p.last, p.size, nil
}

// undoLocked cuts pack n back to size and returns err.
func (p *packSet) undoLocked(n uint32, size int64, err error) error {
	if p.w != nil && p.last == n {
		if terr := p.w.Truncate(size); terr == nil {
			p.size = size
		} else {
			// Unindexed bytes only waste space; appends go on at the
			// end, as after a killed process.
			if fi, serr := p.w.Stat(); serr == nil {
				p.size = fi.Size()
			}
		}
	}
	return err
}

// startLocked opens the last pack for appending, or starts a new one when
// there is none or it is full.
func (p *packSet) startLocked() error {
	if p.w != nil {
		p.w.Close()
		p.w = nil
	}
	if p.last > 0 && p.size < p.roll {
		f, err := os.OpenFile(p.path(p.last), os.O_RDWR, 0)
		if err != nil {
			return fmt.Errorf("open pack %s: %w", p.path(p.last), err)
		}
		if p.size < int64(len(packMagic)) {
			// A pack cut short before its header was written.
			if _, err := f.WriteAt([]byte(packMagic), 0); err != nil {
				f.Close()
				return fmt.Errorf("write pack %s: %w", p.path(p.last), err)
			}
			p.size = int64(len(packMagic))
		}
		p.w = f
		return nil
	}
	if err := os.MkdirAll(p.dir, 0o700); err != nil {
		return fmt.Errorf("create pack directory: %w", err)
	}
	n := p.last + 1
	f, err := os.OpenFile(p.path(n), os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("create pack: %w", err)
	}
	if _, err := f.Write([]byte(packMagic)); err != nil {
		f.Close()
		os.Remove(p.path(n))
		return fmt.Errorf("write pack %s: %w", p.path(n), err)
	}
	// The new file's name must be on disk before an index entry names it.
	if d, err := os.Open(p.dir); err == nil {
		d.Sync()
		d.Close()
	}
	p.w, p.last, p.size = f, n, int64(len(packMagic))
	return nil
}

// close closes the pack files, after the writer holding p.wmu is done.
func (p *packSet) close() error {
	p.wmu.Lock()
	defer p.wmu.Unlock()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	var errs []error
	for n, f := range p.files {
		errs = append(errs, f.Close())
		delete(p.files, n)
	}
	if p.w != nil {
		errs = append(errs, p.w.Close())
		p.w = nil
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("close packs %s: %w", p.dir, err)
	}
	return nil
}

// sizes returns the size of every pack file, by number.
func (p *packSet) sizes() (map[uint32]int64, error) {
	out := map[uint32]int64{}
	entries, err := os.ReadDir(p.dir)
	if errors.Is(err, fs.ErrNotExist) {
		return out, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read pack directory %s: %w", p.dir, err)
	}
	for _, e := range entries {
		n, ok := packNumber(e.Name())
		if !ok {
			continue
		}
		fi, err := e.Info()
		if err != nil {
			return nil, fmt.Errorf("pack %s: %w", e.Name(), err)
		}
		out[n] = fi.Size()
	}
	return out, nil
}

// blob returns the stored (compressed) bytes of a blob: from the packs, or
// from legacy, the bucket an older store kept it in. It wraps ErrNotFound
// when there is none.
func (s *Store) blob(kind byte, legacy, hash string) ([]byte, error) {
	var ref blobRef
	var packed bool
	var data []byte
	err := s.view(func(tx *bolt.Tx) error {
		if b := tx.Bucket([]byte(bucketBlobs)); b != nil {
			if v := b.Get(blobKey(kind, hash)); v != nil {
				var err error
				ref, err = decodeBlobRef(v)
				packed = err == nil
				return err
			}
		}
		if b := tx.Bucket([]byte(legacy)); b != nil {
			if v := b.Get([]byte(hash)); v != nil {
				data = append([]byte(nil), v...)
				return nil
			}
		}
		return ErrNotFound
	})
	if err != nil {
		return nil, err
	}
	if packed {
		return s.packs.read(ref)
	}
	return data, nil
}

// storedBlobs returns which of hashes are stored as blobs of kind, in the
// packs or in the legacy bucket.
func storedBlobs(tx *bolt.Tx, kind byte, legacy string, hashes []string) map[string]bool {
	out := map[string]bool{}
	idx := tx.Bucket([]byte(bucketBlobs))
	old := tx.Bucket([]byte(legacy))
	for _, h := range hashes {
		if (idx != nil && idx.Get(blobKey(kind, h)) != nil) || (old != nil && old.Get([]byte(h)) != nil) {
			out[h] = true
		}
	}
	return out
}
