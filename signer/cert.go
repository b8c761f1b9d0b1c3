package signer

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"os"
	"slices"
	"strconv"
	"time"

	"github.com/emmansun/gmsm/smx509"
)

const pemTypeCertificate = "CERTIFICATE"

// Sealchain's own object identifiers, listed with the standard ones in
// docs/encoding.md ("Object identifiers").
//
// They sit under oidArcPEN61245, a private enterprise arc that has not been
// confirmed as registered to Sealchain (issue #12, item 18). The arc that
// needs no registration, oidArcUUID (ITU-T X.667), cannot replace it in
// certificates: its second arc is a 128-bit integer, and Go's crypto/x509
// and smx509 (like pyca/cryptography since 38, Botan and RustCrypto) reject
// any certificate whose extensions carry an arc of 2^31 or more; RFC 5280
// only asks for 2^28. Every certificate carrying it would be unreadable by
// our own verifier and by most independent ones; TestUUIDArcUnparseable
// shows it. So writers use oidArcWrite, and readers accept every arc in
// oidArcsRead: a move to an arc we can show is ours (a registered private
// enterprise number) sets oidArcWrite and appends to oidArcsRead, and
// certificates already issued keep reading identically
// (TestLegacyOIDCertificateReadsIdentically).
var (
	// oidArcPEN61245 is 1.3.6.1.4.1.61245, the arc used since the first
	// release. Never drop it from oidArcsRead: certificates on chain use it.
	oidArcPEN61245 = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 61245}
	// oidArcWrite is the arc of the OIDs new certificates carry.
	oidArcWrite = oidArcPEN61245
	// oidArcsRead are the arcs whose OIDs readers accept, newest first.
	oidArcsRead = []asn1.ObjectIdentifier{oidArcPEN61245}
)

// sealchainUUID is a random (version 4) UUID generated once, with
// "uuidgen -r" on 2026-12-06, to name Sealchain under ITU-T X.667.
const sealchainUUID = "06b9cf1f-a169-4971-a5b2-cfa50286779f"

// oidArcUUID is 2.25 followed by sealchainUUID's 128 bits read as one
// unsigned big-endian integer (X.667, clause 6.3); TestOIDArcUUIDDerivation
// recomputes it. It is recorded, not used: see above.
const oidArcUUID = "2.25.8940143858353802808144462474511808415"

// Sub-arcs under a Sealchain arc. Part of the encoding: never renumber.
const (
	subArcUsage       = 1 // .1.N: extended key usage for Usage N
	subArcIdentityRef = 2 // .2.1: the IdentityRef extension
)

// usageArc returns arc.1, under which arc.1.N is the ExtKeyUsage of Usage N.
func usageArc(arc asn1.ObjectIdentifier) asn1.ObjectIdentifier {
	return append(slices.Clone(arc), subArcUsage)
}

// identityRefOID returns arc.2.1, the non-critical extension holding
// IdentityRef as an OCTET STRING.
func identityRefOID(arc asn1.ObjectIdentifier) asn1.ObjectIdentifier {
	return append(slices.Clone(arc), subArcIdentityRef, 1)
}

// identityRefLen is the size of an identity commitment (an SM3 digest).
const identityRefLen = 32

// maxSubjectRefLen bounds SubjectRef. It is above X.520's ub-common-name
// (64) because the suggested form, "sc:" + 64 hex digits, is 67 characters.
const maxSubjectRefLen = 128

// Usage is what a certificate may be used for within Sealchain. It is carried
// as an ExtKeyUsage OID ARC.1.N where N is the Usage value and ARC a
// Sealchain arc (today 1.3.6.1.4.1.61245).
// Values are part of the encoding: never renumber.
type Usage uint8

const (
	// UsageSigner: signs contracts and intent.
	UsageSigner Usage = 1
	// UsageSubmitter: an organisation's API client; signs tx envelopes.
	UsageSubmitter Usage = 2
	// UsageIntentVerifier: an OTP or face-recognition provider attesting
	// that a signer confirmed their intent.
	UsageIntentVerifier Usage = 3
	// UsageValidatorOps is reserved.
	UsageValidatorOps Usage = 4
)

// String returns "signer", "submitter", "intent-verifier", "validator-ops"
// or "unknown(N)".
func (u Usage) String() string {
	switch u {
	case UsageSigner:
		return "signer"
	case UsageSubmitter:
		return "submitter"
	case UsageIntentVerifier:
		return "intent-verifier"
	case UsageValidatorOps:
		return "validator-ops"
	default:
		return "unknown(" + strconv.Itoa(int(u)) + ")"
	}
}

