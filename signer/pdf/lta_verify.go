package pdf

import (
	"bytes"
	"encoding/asn1"
	"fmt"
	"time"

	"github.com/emmansun/gmsm/smx509"

	"github.com/sealchain/sealchain/signer/tsa"
)

// TimeFromDocTimeStamp: the genTime of a valid document time stamp.
const TimeFromDocTimeStamp TimeSource = "document_timestamp"

// isDocTimeStamp: the candidate is a document time stamp (PAdES B-LTA),
// not a signature.
func isDocTimeStamp(c sigCandidate) bool {
	return c.err == nil && (dictName(c.dict, "Type") == "DocTimeStamp" || dictName(c.dict, "SubFilter") == "ETSI.RFC3161")
}

// bltSignature is a signature found at B-LT, which a later document time
// stamp may raise to B-LTA.
type bltSignature struct {
	leaf, root *smx509.Certificate
	end        int64
}

// docTimeStamp validates a document time stamp: the format of step 1, the
// token (signer/tsa: CMS signature, TSA certificate issued by a trusted root
// with the critical timeStamping usage, valid at genTime), its imprint
// against the byte range, and the modifications after it.
func (vf *verification) docTimeStamp(i int, c sigCandidate) SignatureReport {
	r := SignatureReport{Index: i, SigningTimeSource: TimeSourceMissing, Modifications: ModUnknown}
	v := verdict{&r}
	r.SubFilter = dictName(c.dict, "SubFilter")
	if r.SubFilter != "ETSI.RFC3161" || dictName(c.dict, "Type") != "DocTimeStamp" {
		v.fail(TotalFailed, FormatFailure, fmt.Sprintf("a document time stamp needs /Type /DocTimeStamp and /SubFilter /ETSI.RFC3161, not %q and %q",
			dictName(c.dict, "Type"), r.SubFilter))
		return r
	}
	br, contents, end, k, ok := vf.format(i, c, v)
	if !ok {
		return r
	}
	var raw asn1.RawValue
	if _, err := asn1.Unmarshal(contents.b, &raw); err != nil {
		v.fail(TotalFailed, FormatFailure, "the time stamp token does not parse: "+err.Error())
		return r
	}
	var extra []*smx509.Certificate
	if vf.dss != nil {
		extra = vf.dss.certs
	}
	roots := append(append([]*smx509.Certificate(nil), vf.opts.Roots...), vf.opts.TSARoots...)
	ts := &TimeStampReport{}
	r.TimeStamp = ts
	info, err := tsa.Verify(raw.FullBytes, roots, extra)
	if err != nil {
		ts.Error = err.Error()
		v.fail(Indeterminate, NoCertificateChainFound, "the document time stamp does not verify: "+err.Error())
		return r
	}
	t, na := info.GenTime.UTC(), info.Signer.NotAfter.UTC()
	ts.GenTime, ts.TSA, ts.Serial, ts.TSANotAfter = &t, info.Signer.Subject.String(), info.Serial.Text(16), &na
	r.SigningTime, r.SigningTimeSource = &t, TimeFromDocTimeStamp
	r.SignedBy = &SignedBy{Subject: info.Signer.Subject.String(), Serial: info.Signer.SerialNumber.Text(16), Issuer: info.Signer.Issuer.String()}
	var p *profile
	switch {
	case info.HashAlg.Equal(tsa.OIDSHA256):
		p = &profileECDSA
	case info.HashAlg.Equal(tsa.OIDSM3):
		p = &profileSM2
	}
	if p == nil {
		v.fail(Indeterminate, CryptoConstraintsFailure, "unsupported imprint hash "+info.HashAlg.String())
		return r
	}
	r.Algorithm = p.name
	if !bytes.Equal(vf.digests.sum(*p, int(br[1]), int(br[2]), int(end)), info.Hash) {
		ts.Error = "the imprint is not the hash of the time-stamped revision"
		v.fail(TotalFailed, HashFailure, ts.Error)
	} else {
		ts.Valid = true
	}
	if rr, ok := vf.dss.revocation(info.Signer, info.Root); ok {
		r.Revocation = &rr
		if rr.Revoked && rr.RevokedAt != nil && !rr.RevokedAt.After(t) {
			v.fail(TotalFailed, Revoked, fmt.Sprintf("the TSA certificate was revoked at %s, at or before genTime", rr.RevokedAt.Format(time.RFC3339)))
		}
	}
	switch r.Modifications {
	case ModOther:
		v.fail(Indeterminate, SigConstraintsFailure, fmt.Sprintf("the document was modified after revision %d; the time-stamped revision is bytes 0..%d", k+1, end))
	case ModUnknown:
		v.fail(Indeterminate, SigConstraintsFailure, "later revisions could not be analysed")
	}
	for _, n := range vf.mods.notesAfter(k) {
		v.note("%s", n)
	}
	if r.Indication == "" {
		r.Indication = TotalPassed
	}
	return r
}

