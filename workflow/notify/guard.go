package notify

import (
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Webhook targets. A subscriber names a URL; the platform's node POSTs to
// it from inside the operator's network, so a URL could aim at the node's
// own loopback services, a cloud metadata endpoint or a private host
// (server-side request forgery). Every connection is therefore checked
// where it is made: net.Dialer.Control sees the address the socket is
// about to connect to, after name resolution, so a name that resolves (or
// later re-resolves) to a refused address fails too. Redirects are not
// followed.

// ErrRefusedTarget: the webhook target is an address webhooks may not reach.
var ErrRefusedTarget = errors.New("notify: webhook target refused")

// Delivery outcomes recorded in Attempt.Outcome. They are categories, not
// the receiver's own words: a subscriber must not learn through the
// delivery log what answered on a host or port it should not reach.
const (
	OutcomeDelivered           = "delivered"
	OutcomeRefusedTarget       = "refused_target"       // loopback, private, link-local, ... (not allow-listed)
	OutcomeTimeout             = "timeout"              // no answer within the attempt timeout
	OutcomeConnectFailed       = "connect_failed"       // name not resolved, connection refused or reset
	OutcomeTLS                 = "tls_failed"           // TLS handshake or certificate check failed
	OutcomeRedirect            = "http_3xx"             // redirects are not followed
	OutcomeHTTP4xx             = "http_4xx"             // the receiver refused the request
	OutcomeHTTP5xx             = "http_5xx"             // the receiver failed
	OutcomeHTTPOther           = "http_other"           // 1xx or another non-2xx status
	OutcomeSubscriptionRemoved = "subscription_removed" // unsubscribed before the attempt
	OutcomeError               = "error"                // anything else (see the node log)
)

// refusedPrefixes are ranges no webhook may reach unless allow-listed. The
// named checks of netip.Addr cover loopback, private (RFC 1918, fc00::/7),
// link-local, multicast and unspecified; these are the rest of the IANA
// special-purpose address registries (RFC 6890 and later entries), so that
// every address a webhook may reach is ordinary global unicast. Entries the
// registry marks globally reachable (AS112, AMT, the old 6to4 relay) are
// refused too: they are network services, never a subscriber's receiver.
// 64:ff9b::/96 (NAT64) and 2002::/16 (6to4) carry an IPv4 address and
// are judged by it in check; ::ffff:0:0/96 (IPv4-mapped) is unmapped first.
var refusedPrefixes = []netip.Prefix{
	// IPv4 (iana-ipv4-special-registry)
	netip.MustParsePrefix("0.0.0.0/8"),       // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),   // shared address space, carrier-grade NAT (RFC 6598)
	netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments (DS-Lite, NAT64 discovery, PCP/TURN anycast)
	netip.MustParsePrefix("192.0.2.0/24"),    // documentation TEST-NET-1
	netip.MustParsePrefix("192.31.196.0/24"), // AS112-v4
	netip.MustParsePrefix("192.52.193.0/24"), // AMT
	netip.MustParsePrefix("192.88.99.0/24"),  // deprecated 6to4 relay anycast
	netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking
	netip.MustParsePrefix("198.51.100.0/24"), // documentation TEST-NET-2
	netip.MustParsePrefix("203.0.113.0/24"),  // documentation TEST-NET-3
	netip.MustParsePrefix("240.0.0.0/4"),     // reserved, and 255.255.255.255
	// IPv6 (iana-ipv6-special-registry)
	netip.MustParsePrefix("::/96"),             // IPv4-compatible (deprecated): ::a.b.c.d reaches a.b.c.d on some stacks
	netip.MustParsePrefix("64:ff9b:1::/48"),    // local-use NAT64 (RFC 8215)
	netip.MustParsePrefix("100::/64"),          // discard-only (RFC 6666)
	netip.MustParsePrefix("100:0:0:1::/64"),    // dummy prefix (RFC 9780)
	netip.MustParsePrefix("2001::/23"),         // IETF protocol assignments, among them:
	netip.MustParsePrefix("2001::/32"),         //   Teredo: tunnels to an IPv4 host named in the address
	netip.MustParsePrefix("2001:db8::/32"),     // documentation
	netip.MustParsePrefix("2620:4f:8000::/48"), // AS112 direct delegation
	netip.MustParsePrefix("3fff::/20"),         // documentation (RFC 9637)
	netip.MustParsePrefix("5f00::/16"),         // SRv6 SIDs (RFC 9602)
	netip.MustParsePrefix("fec0::/10"),         // deprecated site-local
}

// targetPolicy decides which addresses webhooks may connect to.
type targetPolicy struct {
	allow []netip.Prefix // operator allow-list: reachable even if refused below
	// passed, when set, runs after an address passed the check and before
	// the socket connects: tests stop there so that no packet ever leaves
	// for an address that is not loopback.
	passed func(address string) error
}

// check refuses addr unless it is a public unicast address or allow-listed.
// IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) are judged as the IPv4
// address they carry.
func (p *targetPolicy) check(addr netip.Addr) error {
	addr = addr.Unmap()
	if !addr.IsValid() {
		return fmt.Errorf("%w: no address", ErrRefusedTarget)
	}
	for _, pre := range p.allow {
		if pre.Contains(addr) {
			return nil
		}
	}
	refused := addr.IsLoopback() || addr.IsPrivate() || addr.IsLinkLocalUnicast() || addr.IsLinkLocalMulticast() ||
		addr.IsInterfaceLocalMulticast() || addr.IsMulticast() || addr.IsUnspecified()
	for _, pre := range refusedPrefixes {
		refused = refused || pre.Contains(addr)
	}
	if addr.Is6() && !refused {
		// NAT64 (64:ff9b::/96) and 6to4 (2002::/16) embed an IPv4 address:
		// judge that one too.
		b := addr.As16()
		switch {
		case netip.MustParsePrefix("64:ff9b::/96").Contains(addr):
			refused = p.check(netip.AddrFrom4([4]byte(b[12:16]))) != nil
		case netip.MustParsePrefix("2002::/16").Contains(addr):
			refused = p.check(netip.AddrFrom4([4]byte(b[2:6]))) != nil
		}
	}
	if refused {
		return fmt.Errorf("%w: %s is not a public address (allow it with workflow.webhook_allow)", ErrRefusedTarget, addr)
	}
	return nil
}

// checkHostLiteral refuses a URL whose host is a refused IP literal at
// subscription time; names are checked when dialled.
func (p *targetPolicy) checkURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Hostname() == "" {
		return fmt.Errorf("%w: subscription url %q: want an absolute http or https URL", ErrInvalid, raw)
	}
	if u.User != nil {
		return fmt.Errorf("%w: subscription url: no user:password@ part, please (put credentials in the secret)", ErrInvalid)
	}
	if a, err := netip.ParseAddr(u.Hostname()); err == nil {
		if err := p.check(a); err != nil {
			return fmt.Errorf("%w: subscription url: %w", ErrInvalid, err)
		}
	} else if a, ok := legacyIPv4(u.Hostname()); ok {
		// 2130706433, 0x7f.1, 017700000001: curl, browsers and inet_aton
		// read these as 127.0.0.1, Go's resolver as names (a DNS query
		// that fails). Refuse them here rather than send the query.
		if err := p.check(a); err != nil {
			return fmt.Errorf("%w: subscription url: %w", ErrInvalid, err)
		}
		return fmt.Errorf("%w: subscription url: host %q is an IPv4 address in a non-standard form; write it as %s", ErrInvalid, u.Hostname(), a)
	}
	return nil
}

