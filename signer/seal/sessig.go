package seal

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/smx509"

	"github.com/sealchain/sealchain/signer"
)

// SES_Signature (电子签章数据) lives in this package rather than a new one
// because it embeds an SESeal: it reuses ParseSESeal, the strict DER
// helpers and the Report of a seal, and a separate package would have to
// export them.
//
//	-- GB/T 38540-2020 (version 4), as ofdrw's org.ofdrw.gm.ses.v4 reads it
//	SES_Signature ::= SEQUENCE {
//	  toSign         TBS_Sign,
//	  cert           OCTET STRING,       -- signer certificate, DER
//	  signatureAlgID OBJECT IDENTIFIER,
//	  signature      BIT STRING,         -- over DER(TBS_Sign)
//	  timeStamp      [0] EXPLICIT BIT STRING OPTIONAL }
//	TBS_Sign ::= SEQUENCE {
//	  version      INTEGER (4),
//	  eseal        SESeal,
//	  timeInfo     GeneralizedTime,
//	  dataHash     BIT STRING,           -- SM3 of the signed data
//	  propertyInfo IA5String,            -- e.g. /Doc_0/Signs/Sign_0/Signature.xml
//	  extDatas     [0] EXPLICIT ExtensionDatas OPTIONAL }
//
//	-- GM/T 0031-2014 (version 1), read only
//	SES_Signature ::= SEQUENCE { toSign TBS_Sign, signature BIT STRING }
//	TBS_Sign ::= SEQUENCE {
//	  version INTEGER (1), eseal SESeal, timeInfo BIT STRING (time as text),
//	  dataHash BIT STRING, propertyInfo IA5String, cert OCTET STRING,
//	  signatureAlgorithm OBJECT IDENTIFIER }
//
// In OFD (GB/T 33190 §18) the signed data is the Signature.xml file as
// stored, byte for byte, and propertyInfo its absolute path in the package
// (ofdrw's SESV1Container and SESV4Container do exactly this).

// MaxSignatureBytes bounds an SES_Signature: the seal plus two
// certificates and a time stamp.
const MaxSignatureBytes = MaxSealBytes + 4*MaxForeignCertBytes

// More checks of [SESSignature.Verify], in the order it runs them.
const (
	CheckDataHash  = "data_hash"
	CheckSigner    = "signer_certificate"
	CheckSeal      = "seal"
	CheckBinding   = "seal_binding"
	CheckSignTime  = "signing_time"
	CheckSignExt   = "signature_extensions"
	CheckSignStamp = "signature_time_stamp"
)

// Errors of SES_Signature verification, besides the seal's.
var (
	// ErrDataHash means dataHash is not the SM3 of the data given.
	ErrDataHash = errors.New("seal: signed data digest does not match")
	// ErrSignerUntrusted means the signer certificate does not chain to the
	// trusted roots at the verification time.
	ErrSignerUntrusted = errors.New("seal: signer certificate not trusted")
	// ErrNotBound means the signer certificate is not one the seal lists.
	ErrNotBound = errors.New("seal: signer certificate not listed in the seal")
	// ErrSealInvalid means the seal inside the signature does not verify;
	// the report's Seal says why.
	ErrSealInvalid = errors.New("seal: the seal in the signature does not verify")
)

// SESSignature is an electronic-seal signature (电子签章数据) of version 1
// or 4, as read by [ParseSESSignature].
type SESSignature struct {
	// Layout is LayoutV1 (GM/T 0031-2014) or LayoutV4 (GB/T 38540-2020).
	Layout Layout
	// Version is TBS_Sign.version as read.
	Version int
	// Seal is the seal used, parsed by ParseSESeal.
	Seal *SESeal
	// Time is timeInfo in UTC; zero when a version 1 text time could not
	// be read (TimeText keeps it).
	Time time.Time
	// TimeText is timeInfo as written (version 1 stores text).
	TimeText string
	// DataHash is dataHash, the SM3 of the signed data.
	DataHash []byte
	// PropertyInfo names the signed data (for OFD, the Signature.xml path).
	PropertyInfo string
	// Extensions are the version 4 extDatas.
	Extensions []ExtData
	// Cert is the signer certificate, DER as stored.
	Cert []byte
	// SignatureAlgorithm is signatureAlgID (signatureAlgorithm in v1).
	SignatureAlgorithm asn1.ObjectIdentifier
	// Signature is the signature value, ASN.1 DER (r, s) after tolerance.
	Signature []byte
	// TimeStamp is the version 4 timeStamp, nil when absent.
	TimeStamp []byte
	// Tolerated lists the departures from DER or from the standard that
	// were accepted, one sentence each.
	Tolerated []string

	der    []byte
	signed []byte // DER of TBS_Sign as stored
}

