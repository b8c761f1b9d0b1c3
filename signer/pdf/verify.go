package pdf

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"strconv"
	"time"

	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/smx509"

	"github.com/sealchain/sealchain/signer"
)

// CertStatus is the revocation status of a certificate as known to the
// caller (for instance from the chain's revocation records).
type CertStatus struct {
	Revoked   bool      `json:"revoked"`
	RevokedAt time.Time `json:"revoked_at,omitzero"`
	Reason    string    `json:"reason,omitempty"`
}

// VerifyOptions configure [Verify].
type VerifyOptions struct {
	// Roots are the trusted organisation CA certificates. Signer
	// certificates must be issued directly by one of them
	// ([signer.VerifyIssued] with [signer.UsageSigner]).
	Roots []*smx509.Certificate
	// SigningTime, if set, returns the authoritative signing time of the
	// signature with the given index (file order, from 0), typically the
	// block time of the transaction that recorded it, and false if unknown.
	// Without it the CMS signing-time or /M is used and marked as claimed.
	SigningTime func(index int) (time.Time, bool)
	// SigningTimeOf, if set and SigningTime gave no time, is asked the
	// same with the report so far: Index, Scope (the signed byte range)
	// and SignedBy are filled in, so a caller can look the signed revision
	// up (for instance on chain) during the single pass.
	SigningTimeOf func(sig *SignatureReport) (time.Time, bool)
	// Status, if set, reports the revocation status of the certificate with
	// fingerprint fp as of time at (the signing time). An error makes the
	// signature INDETERMINATE/TRY_LATER.
	Status func(fp signer.Fingerprint, at time.Time) (CertStatus, error)
	// TSARoots are trusted issuers of time-stamping certificates in
	// addition to Roots (organisation CAs issue their nodes' TSA
	// certificates).
	TSARoots []*smx509.Certificate
	// ValidationTime is when the validation happens (zero: not checked;
	// the CLI passes the clock, or --at). Certificate validity is checked
	// at the signing time; ValidationTime adds the long-term rule: once
	// the signer certificate has expired, only a proof of existence before
	// its expiry (a valid signature time stamp, or a time from the caller,
	// i.e. the chain) keeps the signature valid; a claimed time makes it
	// INDETERMINATE/OUT_OF_BOUNDS_NO_POE.
	ValidationTime time.Time
	// SealRoots are the trusted seal makers' CAs for electronic-seal
	// signatures (SES_Signature); nil means Roots.
	SealRoots []*smx509.Certificate
}

// Verify validates every signature dictionary in data. The steps for each
// signature, cheapest first, and the sub-indication each failure yields:
//
//  1. format: the signature dictionary parses, /ByteRange is [0 a b c]
//     with a and b the bounds of this dictionary's /Contents string, b+c is
//     the end of a revision (%%EOF) within the file, the CMS parses:
//     FORMAT_FAILURE.
//  2. digest over the two byte ranges equals the message-digest attribute:
//     HASH_FAILURE.
//  3. the signature over the signed attributes verifies with the signer
//     certificate's key: SIG_CRYPTO_FAILURE (NO_SIGNING_CERTIFICATE_FOUND if
//     the certificate is missing or does not match signing-certificate-v2).
//  4. the certificate was issued by a root in opts.Roots with the signer
//     usage and was valid at the signing time: NO_CERTIFICATE_CHAIN_FOUND,
//     CHAIN_CONSTRAINTS_FAILURE, EXPIRED / NOT_YET_VALID (authoritative
//     time) or OUT_OF_BOUNDS_NO_POE (claimed time).
//  5. status via opts.Status: REVOKED (authoritative time) or
//     REVOKED_NO_POE (claimed time), TRY_LATER on error.
//  6. later revisions change only signature-related objects: otherwise
//     INDETERMINATE/SIG_CONSTRAINTS_FAILURE with Modifications "other" or
//     "unknown".
//
// The first failing step sets the indication; later steps still run to
// fill in the report. Verify returns an error only when no signature
// dictionary is found ([ErrNoSignature]); everything else is reported.
func Verify(data []byte, opts VerifyOptions) (*Report, error) {
	return VerifyContext(context.Background(), data, opts)
}

