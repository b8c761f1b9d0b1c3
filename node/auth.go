package node

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/smx509"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/client"
	"github.com/sealchain/sealchain/signer"
)

// Judicial queries (evidence, records, contracts, certificates, reports)
// can require an authenticated caller ([api] auth), by either of:
//   - a signed request: the caller signs the method, URI, time, a nonce and
//     the SM3 of the body with an organisation's API credential (submitter
//     usage), as client.WithRequestSigner does;
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
// A signed request is good once: its nonce is remembered per credential
// for as long as its time is acceptable (replayWindow), so a captured
// request cannot be replayed, nor its body swapped (the body's SM3 is
// signed).

const (
	// maxRequestAge bounds how far in the past a signed request's time may be.
	maxRequestAge = 60 * time.Second
	// maxRequestAhead bounds how far in the future it may be (clock skew).
	maxRequestAhead = 30 * time.Second
	// maxNonces bounds the replay cache: at most this many signed requests
	// are accepted per replayWindow, by all credentials together, and at most
	// maxNoncesPerCred by one; past that the node answers 429 until the
	// oldest expire, rather than forget a nonce still in its window.
	maxNonces        = 200_000
	maxNoncesPerCred = 50_000
)

// replayWindow is how long a nonce is remembered: a request accepted now
// carries a time no later than now+maxRequestAhead, and that time stays
// acceptable until maxRequestAge after it.
const replayWindow = maxRequestAge + maxRequestAhead

type callerKey struct{}

// caller is an authenticated requester.
type caller struct {
	org  *chain.Org
	cert chain.Fingerprint
}

// seesAll reports whether the caller's role may query every organisation's evidence.
func (c *caller) seesAll() bool {
	return c == nil || c.org.Role != chain.RolePlatform
}

func callerFrom(ctx context.Context) *caller {
	c, _ := ctx.Value(callerKey{}).(*caller)
	return c
}

// judicial wraps a query handler: with [api] auth other than "open" it
// authenticates the caller (401 otherwise), passes it on in the context, and
// after a successful answer records the query on chain (query_logged).
func (a *api) judicial(subject chain.QuerySubject, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !a.authRequired() {
			h(w, r)
			return
		}
		c, err := a.authenticateCaller(w, r)
		var mbe *http.MaxBytesError
		switch {
		case errors.As(err, &mbe):
			writeError(w, http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("body exceeds %d bytes", a.maxBody))
			return
		case errors.Is(err, errTooManyRequests):
			writeError(w, http.StatusTooManyRequests, "too_many_requests", err.Error())
			return
		case err != nil:
			if a.signedAuth {
				w.Header().Set("WWW-Authenticate", client.AuthScheme)
			}
			writeError(w, http.StatusUnauthorized, "unauthenticated", err.Error())
			return
		}
		rec := &statusRecorder{ResponseWriter: w, code: http.StatusOK}
		h(rec, r.WithContext(context.WithValue(r.Context(), callerKey{}, c)))
		if rec.code == http.StatusOK {
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

// logQuery submits a query_logged record in the background; an audit line
// must not slow or fail the answer, so failures are logged, not returned.
func (a *api) logQuery(c *caller, subject chain.QuerySubject, uri string) {
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
		if res, err := a.mempool.BroadcastTxSync(ctx, tx); err != nil || res.Code != 0 {
			a.logger.Error("audit record not accepted", "caller", c.org.ID, "err", err)
		}
	}()
}

func (a *api) authRequired() bool { return a.signedAuth || a.mtls != nil }

// authenticateCaller authenticates by TLS client certificate or signed
// request, whichever the node accepts and the request carries; a client
// certificate wins when both are present.
func (a *api) authenticateCaller(w http.ResponseWriter, r *http.Request) (*caller, error) {
	if a.mtls != nil && r.TLS != nil && len(r.TLS.PeerCertificates) > 0 {
		// The handshake checked only the certificate itself; here also its
		// standing on chain, on every request, because the connection may
		// have outlived the certificate, or its revocation come since.
		return a.mtls.verify(r.TLS.PeerCertificates[0].Raw)
	}
	if a.signedAuth {
		if a.mtls != nil && r.Header.Get("Authorization") == "" {
			return nil, fmt.Errorf("%w, or sign the request (Authorization: %s ...)", errNoClientCert, client.AuthScheme)
		}
		return a.authenticate(w, r)
	}
	return nil, errNoClientCert
}

// errTooManyRequests is a signed request refused because the replay cache
// is full (429, not 401: the request may be good).
var errTooManyRequests = errors.New("too many signed requests in the last minute; retry shortly")

// authenticate checks a signed request's Authorization header: a
// registered, unrevoked credential, a time inside the window, the signature
// over the method, URI, time, nonce and the SM3 of the body, and a nonce not
// seen before. It reads the body (up to the API's body limit) and puts it
// back for the handler.
func (a *api) authenticate(w http.ResponseWriter, r *http.Request) (*caller, error) {
	h := r.Header.Get("Authorization")
	scheme, params, ok := strings.Cut(h, " ")
	if !ok || scheme != client.AuthScheme {
		return nil, fmt.Errorf("sign the request: Authorization: %s cert=<base64 DER>,ts=<unix seconds>,nonce=<32 hex digits>,sig=<base64>", client.AuthScheme)
	}
	var certB64, tsStr, nonceHex, sigB64 string
	for _, kv := range strings.Split(params, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(kv), "=")
		switch k {
		case "cert":
			certB64 = v
		case "ts":
			tsStr = v
		case "nonce":
			nonceHex = v
		case "sig":
			sigB64 = v
		}
	}
	der, err1 := base64.StdEncoding.DecodeString(certB64)
	sig, err2 := base64.StdEncoding.DecodeString(sigB64)
	ts, err3 := strconv.ParseInt(tsStr, 10, 64)
	nonce, err4 := hex.DecodeString(nonceHex)
	if err := errors.Join(err1, err2, err3, err4); err != nil || len(der) == 0 || len(sig) == 0 || len(nonce) != client.NonceBytes {
		return nil, fmt.Errorf("authorization: cert, ts, nonce and sig are required (base64, unix seconds, %d hex digits, base64)", 2*client.NonceBytes)
	}
	now := time.Now()
	if d := now.Sub(time.Unix(ts, 0)); d > maxRequestAge || d < -maxRequestAhead {
		return nil, fmt.Errorf("authorization: request time %s is outside the window (%s before to %s after the node's clock)",
			time.Unix(ts, 0).UTC().Format(time.RFC3339), maxRequestAge, maxRequestAhead)
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
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, a.maxBody))
	if err != nil {
		return nil, err
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	if err := signer.Verify(cert.PublicKey, client.RequestSignBytes(r.Method, r.URL.RequestURI(), ts, nonce, body), sig); err != nil {
		return nil, fmt.Errorf("authorization: signature (over method, URI, time, nonce and the body's SM3): %w", err)
	}
	if err := a.nonces.use(c.cert, nonce, now); err != nil {
		return nil, err
	}
	return c, nil
}

