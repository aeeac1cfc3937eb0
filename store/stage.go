package store

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// A sync stores the findings it finds for the first time in transactions
// of a bounded size before the one transaction that makes them visible,
// so that the first check of a large portal (several hundred thousand new
// findings) does not hold every record, and then the page images of its
// commit, in memory at once.
//
// The staged findings are written to the findings bucket, with their rule
// index entries and "detected" events, and their ids go to a stage: a
// bucket of its own under finding-stages. A finding named by a stage is
// invisible to every reader (getFinding, the findings cache). The sync's
// last transaction, which also stores the changes to findings that
// existed before and resolves those not found again, deletes the stage:
// everything the sync found appears in that one commit, or nothing does.
//
// A sync that did not get there (a killed process, a cancelled check, a
// failed commit) leaves its stage behind. The next sync removes the
// findings it names, which no reader has seen, before it starts
// (dropStages).
//
//	finding-stages  stage token (8 random bytes) -> bucket of
//	                finding id -> nil

// bucketFindingStages holds one bucket per sync still under way or
// interrupted; see above.
const bucketFindingStages = "finding-stages"

// stageChunk is how many bytes of encoded findings one staging transaction
// writes at most (Store.stageChunk overrides it in tests).
const stageChunk = 8 << 20

// dropChunk is how many staged findings one transaction of dropStages
// removes at most.
const dropChunk = 4096

// errNoWrite rolls back a transaction of this file that found nothing
// to write (a nightly check: no stage to drop, no new finding), rather
// than commit an empty one, which would still write and sync the file.
var errNoWrite = errors.New("nothing to write")

// stages is the view a transaction has of the stages in the store: the
// bucket of each, none in the usual case.
type stages []*bolt.Bucket

// stagesOf returns the stages of tx.
func stagesOf(tx *bolt.Tx) stages {
	top := tx.Bucket([]byte(bucketFindingStages))
	if top == nil {
		return nil
	}
	var out stages
	c := top.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if v != nil {
			continue // not a bucket; Verify reports it
		}
		if b := top.Bucket(k); b != nil {
			out = append(out, b)
		}
	}
	return out
}

// hides reports whether the finding id is staged, not yet visible.
func (st stages) hides(id []byte) bool {
	for _, b := range st {
		if b.Get(id) != nil {
			return true
		}
	}
	return false
}

// stageNew stores, in transactions of at most s.stageChunk bytes of
// findings, every finding of found that the store does not hold yet, as a
// new draft named by a new stage, whose token it returns (nil when it
// staged nothing). It returns the refs of the findings the store already
// holds, for the sync's last transaction, and counts the new ones in res.
// Between transactions it stops when req.Ctx is done.
func (s *Store) stageNew(req SyncRequest, found foundIndex, res *SyncResult) (token []byte, existing []foundRef, err error) {
	limit := s.stageChunk
	if limit <= 0 {
		limit = stageChunk
	}
	refs := found.refs
	for len(refs) > 0 {
		var n int // refs done by this transaction
		err := s.update(func(tx *bolt.Tx) error {
			n = 0
			findings, err := writeBucket(tx, bucketFindings)
			if err != nil {
				return err
			}
			var stage *bolt.Bucket
			var changes []change
			size := 0
			var f Finding
			for ; n < len(refs) && size < limit; n++ {
				ref := refs[n]
				if findings.Get([]byte(ref.id)) != nil {
					existing = append(existing, ref)
					continue
				}
				if err := found.load(req, ref, &f); err != nil {
					return err
				}
				upd, c, _, err := syncOne(tx, f, req.Now, res)
				if err != nil {
					return err
				}
				if c, err = encodeChange(upd, c); err != nil {
					return err
				}
				changes = append(changes, c)
				size += len(c.data)
				if stage == nil {
					if stage, token, err = openStage(tx, token); err != nil {
						return err
					}
				}
				if err := stage.Put([]byte(upd.ID), []byte{}); err != nil {
					return fmt.Errorf("stage finding %s: %w", upd.ID, err)
				}
			}
			if len(changes) == 0 {
				return errNoWrite
			}
			return writeChanges(tx, changes)
		})
		if err != nil && !errors.Is(err, errNoWrite) {
			return token, nil, fmt.Errorf("stage new findings: %w", err)
		}
		refs = refs[n:]
		if req.Ctx != nil {
			if err := req.Ctx.Err(); err != nil {
				return token, nil, fmt.Errorf("stage new findings: %w", err)
			}
		}
	}
	return token, existing, nil
}