// VerifyContext is [Verify] that gives up when ctx is done: between its
// passes, between signatures and inside pdfcpu's parses. It then returns
// an error wrapping both [ErrTooComplex] and ctx.Err().
func VerifyContext(ctx context.Context, data []byte, opts VerifyOptions) (*Report, error) {
	return (&scanner{data: data, ctx: ctx}).verify(opts)
}

// stopped returns the error to give up with once s.ctx is done.
func (s *scanner) stopped() error {
	if s.ctx == nil || s.ctx.Err() == nil {
		return nil
	}
	return fmt.Errorf("verify pdf: %w: gave up: %w", ErrTooComplex, s.ctx.Err())
}

func (s *scanner) verify(opts VerifyOptions) (*Report, error) {
	if s.ctx == nil {
		s.ctx = context.Background()
	}
	cands, err := s.signatures()
	if err != nil {
		return nil, fmt.Errorf("verify pdf: %w", err)
	}
	if len(cands) == 0 {
		return nil, fmt.Errorf("verify pdf: %w", ErrNoSignature)
	}
	revs, err := s.revisions(cands)
	if err != nil {
		return nil, fmt.Errorf("verify pdf: %w", err)
	}
	if err := s.stopped(); err != nil {
		return nil, err
	}
	s.countXRefSections()
	s.countXRefTables()
	mods := newModAnalyzer(s.data, revs)
	mods.ctx = s.ctx
	mods.entriesBefore = s.entriesBefore
	mods.largestObject = s.largestObject
	if hdr, err := headerOffset(s.data); err == nil {
		s.hdrBase = hdr
		memo := map[int]bool{}
		mods.chainOK = func(j int) bool { return s.xrefChainOK(revs[j].eof, hdr, memo) }
	}
	if s.xrefSections > maxXRefSections || len(s.xrefTables) > maxXRefSections {
		mods.refuse = fmt.Sprintf("more than %d cross-reference sections", maxXRefSections)
	}
	v := &verification{
		s: s, opts: opts, revs: revs, mods: mods,
		names: s.fieldNames(cands), digests: newDigester(s), lastEnd: -1,
	}
	rep := &Report{FileSize: int64(len(s.data)), Revisions: len(revs), Indication: TotalPassed}
	// The DSS is read only when the file mentions one, so that files
	// without one cost no extra parse.
	if bytes.Contains(s.data, []byte("/DSS")) {
		if c, err := mods.context(len(revs) - 1); err == nil && c != nil {
			v.dss = readDSS(c)
		}
		if v.dss != nil {
			rep.DSS = &DSSReport{Certs: len(v.dss.certs), OCSPs: len(v.dss.ocsps), CRLs: len(v.dss.crls)}
		}
	}
	for i, c := range cands {
		if err := s.stopped(); err != nil {
			return nil, err
		}
		var sr SignatureReport
		if isDocTimeStamp(c) {
			sr = v.docTimeStamp(i, c)
			rep.DocTimeStamps = append(rep.DocTimeStamps, sr)
		} else {
			sr = v.one(i, c)
			rep.Signatures = append(rep.Signatures, sr)
		}
		switch {
		case sr.Indication == TotalFailed:
			rep.Indication = TotalFailed
		case sr.Indication == Indeterminate && rep.Indication == TotalPassed:
			rep.Indication = Indeterminate
		}
	}
	v.archive(rep)
	s.pdfcpuWork = v.mods.work
	if err := s.stopped(); err != nil {
		return nil, err
	}
	return rep, nil
}

type sigCandidate struct {
	objStart int // offset of "N G obj"
	dict     pDict
	err      error
}

func findByteRangeDict(o any, depth int) pDict {
	if depth > maxDepth {
		return nil
	}
	switch v := o.(type) {
	case pDict:
		if _, ok := v["ByteRange"]; ok {
			return v
		}
		for _, x := range v {
			if d := findByteRangeDict(x, depth+1); d != nil {
				return d
			}
		}
	case []any:
		for _, x := range v {
			if d := findByteRangeDict(x, depth+1); d != nil {
				return d
			}
		}
	}
	return nil
}

// revision is one %%EOF-terminated revision.
type revision struct {
	eof int // offset of "%%EOF"
	end int // offset after it and its end-of-line
}

