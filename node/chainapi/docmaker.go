package chainapi

import (
	"fmt"
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

// makeDocument lays out and signs a case's document.
//
// INTERIM: until evidence/report has MakeNotarial and MakeAppraisal
// (branch h-docs), the document is the evidence report (report.Make): a
// signed PDF with the bundle attached, recorded by SM3 as the case's
// document. The case's fields not printed there are in the bundle.
func makeDocument(b *evidence.Bundle, res *evidence.Result, d documentRequest) ([]byte, error) {
	return report.Make(b, res, d.opts)
}

// documentNumber is a document's default number: org, year and the case id.
// INTERIM, until report.NotarialNumber and report.AppraisalNumber.
func documentNumber(kind chain.CaseKind, org string, t time.Time, caseID string) string {
	word := "公证"
	if kind == chain.CaseAppraisal {
		word = "鉴定"
	}
	n := fmt.Sprintf("(%d)%s%s字第%s号", t.UTC().Year(), org, word, caseID)
	if len(n) > chain.MaxNumberBytes {
		n = fmt.Sprintf("(%d)%s字第%s号", t.UTC().Year(), word, caseID)
	}
	return n
}
