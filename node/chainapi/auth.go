package chainapi

import (
	"bytes"
	"container/heap"
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/smx509"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/chain/store"
	"github.com/sealchain/sealchain/client"
	"github.com/sealchain/sealchain/node/httpjson"
	"github.com/sealchain/sealchain/signer"
)

// Judicial queries (evidence, records, contracts, certificates, reports)
// can require an authenticated caller ([api] auth), by either of:
//   - a signed request: the caller signs the chain id, the host it
//     addresses, the method, URI, time, a nonce and the SM3 of the body with
//     an organisation's API credential (submitter usage), as
//     client.WithRequestSigner does;
//   - mutual TLS: a TLS client certificate issued by a registered
//     organisation's CA for clientAuth (tls.go).
//
// Either way the credential must be registered on chain (genesis
// credentials or cert_issued) to the organisation whose CA issued it, and
// not revoked, read from the committed store on every request: a
// cert_revoked cuts a credential off from the block that commits it. The
// caller's organisation is the credential's. Courts, notaries and
// arbitration bodies may query all evidence; a platform only its own
// contracts and certificates. Every answered query is recorded on chain
// (query_logged).
//
// A signed request is good once, on one node: its nonce is remembered per
// credential for as long as its time is acceptable, so a captured request
// cannot be replayed, nor its body swapped (the body's SM3 is signed); the
// signed host must be one this node answers to (apiHosts), so it cannot be
// replayed on another validator, whose cache never saw the nonce; and its
// time must not be before this node started, so it cannot be replayed after
// a restart emptied the cache.

const (
	// maxRequestAge bounds how far in the past a signed request's time may be.
	maxRequestAge = 60 * time.Second
	// maxRequestAhead bounds how far in the future it may be (clock skew).
	maxRequestAhead = 30 * time.Second
	// maxNonces bounds the replay cache: at most this many signed requests
	// are remembered at once (each until its time is maxRequestAge old), by
	// all credentials together; each organisation gets an equal share of it
	// (so that one cannot lock the others out), and one credential at most
	// maxNoncesPerCred. Past its share a caller gets 429 with Retry-After,
	// rather than the node forget a nonce still in its window.
	maxNonces        = 200_000
	maxNoncesPerCred = 50_000
)

type callerKey struct{}

// caller is an authenticated requester.
type caller struct {
	org  *chain.Org
	cert chain.Fingerprint
}

// seesAll reports whether the caller's role may query every organisation's
// evidence: courts and arbitration bodies. Notary offices and appraisal
// institutions see only contracts with a case to them (caseInstitution);
// platforms only their own.
func (c *caller) seesAll() bool {
	return c == nil || c.org.Role == chain.RoleCourt || c.org.Role == chain.RoleArbitration
}

func callerFrom(ctx context.Context) *caller {
	c, _ := ctx.Value(callerKey{}).(*caller)
	return c
}

// judicial wraps a query handler: with [api] auth other than "open" it
// authenticates the caller (401 otherwise), passes it on in the context, and
// after a successful answer records the query on chain (query_logged).
func (a *API) judicial(subject chain.QuerySubject, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !a.authRequired() {
			h(w, r)
			return
		}
		c, ok := a.authOrAnswer(w, r)
		if !ok {
			return
		}
		rec := &httpjson.StatusRecorder{ResponseWriter: w, Code: http.StatusOK}
		h(rec, r.WithContext(context.WithValue(r.Context(), callerKey{}, c)))
		if rec.Code == http.StatusOK {
			q := r.URL.Query()
			switch {
			case q.Get("contract_id") != "":
				subject = chain.QueryContract
			case q.Get("cert") != "":
				subject = chain.QueryCert
			}
			a.logQuery(c, subject, r.URL.RequestURI())
		}
	}
}