// Bytes returns a copy of the signature as parsed.
func (s *SESSignature) Bytes() []byte { return slices.Clone(s.der) }

// ParseSESSignature decodes an SES_Signature of version 1 or 4 made by any
// implementation. Errors wrap [ErrFormat]. It checks nothing
// cryptographic; call [SESSignature.Verify].
func ParseSESSignature(der []byte) (*SESSignature, error) {
	s, err := parseSESSignature(der)
	if err != nil {
		return nil, fmt.Errorf("parse SES_Signature: %w: %w", ErrFormat, err)
	}
	return s, nil
}

func parseSESSignature(der []byte) (*SESSignature, error) {
	if len(der) > MaxSignatureBytes {
		return nil, fmt.Errorf("%d bytes, more than %d", len(der), MaxSignatureBytes)
	}
	outer, err := sequence(der, "SES_Signature")
	if err != nil {
		return nil, err
	}
	s := &SESSignature{der: slices.Clone(der)}
	if len(outer) < 2 {
		return nil, fmt.Errorf("SES_Signature has %d elements", len(outer))
	}
	s.signed = outer[0].FullBytes
	tbs, err := sequence(outer[0].FullBytes, "TBS_Sign")
	if err != nil {
		return nil, err
	}
	if len(tbs) < 5 {
		return nil, fmt.Errorf("TBS_Sign has %d elements", len(tbs))
	}
	v, err := integer(tbs[0], "TBS_Sign.version")
	if err != nil {
		return nil, err
	}
	s.Version = int(v)
	if s.Seal, err = parseSESeal(tbs[1].FullBytes); err != nil {
		return nil, fmt.Errorf("eseal: %w", err)
	}
	switch {
	case len(outer) == 2 && len(tbs) == 7:
		s.Layout = LayoutV1
		err = s.parseV1(tbs, outer[1])
	case len(outer) == 4 || len(outer) == 5:
		s.Layout = LayoutV4
		err = s.parseV4(tbs, outer)
	default:
		err = fmt.Errorf("SES_Signature has %d elements and TBS_Sign %d: neither layout", len(outer), len(tbs))
	}
	if err != nil {
		return nil, err
	}
	if len(s.DataHash) == 0 || len(s.DataHash) > 64 {
		return nil, fmt.Errorf("dataHash is %d bytes", len(s.DataHash))
	}
	if len(s.Cert) == 0 || len(s.Cert) > MaxForeignCertBytes {
		return nil, fmt.Errorf("signer certificate is %d bytes, want 1 to %d", len(s.Cert), MaxForeignCertBytes)
	}
	return s, nil
}

func (s *SESSignature) parseV4(tbs, outer []asn1.RawValue) error {
	if len(tbs) > 6 {
		return fmt.Errorf("TBS_Sign has %d elements", len(tbs))
	}
	if !isUniversal(tbs[2], tagGeneralized, false) {
		return fmt.Errorf("timeInfo has tag %d, want GeneralizedTime", tbs[2].Tag)
	}
	s.TimeText = string(tbs[2].Bytes)
	t, tol, err := generalizedTime(s.TimeText)
	if err != nil {
		return fmt.Errorf("timeInfo: %w", err)
	}
	s.Time = t
	if tol != "" {
		s.Tolerated = append(s.Tolerated, "timeInfo "+tol)
	}
	if s.DataHash, err = bits(tbs[3], "dataHash"); err != nil {
		return err
	}
	if s.PropertyInfo, err = str(tbs[4], tagIA5String, "propertyInfo"); err != nil {
		return err
	}
	if len(tbs) == 6 {
		e := tbs[5]
		if e.Class != asn1.ClassContextSpecific || e.Tag != 0 || !e.IsCompound {
			return errors.New("TBS_Sign element 6 is not [0] extDatas")
		}
		// Reuse the seal's extension reader on a scratch seal.
		var scratch SESeal
		if err := scratch.parseExtensions(asn1.RawValue{FullBytes: e.Bytes}); err != nil {
			return fmt.Errorf("TBS_Sign extDatas: %w", err)
		}
		s.Extensions = scratch.Extensions
		s.Tolerated = append(s.Tolerated, scratch.Tolerated...)
	}
	if s.Cert, err = octets(outer[1], "cert"); err != nil {
		return err
	}
	if s.SignatureAlgorithm, err = oid(outer[2], "signatureAlgID"); err != nil {
		return err
	}
	if s.Signature, err = s.signatureValue(outer[3]); err != nil {
		return err
	}
	if len(outer) == 5 {
		e := outer[4]
		if e.Class != asn1.ClassContextSpecific || e.Tag != 0 || !e.IsCompound {
			return errors.New("SES_Signature element 5 is not [0] timeStamp")
		}
		var ts asn1.RawValue
		if rest, err := asn1.Unmarshal(e.Bytes, &ts); err != nil || len(rest) != 0 {
			return errors.New("timeStamp: not one element")
		}
		b, err := bits(ts, "timeStamp")
		if err != nil {
			return err
		}
		s.TimeStamp = b
	}
	return nil
}

