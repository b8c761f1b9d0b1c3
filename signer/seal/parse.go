package seal

import (
	"encoding/asn1"
	"fmt"
	"slices"
	"time"
	"unicode/utf8"
)

// Layout is the ASN.1 structure of a seal, which the header version alone
// does not decide: GM/T 0031-2014 seals (version 1) wrap the maker's
// certificate and signature in SES_SignInfo, GB/T 38540-2020 seals
// (version 4) and GM/T 0031-2025 seals (version 5) put them directly in
// SESeal.
type Layout int

const (
	// LayoutV1 is GM/T 0031-2014: SESeal ::= SEQUENCE { esealInfo,
	// signInfo SES_SignInfo }, property without certListType, UTCTime.
	LayoutV1 Layout = 1
	// LayoutV4 is GB/T 38540-2020 (and version 5, which adds an optional
	// [0] timeStamp): SESeal ::= SEQUENCE { eSealInfo, cert, signAlgID,
	// signedValue, timeStamp [0] OPTIONAL }.
	LayoutV4 Layout = 4
)

func (l Layout) String() string {
	switch l {
	case LayoutV1:
		return "GM/T 0031-2014"
	case LayoutV4:
		return "GB/T 38540-2020"
	}
	return fmt.Sprintf("Layout(%d)", int(l))
}

// Bounds of [ParseSESeal]. They are wider than those of [Parse]: other
// implementations' seals carry larger pictures and certificate lists.
const (
	// MaxForeignCerts bounds the certificate list of a parsed seal.
	MaxForeignCerts = 64
	// MaxForeignCertBytes bounds each certificate of a parsed seal.
	MaxForeignCertBytes = 64 << 10
	// MaxForeignExtensions bounds the extDatas of a parsed seal.
	MaxForeignExtensions = 64
)

// SESeal is an electronic seal made by any implementation, as read by
// [ParseSESeal]: GM/T 0031-2014 version 1, GB/T 38540-2020 version 4 and
// GM/T 0031-2025 version 5. It reports what the seal says, including values
// this package does not understand; [SESeal.Verify] checks it.
//
// Unlike [Seal], a SESeal is not required to be canonical DER in every
// respect: see [SESeal.Tolerated].
type SESeal struct {
	Layout Layout
	// HeaderID is SES_Header.ID, "ES" in every seal seen.
	HeaderID string
	// Version is SES_Header.version as read: 1 (GM/T 0031-2014), 4
	// (GB/T 38540-2020) or 5 (GM/T 0031-2025); others are kept.
	Version int
	// VendorID is SES_Header.Vid.
	VendorID string
	// ESID is esID.
	ESID string
	// Type is SES_ESPropertyInfo.type, any value. Neither standard fixes
	// its meaning; 1 and 2 are organisation and personal seals in GM/T
	// 0031-2014 ([KindOrganization], [KindPersonal]). Tax seals use 3, and
	// vendors 4, 6 and 15.
	Type int64
	// Name is the seal name.
	Name string
	// CertListType is 1 (certificates) or 2 (digests) for LayoutV4, and 0
	// for LayoutV1, which has no such field.
	CertListType int
	// Certs are the OCTET STRING entries of the certificate list, which
	// should each be a DER certificate (they are parsed by Verify, not
	// here).
	Certs [][]byte
	// CertDigests is the certificate list of certListType 2.
	CertDigests []CertDigest
	// Created, ValidStart and ValidEnd are the property's times, in UTC.
	Created, ValidStart, ValidEnd time.Time
	// Picture is SES_ESPictrueInfo; Type is kept as read ("PNG", "png",
	// "GIF", "ofd", ...).
	Picture Picture
	// Extensions are extDatas, critical ones included.
	Extensions []ExtData
	// MakerCert is the maker's (制章者) certificate, DER as stored.
	MakerCert []byte
	// SignatureAlgorithm is signAlgID (signatureAlgorithm in version 1).
	SignatureAlgorithm asn1.ObjectIdentifier
	// Signature is signedValue (signData in version 1).
	Signature []byte
	// TimeStamp is the version 5 timeStamp, nil when absent.
	TimeStamp []byte
	// Tolerated lists each departure from the standard's DER that was
	// accepted, as a sentence; empty for a strictly encoded seal.
	Tolerated []string

	der    []byte
	signed []byte // the bytes the maker signed
}

