package report

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/smx509"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/evidence"
	"github.com/sealchain/sealchain/signer"
	sigpdf "github.com/sealchain/sealchain/signer/pdf"
)

// Document kinds: facts.json's "kind" (the evidence report's facts have
// their own format, [FactsFormat], and no kind field).
const (
	KindEvidence     = "evidence_report"
	KindNotarial     = "notarial_certificate"     // 公证书
	KindAppraisal    = "appraisal_opinion"        // 司法鉴定意见书
	KindPreservation = "preservation_certificate" // 存证证明
	KindSignature    = "signature_verification"   // 验签报告
)

// DocFactsFormat and DocFactsVersion identify the facts.json of the issued
// documents (every kind but the evidence report).
const (
	DocFactsFormat  = "sealchain-document-facts"
	DocFactsVersion = 1
)

// Attachments of the issued documents besides bundle.json and facts.json.
const (
	// SignedPDFAttachment is the signed contract PDF the document examined.
	SignedPDFAttachment = "signed.pdf"
	// VerificationAttachment is signer/pdf's validation report of it (JSON).
	VerificationAttachment = "verification.json"
)

// DocFacts are the facts an issued document prints, in machine-readable
// form, embedded as facts.json. [VerifyDocument] recomputes them from the
// attached bundle, the attached signed PDF and the document's own inputs
// (number, case, certificates, notes, conclusion: the fields it cannot
// derive), and compares.
type DocFacts struct {
	Format   string      `json:"format"`
	Version  int         `json:"version"`
	Kind     string      `json:"kind"`
	Number   string      `json:"number"`
	Issuer   IssuerFacts `json:"issuer"`
	IssuedAt time.Time   `json:"issued_at"`
	// Evidence are the attached bundle's facts ([FactsOf]).
	Evidence *Facts `json:"evidence"`
	// Checks are the bundle's verification checks, by name, with their
	// results under the genesis trust.
	Checks       []CheckFacts       `json:"checks"`
	Case         *CaseFacts         `json:"case,omitempty"`
	Notary       *CertFacts         `json:"notary,omitempty"`
	Examiners    []CertFacts        `json:"examiners,omitempty"`
	Notes        string             `json:"notes,omitempty"`
	Conclusion   string             `json:"conclusion,omitempty"` // intact | altered | undetermined
	SignedPDF    *SignedPDFFacts    `json:"signed_pdf,omitempty"`
	Preservation *PreservationFacts `json:"preservation,omitempty"`
}

// IssuerFacts is the issuing organisation.
type IssuerFacts struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// CheckFacts is one verification check's name and result.
type CheckFacts struct {
	Name string `json:"name"`
	OK   bool   `json:"ok"`
}

// CaseFacts is the case a 公证书 or 意见书 answers, from its records in
// the bundle.
type CaseFacts struct {
	ID          string   `json:"id"`
	Kind        string   `json:"kind"` // notarization | appraisal
	ContractID  string   `json:"contract_id"`
	Applicant   string   `json:"applicant"`
	Institution string   `json:"institution"`
	Scope       []string `json:"scope,omitempty"`   // notarisation: contract, signed_pdf, timeline
	Purpose     string   `json:"purpose,omitempty"` // notarisation: litigation, arbitration, preservation, other
	PurposeSM3  string   `json:"purpose_sm3,omitempty"`
	Party       string   `json:"party,omitempty"`       // notarisation: the party by certificate
	Items       []string `json:"items,omitempty"`       // appraisal: bundle, pdf_signature, certificates, intent, time
	MattersSM3  string   `json:"matters_sm3,omitempty"` // appraisal
	Judge       string   `json:"judge,omitempty"`       // appraisal: the commissioning judge's certificate
	Opened      CaseStep `json:"opened"`
	Accepted    CaseStep `json:"accepted"`
}

