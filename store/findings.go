package store

import (
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
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
	// Keep reports whether an existing finding, not found now, was not
	// audited this time (e.g. its column could not be crawled) and must be
	// left untouched. Nil keeps nothing. It runs inside the write
	// transaction: it may read the store but must not write to it.
	Keep func(Finding) bool
	// Now is the time of the evaluation.
	Now time.Time
}

// SyncResult counts what SyncFindings did.
type SyncResult struct {
	New, Unchanged, Resolved, Reopened int
	// PerRule counts by rule; a reopened finding counts as New there.
	PerRule map[string]RuleCounts
}

// RuleCounts are the SyncResult figures of one rule.
type RuleCounts struct{ New, Unchanged, Resolved int }

// SyncFindings merges the findings of the evaluated rules into the store in
// one transaction:
//   - a finding not stored yet is added as a draft (Event "detected");
//   - a stored one gets LastSeen and fresh Evidence, Title, URL, Unit,
//     Column and Scoring; a draft also takes the new Points (unless an
//     inspector adjusted it) and Quarter; confirmed and dismissed findings
//     keep their status and points;
//   - a resolved finding found again becomes a draft (Event "reopened");
//   - a draft of an evaluated rule not found again, unless req.Keep keeps
//     it, becomes resolved (Event "resolved").
//
// A found finding without Rule, Subject, Unit or Quarter (which Verify
// would report as damage) makes it store nothing and return an error
// naming the finding. Running it twice with the same request changes
// nothing more.
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
	found := make(map[string]Finding, len(req.Found))
	var order []string
	for _, f := range req.Found {
		if err := validateFound(f, rules); err != nil {
			return res, fmt.Errorf("sync findings: %w", err)
		}
		f.ID = FindingID(f.Rule, f.Subject)
		if _, dup := found[f.ID]; !dup {
			order = append(order, f.ID)
		}
		found[f.ID] = f // a check reporting a subject twice: the last wins
	}
	for r := range rules {
		res.PerRule[r] = RuleCounts{}
	}
	sort.Strings(order)
	err := s.updateFindings(func(tx *bolt.Tx) ([]Finding, error) {
		res = SyncResult{PerRule: map[string]RuleCounts{}}
		for r := range rules {
			res.PerRule[r] = RuleCounts{}
		}
		var changes []change
		for _, id := range order {
			c, err := syncOne(tx, found[id], req.Now, &res)
			if err != nil {
				return nil, err
			}
			changes = append(changes, c)
		}
		for r := range rules {
			gone, err := resolveMissing(tx, r, found, req, &res)
			if err != nil {
				return nil, err
			}
			changes = append(changes, gone...)
		}
		if err := writeChanges(tx, changes); err != nil {
			return nil, err
		}
		written := make([]Finding, len(changes))
		for i, c := range changes {
			written[i] = c.f
		}
		return written, nil
	})
	if err != nil {
		return SyncResult{}, fmt.Errorf("sync findings: %w", err)
	}
	return res, nil
}

// change is a finding to store, with the event that records the change
// (nil when none) and whether it is new.
type change struct {
	f     Finding
	event *Event
	isNew bool
}

// writeChanges stores the changes of a sync bucket by bucket in key order:
// bbolt inserts thousands of keys in random order into one node very slowly.
func writeChanges(tx *bolt.Tx, changes []change) error {
	slices.SortFunc(changes, func(a, b change) int { return strings.Compare(a.f.ID, b.f.ID) })
	for _, c := range changes {
		if err := putJSON(tx, bucketFindings, c.f.ID, c.f); err != nil {
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
		if c := strings.Compare(a.f.Rule, b.f.Rule); c != 0 {
			return c
		}
		return strings.Compare(a.f.ID, b.f.ID)
	})
	for _, c := range changes {
		if c.isNew {
			if err := putRaw(tx, bucketRuleFindings, []byte(c.f.Rule+sep+c.f.ID), []byte{}); err != nil {
				return err
			}
		}
	}
	return nil
}

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

