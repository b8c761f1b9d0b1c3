package tsa

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"hash"
	"io"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/smx509"

	"github.com/sealchain/sealchain/signer"
)

// PKIStatus values (RFC 3161, section 2.4.2).
const (
	StatusGranted   = 0
	StatusRejection = 2
)

// FailInfo bits (PKIFailureInfo).
type FailInfo int

const (
	FailBadAlg              FailInfo = 0
	FailBadRequest          FailInfo = 2
	FailBadDataFormat       FailInfo = 5
	FailTimeNotAvailable    FailInfo = 14
	FailUnacceptedPolicy    FailInfo = 15
	FailUnacceptedExtension FailInfo = 16
	FailAddInfoNotAvailable FailInfo = 17
	FailSystemFailure       FailInfo = 25
)

// Authority is one signing identity of a TSA: a key with its certificate
// (id-kp-timeStamping, critical) and the chain above it, leaf first.
type Authority struct {
	Key   *signer.PrivateKey
	Certs []*smx509.Certificate
}

// Issue describes one token.
type Issue struct {
	Policy  asn1.ObjectIdentifier
	GenTime time.Time // the caller's time; never the clock
	Serial  *big.Int  // unique per TSA, positive, at most 160 bits
}

type profile struct {
	digest  asn1.ObjectIdentifier
	sig     asn1.ObjectIdentifier
	null    bool // write NULL algorithm parameters (GM convention)
	newHash func() hash.Hash
	alg     signer.Algorithm
}

var (
	profileECDSA = profile{digest: OIDSHA256, sig: oidECDSAWithSHA256, newHash: sha256.New, alg: signer.AlgECDSAP256}
	profileSM2   = profile{digest: OIDSM3, sig: oidSM2Sign, null: true, newHash: sm3.New, alg: signer.AlgSM2}
)

// ProfileAlgorithm returns the key algorithm that signs tokens for
// requests hashed with hashAlg: SHA-256 → ECDSA P-256, SM3 → SM2.
func ProfileAlgorithm(hashAlg asn1.ObjectIdentifier) (signer.Algorithm, error) {
	p, err := profileFor(hashAlg)
	return p.alg, err
}

func profileFor(hashAlg asn1.ObjectIdentifier) (profile, error) {
	switch {
	case hashAlg.Equal(OIDSHA256):
		return profileECDSA, nil
	case hashAlg.Equal(OIDSM3):
		return profileSM2, nil
	}
	return profile{}, fmt.Errorf("%w: %s", ErrBadAlg, hashAlg)
}

type tstInfo struct {
	Version        int
	Policy         asn1.ObjectIdentifier
	MessageImprint messageImprint
	SerialNumber   *big.Int
	GenTime        asn1.RawValue
	Nonce          *big.Int `asn1:"optional"`
}

type pkiStatusInfo struct {
	Status       int
	StatusString []asn1.RawValue `asn1:"optional"` // PKIFreeText: UTF8Strings
	FailInfo     asn1.BitString  `asn1:"optional"`
}

type timeStampResp struct {
	Status pkiStatusInfo
	Token  asn1.RawValue `asn1:"optional"`
}

type contentInfo struct {
	ContentType asn1.ObjectIdentifier
	Content     asn1.RawValue `asn1:"explicit,tag:0"`
}

type encapContentInfo struct {
	EContentType asn1.ObjectIdentifier
	EContent     asn1.RawValue `asn1:"optional,explicit,tag:0"`
}

type signedData struct {
	Version          int
	DigestAlgorithms []asn1.RawValue `asn1:"set"`
	EncapContentInfo encapContentInfo
	Certificates     asn1.RawValue   `asn1:"optional,tag:0"`
	CRLs             asn1.RawValue   `asn1:"optional,tag:1"`
	SignerInfos      []asn1.RawValue `asn1:"set"`
}

type issuerAndSerial struct {
	Issuer asn1.RawValue
	Serial *big.Int
}

type signerInfo struct {
	Version            int
	SID                issuerAndSerial
	DigestAlgorithm    pkix.AlgorithmIdentifier
	SignedAttrs        asn1.RawValue `asn1:"optional,tag:0"`
	SignatureAlgorithm pkix.AlgorithmIdentifier
	Signature          []byte
	UnsignedAttrs      asn1.RawValue `asn1:"optional,tag:1"`
}

type attribute struct {
	Type   asn1.ObjectIdentifier
	Values asn1.RawValue
}