// CaseStep is one record of a case.
type CaseStep struct {
	LogIndex uint64    `json:"log_index"`
	Height   int64     `json:"height"`
	Time     time.Time `json:"time"`
	TxHash   string    `json:"tx_hash"`
	Staff    string    `json:"staff,omitempty"`
}

// CertFacts is a certificate the document names (the notary, an examiner).
type CertFacts struct {
	Fingerprint string    `json:"fingerprint"`
	Subject     string    `json:"subject"`
	Serial      string    `json:"serial"`
	Issuer      string    `json:"issuer"`
	NotBefore   time.Time `json:"not_before"`
	NotAfter    time.Time `json:"not_after"`
	DER         []byte    `json:"der"`
}

// SignedPDFFacts is the signed contract PDF a document examined.
type SignedPDFFacts struct {
	SM3    string `json:"sm3"`
	SHA256 string `json:"sha256"`
	Size   int    `json:"size"`
	// SignedRecord is the log index of the contract_signed record whose
	// signed_doc_sm3 is SM3, when the bundle holds one.
	SignedRecord *uint64 `json:"signed_record,omitempty"`
	// VerificationSM3 is SM3 of verification.json, signer/pdf's report.
	VerificationSM3 string           `json:"verification_sm3"`
	Indication      string           `json:"indication"`
	Signatures      []SignatureFacts `json:"signatures"`
}

// SignatureFacts is one signature of the signed PDF as signer/pdf
// validated it.
type SignatureFacts struct {
	Index         int        `json:"index"`
	Indication    string     `json:"indication"`
	SubIndication string     `json:"sub_indication,omitempty"`
	Algorithm     string     `json:"algorithm,omitempty"`
	Signer        string     `json:"signer,omitempty"`
	Serial        string     `json:"serial,omitempty"`
	Fingerprint   string     `json:"fingerprint,omitempty"`
	CertIssuer    string     `json:"cert_issuer,omitempty"`
	Time          *time.Time `json:"time,omitempty"`
	TimeSource    string     `json:"time_source"`
	Revision      int        `json:"revision"`
	Revisions     int        `json:"revisions"`
	Modifications string     `json:"modifications"`
}

// PreservationFacts is the 存证证明's preservation number and the record
// it is derived from ([PreservationNo]).
type PreservationFacts struct {
	No         string    `json:"no"`
	ContractID string    `json:"contract_id"`
	LogIndex   uint64    `json:"log_index"`
	Height     int64     `json:"height"`
	Time       time.Time `json:"time"`
	LeafSM3    string    `json:"leaf_sm3"`
}

// docInput is what a document's facts depend on besides the bundle: the
// maker's options, or, on verification, facts.json's own fields and the
// attachments.
type docInput struct {
	kind       string
	number     string
	issuer     IssuerFacts
	issuedAt   time.Time
	caseID     string
	notary     []byte
	examiners  [][]byte
	notes      string
	conclusion uint32
	signedPDF  []byte
	roots      []*smx509.Certificate // for the signed PDF's signatures
}

// ErrCase means the bundle does not hold the case a document answers, or
// the case does not allow the document.
var ErrCase = errors.New("report: case")

