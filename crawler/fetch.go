package crawler

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gocolly/colly/v2"
	"github.com/temoto/robotstxt"
)

// Error kinds recorded in store.Page.ErrKind and Run.Errors.
const (
	errTimeout      = "timeout"
	errReset        = "reset"
	errHTTP3xx      = "http-3xx"
	errHTTP4xx      = "http-4xx"
	errHTTP5xx      = "http-5xx"
	errBlocked      = "blocked"
	errTruncated    = "truncated"
	errTooLarge     = "too-large"
	errRedirectLoop = "redirect-loop"
	errNotHTML      = "not-html"
	errRobots       = "robots"
	errParse        = "parse"
	errNetwork      = "network"
	// errPageCap marks a source whose walk the page cap cut (still audited).
	errPageCap = "page-cap"
	// errSiteDown marks, in Run.Errors, a crawl that found the site down.
	errSiteDown = "site-down"
)

// rawContentType is where the transport keeps the Content-Type header as
// the server sent it: colly converts bodies by the header's charset on
// its own, which the crawler must decide itself (see decode.go).
const rawContentType = "X-Govaudit-Content-Type"

// errRedirectLoop stops a chain of redirects.
var errTooManyRedirects = errors.New("stopped after 10 redirects")

// errBodyTooLarge refuses a page whose declared length exceeds the cap.
var errBodyTooLarge = errors.New("declared body larger than the cap")

// rawTransport counts requests, hides the charset parameter of
// Content-Type from colly, and refuses page bodies declared larger than
// maxBody before reading them (a body without a length is cut by colly's
// MaxBodySize instead).
type rawTransport struct {
	base     http.RoundTripper
	requests *atomic.Int64
	maxBody  int64
	log      *requestLog // nil: requests are not listed
}

func (t *rawTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	t.requests.Add(1)
	t.log.add(req)
	res, err := t.base.RoundTrip(req)
	if err != nil || res == nil {
		return res, err
	}
	// Probes (HEAD, ranged GET) read at most a few KiB whatever the length.
	if t.maxBody > 0 && res.ContentLength > t.maxBody && req.Method != http.MethodHead && req.Header.Get("Range") == "" {
		res.Body.Close()
		return nil, fmt.Errorf("%s: %d bytes: %w", req.URL, res.ContentLength, errBodyTooLarge)
	}
	// Decoded here, so that every size limit applies to decoded bytes
	// (encoding.go).
	decodeBody(res)
	if ct := res.Header.Get("Content-Type"); ct != "" {
		res.Header.Set(rawContentType, ct)
		if mt, _, err := mime.ParseMediaType(ct); err == nil {
			res.Header.Set("Content-Type", mt)
		} else {
			res.Header.Del("Content-Type")
		}
	}
	return res, nil
}

// requestLog lists every request made, one line each: the method (GET,
// HEAD, POST, or GET-RANGE for a ranged probe), a tab and the URL.
// Redirects and retries are requests of their own. It is a diagnostic
// (Options.RequestLog), e.g. for replaying a crawl's requests with
// another fetcher.
type requestLog struct {
	mu  sync.Mutex
	w   *bufio.Writer
	err error
}

func newRequestLog(w io.Writer) *requestLog {
	if w == nil {
		return nil
	}
	return &requestLog{w: bufio.NewWriterSize(w, 64<<10)}
}

