package pdf

import (
	"bytes"
	"context"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/smx509"

	"github.com/sealchain/sealchain/signer"
	"github.com/sealchain/sealchain/signer/seal"
	"github.com/sealchain/sealchain/signer/tsa"
)

// Electronic-seal signatures in PDF.
//
// GB/T 38540-2020 defines the SES_Signature structure and its generation
// and verification (its clauses 6 and 7) but no PDF profile; neither does
// GM/T 0031-2014. What Chinese PDF seal software does was read from open
// source (docs/ofd.md, "SES_Signature in PDF", lists the sources):
//
//   - the signature dictionary's /SubFilter is /GM.sm2seal (GOMAIN's
//     layout code names it "GBT 38540 的 subFilter", with the vendor filter
//     /Gomain.GMPkiLite); Sealchain writes the vendor-neutral filter
//     /GM.PKILite;
//   - /Contents holds the DER SES_Signature itself, not a CMS;
//   - TBS_Sign.dataHash is SM3 over the /ByteRange bytes (the whole
//     revision except /Contents), hashed once, as for CMS signatures;
//   - the seal's validity is checked at the signing time (/M, else timeInfo).
//
// Other software puts the same structure under /adbe.pkcs7.detached (a
// widely copied article on signing PDFs with iText and GB/T 38540); Verify
// recognises an SES_Signature by its content under any /SubFilter and notes
// a /SubFilter other than /GM.sm2seal.

// SES signature dictionary names written by [SignSES].
const (
	SESFilter    = "GM.PKILite"
	SESSubFilter = "GM.sm2seal"
)

// sesSlack is reserved in /Contents beyond the seal and the signer
// certificate: TBS_Sign's other fields, the algorithm and the signature.
const sesSlack = 1024

// SESOptions describe one electronic-seal signature.
type SESOptions struct {
	// SignOptions: Key and Cert sign (Chain is not used: an SES_Signature
	// carries one certificate); Page, Rect, Name, Reason, Location and
	// Time as for [Sign]. A Rect of width or height 0 takes the seal
	// picture's size (mm) at Rect's x, y. An empty Appearance draws the
	// seal's own picture (PNG or JPEG).
	SignOptions
	// Seal is the SESeal (DER, version 4 or any version ParseSESeal reads)
	// whose owner signs; it should list Cert.
	Seal []byte
	// Rand is the signature's randomness; nil means crypto/rand.
	Rand io.Reader
	// TimeStamper, if set, stamps the signature value (SM3 of it for SM2,
	// SHA-256 for ECDSA P-256), and the token goes into the SES_Signature's
	// timeStamp (GB/T 38540: "对签名值的时间戳").
	TimeStamper TimeStamper
}

// sesTimeStampRoom is reserved in /Contents for a time stamp token.
const sesTimeStampRoom = 8192

// SignSES appends an incremental update to in that adds a visible
// electronic seal: a signature field whose /Contents is a GB/T 38540
// version 4 SES_Signature (the seal, the signer certificate, opts.Time as
// timeInfo, the SM3 of the byte range as dataHash, the field name as
// propertyInfo, signed with opts.Key) and whose appearance is the seal's
// picture. The objects written are [Sign]'s, with /Filter /GM.PKILite
// /SubFilter /GM.sm2seal. Several signers sign in turn, and SES and CMS
// signatures mix, by signing the previous output.
func SignSES(in []byte, opts SESOptions) ([]byte, error) {
	return SignSESContext(context.Background(), in, opts)
}