type essCertIDv2 struct {
	HashAlgorithm pkix.AlgorithmIdentifier `asn1:"optional"`
	CertHash      []byte
	IssuerSerial  essIssuerSerial `asn1:"optional"`
}

type essIssuerSerial struct {
	Issuer asn1.RawValue // GeneralNames
	Serial *big.Int
}

type signingCertificateV2 struct {
	Certs []essCertIDv2
}

// Rejection returns a TimeStampResp with status rejection, fail bit f and
// a status string.
func Rejection(f FailInfo, text string) ([]byte, error) {
	st := pkiStatusInfo{Status: StatusRejection, FailInfo: bit(int(f))}
	if text != "" {
		st.StatusString = []asn1.RawValue{{FullBytes: tlv(asn1.TagUTF8String, []byte(text))}}
	}
	return asn1.Marshal(timeStampResp{Status: st})
}

// bit encodes a named-bit BIT STRING with only bit n set (DER: no
// trailing zero bits).
func bit(n int) asn1.BitString {
	b := make([]byte, n/8+1)
	b[n/8] = 0x80 >> (n % 8)
	return asn1.BitString{Bytes: b, BitLength: n + 1}
}

// Grant makes a granted TimeStampResp for req, signed by a (whose key
// algorithm must match the request's hash: see [ProfileAlgorithm]). The
// TSA certificate goes into the token only if req.CertReq. A nil rand
// means crypto/rand.
func Grant(req *Request, a *Authority, is Issue, rand io.Reader) ([]byte, error) {
	tok, err := Token(req, a, is, rand)
	if err != nil {
		return nil, err
	}
	return asn1.Marshal(timeStampResp{Status: pkiStatusInfo{Status: StatusGranted}, Token: asn1.RawValue{FullBytes: tok}})
}

// Token makes the TimeStampToken (a CMS ContentInfo) for req.
func Token(req *Request, a *Authority, is Issue, rand io.Reader) ([]byte, error) {
	p, err := profileFor(req.HashAlg)
	if err != nil {
		return nil, err
	}
	if a == nil || a.Key == nil || len(a.Certs) == 0 || a.Certs[0] == nil {
		return nil, errors.New("tsa: incomplete authority")
	}
	if a.Key.Algorithm() != p.alg {
		return nil, fmt.Errorf("tsa: a %s request needs a %s key, have %s", req.HashAlg, p.alg, a.Key.Algorithm())
	}
	switch {
	case len(is.Policy) == 0:
		return nil, errors.New("tsa: no policy")
	case is.GenTime.IsZero():
		return nil, errors.New("tsa: no time")
	case is.Serial == nil || is.Serial.Sign() <= 0 || is.Serial.BitLen() > 160:
		return nil, errors.New("tsa: serial must be positive and at most 160 bits")
	}
	leaf := a.Certs[0]
	info := tstInfo{
		Version: 1, Policy: is.Policy,
		MessageImprint: messageImprint{HashAlgorithm: pkix.AlgorithmIdentifier{Algorithm: req.HashAlg, Parameters: req.HashParams}, HashedMessage: req.Hash},
		SerialNumber:   is.Serial,
		GenTime:        asn1.RawValue{FullBytes: generalizedTime(is.GenTime)},
		Nonce:          req.Nonce,
	}
	content, err := asn1.Marshal(info)
	if err != nil {
		return nil, fmt.Errorf("tsa: encode TSTInfo: %w", err)
	}
	h := p.newHash()
	h.Write(content)
	digest := h.Sum(nil)
	ch := p.newHash()
	ch.Write(leaf.Raw)
	id := essCertIDv2{CertHash: ch.Sum(nil), IssuerSerial: essIssuerSerial{
		Issuer: asn1.RawValue{FullBytes: tlv(0x30, tlv(0xa4, leaf.RawIssuer))}, Serial: leaf.SerialNumber}}
	if !p.digest.Equal(OIDSHA256) { // SHA-256 is the DEFAULT, which DER omits
		id.HashAlgorithm = algID(p.digest, p.null)
	}
	var attrs [][]byte
	for _, at := range []struct {
		typ asn1.ObjectIdentifier
		v   any
	}{
		{oidAttrContentType, oidTSTInfo},
		{oidAttrMessageDigest, digest},
		{oidAttrSigningCertV2, signingCertificateV2{Certs: []essCertIDv2{id}}},
	} {
		v, err := asn1.Marshal(at.v)
		if err != nil {
			return nil, fmt.Errorf("tsa: encode attribute: %w", err)
		}
		b, err := asn1.Marshal(attribute{Type: at.typ, Values: asn1.RawValue{FullBytes: tlv(0x31, v)}})
		if err != nil {
			return nil, fmt.Errorf("tsa: encode attribute: %w", err)
		}
		attrs = append(attrs, b)
	}
	slices.SortFunc(attrs, bytes.Compare) // DER SET OF
	set := tlv(0x31, bytes.Join(attrs, nil))
	sig, err := a.Key.Sign(rand, set)
	if err != nil {
		return nil, fmt.Errorf("tsa: sign: %w", err)
	}
	si, err := asn1.Marshal(signerInfo{
		Version:            1,
		SID:                issuerAndSerial{Issuer: asn1.RawValue{FullBytes: leaf.RawIssuer}, Serial: leaf.SerialNumber},
		DigestAlgorithm:    algID(p.digest, p.null),
		SignedAttrs:        asn1.RawValue{FullBytes: append([]byte{0xa0}, set[1:]...)},
		SignatureAlgorithm: algID(p.sig, p.null),
		Signature:          sig,
	})
	if err != nil {
		return nil, fmt.Errorf("tsa: encode SignerInfo: %w", err)
	}
	dAlg, err := asn1.Marshal(algID(p.digest, p.null))
	if err != nil {
		return nil, err
	}
	eContent, err := asn1.Marshal(content)
	if err != nil {
		return nil, err
	}
	sd := signedData{
		Version:          3, // eContentType is not id-data (RFC 5652, 5.1)
		DigestAlgorithms: []asn1.RawValue{{FullBytes: dAlg}},
		EncapContentInfo: encapContentInfo{EContentType: oidTSTInfo, EContent: asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: eContent}},
		SignerInfos:      []asn1.RawValue{{FullBytes: si}},
	}
	if req.CertReq {
		var certs []byte
		for _, c := range a.Certs {
			certs = append(certs, c.Raw...)
		}
		sd.Certificates = asn1.RawValue{FullBytes: tlv(0xa0, certs)}
	}
	sdDER, err := asn1.Marshal(sd)
	if err != nil {
		return nil, fmt.Errorf("tsa: encode SignedData: %w", err)
	}
	return asn1.Marshal(contentInfo{ContentType: oidSignedData, Content: asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: sdDER}})
}

