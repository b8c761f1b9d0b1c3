package ofd

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"math/big"
	"path"
	"strings"
	"time"

	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/smx509"

	"github.com/sealchain/sealchain/signer"
	"github.com/sealchain/sealchain/signer/pdf"
	"github.com/sealchain/sealchain/signer/seal"
)

// TimeSource says where a signature's verification time came from.
type TimeSource string

const (
	// TimeFromCaller is VerifyOptions.At (e.g. a block time).
	TimeFromCaller TimeSource = "caller"
	// TimeFromSES is the SES_Signature's timeInfo, a claim of the signer.
	TimeFromSES TimeSource = "ses_time_info_claimed"
	// TimeSourceMissing means no time was known.
	TimeSourceMissing TimeSource = "none"
)

// Report is the verification of an OFD file, shaped like signer/pdf's
// report (ETSI EN 319 102-1 indications) so that callers render both alike.
type Report struct {
	Indication pdf.Indication    `json:"indication"`
	FileSize   int64             `json:"file_size"`
	Signatures []SignatureReport `json:"signatures"`
	// Unlisted are signature parts (a Signature.xml beside Signatures.xml's
	// directory) that Signatures.xml does not list: a signature taken out of
	// the list, which the list itself cannot show, since it is not
	// protected (later signers append to it). The file is then at best
	// INDETERMINATE.
	Unlisted []string `json:"unlisted,omitempty"`
}

// SignatureReport is one entry of Signatures.xml.
type SignatureReport struct {
	Index         int               `json:"index"`
	ID            string            `json:"id"`
	Type          string            `json:"type"` // "Seal" (电子签章) or "Sign" (电子签名)
	Location      string            `json:"location"`
	Indication    pdf.Indication    `json:"indication"`
	SubIndication pdf.SubIndication `json:"sub_indication,omitempty"`
	Algorithm     string            `json:"algorithm,omitempty"`
	SignedBy      *pdf.SignedBy     `json:"signed_by,omitempty"`
	// SigningTime is the time the certificates and seal were checked at.
	SigningTime       *time.Time `json:"signing_time,omitempty"`
	SigningTimeSource TimeSource `json:"signing_time_source"`
	// ClaimedTime is Signature.xml's SignatureDateTime as written.
	ClaimedTime string `json:"claimed_time,omitempty"`
	Provider    string `json:"provider,omitempty"`
	// SESVersion is TBS_Sign.version (1 or 4); 0 when not an SES_Signature.
	SESVersion int        `json:"ses_version,omitempty"`
	Seal       *SealView  `json:"seal,omitempty"`
	References []RefCheck `json:"references"`
	// Unprotected lists parts that this signature does not cover, other
	// than Signatures.xml and the parts of this and later signatures.
	Unprotected []string     `json:"unprotected,omitempty"`
	Stamps      []StampAnnot `json:"stamps,omitempty"`
	// Checks are the SES_Signature checks (seal.SESSignature.Verify);
	// SealChecks those of the seal in it.
	Checks     []seal.Check `json:"checks,omitempty"`
	SealChecks []seal.Check `json:"seal_checks,omitempty"`
	Notes      []string     `json:"notes,omitempty"`
}

// SealView names the seal used.
type SealView struct {
	Name    string `json:"name"`
	ESID    string `json:"esid"`
	Vendor  string `json:"vendor"`
	Version int    `json:"version"`
	Type    int64  `json:"type"`
}

// RefCheck is the outcome of one Reference.
type RefCheck struct {
	File   string `json:"file"`
	Status string `json:"status"` // "ok", "changed", "missing"
}

// VerifyOptions configure [Verify].
type VerifyOptions struct {
	// SealRoots are the trusted seal-maker CAs; SignerRoots the trusted
	// CAs of signer certificates.
	SealRoots, SignerRoots []*smx509.Certificate
	// At, if set, is the time to verify every signature at (e.g. the
	// block time that recorded the document); otherwise each signature's
	// own timeInfo is used and marked as claimed.
	At time.Time
	// SigningTimeOf, if set and At is zero, is asked each signature's
	// authoritative time (e.g. the block time of a record of the file),
	// after its signer is known; ok false falls back to timeInfo.
	SigningTimeOf func(sig *SignatureReport) (time.Time, bool)
}