func (s *SESSignature) parseV1(tbs []asn1.RawValue, sig asn1.RawValue) error {
	var err error
	// timeInfo and dataHash are BIT STRINGs in GM/T 0031-2014.
	// Tolerance: ofdrw's v1 TBS_Sign reader accepts an OCTET STRING for
	// either, as some vendors write; no sample here needs it, but it is
	// harmless to read, and reported.
	txt, err := bitsOrOctets(tbs[2], "timeInfo", &s.Tolerated)
	if err != nil {
		return err
	}
	if len(txt) > 64 {
		return fmt.Errorf("timeInfo is %d bytes", len(txt))
	}
	s.TimeText = string(txt)
	s.Time, err = textTime(s.TimeText, &s.Tolerated)
	if err != nil {
		return err
	}
	if s.DataHash, err = bitsOrOctets(tbs[3], "dataHash", &s.Tolerated); err != nil {
		return err
	}
	if s.PropertyInfo, err = str(tbs[4], tagIA5String, "propertyInfo"); err != nil {
		return err
	}
	if s.Cert, err = octets(tbs[5], "cert"); err != nil {
		return err
	}
	if s.SignatureAlgorithm, err = oid(tbs[6], "signatureAlgorithm"); err != nil {
		return err
	}
	s.Signature, err = s.signatureValue(sig)
	return err
}

// signatureValue reads the signature BIT STRING. Tolerance: a 64-byte value
// is SM2 r||s (GM/T 0009 raw form) rather than DER; the "oesplugin" (tongz)
// seal in ofdrw's ofdrw-reader/src/test/resources/keyword.ofd writes it so.
// It is converted to DER and reported.
func (s *SESSignature) signatureValue(v asn1.RawValue) ([]byte, error) {
	b, err := bits(v, "signature")
	if err != nil {
		return nil, err
	}
	if len(b) == 64 {
		var rs struct{ R, S *big.Int }
		rs.R = new(big.Int).SetBytes(b[:32])
		rs.S = new(big.Int).SetBytes(b[32:])
		d, err := asn1.Marshal(rs)
		if err != nil {
			return nil, err
		}
		s.Tolerated = append(s.Tolerated, "signature is 64 raw bytes r||s, not DER")
		return d, nil
	}
	return b, nil
}

func bitsOrOctets(v asn1.RawValue, what string, tol *[]string) ([]byte, error) {
	if isUniversal(v, tagOctetString, false) {
		*tol = append(*tol, what+" is an OCTET STRING, not a BIT STRING")
		return slices.Clone(v.Bytes), nil
	}
	return bits(v, what)
}

// generalizedTime reads a GeneralizedTime. DER wants "YYYYMMDDHHMMSSZ".
// Tolerance: fractional seconds (".sss"), which Bouncy Castle, used by most
// Java seal software, writes when the milliseconds are not zero; reported.
func generalizedTime(s string) (time.Time, string, error) {
	// time.Parse accepts a fraction after the seconds whatever the
	// layout, so the two forms are told apart by the dot.
	if !strings.HasSuffix(s, "Z") || len(s) < 15 {
		return time.Time{}, "", fmt.Errorf("%q is not a UTC GeneralizedTime", s)
	}
	if t, err := time.Parse("20060102150405Z", s); err == nil && !strings.Contains(s, ".") {
		return t.UTC(), "", nil
	}
	if t, err := time.Parse("20060102150405.999999999Z", s); err == nil && strings.Contains(s, ".") {
		return t.UTC(), "has fractional seconds", nil
	}
	return time.Time{}, "", fmt.Errorf("%q is not a UTC GeneralizedTime", s)
}

