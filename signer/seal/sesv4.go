package seal

import (
	"bytes"
	"crypto/ecdsa"
	"encoding/asn1"
	"errors"
	"fmt"
	"image"
	"io"
	"slices"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/smx509"

	"github.com/sealchain/sealchain/signer"
)

// Format constants of GB/T 38540-2020.
const (
	// HeaderID is SES_Header.ID, fixed by the standard.
	HeaderID = "ES"
	// Version is SES_Header.version for GB/T 38540-2020.
	Version = 4
	// DefaultVendorID is the SES_Header.Vid [Make] writes when
	// SealInfo.VendorID is empty.
	DefaultVendorID = "Sealchain"
	// PictureTypePNG is the only SES_ESPictrueInfo.type this package makes
	// and accepts.
	PictureTypePNG = "PNG"

	certListTypeCerts   = 1
	certListTypeDigests = 2
)

// Bounds enforced by [Make] and [Parse].
const (
	// MaxSealBytes bounds an encoded seal.
	MaxSealBytes = 2 << 20
	// MaxCerts bounds the entries of the signer certificate list.
	MaxCerts = 8
	// MaxCertBytes bounds each certificate, the maker's included.
	MaxCertBytes = 8 << 10
	// MaxPictureMM bounds the picture's display width and height.
	MaxPictureMM = 100

	maxIDLen         = 64
	maxNameBytes     = 256
	maxDigestTypeLen = 16
	minDigestLen     = 16
	maxDigestLen     = 64
	maxExtensions    = 8
	maxExtValueBytes = 4 << 10
	maxSignatureLen  = 128
)

// Signature algorithm identifiers (GB/T 33560 and RFC 5758).
var (
	// OIDSM2WithSM3 is 1.2.156.10197.1.501, SM2 signature with SM3.
	OIDSM2WithSM3 = asn1.ObjectIdentifier{1, 2, 156, 10197, 1, 501}
	// OIDECDSAWithSHA256 is 1.2.840.10045.4.3.2, used for P-256 makers.
	// The standard names only SM2; this is a Sealchain extension.
	OIDECDSAWithSHA256 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
)

// Kind is SES_ESPropertyInfo.type. GB/T 38540-2020 leaves its values to the
// application; Sealchain uses those of GM/T 0031-2014. Values are part of
// the encoding: never renumber.
type Kind int

const (
	// KindOrganization is an organisation seal (单位印章).
	KindOrganization Kind = 1
	// KindPersonal is a personal name seal (个人印章).
	KindPersonal Kind = 2
)

func (k Kind) valid() bool { return k == KindOrganization || k == KindPersonal }

// SealInfo is the signed content of a seal, SES_SealInfo.
type SealInfo struct {
	// VendorID is SES_Header.Vid, the seal system vendor. Empty means
	// DefaultVendorID.
	VendorID string
	// ID is esID, the seal's unique identifier: 1 to 64 printable ASCII
	// characters without spaces.
	ID string
	// Kind is the seal type.
	Kind Kind
	// Name is the seal name, e.g. "某某科技有限公司合同专用章"; at most 256
	// bytes of UTF-8.
	Name string
	// SignerCerts (certListType 1) are the DER certificates allowed to use
	// the seal. Exactly one of SignerCerts and SignerCertDigests is set,
	// with 1 to MaxCerts entries.
	SignerCerts [][]byte
	// SignerCertDigests (certListType 2) name those certificates by digest.
	SignerCertDigests []CertDigest
	// Created, ValidStart and ValidEnd are stored in UTC to the second;
	// [Make] truncates finer times. ValidStart must be before ValidEnd.
	Created    time.Time
	ValidStart time.Time
	ValidEnd   time.Time
	// Picture is the seal image.
	Picture Picture
	// Extensions are extDatas. Critical extensions are refused, since this
	// package understands none.
	Extensions []Extension
}