// ParseUsage is the inverse of [Usage.String] for known usages.
func ParseUsage(s string) (Usage, error) {
	for u := UsageSigner; u <= UsageValidatorOps; u++ {
		if u.String() == s {
			return u, nil
		}
	}
	return 0, fmt.Errorf("signer: unknown usage %q", s)
}

func (u Usage) valid() bool { return u >= UsageSigner && u <= UsageValidatorOps }

// oid is the ExtKeyUsage OID new certificates carry for u.
func (u Usage) oid() asn1.ObjectIdentifier { return append(usageArc(oidArcWrite), int(u)) }

// validRole reports whether role is one an organisation's CA may have; it
// goes into the CA subject's OU.
func validRole(role string) bool {
	switch role {
	case "court", "notary", "arbitration", "platform", "appraisal":
		return true
	}
	return false
}

// CA is an organisation's certificate authority: an SM2 or ECDSA key with a
// self-signed root certificate of path length 0, so it issues leaves only.
type CA struct {
	Cert *smx509.Certificate
	Key  *PrivateKey
	// OCSPServer and CRLDistributionPoints are what leaves get in their
	// AIA and CRL distribution point extensions when the issue options
	// name none (the node sets them from [pki] base_url). Unset, leaves
	// are as before they existed.
	OCSPServer            []string
	CRLDistributionPoints []string
}

// revocationURLs returns the options' URLs, or the CA's defaults.
func (ca *CA) revocationURLs(ocsp, crl []string) ([]string, []string) {
	if ocsp == nil {
		ocsp = ca.OCSPServer
	}
	if crl == nil {
		crl = ca.CRLDistributionPoints
	}
	return ocsp, crl
}

// CAOptions describe a new CA. The subject is O=OrgName, OU=Role,
// CN=OrgID+" CA".
type CAOptions struct {
	OrgID     string
	OrgName   string
	Role      string // court, notary, arbitration, appraisal or platform
	NotBefore time.Time
	NotAfter  time.Time
}

// NewCA creates a self-signed root for key. A nil rand means crypto/rand.
func NewCA(key *PrivateKey, opts CAOptions, rand io.Reader) (*CA, error) {
	rand = orCryptoRand(rand)
	if key.Signer() == nil {
		return nil, errors.New("new CA: nil or uninitialised key")
	}
	switch {
	case opts.OrgID == "":
		return nil, errors.New("new CA: empty OrgID")
	case opts.OrgName == "":
		return nil, errors.New("new CA: empty OrgName")
	case !validRole(opts.Role):
		return nil, fmt.Errorf("new CA: role %q is not court, notary, arbitration or platform", opts.Role)
	}
	if err := checkPeriod(opts.NotBefore, opts.NotAfter); err != nil {
		return nil, fmt.Errorf("new CA: %w", err)
	}
	serial, err := randomSerial(rand)
	if err != nil {
		return nil, fmt.Errorf("new CA: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject: pkix.Name{
			Organization:       []string{opts.OrgName},
			OrganizationalUnit: []string{opts.Role},
			CommonName:         opts.OrgID + " CA",
		},
		NotBefore:             opts.NotBefore,
		NotAfter:              opts.NotAfter,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLen:            0,
		MaxPathLenZero:        true,
	}
	der, err := smx509.CreateCertificate(rand, tmpl, tmpl, key.Public(), key.Signer())
	if err != nil {
		return nil, fmt.Errorf("new CA: create certificate: %w", err)
	}
	cert, err := smx509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("new CA: parse own certificate: %w", err)
	}
	return &CA{Cert: cert, Key: key}, nil
}

// LoadCA reads a CA certificate (PEM or DER) and its private key (see
// [LoadPrivateKey] for the permission check) and checks that they match.
func LoadCA(certPEMPath, keyPath string) (*CA, error) {
	b, err := os.ReadFile(certPEMPath)
	if err != nil {
		return nil, fmt.Errorf("load CA: %w", err)
	}
	cert, err := ParseCertificatePEM(b)
	if err != nil {
		return nil, fmt.Errorf("load CA %s: %w", certPEMPath, err)
	}
	if !cert.BasicConstraintsValid || !cert.IsCA {
		return nil, fmt.Errorf("load CA %s: certificate is not a CA", certPEMPath)
	}
	key, err := LoadPrivateKey(keyPath)
	if err != nil {
		return nil, fmt.Errorf("load CA: %w", err)
	}
	certPub, ok := cert.PublicKey.(*ecdsa.PublicKey)
	if !ok || !certPub.Equal(key.Public()) {
		return nil, fmt.Errorf("load CA: key %s does not match certificate %s", keyPath, certPEMPath)
	}
	return &CA{Cert: cert, Key: key}, nil
}