// legacyIPv4 reads host as inet_aton(3) does: one to four parts separated
// by dots, each decimal, octal (leading 0) or hex (0x), the last filling
// the remaining bytes. ok is false for anything else (a name).
func legacyIPv4(host string) (netip.Addr, bool) {
	parts := strings.Split(host, ".")
	if len(parts) > 4 {
		return netip.Addr{}, false
	}
	var v uint64
	for i, part := range parts {
		base, digits := 10, part
		switch {
		case len(part) > 1 && (part[:2] == "0x" || part[:2] == "0X"):
			base, digits = 16, part[2:]
		case len(part) > 1 && part[0] == '0':
			base, digits = 8, part[1:]
		}
		if digits == "" && base != 16 {
			return netip.Addr{}, false
		}
		n, err := strconv.ParseUint(cmp.Or(digits, "0"), base, 32)
		if err != nil {
			return netip.Addr{}, false
		}
		if i < len(parts)-1 {
			if n > 255 {
				return netip.Addr{}, false
			}
			v |= n << (8 * (3 - i))
			continue
		}
		if n >= 1<<(8*(4-i)) {
			return netip.Addr{}, false
		}
		v |= n
	}
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), true
}

// control runs on every socket before it connects (net.Dialer.Control):
// address is the resolved IP and port.
func (p *targetPolicy) control(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: address %q", ErrRefusedTarget, address)
	}
	if err := p.check(ap.Addr()); err != nil {
		return err
	}
	if p.passed != nil {
		return p.passed(address)
	}
	return nil
}

// client is the HTTP client deliveries go out with: every connection
// through the policy, no proxy from the environment (the proxy would dial
// for us, unchecked), no redirects, no cookies.
func (p *targetPolicy) client(timeout time.Duration) *http.Client {
	d := &net.Dialer{Timeout: timeout, Control: p.control}
	tr := &http.Transport{
		Proxy:                 nil,
		DialContext:           d.DialContext,
		TLSClientConfig:       &tls.Config{MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout:   timeout,
		ResponseHeaderTimeout: timeout,
		MaxIdleConnsPerHost:   2,
		IdleConnTimeout:       90 * time.Second,
	}
	return &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
}

// outcome turns a POST's result into the category recorded for it.
func outcome(status int, err error) string {
	var netErr net.Error
	var tlsErr *tls.CertificateVerificationError
	var recErr tls.RecordHeaderError
	switch {
	case status >= 200 && status <= 299 && err == nil:
		return OutcomeDelivered
	case status >= 300 && status <= 399:
		return OutcomeRedirect
	case status >= 400 && status <= 499:
		return OutcomeHTTP4xx
	case status >= 500 && status <= 599:
		return OutcomeHTTP5xx
	case status != 0 || err == nil:
		return OutcomeHTTPOther
	case errors.Is(err, ErrRefusedTarget):
		return OutcomeRefusedTarget
	case errors.Is(err, errNoSubscription):
		return OutcomeSubscriptionRemoved
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return OutcomeTimeout
	case errors.As(err, &tlsErr), errors.As(err, &recErr):
		return OutcomeTLS
	case errors.As(err, new(*net.OpError)), errors.As(err, new(*net.DNSError)):
		return OutcomeConnectFailed
	}
	return OutcomeError
}
