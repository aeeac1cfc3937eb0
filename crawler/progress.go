package crawler

import (
	"sync"
	"time"

	"github.com/govaudit/govaudit/store"
)

// saveProgress saves the run's figures to its record every
// Options.ProgressEvery until the returned stop is called (it waits for a
// save in progress). A crawl killed without a chance to finish its record
// (kill -9, power loss) then shows what it did until its last save and
// ends there (store.Run.UpdatedAt), instead of zero pages and a duration
// that grows with the clock.
func (r *run) saveProgress(rec store.Run) (stop func()) {
	every := r.c.opt.ProgressEvery
	if every <= 0 {
		every = DefaultProgressEvery
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			cp := rec
			r.fill(&cp)
			cp.UpdatedAt = r.now()
			if err := r.st.SaveRun(cp); err != nil {
				r.log.Warn("cannot save the crawl's progress", "run", rec.ID, "err", err)
			}
		}
	})
	var once sync.Once
	return func() {
		once.Do(func() {
			close(done)
			wg.Wait()
		})
	}
}