// syncOne works out the change to one finding found now.
func syncOne(tx *bolt.Tx, f Finding, now time.Time, res *SyncResult) (change, error) {
	var old Finding
	exists, err := getJSON(tx, bucketFindings, f.ID, &old)
	if err != nil {
		return change{}, err
	}
	rc := res.PerRule[f.Rule]
	defer func() { res.PerRule[f.Rule] = rc }()
	if !exists {
		f.Status = StatusDraft
		f.DetectedAt = now
		f.LastSeen = now
		res.New++
		rc.New++
		return change{f: f, isNew: true,
			event: &Event{Subject: f.ID, At: now, By: SystemActor, Action: ActionDetected, To: StatusDraft}}, nil
	}
	if old.Rule != f.Rule || old.Subject != f.Subject {
		return change{}, fmt.Errorf("finding id %s of %s %q collides with %s %q", f.ID, f.Rule, f.Subject, old.Rule, old.Subject)
	}
	upd := old
	upd.LastSeen = now
	upd.Evidence = f.Evidence
	upd.Title, upd.URL, upd.Unit, upd.Column, upd.Scoring = f.Title, f.URL, f.Unit, f.Column, f.Scoring
	c := change{}
	switch old.Status {
	case StatusResolved:
		upd.Status = StatusDraft
		upd.Quarter = f.Quarter
		if err := setDraftPoints(tx, &upd, f.Points); err != nil {
			return change{}, err
		}
		res.Reopened++
		rc.New++
		c.event = &Event{Subject: f.ID, At: now, By: SystemActor, Action: ActionReopened, From: StatusResolved, To: StatusDraft}
	case StatusDraft:
		upd.Quarter = f.Quarter
		if err := setDraftPoints(tx, &upd, f.Points); err != nil {
			return change{}, err
		}
		res.Unchanged++
		rc.Unchanged++
	default: // confirmed, dismissed: the decision stands
		res.Unchanged++
		rc.Unchanged++
	}
	c.f = upd
	return c, nil
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

// resolveMissing works out the resolution of the drafts of rule that were
// not found now.
func resolveMissing(tx *bolt.Tx, rule string, found map[string]Finding, req SyncRequest, res *SyncResult) ([]change, error) {
	var gone []change
	prefix := []byte(rule + sep)
	err := eachRaw(tx, bucketRuleFindings, prefix, func(k, _ []byte) error {
		id := string(k[len(prefix):])
		if _, ok := found[id]; ok {
			return nil
		}
		var f Finding
		exists, err := getJSON(tx, bucketFindings, id, &f)
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
		gone = append(gone, change{f: f, event: &Event{Subject: f.ID, At: req.Now, By: SystemActor,
			Action: ActionResolved, From: StatusDraft, To: StatusResolved}})
		return nil
	})
	if err != nil {
		return nil, err
	}
	rc := res.PerRule[rule]
	rc.Resolved += len(gone)
	res.PerRule[rule] = rc
	res.Resolved += len(gone)
	return gone, nil
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

// Finding returns the finding with the given id, or an error wrapping
// ErrNotFound.
func (s *Store) Finding(id string) (Finding, error) {
	f, found, err := getOne[Finding](s, bucketFindings, id)
	if err == nil && !found {
		err = fmt.Errorf("finding %s: %w", id, ErrNotFound)
	}
	return f, err
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
	err := s.updateFindings(func(tx *bolt.Tx) ([]Finding, error) {
		var f Finding
		exists, err := getJSON(tx, bucketFindings, id, &f)
		if err != nil {
			return nil, err
		}
		if !exists {
			return nil, ErrNotFound
		}
		e := Event{Subject: id, At: a.At, By: a.By, Action: a.Kind, Reason: a.Reason, From: f.Status}
		switch a.Kind {
		case DecideConfirm:
			if f.Status != StatusDraft {
				return nil, fmt.Errorf("%w: the finding is %s; only a draft can be confirmed", ErrTransition, f.Status)
			}
			f.Status = StatusConfirmed
		case DecideDismiss:
			if f.Status != StatusDraft && f.Status != StatusConfirmed {
				return nil, fmt.Errorf("%w: the finding is %s; only a draft or confirmed finding can be dismissed", ErrTransition, f.Status)
			}
			f.Status = StatusDismissed
		case DecideAdjust:
			if f.Status != StatusDraft && f.Status != StatusConfirmed {
				return nil, fmt.Errorf("%w: the finding is %s; only a draft or confirmed finding can be adjusted", ErrTransition, f.Status)
			}
			e.From = formatPoints(f.Points)
			e.To = formatPoints(a.Points)
			f.Points = a.Points
		case DecideReopen:
			if f.Status == StatusDraft {
				return nil, fmt.Errorf("%w: the finding is already a draft", ErrTransition)
			}
			f.Status = StatusDraft
		}
		if a.Kind != DecideAdjust {
			e.To = f.Status
		}
		if err := putFinding(tx, f); err != nil {
			return nil, err
		}
		out = f
		return []Finding{f}, addEvent(tx, &e)
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
		return eachJSON(tx, bucketFindings, "", func(_ string, f Finding) error {
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

// patchCache merges the findings written by the committed write transaction
// txid into the cache. Commit handlers may run out of order: a transaction
// the cache already holds is skipped; one older than a merged one drops
// the cache (it is reloaded when next needed).
func (s *Store) patchCache(txid uint64, written []Finding) {
	s.cacheMu.Lock()
	defer s.cacheMu.Unlock()
	c := s.cache
	switch {
	case c == nil, txid <= c.builtAt:
		return
	case txid < c.txid:
		s.cache = nil
		return
	}
	byID := make(map[string]Finding, len(written))
	for _, f := range written {
		byID[f.ID] = f
	}
	ids := make([]string, 0, len(byID))
	for id := range byID {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	list := make([]*cachedFinding, 0, len(c.list)+len(ids))
	i := 0
	for _, id := range ids {
		for i < len(c.list) && c.list[i].f.ID < id {
			list = append(list, c.list[i])
			i++
		}
		if i < len(c.list) && c.list[i].f.ID == id {
			i++ // replaced
		}
		list = append(list, newCachedFinding(byID[id]))
	}
	list = append(list, c.list[i:]...)
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