// Verify verifies every signature of the first document of an OFD file.
// It returns an error only when the file cannot be read as an OFD package;
// a bad signature is a report, not an error.
func Verify(ctx context.Context, data []byte, o VerifyOptions) (*Report, error) {
	p, err := Open(data)
	if err != nil {
		return nil, fmt.Errorf("verify ofd: %w", err)
	}
	doc, err := p.ReadDocument()
	if err != nil {
		return nil, fmt.Errorf("verify ofd: %w", err)
	}
	sigs, err := p.ReadSignatures(doc)
	if err != nil {
		return nil, fmt.Errorf("verify ofd: %w", err)
	}
	r := &Report{FileSize: int64(len(data)), Signatures: []SignatureReport{}}
	if sigs == nil || len(sigs.Entries) == 0 {
		r.Indication = pdf.Indeterminate
		return r, nil
	}
	// Parts of each signature's directory, for Unprotected.
	owned := make([]map[string]bool, len(sigs.Entries))
	for i, e := range sigs.Entries {
		owned[i] = map[string]bool{}
		dir := path.Dir(e.Loc) + "/"
		for _, n := range p.order {
			if strings.HasPrefix(n, dir) {
				owned[i][n] = true
			}
		}
	}
	for i, e := range sigs.Entries {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("verify ofd: %w", err)
		}
		sr := p.verifyOne(i, e, doc, o)
		if sr.Indication == "" {
			sr.Indication = pdf.TotalPassed
		}
		later := map[string]bool{doc.SignaturesLoc: true}
		for j := i; j < len(owned); j++ {
			for n := range owned[j] {
				later[n] = true
			}
		}
		// Case-insensitive, as Read's fallback (see lookup).
		covered := map[string]bool{}
		for _, rc := range sr.References {
			covered[strings.ToLower(strings.TrimPrefix(rc.File, "/"))] = true
		}
		for _, n := range p.order {
			if !covered[strings.ToLower(n)] && !later[n] {
				sr.Unprotected = append(sr.Unprotected, "/"+n)
			}
		}
		r.Signatures = append(r.Signatures, sr)
	}
	listed := map[string]bool{}
	for _, e := range sigs.Entries {
		listed[e.Loc] = true
	}
	signsDir := path.Dir(doc.SignaturesLoc) + "/"
	for _, n := range p.order {
		if strings.HasPrefix(n, signsDir) && strings.EqualFold(path.Base(n), "Signature.xml") && !listed[n] {
			r.Unlisted = append(r.Unlisted, "/"+n)
		}
	}
	r.Indication = pdf.TotalPassed
	if len(r.Unlisted) > 0 {
		r.Indication = pdf.Indeterminate
	}
	for _, s := range r.Signatures {
		switch {
		case s.Indication == pdf.TotalFailed:
			r.Indication = pdf.TotalFailed
		case s.Indication == pdf.Indeterminate && r.Indication != pdf.TotalFailed:
			r.Indication = pdf.Indeterminate
		}
	}
	return r, nil
}

