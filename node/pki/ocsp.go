package pki

import (
	"bytes"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"hash"
	"io"
	"math/big"
	"time"

	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/smx509"

	"github.com/sealchain/sealchain/signer"
)

// Bounds on OCSP requests.
const (
	MaxOCSPRequestBytes = 4096
	MaxOCSPCerts        = 16 // certificates asked about in one request
	maxNonceBytes       = 64
)

var (
	oidSHA1            = asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}
	oidSHA256          = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidSM3             = asn1.ObjectIdentifier{1, 2, 156, 10197, 1, 401}
	oidOCSPBasic       = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1, 1}
	oidOCSPNonce       = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1, 2}
	oidECDSAWithSHA256 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
	oidSM2WithSM3      = asn1.ObjectIdentifier{1, 2, 156, 10197, 1, 501}
)

// OCSP response statuses (RFC 6960, 4.2.1).
const (
	ocspSuccessful       = 0
	ocspMalformedRequest = 1
	ocspInternalError    = 2
	ocspUnauthorized     = 6
)

// ErrBadOCSPRequest is wrapped by every ParseOCSPRequest error.
var ErrBadOCSPRequest = errors.New("pki: malformed OCSP request")

type certID struct {
	HashAlgorithm pkix.AlgorithmIdentifier
	NameHash      []byte
	KeyHash       []byte
	Serial        *big.Int
}

type singleRequest struct {
	Cert       certID
	Extensions []pkix.Extension `asn1:"optional,explicit,tag:0"`
}

type tbsRequest struct {
	Version       int           `asn1:"optional,explicit,tag:0,default:0"`
	RequestorName asn1.RawValue `asn1:"optional,explicit,tag:1"`
	RequestList   []singleRequest
	Extensions    []pkix.Extension `asn1:"optional,explicit,tag:2"`
}

type ocspRequest struct {
	TBS       tbsRequest
	Signature asn1.RawValue `asn1:"optional,explicit,tag:0"`
}

// OCSPRequest is a parsed OCSP request: the certificates asked about and
// the nonce, if any (echoed in the response).
type OCSPRequest struct {
	Certs []CertID
	Nonce []byte // the nonce extension's value, as sent
}

// CertID names one certificate: its issuer by hashes and its serial.
type CertID struct {
	HashAlg  asn1.ObjectIdentifier
	raw      []byte // the CertID as sent, echoed in the response
	NameHash []byte
	KeyHash  []byte
	Serial   *big.Int
}

// ParseOCSPRequest parses a DER OCSPRequest of at most
// MaxOCSPRequestBytes asking about 1..MaxOCSPCerts certificates. Request
// signatures are ignored (the responder answers anyone).
func ParseOCSPRequest(der []byte) (*OCSPRequest, error) {
	if len(der) > MaxOCSPRequestBytes {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrBadOCSPRequest, len(der), MaxOCSPRequestBytes)
	}
	var r ocspRequest
	rest, err := asn1.Unmarshal(der, &r)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadOCSPRequest, err)
	}
	if len(rest) != 0 {
		return nil, fmt.Errorf("%w: trailing bytes", ErrBadOCSPRequest)
	}
	if r.TBS.Version != 0 {
		return nil, fmt.Errorf("%w: version %d", ErrBadOCSPRequest, r.TBS.Version)
	}
	if n := len(r.TBS.RequestList); n == 0 || n > MaxOCSPCerts {
		return nil, fmt.Errorf("%w: %d certificates, want 1..%d", ErrBadOCSPRequest, n, MaxOCSPCerts)
	}
	out := &OCSPRequest{}
	for _, e := range r.TBS.Extensions {
		if e.Id.Equal(oidOCSPNonce) {
			if len(e.Value) > maxNonceBytes {
				return nil, fmt.Errorf("%w: nonce longer than %d bytes", ErrBadOCSPRequest, maxNonceBytes)
			}
			out.Nonce = e.Value
		}
	}
	for _, sr := range r.TBS.RequestList {
		c := sr.Cert
		if c.Serial == nil || c.Serial.Sign() < 0 || c.Serial.BitLen() > 20*8 {
			return nil, fmt.Errorf("%w: bad serial number", ErrBadOCSPRequest)
		}
		raw, err := asn1.Marshal(c)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrBadOCSPRequest, err)
		}
		out.Certs = append(out.Certs, CertID{HashAlg: c.HashAlgorithm.Algorithm, raw: raw, NameHash: c.NameHash, KeyHash: c.KeyHash, Serial: c.Serial})
	}
	return out, nil
}

func newHashFor(oid asn1.ObjectIdentifier) func() hash.Hash {
	switch {
	case oid.Equal(oidSHA1):
		return sha1.New
	case oid.Equal(oidSHA256):
		return sha256.New
	case oid.Equal(oidSM3):
		return sm3.New
	}
	return nil
}

