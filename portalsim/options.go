package portalsim

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/govaudit/govaudit/config"
)

// Options configure a simulated portal. The zero value of every field but
// Today means its default.
type Options struct {
	Seed int64
	// Units is the number of units, the first ones of config.DefaultUnits()
	// (default 46, the whole list).
	Units int
	// ChannelsMin and ChannelsMax bound the channels of each unit's catalog
	// (default 10..20).
	ChannelsMin, ChannelsMax int
	// Items is the average number of items per ordinary channel (default 12).
	// Periodic and annual-report channels hold one item per period instead.
	Items int
	// Letters is the number of letters in the 区长信箱 (default 60); each
	// 部门信箱 gets a third of it (at least 5).
	Letters int
	// Today is the portal's "today", a date in China Standard Time: nothing
	// is published after it. Required.
	Today time.Time
	// Faults makes the portal misbehave (none by default).
	Faults Faults
	// Rates are the violation injection rates.
	Rates Rates
	// Layouts selects the page layouts: LayoutsVaried (the default, also
	// for "") or LayoutsClassic.
	Layouts Layouts
	// VaryOnly, with LayoutsVaried, varies one layout dimension (a name of
	// LayoutDims) and gives every other the varied renderer's plainest
	// variant: to tell which variant a parser misreads.
	VaryOnly string
	// Content adds the documents of the content checks (wording,
	// interpretation, validity) to the first unit: see content.go.
	Content bool
}

