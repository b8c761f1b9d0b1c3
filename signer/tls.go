package signer

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"slices"
	"time"

	"github.com/emmansun/gmsm/smx509"
)

// TLS certificates for the node API: the leaf key is ECDSA P-256, which
// Go's crypto/tls can sign handshakes with, and the issuer is the
// organisation's own (usually SM2) CA, so mutual TLS needs no second PKI.
// crypto/x509 parses such a leaf (its signature algorithm is merely
// unknown to it) but cannot verify it; peers verify the chain with
// [VerifyTLS] instead of crypto/tls's verifier.

// TLSRole is the side of a TLS connection a certificate authenticates.
type TLSRole uint8

const (
	// TLSClient is a client certificate: ExtKeyUsage clientAuth.
	TLSClient TLSRole = 1
	// TLSServer is a server certificate: ExtKeyUsage serverAuth.
	TLSServer TLSRole = 2
)

// String returns "client" or "server".
func (r TLSRole) String() string {
	switch r {
	case TLSClient:
		return "client"
	case TLSServer:
		return "server"
	default:
		return fmt.Sprintf("unknown(%d)", uint8(r))
	}
}

// ParseTLSRole is the inverse of [TLSRole.String].
func ParseTLSRole(s string) (TLSRole, error) {
	switch s {
	case "client":
		return TLSClient, nil
	case "server":
		return TLSServer, nil
	}
	return 0, fmt.Errorf("signer: TLS role %q, want client or server", s)
}

func (r TLSRole) extKeyUsage() (x509.ExtKeyUsage, error) {
	switch r {
	case TLSClient:
		return x509.ExtKeyUsageClientAuth, nil
	case TLSServer:
		return x509.ExtKeyUsageServerAuth, nil
	}
	return 0, fmt.Errorf("TLS role %s", r)
}

func (r TLSRole) ekuName() string {
	if r == TLSServer {
		return "serverAuth"
	}
	return "clientAuth"
}

// TLSOptions describe a TLS certificate.
type TLSOptions struct {
	// SubjectRef is the subject CN, with the same rules as
	// [IssueOptions.SubjectRef]: a pseudonymous id, never a name.
	SubjectRef string
	Role       TLSRole
	// DNSNames and IPAddresses are the server's names; a server certificate
	// needs at least one, a client certificate may have none.
	DNSNames    []string
	IPAddresses []net.IP
	NotBefore   time.Time
	NotAfter    time.Time
	// Serial is the serial number; nil means a random positive 128-bit number.
	Serial *big.Int
}

// IssueTLS signs a TLS certificate for pub, which must be an ECDSA P-256
// key (crypto/tls cannot sign with SM2), and returns its DER encoding. The
// certificate carries only the TLS ExtKeyUsage of its role, never a
// Sealchain [Usage]: a TLS key cannot sign records. A nil rand means
// crypto/rand.
func (ca *CA) IssueTLS(pub crypto.PublicKey, opts TLSOptions, rand io.Reader) ([]byte, error) {
	rand = orCryptoRand(rand)
	if ca == nil || ca.Cert == nil || ca.Key.Signer() == nil {
		return nil, errors.New("issue TLS: incomplete CA")
	}
	if alg, err := PublicKeyAlgorithm(pub); err != nil {
		return nil, fmt.Errorf("issue TLS: %w", err)
	} else if alg != AlgECDSAP256 {
		return nil, fmt.Errorf("issue TLS: %w: TLS keys must be %s, not %s", ErrUnsupportedKey, AlgECDSAP256, alg)
	}
	eku, err := opts.Role.extKeyUsage()
	if err != nil {
		return nil, fmt.Errorf("issue TLS: %w", err)
	}
	if err := checkSubjectRef(opts.SubjectRef); err != nil {
		return nil, fmt.Errorf("issue TLS: %w", err)
	}
	if opts.Role == TLSServer && len(opts.DNSNames) == 0 && len(opts.IPAddresses) == 0 {
		return nil, errors.New("issue TLS: a server certificate needs at least one DNS name or IP address")
	}
	tmpl, err := ca.leafTemplate(opts.SubjectRef, opts.NotBefore, opts.NotAfter, opts.Serial, rand)
	if err != nil {
		return nil, fmt.Errorf("issue TLS: %w", err)
	}
	tmpl.ExtKeyUsage = []x509.ExtKeyUsage{eku}
	tmpl.DNSNames, tmpl.IPAddresses = opts.DNSNames, opts.IPAddresses
	tmpl.OCSPServer, tmpl.CRLDistributionPoints = ca.revocationURLs(nil, nil)
	der, err := smx509.CreateCertificate(rand, tmpl, ca.Cert, pub, ca.Key.Signer())
	if err != nil {
		return nil, fmt.Errorf("issue TLS: create certificate: %w", err)
	}
	return der, nil
}

