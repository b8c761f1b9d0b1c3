package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/smx509"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/evidence"
	sigpdf "github.com/sealchain/sealchain/signer/pdf"
)

// Check names of [VerifyDocument] besides those of [Verify].
const (
	CheckDocumentSignature = "document_signature"
	CheckIssuanceRecorded  = "issuance_recorded"
)

// ErrNoIssuance is issuance_recorded's reason without an issuance bundle.
var ErrNoIssuance = errors.New("no proof of issuance: pass --issuance or --node")

// WithIssuance gives [VerifyDocument] the bundle proving the document's
// issuance record (notarization_issued, appraisal_issued or report_issued
// naming the file's SM3): a bundle from any node, verified against the
// caller's trust like the attached one.
func WithIssuance(b *evidence.Bundle) VerifyOption {
	return func(c *verifyConfig) { c.issuance = b }
}

// issuedType is the record type that records the issue of a document of
// kind k.
func issuedType(k string) string {
	switch k {
	case KindNotarial:
		return "notarization_issued"
	case KindAppraisal:
		return "appraisal_issued"
	}
	return "report_issued"
}

// issuerRole is the role an issuer of kind k must have ("" for any).
func issuerRole(k string) chain.Role {
	switch k {
	case KindNotarial:
		return chain.RoleNotary
	case KindAppraisal:
		return chain.RoleAppraisal
	}
	return ""
}

// DocumentKind reads the kind of an issued document from its facts.json:
// KindEvidence for an evidence report.
func DocumentKind(pdfBytes []byte) (string, error) {
	ctx, err := readPDF(pdfBytes)
	if err != nil {
		return "", err
	}
	files, err := attachments(ctx)
	if err != nil {
		return "", err
	}
	return kindOf(files[FactsAttachment])
}

func kindOf(factsJSON []byte) (string, error) {
	var head struct {
		Format string `json:"format"`
		Kind   string `json:"kind"`
	}
	if factsJSON == nil {
		return "", fmt.Errorf("no embedded file %s", FactsAttachment)
	}
	if err := json.Unmarshal(factsJSON, &head); err != nil {
		return "", fmt.Errorf("%s: %w", FactsAttachment, err)
	}
	switch {
	case head.Format == FactsFormat:
		return KindEvidence, nil
	case head.Format == DocFactsFormat && docTitles[head.Kind].zh != "":
		return head.Kind, nil
	}
	return "", fmt.Errorf("%s: unknown format %q kind %q", FactsAttachment, head.Format, head.Kind)
}