// chinaTime is UTC+8, assumed for a version 1 time written without a zone.
var chinaTime = time.FixedZone("CST", 8*3600)

// textTime reads a version 1 timeInfo: GM/T 0031-2014 leaves its text
// format open. Formats seen: RFC 3339 with milliseconds (dms360.cn, ofdrw's
// ofdrw-converter/src/test/resources/n.ofd), "2006-01-02 15:04:05" without a
// zone (ofdrw's SESV1Container, local time: read as UTC+8 and reported),
// and the GeneralizedTime and UTCTime forms. An unreadable text leaves Time
// zero and is reported, since the caller may give the time.
func textTime(txt string, tol *[]string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, txt); err == nil {
		return t.UTC(), nil
	}
	if t, _, err := generalizedTime(txt); err == nil {
		return t, nil
	}
	if t, err := time.Parse("060102150405Z", txt); err == nil {
		return t.UTC(), nil
	}
	if t, err := time.ParseInLocation("2006-01-02 15:04:05", txt, chinaTime); err == nil {
		*tol = append(*tol, "timeInfo has no time zone; read as UTC+8")
		return t.UTC(), nil
	}
	*tol = append(*tol, fmt.Sprintf("timeInfo %q is not a time this package reads", txt))
	return time.Time{}, nil
}

// SignatureInfo is what [MakeSESSignature] signs.
type SignatureInfo struct {
	// Seal is the SESeal DER (version 4), e.g. from [Make].
	Seal []byte
	// SignerCert is the signer certificate, DER; the seal should list it.
	SignerCert []byte
	// Time is timeInfo; it is truncated to the second, in UTC.
	Time time.Time
	// DataHash is the SM3 of the signed data (32 bytes).
	DataHash []byte
	// PropertyInfo names the signed data (IA5 text).
	PropertyInfo string
}

// MakeSESSignature makes a GB/T 38540-2020 version 4 SES_Signature signed by
// key, the private key of info.SignerCert, and returns its DER. It reads no
// clock. A nil rand means crypto/rand.
func MakeSESSignature(info SignatureInfo, key *signer.PrivateKey, rand io.Reader) ([]byte, error) {
	if key.Signer() == nil {
		return nil, errors.New("make SES_Signature: nil or uninitialised key")
	}
	if len(info.DataHash) != sm3.Size {
		return nil, fmt.Errorf("make SES_Signature: dataHash is %d bytes, want %d", len(info.DataHash), sm3.Size)
	}
	if info.Time.IsZero() {
		return nil, errors.New("make SES_Signature: no time")
	}
	for _, r := range info.PropertyInfo {
		if r > 0x7f {
			return nil, errors.New("make SES_Signature: propertyInfo is not IA5 text")
		}
	}
	if _, err := ParseSESeal(info.Seal); err != nil {
		return nil, fmt.Errorf("make SES_Signature: %w", err)
	}
	cert, err := signer.ParseCertificate(info.SignerCert)
	if err != nil {
		return nil, fmt.Errorf("make SES_Signature: signer certificate: %w", err)
	}
	if pub, ok := cert.PublicKey.(*ecdsa.PublicKey); !ok || !pub.Equal(key.Public()) {
		return nil, errors.New("make SES_Signature: key does not match the signer certificate")
	}
	algID, err := algorithmOID(key.Algorithm())
	if err != nil {
		return nil, fmt.Errorf("make SES_Signature: %w", err)
	}
	tbs, err := asn1.Marshal(struct {
		Version      int
		ESeal        asn1.RawValue
		TimeInfo     time.Time `asn1:"generalized"`
		DataHash     asn1.BitString
		PropertyInfo string `asn1:"ia5"`
	}{4, asn1.RawValue{FullBytes: info.Seal}, canonicalTime(info.Time),
		asn1.BitString{Bytes: info.DataHash, BitLength: 8 * len(info.DataHash)}, info.PropertyInfo})
	if err != nil {
		return nil, fmt.Errorf("make SES_Signature: %w", err)
	}
	sig, err := key.Sign(rand, tbs)
	if err != nil {
		return nil, fmt.Errorf("make SES_Signature: %w", err)
	}
	der, err := asn1.Marshal(struct {
		TBS       asn1.RawValue
		Cert      []byte
		AlgID     asn1.ObjectIdentifier
		Signature asn1.BitString
	}{asn1.RawValue{FullBytes: tbs}, info.SignerCert, algID, asn1.BitString{Bytes: sig, BitLength: 8 * len(sig)}})
	if err != nil {
		return nil, fmt.Errorf("make SES_Signature: %w", err)
	}
	if _, err := ParseSESSignature(der); err != nil {
		return nil, fmt.Errorf("make SES_Signature: own output does not parse: %w", err)
	}
	return der, nil
}

