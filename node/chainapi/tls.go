package chainapi

import (
	"crypto/tls"
	"errors"
	"fmt"
	"time"

	"github.com/emmansun/gmsm/smx509"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/chain/store"
	"github.com/sealchain/sealchain/signer"
)

// Mutual TLS for the judicial API ([api] auth = "mtls"). TLS keys are
// ECDSA P-256, so crypto/tls does the handshake, but their certificates are
// issued by the organisations' SM2 CAs registered in genesis, which
// crypto/x509 cannot verify. So the server asks for any client certificate
// (tls.RequestClientCert) and verifies it itself with smx509 in
// VerifyConnection: issued by a registered org's CA, clientAuth, P-256,
// within its validity period. A certificate failing that fails the
// handshake. No certificate passes it, because the page, /healthz, /metrics
// and signed requests share the listener, and the judicial endpoints then
// answer 401. Each judicial request verifies the certificate again and also
// its standing on chain: registered and not revoked (credentialStanding,
// the same rule as for signed requests). A revoked or unregistered
// certificate therefore completes the handshake
// (it gains nothing a connection without one lacks) and every judicial
// request on it, on a new or a kept-alive connection, gets a 401 naming the
// revocation.
//
// Registration (cert_issued of the TLS certificate) is what makes a
// revocation possible and lets a court list every credential that could
// ever query, so every chain requires it, development chains too: no node
// can admit a credential the network cannot see or revoke.

// ClientVerifier authenticates TLS client certificates against the
// committed state: the organisations and their CAs, and certificate
// revocations.
type ClientVerifier struct {
	view func() store.View
	now  func() time.Time
}

// NewClientVerifier checks client certificates against the store's
// committed state.
func NewClientVerifier(store interface{ View() store.View }) *ClientVerifier {
	return &ClientVerifier{view: store.View, now: time.Now}
}

// verify checks a client certificate (DER) and returns the caller it
// authenticates: verifyIssued, then the certificate's standing on chain
// (registration, revocation). The org is the one whose CA issued it.
func (v *ClientVerifier) verify(der []byte) (*caller, error) {
	view := v.view()
	c, err := v.verifyIssued(view, der)
	if err != nil {
		return nil, err
	}
	if err := v.onChain(view, c); err != nil {
		return nil, err
	}
	return c, nil
}

// verifyIssued checks what the certificate alone decides: a registered
// organisation's CA issued it for clientAuth, with a P-256 key, and it is
// valid now. The handshake runs only this: a certificate failing it can
// never authenticate. A revoked or unregistered one still completes the
// handshake, like a connection without a certificate, so the judicial
// endpoints can answer 401 with the reason instead of a bare TLS alert.
func (v *ClientVerifier) verifyIssued(view store.View, der []byte) (*caller, error) {
	leaf, err := smx509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("client certificate: %w", err)
	}
	orgs, err := view.Orgs()
	if err != nil {
		return nil, fmt.Errorf("client certificate: read organisations: %w", err)
	}
	cas, byCA := OrgCAs(orgs)
	root, err := signer.VerifyTLS(leaf, cas, v.now(), signer.TLSClient)
	if err != nil {
		return nil, fmt.Errorf("client certificate: %w", err)
	}
	return &caller{org: byCA[root], cert: chain.FingerprintOf(der)}, nil
}

// onChain checks the certificate's standing in committed state: registered
// (cert_issued) to its CA's organisation and not revoked.
func (v *ClientVerifier) onChain(view store.View, c *caller) error {
	return credentialStanding(view, c, "client certificate")
}

// reasonName is an RFC 5280 CRLReason's name, for messages.
func reasonName(r chain.RevocationReason) string {
	switch r {
	case chain.ReasonUnspecified:
		return "unspecified"
	case chain.ReasonKeyCompromise:
		return "keyCompromise"
	case chain.ReasonCACompromise:
		return "cACompromise"
	case chain.ReasonAffiliationChanged:
		return "affiliationChanged"
	case chain.ReasonSuperseded:
		return "superseded"
	case chain.ReasonCessation:
		return "cessationOfOperation"
	case chain.ReasonCertificateHold:
		return "certificateHold"
	case chain.ReasonPrivilegeWithdrawn:
		return "privilegeWithdrawn"
	}
	return fmt.Sprintf("%d", uint32(r))
}

// OrgCAs parses the organisations' CA certificates; one that does not parse
// is skipped (it can authenticate nobody).
func OrgCAs(orgs []*chain.Org) ([]*smx509.Certificate, map[*smx509.Certificate]*chain.Org) {
	cas := make([]*smx509.Certificate, 0, len(orgs))
	byCA := make(map[*smx509.Certificate]*chain.Org, len(orgs))
	for _, o := range orgs {
		ca, err := smx509.ParseCertificate(o.CACert)
		if err != nil {
			continue
		}
		cas = append(cas, ca)
		byCA[ca] = o
	}
	return cas, byCA
}

// ServerTLSConfig is the API listener's TLS configuration. With mtls it
// requests client certificates and rejects, during the handshake, any that
// could never authenticate (ClientVerifier.verifyIssued).
func ServerTLSConfig(cert tls.Certificate, mtls *ClientVerifier) *tls.Config {
	c := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	if mtls == nil {
		return c
	}
	c.ClientAuth = tls.RequestClientCert
	c.VerifyConnection = func(cs tls.ConnectionState) error {
		if len(cs.PeerCertificates) == 0 {
			return nil // no certificate: the judicial endpoints answer 401
		}
		_, err := mtls.verifyIssued(mtls.view(), cs.PeerCertificates[0].Raw)
		return err
	}
	return c
}

// errNoClientCert is the 401 message for a TLS connection without a client
// certificate.
var errNoClientCert = errors.New("present a TLS client certificate issued by a registered organisation's CA (sealchain cert issue --tls client)")