// ExtData is one extDatas entry of any seal.
type ExtData struct {
	ID       asn1.ObjectIdentifier
	Critical bool
	Value    []byte
}

// Bytes returns a copy of the seal as given to ParseSESeal.
func (s *SESeal) Bytes() []byte { return slices.Clone(s.der) }

// ASN.1 universal tags used below.
const (
	tagBoolean       = 1
	tagInteger       = 2
	tagBitString     = 3
	tagOctetString   = 4
	tagOID           = 6
	tagUTF8String    = 12
	tagSequence      = 16
	tagIA5String     = 22
	tagUTCTime       = 23
	tagGeneralized   = 24
	tagPrintableStr  = 19
	maxForeignString = 1024
)

// ParseSESeal decodes an SESeal of version 1, 4 or 5 made by any
// implementation. It refuses what no reading can make sense of (a wrong
// structure, wrong tags, non-minimal lengths or integers, trailing bytes,
// times not in UTC) with an error wrapping [ErrFormat], and reads
// everything else, reporting unusual values rather than refusing them: any
// seal type, any picture type, any certificate list entries, critical
// extensions it does not understand. It checks nothing cryptographic; call
// [SESeal.Verify].
//
// Own seals made by [Make] parse here too. [Parse] remains the strict
// reader for the seals Sealchain registers.
func ParseSESeal(der []byte) (*SESeal, error) {
	s, err := parseSESeal(der)
	if err != nil {
		return nil, fmt.Errorf("parse SESeal: %w: %w", ErrFormat, err)
	}
	return s, nil
}

func parseSESeal(der []byte) (*SESeal, error) {
	if len(der) > MaxSealBytes {
		return nil, fmt.Errorf("%d bytes, more than %d", len(der), MaxSealBytes)
	}
	outer, err := sequence(der, "SESeal")
	if err != nil {
		return nil, err
	}
	if len(outer) < 2 {
		return nil, fmt.Errorf("SESeal has %d elements", len(outer))
	}
	s := &SESeal{der: slices.Clone(der)}
	// The layout follows from the second element: SES_SignInfo is a
	// SEQUENCE, the version 4 cert an OCTET STRING.
	switch second := outer[1]; {
	case len(outer) == 2 && isUniversal(second, tagSequence, true):
		s.Layout = LayoutV1
		if err := s.parseSignInfoV1(outer[0], second); err != nil {
			return nil, err
		}
	case isUniversal(second, tagOctetString, false):
		s.Layout = LayoutV4
		if err := s.parseTailV4(outer); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("SESeal element 2 has tag %d, want SES_SignInfo or the maker certificate", second.Tag)
	}
	if err := s.parseSealInfo(outer[0]); err != nil {
		return nil, err
	}
	if len(s.MakerCert) == 0 || len(s.MakerCert) > MaxForeignCertBytes {
		return nil, fmt.Errorf("maker certificate is %d bytes, want 1 to %d", len(s.MakerCert), MaxForeignCertBytes)
	}
	return s, nil
}

// parseTailV4 reads cert, signAlgID, signedValue and the optional version 5
// timeStamp, and keeps the signed bytes: the DER of SES_SealInfo as stored
// (GB/T 38540-2020 clause 7; ofdrw's v4 and v5 SESeal sign the same).
func (s *SESeal) parseTailV4(outer []asn1.RawValue) error {
	if len(outer) != 4 && len(outer) != 5 {
		return fmt.Errorf("SESeal has %d elements, want 4 or 5", len(outer))
	}
	var err error
	if s.MakerCert, err = octets(outer[1], "cert"); err != nil {
		return err
	}
	if s.SignatureAlgorithm, err = oid(outer[2], "signAlgID"); err != nil {
		return err
	}
	if s.Signature, err = bits(outer[3], "signedValue"); err != nil {
		return err
	}
	if len(outer) == 5 {
		// timeStamp [0] EXPLICIT BIT STRING OPTIONAL (GM/T 0031-2025, as
		// ofdrw's v5 SESeal writes it).
		ts := outer[4]
		if ts.Class != asn1.ClassContextSpecific || ts.Tag != 0 || !ts.IsCompound {
			return fmt.Errorf("SESeal element 5 is not timeStamp [0]")
		}
		var inner asn1.RawValue
		if rest, err := asn1.Unmarshal(ts.Bytes, &inner); err != nil || len(rest) != 0 {
			return fmt.Errorf("timeStamp: not one BIT STRING")
		}
		if s.TimeStamp, err = bits(inner, "timeStamp"); err != nil {
			return err
		}
	}
	s.signed = outer[0].FullBytes
	return nil
}

