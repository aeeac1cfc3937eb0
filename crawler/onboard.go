package crawler

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/govaudit/govaudit/config"
	"github.com/govaudit/govaudit/crawler/extract"
)

// PageFetcher fetches single pages with the politeness of a
// configuration (user agent, timeout, retries, requests per second and
// connections per host, robots.txt), through the crawler's own fetch
// code: the onboarding tools (govaudit inspect, govaudit discover) see a
// portal as a crawl does.
type PageFetcher struct {
	cfg   *config.Config
	f     *fetcher
	guard *netGuard
}

// FetchedPage is one page a PageFetcher fetched, decoded to UTF-8.
type FetchedPage struct {
	URL         *url.URL // after redirects
	Status      int
	ContentType string
	Charset     string // the charset the body was decoded from
	Body        []byte // decoded UTF-8
	Attempts    int
}

// FetchError is a fetch that gave no usable page: Kind is the crawler's
// error kind (timeout, http-4xx, blocked, robots …), Cause says it for
// people, in Chinese, as crawl reports do.
type FetchError struct {
	URL, Kind, Cause string
	Err              error
}

func (e *FetchError) Error() string {
	return fmt.Sprintf("%s: %s (%s)", e.URL, e.Cause, e.Kind)
}

func (e *FetchError) Unwrap() error { return e.Err }

// NewPageFetcher returns a fetcher with cfg's politeness, its requests
// bound to ctx. rt is the HTTP transport (nil: the default one).
func NewPageFetcher(ctx context.Context, cfg *config.Config, rt http.RoundTripper) (*PageFetcher, error) {
	if cfg == nil {
		return nil, errors.New("crawler: no configuration")
	}
	cr := cfg.Site.Crawl
	ua := cr.UserAgent
	if ua == "" {
		ua = config.DefaultUserAgent
	}
	maxBody := cr.MaxBodyBytes
	if maxBody <= 0 {
		maxBody = 10 << 20
	}
	timeout := cr.Timeout
	if timeout <= 0 {
		timeout = 15 * time.Second
	}
	backoff := cr.RetryBackoff
	if backoff <= 0 {
		backoff = time.Second
	}
	guard := newNetGuard(cfg)
	f := newFetcher(ctx, rt, guard, ua, timeout, cr.Retries, backoff, maxBody, cr.RequestsPerSecond, cr.Parallelism, cr.ObeyRobots)
	return &PageFetcher{cfg: cfg, f: f, guard: guard}, nil
}

// Get fetches a page.
// The page the user names is trusted like a configured one (a portal
// on an intranet address may be inspected); what it links to is not.
func (pf *PageFetcher) Get(ctx context.Context, rawURL string) (*FetchedPage, error) {
	pf.guard.trust(rawURL)
	return pf.fetch(ctx, request{method: "GET", url: rawURL})
}

// Post posts a form (a data proxy's) and returns the answer.
func (pf *PageFetcher) Post(ctx context.Context, rawURL string, form url.Values) (*FetchedPage, error) {
	return pf.fetch(ctx, request{method: "POST", url: rawURL, form: []byte(form.Encode())})
}

// Requests is the number of HTTP requests made so far (robots.txt and
// retries included).
func (pf *PageFetcher) Requests() int64 { return pf.f.requests.Load() }

func (pf *PageFetcher) fetch(ctx context.Context, rq request) (*FetchedPage, error) {
	rq.url = normalizeURL(rq.url)
	res := pf.f.do(ctx, rq)
	if res.failed() {
		return nil, &FetchError{URL: rq.url, Kind: res.errKind, Cause: res.cause, Err: res.err}
	}
	pu, err := url.Parse(res.url)
	if err != nil || pu.Host == "" {
		if pu, err = url.Parse(rq.url); err != nil {
			return nil, &FetchError{URL: rq.url, Kind: errParse, Cause: "无效的网址", Err: err}
		}
	}
	body, cs := decodeHTML(res.body, res.contentType)
	return &FetchedPage{URL: pu, Status: res.status, ContentType: res.contentType, Charset: cs, Body: body, Attempts: res.attempts}, nil
}