func (l *requestLog) add(req *http.Request) {
	if l == nil {
		return
	}
	method := req.Method
	if method == http.MethodGet && req.Header.Get("Range") != "" {
		method = "GET-RANGE"
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.err != nil {
		return
	}
	l.w.WriteString(method)
	l.w.WriteByte('\t')
	l.w.WriteString(req.URL.String())
	_, l.err = l.w.WriteString("\n")
}

// flush writes out what is buffered and returns the first write error.
func (l *requestLog) flush() error {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.err == nil {
		l.err = l.w.Flush()
	}
	if l.err != nil {
		return fmt.Errorf("request log: %w", l.err)
	}
	return nil
}

// request is one logical fetch; retries are attempts of it.
type request struct {
	method string // GET, HEAD, POST
	url    string
	form   []byte // POST body (application/x-www-form-urlencoded)
	header http.Header
	probe  bool // a HEAD or ranged GET of an attachment or link
	// attachment marks a probe of an attachment: off-site, it may go to
	// a host of crawl.attachment_hosts (netguard.go).
	attachment bool
	// download marks a GET of a whole attachment (its text is read): it
	// goes through the attachment client, whose caps are the attachment
	// caps (crawl.max_attachment_bytes), and is retried like a page.
	download bool
	robots   bool // the robots.txt itself
}

// response is the outcome of a request after its retries.
type response struct {
	url         string // final URL after redirects
	status      int    // 0 when no answer
	header      http.Header
	contentType string // as sent by the server
	body        []byte // raw bytes, capped
	attempts    int
	// errKind and cause are set when the fetch failed (see failed).
	errKind string
	cause   string // for people, in Chinese
	err     error
	// refused is set when the guard refused the URL: no request was made.
	refused bool
}

// failed reports whether the request gave no usable answer.
func (r *response) failed() bool { return r.errKind != "" }

// hostGate limits the requests to one host: at most par at a time, and
// no more than rps a second.
type hostGate struct {
	sem      chan struct{}
	mu       sync.Mutex
	next     time.Time
	interval time.Duration
}

// fetcher does HTTP through colly with the crawler's politeness. Probes
// (HEAD and ranged GETs of attachments and links, robots.txt) go through
// a plain net/http client on the same transport, cookie jar and gates:
// they need none of colly's callbacks, and there are many of them.
type fetcher struct {
	page   *colly.Collector
	client *http.Client // for probes
	// dl and dlMax are the client and body cap of whole attachments
	// (request.download); nil: client and maxBody.
	dl         *http.Client
	dlMax      int64
	ua         string
	retries    int
	backoff    time.Duration
	maxBody    int64
	obeyRobots bool
	guard      *netGuard // nil: no host or address checks (tests of the fetcher alone)
	transport  *rawTransport
	par        int
	interval   time.Duration
	requests   atomic.Int64
	bytes      atomic.Int64

	mu     sync.Mutex
	gates  map[string]*hostGate
	robots map[string]*robotsEntry
}

// robotsEntry is a host's robots.txt group for the crawler, read once.
type robotsEntry struct {
	once  sync.Once
	group *robotstxt.Group // nil: everything allowed
}

// resultKey is the colly context key of a request's response holder.
const resultKey = "govaudit.response"

// newFetcher builds the colly collectors of one run.
func newFetcher(ctx context.Context, rt http.RoundTripper, guard *netGuard, ua string, timeout time.Duration, retries int,
	backoff time.Duration, maxBody int64, rps float64, par int, obeyRobots bool) *fetcher {
	if rt == nil {
		// Keep a connection per parallel request alive (the default keeps 2).
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = 2 * max(par, 1)
		if guard != nil {
			t.DialContext = guard.dialContext // addresses checked when dialed
		}
		rt = t
	}
	if par < 1 {
		par = 1
	}
	f := &fetcher{ua: ua, retries: retries, backoff: backoff, maxBody: maxBody, obeyRobots: obeyRobots,
		guard: guard, par: par, gates: map[string]*hostGate{}, robots: map[string]*robotsEntry{}}
	if rps > 0 {
		f.interval = time.Duration(float64(time.Second) / rps)
	}
	c := colly.NewCollector()
	c.UserAgent = ua
	c.AllowURLRevisit = true // the crawler keeps its own visited set
	c.IgnoreRobotsTxt = true // robots.txt is read by the fetcher (colly disallows all on a 5xx robots.txt)
	c.ParseHTTPErrorResponse = true
	c.DetectCharset = false
	c.MaxBodySize = int(maxBody + 1) // one byte more tells a cut body
	c.Context = ctx
	transport := &rawTransport{base: rt, requests: &f.requests, maxBody: maxBody}
	redirects := func(req *http.Request, via []*http.Request) error {
		if len(via) >= 10 {
			return errTooManyRedirects
		}
		if guard != nil {
			return guard.checkRedirect(req)
		}
		return nil
	}
	jar, _ := cookiejar.New(nil) // cannot fail without options
	c.WithTransport(transport)
	c.SetCookieJar(jar)
	c.SetRequestTimeout(timeout)
	c.SetRedirectHandler(redirects)
	c.OnResponse(func(r *colly.Response) {
		res, _ := r.Ctx.GetAny(resultKey).(*response)
		if res == nil {
			return
		}
		res.status = r.StatusCode
		// The headers are this response's own: no copy needed.
		res.header = *r.Headers
		res.contentType = r.Headers.Get(rawContentType)
		res.body = r.Body
		res.url = r.Request.URL.String()
	})
	f.page = c
	f.transport = transport
	f.client = &http.Client{Transport: transport, Jar: jar, Timeout: timeout, CheckRedirect: redirects}
	return f
}

// probeBodyMax is what a probe reads of a body at most.
const probeBodyMax = 64 << 10

// plain performs a probe or a download with a plain client, filling res
// as colly's OnResponse does for pages. It reads at most limit bytes of
// the body.
func (f *fetcher) plain(ctx context.Context, client *http.Client, limit int64, method, u string, hdr http.Header, res *response) error {
	req, err := http.NewRequestWithContext(ctx, method, u, nil)
	if err != nil {
		return err
	}
	req.Header = hdr
	if hdr.Get("Accept") == "" {
		hdr.Set("Accept", "*/*") // as colly sends
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var body []byte
	if method != http.MethodHead {
		if body, err = readBody(resp.Body, resp.ContentLength, limit); err != nil {
			return err // like colly: no answer when the body breaks off
		}
	}
	res.status = resp.StatusCode
	res.header = resp.Header
	res.contentType = resp.Header.Get(rawContentType)
	res.url = resp.Request.URL.String()
	res.body = body
	return nil
}

// readBody reads at most limit bytes of r. The buffer starts at the
// length the server announced (up to 1 MiB), when it did: io.ReadAll
// starts at 512 bytes, reads a 40 KB page into a dozen growing chunks
// and copies them into a slice of the final size. A wrong announcement
// only costs growth.
func readBody(r io.Reader, announced, limit int64) ([]byte, error) {
	size := int64(512)
	if announced >= 0 {
		size = min(announced, limit, 1<<20) + 1 // + 1: room to see the end
	}
	buf := make([]byte, 0, size)
	r = io.LimitReader(r, limit)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// gate returns the host's gate.
func (f *fetcher) gate(host string) *hostGate {
	f.mu.Lock()
	defer f.mu.Unlock()
	g := f.gates[host]
	if g == nil {
		g = &hostGate{sem: make(chan struct{}, f.par), interval: f.interval}
		f.gates[host] = g
	}
	return g
}

// acquire waits for a slot and the host's rate; release frees the slot.
func (g *hostGate) acquire(ctx context.Context) (release func(), err error) {
	select {
	case g.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	release = func() { <-g.sem }
	if g.interval > 0 {
		g.mu.Lock()
		now := time.Now()
		at := g.next
		if at.Before(now) {
			at = now
		}
		g.next = at.Add(g.interval)
		g.mu.Unlock()
		if err := sleep(ctx, time.Until(at)); err != nil {
			release()
			return nil, err
		}
	}
	return release, nil
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// do performs a request with retries and exponential back-off on 5xx,
// 429, 412/521, timeouts, resets and cut bodies.
func (f *fetcher) do(ctx context.Context, rq request) *response {
	u, err := url.Parse(rq.url)
	if err != nil || u.Host == "" {
		return &response{url: rq.url, errKind: errParse, cause: "无效的网址", err: fmt.Errorf("bad URL %q", rq.url)}
	}
	if f.guard != nil {
		if err := f.guard.permit(u, rq.attachment || rq.robots); err != nil {
			kind, cause := classify(err)
			return &response{url: rq.url, errKind: kind, cause: cause, err: err, refused: true}
		}
	}
	if f.obeyRobots && !rq.robots && rq.method != "HEAD" && !f.allowed(ctx, u) {
		return &response{url: rq.url, errKind: errRobots, cause: "robots.txt 禁止抓取", err: fmt.Errorf("%s: disallowed by robots.txt", rq.url)}
	}
	g := f.gate(u.Host)
	var res *response
	for attempt := 1; ; attempt++ {
		res = f.once(ctx, g, rq)
		res.attempts = attempt
		if ctx.Err() != nil || !retryable(res) || attempt > f.retries {
			break
		}
		wait := f.backoff << (attempt - 1)
		if ra := retryAfter(res.header); ra > wait {
			wait = ra
		}
		if wait > 30*time.Second {
			wait = 30 * time.Second
		}
		if sleep(ctx, wait) != nil {
			break
		}
	}
	if res.failed() && res.attempts > 1 {
		res.cause += fmt.Sprintf("（共尝试 %d 次）", res.attempts)
	}
	return res
}

// once performs one attempt.
func (f *fetcher) once(ctx context.Context, g *hostGate, rq request) *response {
	res := &response{url: rq.url}
	release, err := g.acquire(ctx)
	if err != nil {
		res.errKind, res.cause, res.err = errNetwork, "抓取已中断", err
		return res
	}
	defer release()
	hdr := http.Header{}
	for k, v := range rq.header {
		hdr[k] = v
	}
	hdr.Set("User-Agent", f.ua)
	if hdr.Get("Accept") == "" && !rq.probe {
		hdr.Set("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
	}
	var body io.Reader
	if rq.method == "POST" {
		body = bytes.NewReader(rq.form)
		hdr.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	switch {
	case rq.download:
		client, limit := f.dl, f.dlMax
		if client == nil {
			client, limit = f.client, f.maxBody
		}
		err = f.plain(ctx, client, limit+1, rq.method, rq.url, hdr, res)
		if err == nil && int64(len(res.body)) > limit {
			err = fmt.Errorf("%s: %w", rq.url, errBodyTooLarge)
		}
	case rq.probe:
		err = f.plain(ctx, f.client, probeBodyMax, rq.method, rq.url, hdr, res)
	default:
		cctx := colly.NewContext()
		cctx.Put(resultKey, res)
		err = f.page.Request(rq.method, rq.url, body, cctx, hdr)
	}
	f.bytes.Add(int64(len(res.body)))
	if err != nil {
		res.err = err
		res.errKind, res.cause = classify(err)
		if res.errKind == errTooLarge {
			res.cause = fmt.Sprintf("页面超过大小上限 %s", humanBytes(f.maxBody))
		}
		return res
	}
	if !rq.probe && int64(len(res.body)) > f.maxBody {
		res.body = res.body[:f.maxBody]
		res.errKind = errTooLarge
		res.cause = fmt.Sprintf("页面超过大小上限 %s", humanBytes(f.maxBody))
		res.err = fmt.Errorf("%s: body larger than %d bytes", rq.url, f.maxBody)
		return res
	}
	switch s := res.status; {
	case s == 412 || s == 521:
		res.errKind, res.cause = errBlocked, fmt.Sprintf("被站点防火墙拦截 (HTTP %d)", s)
	case s >= 500:
		res.errKind, res.cause = errHTTP5xx, fmt.Sprintf("HTTP %d", s)
	case s >= 400:
		res.errKind, res.cause = errHTTP4xx, fmt.Sprintf("HTTP %d", s)
	case s >= 300 && s != http.StatusNotModified:
		res.errKind, res.cause = errHTTP3xx, fmt.Sprintf("HTTP %d", s)
	}
	if res.errKind != "" {
		res.err = fmt.Errorf("%s %s: HTTP %d", rq.method, rq.url, res.status)
	}
	return res
}

// retryable reports whether another attempt may succeed.
func retryable(r *response) bool {
	if r.err != nil && errors.Is(r.err, context.Canceled) {
		return false
	}
	switch r.errKind {
	case errTimeout, errReset, errTruncated, errNetwork, errBlocked:
		return true
	case errHTTP5xx:
		return true
	case errHTTP4xx:
		return r.status == http.StatusTooManyRequests
	}
	return false
}

func retryAfter(h http.Header) time.Duration {
	if h == nil {
		return 0
	}
	if s, err := strconv.Atoi(strings.TrimSpace(h.Get("Retry-After"))); err == nil && s > 0 {
		return time.Duration(s) * time.Second
	}
	return 0
}

// classify maps a transport error to an error kind and a cause.
func classify(err error) (kind, cause string) {
	var ne net.Error
	switch {
	case errors.Is(err, errInternalAddr):
		return errInternal, "指向本机或内网地址，未请求"
	case errors.Is(err, errOffSiteURL):
		return errOffSite, "站外地址，未请求"
	case errors.Is(err, errTooManyRedirects):
		return errRedirectLoop, "重定向循环"
	case errors.Is(err, errBodyTooLarge):
		return errTooLarge, "页面超过大小上限"
	case errors.Is(err, context.Canceled):
		return errNetwork, "抓取已中断"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout(),
		strings.Contains(err.Error(), "Client.Timeout"):
		return errTimeout, "超时"
	case errors.Is(err, io.ErrUnexpectedEOF), strings.Contains(err.Error(), "unexpected EOF"):
		return errTruncated, "页面传输不完整"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.EOF), strings.Contains(err.Error(), "connection reset"),
		strings.Contains(err.Error(), "server closed"), strings.Contains(err.Error(), "EOF"):
		return errReset, "连接被重置"
	case errors.Is(err, syscall.ECONNREFUSED):
		return errNetwork, "无法连接"
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return errNetwork, "域名无法解析"
	}
	return errNetwork, "网络错误"
}

// allowed consults the host's robots.txt, read once per run. A robots.txt
// that cannot be read allows everything (the pages' own failures are
// recorded); colly's own handling would disallow the whole site after a
// single 5xx.
func (f *fetcher) allowed(ctx context.Context, u *url.URL) bool {
	key := u.Scheme + "://" + u.Host
	f.mu.Lock()
	e := f.robots[key]
	if e == nil {
		e = &robotsEntry{}
		f.robots[key] = e
	}
	f.mu.Unlock()
	e.once.Do(func() {
		res := f.do(ctx, request{method: "GET", url: key + "/robots.txt", probe: true, robots: true})
		if !res.failed() || res.status >= 400 && res.status < 500 {
			if data, err := robotstxt.FromStatusAndBytes(res.status, res.body); err == nil {
				e.group = data.FindGroup(agentToken(f.ua))
			}
		}
	})
	grp := e.group
	if grp == nil {
		return true
	}
	p := u.EscapedPath()
	if u.RawQuery != "" {
		p += "?" + u.RawQuery
	}
	return grp.Test(p)
}

// agentToken is the product token of a User-Agent ("govaudit").
func agentToken(ua string) string {
	if i := strings.IndexAny(ua, "/ "); i > 0 {
		return ua[:i]
	}
	return ua
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d 字节", n)
}