func byteRange(d pDict) ([4]int64, bool) {
	var br [4]int64
	a, ok := d["ByteRange"].([]any)
	if !ok || len(a) != 4 {
		return br, false
	}
	for i, v := range a {
		n, ok := v.(int64)
		if !ok || n < 0 {
			return br, false
		}
		br[i] = n
	}
	return br, true
}

// verdict records the first failure.
type verdict struct{ r *SignatureReport }

func (v verdict) fail(ind Indication, sub SubIndication, note string) {
	if v.r.Indication == "" {
		v.r.Indication, v.r.SubIndication = ind, sub
	}
	if note != "" {
		v.r.Notes = append(v.r.Notes, note)
	}
}

func (v verdict) note(format string, a ...any) {
	v.r.Notes = append(v.r.Notes, fmt.Sprintf(format, a...))
}

// verification is the state shared by the signatures of one file.
type verification struct {
	s       *scanner
	opts    VerifyOptions
	revs    []revision
	mods    *modAnalyzer
	names   map[int]string
	digests *digester
	lastEnd int // end of the previous format-valid signature's byte range
	lastIdx int
	dss     *dssData // nil: no DSS
	blt     map[int]bltSignature
}

func (vf *verification) one(i int, c sigCandidate) SignatureReport {
	opts := vf.opts
	r := SignatureReport{Index: i, SigningTimeSource: TimeSourceMissing, Modifications: ModUnknown}
	v := verdict{&r}
	if c.err != nil {
		v.fail(TotalFailed, FormatFailure, "signature dictionary unreadable: "+c.err.Error())
		return r
	}
	d := c.dict
	r.SubFilter = dictName(d, "SubFilter")
	r.Name, r.Reason, r.Location = dictText(d, "Name"), dictText(d, "Reason"), dictText(d, "Location")
	r.ClaimedTime = dictText(d, "M")
	br, contents, end, k, ok := vf.format(i, c, v)
	if !ok {
		return r
	}

	if r.SubFilter == SESSubFilter || looksSES(contents.b) {
		vf.ses(v, &r, i, k, br, contents.b)
		if r.Indication == "" {
			r.Indication = TotalPassed
		}
		return r
	}

	cms, err := parseCMS(contents.b)
	if err != nil {
		v.fail(TotalFailed, FormatFailure, "CMS: "+err.Error())
		return r
	}
	if r.SubFilter != "ETSI.CAdES.detached" && r.SubFilter != "adbe.pkcs7.detached" {
		v.note("unexpected /SubFilter %q", r.SubFilter)
	}
	if cms.signer != nil {
		fp := signer.FingerprintOf(cms.signer.Raw)
		r.SignedBy = &SignedBy{
			Subject: cms.signer.Subject.String(), Serial: cms.signer.SerialNumber.Text(16),
			Issuer: cms.signer.Issuer.String(), Fingerprint: fp.String(),
		}
	}
	if cms.unsupported != "" {
		v.fail(Indeterminate, CryptoConstraintsFailure, "unsupported algorithms: "+cms.unsupported)
		return r
	}
	r.Algorithm = cms.profile.name

	// 2. Digest.
	if !bytes.Equal(vf.digests.sum(cms.profile, int(br[1]), int(br[2]), int(end)), cms.digest) {
		v.fail(TotalFailed, HashFailure, "the signed bytes do not match the message digest")
	}

	// 3. Signature.
	if cms.signer == nil {
		v.fail(Indeterminate, NoSigningCertificateFound, "the signer certificate is not in the CMS")
		return r
	}
	pub, _ := cms.signer.PublicKey.(*ecdsa.PublicKey)
	alg, err := signer.PublicKeyAlgorithm(cms.signer.PublicKey)
	wantAlg := map[string]signer.Algorithm{profileSM2.name: signer.AlgSM2, profileECDSA.name: signer.AlgECDSAP256}[cms.profile.name]
	switch {
	case err != nil || alg != wantAlg:
		v.fail(TotalFailed, SigCryptoFailure, fmt.Sprintf("certificate key does not fit %s", cms.profile.name))
	case signer.Verify(pub, cms.signedAttrs, cms.signature) != nil:
		v.fail(TotalFailed, SigCryptoFailure, "the signature value does not verify")
	}
	if cms.essCertHash != nil {
		var eh hash.Hash
		switch {
		case cms.essHashAlg == nil || cms.essHashAlg.Equal(oidSHA256):
			eh = sha256.New()
		case cms.essHashAlg.Equal(oidSM3):
			eh = sm3.New()
		}
		if eh == nil {
			v.note("signing-certificate-v2 uses unsupported hash %s", cms.essHashAlg)
		} else if eh.Write(cms.signer.Raw); !bytes.Equal(eh.Sum(nil), cms.essCertHash) {
			v.fail(Indeterminate, NoSigningCertificateFound, "signing-certificate-v2 does not match the signer certificate")
		}
	} else {
		v.note("no signing-certificate-v2 attribute")
	}

	// Signature time stamp (B-T).
	if len(cms.timeStamps) > 0 {
		var extra []*smx509.Certificate
		if vf.dss != nil {
			extra = vf.dss.certs
		}
		roots := append(append([]*smx509.Certificate(nil), opts.Roots...), opts.TSARoots...)
		r.TimeStamp = checkTimeStamp(cms.timeStamps[0], cms, roots, extra)
		if !r.TimeStamp.Valid {
			v.note("the signature time stamp is not valid: %s", r.TimeStamp.Error)
		}
		if len(cms.timeStamps) > 1 {
			v.note("only the first of %d signature time stamps was checked", len(cms.timeStamps))
		}
	}

	// Signing time.
	var at time.Time
	authoritative := false
	if opts.SigningTime != nil {
		if t, ok := opts.SigningTime(i); ok {
			at, authoritative, r.SigningTimeSource = t, true, TimeFromCaller
		}
	}
	if !authoritative && opts.SigningTimeOf != nil {
		if t, ok := opts.SigningTimeOf(&r); ok {
			at, authoritative, r.SigningTimeSource = t, true, TimeFromCaller
		}
	}
	if !authoritative && r.TimeStamp != nil && r.TimeStamp.Valid {
		at, authoritative, r.SigningTimeSource = *r.TimeStamp.GenTime, true, TimeFromTimeStamp
	}
	if at.IsZero() && cms.signingTime != nil {
		at, r.SigningTimeSource = *cms.signingTime, TimeFromCMS
	}
	if at.IsZero() && r.ClaimedTime != "" {
		if t, err := parsePDFDate(r.ClaimedTime); err == nil {
			at, r.SigningTimeSource = t, TimeFromPDF
		} else {
			v.note("unparsable /M %q", r.ClaimedTime)
		}
	}
	if at.IsZero() {
		v.fail(Indeterminate, NoPOE, "no signing time: certificate validity not checked")
	} else {
		t := at.UTC()
		r.SigningTime = &t
		checkCert(v, cms.signer, at, authoritative, opts, vf.dss)
		checkExpiredAtValidation(v, cms.signer, at, authoritative, opts.ValidationTime)
	}

	// 6. Modifications.
	vf.modifications(v, &r, k, end)
	if r.Indication == "" {
		r.Indication = TotalPassed
	}
	if r.Indication != TotalFailed && cms.essCertHash != nil {
		r.Level = LevelBB
		if r.TimeStamp != nil && r.TimeStamp.Valid {
			r.Level = LevelBT
			root := issuingRoot(cms.signer, opts.Roots)
			if r.Revocation != nil && root != nil && vf.dss.hasCert(cms.signer) && vf.dss.hasCert(root) {
				r.Level = LevelBLT
				if vf.blt == nil {
					vf.blt = map[int]bltSignature{}
				}
				vf.blt[i] = bltSignature{leaf: cms.signer, root: root, end: end}
			}
		}
	}
	return r
}

