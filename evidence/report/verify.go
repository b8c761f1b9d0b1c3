package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/emmansun/gmsm/smx509"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"

	"github.com/sealchain/sealchain/evidence"
	sigpdf "github.com/sealchain/sealchain/signer/pdf"
)

// Check names in a verification [Result].
const (
	CheckReportSignature = "report_signature"
	CheckBundleAttached  = "bundle_attached"
	CheckBundleVerifies  = "bundle_verifies"
	CheckFactsMatch      = "facts_match"
)

// Result is the outcome of [Verify]: every check in order, OK only when all
// passed.
type Result struct {
	OK bool `json:"ok"`
	// Kind is the document's kind (VerifyDocument; KindEvidence for a
	// report), empty from Verify.
	Kind   string           `json:"kind,omitempty"`
	Checks []evidence.Check `json:"checks"`
	// Signature is signer/pdf's report on the report's own signature.
	Signature *sigpdf.Report `json:"signature,omitempty"`
	// Bundle is the verification result of the embedded bundle.
	Bundle *evidence.Result `json:"bundle,omitempty"`
	// Facts are the facts recomputed from the embedded bundle, present
	// only when the bundle verified (bundle_verifies passed).
	Facts *Facts `json:"facts,omitempty"`
	// Document are an issued document's facts recomputed from its
	// attachments, present only when its bundle verified.
	Document *DocFacts `json:"document,omitempty"`
	// Issuance is the record of the document's issue, when
	// issuance_recorded passed.
	Issuance *evidence.RecordView `json:"issuance,omitempty"`
}

func (r *Result) add(name string, err error, okDetail string) bool {
	r.Checks = append(r.Checks, evidence.NewCheck(name, err, okDetail))
	return err == nil
}

// Failed returns the names of failed checks.
func (r *Result) Failed() []string { return evidence.FailedChecks(r.Checks) }

// VerifyOption configures [Verify].
type VerifyOption func(*verifyConfig)

type verifyConfig struct {
	roots    []*smx509.Certificate
	issuance *evidence.Bundle
}

// WithReportRoots sets the CA certificates trusted for the report's own
// signature instead of the trust's organisation CAs (for example the CA of
// an issuer outside the chain's genesis).
func WithReportRoots(roots ...*smx509.Certificate) VerifyOption {
	return func(c *verifyConfig) { c.roots = roots }
}