// credentialStanding checks a credential's standing in committed state:
// registered (genesis or cert_issued) to the organisation whose CA issued
// it, and not revoked. what names the credential in messages.
func credentialStanding(view chain.View, c *caller, what string) error {
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

// nonceCache remembers the nonces of accepted signed requests for
// replayWindow, per credential, in bounded memory. Entries expire in the
// order they were added (each lives replayWindow from acceptance), so a
// FIFO queue is enough to drop them.
type nonceCache struct {
	mu     sync.Mutex
	seen   map[nonceKey]struct{}
	perFP  map[chain.Fingerprint]int
	queue  []nonceEntry
	max    int
	maxPer int
}

type nonceKey struct {
	fp    chain.Fingerprint
	nonce [client.NonceBytes]byte
}

type nonceEntry struct {
	key     nonceKey
	expires time.Time
}

func newNonceCache(max, maxPer int) *nonceCache {
	return &nonceCache{seen: map[nonceKey]struct{}{}, perFP: map[chain.Fingerprint]int{}, max: max, maxPer: maxPer}
}

// use records the nonce of fp's request at now, or refuses it: seen
// before in the window (a replay), or the cache is full.
func (n *nonceCache) use(fp chain.Fingerprint, nonce []byte, now time.Time) error {
	k := nonceKey{fp: fp}
	copy(k.nonce[:], nonce)
	n.mu.Lock()
	defer n.mu.Unlock()
	for len(n.queue) > 0 && !n.queue[0].expires.After(now) {
		old := n.queue[0].key
		delete(n.seen, old)
		if n.perFP[old.fp]--; n.perFP[old.fp] <= 0 {
			delete(n.perFP, old.fp)
		}
		n.queue[0] = nonceEntry{}
		n.queue = n.queue[1:]
	}
	if _, dup := n.seen[k]; dup {
		return errors.New("authorization: this signed request was already used (replayed nonce); sign each request afresh")
	}
	if len(n.queue) >= n.max || n.perFP[fp] >= n.maxPer {
		return errTooManyRequests
	}
	n.seen[k] = struct{}{}
	n.perFP[fp]++
	n.queue = append(n.queue, nonceEntry{key: k, expires: now.Add(replayWindow)})
	return nil
}

// allowOrg enforces roles: a platform may see only what belongs to it.
func (a *api) allowOrg(w http.ResponseWriter, r *http.Request, owner string) bool {
	c := callerFrom(r.Context())
	if c.seesAll() || c.org.ID == owner {
		return true
	}
	writeError(w, http.StatusForbidden, "forbidden", fmt.Sprintf("organisation %q (%s) may query only its own contracts and certificates", c.org.ID, c.org.Role))
	return false
}