// VerifyDocument checks an issued document of any kind offline (the kind
// is facts.json's). An evidence report gets [Verify]'s checks; every kind
// then gets issuance_recorded. The checks of the other kinds, in order:
//
//  1. document_signature: the PDF carries exactly one signature, which
//     signer/pdf reports TOTAL_PASSED with the trust's organisation CAs as
//     roots, and those of the organisations governance registered
//     (issuerOrgs: register_org proposals the issuance bundle shows passed
//     before the issue record), and claims a time not after now; the CA
//     that issued the signer certificate is the organisation facts.json
//     names as the issuer, with the notary role for a 公证书 and the
//     appraisal role for a 意见书; the printed issuer name is that
//     organisation's genesis name (or registered name), and the
//     signer certificate's subject CN is the one [IssuerSigner] gives (the
//     document signer is never registered on chain, so its registration
//     and revocation cannot be checked offline; the subject form keeps the
//     CA's other certificates, an end user's say, from signing).
//  2. issuance_recorded: the issuance bundle (WithIssuance) verifies with
//     the trust and holds the notarization_issued, appraisal_issued or
//     report_issued record whose document_sm3 (report_sm3) is the file's
//     SM3, submitted by the signer's organisation, with the attached
//     bundle's SM3 and, for a case, the printed number, the case, the
//     notary or examiners and the conclusion; the record names the
//     document's contract, and the printed issue time lies between the
//     case's acceptance (for report_issued: the bundle's last record) and
//     the record's block time, give or take issueClockSkew. Without an
//     issuance bundle it fails with [ErrNoIssuance].
//  3. bundle_attached, 4. bundle_verifies: as [Verify]; but for a 意见书
//     whose conclusion is altered or undetermined (as its issue record
//     says: issuance_recorded), the bundle may fail, provided its checks,
//     recomputed, are exactly those facts.json reports.
//  5. facts_match: facts.json equals the facts recomputed from the
//     attached bundle, the attached signed PDF (validated again, and
//     verification.json equal to that validation) and facts.json's own
//     inputs (number, case id, certificates, notes, conclusion); and the
//     page text contains every printed fact.
func VerifyDocument(pdfBytes []byte, trust *evidence.Trust, now time.Time, opts ...VerifyOption) (*Result, error) {
	if trust == nil {
		return nil, errors.New("report: verify: nil trust")
	}
	cfg := verifyConfig{}
	for _, o := range opts {
		o(&cfg)
	}
	rootsGiven := cfg.roots != nil // WithReportRoots: exactly those
	if cfg.roots == nil {
		r, err := trustRoots(trust)
		if err != nil {
			return nil, fmt.Errorf("report: verify: %w", err)
		}
		cfg.roots = r
	}
	ctx, ctxErr := readPDF(pdfBytes)
	var files map[string][]byte
	filesErr := ctxErr
	if ctxErr == nil {
		files, filesErr = attachments(ctx)
	}
	kind := ""
	if filesErr == nil {
		kind, filesErr = kindOf(files[FactsAttachment])
	}
	docSum := sm3.Sum(pdfBytes)
	if kind == KindEvidence {
		res, err := Verify(pdfBytes, trust, now, opts...)
		if err != nil {
			return nil, err
		}
		res.Kind = KindEvidence
		org, orgErr := signerOrg(res.Signature, trust.Orgs, "")
		var raw []byte
		if files != nil {
			raw = files[BundleAttachment]
		}
		res.addIssuance(proveIssuance(trust, cfg.issuance), docSum[:], kind, org, orgErr, raw, nil)
		res.OK = len(res.Failed()) == 0
		return res, nil
	}
	res := &Result{Kind: kind}

	// The attached bundle and the issuance bundle are verified first: an
	// issuer that governance registered is known from them (issuerOrgs).
	var raw []byte
	if files != nil {
		raw = files[BundleAttachment]
	}
	var b *evidence.Bundle
	bundleErr := filesErr
	if bundleErr == nil {
		if raw == nil {
			bundleErr = fmt.Errorf("no embedded file %s", BundleAttachment)
		} else {
			b, bundleErr = evidence.DecodeBundle(raw)
		}
	}
	var attached *evidence.Result
	var verifierErr error
	if b != nil {
		var v *evidence.Verifier
		if v, verifierErr = evidence.NewVerifier(trust); verifierErr == nil {
			attached = v.Verify(b, nil)
		}
	}
	proof := proveIssuance(trust, cfg.issuance)
	orgs, govCAs, unknownWhy := issuerOrgs(trust, proof, attached, kind, docSum[:])
	if !rootsGiven {
		cfg.roots = append(slices.Clip(cfg.roots), govCAs...)
	}

	// 1. The issuer's signature.
	rep, err := sigpdf.Verify(pdfBytes, sigpdf.VerifyOptions{Roots: cfg.roots})
	var org *chain.Org
	var orgErr error = errors.New("the signature did not verify")
	detail := ""
	if err == nil {
		res.Signature = rep
		err = checkSignature(rep, now)
		if err != nil {
			// Say why when the signer's CA is of no organisation known.
			if _, e := signerOrg(rep, orgs, unknownWhy); e != nil {
				err = fmt.Errorf("%w; %v", err, e)
			}
		}
		if err == nil && len(rep.Signatures) != 1 {
			err = fmt.Errorf("%d signatures: an issued document carries exactly one, its issuer's", len(rep.Signatures))
		}
		if err == nil {
			org, orgErr = signerOrg(rep, orgs, unknownWhy)
			err = orgErr
		}
	}
	var df DocFacts
	factsErr := filesErr
	if factsErr == nil {
		dec := json.NewDecoder(bytes.NewReader(files[FactsAttachment]))
		dec.DisallowUnknownFields()
		if e := dec.Decode(&df); e != nil {
			factsErr = fmt.Errorf("%w: %s: %v", ErrFacts, FactsAttachment, e)
		}
	}
	if err == nil {
		switch {
		case factsErr != nil:
			err = fmt.Errorf("issuer unknown: %v", factsErr)
		case org.ID != df.Issuer.ID:
			err = fmt.Errorf("signed by a certificate of organisation %q, but the document names %q as its issuer", org.ID, df.Issuer.ID)
		case df.Issuer.Name != org.Name:
			err = fmt.Errorf("the document prints the issuer name %q; the trusted genesis (or its registration by governance) names organisation %q %q", df.Issuer.Name, org.ID, org.Name)
		case !slices.Contains(subjectCNs(rep.Signatures[0].SignedBy.Subject), issuerSignerRef(org.ID)):
			err = fmt.Errorf("signed by %q, not by a document signer certificate of organisation %q (CN=%s)", rep.Signatures[0].SignedBy.Subject, org.ID, issuerSignerRef(org.ID))
		case issuerRole(kind) != "" && org.Role != issuerRole(kind):
			err = fmt.Errorf("organisation %q has the role %q; a %s is issued by a %s organisation", org.ID, org.Role, kind, issuerRole(kind))
		case rep.Signatures[0].SigningTime == nil || !rep.Signatures[0].SigningTime.Equal(df.IssuedAt.Truncate(time.Second)):
			err = fmt.Errorf("the signature claims %v, the document says it was issued at %s", rep.Signatures[0].SigningTime, df.IssuedAt.Format(time.RFC3339))
		}
		if err == nil {
			s := rep.Signatures[0]
			detail = fmt.Sprintf("%s: signed by %s of organisation %s (%s, role %s) at %s (claimed)", rep.Indication, s.SignedBy.Subject, org.ID, org.Name, org.Role, s.SigningTime.UTC().Format(time.RFC3339))
		}
	}
	res.add(CheckDocumentSignature, err, detail)

	// 2. The issuance record.
	var dfp *DocFacts
	if factsErr == nil {
		dfp = &df
	}
	if err != nil {
		orgErr = fmt.Errorf("the document's signature failed: %w", err)
	}
	res.addIssuance(proof, docSum[:], kind, org, orgErr, raw, dfp)

	// 3. The attached bundle.
	err = bundleErr
	detail = ""
	if err == nil {
		detail = fmt.Sprintf("%s: %d bytes, %d records for chain %s", BundleAttachment, len(raw), len(b.Records), b.ChainID)
	}
	res.add(CheckBundleAttached, err, detail)

	// 4. The bundle verifies.
	if b != nil {
		err := verifierErr
		detail = ""
		if err == nil {
			res.Bundle = attached
			switch {
			case res.Bundle.OK:
				detail = fmt.Sprintf("all %d bundle checks passed against the trusted genesis", len(res.Bundle.Checks))
			case kind == KindAppraisal && factsErr == nil && (df.Conclusion == "altered" || df.Conclusion == "undetermined"):
				// An opinion that the data is altered or undetermined reports
				// a failing bundle: it must fail exactly as the opinion says.
				if err = sameChecks(res.Bundle, df.Checks); err == nil {
					detail = fmt.Sprintf("the bundle fails %s against the trusted genesis, exactly as the opinion (conclusion %s) reports in %s: the recomputed checks equal its checks",
						strings.Join(res.Bundle.Failed(), ", "), df.Conclusion, FactsAttachment)
				}
			default:
				err = fmt.Errorf("bundle checks failed: %s", strings.Join(res.Bundle.Failed(), ", "))
			}
		}
		res.add(CheckBundleVerifies, err, detail)
	} else {
		res.add(CheckBundleVerifies, errors.New("not checked: no bundle"), "")
	}

	// 5. The printed facts.
	switch {
	case b == nil:
		res.add(CheckFactsMatch, errors.New("not checked: no bundle"), "")
	case factsErr != nil:
		res.add(CheckFactsMatch, factsErr, "")
	default:
		// The signed PDF is validated as the maker did: with the genesis CAs.
		roots, _ := trustRoots(trust)
		res.add(CheckFactsMatch, res.checkDocFacts(ctx, b, raw, &df, files, roots),
			fmt.Sprintf("%s equals the facts recomputed from the attachments; the page text shows them", FactsAttachment))
	}
	// Issuance first in the list, as in the package documentation.
	slices.SortStableFunc(res.Checks, func(a, b evidence.Check) int { return checkOrder(a.Name) - checkOrder(b.Name) })
	res.OK = len(res.Failed()) == 0
	return res, nil
}