// openStage returns the bucket of the stage token in tx, creating it, and
// a new token when token is nil.
func openStage(tx *bolt.Tx, token []byte) (*bolt.Bucket, []byte, error) {
	top, err := writeBucket(tx, bucketFindingStages)
	if err != nil {
		return nil, nil, err
	}
	if token == nil {
		token = make([]byte, 8)
		rand.Read(token)
	}
	b, err := top.CreateBucketIfNotExists(token)
	if err != nil {
		return nil, nil, fmt.Errorf("create stage %x: %w", token, err)
	}
	return b, token, nil
}

// commitStage deletes the stage token in tx, which makes its findings
// visible when tx commits.
func (s *Store) commitStage(tx *bolt.Tx, token []byte) error {
	top := tx.Bucket([]byte(bucketFindingStages))
	if top == nil || top.Bucket(token) == nil {
		return damaged(s.path, fmt.Sprintf("stage %x of this sync is gone", token))
	}
	if err := top.DeleteBucket(token); err != nil {
		return fmt.Errorf("commit stage %x: %w", token, err)
	}
	return nil
}

// dropStages removes the stages earlier syncs left behind and the
// findings they name, with their rule index entries and events, in
// transactions of at most dropChunk findings. It returns how many
// findings it removed. Call it only while no other sync runs
// (Store.syncMu).
func (s *Store) dropStages() (int, error) {
	dropped := 0
	for {
		done := false
		err := s.update(func(tx *bolt.Tx) error {
			top := tx.Bucket([]byte(bucketFindingStages))
			if top == nil {
				done = true
				return errNoWrite
			}
			token, v := top.Cursor().First()
			switch {
			case token == nil:
				done = true
				return errNoWrite
			case v != nil:
				return damaged(s.path, fmt.Sprintf("bucket %s holds a value under %x, not a stage", bucketFindingStages, token))
			}
			token = bytes.Clone(token)
			stage := top.Bucket(token)
			var ids [][]byte
			c := stage.Cursor()
			for id, _ := c.First(); id != nil && len(ids) < dropChunk; id, _ = c.Next() {
				ids = append(ids, bytes.Clone(id))
			}
			if len(ids) == 0 {
				if err := top.DeleteBucket(token); err != nil {
					return fmt.Errorf("delete stage %x: %w", token, err)
				}
				return nil
			}
			for _, id := range ids {
				if err := dropStaged(tx, s.path, id); err != nil {
					return err
				}
				if err := stage.Delete(id); err != nil {
					return fmt.Errorf("delete %x/%q from stage: %w", token, id, err)
				}
			}
			dropped += len(ids)
			return nil
		})
		if err != nil && !errors.Is(err, errNoWrite) {
			return dropped, fmt.Errorf("remove the findings of an interrupted sync: %w", err)
		}
		if done {
			return dropped, nil
		}
	}
}

// dropStaged removes the staged finding id, its rule index entry, its
// LastSeen and its events.
func dropStaged(tx *bolt.Tx, path string, id []byte) error {
	if b := tx.Bucket([]byte(bucketFindings)); b != nil {
		if data := b.Get(id); data != nil {
			var f struct{ Rule string }
			if err := json.Unmarshal(data, &f); err != nil {
				return damaged(path, fmt.Sprintf("staged finding %q does not decode: %v", id, err))
			}
			if err := deleteKey(tx, bucketRuleFindings, []byte(f.Rule+sep+string(id))); err != nil {
				return err
			}
		}
	}
	for _, name := range []string{bucketFindings, bucketFindingSeen} {
		if err := deleteKey(tx, name, id); err != nil {
			return err
		}
	}
	var keys [][]byte
	prefix := append(bytes.Clone(id), sep...)
	err := eachRaw(tx, bucketEvents, prefix, func(k, _ []byte) error {
		keys = append(keys, bytes.Clone(k))
		return nil
	})
	if err != nil {
		return err
	}
	for _, k := range keys {
		if err := deleteKey(tx, bucketEvents, k); err != nil {
			return err
		}
	}
	return nil
}