// parseSignInfoV1 reads SES_SignInfo ::= SEQUENCE { cert OCTET STRING,
// signatureAlgorithm OBJECT IDENTIFIER, signData BIT STRING } and builds the
// signed bytes of GM/T 0031-2014: the DER of SEQUENCE { esealInfo, cert,
// signatureAlgorithm }, as ofdrw's v1 SESeal verification computes it.
func (s *SESeal) parseSignInfoV1(info, signInfo asn1.RawValue) error {
	el, err := sequence(signInfo.FullBytes, "SES_SignInfo")
	if err != nil {
		return err
	}
	if len(el) != 3 {
		return fmt.Errorf("SES_SignInfo has %d elements, want 3", len(el))
	}
	if s.MakerCert, err = octets(el[0], "cert"); err != nil {
		return err
	}
	if s.SignatureAlgorithm, err = oid(el[1], "signatureAlgorithm"); err != nil {
		return err
	}
	if s.Signature, err = bits(el[2], "signData"); err != nil {
		return err
	}
	body := slices.Concat(info.FullBytes, el[0].FullBytes, el[1].FullBytes)
	s.signed, err = asn1.Marshal(asn1.RawValue{Class: asn1.ClassUniversal, Tag: tagSequence, IsCompound: true, Bytes: body})
	return err
}

// parseSealInfo reads SES_SealInfo ::= SEQUENCE { header, esID, property,
// picture, extDatas OPTIONAL }, the same in every version except property.
func (s *SESeal) parseSealInfo(raw asn1.RawValue) error {
	el, err := sequence(raw.FullBytes, "SES_SealInfo")
	if err != nil {
		return err
	}
	if len(el) != 4 && len(el) != 5 {
		return fmt.Errorf("SES_SealInfo has %d elements, want 4 or 5", len(el))
	}
	hdr, err := sequence(el[0].FullBytes, "SES_Header")
	if err != nil {
		return err
	}
	if len(hdr) != 3 {
		return fmt.Errorf("SES_Header has %d elements, want 3", len(hdr))
	}
	if s.HeaderID, err = str(hdr[0], tagIA5String, "header ID"); err != nil {
		return err
	}
	v, err := integer(hdr[1], "version")
	if err != nil {
		return err
	}
	s.Version = int(v)
	if s.VendorID, err = str(hdr[2], tagIA5String, "Vid"); err != nil {
		return err
	}
	if s.HeaderID != HeaderID {
		return fmt.Errorf("header ID %q, want %q", s.HeaderID, HeaderID)
	}
	if v < 1 || v > 5 {
		return fmt.Errorf("header version %d, want 1 to 5", v)
	}
	if s.ESID, err = str(el[1], tagIA5String, "esID"); err != nil {
		return err
	}
	if s.Layout == LayoutV1 {
		err = s.parsePropertyV1(el[2])
	} else {
		err = s.parsePropertyV4(el[2])
	}
	if err != nil {
		return err
	}
	if err := s.parsePicture(el[3]); err != nil {
		return err
	}
	if len(el) == 5 {
		return s.parseExtensions(el[4])
	}
	return nil
}