// authorized wraps a handler that acts rather than queries (a case step):
// it authenticates the caller as judicial does, and records no query.
func (a *API) authorized(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !a.authRequired() {
			h(w, r)
			return
		}
		if c, ok := a.authOrAnswer(w, r); ok {
			h(w, r.WithContext(context.WithValue(r.Context(), callerKey{}, c)))
		}
	}
}

// authOrAnswer authenticates the caller, or answers 401, 413 or 429 and
// returns false.
func (a *API) authOrAnswer(w http.ResponseWriter, r *http.Request) (*caller, bool) {
	c, err := a.authenticateCaller(w, r)
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		httpjson.WriteError(w, http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("body exceeds %d bytes", a.maxBody))
		return nil, false
	case errors.Is(err, errTooManyRequests):
		retry := maxRequestAge
		var full *cacheFullError
		if errors.As(err, &full) {
			retry = full.retryAfter
		}
		w.Header().Set("Retry-After", strconv.Itoa(int((retry+time.Second-1)/time.Second)))
		httpjson.WriteError(w, http.StatusTooManyRequests, "too_many_requests", err.Error())
		return nil, false
	case err != nil:
		if a.auth.signed {
			w.Header().Set("WWW-Authenticate", client.AuthScheme)
		}
		httpjson.WriteError(w, http.StatusUnauthorized, "unauthenticated", err.Error())
		return nil, false
	}
	return c, true
}

// logQuery submits a query_logged record in the background; an audit line
// must not slow or fail the answer, so failures are logged, not returned.
func (a *API) logQuery(c *caller, subject chain.QuerySubject, uri string) {
	if a.auditor == nil || !a.authRequired() {
		return
	}
	q := sm3.Sum([]byte(uri))
	tx, err := a.auditor.Build(&chain.QueryLogged{CallerOrg: c.org.ID, CallerCert: c.cert, Subject: subject,
		QuerySM3: q[:], At: time.Now().UnixMilli()}, nil)
	if err != nil {
		a.logger.Error("audit record", "err", err)
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if o, err := a.sub.Submit(ctx, tx); err != nil || !o.Accepted() {
			a.logger.Error("audit record not accepted", "caller", c.org.ID, "outcome", o.Status, "code", o.Code, "log", o.Log, "err", errors.Join(err, o.Err))
		}
	}()
}

func (a *API) authRequired() bool { return a.auth.signed || a.auth.mtls != nil }

// authenticateCaller authenticates by TLS client certificate or signed
// request, whichever the node accepts and the request carries; a client
// certificate wins when both are present.
func (a *API) authenticateCaller(w http.ResponseWriter, r *http.Request) (*caller, error) {
	if a.auth.mtls != nil && r.TLS != nil && len(r.TLS.PeerCertificates) > 0 {
		// The handshake checked only the certificate itself; here also its
		// standing on chain, on every request, because the connection may
		// have outlived the certificate, or its revocation come since.
		return a.auth.mtls.verify(r.TLS.PeerCertificates[0].Raw)
	}
	if a.auth.signed {
		if a.auth.mtls != nil && r.Header.Get("Authorization") == "" {
			return nil, fmt.Errorf("%w, or sign the request (Authorization: %s ...)", errNoClientCert, client.AuthScheme)
		}
		return a.authenticate(w, r)
	}
	return nil, errNoClientCert
}

// errTooManyRequests is a signed request refused because the replay cache
// is full (429, not 401: the request may be good).
var errTooManyRequests = errors.New("too many signed requests in the last minute; retry shortly")

// cacheFullError is errTooManyRequests with the wait before a retry.
type cacheFullError struct {
	who        string
	retryAfter time.Duration
}

func (e *cacheFullError) Error() string {
	return fmt.Sprintf("too many signed requests by %s in the last minute; retry in %s", e.who, e.retryAfter.Round(time.Second))
}

func (e *cacheFullError) Unwrap() error { return errTooManyRequests }