// Faults are the misbehaviours of the portal. Pages chosen "every Nth" are
// those whose request path (with its query) hashes to 0 modulo N: the same
// pages on every run, about one in N. robots.txt is never faulty except
// with Down and flapping.
type Faults struct {
	SlowEvery int           // every Nth page waits SlowDelay before answering
	SlowDelay time.Duration // default 2s
	// Flaky5xxEvery: every Nth page answers 503 on its first request, then
	// normally.
	Flaky5xxEvery int
	// Down5xxColumns are column ids whose list pages (and, for hanweb, data
	// proxy answers) always answer 503.
	Down5xxColumns []string
	// ChallengeColumns are column ids whose list pages answer 412 with a
	// JavaScript cookie challenge (as a WAF does) unless the request carries
	// the cookie the script would set.
	ChallengeColumns []string
	// ChallengeAll puts the challenge in front of every page.
	ChallengeAll bool
	// ResetEvery: every Nth page resets the connection without an answer.
	ResetEvery int
	// TruncateEvery: every Nth page declares a Content-Length larger than
	// the body it sends, then closes the connection.
	TruncateEvery int
	// Down makes every request, robots.txt included, answer 503.
	Down bool
	// WrongCharsetUnits are unit ids whose pages declare UTF-8 (in the
	// header and in the page) but are sent in GBK.
	WrongCharsetUnits []string
	// WrongCharsetEvery: every Nth HTML page is sent in a charset its
	// declarations do not name: a UTF-8 page in GBK, a GBK or GB18030 page
	// in UTF-8 (header and <meta> unchanged).
	WrongCharsetEvery int

	// FlapUp and FlapDown make the site flap: counting requests in the
	// order they arrive (robots.txt included), FlapUp are served, then
	// FlapDown answer 503, and so on. Both must be positive to flap. The
	// pattern is deterministic in the arrival order; which page gets which
	// number depends on the client's concurrency.
	FlapUp, FlapDown int
	// MalformedEvery: every Nth HTML page is served damaged the way
	// careless templates damage pages: the closing tags of list items,
	// table cells and rows, paragraphs, divisions and tables left out, a
	// stray "<" and "&" in the text, and garbage bytes (NUL, bytes invalid
	// in UTF-8 and GBK, an escape sequence) after <body> and before the
	// footer. What the page says stays recoverable by a tolerant parser.
	MalformedEvery int
	// HugeColumns are column ids whose list pages are HugeBytes long: the
	// page followed by filler, streamed in chunks without a Content-Length
	// and never held in memory.
	HugeColumns []string
	// HugeBytes is the size of a huge page (default 50 MiB).
	HugeBytes int
	// RedirectLoopColumns are column ids whose list pages redirect in a
	// loop: to the same URL with "loop=1", which redirects back.
	RedirectLoopColumns []string
	// RedirectLoopEvery: every Nth article page redirects in a loop.
	RedirectLoopEvery int
	// EndlessColumns are column ids whose pager never ends: list page N
	// always links page N+1 and pages past the last repeat its entries
	// (gongkai: a 下一页 link; trs: createPageHTML counts one page more;
	// hanweb: the data proxy claims a million more records and repeats
	// the real ones past the end).
	EndlessColumns []string
	// SessionIDs appends a session id or tracking parameters to every link
	// of every HTML page, in turn ";jsessionid=…" in the path, "sid=…" and
	// utm_* parameters in the query, so that one page is linked under many
	// URLs. The portal serves a page under any of them.
	SessionIDs bool
	// NonHTMLColumns are column ids whose list pages answer JSON (the
	// columns at even positions of this list) or a PNG image (odd ones)
	// with status 200.
	NonHTMLColumns []string
	// NonHTMLEvery: every Nth article page answers JSON with status 200.
	NonHTMLEvery int

	// The faults of pages that answer 200 but hold no list (issue 10).
	// None of them changes the ground truth: a correct audit reports the
	// column as not audited and draws no finding from it.

	// WAF200Columns are column ids whose list pages (and hanweb data proxy
	// answers) answer 200 with a WAF's JavaScript challenge body unless the
	// request carries the cookie the script would set.
	WAF200Columns []string
	// SoftNotFoundColumns are column ids whose list pages answer 200 with a
	// "页面不存在" / "您访问的页面不存在" page (in turn).
	SoftNotFoundColumns []string
	// LoginColumns are column ids whose list pages answer 200 with a
	// sign-in form.
	LoginColumns []string
	// EmptiedColumns are column ids whose list pages list no entry and say
	// nothing (no empty marker, the pager of one page): a column that held
	// items one night and comes back empty the next. Meant for a portal
	// whose previous night was crawled without the fault.
	EmptiedColumns []string
	// ShrunkColumns are column ids whose lists keep only the newest third
	// of their entries (a count that falls by more than half; a column of
	// fewer than three items lists none). Meant, like EmptiedColumns, for a
	// second night.
	ShrunkColumns []string
	// PageFailColumns are column ids whose list pages after the first
	// answer 500 (hanweb: the data proxy) while page 1 works: a partial
	// walk.
	PageFailColumns []string
	// AttThrottleEvery: every Nth attachment answers 429 Too Many Requests.
	AttThrottleEvery int
	// AttFirewallEvery: every Nth attachment answers 403 with a firewall
	// page.
	AttFirewallEvery int
	// CutArticleEvery: every Nth article page is cut off in its body, before
	// its attachment links: in turn a Content-Length larger than what is
	// sent, and a chunked answer whose connection closes before the end.
	CutArticleEvery int
}

// Rates are the probabilities with which violations are injected. Zero
// means the default; a negative rate means never.
type Rates struct {
	Late              float64 // item published 45–120 days after its 成文日期 (default 0.06)
	Backdated         float64 // item published 1–30 days before its 成文日期 (default 0.03)
	Undatable         float64 // item without 成文日期 (default 0.05; five times that in dynamic columns)
	KeyGap            float64 // key column skipping one or two whole quarters (default 0.25)
	Blank             float64 // column that never held an item (default 0.04)
	MissingAttachment float64 // policy/service item without (all) its attachments (default 0.05)
	BrokenAttachment  float64 // item with an attachment that does not download (default 0.04)
	PeriodicGap       float64 // period of a periodic column missing or late (default 0.08)
	AnnualReport      float64 // a unit's annual report for a year missing or late (default 0.15)
	Stale             float64 // column not updated for longer than its kind allows (default 0.10)
	BrokenLink        float64 // article page with a link to a missing page (default 0.03)
	LateReply         float64 // letter answered 20–60 days after it was received (default 0.08)
	Unanswered        float64 // letter never answered, received 20 or more days ago (default 0.05)
}

