// Package probe measures the audited portal's availability and freshness
// the way the national government-website indicators do: a visit that
// does not open within 15 seconds is a failure, and a site fails when 5 %
// or more of at least 20 visits a day over a week fail. The home page's
// newest dated item is tracked too: two weeks without an update fails a
// site.
//
// A Prober makes the visits; the daemon stores each one as a store.Probe.
// Summarize turns a week of probes into per-target figures for the web UI,
// the weekly digest and the metrics.
package probe

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"golang.org/x/net/html/charset"

	"github.com/govaudit/govaudit/config"
	"github.com/govaudit/govaudit/store"
)

// HomeTarget is the target name of the portal's home page; every other
// target is named by its unit id.
const HomeTarget = "home"

// DefaultTimeout is how long a visit may take before it counts as failed.
const DefaultTimeout = 15 * time.Second

// DefaultInterval is the time between two rounds of probes.
const DefaultInterval = 30 * time.Minute

// maxBody caps how much of a page a probe reads.
const maxBody = 4 << 20

// Target is one page that is probed.
type Target struct {
	Name string // HomeTarget or a unit id
	URL  string
}

// Targets returns the pages the configuration asks to probe: the site's
// home page, and every unit's catalog page when probes.catalogs is set.
func Targets(cfg *config.Config) []Target {
	var ts []Target
	if cfg.Site.BaseURL != "" {
		ts = append(ts, Target{Name: HomeTarget, URL: cfg.Site.BaseURL})
	}
	if cfg.Probes.Catalogs {
		for _, u := range cfg.Units {
			if u.Catalog != "" {
				ts = append(ts, Target{Name: u.ID, URL: u.Catalog})
			}
		}
	}
	return ts
}

// Interval returns the configured probe interval or the default.
func Interval(cfg *config.Config) time.Duration {
	if cfg.Probes.Interval > 0 {
		return cfg.Probes.Interval
	}
	return DefaultInterval
}

// Prober visits targets. The zero value is ready to use.
type Prober struct {
	// Client makes the requests; nil means a client of its own. Its own
	// timeout, if any, applies on top of Timeout.
	Client *http.Client
	// Timeout is the limit of one visit, body included (default 15 s).
	Timeout time.Duration
	// UserAgent is sent with every request when not empty.
	UserAgent string
	// Now returns the current time (default time.Now).
	Now func() time.Time
	// Parallel is how many targets are visited at once (default 4).
	Parallel int
	// Log receives one line per failed visit (default: discarded).
	Log *slog.Logger

	once   sync.Once
	client *http.Client
}

func (p *Prober) init() {
	p.once.Do(func() {
		p.client = p.Client
		if p.client == nil {
			p.client = &http.Client{Transport: &http.Transport{
				Proxy:               http.ProxyFromEnvironment,
				DialContext:         (&net.Dialer{Timeout: p.timeout()}).DialContext,
				TLSHandshakeTimeout: p.timeout(),
				// Every visit opens its own connection, as a visitor's would.
				DisableKeepAlives: true,
			}}
		}
	})
}

func (p *Prober) timeout() time.Duration {
	if p.Timeout > 0 {
		return p.Timeout
	}
	return DefaultTimeout
}

func (p *Prober) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

// Probe visits one target and returns the outcome. A visit succeeds when
// the page answers 2xx and its body arrives in full within the timeout.
// For the home page, Newest is the date of its newest dated item.
func (p *Prober) Probe(ctx context.Context, t Target) store.Probe {
	p.init()
	start := p.now()
	pr := store.Probe{At: start, Target: t.Name, URL: t.URL}
	ctx, cancel := context.WithTimeout(ctx, p.timeout())
	defer cancel()
	body, status, ctype, err := p.get(ctx, t.URL)
	pr.Status = status
	pr.LatencyMS = p.now().Sub(start).Milliseconds()
	switch {
	case err != nil:
		pr.Err = describe(err, p.timeout())
	case status < 200 || status > 299:
		pr.Err = fmt.Sprintf("HTTP %d", status)
		if status == 412 || status == 521 {
			pr.Err += " (firewall challenge)"
		}
	default:
		pr.OK = true
		if t.Name == HomeTarget {
			pr.Newest = NewestDate(decode(body, ctype), start)
		}
	}
	if !pr.OK && p.Log != nil {
		p.Log.Warn("probe failed", "target", t.Name, "url", t.URL, "err", pr.Err, "latency_ms", pr.LatencyMS)
	}
	return pr
}

// get fetches url and reads the body (up to maxBody).
func (p *Prober) get(ctx context.Context, url string) (body []byte, status int, ctype string, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, 0, "", err
	}
	if p.UserAgent != "" {
		req.Header.Set("User-Agent", p.UserAgent)
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return nil, 0, "", err
	}
	defer resp.Body.Close()
	body, err = io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return nil, resp.StatusCode, "", fmt.Errorf("read body: %w", err)
	}
	return body, resp.StatusCode, resp.Header.Get("Content-Type"), nil
}

// describe turns a visit's error into a short reason.
func describe(err error, timeout time.Duration) string {
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()):
		return fmt.Sprintf("timeout: no complete answer within %s", timeout)
	case errors.Is(err, context.Canceled):
		return "canceled"
	}
	return err.Error()
}

// decode converts body to UTF-8 using the Content-Type header, a BOM or
// a meta tag; undecodable bodies are returned as they are.
func decode(body []byte, ctype string) []byte {
	r, err := charset.NewReader(bytes.NewReader(body), ctype)
	if err != nil {
		return body
	}
	out, err := io.ReadAll(r)
	if err != nil {
		return body
	}
	return out
}

// Round visits every target, a few at a time, and returns the outcomes in
// the order of targets. It stops early when ctx is canceled; the targets
// not visited then are left out.
func (p *Prober) Round(ctx context.Context, targets []Target) []store.Probe {
	n := p.Parallel
	if n <= 0 {
		n = 4
	}
	out := make([]store.Probe, len(targets))
	done := make([]bool, len(targets))
	sem := make(chan struct{}, n)
	var wg sync.WaitGroup
	for i, t := range targets {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			out[i] = p.Probe(ctx, t)
			done[i] = ctx.Err() == nil
		}()
	}
	wg.Wait()
	kept := out[:0]
	for i := range out {
		if done[i] {
			kept = append(kept, out[i])
		}
	}
	return kept
}