// authenticate checks a signed request's Authorization header: a
// registered, unrevoked credential, a time inside the window, the signature
// over the method, URI, time, nonce and the SM3 of the body, and a nonce not
// seen before. It reads the body (up to the API's body limit) and puts it
// back for the handler.
func (a *API) authenticate(w http.ResponseWriter, r *http.Request) (*caller, error) {
	h := r.Header.Get("Authorization")
	scheme, params, ok := strings.Cut(h, " ")
	if !ok || scheme != client.AuthScheme {
		return nil, fmt.Errorf("sign the request: Authorization: %s cert=<base64 DER>,ts=<unix seconds>,nonce=<32 hex digits>,sig=<base64>", client.AuthScheme)
	}
	var certB64, tsStr, nonceHex, sigB64 string
	var haveTS, haveNonce bool
	for _, kv := range strings.Split(params, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(kv), "=")
		switch k {
		case "cert":
			certB64 = v
		case "ts":
			tsStr, haveTS = v, true
		case "nonce":
			nonceHex, haveNonce = v, true
		case "sig":
			sigB64 = v
		}
	}
	// The signature covers the canonical spelling (client.RequestSignBytes
	// prints %d and %x): accept only that, so one signed request has one
	// header.
	if haveTS && !canonicalDecimal(tsStr) {
		return nil, fmt.Errorf("authorization: ts %q: want unix seconds in decimal, without sign or leading zeros", tsStr)
	}
	if haveNonce && !canonicalHex(nonceHex, 2*client.NonceBytes) {
		return nil, fmt.Errorf("authorization: nonce %q: want exactly %d lower-case hex digits", nonceHex, 2*client.NonceBytes)
	}
	der, err1 := base64.StdEncoding.DecodeString(certB64)
	sig, err2 := base64.StdEncoding.DecodeString(sigB64)
	ts, err3 := strconv.ParseInt(tsStr, 10, 64)
	nonce, err4 := hex.DecodeString(nonceHex)
	if err := errors.Join(err1, err2, err3, err4); err != nil || len(der) == 0 || len(sig) == 0 || len(nonce) != client.NonceBytes {
		return nil, fmt.Errorf("authorization: cert, ts, nonce and sig are required (base64, unix seconds, %d hex digits, base64)", 2*client.NonceBytes)
	}
	// Wall clock throughout (Round(0) drops the monotonic reading): the
	// window and the nonces' expiry are both in request time.
	now := time.Now().Round(0)
	if d := now.Sub(time.Unix(ts, 0)); d > maxRequestAge || d < -maxRequestAhead {
		return nil, fmt.Errorf("authorization: request time %s is outside the window (%s before to %s after the node's clock)",
			time.Unix(ts, 0).UTC().Format(time.RFC3339), maxRequestAge, maxRequestAhead)
	}
	if ts < a.auth.notBefore {
		// The nonce cache is in memory: a request from before this start
		// may have been accepted by the previous run.
		return nil, fmt.Errorf("authorization: request time %s is before this node started (%s); sign the request afresh",
			time.Unix(ts, 0).UTC().Format(time.RFC3339), time.Unix(a.auth.notBefore, 0).UTC().Format(time.RFC3339))
	}
	host := strings.ToLower(r.Host)
	if !a.auth.hosts[host] {
		// The accepted names are not listed: they may include internal
		// addresses, and the caller is not authenticated yet.
		return nil, fmt.Errorf("authorization: host %q is not one this node answers to; address the node by its api.public_url, or add the name to [api] hosts", r.Host)
	}
	cert, err := smx509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("authorization: certificate: %w", err)
	}
	view := a.store.View()
	orgs, err := view.Orgs()
	if err != nil {
		return nil, err
	}
	var c *caller
	// CA subjects are unique (genesis and register_org refuse a second one),
	// so the first org whose CA subject is the issuer is the only one.
	for _, o := range orgs {
		ca, err := smx509.ParseCertificate(o.CACert)
		if err != nil || string(ca.RawSubject) != string(cert.RawIssuer) {
			continue
		}
		if _, err := signer.VerifyIssued(cert, []*smx509.Certificate{ca}, now, signer.UsageSubmitter); err != nil {
			return nil, fmt.Errorf("authorization: certificate: %w", err)
		}
		c = &caller{org: o, cert: chain.FingerprintOf(der)}
		break
	}
	if c == nil {
		return nil, errors.New("authorization: the certificate was not issued by a registered organisation's CA")
	}
	if err := credentialStanding(view, c, "authorization: credential"); err != nil {
		return nil, err
	}
	limit := a.maxBody
	if l, ok := r.Context().Value(bodyLimitKey{}).(int64); ok {
		limit = l
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		return nil, err
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	if err := signer.Verify(cert.PublicKey, client.RequestSignBytes(a.chainID, host, r.Method, r.URL.RequestURI(), ts, nonce, body), sig); err != nil {
		return nil, fmt.Errorf("authorization: signature (over chain id %q, host, method, URI, time, nonce and the body's SM3): %w", a.chainID, err)
	}
	if err := a.auth.nonces.use(c.org.ID, len(orgs), c.cert, nonce, time.Unix(ts, 0).Add(maxRequestAge), now); err != nil {
		return nil, err
	}
	return c, nil
}

