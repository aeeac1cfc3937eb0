package crawler

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/govaudit/govaudit/config"
)

// Where the crawler may go. A portal's pages are not trusted: a list
// entry, a pager, a redirect or an attachment link may point at the
// machine running govaudit (its review UI on loopback), at the internal
// network or at a cloud metadata address. So:
//
//   - only the configured hosts (the site's base_url, unit catalogs,
//     columns and mailboxes) are fetched; an off-site list entry or link
//     is recorded, not requested; an off-site attachment is probed only
//     on a host of crawl.attachment_hosts;
//   - loopback, private, link-local, CGNAT, multicast and other
//     non-public addresses are only ever connected to for a configured
//     host (a test portal, or an intranet portal, resolves there). This
//     is checked on the URL before the request, on every redirect, and
//     at connect time on the address actually dialed (a DNS answer can
//     change between the check and the connection).

// Error kinds of refused requests: no request was made, and they say
// nothing about the site's health.
const (
	errOffSite  = "off-site"
	errInternal = "internal-address"
)

// errOffSiteURL refuses a URL on a host the crawler does not fetch.
var errOffSiteURL = errors.New("off-site URL not fetched")

// errInternalAddr refuses a connection to a non-public address for a
// host that is not configured.
var errInternalAddr = errors.New("non-public address refused")

// netGuard decides which hosts and addresses may be requested.
type netGuard struct {
	// sites are the configured hosts, as "host:port".
	sites map[string]bool
	// domains are the configured host names (without a leading "www."
	// when what remains still has two dots, as linzi.gov.cn): their
	// subdomains on the default port are the same site (xxgk.linzi.gov.cn)
	// and may be fetched, at public addresses only.
	domains map[string]bool
	// attach are the host names where off-site attachments are probed.
	attach map[string]bool
	// proxies are the proxy addresses the transport may dial.
	proxies map[string]bool
}

// newNetGuard collects the configured hosts of cfg.
func newNetGuard(cfg *config.Config) *netGuard {
	g := &netGuard{sites: map[string]bool{}, domains: map[string]bool{}, attach: map[string]bool{}, proxies: map[string]bool{}}
	add := g.trust
	add(cfg.Site.BaseURL)
	for _, u := range cfg.Units {
		add(u.Catalog)
	}
	for _, c := range cfg.Columns {
		add(c.URL)
	}
	for _, m := range cfg.Mailboxes {
		add(m.URL)
	}
	for _, h := range cfg.Site.Crawl.AttachmentHosts {
		g.attach[strings.ToLower(strings.TrimSpace(h))] = true
	}
	return g
}

// trust adds the host of raw to the configured hosts. It is not safe to
// call while requests are under way.
func (g *netGuard) trust(raw string) {
	{
		if u, err := url.Parse(strings.TrimSpace(raw)); err == nil && u.Host != "" {
			g.sites[hostPort(u)] = true
			if h := strings.ToLower(strings.TrimSuffix(u.Hostname(), ".")); net.ParseIP(h) == nil && strings.Contains(h, ".") {
				if rest, ok := strings.CutPrefix(h, "www."); ok && strings.Count(rest, ".") >= 2 {
					h = rest
				}
				g.domains[h] = true
			}
			for _, scheme := range []string{"http", "https"} {
				// An operator's proxy is configured too, if one is used.
				req := &http.Request{URL: &url.URL{Scheme: scheme, Host: u.Host}}
				if p, err := http.ProxyFromEnvironment(req); err == nil && p != nil {
					g.proxies[hostPort(p)] = true
				}
			}
		}
	}
}

// hostPort is the lower-case "host:port" of u, the port defaulted by scheme.
func hostPort(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = "80"
		if strings.EqualFold(u.Scheme, "https") {
			port = "443"
		}
	}
	return net.JoinHostPort(strings.ToLower(strings.TrimSuffix(u.Hostname(), ".")), port)
}

// onSite reports whether u is on a configured host, or on a subdomain of
// one on its scheme's default port.
func (g *netGuard) onSite(u *url.URL) bool {
	if g.sites[hostPort(u)] {
		return true
	}
	if u.Port() != "" {
		return false
	}
	h := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	for i := strings.IndexByte(h, '.'); i >= 0; i = strings.IndexByte(h, '.') {
		h = h[i+1:]
		if g.domains[h] {
			return true
		}
	}
	return false
}