// Verify checks the signature over data (the signed bytes: for OFD, the
// Signature.xml file) at time at; a zero at means the signature's own
// timeInfo (a claim: callers with better evidence of the time pass it).
// sealRoots are the trusted seal makers' CAs, signerRoots the signer
// certificates' CAs. Every check runs and is reported, as in
// [SESeal.Verify]:
//
//   - header: the version matches the layout; else [ErrFormat].
//   - signing_time: a time is known (at, or timeInfo); else [ErrExpired].
//   - data_hash: dataHash = SM3(data); else [ErrDataHash].
//   - algorithm, signature: the signer certificate's key verifies the
//     signature over DER(TBS_Sign) as stored; else [ErrSignature].
//   - signer_certificate: chains to signerRoots at the time; else
//     [ErrSignerUntrusted].
//   - seal: the seal verifies at the time (its report is Report.Seal);
//     else [ErrSealInvalid].
//   - seal_binding: the seal lists the signer certificate (certListType 1:
//     equal DER; 2: a digest of it, SM3 or SHA-256 by the digest's type);
//     else [ErrNotBound].
//   - signature_extensions: critical extDatas are reported as not
//     understood.
//   - signature_time_stamp: a time stamp is reported, not verified.
func (s *SESSignature) Verify(data []byte, sealRoots, signerRoots []*smx509.Certificate, at time.Time) (*Report, error) {
	h := sm3.Sum(data)
	return s.verify(h[:], fmt.Sprintf("SM3 of %d bytes", len(data)), sealRoots, signerRoots, at)
}

// VerifyDigest is [SESSignature.Verify] given the SM3 digest of the signed
// data rather than the data, for callers that hash it in pieces (a PDF's
// byte range).
func (s *SESSignature) VerifyDigest(digest []byte, sealRoots, signerRoots []*smx509.Certificate, at time.Time) (*Report, error) {
	return s.verify(digest, "SM3 of the signed data", sealRoots, signerRoots, at)
}

func (s *SESSignature) verify(digest []byte, what string, sealRoots, signerRoots []*smx509.Certificate, at time.Time) (*Report, error) {
	r := &Report{At: at}
	if s == nil || len(s.der) == 0 {
		r.fail(CheckHeader, fmt.Errorf("%w: not a parsed signature", ErrFormat))
		return r, r.Err()
	}
	r.Tolerated = append(r.Tolerated, s.Tolerated...)
	switch {
	case s.Layout == LayoutV1 && s.Version >= 1 && s.Version <= 3,
		s.Layout == LayoutV4 && s.Version == 4:
		r.add(CheckHeader, CheckOK, nil, "SES_Signature version %d (%s), property %q", s.Version, s.Layout, s.PropertyInfo)
	default:
		r.fail(CheckHeader, fmt.Errorf("%w: TBS_Sign version %d with the %s layout", ErrFormat, s.Version, s.Layout))
	}
	if at.IsZero() {
		at = s.Time
		r.At = at
	}
	if at.IsZero() {
		r.fail(CheckSignTime, fmt.Errorf("%w: no time given and timeInfo %q not read", ErrExpired, s.TimeText))
	} else {
		r.add(CheckSignTime, CheckOK, nil, "verified at %s; timeInfo %q", at.UTC().Format(time.RFC3339), s.TimeText)
	}
	if bytes.Equal(digest, s.DataHash) {
		r.add(CheckDataHash, CheckOK, nil, "%s", what)
	} else {
		r.fail(CheckDataHash, fmt.Errorf("%w: dataHash %x, SM3 of the data %x", ErrDataHash, s.DataHash, digest))
	}
	cert, err := smx509.ParseCertificate(s.Cert)
	if err != nil {
		if pub, kerr := certPublicKey(s.Cert); kerr == nil {
			s.checkSig(r, pub, "the signer key (certificate not parsed)")
		} else {
			e := fmt.Errorf("%w: signer key: %w", ErrSignature, kerr)
			r.fail(CheckAlgorithm, e)
			r.fail(CheckSignature, e)
		}
		r.fail(CheckSigner, fmt.Errorf("%w: %w", ErrSignerUntrusted, err))
	} else {
		s.checkSig(r, cert.PublicKey, "signed by "+cert.Subject.String())
		checkChainAs(r, CheckSigner, "signer certificate", ErrSignerUntrusted, cert, signerRoots, at)
	}
	sr, _ := s.Seal.Verify(sealRoots, at)
	r.Seal = sr
	if sr.OK() {
		r.add(CheckSeal, CheckOK, nil, "seal %q (%s, vendor %q) verifies", s.Seal.Name, s.Seal.ESID, s.Seal.VendorID)
	} else {
		r.fail(CheckSeal, fmt.Errorf("%w: %q: %w", ErrSealInvalid, s.Seal.Name, sr.Err()))
	}
	s.checkBinding(r)
	if n := criticalCount(s.Extensions); n > 0 {
		r.add(CheckSignExt, CheckNotUnderstood, nil, "%d critical extDatas not understood", n)
		r.NotUnderstood = append(r.NotUnderstood, fmt.Sprintf("%d critical TBS_Sign extDatas", n))
	}
	if s.TimeStamp != nil {
		r.add(CheckSignStamp, CheckNotChecked, nil, "a %d-byte time stamp is present and not verified", len(s.TimeStamp))
	}
	return r, r.Err()
}