// parsePropertyV4 reads the GB/T 38540-2020 SES_ESPropertyInfo ::= SEQUENCE
// { type, name, certListType, certList, createDate, validStart, validEnd },
// with GeneralizedTime.
func (s *SESeal) parsePropertyV4(raw asn1.RawValue) error {
	el, err := sequence(raw.FullBytes, "SES_ESPropertyInfo")
	if err != nil {
		return err
	}
	if len(el) != 7 {
		return fmt.Errorf("SES_ESPropertyInfo has %d elements, want 7", len(el))
	}
	if s.Type, err = integer(el[0], "type"); err != nil {
		return err
	}
	if s.Name, err = str(el[1], tagUTF8String, "name"); err != nil {
		return err
	}
	lt, err := integer(el[2], "certListType")
	if err != nil {
		return err
	}
	switch lt {
	case certListTypeCerts:
		if err := s.parseCertList(el[3]); err != nil {
			return err
		}
	case certListTypeDigests:
		if err := s.parseDigestList(el[3]); err != nil {
			return err
		}
	default:
		return fmt.Errorf("certListType %d, want 1 or 2", lt)
	}
	s.CertListType = int(lt)
	return s.parseTimes(el[4:], tagGeneralized)
}

// parsePropertyV1 reads the GM/T 0031-2014 SES_ESPropertyInfo ::= SEQUENCE
// { type, name, certList SEQUENCE OF cert, createDate, validStart,
// validEnd }, with UTCTime.
func (s *SESeal) parsePropertyV1(raw asn1.RawValue) error {
	el, err := sequence(raw.FullBytes, "SES_ESPropertyInfo")
	if err != nil {
		return err
	}
	if len(el) != 6 {
		return fmt.Errorf("SES_ESPropertyInfo has %d elements, want 6", len(el))
	}
	if s.Type, err = integer(el[0], "type"); err != nil {
		return err
	}
	if s.Name, err = str(el[1], tagUTF8String, "name"); err != nil {
		return err
	}
	if err := s.parseCertList(el[2]); err != nil {
		return err
	}
	return s.parseTimes(el[3:], tagUTCTime)
}

// parseCertList reads SEQUENCE OF OCTET STRING (each a DER certificate).
func (s *SESeal) parseCertList(raw asn1.RawValue) error {
	el, err := sequence(raw.FullBytes, "certList")
	if err != nil {
		return err
	}
	if len(el) > MaxForeignCerts {
		return fmt.Errorf("certList has %d entries, more than %d", len(el), MaxForeignCerts)
	}
	for i, e := range el {
		if isUniversal(e, tagOctetString, false) {
			c, err := octets(e, "certList entry")
			if err != nil {
				return err
			}
			if len(c) > MaxForeignCertBytes {
				return fmt.Errorf("certList entry %d is %d bytes, more than %d", i+1, len(c), MaxForeignCertBytes)
			}
			s.Certs = append(s.Certs, c)
			continue
		}
		// Tolerance: dms360.cn's version 1 seal (ofdrw's
		// ofdrw-converter/src/test/resources/n.ofd) lists IA5String "1"
		// instead of a certificate. The entry is reported and skipped.
		s.Tolerated = append(s.Tolerated, fmt.Sprintf("certList entry %d has tag %d, not an OCTET STRING certificate; skipped", i+1, e.Tag))
	}
	return nil
}

// parseDigestList reads SEQUENCE OF CertDigestObj.
func (s *SESeal) parseDigestList(raw asn1.RawValue) error {
	el, err := sequence(raw.FullBytes, "certDigestList")
	if err != nil {
		return err
	}
	if len(el) > MaxForeignCerts {
		return fmt.Errorf("certDigestList has %d entries, more than %d", len(el), MaxForeignCerts)
	}
	for _, e := range el {
		f, err := sequence(e.FullBytes, "CertDigestObj")
		if err != nil {
			return err
		}
		if len(f) != 2 {
			return fmt.Errorf("CertDigestObj has %d elements, want 2", len(f))
		}
		t, err := str(f[0], tagPrintableStr, "CertDigestObj type")
		if err != nil {
			return err
		}
		v, err := octets(f[1], "CertDigestObj value")
		if err != nil {
			return err
		}
		s.CertDigests = append(s.CertDigests, CertDigest{Type: t, Value: v})
	}
	return nil
}

