package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"runtime/debug"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// verifyLimit is how many problems a VerifyError lists at most; the rest
// are only counted.
const verifyLimit = 20

// VerifyError is the error of Verify for a damaged store. It matches
// ErrCorrupt with errors.Is, and each listed problem too.
type VerifyError struct {
	Path string
	// Problems are the first problems found (at most 20), each naming the
	// record or page concerned.
	Problems []error
	// Total is the number of problems found, listed or not.
	Total int
}

// Error lists the problems one a line after a summary line; a single
// problem fits on one line.
func (e *VerifyError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "store %s is damaged", e.Path)
	if e.Total == 1 && len(e.Problems) == 1 {
		fmt.Fprintf(&b, ": %v", e.Problems[0])
		return b.String()
	}
	fmt.Fprintf(&b, " (%d problems):", e.Total)
	for _, p := range e.Problems {
		fmt.Fprintf(&b, "\n  %v", p)
	}
	if more := e.Total - len(e.Problems); more > 0 {
		fmt.Fprintf(&b, "\n  … and %d more", more)
	}
	return b.String()
}

// Unwrap returns ErrCorrupt and the listed problems.
func (e *VerifyError) Unwrap() []error {
	return append([]error{ErrCorrupt}, e.Problems...)
}

// VerifyFile opens the store file at path read-only (waiting at most a
// second for the lock), verifies it with Verify and closes it. A file
// that is no store or whose schema this program cannot read fails at the
// opening, with the error of Open.
func VerifyFile(path string) error {
	s, err := Open(path, Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	defer s.Close()
	return s.Verify()
}

// Verify checks the integrity of the whole store from one transaction:
//
//   - every key of every bucket reads, in order, and then bbolt's
//     consistency check of every page of the file passes;
//   - the schema version is recorded;
//   - every run decodes and is stored under its id;
//   - every finding decodes, is stored under its id, which is
//     FindingID(rule, subject), has a valid status, a detection time, a
//     quarter and a unit, and has its rule index entry; every rule index
//     entry names a finding of that rule; every finding a stage names
//     (stored by a sync that has not made it visible) is stored;
//   - every adjustment decodes and is stored under its id;
//   - every event is keyed subject NUL seq, decodes, agrees with its key,
//     has an action and a time, and belongs to an existing finding or
//     adjustment;
//   - the history of every finding starts with "detected" and its
//     status-changing events end in the finding's current status;
//   - every entry of the blob index names a snapshot or article text and
//     a place inside an existing pack file (the bytes themselves are
//     checked against their CRC when read, not here).
//
// It returns nil for a sound store, a *VerifyError listing the problems
// for a damaged one, and another error when the check itself could not
// run. When the pages are damaged the records are not judged (their pages
// cannot be trusted).
//
// On a store opened read-only this is a read transaction. On a read-write
// store bbolt's page check must not run beside a writer, so Verify takes
// a write transaction and rolls it back: writers of this process wait
// until it ends. It decodes every finding, event, run and adjustment
// (BenchmarkVerify measures it).
func (s *Store) Verify() error {
	return s.guard(s.verify)
}

func (s *Store) verify() error {
	tx, err := s.db.Begin(!s.readOnly)
	if err != nil {
		return fmt.Errorf("verify store %s: %w", s.path, err)
	}
	defer tx.Rollback()
	v := &verifier{}
	v.walk(tx)
	if v.total == 0 {
		for err := range tx.Check() {
			v.add(fmt.Errorf("page check: %w", err))
		}
	}
	if v.total == 0 {
		v.records(tx)
		v.blobs(tx, s.packs)
	}
	if v.total == 0 {
		return nil
	}
	return &VerifyError{Path: s.path, Problems: v.list, Total: v.total}
}

// verifier collects the problems Verify finds.
type verifier struct {
	list  []error
	total int
}

// add records a problem.
func (v *verifier) add(err error) {
	v.total++
	if len(v.list) < verifyLimit {
		v.list = append(v.list, err)
	}
}

// addf records a problem described by a format.
func (v *verifier) addf(format string, args ...any) {
	v.add(fmt.Errorf(format, args...))
}

// walk reads every key of every bucket, checking that they are in order.
// A damaged page makes the reading panic, here, where the panic (or the
// fault of reading outside the file) is recovered and reported. It must
// come before bbolt's page check: on a file opened read-only, that check
// first rebuilds the free-page list in a goroutine of bbolt's own, which
// takes the whole process down on a damaged page.
func (v *verifier) walk(tx *bolt.Tx) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	var where []byte
	defer func() {
		if r := recover(); r != nil {
			v.addf("damaged page in bucket %q: %v", where, r)
		}
	}()
	var walkBucket func(b *bolt.Bucket)
	walkBucket = func(b *bolt.Bucket) {
		var prev []byte
		c := b.Cursor()
		for k, val := c.First(); k != nil; k, val = c.Next() {
			if prev != nil && bytes.Compare(prev, k) >= 0 {
				v.addf("keys out of order in bucket %q: %q after %q", where, k, prev)
				return
			}
			prev = append(prev[:0], k...)
			if val == nil {
				if child := b.Bucket(k); child != nil {
					outer := where
					where = append(append(bytes.Clone(where), '/'), k...)
					walkBucket(child)
					where = outer
				}
			}
		}
	}
	tx.ForEach(func(name []byte, b *bolt.Bucket) error {
		where = bytes.Clone(name)
		walkBucket(b)
		return nil
	})
}