// modifications fails a signature ending revision k (at byte end) whose
// later revisions change more than signatures.
func (vf *verification) modifications(v verdict, r *SignatureReport, k int, end int64) {
	switch r.Modifications {
	case ModOther:
		v.fail(Indeterminate, SigConstraintsFailure, fmt.Sprintf("the document was modified after revision %d; the signed revision is bytes 0..%d", k+1, end))
	case ModUnknown:
		v.fail(Indeterminate, SigConstraintsFailure, "later revisions could not be analysed")
	}
	for _, n := range vf.mods.notesAfter(k) {
		v.note("%s", n)
	}
}

// format is step 1 for signatures and document time stamps alike: the
// /ByteRange and /Contents, the revision signed, the field name and the
// modifications after it.
func (vf *verification) format(i int, c sigCandidate, v verdict) (br [4]int64, contents pStr, end int64, k int, ok bool) {
	data, revs, mods := vf.s.data, vf.revs, vf.mods
	// 1. Format.
	d, r := c.dict, v.r
	br, ok = byteRange(d)
	contents, cok := d["Contents"].(pStr)
	switch {
	case !ok:
		v.fail(TotalFailed, FormatFailure, "/ByteRange is not an array of 4 non-negative integers")
		return br, contents, 0, 0, false
	case !cok || !contents.hex:
		v.fail(TotalFailed, FormatFailure, "/Contents is not a hex string")
		return br, contents, 0, 0, false
	}
	r.Scope.ByteRange = br
	end = br[2] + br[3]
	switch {
	case br[0] != 0 || br[1] != int64(contents.start) || br[2] != int64(contents.end):
		v.fail(TotalFailed, FormatFailure, fmt.Sprintf("/ByteRange %v does not exclude exactly this signature's /Contents (bytes %d..%d)", br, contents.start, contents.end))
		return br, contents, 0, 0, false
	case br[2] > int64(len(data)) || br[3] > int64(len(data)) || end > int64(len(data)):
		v.fail(TotalFailed, FormatFailure, fmt.Sprintf("/ByteRange ends at %d beyond the end of the file (%d bytes): file truncated", end, len(data)))
		return br, contents, 0, 0, false
	case vf.s.eofBefore(int(end)) < 0:
		v.fail(TotalFailed, FormatFailure, fmt.Sprintf("/ByteRange ends at %d, which is not the end of a revision", end))
		return br, contents, 0, 0, false
	case vf.lastEnd >= 0 && br[1] < int64(vf.lastEnd):
		// Incremental signing puts each signature after the revision the
		// previous one signed; overlapping ranges would also let a file
		// make every signature hash the whole file again.
		v.fail(TotalFailed, FormatFailure, fmt.Sprintf("/Contents at byte %d lies inside the range signed by signature %d (bytes 0..%d)", br[1], vf.lastIdx, vf.lastEnd))
		return br, contents, 0, 0, false
	}
	vf.lastEnd, vf.lastIdx = int(end), i
	k = revIndex(revs, int(end))
	r.Scope.Revision, r.Scope.Revisions = k+1, len(revs)
	r.Scope.Description = fmt.Sprintf("full document at revision %d of %d (bytes 0..%d except /Contents)", k+1, len(revs), end)
	if f := vf.names[c.objStart]; f != "" {
		r.FieldName = f
	}
	r.Modifications = mods.after(k)
	return br, contents, end, k, true

}