// parseTimes reads createDate, validStart and validEnd. DER needs UTC with
// seconds and no fraction: "YYMMDDHHMMSSZ" (UTCTime, version 1) or
// "YYYYMMDDHHMMSSZ" (GeneralizedTime).
func (s *SESeal) parseTimes(el []asn1.RawValue, tag int) error {
	names := []string{"createDate", "validStart", "validEnd"}
	dst := []*time.Time{&s.Created, &s.ValidStart, &s.ValidEnd}
	for i, e := range el {
		if !isUniversal(e, tag, false) {
			return fmt.Errorf("%s has tag %d, want %d", names[i], e.Tag, tag)
		}
		want, params := 15, "generalized"
		if tag == tagUTCTime {
			want, params = 13, "utc"
		}
		if len(e.Bytes) != want || e.Bytes[want-1] != 'Z' {
			return fmt.Errorf("%s %q is not a DER UTC time", names[i], e.Bytes)
		}
		var t time.Time
		if _, err := asn1.UnmarshalWithParams(e.FullBytes, &t, params); err != nil {
			return fmt.Errorf("%s: %w", names[i], err)
		}
		*dst[i] = t.UTC()
	}
	return nil
}

// parsePicture reads SES_ESPictrueInfo ::= SEQUENCE { type IA5String, data
// OCTET STRING, width INTEGER, height INTEGER }. Any type is kept.
func (s *SESeal) parsePicture(raw asn1.RawValue) error {
	el, err := sequence(raw.FullBytes, "SES_ESPictrueInfo")
	if err != nil {
		return err
	}
	if len(el) != 4 {
		return fmt.Errorf("SES_ESPictrueInfo has %d elements, want 4", len(el))
	}
	p := &s.Picture
	if p.Type, err = str(el[0], tagIA5String, "picture type"); err != nil {
		return err
	}
	if p.Data, err = octets(el[1], "picture data"); err != nil {
		return err
	}
	w, err := integer(el[2], "picture width")
	if err != nil {
		return err
	}
	h, err := integer(el[3], "picture height")
	if err != nil {
		return err
	}
	if w < 0 || h < 0 || w > 1<<16 || h > 1<<16 {
		return fmt.Errorf("picture size %dx%d mm", w, h)
	}
	p.WidthMM, p.HeightMM = int(w), int(h)
	return nil
}

// parseExtensions reads ExtensionDatas ::= SEQUENCE OF ExtData { extnID,
// critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }.
func (s *SESeal) parseExtensions(raw asn1.RawValue) error {
	el, err := sequence(raw.FullBytes, "extDatas")
	if err != nil {
		return err
	}
	if len(el) > MaxForeignExtensions {
		return fmt.Errorf("%d extensions, more than %d", len(el), MaxForeignExtensions)
	}
	for _, e := range el {
		f, err := sequence(e.FullBytes, "ExtData")
		if err != nil {
			return err
		}
		if len(f) != 2 && len(f) != 3 {
			return fmt.Errorf("ExtData has %d elements, want 2 or 3", len(f))
		}
		var x ExtData
		if x.ID, err = oid(f[0], "extnID"); err != nil {
			return err
		}
		if len(f) == 3 {
			if x.Critical, err = boolean(f[1], "critical"); err != nil {
				return err
			}
			if !x.Critical {
				// Tolerance: DER omits a DEFAULT value, but GOMAIN's tax
				// seals (ofdrw-converter/src/test/resources/1.ofd) and
				// HebeiGede's (ofdrw-sign/src/test/resources/
				// SESealData.DER) encode critical FALSE explicitly, and
				// ofdrw's ExtData (org.ofdrw.gm.ses.v1) always writes it.
				s.Tolerated = append(s.Tolerated, fmt.Sprintf("extension %s encodes critical FALSE, which DER omits", x.ID))
			}
		}
		if x.Value, err = octets(f[len(f)-1], "extnValue"); err != nil {
			return err
		}
		for _, y := range s.Extensions {
			if y.ID.Equal(x.ID) {
				return fmt.Errorf("duplicate extension %s", x.ID)
			}
		}
		s.Extensions = append(s.Extensions, x)
	}
	return nil
}

