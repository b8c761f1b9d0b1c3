package signer

import (
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"math/big"
	"time"

	"github.com/emmansun/gmsm/smx509"
)

// Object identifiers of the service certificates below (RFC 5280, 6960).
var (
	oidExtExtKeyUsage  = asn1.ObjectIdentifier{2, 5, 29, 37}
	oidKPTimeStamping  = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 8}
	oidExtOCSPNoCheck  = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1, 5}
	errIncompleteCA    = errors.New("incomplete CA")
	asn1NullDER        = []byte{0x05, 0x00}
	timeStampingEKUDER = mustMarshal([]asn1.ObjectIdentifier{oidKPTimeStamping})
)

func mustMarshal(v any) []byte {
	b, err := asn1.Marshal(v)
	if err != nil {
		panic(err) // constant input
	}
	return b
}

// ServiceOptions describe a certificate for one of the node's own
// services: a time-stamping authority or a delegated OCSP responder.
type ServiceOptions struct {
	// SubjectRef is the subject CN, with the rules of
	// [IssueOptions.SubjectRef].
	SubjectRef string
	NotBefore  time.Time
	NotAfter   time.Time
	// Serial is the serial number; nil means a random positive 128-bit number.
	Serial *big.Int
	// OCSPServer and CRLDistributionPoints, when set, go into the
	// certificate's AIA and CRL distribution point extensions.
	OCSPServer            []string
	CRLDistributionPoints []string
}

// IssueTimeStamping signs a time-stamping authority certificate for pub (an
// SM2 or P-256 key): its only extended key usage is id-kp-timeStamping,
// marked critical as RFC 3161 (section 2.3) requires. A nil rand means
// crypto/rand.
func (ca *CA) IssueTimeStamping(pub crypto.PublicKey, opts ServiceOptions, rand io.Reader) ([]byte, error) {
	tmpl, err := ca.serviceTemplate(pub, opts, orCryptoRand(rand))
	if err != nil {
		return nil, fmt.Errorf("issue time-stamping: %w", err)
	}
	tmpl.KeyUsage = x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment
	// crypto/x509 writes ExtKeyUsage non-critical; an extra extension with
	// the same OID replaces it.
	tmpl.ExtraExtensions = append(tmpl.ExtraExtensions, pkix.Extension{Id: oidExtExtKeyUsage, Critical: true, Value: timeStampingEKUDER})
	der, err := smx509.CreateCertificate(orCryptoRand(rand), tmpl, ca.Cert, pub, ca.Key.Signer())
	if err != nil {
		return nil, fmt.Errorf("issue time-stamping: create certificate: %w", err)
	}
	return der, nil
}

// IssueOCSPSigning signs a delegated OCSP responder certificate for pub
// (RFC 6960, section 4.2.2.2): extended key usage id-kp-OCSPSigning and the
// id-pkix-ocsp-nocheck extension, so that clients do not ask about the
// responder's own status. Keep its validity short. A nil rand means
// crypto/rand.
func (ca *CA) IssueOCSPSigning(pub crypto.PublicKey, opts ServiceOptions, rand io.Reader) ([]byte, error) {
	tmpl, err := ca.serviceTemplate(pub, opts, orCryptoRand(rand))
	if err != nil {
		return nil, fmt.Errorf("issue OCSP signing: %w", err)
	}
	tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageOCSPSigning}
	tmpl.ExtraExtensions = append(tmpl.ExtraExtensions, pkix.Extension{Id: oidExtOCSPNoCheck, Value: asn1NullDER})
	der, err := smx509.CreateCertificate(orCryptoRand(rand), tmpl, ca.Cert, pub, ca.Key.Signer())
	if err != nil {
		return nil, fmt.Errorf("issue OCSP signing: create certificate: %w", err)
	}
	return der, nil
}

func (ca *CA) serviceTemplate(pub crypto.PublicKey, opts ServiceOptions, rand io.Reader) (*x509.Certificate, error) {
	if ca == nil || ca.Cert == nil || ca.Key.Signer() == nil {
		return nil, errIncompleteCA
	}
	if _, err := PublicKeyAlgorithm(pub); err != nil {
		return nil, err
	}
	if err := checkSubjectRef(opts.SubjectRef); err != nil {
		return nil, err
	}
	tmpl, err := ca.leafTemplate(opts.SubjectRef, opts.NotBefore, opts.NotAfter, opts.Serial, rand)
	if err != nil {
		return nil, err
	}
	tmpl.OCSPServer, tmpl.CRLDistributionPoints = ca.revocationURLs(opts.OCSPServer, opts.CRLDistributionPoints)
	return tmpl, nil
}

// HasCriticalTimeStamping reports whether cert's extended key usage is
// exactly id-kp-timeStamping and marked critical (RFC 3161, section 2.3).
func HasCriticalTimeStamping(cert *smx509.Certificate) bool {
	if cert == nil {
		return false
	}
	for _, e := range cert.Extensions {
		if e.Id.Equal(oidExtExtKeyUsage) {
			var oids []asn1.ObjectIdentifier
			rest, err := asn1.Unmarshal(e.Value, &oids)
			return err == nil && len(rest) == 0 && e.Critical && len(oids) == 1 && oids[0].Equal(oidKPTimeStamping)
		}
	}
	return false
}