// blobs checks the blob index against the pack files (see Verify).
func (v *verifier) blobs(tx *bolt.Tx, packs *packSet) {
	b := tx.Bucket([]byte(bucketBlobs))
	if b == nil || firstKey(b) == nil {
		return
	}
	sizes, err := packs.sizes()
	if err != nil {
		v.add(err)
		return
	}
	b.ForEach(func(k, val []byte) error {
		if len(k) != 33 || (k[0] != blobSnapshot && k[0] != blobText) || !validHash(string(k[1:])) {
			v.addf("blob index: key %q is not a blob key", k)
			return nil
		}
		ref, err := decodeBlobRef(val)
		if err != nil {
			v.addf("blob index: %q: %v", k, err)
			return nil
		}
		size, ok := sizes[ref.pack]
		switch {
		case !ok:
			v.addf("blob index: %q is in pack %s, which is missing", k, packs.path(ref.pack))
		case ref.off+int64(ref.n) > size:
			v.addf("blob index: %q ends at %d, past the end of pack %s (%d bytes)", k, ref.off+int64(ref.n), packs.path(ref.pack), size)
		}
		return nil
	})
}

// verifiedFinding is what the event checks need of a finding's record.
type verifiedFinding struct {
	rule     string
	status   string // "" when the record does not decode or has an invalid status
	indexed  bool
	events   int
	first    string // action of the first event
	replayed string // To of the last status-changing event
}

// records checks the records of tx (see Verify). A panic while reading
// pages the page check passed is reported as a problem.
func (v *verifier) records(tx *bolt.Tx) {
	defer func() {
		if r := recover(); r != nil {
			v.addf("reading the records failed: %v", r)
		}
	}()
	if n, err := schemaOf(tx); err != nil {
		v.add(err)
	} else if n == 0 {
		v.addf("no schema version in the meta bucket: not a govaudit store")
	}
	v.runs(tx)
	findings := v.findings(tx)
	adjustments := v.adjustments(tx)
	v.events(tx, findings, adjustments)
	for id, f := range findings {
		if !f.indexed {
			v.addf("finding %s is missing from the rule index", id)
		}
		if f.status == "" {
			continue // reported already; its history cannot be judged
		}
		switch {
		case f.events == 0:
			v.addf("finding %s has no events: its history should start with %q", id, ActionDetected)
		case f.first != ActionDetected:
			v.addf("finding %s has no %q event first (its first is %q)", id, ActionDetected, f.first)
		case f.replayed != f.status:
			v.addf("finding %s is %s but its history ends in %q", id, f.status, f.replayed)
		}
	}
}

