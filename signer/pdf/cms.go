package pdf

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
	"time"

	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/smx509"

	"github.com/sealchain/sealchain/signer"
)

// Object identifiers used in the CMS SignedData.
var (
	oidData       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	oidSignedData = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	// GB/T 35275-2017 content types.
	oidSM2Data       = asn1.ObjectIdentifier{1, 2, 156, 10197, 6, 1, 4, 2, 1}
	oidSM2SignedData = asn1.ObjectIdentifier{1, 2, 156, 10197, 6, 1, 4, 2, 2}

	oidSHA256          = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidECDSAWithSHA256 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
	oidSM3             = asn1.ObjectIdentifier{1, 2, 156, 10197, 1, 401}
	oidSM2Sign         = asn1.ObjectIdentifier{1, 2, 156, 10197, 1, 301, 1} // SM2-1, GB/T 35275
	oidSM2WithSM3      = asn1.ObjectIdentifier{1, 2, 156, 10197, 1, 501}

	oidAttrContentType   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	oidAttrMessageDigest = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
	oidAttrSigningTime   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 5}
	oidAttrSigningCertV2 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 47}
	// id-aa-signatureTimeStampToken (RFC 3161, appendix A), an unsigned
	// attribute: PAdES B-T.
	oidAttrSignatureTimeStamp = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 14}
	errUnsupportedProfile     = errors.New("unsupported CMS profile")
)

// profile is the algorithm suite of one signature.
type profile struct {
	name          string
	signedData    asn1.ObjectIdentifier // ContentInfo content type
	data          asn1.ObjectIdentifier // eContentType and content-type attribute
	digest        asn1.ObjectIdentifier
	digestNull    bool // write NULL parameters (GM convention)
	sig           asn1.ObjectIdentifier
	newHash       func() hash.Hash
	withSignTime  bool
	essHashAlgOID asn1.ObjectIdentifier // nil means the DEFAULT (SHA-256)
}

var (
	profileSM2 = profile{
		name: "sm2-sm3", signedData: oidSM2SignedData, data: oidSM2Data,
		digest: oidSM3, digestNull: true, sig: oidSM2Sign, newHash: sm3.New,
		withSignTime: true, essHashAlgOID: oidSM3,
	}
	profileECDSA = profile{
		name: "ecdsa-p256-sha256", signedData: oidSignedData, data: oidData,
		digest: oidSHA256, sig: oidECDSAWithSHA256, newHash: sha256.New,
	}
)

func profileFor(alg signer.Algorithm) (profile, error) {
	switch alg {
	case signer.AlgSM2:
		return profileSM2, nil
	case signer.AlgECDSAP256:
		return profileECDSA, nil
	default:
		return profile{}, fmt.Errorf("%w: %s", errUnsupportedProfile, alg)
	}
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
	DigestAlgorithm    asn1.RawValue
	SignedAttrs        asn1.RawValue `asn1:"optional,tag:0"`
	SignatureAlgorithm asn1.RawValue
	Signature          []byte
	UnsignedAttrs      asn1.RawValue `asn1:"optional,tag:1"`
}