// issuedBy reports whether id names ca as the issuer.
func (id CertID) issuedBy(ca *smx509.Certificate) bool {
	nh := newHashFor(id.HashAlg)
	if nh == nil {
		return false
	}
	var spki struct {
		Alg pkix.AlgorithmIdentifier
		Key asn1.BitString
	}
	if _, err := asn1.Unmarshal(ca.RawSubjectPublicKeyInfo, &spki); err != nil {
		return false
	}
	h := nh()
	h.Write(ca.RawSubject)
	k := nh()
	k.Write(spki.Key.Bytes)
	return bytes.Equal(h.Sum(nil), id.NameHash) && bytes.Equal(k.Sum(nil), id.KeyHash)
}

// Status of one certificate.
type Status struct {
	ID        CertID
	Known     bool
	RevokedAt time.Time // zero: good
	Reason    int       // CRLReason; -1: not stated
}

// ocspError is an OCSPResponse without responseBytes.
func ocspError(status int) []byte {
	return tlv(0x30, tlv(0x0a, []byte{byte(status)}))
}

// generalizedTime is the seconds-precision GeneralizedTime RFC 5280
// requires (fractions truncated: a revocation is never stated later than
// it happened).
func generalizedTime(t time.Time) []byte {
	return tlv(asn1.TagGeneralizedTime, []byte(t.UTC().Format("20060102150405Z")))
}

// buildOCSPResponse makes a successful OCSPResponse with one
// SingleResponse per status, signed by key whose certificate is
// responder (sent along, with the CA's responders named by key hash).
func buildOCSPResponse(statuses []Status, nonce []byte, thisUpdate, producedAt time.Time, key *signer.PrivateKey, responder *smx509.Certificate, rand io.Reader) ([]byte, error) {
	var spki struct {
		Alg pkix.AlgorithmIdentifier
		Key asn1.BitString
	}
	if _, err := asn1.Unmarshal(responder.RawSubjectPublicKeyInfo, &spki); err != nil {
		return nil, fmt.Errorf("responder key: %w", err)
	}
	kh := sha1.Sum(spki.Key.Bytes) // RFC 6960 KeyHash is SHA-1
	var singles []byte
	for _, s := range statuses {
		var st []byte
		switch {
		case !s.Known:
			st = []byte{0x82, 0x00}
		case s.RevokedAt.IsZero():
			st = []byte{0x80, 0x00}
		default:
			info := generalizedTime(s.RevokedAt)
			if s.Reason >= 0 {
				info = append(info, tlv(0xa0, tlv(0x0a, []byte{byte(s.Reason)}))...)
			}
			st = tlv(0xa1, info)
		}
		singles = append(singles, tlv(0x30, bytes.Join([][]byte{s.ID.raw, st, generalizedTime(thisUpdate)}, nil))...)
	}
	rd := bytes.Join([][]byte{tlv(0xa2, tlv(0x04, kh[:])), generalizedTime(producedAt), tlv(0x30, singles)}, nil)
	if nonce != nil {
		ext, err := asn1.Marshal([]pkix.Extension{{Id: oidOCSPNonce, Value: nonce}})
		if err != nil {
			return nil, err
		}
		rd = append(rd, tlv(0xa1, ext)...)
	}
	tbs := tlv(0x30, rd)
	sig, err := key.Sign(rand, tbs)
	if err != nil {
		return nil, fmt.Errorf("sign OCSP response: %w", err)
	}
	sigAlg := oidECDSAWithSHA256
	if key.Algorithm() == signer.AlgSM2 {
		sigAlg = oidSM2WithSM3
	}
	algDER, err := asn1.Marshal(pkix.AlgorithmIdentifier{Algorithm: sigAlg})
	if err != nil {
		return nil, err
	}
	sigDER, err := asn1.Marshal(asn1.BitString{Bytes: sig, BitLength: 8 * len(sig)})
	if err != nil {
		return nil, err
	}
	basic := tlv(0x30, bytes.Join([][]byte{tbs, algDER, sigDER, tlv(0xa0, tlv(0x30, responder.Raw))}, nil))
	rb := tlv(0x30, append(mustOID(oidOCSPBasic), tlv(0x04, basic)...))
	return tlv(0x30, append(tlv(0x0a, []byte{ocspSuccessful}), tlv(0xa0, rb)...)), nil
}

func mustOID(o asn1.ObjectIdentifier) []byte {
	b, err := asn1.Marshal(o)
	if err != nil {
		panic(err) // constant input
	}
	return b
}

// tlv encodes tag||length||content for a one-byte tag.
func tlv(tag byte, content []byte) []byte {
	var b bytes.Buffer
	b.WriteByte(tag)
	n := len(content)
	switch {
	case n < 0x80:
		b.WriteByte(byte(n))
	case n < 0x100:
		b.Write([]byte{0x81, byte(n)})
	case n < 0x10000:
		b.Write([]byte{0x82, byte(n >> 8), byte(n)})
	default:
		b.Write([]byte{0x83, byte(n >> 16), byte(n >> 8), byte(n)})
	}
	b.Write(content)
	return b.Bytes()
}