// Picture is SES_ESPictrueInfo.
type Picture struct {
	// Type is the image format; only "PNG" is accepted. Empty means PNG.
	Type string
	// Data is the encoded image, at most MaxImageBytes.
	Data []byte
	// WidthMM and HeightMM are the display size in millimetres, 1 to
	// MaxPictureMM; 42×42 is the common round organisation seal.
	WidthMM, HeightMM int
}

// CertDigest is CertDigestObj: a digest of a signer certificate and a
// free-form name of its algorithm, e.g. "SM3".
type CertDigest struct {
	Type  string // PrintableString, 1 to 16 characters
	Value []byte // 16 to 64 bytes
}

// Extension is a non-critical ExtData.
type Extension struct {
	ID    asn1.ObjectIdentifier
	Value []byte // at most 4 KiB
}

// Seal is a parsed SESeal. Obtain one from [Parse]. The exported fields are
// copies for reading; [Seal.Verify], [Seal.Hash] and [Seal.Bytes] use the
// parsed bytes, so changing the fields does not change what is verified.
type Seal struct {
	Info SealInfo
	// MakerCert is the maker's (制章者) certificate, whose key signed Info.
	MakerCert *smx509.Certificate
	// SignatureAlgorithm is OIDSM2WithSM3 or OIDECDSAWithSHA256.
	SignatureAlgorithm asn1.ObjectIdentifier
	// Signature is the ASN.1 DER signature from signedValue.
	Signature []byte

	der     []byte
	infoDER []byte
}

// ASN.1 shapes. Field order and types follow GB/T 38540-2020 clause 7.
type sesealASN1 struct {
	Info        asn1.RawValue // SES_SealInfo, kept raw: it is what is signed
	Cert        []byte        // 制章者证书, DER
	SignAlgID   asn1.ObjectIdentifier
	SignedValue asn1.BitString
}

type sealInfoASN1 struct {
	Header   headerASN1
	ESID     string `asn1:"ia5"`
	Property propertyASN1
	Picture  pictureASN1
	ExtDatas []extDataASN1 `asn1:"optional,omitempty"`
}

type headerASN1 struct {
	ID      string `asn1:"ia5"`
	Version int
	VID     string `asn1:"ia5"`
}

type propertyASN1 struct {
	Type         int
	Name         string `asn1:"utf8"`
	CertListType int
	CertList     asn1.RawValue // SES_CertList, a CHOICE selected by CertListType
	CreateDate   time.Time     `asn1:"generalized"`
	ValidStart   time.Time     `asn1:"generalized"`
	ValidEnd     time.Time     `asn1:"generalized"`
}

type certDigestASN1 struct {
	Type  string `asn1:"printable"`
	Value []byte
}

type pictureASN1 struct {
	Type   string `asn1:"ia5"`
	Data   []byte
	Width  int
	Height int
}

type extDataASN1 struct {
	ID       asn1.ObjectIdentifier
	Critical bool `asn1:"optional"` // DEFAULT FALSE: omitted when false
	Value    []byte
}