// UnitChannels is what govaudit discover finds on one unit's catalog:
// which channel each template matched, the templates that matched none,
// and the channels no template and no configured column covers.
type UnitChannels struct {
	Unit    config.Unit
	Profile string
	// Err is set when the catalog could not be loaded or read.
	Err error
	// Channels are all the channels the catalog lists.
	Channels []extract.Channel
	// Matched are the templates that found a channel (by name, other
	// name, or path), in the configuration's order.
	Matched []TemplateMatch
	// Missing are the names of templates that found no channel.
	Missing []string
	// Configured are channels a configured column already names by URL.
	Configured []extract.Channel
	// Uncovered are the channels neither a template nor a column covers.
	Uncovered []extract.Channel
}

// TemplateMatch is a template and the catalog channel it stands for.
type TemplateMatch struct {
	Template config.Template
	Channel  extract.Channel
	// By says how: "name", "match" (one of the template's other names)
	// or "path".
	By string
}

// Discover loads the catalog of every unit that has one (or of the
// units listed, when any) and matches the configuration's templates
// against its channels as a crawl would.
func Discover(ctx context.Context, cfg *config.Config, pf *PageFetcher, units []string) []UnitChannels {
	configured := map[string]bool{}
	for _, col := range cfg.Columns {
		if col.URL != "" {
			configured[normalizeURL(col.URL)] = true
		}
	}
	// A configured mailbox linked from a catalog's header is no channel
	// to suggest, nor is another unit's catalog in its sidebar.
	notChannel := map[string]bool{}
	for _, mb := range cfg.Mailboxes {
		notChannel[normalizeURL(mb.URL)] = true
	}
	for _, u := range cfg.Units {
		if u.Catalog != "" {
			notChannel[normalizeURL(u.Catalog)] = true
		}
	}
	var out []UnitChannels
	for _, u := range cfg.Units {
		if u.Catalog == "" || len(units) > 0 && !slices.Contains(units, u.ID) {
			continue
		}
		if ctx.Err() != nil {
			break
		}
		uc := UnitChannels{Unit: u, Profile: cfg.UnitProfile(u.ID)}
		page, err := pf.Get(ctx, u.Catalog)
		if err == nil {
			uc.Channels, err = extract.Catalog(extract.Page{URL: page.URL, Body: page.Body, Family: uc.Profile, Now: time.Now()})
		}
		if err != nil {
			uc.Err = err
			out = append(out, uc)
			continue
		}
		covered := map[string]bool{}
		for _, t := range cfg.Templates {
			if !slices.ContainsFunc(cfg.TemplateUnits(t), func(x config.Unit) bool { return x.ID == u.ID }) {
				continue
			}
			m, ok := matchTemplate(uc.Channels, t, u)
			if !ok {
				uc.Missing = append(uc.Missing, t.Name)
				continue
			}
			covered[m.Channel.URL] = true
			uc.Matched = append(uc.Matched, m)
		}
		for _, ch := range uc.Channels {
			switch {
			case covered[ch.URL], notChannel[normalizeURL(ch.URL)], ch.Chrome:
				// The site's header, menu bar and footer are on every
				// catalog: no channel of the unit's to suggest.
			case configured[normalizeURL(ch.URL)]:
				uc.Configured = append(uc.Configured, ch)
			default:
				uc.Uncovered = append(uc.Uncovered, ch)
			}
		}
		out = append(out, uc)
	}
	return out
}

// matchTemplate finds a template's channel: by path (the catalog URL
// joined with it), else by name or other name as the crawl does.
func matchTemplate(chs []extract.Channel, t config.Template, u config.Unit) (TemplateMatch, bool) {
	if t.Path != "" {
		want := normalizeURL(config.TemplateColumn(t, u).URL)
		for _, ch := range chs {
			if normalizeURL(ch.URL) == want {
				return TemplateMatch{Template: t, Channel: ch, By: "path"}, true
			}
		}
		return TemplateMatch{Template: t, Channel: extract.Channel{Name: t.Name, URL: want}, By: "path"}, want != ""
	}
	ch, ok := findChannel(chs, append([]string{t.Name}, t.Match...), u.Catalog)
	if !ok {
		return TemplateMatch{}, false
	}
	by := "name"
	if !extract.SameName(ch.Name, t.Name) {
		by = "match"
	}
	return TemplateMatch{Template: t, Channel: ch, By: by}, true
}