// credentialStanding checks a credential's standing in committed state:
// registered (genesis or cert_issued) to the organisation whose CA issued
// it, and not revoked. what names the credential in messages.
func credentialStanding(view store.View, c *caller, what string) error {
	org, fp := c.org, c.cert
	cs, registered, err := view.Cert(fp)
	if err != nil {
		return fmt.Errorf("%s: registration: %w", what, err)
	}
	switch {
	case !registered:
		return fmt.Errorf("%s %s is not registered on chain; only credentials in genesis or recorded by cert_issued are accepted (sealchain cert issue --credential, or --tls client)", what, fp)
	case cs.Revoked():
		// Any committed revocation counts, whatever this node's clock says
		// about the block time: the chain has spoken.
		return fmt.Errorf("%s %s was revoked at %s (on chain, log index %d, reason %s)",
			what, fp, cs.RevokedAt.UTC().Format(time.RFC3339), cs.RevokedIn, reasonName(cs.Reason))
	case cs.Org != org.ID:
		return fmt.Errorf("%s %s is registered to organisation %q, not its CA's %q", what, fp, cs.Org, org.ID)
	}
	return nil
}

// canonicalDecimal reports whether s is a non-negative decimal integer as
// %d prints it.
func canonicalDecimal(s string) bool {
	if s == "" || len(s) > 18 || (s[0] == '0' && len(s) > 1) {
		return false
	}
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// canonicalHex reports whether s is n lower-case hex digits.
func canonicalHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for _, c := range []byte(s) {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// apiHosts are the hosts (request authorities, lower-case) a signed request
// may name: the host of [api] public_url, the listen address (when it is
// unspecified, 0.0.0.0 or [::], loopback and this machine's interface
// addresses on its port) and [api] hosts, for names a proxy forwards. A
// host on its scheme's default port counts with or without the port.
func apiHosts(publicURL, listen string, extra []string, tls bool) map[string]bool {
	hosts := map[string]bool{}
	scheme := "http"
	if tls {
		scheme = "https"
	}
	add := func(scheme, hostport string) {
		hostport = strings.ToLower(hostport)
		if hostport == "" {
			return
		}
		hosts[hostport] = true
		def := map[string]string{"http": "80", "https": "443"}[scheme]
		if h, p, err := net.SplitHostPort(hostport); err == nil {
			if p == def {
				if strings.Contains(h, ":") {
					h = "[" + h + "]"
				}
				hosts[h] = true
			}
		} else if def != "" {
			hosts[net.JoinHostPort(strings.Trim(hostport, "[]"), def)] = true
		}
	}
	if u, err := url.Parse(publicURL); err == nil && publicURL != "" {
		add(u.Scheme, u.Host)
	}
	if h, port, err := net.SplitHostPort(listen); err == nil {
		ip := net.ParseIP(h)
		switch {
		case h == "" || (ip != nil && ip.IsUnspecified()):
			add(scheme, net.JoinHostPort("localhost", port))
			add(scheme, net.JoinHostPort("127.0.0.1", port))
			add(scheme, net.JoinHostPort("::1", port))
			if addrs, err := net.InterfaceAddrs(); err == nil {
				for _, a := range addrs {
					if n, ok := a.(*net.IPNet); ok && n.IP.IsGlobalUnicast() {
						add(scheme, net.JoinHostPort(n.IP.String(), port))
					}
				}
			}
		case h == "localhost" || (ip != nil && ip.IsLoopback()):
			add(scheme, listen)
			add(scheme, net.JoinHostPort("localhost", port))
			add(scheme, net.JoinHostPort("127.0.0.1", port))
			add(scheme, net.JoinHostPort("::1", port))
		default:
			add(scheme, listen)
		}
	}
	for _, h := range extra {
		add(scheme, h)
	}
	return hosts
}

// nonceCache remembers the nonces of accepted signed requests, per
// credential, until their request's time is too old to be accepted again
// (wall clock, as the window is: a clock stepped back cannot reopen the
// window for a forgotten nonce), in bounded memory: each organisation gets
// an equal share of max, each credential at most maxPer. A min-heap by
// expiry drops them.
type nonceCache struct {
	mu     sync.Mutex
	seen   map[nonceKey]struct{}
	perFP  map[chain.Fingerprint]int
	perOrg map[string]int
	heap   nonceHeap
	max    int
	maxPer int
}

type nonceKey struct {
	fp    chain.Fingerprint
	nonce [client.NonceBytes]byte
}

type nonceEntry struct {
	key     nonceKey
	org     string
	expires time.Time
}

type nonceHeap []nonceEntry

func (h nonceHeap) Len() int           { return len(h) }
func (h nonceHeap) Less(i, j int) bool { return h[i].expires.Before(h[j].expires) }
func (h nonceHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *nonceHeap) Push(x any)        { *h = append(*h, x.(nonceEntry)) }
func (h *nonceHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	old[len(old)-1] = nonceEntry{}
	*h = old[:len(old)-1]
	return e
}

func newNonceCache(max, maxPer int) *nonceCache {
	return &nonceCache{seen: map[nonceKey]struct{}{}, perFP: map[chain.Fingerprint]int{}, perOrg: map[string]int{}, max: max, maxPer: maxPer}
}

// use records the nonce of fp's request (fp belongs to org, one of orgs
// organisations), remembered until expires, or refuses it: seen before (a
// replay), or the org's or credential's share is full. now is wall-clock.
func (n *nonceCache) use(org string, orgs int, fp chain.Fingerprint, nonce []byte, expires, now time.Time) error {
	k := nonceKey{fp: fp}
	copy(k.nonce[:], nonce)
	n.mu.Lock()
	defer n.mu.Unlock()
	for len(n.heap) > 0 && n.heap[0].expires.Before(now) {
		old := heap.Pop(&n.heap).(nonceEntry)
		delete(n.seen, old.key)
		if n.perFP[old.key.fp]--; n.perFP[old.key.fp] <= 0 {
			delete(n.perFP, old.key.fp)
		}
		if n.perOrg[old.org]--; n.perOrg[old.org] <= 0 {
			delete(n.perOrg, old.org)
		}
	}
	if _, dup := n.seen[k]; dup {
		return errors.New("authorization: this signed request was already used (replayed nonce); sign each request afresh")
	}
	orgMax := n.max / max(orgs, 1)
	switch {
	case len(n.heap) >= n.max:
		return &cacheFullError{who: "all callers", retryAfter: n.heap[0].expires.Sub(now)}
	case n.perOrg[org] >= orgMax:
		// Where the org's oldest entry sits is not tracked: an entry lives
		// at most maxRequestAge+maxRequestAhead, usually about maxRequestAge.
		return &cacheFullError{who: "organisation " + org, retryAfter: maxRequestAge}
	case n.perFP[fp] >= n.maxPer:
		return &cacheFullError{who: "this credential", retryAfter: maxRequestAge}
	}
	n.seen[k] = struct{}{}
	n.perFP[fp]++
	n.perOrg[org]++
	heap.Push(&n.heap, nonceEntry{key: k, org: org, expires: expires})
	return nil
}

// allowOrg enforces roles: a platform, notary or appraisal institution may
// see only what belongs to it.
func (a *API) allowOrg(w http.ResponseWriter, r *http.Request, owner string) bool {
	return a.allowContract(w, r, owner, "")
}

// allowContract is allowOrg for a thing of contract (a record, the contract
// itself; "" for none): a notary office or appraisal institution may also
// see what belongs to a contract with a case to it that is pending,
// accepted or issued.
func (a *API) allowContract(w http.ResponseWriter, r *http.Request, owner, contract string) bool {
	c := callerFrom(r.Context())
	if c.seesAll() || c.org.ID == owner {
		return true
	}
	if contract != "" && isInstitution(c.org.Role) {
		ok, err := a.caseInstitution(c.org.ID, contract)
		if err != nil {
			a.internal(w, r, err)
			return false
		}
		if ok {
			return true
		}
	}
	msg := fmt.Sprintf("organisation %q (%s) may query only its own contracts and certificates", c.org.ID, c.org.Role)
	if isInstitution(c.org.Role) {
		msg = fmt.Sprintf("organisation %q (%s) may query only contracts with a pending, accepted or issued case to it", c.org.ID, c.org.Role)
	}
	httpjson.WriteError(w, http.StatusForbidden, "forbidden", msg)
	return false
}

// allowRecord is allowContract for a record.
func (a *API) allowRecord(w http.ResponseWriter, r *http.Request, tx *chain.Tx) bool {
	return a.allowContract(w, r, a.owner(tx), tx.Body.ContractID())
}

func isInstitution(r chain.Role) bool { return r == chain.RoleNotary || r == chain.RoleAppraisal }

// institutionContracts are the contracts org may see as an institution
// (caseInstitution), all in one scan.
func (a *API) institutionContracts(org string) (map[string]bool, error) {
	out := map[string]bool{}
	err := a.store.View().Cases(func(cs *chain.CaseState) bool {
		if cs.Institution == org && (cs.Status == chain.CasePending || cs.Status == chain.CaseAccepted || cs.Status == chain.CaseIssued) {
			out[cs.Contract] = true
		}
		return true
	})
	return out, err
}

// caseInstitution reports whether org is the institution of a pending,
// accepted or issued case on contract: what opens the contract's evidence
// to a notary office or appraisal institution. A rejected or withdrawn
// case closes it again. Cases are few (one per application): a scan.
func (a *API) caseInstitution(org, contract string) (bool, error) {
	found := false
	err := a.store.View().Cases(func(cs *chain.CaseState) bool {
		if cs.Contract == contract && cs.Institution == org &&
			(cs.Status == chain.CasePending || cs.Status == chain.CaseAccepted || cs.Status == chain.CaseIssued) {
			found = true
		}
		return !found
	})
	return found, err
}

// bodyLimitKey carries a route's own request body limit (withBodyLimit).
type bodyLimitKey struct{}

// withBodyLimit gives a route a body limit of its own, above [api]
// max_body_bytes: a signed request's body is read whole to check the
// signature, and a case package is larger than an API call.
func withBodyLimit(limit int64, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		h(w, r.WithContext(context.WithValue(r.Context(), bodyLimitKey{}, limit)))
	}
}