// Make encodes info as an SESeal signed by key, the private key of the
// maker certificate makerCertDER, and returns its DER. The signature is over
// the DER of SES_SealInfo with SM2-with-SM3 (default user id) or ECDSA
// P-256 with SHA-256, by the key's algorithm. The picture must decode as a
// PNG within the image bounds. A nil rand means crypto/rand.
//
// Make reads no clock: all times come from info. The result always passes
// [Parse].
func Make(info SealInfo, key *signer.PrivateKey, makerCertDER []byte, rand io.Reader) ([]byte, error) {
	if key.Signer() == nil {
		return nil, errors.New("make seal: nil or uninitialised key")
	}
	if info.VendorID == "" {
		info.VendorID = DefaultVendorID
	}
	if info.Picture.Type == "" {
		info.Picture.Type = PictureTypePNG
	}
	info.Created = canonicalTime(info.Created)
	info.ValidStart = canonicalTime(info.ValidStart)
	info.ValidEnd = canonicalTime(info.ValidEnd)
	if err := validate(&info); err != nil {
		return nil, fmt.Errorf("make seal: %w", err)
	}
	if _, _, err := decodeImage(info.Picture.Data, "png"); err != nil {
		return nil, fmt.Errorf("make seal: picture: %w", err)
	}
	if len(makerCertDER) > MaxCertBytes {
		return nil, fmt.Errorf("make seal: %w: maker certificate is %d bytes, more than %d", ErrFormat, len(makerCertDER), MaxCertBytes)
	}
	maker, err := signer.ParseCertificate(makerCertDER)
	if err != nil {
		return nil, fmt.Errorf("make seal: maker certificate: %w", err)
	}
	if pub, ok := maker.PublicKey.(*ecdsa.PublicKey); !ok || !pub.Equal(key.Public()) {
		return nil, errors.New("make seal: key does not match the maker certificate")
	}
	oid, err := algorithmOID(key.Algorithm())
	if err != nil {
		return nil, fmt.Errorf("make seal: %w", err)
	}
	infoDER, err := encodeInfo(&info)
	if err != nil {
		return nil, fmt.Errorf("make seal: %w", err)
	}
	sig, err := key.Sign(rand, infoDER)
	if err != nil {
		return nil, fmt.Errorf("make seal: %w", err)
	}
	der, err := asn1.Marshal(sesealASN1{
		Info:        asn1.RawValue{FullBytes: infoDER},
		Cert:        makerCertDER,
		SignAlgID:   oid,
		SignedValue: asn1.BitString{Bytes: sig, BitLength: 8 * len(sig)},
	})
	if err != nil {
		return nil, fmt.Errorf("make seal: %w: %w", ErrFormat, err)
	}
	if _, err := Parse(der); err != nil {
		return nil, fmt.Errorf("make seal: own output does not parse: %w", err)
	}
	return der, nil
}