func algID(oid asn1.ObjectIdentifier, null bool) pkix.AlgorithmIdentifier {
	a := pkix.AlgorithmIdentifier{Algorithm: oid}
	if null {
		a.Parameters = asn1.NullRawValue
	}
	return a
}

// generalizedTime encodes t in UTC with as many fractional digits as it
// has (RFC 3161, 2.4.2: no trailing zeros, no fraction if whole): the
// block time's nanoseconds are kept, so the stated time is never earlier
// than the commit.
func generalizedTime(t time.Time) []byte {
	t = t.UTC()
	s := t.Format("20060102150405")
	if ns := t.Nanosecond(); ns != 0 {
		s += "." + strings.TrimRight(fmt.Sprintf("%09d", ns), "0")
	}
	return tlv(asn1.TagGeneralizedTime, []byte(s+"Z"))
}

// parseGeneralizedTime is the inverse of generalizedTime (and accepts
// any fraction length).
func parseGeneralizedTime(rv asn1.RawValue) (time.Time, error) {
	if rv.Class != asn1.ClassUniversal || rv.Tag != asn1.TagGeneralizedTime {
		return time.Time{}, errors.New("genTime is not a GeneralizedTime")
	}
	s := string(rv.Bytes)
	if !strings.HasSuffix(s, "Z") || len(s) < 15 {
		return time.Time{}, fmt.Errorf("genTime %q: want YYYYMMDDHHMMSS[.f]Z", s)
	}
	main, frac, hasFrac := strings.Cut(strings.TrimSuffix(s, "Z"), ".")
	t, err := time.Parse("20060102150405", main)
	if err != nil {
		return time.Time{}, fmt.Errorf("genTime %q: %w", s, err)
	}
	if hasFrac {
		if frac == "" || len(frac) > 9 || strings.HasSuffix(frac, "0") {
			return time.Time{}, fmt.Errorf("genTime %q: bad fraction", s)
		}
		n, err := strconv.Atoi(frac + strings.Repeat("0", 9-len(frac)))
		if err != nil || n < 0 {
			return time.Time{}, fmt.Errorf("genTime %q: bad fraction", s)
		}
		t = t.Add(time.Duration(n))
	}
	return t.UTC(), nil
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