// docFactsOf computes a document's facts from bundle b (raw: its bytes),
// its verification result and in. It returns verification.json's bytes too
// when in has a signed PDF.
func docFactsOf(b *evidence.Bundle, raw []byte, res *evidence.Result, in docInput) (*DocFacts, []byte, error) {
	ev, err := FactsOf(b, raw)
	if err != nil {
		return nil, nil, err
	}
	f := &DocFacts{Format: DocFactsFormat, Version: DocFactsVersion, Kind: in.kind, Number: in.number,
		Issuer: in.issuer, IssuedAt: in.issuedAt.UTC(), Evidence: ev, Checks: []CheckFacts{}}
	for _, c := range res.Checks {
		f.Checks = append(f.Checks, CheckFacts{Name: c.Name, OK: c.OK})
	}
	recs, err := describeAll(b)
	if err != nil {
		return nil, nil, err
	}
	switch in.kind {
	case KindNotarial, KindAppraisal:
		if f.Case, err = caseFacts(recs, in); err != nil {
			return nil, nil, err
		}
	}
	switch in.kind {
	case KindNotarial:
		cf, err := certFacts(in.notary)
		if err != nil {
			return nil, nil, fmt.Errorf("%w: notary certificate: %v", ErrOptions, err)
		}
		f.Notary = cf
	case KindAppraisal:
		if len(in.examiners) < 1 || len(in.examiners) > chain.MaxExaminers {
			return nil, nil, fmt.Errorf("%w: %d examiners, want 1 to %d", ErrOptions, len(in.examiners), chain.MaxExaminers)
		}
		for i, der := range in.examiners {
			cf, err := certFacts(der)
			if err != nil {
				return nil, nil, fmt.Errorf("%w: examiner %d: %v", ErrOptions, i+1, err)
			}
			f.Examiners = append(f.Examiners, *cf)
		}
		f.Notes = in.notes
		if f.Conclusion = conclusionName(in.conclusion); f.Conclusion == "" {
			return nil, nil, fmt.Errorf("%w: conclusion %d, want 1 (intact), 2 (altered) or 3 (undetermined)", ErrOptions, in.conclusion)
		}
	case KindPreservation:
		if len(ev.Contracts) == 0 {
			return nil, nil, fmt.Errorf("%w: the bundle holds no contract", ErrCase)
		}
		p, err := preservationOf(b, recs, ev.Contracts[0].ID)
		if err != nil {
			return nil, nil, err
		}
		f.Preservation = p
	}
	var verification []byte
	if in.signedPDF != nil {
		f.SignedPDF, verification, err = signedPDFFacts(in.signedPDF, recs, in.roots)
		if err != nil {
			return nil, nil, err
		}
	} else if in.kind == KindSignature {
		return nil, nil, fmt.Errorf("%w: a signature verification report needs the signed PDF", ErrOptions)
	}
	switch in.kind {
	case KindPreservation:
		f.Number = f.Preservation.No
	case KindSignature:
		f.Number = SignatureReportNo(f.SignedPDF.SM3)
	}
	if len(f.Number) > chain.MaxNumberBytes {
		return nil, nil, fmt.Errorf("%w: number %q exceeds %d bytes", ErrOptions, f.Number, chain.MaxNumberBytes)
	}
	if f.Number == "" {
		return nil, nil, fmt.Errorf("%w: the document number is empty", ErrOptions)
	}
	return f, verification, nil
}

// described is a bundle record decoded.
type described struct {
	v  *evidence.RecordView
	tx *chain.Tx
	r  evidence.Record
}

// describeAll decodes the bundle's records in log order.
func describeAll(b *evidence.Bundle) ([]described, error) {
	var out []described
	for i, r := range b.Records {
		v, tx, err := evidence.Describe(r.Leaf)
		if err != nil {
			return nil, fmt.Errorf("facts: records[%d]: %w", i, err)
		}
		out = append(out, described{v, tx, r})
	}
	slices.SortFunc(out, func(a, b described) int { return cmpU64(a.v.Index, b.v.Index) })
	return out, nil
}

func step(d described, staff chain.Fingerprint) CaseStep {
	s := CaseStep{LogIndex: d.v.Index, Height: d.v.Height, Time: d.v.Time.UTC(), TxHash: d.v.TxHash}
	if !staff.IsZero() {
		s.Staff = staff.String()
	}
	return s
}