// sameChecks compares a bundle's verification with the checks a document
// reports.
func sameChecks(got *evidence.Result, want []CheckFacts) error {
	var g []CheckFacts
	for _, c := range got.Checks {
		g = append(g, CheckFacts{Name: c.Name, OK: c.OK})
	}
	if !slices.Equal(g, want) {
		return fmt.Errorf("bundle checks failed: %s; the recomputed checks differ from those the opinion reports in %s", strings.Join(got.Failed(), ", "), FactsAttachment)
	}
	return nil
}

func checkOrder(name string) int {
	return slices.Index([]string{CheckDocumentSignature, CheckReportSignature, CheckIssuanceRecorded, CheckBundleAttached, CheckBundleVerifies, CheckFactsMatch}, name)
}

// signerOrg is the organisation among orgs whose CA issued the (last)
// signature's certificate: signer/pdf verified the chain to one of the
// roots, and the issuer's name says which. unknownWhy, when not empty,
// says why the organisations governance registered are not among orgs.
func signerOrg(rep *sigpdf.Report, orgs []*chain.Org, unknownWhy string) (*chain.Org, error) {
	if rep == nil || len(rep.Signatures) == 0 || rep.Signatures[len(rep.Signatures)-1].SignedBy == nil {
		return nil, errors.New("no verified signature")
	}
	issuer := rep.Signatures[len(rep.Signatures)-1].SignedBy.Issuer
	var found *chain.Org
	for _, o := range orgs {
		c, err := smx509.ParseCertificate(o.CACert)
		if err != nil {
			continue
		}
		if c.Subject.String() == issuer {
			if found != nil {
				return nil, fmt.Errorf("organisations %q and %q have CAs named %q", found.ID, o.ID, issuer)
			}
			found = o
		}
	}
	if found == nil {
		if unknownWhy != "" {
			return nil, fmt.Errorf("no genesis organisation's CA is named %q, and %s", issuer, unknownWhy)
		}
		return nil, fmt.Errorf("no genesis organisation's CA is named %q", issuer)
	}
	return found, nil
}