// runs checks that every run decodes and is stored under its id.
func (v *verifier) runs(tx *bolt.Tx) {
	b := tx.Bucket([]byte(bucketRuns))
	if b == nil {
		return
	}
	b.ForEach(func(k, val []byte) error {
		if len(k) != 8 {
			v.addf("run key %q is not an 8-byte id", k)
			return nil
		}
		id := binary.BigEndian.Uint64(k)
		var r Run
		if err := json.Unmarshal(val, &r); err != nil {
			v.addf("run %d does not decode: %v", id, err)
			return nil
		}
		switch {
		case r.ID != id:
			v.addf("run under key %d has id %d", id, r.ID)
		case r.Kind == "":
			v.addf("run %d has no kind", id)
		}
		return nil
	})
}

// findings checks the findings and the rule index and returns the findings
// by key (also those that do not decode, so that their events and index
// entries are not reported again).
func (v *verifier) findings(tx *bolt.Tx) map[string]*verifiedFinding {
	valid := map[string]bool{StatusDraft: true, StatusConfirmed: true, StatusDismissed: true, StatusResolved: true}
	out := map[string]*verifiedFinding{}
	if b := tx.Bucket([]byte(bucketFindings)); b != nil {
		b.ForEach(func(k, val []byte) error {
			vf := &verifiedFinding{}
			out[string(k)] = vf
			var f Finding
			if err := json.Unmarshal(val, &f); err != nil {
				v.addf("finding %q does not decode: %v", k, err)
				return nil
			}
			vf.rule = f.Rule
			if want := FindingID(f.Rule, f.Subject); f.ID != string(k) || f.ID != want {
				v.addf("finding under key %q has id %q; FindingID(%q, %q) is %q", k, f.ID, f.Rule, f.Subject, want)
			}
			var missing []string
			for _, m := range []struct {
				name  string
				empty bool
			}{
				{"rule", f.Rule == ""}, {"subject", f.Subject == ""}, {"unit", f.Unit == ""},
				{"quarter", f.Quarter == ""}, {"detected_at", f.DetectedAt.IsZero()},
			} {
				if m.empty {
					missing = append(missing, m.name)
				}
			}
			if len(missing) > 0 {
				v.addf("finding %s is incomplete: no %s", k, strings.Join(missing, ", "))
			}
			if !valid[f.Status] {
				v.addf("finding %s has status %q", k, f.Status)
				return nil
			}
			vf.status = f.Status
			return nil
		})
	}
	if b := tx.Bucket([]byte(bucketRuleFindings)); b != nil {
		b.ForEach(func(k, _ []byte) error {
			rule, id, ok := strings.Cut(string(k), sep)
			if !ok {
				v.addf("rule index key %q is not rule NUL finding id", k)
				return nil
			}
			f, exists := out[id]
			switch {
			case !exists:
				v.addf("rule index entry %q names no finding (%s of rule %s)", k, id, rule)
			case f.rule != "" && f.rule != rule:
				v.addf("rule index entry %q names finding %s, which is of rule %s", k, id, f.rule)
			default:
				f.indexed = true
			}
			return nil
		})
	}
	if top := tx.Bucket([]byte(bucketFindingStages)); top != nil {
		top.ForEach(func(token, val []byte) error {
			stage := top.Bucket(token)
			if val != nil || stage == nil {
				v.addf("%s holds a value under %x, not a stage", bucketFindingStages, token)
				return nil
			}
			return stage.ForEach(func(id, _ []byte) error {
				if out[string(id)] == nil {
					v.addf("stage %x names finding %q, which is not stored", token, id)
				}
				return nil
			})
		})
	}
	if b := tx.Bucket([]byte(bucketFindingSeen)); b != nil {
		b.ForEach(func(k, val []byte) error {
			switch {
			case out[string(k)] == nil:
				v.addf("finding-seen entry %q names no finding", k)
			case len(val) != 8:
				v.addf("finding-seen entry %q is %d bytes, not 8", k, len(val))
			}
			return nil
		})
	}
	return out
}