func checkCert(v verdict, leaf *smx509.Certificate, at time.Time, authoritative bool, opts VerifyOptions, dss *dssData) {
	claimed := ""
	if !authoritative {
		claimed = " (claimed)"
	}
	_, err := signer.VerifyIssued(leaf, opts.Roots, at, signer.UsageSigner)
	var ve *signer.ValidityError
	switch {
	case err == nil:
	case errors.Is(err, signer.ErrUnknownIssuer):
		v.fail(Indeterminate, NoCertificateChainFound, err.Error())
	case errors.As(err, &ve):
		switch {
		case !authoritative:
			v.fail(Indeterminate, OutOfBoundsNoPOE, err.Error())
		case at.After(ve.NotAfter):
			v.fail(TotalFailed, Expired, err.Error())
		default:
			v.fail(TotalFailed, NotYetValid, err.Error())
		}
	default:
		v.fail(Indeterminate, ChainConstraintsFailure, err.Error())
	}
	if rr, ok := dss.revocation(leaf, issuingRoot(leaf, opts.Roots)); ok {
		v.r.Revocation = &rr
		if !rr.Revoked && rr.IssuedAt.Before(at.Truncate(time.Second)) { // OCSP and CRL times are whole seconds
			v.note("the DSS states the certificate good only as of %s, before the signing time", rr.IssuedAt.Format(time.RFC3339))
		}
	}
	var st CertStatus
	switch {
	case opts.Status != nil:
		st, err = opts.Status(signer.FingerprintOf(leaf.Raw), at)
	case v.r.Revocation != nil:
		// The embedded validation data stand in for the chain's status.
		st.Revoked = v.r.Revocation.Revoked
		if st.Revoked {
			st.RevokedAt = *v.r.Revocation.RevokedAt
		}
		v.note("certificate status from the DSS (%s issued %s)", v.r.Revocation.Source, v.r.Revocation.IssuedAt.Format(time.RFC3339))
	default:
		v.note("certificate status not checked (no Status callback)")
		return
	}
	switch {
	case err != nil:
		v.fail(Indeterminate, TryLater, "certificate status: "+err.Error())
	case !st.Revoked:
	case !st.RevokedAt.After(at):
		msg := fmt.Sprintf("certificate revoked at %s, at or before the signing time %s%s", st.RevokedAt.UTC().Format(time.RFC3339), at.UTC().Format(time.RFC3339), claimed)
		if authoritative {
			v.fail(TotalFailed, Revoked, msg)
		} else {
			v.fail(Indeterminate, RevokedNoPOE, msg)
		}
	case authoritative:
		v.note("certificate revoked at %s, after the signing time %s: the signature remains valid", st.RevokedAt.UTC().Format(time.RFC3339), at.UTC().Format(time.RFC3339))
	default:
		v.fail(Indeterminate, RevokedNoPOE, fmt.Sprintf("certificate revoked at %s; the signing time %s is only claimed", st.RevokedAt.UTC().Format(time.RFC3339), at.UTC().Format(time.RFC3339)))
	}
}