// issuanceProof is the issuance bundle (WithIssuance), verified once.
type issuanceProof struct {
	res  *evidence.Result
	recs []described
	err  error // why it proves nothing: ErrNoIssuance without one
}

// proveIssuance verifies the issuance bundle ib against trust.
func proveIssuance(trust *evidence.Trust, ib *evidence.Bundle) *issuanceProof {
	if ib == nil {
		return &issuanceProof{err: ErrNoIssuance}
	}
	v, err := evidence.NewVerifier(trust)
	if err != nil {
		return &issuanceProof{err: err}
	}
	p := &issuanceProof{res: v.Verify(ib, nil)}
	if !p.res.OK {
		p.err = fmt.Errorf("the issuance bundle does not verify: %s", strings.Join(p.res.Failed(), ", "))
		return p
	}
	if p.recs, p.err = describeAll(ib); p.err != nil {
		p.res = nil
	}
	return p
}

// issueRecord is the record of the issuance bundle that records the issue
// of the document of kind whose SM3 is docSM3, if any.
func (p *issuanceProof) issueRecord(kind string, docSM3 []byte) (described, bool) {
	want := issuedType(kind)
	for _, d := range p.recs {
		if d.v.Type != want {
			continue
		}
		var doc []byte
		switch body := d.tx.Body.(type) {
		case *chain.NotarizationIssued:
			doc = body.DocumentSM3
		case *chain.AppraisalIssued:
			doc = body.DocumentSM3
		case *chain.ReportIssued:
			doc = body.ReportSM3
		}
		if bytes.Equal(doc, docSM3) {
			return d, true
		}
	}
	return described{}, false
}