// caseFacts finds the case's opening and accepting records: the maker
// refuses a bundle without them, a case for another institution, and a
// case already closed in the bundle.
func caseFacts(recs []described, in docInput) (*CaseFacts, error) {
	if in.caseID == "" {
		return nil, fmt.Errorf("%w: the case id is required", ErrOptions)
	}
	var cf *CaseFacts
	accepted := false
	for _, d := range recs {
		switch body := d.tx.Body.(type) {
		case *chain.NotarizationApplied:
			if body.Application == in.caseID && in.kind == KindNotarial {
				cf = &CaseFacts{ID: body.Application, Kind: chain.CaseNotarization.String(), ContractID: body.Contract,
					Applicant: d.v.Org, Institution: body.NotaryOrg, Scope: bitNames(body.Scope, scopeNames),
					Purpose: purposeName(body.Purpose), PurposeSM3: hex.EncodeToString(body.PurposeSM3), Opened: step(d, chain.Fingerprint{})}
				if !body.Party.IsZero() {
					cf.Party = body.Party.String()
				}
			}
		case *chain.AppraisalCommissioned:
			if body.Commission == in.caseID && in.kind == KindAppraisal {
				cf = &CaseFacts{ID: body.Commission, Kind: chain.CaseAppraisal.String(), ContractID: body.Contract,
					Applicant: d.v.Org, Institution: body.AppraisalOrg, Items: bitNames(body.Items, itemNames),
					MattersSM3: hex.EncodeToString(body.MattersSM3), Judge: body.Judge.String(), Opened: step(d, chain.Fingerprint{})}
			}
		case *chain.NotarizationDecided:
			if cf != nil && body.Application == cf.ID && in.kind == KindNotarial {
				if body.Decision != chain.DecisionAccept {
					return nil, fmt.Errorf("%w: application %s was rejected (%s)", ErrCase, cf.ID, body.Reason)
				}
				cf.Accepted, accepted = step(d, body.Staff), true
			}
		case *chain.AppraisalDecided:
			if cf != nil && body.Commission == cf.ID && in.kind == KindAppraisal {
				if body.Decision != chain.DecisionAccept {
					return nil, fmt.Errorf("%w: commission %s was rejected (%s)", ErrCase, cf.ID, body.Reason)
				}
				cf.Accepted, accepted = step(d, body.Staff), true
			}
		case *chain.NotarizationWithdrawn:
			if cf != nil && body.Application == cf.ID && in.kind == KindNotarial {
				return nil, fmt.Errorf("%w: application %s was withdrawn at log index %d", ErrCase, cf.ID, d.v.Index)
			}
		case *chain.AppraisalWithdrawn:
			if cf != nil && body.Commission == cf.ID && in.kind == KindAppraisal {
				return nil, fmt.Errorf("%w: commission %s was withdrawn at log index %d", ErrCase, cf.ID, d.v.Index)
			}
		}
	}
	switch {
	case cf == nil:
		return nil, fmt.Errorf("%w: the bundle holds no application or commission %q", ErrCase, in.caseID)
	case !accepted:
		return nil, fmt.Errorf("%w: the bundle holds no acceptance of %q", ErrCase, in.caseID)
	case cf.Institution != in.issuer.ID:
		return nil, fmt.Errorf("%w: case %q is for %q, not the issuer %q", ErrCase, cf.ID, cf.Institution, in.issuer.ID)
	}
	return cf, nil
}

var (
	scopeNames = []string{"contract", "signed_pdf", "timeline"}
	itemNames  = []string{"bundle", "pdf_signature", "certificates", "intent", "time"}
)

func bitNames(v uint32, names []string) []string {
	var out []string
	for i, n := range names {
		if v&(1<<i) != 0 {
			out = append(out, n)
		}
	}
	return out
}

func purposeName(p uint32) string {
	switch p {
	case chain.PurposeLitigation:
		return "litigation"
	case chain.PurposeArbitration:
		return "arbitration"
	case chain.PurposePreservation:
		return "preservation"
	}
	return "other"
}

func conclusionName(c uint32) string {
	switch c {
	case chain.ConclusionIntact:
		return "intact"
	case chain.ConclusionAltered:
		return "altered"
	case chain.ConclusionUndetermined:
		return "undetermined"
	}
	return ""
}