func revIndex(revs []revision, end int) int {
	for i, r := range revs {
		if r.end == end {
			return i
		}
	}
	return len(revs) - 1
}

// parsePDFDate parses D:YYYYMMDDHHmmSS with an optional Z or +HH'mm' offset.
func parsePDFDate(s string) (time.Time, error) {
	s = string(bytes.TrimPrefix([]byte(s), []byte("D:")))
	if len(s) < 14 {
		return time.Time{}, fmt.Errorf("short date %q", s)
	}
	t, err := time.Parse("20060102150405", s[:14])
	if err != nil {
		return time.Time{}, err
	}
	rest := s[14:]
	if len(rest) >= 3 && (rest[0] == '+' || rest[0] == '-') {
		hh, err1 := strconv.Atoi(rest[1:3])
		mm := 0
		if len(rest) >= 6 {
			mm, _ = strconv.Atoi(rest[4:6])
		}
		if err1 != nil {
			return time.Time{}, err1
		}
		off := time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute
		if rest[0] == '+' {
			t = t.Add(-off)
		} else {
			t = t.Add(off)
		}
	}
	return t.UTC(), nil
}

// checkExpiredAtValidation applies the long-term rule of
// VerifyOptions.ValidationTime to the signer certificate and notes the TSA
// certificate's expiry (a later document time stamp covers it: archive).
func checkExpiredAtValidation(v verdict, leaf *smx509.Certificate, at time.Time, authoritative bool, now time.Time) {
	if now.IsZero() || !now.After(leaf.NotAfter) {
		return
	}
	switch {
	case !authoritative:
		v.fail(Indeterminate, OutOfBoundsNoPOE, fmt.Sprintf("the signer certificate expired %s, before the validation time %s, and the signing time %s is only claimed",
			leaf.NotAfter.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339), at.UTC().Format(time.RFC3339)))
	default:
		v.note("the signer certificate expired %s; the signature existed at %s (%s), before that", leaf.NotAfter.UTC().Format(time.RFC3339),
			at.UTC().Format(time.RFC3339), v.r.SigningTimeSource)
	}
	if ts := v.r.TimeStamp; ts != nil && ts.Valid && ts.TSANotAfter != nil && now.After(*ts.TSANotAfter) {
		v.note("the time stamp's TSA certificate expired %s, before the validation time", ts.TSANotAfter.UTC().Format(time.RFC3339))
	}
}