// Parse decodes a DER SESeal. It is strict: the input must be the canonical
// DER encoding this package produces (no trailing data, times in UTC
// "YYYYMMDDHHMMSSZ", no explicit DEFAULT values), the header must be "ES"
// version 4, the kind, certificate list type, picture type and algorithm
// must be known, every size must be within the bounds above, and the maker
// and signer certificates must parse. Errors wrap [ErrFormat]. Parse does
// not verify anything; call [Seal.Verify].
func Parse(der []byte) (*Seal, error) {
	if len(der) > MaxSealBytes {
		return nil, fmt.Errorf("parse seal: %w: %d bytes, more than %d", ErrFormat, len(der), MaxSealBytes)
	}
	var outer sesealASN1
	if rest, err := asn1.Unmarshal(der, &outer); err != nil {
		return nil, fmt.Errorf("parse seal: %w: %w", ErrFormat, err)
	} else if len(rest) != 0 {
		return nil, fmt.Errorf("parse seal: %w: %d trailing bytes", ErrFormat, len(rest))
	}
	var in sealInfoASN1
	if rest, err := asn1.Unmarshal(outer.Info.FullBytes, &in); err != nil {
		return nil, fmt.Errorf("parse seal: %w: SES_SealInfo: %w", ErrFormat, err)
	} else if len(rest) != 0 {
		return nil, fmt.Errorf("parse seal: %w: SES_SealInfo: trailing bytes", ErrFormat)
	}
	if in.Header.ID != HeaderID {
		return nil, fmt.Errorf("parse seal: %w: header ID %q, want %q", ErrFormat, in.Header.ID, HeaderID)
	}
	if in.Header.Version != Version {
		return nil, fmt.Errorf("parse seal: %w: version %d, want %d", ErrFormat, in.Header.Version, Version)
	}
	info, err := decodeInfo(&in)
	if err != nil {
		return nil, fmt.Errorf("parse seal: %w", err)
	}
	if err := validate(info); err != nil {
		return nil, fmt.Errorf("parse seal: %w", err)
	}
	if !outer.SignAlgID.Equal(OIDSM2WithSM3) && !outer.SignAlgID.Equal(OIDECDSAWithSHA256) {
		return nil, fmt.Errorf("parse seal: %w: unknown signature algorithm %s", ErrFormat, outer.SignAlgID)
	}
	sig := outer.SignedValue
	if sig.BitLength%8 != 0 || len(sig.Bytes) == 0 || len(sig.Bytes) > maxSignatureLen {
		return nil, fmt.Errorf("parse seal: %w: signature of %d bits", ErrFormat, sig.BitLength)
	}
	if len(outer.Cert) > MaxCertBytes {
		return nil, fmt.Errorf("parse seal: %w: maker certificate is %d bytes, more than %d", ErrFormat, len(outer.Cert), MaxCertBytes)
	}
	maker, err := signer.ParseCertificate(outer.Cert)
	if err != nil {
		return nil, fmt.Errorf("parse seal: %w: maker certificate: %w", ErrFormat, err)
	}
	// Canonical form: re-encoding what was read must give the input back,
	// so a seal has exactly one encoding and one Hash.
	infoDER, err := encodeInfo(info)
	if err != nil || !bytes.Equal(infoDER, outer.Info.FullBytes) {
		return nil, fmt.Errorf("parse seal: %w: SES_SealInfo is not canonical DER", ErrFormat)
	}
	re, err := asn1.Marshal(sesealASN1{Info: asn1.RawValue{FullBytes: infoDER}, Cert: outer.Cert, SignAlgID: outer.SignAlgID, SignedValue: sig})
	if err != nil || !bytes.Equal(re, der) {
		return nil, fmt.Errorf("parse seal: %w: SESeal is not canonical DER", ErrFormat)
	}
	der = slices.Clone(der)
	return &Seal{
		Info:               *info,
		MakerCert:          maker,
		SignatureAlgorithm: slices.Clone(outer.SignAlgID),
		Signature:          slices.Clone(sig.Bytes),
		der:                der,
		infoDER:            slices.Clone(infoDER),
	}, nil
}

// Verify checks the seal at time at against trusted organisation CA roots.
// The steps, cheapest first, and the errors they return:
//
//  1. the seal was parsed by [Parse]: [ErrFormat].
//  2. ValidStart <= at <= ValidEnd: [ErrExpired].
//  3. the signature algorithm matches the maker key (SM2 key with
//     SM2-with-SM3, P-256 key with ECDSA-with-SHA256): [ErrSignature].
//  4. the maker certificate is one of roots and valid at at, or was issued
//     by one of roots for [signer.UsageSigner] as [signer.VerifyIssued]
//     checks: [ErrUntrusted], also wrapping the signer package's error.
//  5. the maker signature over SES_SealInfo verifies: [ErrSignature].
//  6. the picture decodes as a PNG within the image bounds: [ErrImage].
//
// The machine clock is never read. Signer certificates in the seal are not
// checked: they matter when the seal is used, not when it is verified.
func (s *Seal) Verify(roots []*smx509.Certificate, at time.Time) error {
	if s == nil || len(s.der) == 0 {
		return fmt.Errorf("verify seal: %w: not a parsed seal", ErrFormat)
	}
	// Re-derive everything from the bytes; the exported fields may have
	// been changed by the caller.
	p, err := Parse(s.der)
	if err != nil {
		return fmt.Errorf("verify seal: %w", err)
	}
	if at.Before(p.Info.ValidStart) || at.After(p.Info.ValidEnd) {
		return fmt.Errorf("verify seal: %w: at %s, seal valid %s to %s", ErrExpired,
			at.UTC().Format(time.RFC3339), p.Info.ValidStart.Format(time.RFC3339), p.Info.ValidEnd.Format(time.RFC3339))
	}
	alg, err := signer.PublicKeyAlgorithm(p.MakerCert.PublicKey)
	if err != nil {
		return fmt.Errorf("verify seal: %w: maker key: %w", ErrSignature, err)
	}
	if want, _ := algorithmOID(alg); !want.Equal(p.SignatureAlgorithm) {
		return fmt.Errorf("verify seal: %w: algorithm %s does not match %s maker key", ErrSignature, p.SignatureAlgorithm, alg)
	}
	if err := checkMaker(p.MakerCert, roots, at); err != nil {
		return fmt.Errorf("verify seal: %w", err)
	}
	if err := signer.Verify(p.MakerCert.PublicKey, p.infoDER, p.Signature); err != nil {
		return fmt.Errorf("verify seal: %w: %w", ErrSignature, err)
	}
	if _, _, err := decodeImage(p.Info.Picture.Data, "png"); err != nil {
		return fmt.Errorf("verify seal: picture: %w", err)
	}
	return nil
}