// issuerOrgs are the organisations a document's signer may belong to: the
// trusted genesis's, then those that governance registered (a register_org
// proposal and the votes that passed it, tallied by package evidence) as
// a verified bundle shows. With an issuance bundle, that bundle's
// registrations that passed before the document's issue record count:
// the issuer must have been registered when it recorded the issue. Without
// one (issuance_recorded fails then anyway), the verified attached
// bundle's count, so that document_signature still tells whether the
// signer is of an organisation the chain registered. govCAs are the CAs
// of the registered organisations, for the signature's roots; unknownWhy
// says, for an unknown signer, where registrations were looked for.
func issuerOrgs(trust *evidence.Trust, proof *issuanceProof, attached *evidence.Result, kind string, docSM3 []byte) (orgs []*chain.Org, govCAs []*smx509.Certificate, unknownWhy string) {
	orgs = slices.Clone(trust.Orgs)
	var reg []evidence.RegisteredOrg
	before := uint64(1<<64 - 1)
	switch {
	case proof.res != nil && proof.err == nil:
		d, ok := proof.issueRecord(kind, docSM3)
		if !ok {
			return orgs, nil, fmt.Sprintf("the issuance bundle holds no %s record of the document, so no registration by governance before it counts", issuedType(kind))
		}
		reg, before = proof.res.RegisteredOrgs(), d.v.Index
		unknownWhy = fmt.Sprintf("no register_org proposal in the issuance bundle registered such an organisation before the issue record (log index %d)", d.v.Index)
	case errors.Is(proof.err, ErrNoIssuance) && attached != nil && attached.OK:
		reg = attached.RegisteredOrgs()
		unknownWhy = "no register_org proposal in the attached bundle registered such an organisation (and no issuance bundle was given)"
	case errors.Is(proof.err, ErrNoIssuance):
		return orgs, nil, "no issuance bundle was given and the attached bundle does not verify, so no registration by governance counts"
	default:
		return orgs, nil, fmt.Sprintf("no registration by governance counts: %v", proof.err)
	}
	for _, r := range reg {
		if r.PassedAt < before {
			orgs = append(orgs, r.Org)
			govCAs = append(govCAs, r.CA)
		}
	}
	return orgs, govCAs, unknownWhy
}

// addIssuance adds the issuance_recorded check.
func (r *Result) addIssuance(proof *issuanceProof, docSM3 []byte, kind string, org *chain.Org, orgErr error, raw []byte, df *DocFacts) {
	err := func() error {
		if proof.err != nil {
			return proof.err
		}
		want := issuedType(kind)
		d, ok := proof.issueRecord(kind, docSM3)
		if !ok {
			return fmt.Errorf("the issuance bundle holds no %s record with document SM3 %x", want, docSM3)
		}
		var bsm3 []byte
		switch body := d.tx.Body.(type) {
		case *chain.NotarizationIssued:
			bsm3 = body.BundleSM3
		case *chain.AppraisalIssued:
			bsm3 = body.BundleSM3
		case *chain.ReportIssued:
			bsm3 = body.BundleSM3
		}
		bundleSum := sm3.Sum(raw)
		where := fmt.Sprintf("%s at log index %d (height %d, %s)", want, d.v.Index, d.v.Height, fmtUTC(d.v.Time))
		if orgErr != nil {
			return fmt.Errorf("%s found, but the signer's organisation is unknown: %v", where, orgErr)
		}
		if d.v.Org != org.ID {
			return fmt.Errorf("%s was submitted by %q, not by the signer's organisation %q", where, d.v.Org, org.ID)
		}
		if raw != nil && !bytes.Equal(bsm3, bundleSum[:]) {
			return fmt.Errorf("%s names bundle SM3 %x, not the attached bundle's %x", where, bsm3, bundleSum)
		}
		if err := matchCase(d.tx.Body, df); err != nil {
			return fmt.Errorf("%s: %w", where, err)
		}
		if err := matchIssue(d, df); err != nil {
			return fmt.Errorf("%s: %w", where, err)
		}
		rv := *d.v
		r.Issuance = &rv
		return nil
	}()
	detail := ""
	if err == nil {
		detail = fmt.Sprintf("recorded by %s as %s at log index %d (height %d, block time %s)", r.Issuance.Org, r.Issuance.Type, r.Issuance.Index, r.Issuance.Height, fmtUTC(r.Issuance.Time))
	}
	r.add(CheckIssuanceRecorded, err, detail)
}

// issueClockSkew bounds how far the issuing node's clock (the printed
// issue time) may run ahead of the block time of the record that follows
// it, or behind that of the acceptance it answers: block times are the
// proposer's clock (PBTS), not the issuer's.
const issueClockSkew = 30 * time.Second