// EncodeCertificatePEM wraps der in a "CERTIFICATE" PEM block.
func EncodeCertificatePEM(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: pemTypeCertificate, Bytes: der})
}

// ParseCertificatePEM parses the first PEM block of b as a certificate. If b
// holds no PEM block it is parsed as raw DER.
func ParseCertificatePEM(b []byte) (*smx509.Certificate, error) {
	block, _ := pem.Decode(b)
	if block == nil {
		return ParseCertificate(b)
	}
	if block.Type != pemTypeCertificate {
		return nil, fmt.Errorf("signer: parse certificate: PEM type %q, want %q", block.Type, pemTypeCertificate)
	}
	return ParseCertificate(block.Bytes)
}

// ParseCertificate parses a DER certificate, accepting SM2 signatures.
func ParseCertificate(der []byte) (*smx509.Certificate, error) {
	cert, err := smx509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("signer: parse certificate: %w", err)
	}
	return cert, nil
}

// IssueOptions describe a leaf certificate. Certificates Sealchain issues
// carry no personal data: names, ID numbers and phone numbers never go on
// chain. The subject is CN=SubjectRef, O=the CA's organisation name.
type IssueOptions struct {
	// SubjectRef is a pseudonymous id such as "sc:" + hex of a salted SM3
	// commitment. It is limited to 128 characters from [A-Za-z0-9:._-] so
	// that names cannot slip in by accident.
	SubjectRef string
	// IdentityRef, if set, is a 32-byte salted SM3 commitment of the
	// verified identity, carried in a private non-critical extension so a
	// verifier can link the certificate to an on-chain identity record.
	IdentityRef []byte
	Usage       Usage
	NotBefore   time.Time
	NotAfter    time.Time
	// Serial is the certificate serial number; nil means a random positive
	// 128-bit number.
	Serial *big.Int
	// OCSPServer and CRLDistributionPoints, when set, go into the AIA
	// (id-ad-ocsp) and CRL distribution point extensions; unset, the
	// certificate is exactly as before they existed.
	OCSPServer            []string
	CRLDistributionPoints []string
	// ContentCommitment adds nonRepudiation (contentCommitment) to the key
	// usage, next to digitalSignature: the key signs documents as the
	// holder's commitment to their content (ETSI EN 319 412-2, 4.3.2), which
	// is what pyHanko's default signer key-usage policy requires of a PAdES
	// signer. Unset, the key usage is digitalSignature alone, so
	// certificates issued before the option existed (fixtures, conformance
	// vectors) keep their bytes.
	ContentCommitment bool
}

// leafTemplate checks what every leaf this CA issues must satisfy (validity
// inside the CA's, a single organisation name to copy, a positive serial)
// and returns the common template; callers add the usages.
func (ca *CA) leafTemplate(subjectRef string, notBefore, notAfter time.Time, serial *big.Int, rand io.Reader) (*x509.Certificate, error) {
	if err := checkPeriod(notBefore, notAfter); err != nil {
		return nil, err
	}
	if notBefore.Before(ca.Cert.NotBefore) || notAfter.After(ca.Cert.NotAfter) {
		return nil, fmt.Errorf("validity %s..%s outside the CA's %s..%s",
			notBefore.UTC().Format(time.RFC3339), notAfter.UTC().Format(time.RFC3339),
			ca.Cert.NotBefore.UTC().Format(time.RFC3339), ca.Cert.NotAfter.UTC().Format(time.RFC3339))
	}
	if len(ca.Cert.Subject.Organization) != 1 || ca.Cert.Subject.Organization[0] == "" {
		return nil, errors.New("CA subject has no single organisation name")
	}
	if serial == nil {
		var err error
		if serial, err = randomSerial(rand); err != nil {
			return nil, err
		}
	} else if serial.Sign() <= 0 {
		return nil, errors.New("serial must be positive")
	}
	return &x509.Certificate{
		SerialNumber: serial,
		Subject: pkix.Name{
			Organization: []string{ca.Cert.Subject.Organization[0]},
			CommonName:   subjectRef,
		},
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		KeyUsage:              x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
	}, nil
}