// Hash returns SM3 of the seal's DER, the name under which the chain
// registers it. Parse accepts only canonical DER, so a seal has one Hash.
func (s *Seal) Hash() [32]byte { return sm3.Sum(s.der) }

// Bytes returns a copy of the seal's DER.
func (s *Seal) Bytes() []byte { return slices.Clone(s.der) }

// Image decodes the seal's picture. Errors wrap [ErrImage].
func (s *Seal) Image() (image.Image, error) {
	img, _, err := decodeImage(s.Info.Picture.Data, "png")
	return img, err
}

// checkMaker implements step 4 of Verify.
func checkMaker(maker *smx509.Certificate, roots []*smx509.Certificate, at time.Time) error {
	for _, r := range roots {
		if r == nil || !bytes.Equal(r.Raw, maker.Raw) {
			continue
		}
		if at.Before(r.NotBefore) || at.After(r.NotAfter) {
			return fmt.Errorf("%w: %w", ErrUntrusted, &signer.ValidityError{
				Subject: r.Subject.String(), NotBefore: r.NotBefore, NotAfter: r.NotAfter, At: at,
			})
		}
		return nil
	}
	if _, err := signer.VerifyIssued(maker, roots, at, signer.UsageSigner); err != nil {
		return fmt.Errorf("%w: %w", ErrUntrusted, err)
	}
	return nil
}

func algorithmOID(alg signer.Algorithm) (asn1.ObjectIdentifier, error) {
	switch alg {
	case signer.AlgSM2:
		return OIDSM2WithSM3, nil
	case signer.AlgECDSAP256:
		return OIDECDSAWithSHA256, nil
	default:
		return nil, fmt.Errorf("%w: algorithm %s", signer.ErrUnsupportedKey, alg)
	}
}

func canonicalTime(t time.Time) time.Time { return t.UTC().Truncate(time.Second) }

// encodeInfo returns the DER of SES_SealInfo for a validated info.
func encodeInfo(info *SealInfo) ([]byte, error) {
	var certList any
	listType := certListTypeCerts
	if len(info.SignerCerts) > 0 {
		certList = info.SignerCerts
	} else {
		listType = certListTypeDigests
		ds := make([]certDigestASN1, len(info.SignerCertDigests))
		for i, d := range info.SignerCertDigests {
			ds[i] = certDigestASN1{Type: d.Type, Value: d.Value}
		}
		certList = ds
	}
	rawList, err := asn1.Marshal(certList)
	if err != nil {
		return nil, fmt.Errorf("%w: certList: %w", ErrFormat, err)
	}
	var exts []extDataASN1
	for _, e := range info.Extensions {
		exts = append(exts, extDataASN1{ID: e.ID, Value: e.Value})
	}
	der, err := asn1.Marshal(sealInfoASN1{
		Header: headerASN1{ID: HeaderID, Version: Version, VID: info.VendorID},
		ESID:   info.ID,
		Property: propertyASN1{
			Type:         int(info.Kind),
			Name:         info.Name,
			CertListType: listType,
			CertList:     asn1.RawValue{FullBytes: rawList},
			CreateDate:   info.Created,
			ValidStart:   info.ValidStart,
			ValidEnd:     info.ValidEnd,
		},
		Picture: pictureASN1{
			Type:   info.Picture.Type,
			Data:   info.Picture.Data,
			Width:  info.Picture.WidthMM,
			Height: info.Picture.HeightMM,
		},
		ExtDatas: exts,
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrFormat, err)
	}
	return der, nil
}