type attribute struct {
	Type   asn1.ObjectIdentifier
	Values asn1.RawValue // SET OF AttributeValue, kept raw
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

func algID(oid asn1.ObjectIdentifier, null bool) (asn1.RawValue, error) {
	a := pkix.AlgorithmIdentifier{Algorithm: oid}
	if null {
		a.Parameters = asn1.NullRawValue
	}
	der, err := asn1.Marshal(a)
	return asn1.RawValue{FullBytes: der}, err
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

func marshalAttr(typ asn1.ObjectIdentifier, value any) ([]byte, error) {
	v, err := asn1.Marshal(value)
	if err != nil {
		return nil, err
	}
	return asn1.Marshal(attribute{Type: typ, Values: asn1.RawValue{FullBytes: tlv(0x31, v)}})
}

// buildCMS returns a detached CMS SignedData over digest (the hash of the
// signed byte ranges) signed with key. certs[0] is the signer certificate.
func buildCMS(p profile, key *signer.PrivateKey, certs []*smx509.Certificate, digest []byte, signingTime time.Time, rand io.Reader) ([]byte, error) {
	leaf := certs[0]
	attrs := [][]byte{}
	add := func(typ asn1.ObjectIdentifier, v any) error {
		a, err := marshalAttr(typ, v)
		if err == nil {
			attrs = append(attrs, a)
		}
		return err
	}
	h := p.newHash()
	h.Write(leaf.Raw)
	gn := tlv(0x30, tlv(0xa4, leaf.RawIssuer)) // GeneralNames { directoryName }
	id := essCertIDv2{CertHash: h.Sum(nil), IssuerSerial: essIssuerSerial{Issuer: asn1.RawValue{FullBytes: gn}, Serial: leaf.SerialNumber}}
	if p.essHashAlgOID != nil {
		id.HashAlgorithm = pkix.AlgorithmIdentifier{Algorithm: p.essHashAlgOID}
	}
	if err := add(oidAttrContentType, p.data); err != nil {
		return nil, err
	}
	if err := add(oidAttrMessageDigest, digest); err != nil {
		return nil, err
	}
	if err := add(oidAttrSigningCertV2, signingCertificateV2{Certs: []essCertIDv2{id}}); err != nil {
		return nil, err
	}
	if p.withSignTime {
		if err := add(oidAttrSigningTime, signingTime.UTC()); err != nil {
			return nil, err
		}
	}
	// DER SET OF: sort by encoding.
	slices.SortFunc(attrs, bytes.Compare)
	set := tlv(0x31, bytes.Join(attrs, nil))
	sig, err := key.Sign(rand, set)
	if err != nil {
		return nil, err
	}
	dAlg, err := algID(p.digest, p.digestNull)
	if err != nil {
		return nil, err
	}
	sAlg, err := algID(p.sig, p.digestNull)
	if err != nil {
		return nil, err
	}
	si := signerInfo{
		Version:            1,
		SID:                issuerAndSerial{Issuer: asn1.RawValue{FullBytes: leaf.RawIssuer}, Serial: leaf.SerialNumber},
		DigestAlgorithm:    dAlg,
		SignedAttrs:        asn1.RawValue{FullBytes: append([]byte{0xa0}, set[1:]...)},
		SignatureAlgorithm: sAlg,
		Signature:          sig,
	}
	siDER, err := asn1.Marshal(si)
	if err != nil {
		return nil, err
	}
	var certBytes []byte
	for _, c := range certs {
		certBytes = append(certBytes, c.Raw...)
	}
	sd := signedData{
		Version:          1,
		DigestAlgorithms: []asn1.RawValue{dAlg},
		EncapContentInfo: encapContentInfo{EContentType: p.data},
		Certificates:     asn1.RawValue{FullBytes: tlv(0xa0, certBytes)},
		SignerInfos:      []asn1.RawValue{{FullBytes: siDER}},
	}
	sdDER, err := asn1.Marshal(sd)
	if err != nil {
		return nil, err
	}
	return asn1.Marshal(contentInfo{ContentType: p.signedData, Content: asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: sdDER}})
}

// parsedCMS is what the verifier needs from a SignedData.
type parsedCMS struct {
	profile      profile
	certs        []*smx509.Certificate
	signer       *smx509.Certificate // nil if not among certs
	signedAttrs  []byte              // DER SET, the signed message
	signature    []byte
	digest       []byte // message-digest attribute
	contentType  asn1.ObjectIdentifier
	signingTime  *time.Time
	essCertHash  []byte // nil if no signing-certificate-v2
	essHashAlg   asn1.ObjectIdentifier
	unsupported  string // non-empty: algorithm suite not supported
	signerSerial *big.Int
	// timeStamps are the values of id-aa-signatureTimeStampToken
	// unsigned attributes (each a TimeStampToken ContentInfo).
	timeStamps [][]byte
}

// parseCMS parses a DER CMS SignedData with exactly one signer and signed
// attributes. Trailing zero bytes (the unused part of /Contents) are allowed.
func parseCMS(der []byte) (*parsedCMS, error) {
	var ci contentInfo
	rest, err := asn1.Unmarshal(der, &ci)
	if err != nil {
		return nil, fmt.Errorf("content info: %w", err)
	}
	if len(bytes.Trim(rest, "\x00")) != 0 {
		return nil, errors.New("trailing data after CMS")
	}
	if !ci.ContentType.Equal(oidSignedData) && !ci.ContentType.Equal(oidSM2SignedData) {
		return nil, fmt.Errorf("content type %s is not signed-data", ci.ContentType)
	}
	var sd signedData
	if rest, err := asn1.Unmarshal(ci.Content.Bytes, &sd); err != nil || len(rest) != 0 {
		return nil, fmt.Errorf("signed data: %v", err)
	}
	if len(sd.EncapContentInfo.EContent.Bytes) != 0 {
		return nil, errors.New("signed data is not detached")
	}
	if len(sd.SignerInfos) != 1 {
		return nil, fmt.Errorf("%d signer infos, want 1", len(sd.SignerInfos))
	}
	var si signerInfo
	if rest, err := asn1.Unmarshal(sd.SignerInfos[0].FullBytes, &si); err != nil || len(rest) != 0 {
		return nil, fmt.Errorf("signer info: %v", err)
	}
	if len(si.SignedAttrs.FullBytes) == 0 {
		return nil, errors.New("no signed attributes")
	}
	out := &parsedCMS{signature: si.Signature, signerSerial: si.SID.Serial}
	if len(sd.Certificates.Bytes) > 0 {
		out.certs, err = smx509.ParseCertificates(sd.Certificates.Bytes)
		if err != nil {
			return nil, fmt.Errorf("certificates: %w", err)
		}
	}
	for _, c := range out.certs {
		if si.SID.Serial != nil && c.SerialNumber.Cmp(si.SID.Serial) == 0 && bytes.Equal(c.RawIssuer, si.SID.Issuer.FullBytes) {
			out.signer = c
			break
		}
	}
	var dAlg, sAlg pkix.AlgorithmIdentifier
	if _, err := asn1.Unmarshal(si.DigestAlgorithm.FullBytes, &dAlg); err != nil {
		return nil, fmt.Errorf("digest algorithm: %w", err)
	}
	if _, err := asn1.Unmarshal(si.SignatureAlgorithm.FullBytes, &sAlg); err != nil {
		return nil, fmt.Errorf("signature algorithm: %w", err)
	}
	switch {
	case dAlg.Algorithm.Equal(oidSM3) && (sAlg.Algorithm.Equal(oidSM2Sign) || sAlg.Algorithm.Equal(oidSM2WithSM3)):
		out.profile = profileSM2
	case dAlg.Algorithm.Equal(oidSHA256) && sAlg.Algorithm.Equal(oidECDSAWithSHA256):
		out.profile = profileECDSA
	default:
		out.unsupported = fmt.Sprintf("digest %s with signature %s", dAlg.Algorithm, sAlg.Algorithm)
	}
	// Signed attributes: the signature is over the SET (tag 0x31).
	out.signedAttrs = append([]byte{0x31}, si.SignedAttrs.FullBytes[1:]...)
	var attrs []attribute
	if rest, err := asn1.UnmarshalWithParams(out.signedAttrs, &attrs, "set"); err != nil || len(rest) != 0 {
		return nil, fmt.Errorf("signed attributes: %v", err)
	}
	seen := map[string]bool{}
	for _, a := range attrs {
		if seen[a.Type.String()] {
			return nil, fmt.Errorf("duplicate signed attribute %s", a.Type)
		}
		seen[a.Type.String()] = true
		var vals []asn1.RawValue
		if rest, err := asn1.UnmarshalWithParams(a.Values.FullBytes, &vals, "set"); err != nil || len(rest) != 0 || len(vals) != 1 {
			return nil, fmt.Errorf("attribute %s: want exactly one value", a.Type)
		}
		v := vals[0].FullBytes
		switch {
		case a.Type.Equal(oidAttrContentType):
			if _, err := asn1.Unmarshal(v, &out.contentType); err != nil {
				return nil, fmt.Errorf("content-type attribute: %w", err)
			}
		case a.Type.Equal(oidAttrMessageDigest):
			if _, err := asn1.Unmarshal(v, &out.digest); err != nil {
				return nil, fmt.Errorf("message-digest attribute: %w", err)
			}
		case a.Type.Equal(oidAttrSigningTime):
			var t time.Time
			if _, err := asn1.Unmarshal(v, &t); err != nil {
				return nil, fmt.Errorf("signing-time attribute: %w", err)
			}
			out.signingTime = &t
		case a.Type.Equal(oidAttrSigningCertV2):
			var sc signingCertificateV2
			if _, err := asn1.Unmarshal(v, &sc); err != nil || len(sc.Certs) == 0 {
				return nil, fmt.Errorf("signing-certificate-v2 attribute: %v", err)
			}
			out.essCertHash = sc.Certs[0].CertHash
			out.essHashAlg = sc.Certs[0].HashAlgorithm.Algorithm
		}
	}
	if out.digest == nil || out.contentType == nil {
		return nil, errors.New("content-type or message-digest attribute missing")
	}
	if len(si.UnsignedAttrs.FullBytes) > 0 {
		var uattrs []attribute
		set := append([]byte{0x31}, si.UnsignedAttrs.FullBytes[1:]...)
		if rest, err := asn1.UnmarshalWithParams(set, &uattrs, "set"); err != nil || len(rest) != 0 {
			return nil, fmt.Errorf("unsigned attributes: %v", err)
		}
		for _, a := range uattrs {
			if !a.Type.Equal(oidAttrSignatureTimeStamp) {
				continue
			}
			var vals []asn1.RawValue
			if rest, err := asn1.UnmarshalWithParams(a.Values.FullBytes, &vals, "set"); err != nil || len(rest) != 0 {
				return nil, fmt.Errorf("signature time-stamp attribute: %v", err)
			}
			for _, v := range vals {
				out.timeStamps = append(out.timeStamps, v.FullBytes)
			}
		}
	}
	if !out.contentType.Equal(sd.EncapContentInfo.EContentType) {
		return nil, errors.New("content-type attribute differs from eContentType")
	}
	return out, nil
}

// withTimeStamp returns the CMS der (trailing zero padding allowed) with
// token added as an id-aa-signatureTimeStampToken unsigned attribute of its
// only SignerInfo. Everything else is re-encoded unchanged, so the signed
// attributes and the signature stay valid.
func withTimeStamp(der, token []byte) ([]byte, error) {
	ci, sd, si, err := splitCMS(der)
	if err != nil {
		return nil, err
	}
	attr, err := asn1.Marshal(attribute{Type: oidAttrSignatureTimeStamp, Values: asn1.RawValue{FullBytes: tlv(0x31, token)}})
	if err != nil {
		return nil, err
	}
	var attrs [][]byte
	if len(si.UnsignedAttrs.FullBytes) > 0 {
		var old []asn1.RawValue
		set := append([]byte{0x31}, si.UnsignedAttrs.FullBytes[1:]...)
		if rest, err := asn1.UnmarshalWithParams(set, &old, "set"); err != nil || len(rest) != 0 {
			return nil, fmt.Errorf("unsigned attributes: %v", err)
		}
		for _, o := range old {
			attrs = append(attrs, o.FullBytes)
		}
	}
	attrs = append(attrs, attr)
	slices.SortFunc(attrs, bytes.Compare) // DER SET OF
	si.UnsignedAttrs = asn1.RawValue{FullBytes: tlv(0xa1, bytes.Join(attrs, nil))}
	siDER, err := asn1.Marshal(si)
	if err != nil {
		return nil, err
	}
	sd.SignerInfos = []asn1.RawValue{{FullBytes: siDER}}
	sdDER, err := asn1.Marshal(sd)
	if err != nil {
		return nil, err
	}
	return asn1.Marshal(contentInfo{ContentType: ci.ContentType, Content: asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: sdDER}})
}