// Issue signs a leaf certificate for pub (an SM2 or P-256 key) and returns
// its DER encoding. The leaf's validity must lie within the CA's. A nil rand
// means crypto/rand.
func (ca *CA) Issue(pub crypto.PublicKey, opts IssueOptions, rand io.Reader) (der []byte, err error) {
	rand = orCryptoRand(rand)
	if ca == nil || ca.Cert == nil || ca.Key.Signer() == nil {
		return nil, errors.New("issue: incomplete CA")
	}
	if _, err := PublicKeyAlgorithm(pub); err != nil {
		return nil, fmt.Errorf("issue: %w", err)
	}
	if err := checkSubjectRef(opts.SubjectRef); err != nil {
		return nil, fmt.Errorf("issue: %w", err)
	}
	if !opts.Usage.valid() {
		return nil, fmt.Errorf("issue: invalid usage %s", opts.Usage)
	}
	tmpl, err := ca.leafTemplate(opts.SubjectRef, opts.NotBefore, opts.NotAfter, opts.Serial, rand)
	if err != nil {
		return nil, fmt.Errorf("issue: %w", err)
	}
	tmpl.UnknownExtKeyUsage = []asn1.ObjectIdentifier{opts.Usage.oid()}
	if opts.ContentCommitment {
		tmpl.KeyUsage |= x509.KeyUsageContentCommitment
	}
	tmpl.OCSPServer, tmpl.CRLDistributionPoints = ca.revocationURLs(opts.OCSPServer, opts.CRLDistributionPoints)
	if opts.IdentityRef != nil {
		if len(opts.IdentityRef) != identityRefLen {
			return nil, fmt.Errorf("issue: IdentityRef is %d bytes, want %d", len(opts.IdentityRef), identityRefLen)
		}
		val, err := asn1.Marshal(opts.IdentityRef)
		if err != nil {
			return nil, fmt.Errorf("issue: encode IdentityRef: %w", err)
		}
		tmpl.ExtraExtensions = []pkix.Extension{{Id: identityRefOID(oidArcWrite), Value: val}}
	}
	der, err = smx509.CreateCertificate(rand, tmpl, ca.Cert, pub, ca.Key.Signer())
	if err != nil {
		return nil, fmt.Errorf("issue: create certificate: %w", err)
	}
	return der, nil
}

// IdentityRefOf returns the IdentityRef carried by cert, under any arc in
// oidArcsRead, or nil if it has none or the extension is malformed. A
// certificate carrying it under two arcs (none we issue) must carry the same
// value, or it has none.
func IdentityRefOf(cert *smx509.Certificate) []byte {
	if cert == nil {
		return nil
	}
	var out []byte
	for _, ext := range cert.Extensions {
		if !slices.ContainsFunc(oidArcsRead, func(arc asn1.ObjectIdentifier) bool { return ext.Id.Equal(identityRefOID(arc)) }) {
			continue
		}
		var ref []byte
		rest, err := asn1.Unmarshal(ext.Value, &ref)
		if err != nil || len(rest) != 0 || len(ref) != identityRefLen {
			return nil
		}
		if out != nil && !bytes.Equal(out, ref) {
			return nil
		}
		out = ref
	}
	return out
}

// UsagesOf returns the Sealchain usages cert carries, under any arc in
// oidArcsRead, in certificate order and without repeats. Other extended key
// usages and unknown Sealchain usage numbers are ignored.
func UsagesOf(cert *smx509.Certificate) []Usage {
	if cert == nil {
		return nil
	}
	var out []Usage
	for _, oid := range cert.UnknownExtKeyUsage {
		u, ok := usageOf(oid)
		if !ok || slices.Contains(out, u) {
			continue
		}
		out = append(out, u)
	}
	return out
}

// usageOf maps ARC.1.N, for ARC in oidArcsRead and N a known Usage, to N.
func usageOf(oid asn1.ObjectIdentifier) (Usage, bool) {
	for _, arc := range oidArcsRead {
		prefix := usageArc(arc)
		if len(oid) != len(prefix)+1 || !slices.Equal(oid[:len(prefix)], prefix) {
			continue
		}
		n := oid[len(prefix)]
		if n < 0 || n > 255 || !Usage(n).valid() {
			return 0, false
		}
		return Usage(n), true
	}
	return 0, false
}