// matchIssue compares the printed issue time and contract with the issue
// record d: a case document is issued after its case's acceptance and
// before its issue record; a report_issued document after the last record
// of its bundle and before its issue record, and the record names the
// document's contract.
func matchIssue(d described, df *DocFacts) error {
	if df == nil {
		return nil
	}
	at := df.IssuedAt.Truncate(time.Second)
	if at.After(d.v.Time.Add(issueClockSkew)) {
		return fmt.Errorf("the document is dated %s, after its issue record's block time %s", fmtUTC(df.IssuedAt), fmtUTC(d.v.Time))
	}
	if c := df.Case; c != nil {
		if at.Add(issueClockSkew).Before(c.Accepted.Time) {
			return fmt.Errorf("the document is dated %s, before the acceptance of case %s at %s (log index %d)", fmtUTC(df.IssuedAt), c.ID, fmtUTC(c.Accepted.Time), c.Accepted.LogIndex)
		}
		if d.v.ContractID != c.ContractID {
			return fmt.Errorf("the record names contract %q, the case's contract is %q", d.v.ContractID, c.ContractID)
		}
		return nil
	}
	if df.Evidence == nil {
		return nil
	}
	var last *RowFacts
	for i, r := range df.Evidence.Timeline {
		if last == nil || r.LogIndex > last.LogIndex {
			last = &df.Evidence.Timeline[i]
		}
	}
	if last != nil && at.Add(issueClockSkew).Before(last.Time) {
		return fmt.Errorf("the document is dated %s, before the last record of its bundle (log index %d, %s)", fmtUTC(df.IssuedAt), last.LogIndex, fmtUTC(last.Time))
	}
	if ct := docContract(df); ct != "" && d.v.ContractID != ct {
		return fmt.Errorf("the record names contract %q, the document's contract is %q", d.v.ContractID, ct)
	}
	return nil
}

// docContract is the contract a document without a case is about: the
// preservation certificate's, or the bundle's first.
func docContract(df *DocFacts) string {
	if df.Preservation != nil {
		return df.Preservation.ContractID
	}
	if len(df.Evidence.Contracts) > 0 {
		return df.Evidence.Contracts[0].ID
	}
	return ""
}

// matchCase compares a case's issue record with the printed facts.
func matchCase(body chain.Body, df *DocFacts) error {
	if df == nil {
		switch body.(type) {
		case *chain.NotarizationIssued, *chain.AppraisalIssued:
			return fmt.Errorf("no readable %s to compare with", FactsAttachment)
		}
		return nil
	}
	caseID := ""
	if df.Case != nil {
		caseID = df.Case.ID
	}
	switch b := body.(type) {
	case *chain.NotarizationIssued:
		notary := ""
		if df.Notary != nil {
			notary = df.Notary.Fingerprint
		}
		switch {
		case b.Number != df.Number:
			return fmt.Errorf("number %q, printed %q", b.Number, df.Number)
		case b.Application != caseID:
			return fmt.Errorf("application %q, printed %q", b.Application, caseID)
		case b.Notary.String() != notary:
			return fmt.Errorf("notary certificate %s, printed %s", b.Notary, notary)
		}
	case *chain.AppraisalIssued:
		var ex []string
		for _, e := range df.Examiners {
			ex = append(ex, e.Fingerprint)
		}
		var rec []string
		for _, fp := range b.Examiners {
			rec = append(rec, fp.String())
		}
		switch {
		case b.Number != df.Number:
			return fmt.Errorf("number %q, printed %q", b.Number, df.Number)
		case b.Commission != caseID:
			return fmt.Errorf("commission %q, printed %q", b.Commission, caseID)
		case !slices.Equal(rec, ex):
			return fmt.Errorf("examiners %v, printed %v", rec, ex)
		case conclusionName(b.Conclusion) != df.Conclusion:
			return fmt.Errorf("conclusion %s, printed %s", conclusionName(b.Conclusion), df.Conclusion)
		}
	}
	return nil
}