// permit says whether u may be requested: on a configured host, or an
// attachment (or its host's robots.txt) on an allowed attachment host.
// A URL naming a non-public address literally is refused at once unless
// configured.
func (g *netGuard) permit(u *url.URL, attachment bool) error {
	if s := strings.ToLower(u.Scheme); s != "http" && s != "https" {
		return fmt.Errorf("%s: scheme %q: %w", u, u.Scheme, errOffSiteURL)
	}
	if g.onSite(u) {
		return nil
	}
	if ip, err := netip.ParseAddr(u.Hostname()); err == nil && !publicAddr(ip) {
		return fmt.Errorf("%s: %w", u, errInternalAddr)
	}
	if attachment && g.attach[strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))] {
		return nil
	}
	return fmt.Errorf("%s: %w", u, errOffSiteURL)
}

// checkRedirect re-checks each redirect target: a configured host, or a
// host that is not a non-public address literally (names are checked
// when dialed).
func (g *netGuard) checkRedirect(req *http.Request) error {
	u := req.URL
	if s := strings.ToLower(u.Scheme); s != "http" && s != "https" {
		return fmt.Errorf("redirect to %s: %w", u, errOffSiteURL)
	}
	if g.onSite(u) {
		return nil
	}
	if ip, err := netip.ParseAddr(u.Hostname()); err == nil && !publicAddr(ip) {
		return fmt.Errorf("redirect to %s: %w", u, errInternalAddr)
	}
	return nil
}

// dialContext connects like net.Dialer, refusing a non-public address for
// a host that is not configured: checked on the address dialed, after
// name resolution (net.Dialer.Control).
func (g *netGuard) dialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	trusted := g.proxies[strings.ToLower(addr)]
	if h, p, err := net.SplitHostPort(addr); err == nil {
		trusted = trusted || g.sites[net.JoinHostPort(strings.ToLower(strings.TrimSuffix(h, ".")), p)]
	}
	d := net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second,
		Control: func(_, address string, _ syscall.RawConn) error {
			if trusted {
				return nil
			}
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return fmt.Errorf("dial %s (%s): %w", addr, address, errInternalAddr)
			}
			if !publicAddr(ap.Addr()) {
				return fmt.Errorf("dial %s (%s): %w", addr, address, errInternalAddr)
			}
			return nil
		}}
	return d.DialContext(ctx, network, addr)
}

// nonPublic returns the ranges that are neither loopback, private nor
// link-local for netip but are no public address either.
func nonPublic() []netip.Prefix {
	return []netip.Prefix{
		netip.MustParsePrefix("0.0.0.0/8"),      // "this network"
		netip.MustParsePrefix("100.64.0.0/10"),  // carrier-grade NAT
		netip.MustParsePrefix("192.0.0.0/24"),   // IETF protocol assignments
		netip.MustParsePrefix("198.18.0.0/15"),  // benchmarking
		netip.MustParsePrefix("240.0.0.0/4"),    // reserved, broadcast
		netip.MustParsePrefix("64:ff9b:1::/48"), // local-use NAT64
		netip.MustParsePrefix("fec0::/10"),      // deprecated site-local
		netip.MustParsePrefix("2001:db8::/32"),  // documentation
		netip.MustParsePrefix("100::/64"),       // discard
		netip.MustParsePrefix("fd00:ec2::/32"),  // AWS metadata (ULA, for clarity)
		netip.MustParsePrefix("169.254.0.0/16"), // link-local, metadata 169.254.169.254
		netip.MustParsePrefix("192.168.0.0/16"), // private
		netip.MustParsePrefix("255.255.255.255/32"),
	}
}

// publicAddr reports whether ip is a public unicast address.
func publicAddr(ip netip.Addr) bool {
	ip = ip.Unmap()
	if !ip.IsValid() || ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsInterfaceLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified() {
		return false
	}
	for _, p := range nonPublic() {
		if p.Contains(ip) {
			return false
		}
	}
	// NAT64 of a non-public IPv4 address.
	if nat64 := netip.MustParsePrefix("64:ff9b::/96"); nat64.Contains(ip) {
		b := ip.As16()
		return publicAddr(netip.AddrFrom4([4]byte(b[12:])))
	}
	return true
}
