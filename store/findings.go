package store

import (
	"context"
	"crypto/sha1"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// FindingID returns the stable id of the finding of rule about subject: up
// to three letters of the rule, a dash and 10 hex digits of a SHA-1 of both,
// e.g. "tim-3f9a0c12de".
func FindingID(rule, subject string) string {
	var prefix []byte
	for i := 0; i < len(rule) && len(prefix) < 3; i++ {
		c := rule[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') {
			prefix = append(prefix, c)
		}
	}
	if len(prefix) == 0 {
		prefix = []byte("f")
	}
	sum := sha1.Sum([]byte(rule + sep + subject))
	return string(prefix) + "-" + hex.EncodeToString(sum[:5])
}

// SyncRequest is the outcome of one evaluation of some checks.
type SyncRequest struct {
	// Rules are the checks that were evaluated; findings of other rules are
	// not touched.
	Rules []string
	// Found is what the checks found now. ID is FindingID(Rule, Subject)
	// (set when empty); Status, DetectedAt and LastSeen are ignored.
	Found []Finding
	// Spool holds more findings found now, on disk (see FindingSpool); of
	// a finding in both, the spool's wins.
	Spool *FindingSpool
	// Keep reports whether an existing finding, not found now, was not
	// audited this time (e.g. its column could not be crawled) and must be
	// left untouched. Nil keeps nothing. It runs inside the write
	// transaction: it may read the store but must not write to it.
	Keep func(Finding) bool
	// Now is the time of the evaluation.
	Now time.Time
	// Ctx, when set, stops the sync between two of its transactions;
	// nothing it stored is visible then.
	Ctx context.Context
}

// SyncResult counts what SyncFindings did.
type SyncResult struct {
	New, Unchanged, Resolved, Reopened int
	// RolledBack counts the findings an interrupted earlier sync had
	// staged, which this one removed before it started.
	RolledBack int
	// PerRule counts by rule; a reopened finding counts as New there.
	PerRule map[string]RuleCounts
}

// RuleCounts are the SyncResult figures of one rule.
type RuleCounts struct{ New, Unchanged, Resolved int }

// SyncFindings merges the findings of the evaluated rules into the store,
// all of them visible at once, in one commit (the findings found for the
// first time are staged before it in transactions of a bounded size, see
// stage.go):
//   - a finding not stored yet is added as a draft (Event "detected");
//   - a stored one gets LastSeen and fresh Evidence, Title, URL, Unit,
//     Column and Scoring; a draft also takes the new Points (unless an
//     inspector adjusted it) and Quarter; confirmed and dismissed findings
//     keep their status and points. When nothing but LastSeen changes, the
//     record is left as it is and LastSeen goes to the finding-seen bucket
//     (eight bytes instead of the whole record: a nightly check finds
//     most findings again unchanged);
//   - a resolved finding found again becomes a draft (Event "reopened");
//   - a draft of an evaluated rule not found again, unless req.Keep keeps
//     it, becomes resolved (Event "resolved").
//
// A found finding without Rule, Subject, Unit or Quarter (which Verify
// would report as damage) makes it store nothing visible and return an
// error naming the finding. Running it twice with the same request changes
// nothing more. One sync of a Store runs at a time; it first removes what
// an interrupted one staged (SyncResult.RolledBack).
func (s *Store) SyncFindings(req SyncRequest) (SyncResult, error) {
	res := SyncResult{PerRule: map[string]RuleCounts{}}
	if req.Now.IsZero() {
		return res, fmt.Errorf("sync findings: Now is required")
	}
	rules := map[string]bool{}
	for _, r := range req.Rules {
		if r == "" || strings.Contains(r, sep) {
			return res, fmt.Errorf("sync findings: invalid rule name %q", r)
		}
		rules[r] = true
	}
	found, err := indexFound(req, rules)
	if err != nil {
		return res, fmt.Errorf("sync findings: %w", err)
	}
	for r := range rules {
		res.PerRule[r] = RuleCounts{}
	}
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	if res.RolledBack, err = s.dropStages(); err != nil {
		return SyncResult{}, fmt.Errorf("sync findings: %w", err)
	}
	// The findings found for the first time are staged in transactions
	// of their own (stage.go); the rest of the sync, and the commit of
	// the stage, is one transaction.
	token, existing, err := s.stageNew(req, found, &res)
	if err != nil {
		return SyncResult{}, fmt.Errorf("sync findings: %w", err)
	}
	err = s.updateFindings(func(tx *bolt.Tx) (findingsWrite, error) {
		w := findingsWrite{SeenAt: req.Now}
		if token != nil {
			if err := s.commitStage(tx, token); err != nil {
				return findingsWrite{}, err
			}
			// The cache has not seen the staged findings: it is
			// loaded again when next read.
			w.Reload = true
		}
		var changes []change
		// add encodes a change; the finding itself is kept for the cache
		// only while the sync is small (a large one drops the cache).
		add := func(f Finding, c change) error {
			c, err := encodeChange(f, c)
			if err != nil {
				return err
			}
			changes = append(changes, c)
			switch {
			case w.Reload:
			case len(w.Written) == cachePatchMax:
				w.Reload, w.Written = true, nil
			default:
				w.Written = append(w.Written, f)
			}
			return nil
		}
		var f Finding
		for _, ref := range existing {
			if err := found.load(req, ref, &f); err != nil {
				return findingsWrite{}, err
			}
			upd, c, same, err := syncOne(tx, f, req.Now, &res)
			if err != nil {
				return findingsWrite{}, err
			}
			if same {
				w.Seen = append(w.Seen, ref.id)
				continue
			}
			if err := add(upd, c); err != nil {
				return findingsWrite{}, err
			}
		}
		for r := range rules {
			if err := resolveMissing(tx, r, found, req, &res, add); err != nil {
				return findingsWrite{}, err
			}
		}
		if err := writeChanges(tx, changes); err != nil {
			return findingsWrite{}, err
		}
		if err := writeSeen(tx, w.Seen, req.Now); err != nil {
			return findingsWrite{}, err
		}
		return w, nil
	})
	if err != nil {
		return SyncResult{}, fmt.Errorf("sync findings: %w", err)
	}
	return res, nil
}

// foundIndex is what a sync found now: one finding per id (of several
// with one id, the last reported wins), sorted by id, each read from
// SyncRequest.Found or its Spool when it is synced.
type foundIndex struct {
	refs  []foundRef
	rules map[string]bool
}

// foundRef is one finding found now: its id and its index in
// SyncRequest.Found, or in the spool when spooled.
type foundRef struct {
	id      string
	i       int
	spooled bool
}

// indexFound indexes the findings of req. Those of Found are checked now;
// spooled ones as they are read.
func indexFound(req SyncRequest, rules map[string]bool) (foundIndex, error) {
	x := foundIndex{rules: rules}
	n := len(req.Found)
	if req.Spool != nil {
		if err := req.Spool.flush(); err != nil {
			return x, err
		}
		n += req.Spool.Len()
	}
	x.refs = make([]foundRef, 0, n)
	for i, f := range req.Found {
		if err := validateFound(f, rules); err != nil {
			return x, err
		}
		x.refs = append(x.refs, foundRef{id: FindingID(f.Rule, f.Subject), i: i})
	}
	if req.Spool != nil {
		for i, e := range req.Spool.ents {
			x.refs = append(x.refs, foundRef{id: e.id, i: i, spooled: true})
		}
	}
	slices.SortStableFunc(x.refs, func(a, b foundRef) int { return strings.Compare(a.id, b.id) })
	// Keep the last of each id.
	out := x.refs[:0]
	for i, r := range x.refs {
		if i+1 < len(x.refs) && x.refs[i+1].id == r.id {
			continue
		}
		out = append(out, r)
	}
	x.refs = out
	return x, nil
}

// has reports whether the finding id was found now.
func (x foundIndex) has(id string) bool {
	_, ok := slices.BinarySearchFunc(x.refs, id, func(r foundRef, id string) int { return strings.Compare(r.id, id) })
	return ok
}

// load reads the finding of ref into f, with its ID set.
func (x foundIndex) load(req SyncRequest, ref foundRef, f *Finding) error {
	if !ref.spooled {
		*f = req.Found[ref.i]
		f.ID = ref.id
		return nil
	}
	if err := req.Spool.read(ref.i, f); err != nil {
		return err
	}
	if err := validateFound(*f, x.rules); err != nil {
		return err
	}
	f.ID = ref.id
	return nil
}

// cachePatchMax is the most findings a transaction hands to the findings
// cache; a larger one (a first check of a large portal) drops the cache,
// which is reloaded when next read, rather than keep every finding twice
// in memory until the commit.
const cachePatchMax = 4096

// change is a finding to store, encoded, with the event that records the
// change (nil when none) and whether it is new.
type change struct {
	id, rule string
	data     []byte
	event    *Event
	isNew    bool
}

// encodeChange returns the change c of finding f with f encoded.
func encodeChange(f Finding, c change) (change, error) {
	data, err := json.Marshal(f)
	if err != nil {
		return c, fmt.Errorf("encode finding %s: %w", f.ID, err)
	}
	c.id, c.rule, c.data = f.ID, f.Rule, data
	return c, nil
}

// writeChanges stores the changes of a sync bucket by bucket in key order:
// bbolt inserts thousands of keys in random order into one node very slowly.
func writeChanges(tx *bolt.Tx, changes []change) error {
	if len(changes) == 0 {
		return nil
	}
	// Keys go in in order, so the pages bbolt splits off may be filled
	// nearly full rather than half: on a first check that halves the pages
	// the commit allocates and writes.
	for _, name := range []string{bucketFindings, bucketEvents, bucketRuleFindings} {
		b, err := writeBucket(tx, name)
		if err != nil {
			return err
		}
		b.FillPercent = 0.9
	}
	slices.SortFunc(changes, func(a, b change) int { return strings.Compare(a.id, b.id) })
	for _, c := range changes {
		if err := putRaw(tx, bucketFindings, []byte(c.id), c.data); err != nil {
			return err
		}
	}
	for _, c := range changes {
		if c.event != nil {
			if err := addEvent(tx, c.event); err != nil {
				return err
			}
		}
	}
	slices.SortFunc(changes, func(a, b change) int {
		if c := strings.Compare(a.rule, b.rule); c != 0 {
			return c
		}
		return strings.Compare(a.id, b.id)
	})
	for _, c := range changes {
		if c.isNew {
			if err := putRaw(tx, bucketRuleFindings, []byte(c.rule+sep+c.id), []byte{}); err != nil {
				return err
			}
		}
	}
	return nil
}

// writeSeen records that the findings ids (sorted) were found unchanged at
// now: eight bytes each instead of the whole record.
func writeSeen(tx *bolt.Tx, ids []string, now time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	b, err := writeBucket(tx, bucketFindingSeen)
	if err != nil {
		return err
	}
	b.FillPercent = 1 // appended in key order on a first sync
	at := u64(uint64(now.UnixNano()))
	for _, id := range ids {
		if err := b.Put([]byte(id), at); err != nil {
			return fmt.Errorf("put %s/%q: %w", bucketFindingSeen, id, err)
		}
	}
	return nil
}

// getFinding reads the finding id with its LastSeen, which is the later
// of the record's and its finding-seen entry's.
func getFinding(tx *bolt.Tx, id string, f *Finding) (bool, error) {
	if stagesOf(tx).hides([]byte(id)) {
		return false, nil
	}
	exists, err := getJSON(tx, bucketFindings, id, f)
	if err != nil || !exists {
		return exists, err
	}
	if b := tx.Bucket([]byte(bucketFindingSeen)); b != nil {
		overlaySeen(f, b.Get([]byte(id)))
	}
	return true, nil
}

// overlaySeen sets f.LastSeen to the time of a finding-seen value when it
// is later. A value that is not eight bytes is ignored (Verify reports it).
func overlaySeen(f *Finding, v []byte) {
	if len(v) != 8 {
		return
	}
	if at := seenTime(int64(binary.BigEndian.Uint64(v))); at.After(f.LastSeen) {
		f.LastSeen = at
	}
}

// seenTime is the LastSeen of a finding-seen value, in one form wherever it
// is read (the cache and a fresh load must agree).
func seenTime(unixNano int64) time.Time { return time.Unix(0, unixNano).UTC() }

// validateFound checks one finding reported by a check.
func validateFound(f Finding, rules map[string]bool) error {
	switch {
	case f.Rule == "":
		return fmt.Errorf("finding %q (unit %q, quarter %q) without rule", f.Subject, f.Unit, f.Quarter)
	case !rules[f.Rule]:
		return fmt.Errorf("finding %q of rule %q: the rule is not in Rules", f.Subject, f.Rule)
	case f.Subject == "":
		return fmt.Errorf("finding of rule %s (unit %q, quarter %q) without subject", f.Rule, f.Unit, f.Quarter)
	case f.Unit == "":
		return fmt.Errorf("finding %q of rule %s without unit", f.Subject, f.Rule)
	case f.Quarter == "":
		return fmt.Errorf("finding %q of rule %s without quarter", f.Subject, f.Rule)
	case f.ID != "" && f.ID != FindingID(f.Rule, f.Subject):
		return fmt.Errorf("finding %s: id is not FindingID(%q, %q)", f.ID, f.Rule, f.Subject)
	case f.Points < 0 || math.IsNaN(f.Points) || math.IsInf(f.Points, 0):
		return fmt.Errorf("finding %s: points %v: want a number >= 0", f.Subject, f.Points)
	}
	return nil
}

// syncOne works out the change to one finding found now: the finding to
// store and its event. same reports that the stored finding stays as it is
// but for its LastSeen (nothing is returned to store then).
func syncOne(tx *bolt.Tx, f Finding, now time.Time, res *SyncResult) (upd Finding, c change, same bool, err error) {
	var old Finding
	exists, err := getJSON(tx, bucketFindings, f.ID, &old)
	if err != nil {
		return Finding{}, change{}, false, err
	}
	rc := res.PerRule[f.Rule]
	defer func() { res.PerRule[f.Rule] = rc }()
	if !exists {
		f.Status = StatusDraft
		f.DetectedAt = now
		f.LastSeen = now
		res.New++
		rc.New++
		return f, change{isNew: true,
			event: &Event{Subject: f.ID, At: now, By: SystemActor, Action: ActionDetected, To: StatusDraft}}, false, nil
	}
	if old.Rule != f.Rule || old.Subject != f.Subject {
		return Finding{}, change{}, false, fmt.Errorf("finding id %s of %s %q collides with %s %q", f.ID, f.Rule, f.Subject, old.Rule, old.Subject)
	}
	upd = old
	upd.Evidence = f.Evidence
	upd.Title, upd.URL, upd.Unit, upd.Column, upd.Scoring = f.Title, f.URL, f.Unit, f.Column, f.Scoring
	switch old.Status {
	case StatusResolved:
		upd.Status = StatusDraft
		upd.Quarter = f.Quarter
		if err := setDraftPoints(tx, &upd, f.Points); err != nil {
			return Finding{}, change{}, false, err
		}
		res.Reopened++
		rc.New++
		c.event = &Event{Subject: f.ID, At: now, By: SystemActor, Action: ActionReopened, From: StatusResolved, To: StatusDraft}
	case StatusDraft:
		upd.Quarter = f.Quarter
		if err := setDraftPoints(tx, &upd, f.Points); err != nil {
			return Finding{}, change{}, false, err
		}
		res.Unchanged++
		rc.Unchanged++
	default: // confirmed, dismissed: the decision stands
		res.Unchanged++
		rc.Unchanged++
	}
	if c.event == nil && sameFinding(old, upd) {
		return Finding{}, change{}, true, nil
	}
	upd.LastSeen = now
	return upd, c, false, nil
}

// sameFinding reports whether a and b are the same record but for
// LastSeen. An empty map or list equals a missing one (JSON drops both).
func sameFinding(a, b Finding) bool {
	ea, eb := a.Evidence, b.Evidence
	return a.ID == b.ID && a.Rule == b.Rule && a.Subject == b.Subject && a.Unit == b.Unit &&
		a.Column == b.Column && a.URL == b.URL && a.Title == b.Title && a.Quarter == b.Quarter &&
		a.Points == b.Points && a.Status == b.Status && a.DetectedAt.Equal(b.DetectedAt) &&
		a.Scoring == b.Scoring &&
		ea.Text == eb.Text && ea.WorkingDays == eb.WorkingDays && ea.SnapshotHash == eb.SnapshotHash &&
		ea.FetchedAt.Equal(eb.FetchedAt) && maps.Equal(ea.Dates, eb.Dates) &&
		slices.Equal(ea.Skipped, eb.Skipped) && slices.Equal(ea.MakeUp, eb.MakeUp)
}

// setDraftPoints gives a draft the points its check computed now, unless an
// inspector has adjusted them.
func setDraftPoints(tx *bolt.Tx, f *Finding, points float64) error {
	adjusted, err := hasEvent(tx, f.ID, "adjust")
	if err != nil {
		return err
	}
	if !adjusted {
		f.Points = points
	}
	return nil
}

// resolveMissing resolves the drafts of rule that were not found now,
// handing each to add.
func resolveMissing(tx *bolt.Tx, rule string, found foundIndex, req SyncRequest, res *SyncResult, add func(Finding, change) error) error {
	n := 0
	prefix := []byte(rule + sep)
	err := eachRaw(tx, bucketRuleFindings, prefix, func(k, _ []byte) error {
		id := string(k[len(prefix):])
		if found.has(id) {
			return nil
		}
		var f Finding
		exists, err := getFinding(tx, id, &f)
		if err != nil {
			return err
		}
		if !exists {
			return fmt.Errorf("%w: rule index names missing finding %s", ErrCorrupt, id)
		}
		if f.Status != StatusDraft || (req.Keep != nil && req.Keep(f)) {
			return nil
		}
		f.Status = StatusResolved
		n++
		return add(f, change{event: &Event{Subject: f.ID, At: req.Now, By: SystemActor,
			Action: ActionResolved, From: StatusDraft, To: StatusResolved}})
	})
	if err != nil {
		return err
	}
	rc := res.PerRule[rule]
	rc.Resolved += n
	res.PerRule[rule] = rc
	res.Resolved += n
	return nil
}

// putFinding stores a finding and its rule index entry. Use it only inside
// s.updateFindings, and return the finding from its fn, so the findings
// cache follows.
func putFinding(tx *bolt.Tx, f Finding) error {
	if err := putJSON(tx, bucketFindings, f.ID, f); err != nil {
		return err
	}
	return putRaw(tx, bucketRuleFindings, []byte(f.Rule+sep+f.ID), []byte{})
}

// FindingsOfRule returns every finding of check rule, whatever its
// status, in id order. Unlike Findings it reads them from the store's
// index of the rule and does not load (and keep) every finding in the
// findings cache: the check uses it once, after its sync.
func (s *Store) FindingsOfRule(rule string) ([]Finding, error) {
	var out []Finding
	prefix := []byte(rule + sep)
	err := s.view(func(tx *bolt.Tx) error {
		return eachRaw(tx, bucketRuleFindings, prefix, func(k, _ []byte) error {
			id := string(k[len(prefix):])
			var f Finding
			found, err := getFinding(tx, id, &f)
			if err != nil {
				return fmt.Errorf("finding %s: %w", id, err)
			}
			if found {
				out = append(out, f)
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("read findings of %s: %w", rule, err)
	}
	return out, nil
}

// Finding returns the finding with the given id, or an error wrapping
// ErrNotFound.
func (s *Store) Finding(id string) (Finding, error) {
	var f Finding
	var found bool
	err := s.view(func(tx *bolt.Tx) error {
		var err error
		found, err = getFinding(tx, id, &f)
		return err
	})
	switch {
	case err != nil:
		return Finding{}, fmt.Errorf("read finding %s: %w", id, err)
	case !found:
		return Finding{}, fmt.Errorf("finding %s: %w", id, ErrNotFound)
	}
	return f, nil
}

// Decision kinds of Action.
const (
	DecideConfirm = "confirm"
	DecideDismiss = "dismiss"
	DecideAdjust  = "adjust"
	DecideReopen  = "reopen"
)

// Action is an inspector's decision on a finding.
type Action struct {
	// Kind is confirm (draft -> confirmed), dismiss (draft or confirmed ->
	// dismissed; needs Reason), adjust (sets Points on a draft or confirmed
	// finding, keeps its status; needs Reason) or reopen (any other status ->
	// draft).
	Kind   string
	By     string // who decided; required
	Reason string
	Points float64 // the new points of an adjustment, >= 0
	At     time.Time
}

// Decide applies an inspector's decision to a finding and records an Event
// {Subject: id, By, Action: a.Kind, From, To, Reason} in the same
// transaction. From and To are statuses, or for adjust the points before and
// after. A dismissal or adjustment without a reason yields an error wrapping
// ErrReasonRequired; a decision that does not apply to the finding's status
// an error wrapping ErrTransition.
func (s *Store) Decide(id string, a Action) (Finding, error) {
	if err := validateAction(a); err != nil {
		return Finding{}, fmt.Errorf("%s finding %s: %w", a.Kind, id, err)
	}
	var out Finding
	err := s.updateFindings(func(tx *bolt.Tx) (findingsWrite, error) {
		var f Finding
		exists, err := getFinding(tx, id, &f)
		if err != nil {
			return findingsWrite{}, err
		}
		if !exists {
			return findingsWrite{}, ErrNotFound
		}
		e := Event{Subject: id, At: a.At, By: a.By, Action: a.Kind, Reason: a.Reason, From: f.Status}
		switch a.Kind {
		case DecideConfirm:
			if f.Status != StatusDraft {
				return findingsWrite{}, fmt.Errorf("%w: the finding is %s; only a draft can be confirmed", ErrTransition, f.Status)
			}
			f.Status = StatusConfirmed
		case DecideDismiss:
			if f.Status != StatusDraft && f.Status != StatusConfirmed {
				return findingsWrite{}, fmt.Errorf("%w: the finding is %s; only a draft or confirmed finding can be dismissed", ErrTransition, f.Status)
			}
			f.Status = StatusDismissed
		case DecideAdjust:
			if f.Status != StatusDraft && f.Status != StatusConfirmed {
				return findingsWrite{}, fmt.Errorf("%w: the finding is %s; only a draft or confirmed finding can be adjusted", ErrTransition, f.Status)
			}
			e.From = formatPoints(f.Points)
			e.To = formatPoints(a.Points)
			f.Points = a.Points
		case DecideReopen:
			if f.Status == StatusDraft {
				return findingsWrite{}, fmt.Errorf("%w: the finding is already a draft", ErrTransition)
			}
			f.Status = StatusDraft
		}
		if a.Kind != DecideAdjust {
			e.To = f.Status
		}
		if err := putFinding(tx, f); err != nil {
			return findingsWrite{}, err
		}
		out = f
		return findingsWrite{Written: []Finding{f}}, addEvent(tx, &e)
	})
	if err != nil {
		return Finding{}, fmt.Errorf("%s finding %s: %w", a.Kind, id, err)
	}
	return out, nil
}

// validateAction checks a decision before any record is read.
func validateAction(a Action) error {
	switch a.Kind {
	case DecideConfirm, DecideReopen:
	case DecideDismiss:
		if strings.TrimSpace(a.Reason) == "" {
			return ErrReasonRequired
		}
	case DecideAdjust:
		if strings.TrimSpace(a.Reason) == "" {
			return ErrReasonRequired
		}
		if a.Points < 0 || math.IsNaN(a.Points) || math.IsInf(a.Points, 0) {
			return fmt.Errorf("points %v: want a number >= 0", a.Points)
		}
	default:
		return fmt.Errorf("unknown decision %q: want confirm, dismiss, adjust or reopen", a.Kind)
	}
	if strings.TrimSpace(a.By) == "" {
		return errors.New("who decided (By) is required")
	}
	if a.At.IsZero() {
		return errors.New("the time of the decision (At) is required")
	}
	return nil
}

// formatPoints writes points the shortest way: 2, 0.5.
func formatPoints(p float64) string {
	return strconv.FormatFloat(p, 'f', -1, 64)
}

// Filter selects and orders findings for Findings. Empty fields match all.
type Filter struct {
	Rule, Unit, Status, Quarter, Column string
	// Query matches, ignoring case, a substring of the id, subject, title,
	// URL, unit, column or evidence text.
	Query string
	// Sort is "date" or "-date" (DetectedAt), "points" or "-points"; the
	// default orders by unit, rule and subject. Ties are ordered by id.
	Sort string
	// Offset skips the first matching findings; Limit > 0 caps how many are
	// returned.
	Offset, Limit int
}

// Findings returns the findings matching f, sorted and paged, and how many
// match in all. It serves from an in-memory copy of the findings, reloaded
// after every committed change.
func (s *Store) Findings(f Filter) ([]Finding, int, error) {
	var less func(a, b *cachedFinding) int
	switch f.Sort {
	case "":
		less = func(a, b *cachedFinding) int {
			if c := strings.Compare(a.f.Unit, b.f.Unit); c != 0 {
				return c
			}
			if c := strings.Compare(a.f.Rule, b.f.Rule); c != 0 {
				return c
			}
			return strings.Compare(a.f.Subject, b.f.Subject)
		}
	case "date", "-date":
		less = func(a, b *cachedFinding) int { return a.f.DetectedAt.Compare(b.f.DetectedAt) }
	case "points", "-points":
		less = func(a, b *cachedFinding) int { return cmpFloat(a.f.Points, b.f.Points) }
	default:
		return nil, 0, fmt.Errorf("list findings: unknown sort %q: want date, -date, points or -points", f.Sort)
	}
	if strings.HasPrefix(f.Sort, "-") {
		asc := less
		less = func(a, b *cachedFinding) int { return asc(b, a) }
	}
	all, err := s.findings()
	if err != nil {
		return nil, 0, fmt.Errorf("list findings: %w", err)
	}
	query := strings.ToLower(f.Query)
	var match []*cachedFinding
	for i := range all.list {
		c := all.list[i]
		if (f.Rule == "" || c.f.Rule == f.Rule) &&
			(f.Unit == "" || c.f.Unit == f.Unit) &&
			(f.Status == "" || c.f.Status == f.Status) &&
			(f.Quarter == "" || c.f.Quarter == f.Quarter) &&
			(f.Column == "" || c.f.Column == f.Column) &&
			(query == "" || strings.Contains(c.text, query)) {
			match = append(match, c)
		}
	}
	// Ties are broken by id, so every order is total and pages are stable.
	cmp := func(a, b *cachedFinding) int {
		if c := less(a, b); c != 0 {
			return c
		}
		return strings.Compare(a.f.ID, b.f.ID)
	}
	total := len(match)
	if k := f.Offset + f.Limit; f.Limit > 0 && f.Offset >= 0 && k < total/4 {
		match = topK(match, k, cmp)
	} else {
		slices.SortFunc(match, cmp)
	}
	if f.Offset > 0 {
		match = match[min(f.Offset, len(match)):]
	}
	if f.Limit > 0 && len(match) > f.Limit {
		match = match[:f.Limit]
	}
	out := make([]Finding, len(match))
	for i, c := range match {
		out[i] = cloneFinding(c.f)
	}
	return out, total, nil
}

// topK returns the k smallest elements of list in order, for a page near the
// start of a long list: about one comparison per element instead of a sort.
func topK(list []*cachedFinding, k int, cmp func(a, b *cachedFinding) int) []*cachedFinding {
	top := make([]*cachedFinding, 0, k+1)
	for _, c := range list {
		if len(top) == k && cmp(c, top[k-1]) >= 0 {
			continue
		}
		i, _ := slices.BinarySearchFunc(top, c, cmp)
		top = slices.Insert(top, i, c)
		if len(top) > k {
			top = top[:k]
		}
	}
	return top
}

// cmpFloat orders floats.
func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// EachFinding calls fn for every finding in id order and stops at fn's first
// error, which it returns.
func (s *Store) EachFinding(fn func(Finding) error) error {
	all, err := s.findings()
	if err != nil {
		return fmt.Errorf("each finding: %w", err)
	}
	for i := range all.list {
		if err := fn(cloneFinding(all.list[i].f)); err != nil {
			return err
		}
	}
	return nil
}

// findingsCache is an immutable copy of every finding, in id order. It is
// loaded from a read transaction and then follows the committed writes of
// updateFindings, merging the findings each one stored.
type findingsCache struct {
	builtAt uint64 // id of the read transaction it was loaded in
	txid    uint64 // id of the newest write transaction merged in
	list    []*cachedFinding
}

// cachedFinding is a finding with its lower-cased search text.
type cachedFinding struct {
	f    Finding
	text string
}

// newCachedFinding prepares a finding for the cache.
func newCachedFinding(f Finding) *cachedFinding {
	text := strings.ToLower(strings.Join([]string{f.ID, f.Subject, f.Title, f.URL, f.Unit, f.Column, f.Evidence.Text}, "\n"))
	return &cachedFinding{f: f, text: text}
}

// findings returns the findings cache, loading it when needed.
func (s *Store) findings() (*findingsCache, error) {
	s.cacheMu.Lock()
	defer s.cacheMu.Unlock()
	if s.cache != nil {
		return s.cache, nil
	}
	c := &findingsCache{}
	err := s.view(func(tx *bolt.Tx) error {
		c.builtAt = uint64(tx.ID())
		c.txid = c.builtAt
		var seen *bolt.Bucket
		if b := tx.Bucket([]byte(bucketFindingSeen)); b != nil {
			seen = b
		}
		staged := stagesOf(tx)
		return eachJSON(tx, bucketFindings, "", func(id string, f Finding) error {
			if staged.hides([]byte(id)) {
				return nil
			}
			if seen != nil {
				overlaySeen(&f, seen.Get([]byte(id)))
			}
			c.list = append(c.list, newCachedFinding(f))
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	s.cache = c
	return c, nil
}

// patchCache merges what the committed write transaction txid stored into
// the cache. Commit handlers may run out of order: a transaction the cache
// already holds is skipped; one older than a merged one drops the cache
// (it is reloaded when next needed).
func (s *Store) patchCache(txid uint64, w findingsWrite) {
	s.cacheMu.Lock()
	defer s.cacheMu.Unlock()
	c := s.cache
	switch {
	case c == nil, txid <= c.builtAt:
		return
	case txid < c.txid, w.Reload:
		s.cache = nil
		return
	}
	byID := make(map[string]*cachedFinding, len(w.Written))
	for _, f := range w.Written {
		byID[f.ID] = newCachedFinding(f)
	}
	ids := make([]string, 0, len(byID))
	for id := range byID {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	seen := w.Seen // sorted
	list := make([]*cachedFinding, 0, len(c.list)+len(ids))
	i := 0
	// keep appends the cached findings before id, with their LastSeen
	// updated when the transaction found them again.
	keep := func(id string, all bool) {
		for i < len(c.list) && (all || c.list[i].f.ID < id) {
			old := c.list[i]
			for len(seen) > 0 && seen[0] < old.f.ID {
				seen = seen[1:]
			}
			if at := seenTime(w.SeenAt.UnixNano()); len(seen) > 0 && seen[0] == old.f.ID && at.After(old.f.LastSeen) {
				upd := *old
				upd.f.LastSeen = at
				old = &upd
			}
			list = append(list, old)
			i++
		}
	}
	for _, id := range ids {
		keep(id, false)
		if i < len(c.list) && c.list[i].f.ID == id {
			i++ // replaced
		}
		list = append(list, byID[id])
	}
	keep("", true)
	s.cache = &findingsCache{builtAt: c.builtAt, txid: txid, list: list}
}

// cloneFinding copies the maps and slices of a finding, so a caller cannot
// change the cache.
func cloneFinding(f Finding) Finding {
	f.Evidence.Dates = cloneMap(f.Evidence.Dates)
	f.Evidence.Skipped = slices.Clone(f.Evidence.Skipped)
	f.Evidence.MakeUp = slices.Clone(f.Evidence.MakeUp)
	return f
}

// cloneMap copies a string map; nil stays nil.
func cloneMap(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