// checkDocFacts recomputes the document's facts and compares.
func (r *Result) checkDocFacts(ctx *model.Context, b *evidence.Bundle, raw []byte, got *DocFacts, files map[string][]byte, roots []*smx509.Certificate) error {
	if got.Format != DocFactsFormat || got.Version != DocFactsVersion {
		return fmt.Errorf("%w: %s is %s v%d, want %s v%d", ErrFacts, FactsAttachment, got.Format, got.Version, DocFactsFormat, DocFactsVersion)
	}
	in := docInput{kind: got.Kind, number: got.Number, issuer: got.Issuer, issuedAt: got.IssuedAt, notes: got.Notes,
		signedPDF: files[SignedPDFAttachment], roots: roots}
	if got.Case != nil {
		in.caseID = got.Case.ID
	}
	if got.Notary != nil {
		in.notary = got.Notary.DER
	}
	for _, e := range got.Examiners {
		in.examiners = append(in.examiners, e.DER)
	}
	for c := chain.ConclusionIntact; c <= chain.ConclusionUndetermined; c++ {
		if conclusionName(c) == got.Conclusion {
			in.conclusion = c
		}
	}
	bres := r.Bundle
	if bres == nil {
		bres = &evidence.Result{}
	}
	want, verification, err := docFactsOf(b, raw, bres, in)
	if err != nil {
		return fmt.Errorf("%w: recompute: %v", ErrFacts, err)
	}
	if r.Bundle != nil && r.Bundle.OK {
		r.Facts, r.Document = want.Evidence, want
	}
	a, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if !bytes.Equal(a, w) {
		return fmt.Errorf("%w: %s differs from the facts recomputed from the attachments (%s)", ErrFacts, FactsAttachment, firstDiff(got, want))
	}
	if v := files[VerificationAttachment]; (verification != nil || v != nil) && !bytes.Equal(v, verification) {
		return fmt.Errorf("%w: %s is not the validation of %s", ErrFacts, VerificationAttachment, SignedPDFAttachment)
	}
	text, err := pageText(ctx)
	if err != nil {
		return fmt.Errorf("%w: extract page text: %v", ErrFacts, err)
	}
	var missing []string
	flat := squash(text)
	for _, s := range printedDocFacts(want) {
		if !strings.Contains(flat, squash(s)) {
			missing = append(missing, fmt.Sprintf("%q", s))
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%w: the page text lacks %s", ErrFacts, strings.Join(missing, ", "))
	}
	return nil
}

// firstDiff names the first top-level field of facts.json that differs.
func firstDiff(got, want *DocFacts) string {
	var g, w map[string]json.RawMessage
	a, _ := json.Marshal(got)
	b, _ := json.Marshal(want)
	_ = json.Unmarshal(a, &g)
	_ = json.Unmarshal(b, &w)
	var keys []string
	for k := range w {
		keys = append(keys, k)
	}
	for k := range g {
		if _, ok := w[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		if !bytes.Equal(g[k], w[k]) {
			return "field " + k
		}
	}
	return "encoding"
}

// printedDocFacts lists the strings the visible text of a document with
// facts d must contain.
func printedDocFacts(d *DocFacts) []string {
	ev := d.Evidence
	out := []string{d.Number, ev.BundleSM3}
	var contract *ContractFacts
	for i := range ev.Contracts {
		if d.Case == nil || ev.Contracts[i].ID == d.Case.ContractID {
			contract = &ev.Contracts[i]
			break
		}
	}
	if contract != nil && d.Kind != KindSignature {
		out = append(out, contract.ID, contract.DocSM3, contract.DocSHA256)
	}
	if c := d.Case; c != nil {
		out = append(out, c.ID)
	}
	if d.Notary != nil {
		out = append(out, d.Notary.Fingerprint)
	}
	for _, e := range d.Examiners {
		out = append(out, e.Fingerprint, e.Serial)
	}
	if sp := d.SignedPDF; sp != nil {
		out = append(out, sp.SM3, sp.SHA256)
		if d.Kind != KindSignature && (d.Kind != KindAppraisal || !slices.Contains(d.Case.Items, "pdf_signature")) {
			sp = &SignedPDFFacts{} // the signatures are printed in these two only
		}
		for _, s := range sp.Signatures {
			out = append(out, sigHeadLine(s))
			if s.Fingerprint != "" {
				out = append(out, s.Fingerprint)
			}
		}
	}
	out = append(out, docFactLines(d)...)
	switch d.Kind {
	case KindNotarial:
		for _, p := range ev.Parties {
			out = append(out, p.Fingerprint)
		}
		for _, r := range ev.Timeline {
			out = append(out, rowPosLine(r), rowTimeLine(r), r.TxHash)
		}
		out = append(out, cpLine(ev.Checkpoint), ev.Checkpoint.AppHash)
	case KindAppraisal:
		out = append(out, conclusionLine(d.Conclusion))
	case KindPreservation:
		p := d.Preservation
		for _, r := range ev.Timeline {
			if r.LogIndex == p.LogIndex {
				out = append(out, rowPosLine(r), rowTimeLine(r))
			}
		}
		out = append(out, p.LeafSM3, cpLine(ev.Checkpoint), ev.Checkpoint.AppHash)
	}
	return out
}