// VerifyTLS checks a TLS peer's leaf certificate against the organisations'
// CA certificates at time at, as crypto/tls would if it knew SM2. The steps,
// cheapest first, and the errors they return:
//
//  1. leaf is valid at at: [*ValidityError] wrapping [ErrNotValidAt].
//  2. leaf is not a CA and its ExtKeyUsage includes role's (clientAuth or
//     serverAuth): [ErrWrongUsage].
//  3. leaf has a P-256 key: [ErrUnsupportedKey].
//  4. a root whose subject equals leaf's issuer signed leaf: [ErrUnknownIssuer].
//  5. that root is valid at at: [*ValidityError].
//
// It returns the issuing root. Host names and revocation are the caller's:
// [smx509.Certificate.VerifyHostname] and whatever revocation source it has.
func VerifyTLS(leaf *smx509.Certificate, roots []*smx509.Certificate, at time.Time, role TLSRole) (*smx509.Certificate, error) {
	if leaf == nil {
		return nil, errors.New("verify TLS: nil certificate")
	}
	eku, err := role.extKeyUsage()
	if err != nil {
		return nil, fmt.Errorf("verify TLS: %w", err)
	}
	if err := checkValidAt(leaf, at); err != nil {
		return nil, fmt.Errorf("verify TLS: leaf: %w", err)
	}
	if leaf.IsCA {
		return nil, fmt.Errorf("verify TLS: %w: certificate %q is a CA", ErrWrongUsage, leaf.Subject.String())
	}
	if !slices.Contains(leaf.ExtKeyUsage, eku) {
		return nil, fmt.Errorf("verify TLS: %w: certificate %q is not a TLS %s certificate (no %s ExtKeyUsage)",
			ErrWrongUsage, leaf.Subject.String(), role, role.ekuName())
	}
	if alg, err := PublicKeyAlgorithm(leaf.PublicKey); err != nil {
		return nil, fmt.Errorf("verify TLS: leaf key: %w", err)
	} else if alg != AlgECDSAP256 {
		return nil, fmt.Errorf("verify TLS: leaf key: %w: %s", ErrUnsupportedKey, alg)
	}
	var root *smx509.Certificate
	for _, r := range roots {
		if r != nil && bytes.Equal(leaf.RawIssuer, r.RawSubject) && leaf.CheckSignatureFrom(r) == nil {
			root = r
			break
		}
	}
	if root == nil {
		return nil, fmt.Errorf("verify TLS: %w: issuer %q is not a registered organisation's CA", ErrUnknownIssuer, leaf.Issuer.String())
	}
	if err := checkValidAt(root, at); err != nil {
		return nil, fmt.Errorf("verify TLS: root: %w", err)
	}
	return root, nil
}

// TLSRolesOf returns the TLS roles cert's ExtKeyUsage names (clientAuth,
// serverAuth), in certificate order. A certificate with any is a TLS
// credential: Sealchain never lets its key sign records, intents or
// envelopes, whatever else the certificate claims.
func TLSRolesOf(cert *smx509.Certificate) []TLSRole {
	if cert == nil {
		return nil
	}
	var out []TLSRole
	for _, u := range cert.ExtKeyUsage {
		switch u {
		case x509.ExtKeyUsageClientAuth:
			out = append(out, TLSClient)
		case x509.ExtKeyUsageServerAuth:
			out = append(out, TLSServer)
		}
	}
	return out
}

// CheckTLSLeaf checks cert has the shape [CA.IssueTLS] gives a TLS
// certificate, the only TLS shape the chain registers, and returns its role.
// The checks and their errors ([ErrWrongUsage] unless said):
//
//  1. not a CA;
//  2. exactly one ExtKeyUsage, clientAuth or serverAuth, and no other
//     extended usage: no Sealchain [Usage], no unknown OID;
//  3. an ECDSA P-256 key: [ErrUnsupportedKey].
//
// It does not check the issuer or the validity period.
func CheckTLSLeaf(cert *smx509.Certificate) (TLSRole, error) {
	if cert == nil {
		return 0, errors.New("check TLS certificate: nil certificate")
	}
	if cert.IsCA {
		return 0, fmt.Errorf("check TLS certificate: %w: a CA", ErrWrongUsage)
	}
	roles := TLSRolesOf(cert)
	if len(roles) != 1 || len(cert.ExtKeyUsage) != 1 || len(cert.UnknownExtKeyUsage) != 0 {
		return 0, fmt.Errorf("check TLS certificate: %w: want exactly one extended key usage, clientAuth or serverAuth, and no Sealchain usage; has %d standard and %d other",
			ErrWrongUsage, len(cert.ExtKeyUsage), len(cert.UnknownExtKeyUsage))
	}
	if alg, err := PublicKeyAlgorithm(cert.PublicKey); err != nil {
		return 0, fmt.Errorf("check TLS certificate: %w", err)
	} else if alg != AlgECDSAP256 {
		return 0, fmt.Errorf("check TLS certificate: %w: TLS keys must be %s, not %s", ErrUnsupportedKey, AlgECDSAP256, alg)
	}
	return roles[0], nil
}