// SignSESContext is [SignSES] with a context for the time stamper.
func SignSESContext(ctx context.Context, in []byte, opts SESOptions) ([]byte, error) {
	if _, err := checkSignOptions(opts.SignOptions); err != nil {
		return nil, fmt.Errorf("sign pdf (SES): %w", err)
	}
	sl, err := seal.ParseSESeal(opts.Seal)
	if err != nil {
		return nil, fmt.Errorf("sign pdf (SES): %w: %w", ErrInvalidOptions, err)
	}
	so := opts.SignOptions
	if so.Rect[2] == 0 || so.Rect[3] == 0 {
		so.Rect[2], so.Rect[3] = mmToPt(sl.Picture.WidthMM), mmToPt(sl.Picture.HeightMM)
	}
	if len(so.Appearance) == 0 {
		img, err := seal.LoadImage(sl.Picture.Data)
		if err != nil {
			return nil, fmt.Errorf("sign pdf (SES): the seal's %q picture cannot be drawn (give an Appearance): %w", sl.Picture.Type, err)
		}
		if so.Appearance, err = seal.EncodePNG(img); err != nil {
			return nil, fmt.Errorf("sign pdf (SES): %w", err)
		}
	}
	size := len(opts.Seal) + len(opts.Cert) + sesSlack
	if opts.TimeStamper != nil {
		size += sesTimeStampRoom
	}
	return sign(in, so, sigFormat{filter: SESFilter, subFilter: SESSubFilter, size: size,
		contents: func(out []byte, a, b int, field string) ([]byte, error) {
			h := sm3.New()
			h.Write(out[:a])
			h.Write(out[b:])
			prop := field
			if !isIA5(prop) {
				prop = "Signature"
			}
			der, err := seal.MakeSESSignature(seal.SignatureInfo{Seal: opts.Seal, SignerCert: opts.Cert, Time: opts.Time,
				DataHash: h.Sum(nil), PropertyInfo: prop}, opts.Key, opts.Rand)
			if err != nil {
				return nil, fmt.Errorf("SES_Signature: %w", err)
			}
			if opts.TimeStamper != nil {
				if der, err = withSESTimeStamp(ctx, der, opts.TimeStamper); err != nil {
					return nil, fmt.Errorf("SES_Signature time stamp: %w", err)
				}
			}
			return der, nil
		}})
}

// sesStampProfile is the hash a time stamp over an SES signature value
// uses: the signature's own profile's.
func sesStampProfile(alg asn1.ObjectIdentifier) (profile, bool) {
	switch sesAlgorithm(alg) {
	case profileSM2.name:
		return profileSM2, true
	case profileECDSA.name:
		return profileECDSA, true
	}
	return profile{}, false
}

// withSESTimeStamp asks ts for a token over the hash of the signature value
// of der (a version 4 SES_Signature without one) and returns der with the
// token as timeStamp [0] EXPLICIT BIT STRING, as signer/seal reads it.
func withSESTimeStamp(ctx context.Context, der []byte, ts TimeStamper) ([]byte, error) {
	ses, err := seal.ParseSESSignature(der)
	if err != nil {
		return nil, err
	}
	prof, ok := sesStampProfile(ses.SignatureAlgorithm)
	if !ok || ses.TimeStamp != nil {
		return nil, fmt.Errorf("%w: algorithm %s or a time stamp already there", ErrInvalidOptions, ses.SignatureAlgorithm)
	}
	token, err := ts.TimeStamp(ctx, prof.digest, hashWith(prof, ses.Signature))
	if err != nil {
		return nil, err
	}
	bs, err := asn1.Marshal(asn1.BitString{Bytes: token, BitLength: 8 * len(token)})
	if err != nil {
		return nil, err
	}
	tagged, err := asn1.Marshal(asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: bs})
	if err != nil {
		return nil, err
	}
	var outer asn1.RawValue
	if _, err := asn1.Unmarshal(der, &outer); err != nil {
		return nil, err
	}
	out, err := asn1.Marshal(asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSequence, IsCompound: true,
		Bytes: append(slices.Clone(outer.Bytes), tagged...)})
	if err != nil {
		return nil, err
	}
	if _, err := seal.ParseSESSignature(out); err != nil {
		return nil, fmt.Errorf("with the time stamp it does not parse: %w", err)
	}
	return out, nil
}

// checkSESTimeStamp verifies an SES_Signature's time stamp: a valid token
// from a trusted TSA whose imprint is the hash of the signature value.
func checkSESTimeStamp(ses *seal.SESSignature, roots, extra []*smx509.Certificate) *TimeStampReport {
	r := &TimeStampReport{}
	info, err := tsa.Verify(ses.TimeStamp, roots, extra)
	if err != nil {
		r.Error = err.Error()
		return r
	}
	t := info.GenTime
	na := info.Signer.NotAfter.UTC()
	r.GenTime, r.TSA, r.Serial, r.TSANotAfter = &t, info.Signer.Subject.String(), info.Serial.Text(16), &na
	_, ok := sesStampProfile(ses.SignatureAlgorithm)
	var want []byte
	switch {
	case !ok:
	case info.HashAlg.Equal(tsa.OIDSHA256):
		want = hashWith(profileECDSA, ses.Signature)
	case info.HashAlg.Equal(tsa.OIDSM3):
		want = hashWith(profileSM2, ses.Signature)
	}
	if want == nil || !bytes.Equal(want, info.Hash) {
		r.Error = "the time stamp's imprint is not the hash of this signature's value"
		return r
	}
	r.Valid = true
	return r
}

