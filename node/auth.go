package node

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/smx509"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/client"
	"github.com/sealchain/sealchain/signer"
)

// Judicial queries (evidence, records, contracts, certificates, reports)
// can require an authenticated caller ([api] auth), by either of:
//   - a signed request: the caller signs the request with a certificate
//     issued by a registered organisation's CA (its API credential,
//     submitter usage), as client.WithRequestSigner does;
//   - mutual TLS: a TLS client certificate issued by a registered
//     organisation's CA for clientAuth, not revoked on chain and, on a
//     production network, registered on chain (tls.go).
//
// Either way the caller's organisation is the one whose CA issued the
// certificate. Courts, notaries and arbitration bodies may query all
// evidence; a platform only its own contracts and certificates. Every
// answered query is recorded on chain (query_logged).

// maxRequestSkew bounds how far a signed request's time may be from the node's clock.
const maxRequestSkew = 5 * time.Minute

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
		c, err := a.authenticateCaller(r)
		if err != nil {
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
func (a *api) authenticateCaller(r *http.Request) (*caller, error) {
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
		return a.authenticate(r)
	}
	return nil, errNoClientCert
}

// authenticate checks the Authorization header of a bodiless request.
func (a *api) authenticate(r *http.Request) (*caller, error) {
	h := r.Header.Get("Authorization")
	scheme, params, ok := strings.Cut(h, " ")
	if !ok || scheme != client.AuthScheme {
		return nil, fmt.Errorf("sign the request: Authorization: %s cert=<base64 DER>,ts=<unix seconds>,sig=<base64>", client.AuthScheme)
	}
	var certB64, tsStr, sigB64 string
	for _, kv := range strings.Split(params, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(kv), "=")
		switch k {
		case "cert":
			certB64 = v
		case "ts":
			tsStr = v
		case "sig":
			sigB64 = v
		}
	}
	der, err1 := base64.StdEncoding.DecodeString(certB64)
	sig, err2 := base64.StdEncoding.DecodeString(sigB64)
	ts, err3 := strconv.ParseInt(tsStr, 10, 64)
	if err := errors.Join(err1, err2, err3); err != nil || len(der) == 0 || len(sig) == 0 {
		return nil, errors.New("authorization: cert, ts and sig are required (base64, unix seconds, base64)")
	}
	now := time.Now()
	if d := now.Sub(time.Unix(ts, 0)); d > maxRequestSkew || d < -maxRequestSkew {
		return nil, fmt.Errorf("authorization: request time %s is more than %s from the node's clock", time.Unix(ts, 0).UTC().Format(time.RFC3339), maxRequestSkew)
	}
	cert, err := smx509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("authorization: certificate: %w", err)
	}
	orgs, err := a.store.View().Orgs()
	if err != nil {
		return nil, err
	}
	for _, o := range orgs {
		ca, err := smx509.ParseCertificate(o.CACert)
		if err != nil || string(ca.RawSubject) != string(cert.RawIssuer) {
			continue
		}
		if _, err := signer.VerifyIssued(cert, []*smx509.Certificate{ca}, now, signer.UsageSubmitter); err != nil {
			return nil, fmt.Errorf("authorization: certificate: %w", err)
		}
		if err := signer.Verify(cert.PublicKey, client.RequestSignBytes(r.Method, r.URL.RequestURI(), ts, nil), sig); err != nil {
			return nil, fmt.Errorf("authorization: signature: %w", err)
		}
		return &caller{org: o, cert: chain.FingerprintOf(der)}, nil
	}
	return nil, errors.New("authorization: the certificate was not issued by a registered organisation's CA")
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