// decodeInfo converts the ASN.1 shape to a SealInfo; validate checks it.
func decodeInfo(in *sealInfoASN1) (*SealInfo, error) {
	p := in.Property
	info := &SealInfo{
		VendorID:   in.Header.VID,
		ID:         in.ESID,
		Kind:       Kind(p.Type),
		Name:       p.Name,
		Created:    p.CreateDate,
		ValidStart: p.ValidStart,
		ValidEnd:   p.ValidEnd,
		Picture: Picture{
			Type:     in.Picture.Type,
			Data:     slices.Clone(in.Picture.Data),
			WidthMM:  in.Picture.Width,
			HeightMM: in.Picture.Height,
		},
	}
	switch p.CertListType {
	case certListTypeCerts:
		var certs [][]byte
		if rest, err := asn1.Unmarshal(p.CertList.FullBytes, &certs); err != nil || len(rest) != 0 {
			return nil, fmt.Errorf("%w: certList is not a SEQUENCE OF OCTET STRING", ErrFormat)
		}
		info.SignerCerts = certs
	case certListTypeDigests:
		var ds []certDigestASN1
		if rest, err := asn1.Unmarshal(p.CertList.FullBytes, &ds); err != nil || len(rest) != 0 {
			return nil, fmt.Errorf("%w: certList is not a SEQUENCE OF CertDigestObj", ErrFormat)
		}
		for _, d := range ds {
			info.SignerCertDigests = append(info.SignerCertDigests, CertDigest{Type: d.Type, Value: d.Value})
		}
	default:
		return nil, fmt.Errorf("%w: certListType %d, want 1 or 2", ErrFormat, p.CertListType)
	}
	for _, e := range in.ExtDatas {
		if e.Critical {
			return nil, fmt.Errorf("%w: critical extension %s is not understood", ErrFormat, e.ID)
		}
		info.Extensions = append(info.Extensions, Extension{ID: e.ID, Value: e.Value})
	}
	return info, nil
}