// VerifyIssued checks leaf against a set of trusted roots at time at. The
// steps, cheapest first, and the errors they return:
//
//  1. leaf is valid at at (NotBefore <= at <= NotAfter): [*ValidityError]
//     wrapping [ErrNotValidAt].
//  2. leaf is not a CA and carries usage: [ErrWrongUsage].
//  3. leaf has an SM2 or P-256 key: [ErrUnsupportedKey].
//  4. a root whose subject equals leaf's issuer name signed leaf:
//     [ErrUnknownIssuer].
//  5. that root is valid at at: [*ValidityError].
//
// It returns the issuing root. The machine clock is never consulted.
func VerifyIssued(leaf *smx509.Certificate, roots []*smx509.Certificate, at time.Time, usage Usage) (*smx509.Certificate, error) {
	if leaf == nil {
		return nil, errors.New("verify issued: nil certificate")
	}
	if err := checkValidAt(leaf, at); err != nil {
		return nil, fmt.Errorf("verify issued: leaf: %w", err)
	}
	if leaf.IsCA {
		return nil, fmt.Errorf("verify issued: %w: certificate %q is a CA", ErrWrongUsage, leaf.Subject.String())
	}
	if !slices.Contains(UsagesOf(leaf), usage) {
		return nil, fmt.Errorf("verify issued: %w: certificate %q lacks usage %s", ErrWrongUsage, leaf.Subject.String(), usage)
	}
	if _, err := PublicKeyAlgorithm(leaf.PublicKey); err != nil {
		return nil, fmt.Errorf("verify issued: leaf key: %w", err)
	}
	var root *smx509.Certificate
	for _, r := range roots {
		if r == nil || !bytes.Equal(leaf.RawIssuer, r.RawSubject) {
			continue
		}
		// Several roots may share a name (a re-keyed CA); try each.
		if leaf.CheckSignatureFrom(r) == nil {
			root = r
			break
		}
	}
	if root == nil {
		return nil, fmt.Errorf("verify issued: %w: issuer %q", ErrUnknownIssuer, leaf.Issuer.String())
	}
	if err := checkValidAt(root, at); err != nil {
		return nil, fmt.Errorf("verify issued: root: %w", err)
	}
	return root, nil
}

// ValidAt reports whether cert was within its validity period at at,
// NotBefore and NotAfter included (RFC 5280, section 4.1.2.5). It answers
// "was the certificate valid when it signed?" for a time the caller takes
// from the evidence, never from the machine clock. Outside the period it
// returns a [*ValidityError], which wraps [ErrNotValidAt].
//
// ValidAt checks only the dates; [VerifyIssued] checks the issuer and usage
// as well.
func ValidAt(cert *smx509.Certificate, at time.Time) error {
	if cert == nil {
		return errors.New("signer: valid at: nil certificate")
	}
	return checkValidAt(cert, at)
}

func checkValidAt(c *smx509.Certificate, at time.Time) error {
	if at.Before(c.NotBefore) || at.After(c.NotAfter) {
		return &ValidityError{Subject: c.Subject.String(), NotBefore: c.NotBefore, NotAfter: c.NotAfter, At: at}
	}
	return nil
}

func checkPeriod(notBefore, notAfter time.Time) error {
	if notBefore.IsZero() || notAfter.IsZero() {
		return errors.New("NotBefore and NotAfter are required")
	}
	if !notBefore.Before(notAfter) {
		return errors.New("NotBefore must be before NotAfter")
	}
	return nil
}

func checkSubjectRef(s string) error {
	if s == "" || len(s) > maxSubjectRefLen {
		return fmt.Errorf("SubjectRef must be 1 to %d characters", maxSubjectRefLen)
	}
	for _, c := range []byte(s) {
		ok := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			c == ':' || c == '.' || c == '_' || c == '-'
		if !ok {
			return errors.New("SubjectRef may only contain [A-Za-z0-9:._-]")
		}
	}
	return nil
}

// randomSerial returns a uniformly random positive 128-bit serial number.
func randomSerial(rand io.Reader) (*big.Int, error) {
	b := make([]byte, 16)
	for {
		if _, err := io.ReadFull(rand, b); err != nil {
			return nil, fmt.Errorf("random serial: %w", err)
		}
		if n := new(big.Int).SetBytes(b); n.Sign() > 0 {
			return n, nil
		}
	}
}