func mmToPt(mm int) float64 { return float64(mm) * 72 / 25.4 }

func isIA5(s string) bool {
	for _, r := range s {
		if r > 0x7f {
			return false
		}
	}
	return true
}

// errPadding: /Contents has non-zero bytes after the signature.
var errPadding = errors.New("non-zero bytes after the SES_Signature")

// parseSESContents reads the SES_Signature at the start of a /Contents
// string: one DER element, then only the zero padding of the reserved
// space (as for CMS).
func parseSESContents(b []byte) (*seal.SESSignature, error) {
	var raw asn1.RawValue
	rest, err := asn1.Unmarshal(b, &raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", seal.ErrFormat, err)
	}
	for _, c := range rest {
		if c != 0 {
			return nil, fmt.Errorf("%w: %w", seal.ErrFormat, errPadding)
		}
	}
	return seal.ParseSESSignature(raw.FullBytes)
}

// looksSES tells an SES_Signature from a CMS ContentInfo without parsing
// either: both are SEQUENCEs, but a ContentInfo starts with an OBJECT
// IDENTIFIER and an SES_Signature with its TBS_Sign SEQUENCE.
func looksSES(b []byte) bool {
	var outer asn1.RawValue
	if _, err := asn1.Unmarshal(b, &outer); err != nil || outer.Tag != asn1.TagSequence || !outer.IsCompound {
		return false
	}
	return len(outer.Bytes) > 0 && outer.Bytes[0] == 0x30
}

// sesAlgorithm names an SES signature algorithm as the CMS profiles do.
func sesAlgorithm(oid asn1.ObjectIdentifier) string {
	switch oid.String() {
	case "1.2.156.10197.1.501":
		return profileSM2.name
	case "1.2.840.10045.4.3.2":
		return profileECDSA.name
	}
	return oid.String()
}

// ses verifies an electronic-seal signature once the format checks shared
// with CMS passed: k is the revision it ends, br its byte range.
func (vf *verification) ses(v verdict, r *SignatureReport, i, k int, br [4]int64, contents []byte) {
	opts := vf.opts
	end := br[2] + br[3]
	if r.SubFilter != SESSubFilter {
		v.note("an SES_Signature (GB/T 38540) under /SubFilter %q, not /%s", r.SubFilter, SESSubFilter)
	}
	ses, err := parseSESContents(contents)
	if err != nil {
		v.fail(TotalFailed, FormatFailure, "SES_Signature: "+err.Error())
		return
	}
	r.SESVersion = ses.Version
	r.Algorithm = sesAlgorithm(ses.SignatureAlgorithm)
	r.Seal = &SealView{Name: ses.Seal.Name, ESID: ses.Seal.ESID, Vendor: ses.Seal.VendorID, Version: ses.Seal.Version, Type: ses.Seal.Type}
	cert, cerr := smx509.ParseCertificate(ses.Cert)
	if cerr == nil {
		r.SignedBy = &SignedBy{Subject: cert.Subject.String(), Serial: cert.SerialNumber.Text(16),
			Issuer: cert.Issuer.String(), Fingerprint: signer.FingerprintOf(cert.Raw).String()}
	}
	if ses.TimeStamp != nil {
		var extra []*smx509.Certificate
		if vf.dss != nil {
			extra = vf.dss.certs
		}
		roots := append(append([]*smx509.Certificate(nil), opts.Roots...), opts.TSARoots...)
		r.TimeStamp = checkSESTimeStamp(ses, roots, extra)
		if !r.TimeStamp.Valid {
			v.note("the SES_Signature's time stamp is not valid: %s", r.TimeStamp.Error)
		}
	}

	// Signing time: the caller's (the chain's), else timeInfo, else /M;
	// the last two are claims.
	var at time.Time
	authoritative := false
	if opts.SigningTime != nil {
		if t, ok := opts.SigningTime(i); ok {
			at, authoritative, r.SigningTimeSource = t, true, TimeFromCaller
		}
	}
	if !authoritative && opts.SigningTimeOf != nil {
		if t, ok := opts.SigningTimeOf(r); ok {
			at, authoritative, r.SigningTimeSource = t, true, TimeFromCaller
		}
	}
	if !authoritative && r.TimeStamp != nil && r.TimeStamp.Valid {
		at, authoritative, r.SigningTimeSource = *r.TimeStamp.GenTime, true, TimeFromTimeStamp
	}
	if at.IsZero() && !ses.Time.IsZero() {
		at, r.SigningTimeSource = ses.Time, TimeFromSES
	}
	if at.IsZero() && r.ClaimedTime != "" {
		if t, err := parsePDFDate(r.ClaimedTime); err == nil {
			at, r.SigningTimeSource = t, TimeFromPDF
		}
	}
	if !at.IsZero() {
		t := at.UTC()
		r.SigningTime = &t
	}
	if m, err := parsePDFDate(r.ClaimedTime); err == nil && !ses.Time.IsZero() && !m.Equal(ses.Time) {
		v.note("/M %s differs from the SES_Signature's timeInfo %s", m.UTC().Format(time.RFC3339), ses.Time.Format(time.RFC3339))
	}

	sealRoots := opts.SealRoots
	if sealRoots == nil {
		sealRoots = opts.Roots
	}
	digest := vf.digests.sum(profileSM2, int(br[1]), int(br[2]), int(end))
	rep, _ := ses.VerifyDigest(digest, sealRoots, opts.Roots, at)
	r.Checks = rep.Checks
	if rep.Seal != nil {
		r.SealChecks = rep.Seal.Checks
		r.Notes = append(r.Notes, rep.Seal.NotUnderstood...)
		for _, t := range rep.Seal.Tolerated {
			v.note("seal tolerated: %s", t)
		}
	}
	r.Notes = append(r.Notes, rep.NotUnderstood...)
	for _, t := range rep.Tolerated {
		v.note("signature tolerated: %s", t)
	}
	for _, c := range rep.Checks {
		if c.Status == seal.CheckFailed {
			v.note("%s: %s", c.Name, c.Detail)
		}
	}
	if ind, sub := classifySES(rep, authoritative, cert, at); ind != "" {
		v.fail(ind, sub, "")
	}
	// Sealchain's own policy on top of GB/T 38540's chain check: a signer
	// certificate issued directly by a trusted CA for signing, its status,
	// and the long-term rule at the validation time.
	if cerr == nil && !at.IsZero() {
		checkCert(v, cert, at, authoritative, opts, vf.dss)
		checkExpiredAtValidation(v, cert, at, authoritative, opts.ValidationTime)
	}
	vf.modifications(v, r, k, end)
}

