package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"os"
	"runtime/debug"
)

// Damaged files. bbolt trusts its file: a truncated file makes it read
// past the end of its memory map (SIGBUS, which kills the process), and a
// zeroed region or a flipped page flag makes it panic. So a store is
// checked before bbolt opens it (size, metadata pages: checkFile), and
// every transaction runs with faults turned into panics and panics into
// errors (guard). Either way the caller gets an error wrapping ErrCorrupt
// that names the file and says what to do.

// restoreHint is what to do with a damaged store.
const restoreHint = "restore the latest copy made by `govaudit backup` over it (docs/OPERATIONS.md, section Restore), or move it away to start a new store"

// damaged returns the error of a damaged store file.
func damaged(path, what string) error {
	return fmt.Errorf("store %s: %w: %s; %s", path, ErrCorrupt, what, restoreHint)
}

// bbolt's file layout, as far as checkFile reads it: two metadata pages at
// the start, each a 16-byte page header then the meta record.
const (
	boltMagic    = 0xED0CDAED
	boltVersion  = 2
	pageHeader   = 16
	metaSize     = 64 // up to and including the checksum
	minPageSize  = 512
	maxPageSize  = 1 << 20
	metaPageFlag = 0x04
)

// boltMeta is what checkFile needs of a metadata page.
type boltMeta struct {
	pageSize  uint32
	highWater uint64 // pages in use, the file must hold them
	txid      uint64
}

// readMeta parses and verifies the metadata page at the start of b.
func readMeta(b []byte) (boltMeta, bool) {
	if len(b) < pageHeader+metaSize {
		return boltMeta{}, false
	}
	le := binary.LittleEndian
	if le.Uint16(b[8:10])&metaPageFlag == 0 {
		return boltMeta{}, false
	}
	m := b[pageHeader : pageHeader+metaSize]
	if le.Uint32(m[0:4]) != boltMagic || le.Uint32(m[4:8]) != boltVersion {
		return boltMeta{}, false
	}
	h := fnv.New64a()
	h.Write(m[:56])
	if h.Sum64() != le.Uint64(m[56:64]) {
		return boltMeta{}, false
	}
	ps := le.Uint32(m[8:12])
	if ps < minPageSize || ps > maxPageSize || ps&(ps-1) != 0 {
		return boltMeta{}, false
	}
	return boltMeta{pageSize: ps, highWater: le.Uint64(m[40:48]), txid: le.Uint64(m[48:56])}, true
}

// checkFile refuses an existing store file bbolt must not open: empty,
// without a valid metadata page, or shorter than its metadata says. A
// missing file is fine (a read-write open creates it).
func checkFile(path string) error {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("open store %s: %w", path, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("open store %s: %w", path, err)
	}
	size := fi.Size()
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("open store %s: not a regular file (%w)", path, ErrCorrupt)
	}
	if size == 0 {
		return damaged(path, "the file is empty (0 bytes)")
	}
	head := make([]byte, pageHeader+metaSize)
	if _, err := f.ReadAt(head, 0); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("open store %s: %w", path, err)
	}
	m0, ok0 := readMeta(head)
	ps := int64(4096)
	if ok0 {
		ps = int64(m0.pageSize)
	}
	second := make([]byte, pageHeader+metaSize)
	var m1 boltMeta
	ok1 := false
	if _, err := f.ReadAt(second, ps); err == nil {
		m1, ok1 = readMeta(second)
	}
	var m boltMeta
	switch {
	case ok0 && ok1:
		m = m0
		if m1.txid > m0.txid {
			m = m1
		}
	case ok0:
		m = m0
	case ok1:
		m = m1
	default:
		return damaged(path, fmt.Sprintf("no valid bbolt metadata page in its %d bytes (not a govaudit store, or its first pages are overwritten)", size))
	}
	if need := int64(m.highWater) * int64(m.pageSize); need > size {
		return damaged(path, fmt.Sprintf("the file is %d bytes but its metadata needs %d (truncated)", size, need))
	}
	return nil
}

// guard runs fn with memory faults turned into panics (a page mapped past
// the end of a shrunk file) and panics into an error of a damaged store:
// bbolt panics on pages it cannot read. bbolt rolls back the transaction
// of a panicking View or Update before guard recovers.
func (s *Store) guard(fn func() error) error {
	return guardPath(s.path, fn)
}

func guardPath(path string, fn func() error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = damaged(path, fmt.Sprintf("a page cannot be read: %v", r))
		}
	}()
	return fn()
}