func (p *Package) verifyOne(i int, e SignatureEntry, doc *Document, o VerifyOptions) SignatureReport {
	sr := SignatureReport{Index: i, ID: e.ID, Type: e.Type, Location: "/" + e.Loc, SigningTimeSource: TimeSourceMissing, References: []RefCheck{}}
	if sr.Type == "" {
		sr.Type = "Seal" // the default of GB/T 33190 §18
	}
	fail := func(sub pdf.SubIndication, format string, a ...any) SignatureReport {
		sr.Indication, sr.SubIndication = pdf.TotalFailed, sub
		sr.Notes = append(sr.Notes, fmt.Sprintf(format, a...))
		return sr
	}
	sx, sigXML, err := p.ReadSignatureXML(e.Loc)
	if err != nil {
		return fail(pdf.FormatFailure, "%v", err)
	}
	sr.ClaimedTime = sx.SignatureDateTime
	sr.Provider = strings.TrimSpace(sx.ProviderName + " " + sx.ProviderVersion + " " + sx.ProviderCompany)
	sr.Stamps = sx.StampAnnots
	// 1. The references. CheckMethod is "SM3" (ofdrw, tongz) or the SM3
	// OID (GOMAIN); nothing else is read.
	hashFailed := false
	switch strings.ToUpper(strings.TrimSpace(sx.CheckMethod)) {
	case "SM3", "1.2.156.10197.1.401", "":
	case "1.2.156.10197.1.401.1", "1.2.156.10197.1.401.2":
		// Tolerance: dms360.cn (ofdrw's ofdrw-converter/src/test/
		// resources/n.ofd) writes GM/T 0006's "SM3 without key" /
		// "with key" arcs; its CheckValues are plain SM3 digests.
		sr.Notes = append(sr.Notes, fmt.Sprintf("CheckMethod %q read as SM3", sx.CheckMethod))
	default:
		return fail(pdf.FormatFailure, "References CheckMethod %q is not SM3", sx.CheckMethod)
	}
	for _, ref := range sx.References {
		rc := RefCheck{File: "/" + ref.Name, Status: "ok"}
		h, err := p.digest(ref.Name)
		switch {
		case errors.Is(err, ErrTooLarge):
			rc.Status = "missing"
			sr.Notes = append(sr.Notes, err.Error())
			hashFailed = true
		case err != nil:
			rc.Status = "missing"
			sr.Notes = append(sr.Notes, fmt.Sprintf("part %s is missing", rc.File))
			hashFailed = true
		default:
			if !bytes.Equal(h[:], ref.CheckValue) {
				rc.Status = "changed"
				sr.Notes = append(sr.Notes, fmt.Sprintf("part %s was changed after signing", rc.File))
				hashFailed = true
			}
		}
		sr.References = append(sr.References, rc)
	}
	if len(sx.References) == 0 {
		sr.Notes = append(sr.Notes, "the signature protects no part")
		hashFailed = true
	}
	if sr.Type != "Seal" {
		// GB/T 35275 (PKCS#7-like SM2 SignedData) digital signatures.
		sr.Indication, sr.SubIndication = pdf.Indeterminate, pdf.FormatFailure
		sr.Notes = append(sr.Notes, fmt.Sprintf("signature type %q (GB/T 35275 SignedData) is not verified; only its references were checked", sr.Type))
		if hashFailed {
			sr.Indication, sr.SubIndication = pdf.TotalFailed, pdf.HashFailure
		}
		return sr
	}
	sv, err := p.Read(sx.SignedValueLoc)
	if err != nil {
		return fail(pdf.FormatFailure, "SignedValue: %v", err)
	}
	ses, err := seal.ParseSESSignature(sv)
	if err != nil {
		return fail(pdf.FormatFailure, "/%s: %v", sx.SignedValueLoc, err)
	}
	sr.SESVersion = ses.Version
	sr.Algorithm = ses.SignatureAlgorithm.String()
	sr.Seal = &SealView{Name: ses.Seal.Name, ESID: ses.Seal.ESID, Vendor: ses.Seal.VendorID, Version: ses.Seal.Version, Type: ses.Seal.Type}
	if c, err := smx509.ParseCertificate(ses.Cert); err == nil {
		sr.SignedBy = &pdf.SignedBy{Subject: c.Subject.String(), Serial: hexSerial(c.SerialNumber), Issuer: c.Issuer.String(),
			Fingerprint: signer.FingerprintOf(ses.Cert).String()}
	}
	if ses.PropertyInfo != "/"+e.Loc && strings.TrimPrefix(ses.PropertyInfo, "/") != e.Loc {
		sr.Notes = append(sr.Notes, fmt.Sprintf("propertyInfo %q does not name this Signature.xml", ses.PropertyInfo))
	}
	if sx.SealLoc != "" {
		if b, err := p.Read(sx.SealLoc); err != nil || !bytes.Equal(b, ses.Seal.Bytes()) {
			sr.Notes = append(sr.Notes, fmt.Sprintf("/%s is not the seal in the signature", sx.SealLoc))
			hashFailed = true
		}
	}
	at := o.At
	if at.IsZero() && o.SigningTimeOf != nil {
		if t, ok := o.SigningTimeOf(&sr); ok {
			at = t
		}
	}
	if !at.IsZero() {
		sr.SigningTimeSource = TimeFromCaller
	} else if !ses.Time.IsZero() {
		at = ses.Time
		sr.SigningTimeSource = TimeFromSES
	}
	if !at.IsZero() {
		t := at.UTC()
		sr.SigningTime = &t
	}
	rep, _ := ses.Verify(sigXML, o.SealRoots, o.SignerRoots, at)
	sr.Checks = rep.Checks
	if rep.Seal != nil {
		sr.SealChecks = rep.Seal.Checks
		sr.Notes = append(sr.Notes, rep.Seal.NotUnderstood...)
		for _, t := range rep.Seal.Tolerated {
			sr.Notes = append(sr.Notes, "seal tolerated: "+t)
		}
	}
	sr.Notes = append(sr.Notes, rep.NotUnderstood...)
	for _, t := range rep.Tolerated {
		sr.Notes = append(sr.Notes, "signature tolerated: "+t)
	}
	sr.Indication, sr.SubIndication = classify(rep, hashFailed, sr.SigningTimeSource, ses.Cert, at)
	return sr
}