// rate returns r, the default d when r is zero, and 0 when r is negative.
func rate(r, d float64) float64 {
	switch {
	case r < 0:
		return 0
	case r == 0:
		return d
	default:
		return r
	}
}

func (r Rates) withDefaults() Rates {
	return Rates{
		Late:              rate(r.Late, 0.06),
		Backdated:         rate(r.Backdated, 0.03),
		Undatable:         rate(r.Undatable, 0.05),
		KeyGap:            rate(r.KeyGap, 0.25),
		Blank:             rate(r.Blank, 0.04),
		MissingAttachment: rate(r.MissingAttachment, 0.05),
		BrokenAttachment:  rate(r.BrokenAttachment, 0.04),
		PeriodicGap:       rate(r.PeriodicGap, 0.08),
		AnnualReport:      rate(r.AnnualReport, 0.15),
		Stale:             rate(r.Stale, 0.10),
		BrokenLink:        rate(r.BrokenLink, 0.03),
		LateReply:         rate(r.LateReply, 0.08),
		Unanswered:        rate(r.Unanswered, 0.05),
	}
}

// withDefaults validates opt and fills in its defaults.
func (opt Options) withDefaults() (Options, error) {
	all := len(config.DefaultUnits())
	if opt.Today.IsZero() {
		return opt, errors.New("portalsim: Options.Today is required")
	}
	if opt.Units == 0 {
		opt.Units = all
	}
	if opt.Units < 0 || opt.Units > all {
		return opt, fmt.Errorf("portalsim: Units %d out of range 1..%d", opt.Units, all)
	}
	if opt.ChannelsMin == 0 && opt.ChannelsMax == 0 {
		opt.ChannelsMin, opt.ChannelsMax = 10, 20
	}
	if opt.ChannelsMin == 0 {
		opt.ChannelsMin = min(10, opt.ChannelsMax)
	}
	if opt.ChannelsMax == 0 {
		opt.ChannelsMax = max(20, opt.ChannelsMin)
	}
	if opt.ChannelsMin < 1 || opt.ChannelsMax < opt.ChannelsMin || opt.ChannelsMax > len(channelPool) {
		return opt, fmt.Errorf("portalsim: channels %d..%d out of range 1..%d", opt.ChannelsMin, opt.ChannelsMax, len(channelPool))
	}
	if opt.Items == 0 {
		opt.Items = 12
	}
	if opt.Items < 1 || opt.Items > 10000 {
		return opt, fmt.Errorf("portalsim: Items %d out of range 1..10000", opt.Items)
	}
	if opt.Letters == 0 {
		opt.Letters = 60
	}
	if opt.Letters < 1 || opt.Letters > 100000 {
		return opt, fmt.Errorf("portalsim: Letters %d out of range 1..100000", opt.Letters)
	}
	if opt.Faults.SlowDelay == 0 {
		opt.Faults.SlowDelay = 2 * time.Second
	}
	if opt.Faults.HugeBytes == 0 {
		opt.Faults.HugeBytes = 50 << 20
	}
	f := opt.Faults
	for _, n := range []int{f.SlowEvery, f.Flaky5xxEvery, f.ResetEvery, f.TruncateEvery, f.WrongCharsetEvery,
		f.FlapUp, f.FlapDown, f.MalformedEvery, f.HugeBytes, f.RedirectLoopEvery, f.NonHTMLEvery,
		f.AttThrottleEvery, f.AttFirewallEvery, f.CutArticleEvery} {
		if n < 0 {
			return opt, fmt.Errorf("portalsim: negative fault period %d", n)
		}
	}
	opt.Rates = opt.Rates.withDefaults()
	lay, err := ParseLayouts(string(opt.Layouts))
	if err != nil {
		return opt, err
	}
	opt.Layouts = lay
	if opt.VaryOnly != "" && (lay != LayoutsVaried || !slices.Contains(LayoutDims, opt.VaryOnly)) {
		return opt, fmt.Errorf("portalsim: VaryOnly %q: want one of %v with varied layouts", opt.VaryOnly, LayoutDims)
	}
	return opt, nil
}
