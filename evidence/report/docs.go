package report

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/emmansun/gmsm/sm3"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/evidence"
)

// NotarialOptions configure [MakeNotarial].
type NotarialOptions struct {
	Options
	// ApplicationID is the notarisation case (notarization_applied).
	ApplicationID string
	// Number is the certificate number; empty means [NotarialNumber].
	Number string
	// NotaryCert is the notary's certificate (DER), registered to the
	// notary office; notarization_issued names its fingerprint.
	NotaryCert []byte
	// SignedPDF, if set, is the signed contract PDF the notary examined: it
	// is validated (signer/pdf, Options.Trust's organisation CAs as roots)
	// and attached with the validation report.
	SignedPDF []byte
}

// AppraisalOptions configure [MakeAppraisal].
type AppraisalOptions struct {
	Options
	// CommissionID is the appraisal case (appraisal_commissioned).
	CommissionID string
	// Number is the opinion's number; empty means [AppraisalNumber].
	Number string
	// Examiners are the examiners' certificates (DER, 1 to 8), registered
	// to the institution; appraisal_issued names their fingerprints.
	Examiners [][]byte
	// Notes are the examiners' analysis (分析说明), printed as given.
	Notes string
	// Conclusion is chain.ConclusionIntact, Altered or Undetermined.
	Conclusion uint32
	// SignedPDF, as in NotarialOptions.
	SignedPDF []byte
}

// NotarialNumber is the default number of a notarial certificate of case
// caseID issued by orgID at t: "（<year>）<orgID>电证字第<serial>号", the
// year in UTC+8 and serial the first 8 hex digits of SM3(caseID), upper
// case (the org id cut to 24 bytes, so the number fits chain.MaxNumberBytes).
func NotarialNumber(orgID string, t time.Time, caseID string) string {
	return fmt.Sprintf("（%d）%s电证字第%s号", t.In(cst).Year(), numberOrg(orgID), caseSerial(caseID))
}

// AppraisalNumber is the default number of an appraisal opinion:
// "<orgID>[<year>]电鉴字第<serial>号", as NotarialNumber.
func AppraisalNumber(orgID string, t time.Time, caseID string) string {
	return fmt.Sprintf("%s[%d]电鉴字第%s号", numberOrg(orgID), t.In(cst).Year(), caseSerial(caseID))
}

// numberOrg keeps a number within chain.MaxNumberBytes: org ids are
// ASCII, and a long one is cut to 24 bytes.
func numberOrg(orgID string) string { return orgID[:min(len(orgID), 24)] }

func caseSerial(caseID string) string {
	s := sm3.Sum([]byte(caseID))
	return strings.ToUpper(hex.EncodeToString(s[:4]))
}

// MakeNotarial makes the notarial certificate (公证书) for electronic-data
// preservation of notarisation case o.ApplicationID. b is the contract's
// bundle assembled after the accepting notarization_decided record: it must
// hold the application and its acceptance, for the issuer's office, and
// verify (res.OK).
func MakeNotarial(b *evidence.Bundle, res *evidence.Result, o NotarialOptions) ([]byte, error) {
	if res != nil && !res.OK {
		return nil, fmt.Errorf("%w: the bundle does not verify (%s): a notary certifies only evidence that does", ErrCase, strings.Join(res.Failed(), ", "))
	}
	number := o.Number
	if number == "" {
		number = NotarialNumber(o.IssuerOrg.ID, o.Now, o.ApplicationID)
	}
	return makeDoc(b, res, o.Options, docInput{kind: KindNotarial, number: number, caseID: o.ApplicationID,
		notary: o.NotaryCert, signedPDF: o.SignedPDF})
}

// MakeAppraisal makes the judicial appraisal opinion (司法鉴定意见书) of
// commission o.CommissionID. b is the contract's bundle assembled after the
// accepting appraisal_decided record; res its verification, whatever the
// outcome (the opinion reports it).
func MakeAppraisal(b *evidence.Bundle, res *evidence.Result, o AppraisalOptions) ([]byte, error) {
	number := o.Number
	if number == "" {
		number = AppraisalNumber(o.IssuerOrg.ID, o.Now, o.CommissionID)
	}
	return makeDoc(b, res, o.Options, docInput{kind: KindAppraisal, number: number, caseID: o.CommissionID,
		examiners: o.Examiners, notes: o.Notes, conclusion: o.Conclusion, signedPDF: o.SignedPDF})
}

// MakePreservation makes the one-page preservation certificate (存证证明)
// of the first contract in b, numbered by [PreservationNo].
func MakePreservation(b *evidence.Bundle, res *evidence.Result, o Options) ([]byte, error) {
	if res != nil && !res.OK {
		return nil, fmt.Errorf("%w: the bundle does not verify (%s)", ErrCase, strings.Join(res.Failed(), ", "))
	}
	return makeDoc(b, res, o, docInput{kind: KindPreservation})
}

// MakeSignatureReport makes the signature verification report (验签报告)
// of signedPDF: signer/pdf's validation, per signature, with the
// authoritative signing times from b's contract_signed records.
func MakeSignatureReport(b *evidence.Bundle, res *evidence.Result, signedPDF []byte, o Options) ([]byte, error) {
	if len(signedPDF) == 0 {
		return nil, fmt.Errorf("%w: the signed PDF is required", ErrOptions)
	}
	return makeDoc(b, res, o, docInput{kind: KindSignature, signedPDF: signedPDF})
}