// signatureValue returns the signature value of the only SignerInfo and
// the profile of the CMS der.
func signatureValue(der []byte) ([]byte, profile, error) {
	p, err := parseCMS(der)
	if err != nil {
		return nil, profile{}, err
	}
	if p.unsupported != "" {
		return nil, profile{}, fmt.Errorf("%w: %s", errUnsupportedProfile, p.unsupported)
	}
	return p.signature, p.profile, nil
}

func splitCMS(der []byte) (contentInfo, signedData, signerInfo, error) {
	var ci contentInfo
	var sd signedData
	var si signerInfo
	if _, err := asn1.Unmarshal(der, &ci); err != nil {
		return ci, sd, si, fmt.Errorf("content info: %w", err)
	}
	if rest, err := asn1.Unmarshal(ci.Content.Bytes, &sd); err != nil || len(rest) != 0 {
		return ci, sd, si, fmt.Errorf("signed data: %v", err)
	}
	if len(sd.SignerInfos) != 1 {
		return ci, sd, si, fmt.Errorf("%d signer infos, want 1", len(sd.SignerInfos))
	}
	if rest, err := asn1.Unmarshal(sd.SignerInfos[0].FullBytes, &si); err != nil || len(rest) != 0 {
		return ci, sd, si, fmt.Errorf("signer info: %v", err)
	}
	return ci, sd, si, nil
}