// classifySES maps an SES report onto ETSI indications as signer/ofd
// does: digest and cryptographic failures are TOTAL_FAILED, what depends
// on trust or time INDETERMINATE. An empty indication means passed.
func classifySES(rep *seal.Report, authoritative bool, cert *smx509.Certificate, at time.Time) (Indication, SubIndication) {
	failed := func(name string) bool {
		c, ok := rep.Check(name)
		return ok && c.Status == seal.CheckFailed
	}
	sealFailed := func(name string) bool {
		if rep.Seal == nil {
			return false
		}
		c, ok := rep.Seal.Check(name)
		return ok && c.Status == seal.CheckFailed
	}
	switch {
	case failed(seal.CheckHeader):
		return TotalFailed, FormatFailure
	case failed(seal.CheckDataHash):
		return TotalFailed, HashFailure
	case failed(seal.CheckAlgorithm) || failed(seal.CheckSignature):
		return TotalFailed, SigCryptoFailure
	case sealFailed(seal.CheckHeader) || sealFailed(seal.CheckAlgorithm) || sealFailed(seal.CheckSignature) || sealFailed(seal.CheckPicture):
		return TotalFailed, SigCryptoFailure
	case failed(seal.CheckSignTime):
		return Indeterminate, NoPOE
	case failed(seal.CheckSigner):
		if cert != nil && (at.Before(cert.NotBefore) || at.After(cert.NotAfter)) {
			switch {
			case !authoritative:
				return Indeterminate, OutOfBoundsNoPOE
			case at.After(cert.NotAfter):
				return TotalFailed, Expired
			default:
				return TotalFailed, NotYetValid
			}
		}
		return Indeterminate, NoCertificateChainFound
	case sealFailed(seal.CheckValidity):
		if !authoritative {
			return Indeterminate, OutOfBoundsNoPOE
		}
		return Indeterminate, Expired
	case sealFailed(seal.CheckMaker):
		return Indeterminate, NoCertificateChainFound
	case failed(seal.CheckSeal), failed(seal.CheckBinding):
		return Indeterminate, ChainConstraintsFailure
	}
	return "", ""
}