// docTitles are each kind's title, English title and signature reason.
var docTitles = map[string]struct{ zh, en, reason, label string }{
	KindNotarial:     {"公证书", "Notarial Certificate (Preservation of Electronic Data)", "出具电子数据保全公证书 / issuing a notarial certificate", "公证书编号 No. "},
	KindAppraisal:    {"司法鉴定意见书", "Judicial Appraisal Opinion (Electronic Data)", "出具司法鉴定意见书 / issuing a judicial appraisal opinion", "意见书编号 No. "},
	KindPreservation: {"区块链存证证明", "Blockchain Preservation Certificate", "出具区块链存证证明 / issuing a preservation certificate", "存证编号 No. "},
	KindSignature:    {"电子签名验证报告", "Electronic Signature Verification Report", "出具电子签名验证报告 / issuing a signature verification report", "报告编号 No. "},
}

// SignatureReportNo is a 验签报告's number, from the signed PDF's SM3.
func SignatureReportNo(pdfSM3 string) string {
	return "SCV-" + strings.ToUpper(pdfSM3[:min(16, len(pdfSM3))])
}

func makeDoc(b *evidence.Bundle, res *evidence.Result, opts Options, in docInput) ([]byte, error) {
	p, err := docParts(b, res, opts, in)
	if err != nil {
		return nil, err
	}
	return renderDoc(p.facts, res, p.opts, p.spec)
}

// parts is a document before it is laid out and signed.
type parts struct {
	opts  Options // with the issuer's name from the trust
	facts *Facts
	doc   *DocFacts
	spec  docSpec
}

// docParts computes a document's facts and attachments. With
// Options.Trust the printed issuer name is the trust's (an empty
// IssuerOrg.Name takes it; another name is refused).
func docParts(b *evidence.Bundle, res *evidence.Result, opts Options, in docInput) (*parts, error) {
	// The printed issuer name is the genesis name, or the name governance
	// registered the issuer with (a register_org proposal that passed in
	// the bundle): VerifyDocument compares it with those, so a maker
	// refuses any other. The facts' checks are those a verifier recomputes:
	// the bundle alone under the genesis trust, whatever else res was run
	// with (a file, a trusted log).
	fres := res
	if opts.Trust != nil {
		v, err := evidence.NewVerifier(opts.Trust)
		if err != nil {
			return nil, fmt.Errorf("report: %w", err)
		}
		fres = v.Verify(b, nil)
		orgs := slices.Clone(opts.Trust.Orgs)
		if fres.OK {
			for _, r := range fres.RegisteredOrgs() {
				orgs = append(orgs, r.Org)
			}
		}
		var org *chain.Org
		for _, o := range orgs {
			if o.ID == opts.IssuerOrg.ID {
				org = o
			}
		}
		switch {
		case org == nil:
			return nil, fmt.Errorf("%w: the issuer %q is not an organisation of the trusted genesis, nor one a register_org proposal in the bundle registered", ErrOptions, opts.IssuerOrg.ID)
		case opts.IssuerOrg.Name != "" && opts.IssuerOrg.Name != org.Name:
			return nil, fmt.Errorf("%w: the issuer name %q differs from the registered name %q of organisation %q", ErrOptions, opts.IssuerOrg.Name, org.Name, org.ID)
		}
		opts.IssuerOrg.Name = org.Name
	}
	raw, facts, err := prepare(b, res, opts)
	if err != nil {
		return nil, err
	}
	if in.signedPDF != nil {
		if opts.Trust == nil {
			return nil, fmt.Errorf("%w: Options.Trust is required to validate the signed PDF", ErrOptions)
		}
		if in.roots, err = trustRoots(opts.Trust); err != nil {
			return nil, fmt.Errorf("report: %w", err)
		}
	}
	in.issuer, in.issuedAt = IssuerFacts{ID: opts.IssuerOrg.ID, Name: opts.IssuerOrg.Name}, opts.Now
	df, verification, err := docFactsOf(b, raw, fres, in)
	if err != nil {
		return nil, err
	}
	factsJSON, err := json.MarshalIndent(df, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("report: encode facts: %w", err)
	}
	t := docTitles[in.kind]
	files := []attachment{
		{BundleAttachment, "证据包 evidence bundle v1, SM3 " + facts.BundleSM3, raw},
		{FactsAttachment, "本文书所载事实 facts printed in this document (" + in.kind + ")", factsJSON},
	}
	if in.signedPDF != nil {
		files = append(files,
			attachment{SignedPDFAttachment, "所检验的已签署合同 the signed contract examined, SM3 " + df.SignedPDF.SM3, in.signedPDF},
			attachment{VerificationAttachment, "签名验证结果 signer/pdf validation report (ETSI TS 119 102-2 shape)", verification})
	}
	return &parts{opts: opts, facts: facts, doc: df, spec: docSpec{header: t.zh + " " + t.en, number: df.Number, label: t.label,
		reason: t.reason, files: files, build: (*layout).buildDoc, extra: df}}, nil
}