// withoutTimeStamps is the inverse of withTimeStamp: der with every
// id-aa-signatureTimeStampToken attribute removed (and the unsigned
// attributes with it when none remain). changed is false when there was
// none.
func withoutTimeStamps(der []byte) (out []byte, changed bool, err error) {
	ci, sd, si, err := splitCMS(der)
	if err != nil {
		return nil, false, err
	}
	if len(si.UnsignedAttrs.FullBytes) == 0 {
		return der, false, nil
	}
	var attrs []attribute
	set := append([]byte{0x31}, si.UnsignedAttrs.FullBytes[1:]...)
	if rest, err := asn1.UnmarshalWithParams(set, &attrs, "set"); err != nil || len(rest) != 0 {
		return nil, false, fmt.Errorf("unsigned attributes: %v", err)
	}
	var keep [][]byte
	for _, a := range attrs {
		if a.Type.Equal(oidAttrSignatureTimeStamp) {
			changed = true
			continue
		}
		b, err := asn1.Marshal(a)
		if err != nil {
			return nil, false, err
		}
		keep = append(keep, b)
	}
	if !changed {
		return der, false, nil
	}
	si.UnsignedAttrs = asn1.RawValue{}
	if len(keep) > 0 {
		si.UnsignedAttrs = asn1.RawValue{FullBytes: tlv(0xa1, bytes.Join(keep, nil))}
	}
	siDER, err := asn1.Marshal(si)
	if err != nil {
		return nil, false, err
	}
	sd.SignerInfos = []asn1.RawValue{{FullBytes: siDER}}
	sdDER, err := asn1.Marshal(sd)
	if err != nil {
		return nil, false, err
	}
	out, err = asn1.Marshal(contentInfo{ContentType: ci.ContentType, Content: asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: sdDER}})
	return out, true, err
}