func certFacts(der []byte) (*CertFacts, error) {
	if len(der) == 0 {
		return nil, errors.New("missing")
	}
	c, err := signer.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &CertFacts{Fingerprint: chain.FingerprintOf(der).String(), Subject: c.Subject.String(),
		Serial: strings.ToUpper(c.SerialNumber.Text(16)), Issuer: c.Issuer.String(),
		NotBefore: c.NotBefore.UTC(), NotAfter: c.NotAfter.UTC(), DER: der}, nil
}

// signedPDFFacts validates the signed PDF with signer/pdf against roots,
// taking each signature's time from the bundle when a contract_signed
// record's signed_doc_sm3 is the SM3 of the revision it ends (the block
// time, authoritative), and returns its facts and the report's JSON.
func signedPDFFacts(pdf []byte, recs []described, roots []*smx509.Certificate) (*SignedPDFFacts, []byte, error) {
	signedAt := map[string]described{}
	for _, d := range recs {
		if s, ok := d.tx.Body.(*chain.ContractSigned); ok && len(s.SignedDocSM3) > 0 {
			signedAt[hex.EncodeToString(s.SignedDocSM3)] = d
		}
	}
	revisionRecord := func(sig *sigpdf.SignatureReport) (described, bool) {
		br := sig.Scope.ByteRange
		end := br[2] + br[3]
		if end <= 0 || end > int64(len(pdf)) {
			return described{}, false
		}
		sum := sm3.Sum(pdf[:end])
		d, ok := signedAt[hex.EncodeToString(sum[:])]
		return d, ok
	}
	rep, err := sigpdf.Verify(pdf, sigpdf.VerifyOptions{Roots: roots, SigningTimeOf: func(sig *sigpdf.SignatureReport) (time.Time, bool) {
		d, ok := revisionRecord(sig)
		return d.v.Time, ok
	}})
	if err != nil {
		return nil, nil, fmt.Errorf("%w: signed PDF: %v", ErrOptions, err)
	}
	js, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return nil, nil, err
	}
	sm, sh := sm3.Sum(pdf), sha256.Sum256(pdf)
	vs := sm3.Sum(js)
	f := &SignedPDFFacts{SM3: hex.EncodeToString(sm[:]), SHA256: hex.EncodeToString(sh[:]), Size: len(pdf),
		VerificationSM3: hex.EncodeToString(vs[:]), Indication: string(rep.Indication), Signatures: []SignatureFacts{}}
	if d, ok := signedAt[f.SM3]; ok {
		i := d.v.Index
		f.SignedRecord = &i
	}
	for _, s := range rep.Signatures {
		sf := SignatureFacts{Index: s.Index, Indication: string(s.Indication), SubIndication: string(s.SubIndication),
			Algorithm: s.Algorithm, TimeSource: string(s.SigningTimeSource), Revision: s.Scope.Revision,
			Revisions: s.Scope.Revisions, Modifications: string(s.Modifications)}
		if s.SignedBy != nil {
			sf.Signer, sf.Serial, sf.Fingerprint, sf.CertIssuer = s.SignedBy.Subject, s.SignedBy.Serial, s.SignedBy.Fingerprint, s.SignedBy.Issuer
		}
		if s.SigningTime != nil {
			t := s.SigningTime.UTC()
			sf.Time = &t
		}
		f.Signatures = append(f.Signatures, sf)
	}
	return f, js, nil
}

// trustRoots are the trust's organisation CA certificates.
func trustRoots(trust *evidence.Trust) ([]*smx509.Certificate, error) {
	var roots []*smx509.Certificate
	for _, o := range trust.Orgs {
		c, err := smx509.ParseCertificate(o.CACert)
		if err != nil {
			return nil, fmt.Errorf("org %s CA: %w", o.ID, err)
		}
		roots = append(roots, c)
	}
	return roots, nil
}