// adjustments checks that every adjustment decodes and is stored under
// its id, and returns the keys of all.
func (v *verifier) adjustments(tx *bolt.Tx) map[string]bool {
	out := map[string]bool{}
	b := tx.Bucket([]byte(bucketAdjustments))
	if b == nil {
		return out
	}
	b.ForEach(func(k, val []byte) error {
		out[string(k)] = true
		var a Adjustment
		if err := json.Unmarshal(val, &a); err != nil {
			v.addf("adjustment %q does not decode: %v", k, err)
		} else if a.ID != string(k) {
			v.addf("adjustment under key %q has id %q", k, a.ID)
		}
		return nil
	})
	return out
}

// events checks every event and gathers the history of each finding. Keys
// sort by subject, then by sequence number, so each finding's events come
// oldest first.
func (v *verifier) events(tx *bolt.Tx, findings map[string]*verifiedFinding, adjustments map[string]bool) {
	b := tx.Bucket([]byte(bucketEvents))
	if b == nil {
		return
	}
	b.ForEach(func(k, val []byte) error {
		i := len(k) - 9
		if i < 1 || k[i] != 0 || bytes.IndexByte(k[:i], 0) >= 0 {
			v.addf("event key %q is not subject NUL seq", k)
			return nil
		}
		subject, seq := string(k[:i]), binary.BigEndian.Uint64(k[i+1:])
		var e Event
		if err := json.Unmarshal(val, &e); err != nil {
			v.addf("event %d of %s does not decode: %v", seq, subject, err)
			return nil
		}
		if e.Subject != subject || e.Seq != seq {
			v.addf("event under key %s/%d says it is event %d of %q", subject, seq, e.Seq, e.Subject)
			return nil
		}
		if e.Action == "" || e.At.IsZero() {
			v.addf("event %d of %s has no action or no time", seq, subject)
		}
		f, isFinding := findings[subject]
		if !isFinding {
			if !adjustments[subject] && e.Action != ActionAcceptDrop {
				v.addf("event %d (%s) refers to %q, which is no finding or adjustment", seq, e.Action, subject)
			}
			return nil
		}
		if f.events == 0 {
			f.first = e.Action
		}
		f.events++
		if e.Action != DecideAdjust {
			f.replayed = e.To
		}
		return nil
	})
}

// Counts are the numbers of records of a store.
type Counts struct {
	Findings, Events, Items, Letters, Runs, Adjustments int
	// Staged counts the findings stored by a sync that has not finished
	// (an interrupted one), which no reader sees and Findings leaves out;
	// the next sync removes them.
	Staged int
}

// Count returns the numbers of records of the store, from one read
// transaction. It reads the structure of the file, not the records.
func (s *Store) Count() (Counts, error) {
	var c Counts
	err := s.view(func(tx *bolt.Tx) error {
		for _, f := range []struct {
			bucket string
			n      *int
		}{
			{bucketFindings, &c.Findings}, {bucketEvents, &c.Events}, {bucketItems, &c.Items},
			{bucketLetters, &c.Letters}, {bucketRuns, &c.Runs}, {bucketAdjustments, &c.Adjustments},
		} {
			if b := tx.Bucket([]byte(f.bucket)); b != nil {
				*f.n = b.Stats().KeyN
			}
		}
		// Staged findings are not visible yet (stage.go).
		for _, st := range stagesOf(tx) {
			c.Staged += st.Stats().KeyN
		}
		c.Findings -= c.Staged
		return nil
	})
	if err != nil {
		return Counts{}, fmt.Errorf("count records of %s: %w", s.path, err)
	}
	return c, nil
}
