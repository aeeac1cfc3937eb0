package crawler

import (
	"errors"
	"net/http"
	"sync/atomic"
)

// Site-down detection. A crawl of a site that does not answer must not
// hammer every URL with retries all night: when the first fetches of a
// run (the home page and the first list pages) all fail at the site
// level, or, later, many fetches in a row do, the run declares the site
// down. From then on no page is requested: every source not yet done is
// recorded not audited with the cause, and the run carries one
// availability record (Run.Errors["site-down"] and a Run.Note).
const (
	// downAtStart is the number of site-level failures, with no answer
	// at all before them, that declare the site down.
	downAtStart = 4
	// downMidway is the number of consecutive site-level failures, after
	// the site answered earlier in the run, that declare it down.
	downMidway = 40
)

// errSiteIsDown is the error of a fetch not made because the site is down.
var errSiteIsDown = errors.New("site declared down: not requested")

// downState says why the site was declared down.
type downState struct {
	kind  string // the error kind of the failure that decided it
	cause string // its cause, for people
	// midway is true when the site answered earlier in the run.
	midway bool
}

// sourceCause is the cause recorded for a source the outage kept from
// being crawled.
func (d *downState) sourceCause() string {
	return "站点无法访问：" + d.cause
}

// note is the run's availability note.
func (d *downState) note() string {
	if d.midway {
		return "站点在抓取中途无法访问：" + d.cause
	}
	return "站点无法访问：" + d.cause
}

// avail tracks whether the site answers.
type avail struct {
	answered atomic.Int64 // fetches the site answered (any status but 5xx and firewall)
	streak   atomic.Int64 // site-level failures since the last answer
	down     atomic.Pointer[downState]
}

// siteLevel reports whether a failure says the site (not the page) is
// unavailable: no connection, a timeout, a reset or a cut body, a 5xx, a
// firewall challenge.
func siteLevel(kind string) bool {
	switch kind {
	case errNetwork, errTimeout, errReset, errTruncated, errHTTP5xx, errBlocked:
		return true
	}
	return false
}

// siteDown returns the outage of the run, or nil while the site is up.
func (r *run) siteDown() *downState { return r.avail.down.Load() }

// observe counts a page fetch's outcome and declares the site down when
// the failures say so.
func (r *run) observe(res *response) {
	a := &r.avail
	if !res.failed() || !siteLevel(res.errKind) {
		if res.status != 0 || !res.failed() {
			a.answered.Add(1)
			a.streak.Store(0)
		}
		return
	}
	n := a.streak.Add(1)
	answered := a.answered.Load() > 0
	if !answered && n >= downAtStart || answered && n >= downMidway {
		d := &downState{kind: res.errKind, cause: res.cause, midway: answered}
		if a.down.CompareAndSwap(nil, d) {
			r.log.Warn("site declared down: no more requests this run", "failures_in_a_row", n, "cause", res.cause,
				"answered_before", a.answered.Load())
		}
	}
}

// downResponse is the answer of a page not requested because the site is down.
func downResponse(u string, d *downState) *response {
	return &response{url: u, errKind: d.kind, cause: d.sourceCause() + "，本次未再请求", err: errSiteIsDown}
}

// fetchHome fetches the site's home page first: when it answers, the
// site is up and the at-start rule no longer applies; when it fails, it
// counts as the first site-level failure. The page is stored like others.
func (r *run) fetchHome() {
	home := r.cfg.Site.BaseURL
	if home == "" {
		return
	}
	u := normalizeURL(home)
	res := r.f.do(r.ctx, request{method: "GET", url: u})
	if r.ctx.Err() != nil {
		return
	}
	r.pages.Add(1)
	if res.failed() {
		r.countErr(res.errKind)
	}
	r.observe(res)
	if res.status == http.StatusOK || res.failed() {
		r.w.put(record{page: ptr(r.pageRecord(u, res, "", ""))})
	}
}
