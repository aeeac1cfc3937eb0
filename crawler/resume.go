package crawler

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/govaudit/govaudit/store"
)

// ResumeState is what Run.Resume holds for a crawl that was interrupted
// (SIGTERM, a cancelled context) or that resumes one.
type ResumeState struct {
	// Done are the keys of the sources finished before the interruption
	// ("column:<id>", "mailbox:<id>"); their states and items are stored.
	Done []string `json:"done,omitempty"`
	// Runs are the ids of the runs of this crawl: the first one and its
	// resumptions. A source state written by any of them is done, which
	// also covers a run killed before it could write Done.
	Runs []uint64 `json:"runs,omitempty"`
}

// DefaultResumeWithin is how old an interrupted crawl may be and still be
// resumed rather than started over (Options.ResumeWithin).
const DefaultResumeWithin = 24 * time.Hour

// resumption is what a new run continues.
type resumption struct {
	from  uint64          // the interrupted run, 0 when starting afresh
	done  map[string]bool // source keys finished by the crawl so far
	state ResumeState     // its chain of runs
}

// resumable looks at the last crawl run: when it was interrupted (by a
// signal, or a crash that left it "running" until the store was opened
// again) no longer than ResumeWithin ago, the new run continues it: the
// sources it finished are not crawled again.
func (c *Crawler) resumable(now time.Time) (resumption, error) {
	within := c.opt.ResumeWithin
	if within == 0 {
		within = DefaultResumeWithin
	}
	if within < 0 {
		return resumption{}, nil
	}
	last, ok, err := c.st.LastRun("crawl")
	if err != nil {
		return resumption{}, fmt.Errorf("read last crawl run: %w", err)
	}
	if !ok || last.Status != statusInterrupted || now.Sub(last.StartedAt) > within {
		return resumption{}, nil
	}
	var rs ResumeState
	if len(last.Resume) > 0 {
		if err := json.Unmarshal(last.Resume, &rs); err != nil {
			// Unreadable: start over rather than skip sources blindly.
			c.log.Warn("interrupted crawl has unreadable resume data: starting over", "run", last.ID, "err", err)
			return resumption{}, nil
		}
	}
	if !slices.Contains(rs.Runs, last.ID) {
		rs.Runs = append(rs.Runs, last.ID)
	}
	done := map[string]bool{}
	for _, k := range rs.Done {
		done[k] = true
	}
	srcs, err := c.st.Sources()
	if err != nil {
		return resumption{}, fmt.Errorf("read source states: %w", err)
	}
	for _, s := range srcs {
		// A source state is written once everything the source listed is
		// stored, so a state of this crawl means the source is done.
		if (s.Kind == store.SourceColumn || s.Kind == store.SourceMailbox) && slices.Contains(rs.Runs, s.RunID) {
			done[s.Key] = true
		}
	}
	return resumption{from: last.ID, done: done, state: ResumeState{Runs: rs.Runs}}, nil
}