// archive raises B-LT signatures to B-LTA and applies the archive rule of
// the long-term validation: a time stamp whose TSA certificate expired
// before the validation time is still proof of existence when a later
// valid document time stamp was made before that expiry (and so covers the
// earlier token and the validation data beside it).
func (vf *verification) archive(rep *Report) {
	type dts struct {
		genTime time.Time
		end     int64
		dss     *dssData
	}
	var valid []dts
	for _, d := range rep.DocTimeStamps {
		if d.Indication != TotalPassed || d.TimeStamp == nil || !d.TimeStamp.Valid {
			continue
		}
		x := dts{genTime: *d.TimeStamp.GenTime, end: d.Scope.ByteRange[2] + d.Scope.ByteRange[3]}
		if c, err := vf.mods.context(d.Scope.Revision - 1); err == nil && c != nil {
			x.dss = readDSS(c)
		}
		valid = append(valid, x)
	}
	coveredBy := func(end int64, notAfter time.Time) *dts {
		for i := range valid {
			if valid[i].end > end && valid[i].genTime.Before(notAfter) {
				return &valid[i]
			}
		}
		return nil
	}
	now := vf.opts.ValidationTime
	for i := range rep.Signatures {
		r := &rep.Signatures[i]
		if b, ok := vf.blt[r.Index]; ok && r.Level == LevelBLT {
			for _, d := range valid {
				if d.end > b.end && d.dss.hasCert(b.leaf) && d.dss.hasCert(b.root) {
					if _, ok := d.dss.revocation(b.leaf, b.root); ok {
						r.Level = LevelBLTA
						break
					}
				}
			}
		}
		if ts := r.TimeStamp; ts != nil && ts.Valid && ts.TSANotAfter != nil && !now.IsZero() && now.After(*ts.TSANotAfter) {
			end := r.Scope.ByteRange[2] + r.Scope.ByteRange[3]
			if d := coveredBy(end, *ts.TSANotAfter); d != nil {
				r.Notes = append(r.Notes, fmt.Sprintf("the signature time stamp is covered by the document time stamp of %s, made before its TSA certificate expired", d.genTime.Format(time.RFC3339)))
			}
		}
	}
	for i := range rep.DocTimeStamps {
		r := &rep.DocTimeStamps[i]
		ts := r.TimeStamp
		if ts == nil || !ts.Valid || ts.TSANotAfter == nil || now.IsZero() || !now.After(*ts.TSANotAfter) {
			continue
		}
		end := r.Scope.ByteRange[2] + r.Scope.ByteRange[3]
		if d := coveredBy(end, *ts.TSANotAfter); d != nil {
			r.Notes = append(r.Notes, fmt.Sprintf("its TSA certificate expired %s; covered by the document time stamp of %s", ts.TSANotAfter.Format(time.RFC3339), d.genTime.Format(time.RFC3339)))
		} else {
			r.Notes = append(r.Notes, fmt.Sprintf("its TSA certificate expired %s, before the validation time, and no later document time stamp covers it: "+
				"add one (sealchain pdf extend-lta) before the last TSA certificate expires; the token's own record on chain (timestamp_issued) still dates it", ts.TSANotAfter.Format(time.RFC3339)))
		}
	}
}
