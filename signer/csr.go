package signer

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"

	"github.com/emmansun/gmsm/smx509"
)

// maxCSRLen bounds the DER accepted by [CA.IssueFromCSR] before any parsing.
// An SM2 or P-256 request is about 300 bytes; the bound only leaves room for
// requests made by other tools that add attributes we then ignore.
const maxCSRLen = 16 << 10

// CreateCSR returns a DER PKCS#10 certificate signing request for k, signed
// by k (SM2-with-SM3 and the default user id for SM2 keys, ECDSA with
// SHA-256 for P-256 keys). Its subject is only CN=subjectRef, which must
// satisfy the same rule as [IssueOptions.SubjectRef]: a CSR travels to the
// CA, and a client should not be able to put a name in it by mistake even
// though the CA ignores it. A nil rand means crypto/rand.
func CreateCSR(k *PrivateKey, subjectRef string, rand io.Reader) ([]byte, error) {
	rand = orCryptoRand(rand)
	if k.Signer() == nil {
		return nil, errors.New("create CSR: nil or uninitialised key")
	}
	if err := checkSubjectRef(subjectRef); err != nil {
		return nil, fmt.Errorf("create CSR: %w", err)
	}
	tmpl := &x509.CertificateRequest{
		Subject:            pkix.Name{CommonName: subjectRef},
		SignatureAlgorithm: csrSignatureAlgorithm(k.alg),
	}
	der, err := smx509.CreateCertificateRequest(rand, tmpl, k.Signer())
	if err != nil {
		return nil, fmt.Errorf("create CSR: %w", err)
	}
	return der, nil
}

// IssueFromCSR issues a leaf certificate for the public key in csrDER, a DER
// PKCS#10 request, after checking the request's self-signature (proof that
// the requester holds the private key). It returns the certificate's DER.
//
// Everything in the request except the public key is ignored: the subject,
// requested extensions and attributes never reach the certificate, which is
// built from opts exactly as [CA.Issue] builds it, so a requester cannot
// smuggle personal data or extra usages in.
//
// opts.IdentityRef is required when opts.Usage is [UsageSigner]: a signer's
// certificate made from a remote request must be bound to an
// identity-verified record.
//
// The checks, cheapest first, and their errors:
//
//  1. the CA is complete and opts.IdentityRef is present for a signer.
//  2. csrDER parses as one request of at most 16 KiB: [ErrBadCSR].
//  3. its key is SM2 or P-256: [ErrBadCSR] and [ErrUnsupportedKey].
//  4. it is signed with the scheme that key uses in Sealchain (SM2-with-SM3
//     or ECDSA-with-SHA256): [ErrBadCSR].
//  5. the self-signature verifies: [ErrBadCSR].
//  6. the options are valid for [CA.Issue].
//
// A nil rand means crypto/rand.
func (ca *CA) IssueFromCSR(csrDER []byte, opts IssueOptions, rand io.Reader) ([]byte, error) {
	if ca == nil || ca.Cert == nil || ca.Key.Signer() == nil {
		return nil, errors.New("issue from CSR: incomplete CA")
	}
	if opts.Usage == UsageSigner && len(opts.IdentityRef) == 0 {
		return nil, errors.New("issue from CSR: IdentityRef is required for a signer certificate")
	}
	csr, err := parseCSR(csrDER)
	if err != nil {
		return nil, fmt.Errorf("issue from CSR: %w", err)
	}
	der, err := ca.Issue(csr.PublicKey, opts, rand)
	if err != nil {
		return nil, fmt.Errorf("issue from CSR: %w", err)
	}
	return der, nil
}

// parseCSR parses der and checks its key and self-signature; see
// [CA.IssueFromCSR] for the steps.
func parseCSR(der []byte) (*smx509.CertificateRequest, error) {
	if len(der) == 0 {
		return nil, fmt.Errorf("%w: empty", ErrBadCSR)
	}
	if len(der) > maxCSRLen {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrBadCSR, len(der), maxCSRLen)
	}
	csr, err := smx509.ParseCertificateRequest(der)
	if err != nil {
		return nil, fmt.Errorf("%w: parse: %w", ErrBadCSR, err)
	}
	alg, err := PublicKeyAlgorithm(csr.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadCSR, err)
	}
	// Pin the scheme to the key so that a request's proof of possession is
	// made the way the key will sign on chain; CheckSignature alone would
	// also accept, say, ECDSA-with-SHA1 over an SM2 key.
	if want := csrSignatureAlgorithm(alg); csr.SignatureAlgorithm != want {
		return nil, fmt.Errorf("%w: %s key signed with %s, want %s", ErrBadCSR, alg, sigAlgName(csr.SignatureAlgorithm), sigAlgName(want))
	}
	if err := csr.CheckSignature(); err != nil {
		return nil, fmt.Errorf("%w: self-signature: %w", ErrBadCSR, err)
	}
	return csr, nil
}

// csrSignatureAlgorithm is the only signature algorithm accepted on a
// request for a key of alg.
func csrSignatureAlgorithm(alg Algorithm) smx509.SignatureAlgorithm {
	if alg == AlgSM2 {
		return smx509.SM2WithSM3
	}
	return smx509.ECDSAWithSHA256
}

// sigAlgName names a signature algorithm for errors. smx509's SM2WithSM3 is
// outside crypto/x509's table, whose String would print a bare number.
func sigAlgName(a smx509.SignatureAlgorithm) string {
	if a == smx509.SM2WithSM3 {
		return "SM2-SM3"
	}
	return a.String()
}