// classify maps the checks onto ETSI indications: hash and cryptographic
// failures are TOTAL_FAILED; what depends on trust or time is
// INDETERMINATE.
func classify(rep *seal.Report, hashFailed bool, src TimeSource, certDER []byte, at time.Time) (pdf.Indication, pdf.SubIndication) {
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
		return pdf.TotalFailed, pdf.FormatFailure
	case hashFailed || failed(seal.CheckDataHash):
		return pdf.TotalFailed, pdf.HashFailure
	case failed(seal.CheckAlgorithm) || failed(seal.CheckSignature):
		return pdf.TotalFailed, pdf.SigCryptoFailure
	case sealFailed(seal.CheckHeader) || sealFailed(seal.CheckAlgorithm) || sealFailed(seal.CheckSignature) || sealFailed(seal.CheckPicture):
		return pdf.TotalFailed, pdf.SigCryptoFailure
	case failed(seal.CheckSignTime):
		return pdf.Indeterminate, pdf.NoPOE
	case failed(seal.CheckSigner):
		if c, err := smx509.ParseCertificate(certDER); err == nil && (at.Before(c.NotBefore) || at.After(c.NotAfter)) {
			switch {
			case src != TimeFromCaller:
				return pdf.Indeterminate, pdf.OutOfBoundsNoPOE
			case at.After(c.NotAfter):
				return pdf.Indeterminate, pdf.Expired
			default:
				return pdf.Indeterminate, pdf.NotYetValid
			}
		}
		return pdf.Indeterminate, pdf.NoCertificateChainFound
	case sealFailed(seal.CheckValidity):
		if src != TimeFromCaller {
			return pdf.Indeterminate, pdf.OutOfBoundsNoPOE
		}
		return pdf.Indeterminate, pdf.Expired
	case sealFailed(seal.CheckMaker):
		return pdf.Indeterminate, pdf.NoCertificateChainFound
	case failed(seal.CheckSeal), failed(seal.CheckBinding):
		return pdf.Indeterminate, pdf.ChainConstraintsFailure
	}
	return pdf.TotalPassed, ""
}

func hexSerial(n *big.Int) string {
	if n == nil {
		return ""
	}
	return n.Text(16)
}

func decodeB64(s string) ([]byte, error) {
	s = strings.Map(func(r rune) rune {
		if r == ' ' || r == '\n' || r == '\r' || r == '\t' {
			return -1
		}
		return r
	}, s)
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, err
	}
	if len(b) != sm3.Size {
		return nil, fmt.Errorf("%d bytes, want %d", len(b), sm3.Size)
	}
	return b, nil
}