func criticalCount(ext []ExtData) int {
	n := 0
	for _, e := range ext {
		if e.Critical {
			n++
		}
	}
	return n
}

func (s *SESSignature) checkSig(r *Report, pub crypto.PublicKey, who string) {
	alg, err := signer.PublicKeyAlgorithm(pub)
	if err != nil {
		e := fmt.Errorf("%w: signer key: %w", ErrSignature, err)
		r.fail(CheckAlgorithm, e)
		r.fail(CheckSignature, e)
		return
	}
	if want, _ := algorithmOID(alg); !want.Equal(s.SignatureAlgorithm) {
		e := fmt.Errorf("%w: algorithm %s does not match the %s signer key", ErrSignature, s.SignatureAlgorithm, alg)
		r.fail(CheckAlgorithm, e)
		r.fail(CheckSignature, e)
		return
	}
	r.add(CheckAlgorithm, CheckOK, nil, "%s with a %s key", s.SignatureAlgorithm, alg)
	if err := signer.Verify(pub, s.signed, s.Signature); err != nil {
		// dms360.cn's version 1 signature (ofdrw's ofdrw-converter/src/
		// test/resources/n.ofd) is an SM2 signature whose digest is
		// dataHash itself. That binds neither the seal nor the time, so it
		// is not accepted; the failure says so.
		if k, ok := pub.(*ecdsa.PublicKey); ok && alg == signer.AlgSM2 && len(s.DataHash) == sm3.Size &&
			sm2.VerifyASN1(k, s.DataHash, s.Signature) {
			err = fmt.Errorf("%w; it verifies over dataHash alone, which binds neither the seal nor the time, and is not accepted", err)
		}
		r.fail(CheckSignature, fmt.Errorf("%w: %w", ErrSignature, err))
		return
	}
	r.add(CheckSignature, CheckOK, nil, "%s", who)
}

// checkBinding: GB/T 38540-2020 has a signature verifier check that the
// signer certificate is one the seal lists.
func (s *SESSignature) checkBinding(r *Report) {
	for _, c := range s.Seal.Certs {
		if bytes.Equal(c, s.Cert) {
			r.add(CheckBinding, CheckOK, nil, "the seal lists the signer certificate")
			return
		}
	}
	for _, d := range s.Seal.CertDigests {
		var h []byte
		switch strings.ToLower(d.Type) {
		case "sm3", "1.2.156.10197.1.401":
			x := sm3.Sum(s.Cert)
			h = x[:]
		case "sha256", "sha-256", "2.16.840.1.101.3.4.2.1":
			x := sha256.Sum256(s.Cert)
			h = x[:]
		default:
			continue
		}
		if bytes.Equal(h, d.Value) {
			r.add(CheckBinding, CheckOK, nil, "the seal lists a %s digest of the signer certificate", d.Type)
			return
		}
	}
	r.fail(CheckBinding, fmt.Errorf("%w: %d certificates, %d digests listed", ErrNotBound, len(s.Seal.Certs), len(s.Seal.CertDigests)))
}