// Verify checks an evidence report offline. The checks, in order:
//
//  1. report_signature: signer/pdf.Verify reports TOTAL_PASSED with the
//     trust's organisation CAs (or WithReportRoots) as roots: the signer
//     certificate was issued by one of them, and nothing but signatures
//     was added after signing. The claimed signing time must not be after
//     now.
//  2. bundle_attached: the embedded file bundle.json decodes as a bundle v1.
//  3. bundle_verifies: evidence.NewVerifier(trust).Verify passes.
//  4. facts_match: facts.json equals the facts recomputed from the
//     bundle ([FactsOf]), and the page text (extracted from the content
//     streams, see the package documentation) contains every printed fact.
//
// Every check runs when its input is available; an error is returned only
// for unusable arguments.
func Verify(pdfBytes []byte, trust *evidence.Trust, now time.Time, opts ...VerifyOption) (*Result, error) {
	if trust == nil {
		return nil, errors.New("report: verify: nil trust")
	}
	cfg := verifyConfig{}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.roots == nil {
		for _, o := range trust.Orgs {
			c, err := smx509.ParseCertificate(o.CACert)
			if err != nil {
				return nil, fmt.Errorf("report: verify: org %s CA: %w", o.ID, err)
			}
			cfg.roots = append(cfg.roots, c)
		}
	}
	res := &Result{}

	// 1. The report's signature.
	rep, err := sigpdf.Verify(pdfBytes, sigpdf.VerifyOptions{Roots: cfg.roots})
	detail := ""
	if err == nil {
		res.Signature = rep
		err = checkSignature(rep, now)
		if err == nil {
			s := rep.Signatures[len(rep.Signatures)-1]
			detail = fmt.Sprintf("%s: signed by %s (issuer %s, fingerprint %s) at %s (claimed)", rep.Indication, s.SignedBy.Subject, s.SignedBy.Issuer, s.SignedBy.Fingerprint[:16]+"...", s.SigningTime.UTC().Format(time.RFC3339))
		}
	}
	res.add(CheckReportSignature, err, detail)

	// 2. The attachments.
	var (
		b              *evidence.Bundle
		raw, factsJSON []byte
		ctx, ctxErr    = readPDF(pdfBytes)
		files          map[string][]byte
	)
	err = ctxErr
	if err == nil {
		files, err = attachments(ctx)
	}
	if err == nil {
		var ok bool
		if raw, ok = files[BundleAttachment]; !ok {
			err = fmt.Errorf("no embedded file %s", BundleAttachment)
		} else {
			b, err = evidence.DecodeBundle(raw)
		}
		factsJSON = files[FactsAttachment]
	}
	detail = ""
	if err == nil {
		detail = fmt.Sprintf("%s: %d bytes, %d records for chain %s", BundleAttachment, len(raw), len(b.Records), b.ChainID)
	}
	res.add(CheckBundleAttached, err, detail)

	// 3. The bundle.
	if b != nil {
		v, err := evidence.NewVerifier(trust)
		detail = ""
		if err == nil {
			res.Bundle = v.Verify(b, nil)
			if !res.Bundle.OK {
				err = fmt.Errorf("bundle checks failed: %s", strings.Join(res.Bundle.Failed(), ", "))
			} else {
				detail = fmt.Sprintf("all %d bundle checks passed against the trusted genesis", len(res.Bundle.Checks))
			}
		}
		res.add(CheckBundleVerifies, err, detail)
	} else {
		res.add(CheckBundleVerifies, errors.New("not checked: no bundle"), "")
	}

	// 4. The printed facts.
	if b != nil {
		res.add(CheckFactsMatch, checkFacts(ctx, b, raw, factsJSON, res), fmt.Sprintf("%s equals the facts recomputed from the bundle; the page text shows them", FactsAttachment))
	} else {
		res.add(CheckFactsMatch, errors.New("not checked: no bundle"), "")
	}
	res.OK = len(res.Failed()) == 0
	return res, nil
}

func checkSignature(rep *sigpdf.Report, now time.Time) error {
	if len(rep.Signatures) == 0 {
		return sigpdf.ErrNoSignature
	}
	if rep.Indication != sigpdf.TotalPassed {
		var notes []string
		for _, s := range rep.Signatures {
			notes = append(notes, fmt.Sprintf("signature %d: %s/%s %s", s.Index, s.Indication, s.SubIndication, strings.Join(s.Notes, "; ")))
		}
		return fmt.Errorf("%s: %s", rep.Indication, strings.Join(notes, "; "))
	}
	for _, s := range rep.Signatures {
		if s.SigningTime != nil && !now.IsZero() && s.SigningTime.After(now) {
			return fmt.Errorf("signature %d claims %s, after now (%s)", s.Index, s.SigningTime.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
		}
	}
	return nil
}

func checkFacts(ctx *model.Context, b *evidence.Bundle, raw, factsJSON []byte, res *Result) error {
	want, err := FactsOf(b, raw)
	if err != nil {
		return err
	}
	// Facts are shown only from a bundle that verified under a trusted
	// checkpoint; otherwise nothing in it is established.
	if res.Bundle != nil && res.Bundle.OK {
		res.Facts = want
	}
	if factsJSON == nil {
		return fmt.Errorf("%w: no embedded file %s", ErrFacts, FactsAttachment)
	}
	var got Facts
	dec := json.NewDecoder(bytes.NewReader(factsJSON))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&got); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrFacts, FactsAttachment, err)
	}
	a, _ := json.Marshal(&got)
	w, _ := json.Marshal(want)
	if !bytes.Equal(a, w) {
		return fmt.Errorf("%w: %s differs from the facts recomputed from %s", ErrFacts, FactsAttachment, BundleAttachment)
	}
	text, err := pageText(ctx)
	if err != nil {
		return fmt.Errorf("%w: extract page text: %v", ErrFacts, err)
	}
	var missing []string
	for _, s := range printedFacts(want) {
		if !strings.Contains(text, s) {
			missing = append(missing, fmt.Sprintf("%q", s))
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%w: the page text lacks %s", ErrFacts, strings.Join(missing, ", "))
	}
	return nil
}

// ErrFacts means the printed or embedded facts differ from the bundle's.
var ErrFacts = errors.New("report: facts do not match the bundle")
