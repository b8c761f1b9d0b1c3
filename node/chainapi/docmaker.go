package chainapi

import (
	"time"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/evidence"
	"github.com/sealchain/sealchain/evidence/report"
)

// documentRequest is what an issued document needs besides the bundle and
// its verification result.
type documentRequest struct {
	kind           chain.CaseKind
	caseID, number string
	opts           report.Options
	notaryCert     []byte   // notarial certificate: the notary's certificate (DER)
	examiners      [][]byte // appraisal opinion: the examiners' certificates (DER)
	notes          string
	conclusion     uint32
	signedPDF      []byte // optional
}

// makeDocument lays out and signs a case's document: the 公证书 or the
// 司法鉴定意见书 (evidence/report).
func makeDocument(b *evidence.Bundle, res *evidence.Result, d documentRequest) ([]byte, error) {
	if d.kind == chain.CaseAppraisal {
		return report.MakeAppraisal(b, res, report.AppraisalOptions{Options: d.opts, CommissionID: d.caseID, Number: d.number,
			Examiners: d.examiners, Notes: d.notes, Conclusion: d.conclusion, SignedPDF: d.signedPDF})
	}
	return report.MakeNotarial(b, res, report.NotarialOptions{Options: d.opts, ApplicationID: d.caseID, Number: d.number,
		NotaryCert: d.notaryCert, SignedPDF: d.signedPDF})
}

// documentNumber is a document's default number (evidence/report's),
// without the organisation id when that would pass the chain's bound.
func documentNumber(kind chain.CaseKind, org string, t time.Time, caseID string) string {
	f := report.NotarialNumber
	if kind == chain.CaseAppraisal {
		f = report.AppraisalNumber
	}
	if n := f(org, t, caseID); len(n) <= chain.MaxNumberBytes {
		return n
	}
	return f("", t, caseID)
}