// ---------------------------------------------------------------------------
// DER helpers. encoding/asn1 already refuses indefinite and non-minimal
// lengths, non-minimal INTEGERs, BOOLEANs other than 00/FF and BIT STRINGs
// with non-zero padding; these add the tag checks that its string decoding
// lacks (it accepts any string type for a Go string).

// sequence decodes one SEQUENCE filling b exactly and returns its elements.
func sequence(b []byte, what string) ([]asn1.RawValue, error) {
	var seq asn1.RawValue
	rest, err := asn1.Unmarshal(b, &seq)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if len(rest) != 0 {
		return nil, fmt.Errorf("%s: %d trailing bytes", what, len(rest))
	}
	if !isUniversal(seq, tagSequence, true) {
		return nil, fmt.Errorf("%s is not a SEQUENCE", what)
	}
	var out []asn1.RawValue
	for in := seq.Bytes; len(in) > 0; {
		var e asn1.RawValue
		if in, err = asn1.Unmarshal(in, &e); err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		out = append(out, e)
	}
	return out, nil
}

func isUniversal(v asn1.RawValue, tag int, compound bool) bool {
	return v.Class == asn1.ClassUniversal && v.Tag == tag && v.IsCompound == compound
}

func str(v asn1.RawValue, tag int, what string) (string, error) {
	if !isUniversal(v, tag, false) {
		return "", fmt.Errorf("%s has tag %d, want %d", what, v.Tag, tag)
	}
	if len(v.Bytes) > maxForeignString {
		return "", fmt.Errorf("%s is %d bytes, more than %d", what, len(v.Bytes), maxForeignString)
	}
	params := map[int]string{tagIA5String: "ia5", tagUTF8String: "utf8", tagPrintableStr: "printable"}[tag]
	var s string
	if _, err := asn1.UnmarshalWithParams(v.FullBytes, &s, params); err != nil {
		return "", fmt.Errorf("%s: %w", what, err)
	}
	if !utf8.ValidString(s) {
		return "", fmt.Errorf("%s is not valid UTF-8", what)
	}
	return s, nil
}

func integer(v asn1.RawValue, what string) (int64, error) {
	if !isUniversal(v, tagInteger, false) {
		return 0, fmt.Errorf("%s has tag %d, want INTEGER", what, v.Tag)
	}
	var n int64
	if _, err := asn1.Unmarshal(v.FullBytes, &n); err != nil {
		return 0, fmt.Errorf("%s: %w", what, err)
	}
	return n, nil
}

func boolean(v asn1.RawValue, what string) (bool, error) {
	if !isUniversal(v, tagBoolean, false) {
		return false, fmt.Errorf("%s has tag %d, want BOOLEAN", what, v.Tag)
	}
	var b bool
	if _, err := asn1.Unmarshal(v.FullBytes, &b); err != nil {
		return false, fmt.Errorf("%s: %w", what, err)
	}
	return b, nil
}

func octets(v asn1.RawValue, what string) ([]byte, error) {
	if !isUniversal(v, tagOctetString, false) {
		return nil, fmt.Errorf("%s has tag %d, want OCTET STRING", what, v.Tag)
	}
	return slices.Clone(v.Bytes), nil
}

func oid(v asn1.RawValue, what string) (asn1.ObjectIdentifier, error) {
	if !isUniversal(v, tagOID, false) {
		return nil, fmt.Errorf("%s has tag %d, want OBJECT IDENTIFIER", what, v.Tag)
	}
	var o asn1.ObjectIdentifier
	if _, err := asn1.Unmarshal(v.FullBytes, &o); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return o, nil
}

// bits reads a BIT STRING of whole bytes, as signatures are.
func bits(v asn1.RawValue, what string) ([]byte, error) {
	if !isUniversal(v, tagBitString, false) {
		return nil, fmt.Errorf("%s has tag %d, want BIT STRING", what, v.Tag)
	}
	var b asn1.BitString
	if _, err := asn1.Unmarshal(v.FullBytes, &b); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if b.BitLength%8 != 0 || len(b.Bytes) == 0 {
		return nil, fmt.Errorf("%s has %d bits, want whole bytes", what, b.BitLength)
	}
	return b.Bytes, nil
}