// validate checks the bounds shared by Make and Parse. Errors wrap
// ErrFormat.
func validate(info *SealInfo) error {
	if err := checkID("vendor id", info.VendorID); err != nil {
		return err
	}
	if err := checkID("seal id", info.ID); err != nil {
		return err
	}
	if !info.Kind.valid() {
		return fmt.Errorf("%w: unknown seal type %d", ErrFormat, info.Kind)
	}
	if info.Name == "" || len(info.Name) > maxNameBytes || !utf8.ValidString(info.Name) {
		return fmt.Errorf("%w: name must be 1 to %d bytes of UTF-8", ErrFormat, maxNameBytes)
	}
	for _, r := range info.Name {
		if !unicode.IsGraphic(r) {
			return fmt.Errorf("%w: name contains %q", ErrFormat, r)
		}
	}
	nc, nd := len(info.SignerCerts), len(info.SignerCertDigests)
	switch {
	case nc > 0 && nd > 0:
		return fmt.Errorf("%w: both signer certificates and digests are set", ErrFormat)
	case nc+nd == 0:
		return fmt.Errorf("%w: no signer certificates", ErrFormat)
	case nc+nd > MaxCerts:
		return fmt.Errorf("%w: %d signer certificates, more than %d", ErrFormat, nc+nd, MaxCerts)
	}
	for i, c := range info.SignerCerts {
		if len(c) > MaxCertBytes {
			return fmt.Errorf("%w: signer certificate %d is %d bytes, more than %d", ErrFormat, i, len(c), MaxCertBytes)
		}
		if _, err := signer.ParseCertificate(c); err != nil {
			return fmt.Errorf("%w: signer certificate %d: %w", ErrFormat, i, err)
		}
	}
	for i, d := range info.SignerCertDigests {
		if d.Type == "" || len(d.Type) > maxDigestTypeLen || !printable(d.Type) {
			return fmt.Errorf("%w: signer certificate digest %d: type must be 1 to %d PrintableString characters", ErrFormat, i, maxDigestTypeLen)
		}
		if len(d.Value) < minDigestLen || len(d.Value) > maxDigestLen {
			return fmt.Errorf("%w: signer certificate digest %d is %d bytes, want %d to %d", ErrFormat, i, len(d.Value), minDigestLen, maxDigestLen)
		}
	}
	for _, t := range []time.Time{info.Created, info.ValidStart, info.ValidEnd} {
		if t.IsZero() || t.Year() > 9999 {
			return fmt.Errorf("%w: times must be set and before year 10000", ErrFormat)
		}
		if _, off := t.Zone(); off != 0 {
			return fmt.Errorf("%w: time %s is not in UTC", ErrFormat, t.Format(time.RFC3339))
		}
	}
	if !info.ValidStart.Before(info.ValidEnd) {
		return fmt.Errorf("%w: validStart must be before validEnd", ErrFormat)
	}
	pic := info.Picture
	if pic.Type != PictureTypePNG {
		return fmt.Errorf("%w: picture type %q, want %q", ErrFormat, pic.Type, PictureTypePNG)
	}
	if len(pic.Data) == 0 || len(pic.Data) > MaxImageBytes {
		return fmt.Errorf("%w: picture is %d bytes, want 1 to %d", ErrFormat, len(pic.Data), MaxImageBytes)
	}
	if pic.WidthMM < 1 || pic.WidthMM > MaxPictureMM || pic.HeightMM < 1 || pic.HeightMM > MaxPictureMM {
		return fmt.Errorf("%w: picture is %dx%d mm, each side must be 1 to %d", ErrFormat, pic.WidthMM, pic.HeightMM, MaxPictureMM)
	}
	if len(info.Extensions) > maxExtensions {
		return fmt.Errorf("%w: %d extensions, more than %d", ErrFormat, len(info.Extensions), maxExtensions)
	}
	for i, e := range info.Extensions {
		if len(e.ID) < 2 || len(e.Value) > maxExtValueBytes {
			return fmt.Errorf("%w: extension %d: needs an OID and at most %d bytes", ErrFormat, i, maxExtValueBytes)
		}
		for _, f := range info.Extensions[:i] {
			if f.ID.Equal(e.ID) {
				return fmt.Errorf("%w: duplicate extension %s", ErrFormat, e.ID)
			}
		}
	}
	return nil
}

// checkID accepts 1 to 64 printable ASCII characters without spaces, a
// subset of IA5String.
func checkID(what, s string) error {
	if s == "" || len(s) > maxIDLen {
		return fmt.Errorf("%w: %s must be 1 to %d characters", ErrFormat, what, maxIDLen)
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return fmt.Errorf("%w: %s must be printable ASCII without spaces", ErrFormat, what)
		}
	}
	return nil
}

// printable reports whether s is within the ASN.1 PrintableString set.
func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		ok := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			c == ' ' || c == '\'' || c == '(' || c == ')' || c == '+' || c == ',' ||
			c == '-' || c == '.' || c == '/' || c == ':' || c == '=' || c == '?'
		if !ok {
			return false
		}
	}
	return true
}
