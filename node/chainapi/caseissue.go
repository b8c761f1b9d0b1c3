package chainapi

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/emmansun/gmsm/sm3"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/evidence"
	"github.com/sealchain/sealchain/evidence/report"
	"github.com/sealchain/sealchain/node/httpjson"
	"github.com/sealchain/sealchain/signer"
	"github.com/sealchain/sealchain/signer/seal"
)

// caseIssue: POST /v1/cases/{id}/issue (the institution's node). It
// assembles and verifies the contract's evidence (the bundle holds the
// case's application and acceptance), lays out and signs the document with
// the organisation's CA (as evidence reports are), keeps it under the node
// home, and records notarization_issued / appraisal_issued with its SM3.
func (a *API) caseIssue(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Number     string   `json:"number"`
		Notes      string   `json:"notes"`
		Conclusion string   `json:"conclusion"`
		Examiners  []string `json:"examiners"`
	}
	if !a.decodeJSON(w, r, &in) {
		return
	}
	act, cs, ok := a.institutionStep(w, r)
	if !ok {
		return
	}
	if cs.Status != chain.CaseAccepted {
		httpjson.WriteError(w, http.StatusConflict, "case_status", fmt.Sprintf("case %q is %s: only an accepted case is issued", cs.ID, cs.Status))
		return
	}
	if a.rep.ca == nil {
		httpjson.WriteError(w, http.StatusServiceUnavailable, "no_ca", "this node has no organisation CA to sign documents with")
		return
	}
	if len(in.Number) > chain.MaxNumberBytes {
		httpjson.WriteError(w, http.StatusBadRequest, "bad_field", fmt.Sprintf("field number: at most %d bytes", chain.MaxNumberBytes))
		return
	}
	if len(in.Notes) > maxNotesBytes {
		httpjson.WriteError(w, http.StatusBadRequest, "bad_field", fmt.Sprintf("field notes: at most %d bytes", maxNotesBytes))
		return
	}
	var conclusion uint32
	if in.Conclusion != "" {
		c, ok := conclusionNames[in.Conclusion]
		if !ok || cs.Kind != chain.CaseAppraisal {
			httpjson.WriteError(w, http.StatusBadRequest, "bad_field", "field conclusion: an appraisal's intact, altered or undetermined")
			return
		}
		conclusion = c
	}
	if (len(in.Examiners) > 0 || in.Notes != "") && cs.Kind != chain.CaseAppraisal {
		httpjson.WriteError(w, http.StatusBadRequest, "bad_field", "fields examiners and notes: an appraisal opinion's only")
		return
	}
	examiners := []chain.Fingerprint{act.cert}
	if len(in.Examiners) > 0 {
		if len(in.Examiners) > chain.MaxExaminers {
			httpjson.WriteError(w, http.StatusBadRequest, "bad_field", fmt.Sprintf("field examiners: at most %d", chain.MaxExaminers))
			return
		}
		examiners = examiners[:0]
		for i, s := range in.Examiners {
			fp, err := signer.ParseFingerprint(s)
			if err != nil {
				httpjson.WriteError(w, http.StatusBadRequest, "bad_field", fmt.Sprintf("field examiners[%d]: %v", i, err))
				return
			}
			examiners = append(examiners, chain.Fingerprint(fp))
		}
	}
	view := a.store.View()
	certDER := func(fp chain.Fingerprint, field string) ([]byte, bool) {
		c, ok, err := view.Cert(fp)
		switch {
		case err != nil:
			a.internal(w, r, err)
			return nil, false
		case !ok || c.Org != cs.Institution:
			httpjson.WriteError(w, http.StatusUnprocessableEntity, "bad_field", fmt.Sprintf("field %s: certificate %s is not registered to %q", field, fp, cs.Institution))
			return nil, false
		}
		return c.DER, true
	}
	var examinerDER [][]byte
	for i, fp := range examiners {
		der, ok := certDER(fp, fmt.Sprintf("examiners[%d]", i))
		if !ok {
			return
		}
		examinerDER = append(examinerDER, der)
	}
	org, orgOK, err := view.Org(a.org)
	if err != nil || !orgOK {
		a.internal(w, r, errors.Join(err, errors.New("this node's organisation is not in the state")))
		return
	}

	a.files.issueMu.Lock()
	defer a.files.issueMu.Unlock()
	ctx, cancel := context.WithTimeout(r.Context(), 2*a.wait)
	defer cancel()
	b, err := a.assemble(ctx, evidence.Subject{ContractID: cs.Contract})
	if err != nil {
		a.internal(w, r, fmt.Errorf("assemble evidence: %w", err))
		return
	}
	raw, err := b.Encode()
	if err != nil {
		a.internal(w, r, err)
		return
	}
	trust, err := evidence.ParseTrust(a.genesis)
	if err != nil {
		a.internal(w, r, err)
		return
	}
	v, err := evidence.NewVerifier(trust)
	if err != nil {
		a.internal(w, r, err)
		return
	}
	res := v.Verify(b, nil)
	switch {
	case cs.Kind == chain.CaseNotarization && !res.OK:
		// A notary certifies only evidence that verifies.
		httpjson.WriteError(w, http.StatusUnprocessableEntity, "evidence_failed", fmt.Sprintf("the contract's evidence does not verify on this node: %v", res.Failed()))
		return
	case cs.Kind == chain.CaseAppraisal && conclusion == 0:
		conclusion = chain.ConclusionIntact
		if !res.OK {
			conclusion = chain.ConclusionAltered
		}
	case cs.Kind == chain.CaseAppraisal && conclusion == chain.ConclusionIntact && !res.OK:
		httpjson.WriteError(w, http.StatusUnprocessableEntity, "evidence_failed", fmt.Sprintf("conclusion intact, but the evidence does not verify: %v", res.Failed()))
		return
	}
	now := time.Now()
	number := in.Number
	if number == "" {
		number = documentNumber(cs.Kind, a.org, now, cs.ID)
	}
	key, cert, err := report.IssuerSigner(a.rep.ca, a.org, now)
	if err != nil {
		a.internal(w, r, err)
		return
	}
	purpose := "公证专用章"
	if cs.Kind == chain.CaseAppraisal {
		purpose = "司法鉴定专用章"
	}
	opts := report.Options{
		IssuerOrg: report.Issuer{ID: a.org, Name: org.Name}, Now: now, VerifyURL: a.rep.publicURL + "/verify",
		Key: key, Cert: cert, Chain: [][]byte{a.rep.ca.Cert.Raw}, BundleJSON: raw, Trust: trust,
		// Seal text cannot hold spaces ("Notary Office" → "NotaryOffice").
		Seal: &seal.EnterpriseOptions{Name: strings.Join(strings.Fields(org.Name), ""), Purpose: purpose},
	}
	d := documentRequest{kind: cs.Kind, caseID: cs.ID, number: number, opts: opts, notes: in.Notes, conclusion: conclusion}
	if cs.Kind == chain.CaseNotarization {
		d.notaryCert = examinerDER[0]
	} else {
		d.examiners = examinerDER
	}
	// The signed PDF goes in when the case covers it (scope signed_pdf,
	// item pdf_signature) and its SM3 checks against the chain; without it
	// the document still stands on the bundle.
	cv, err := a.caseView(cs)
	if err != nil {
		a.internal(w, r, err)
		return
	}
	if slices.Contains(cv.Scope, "signed_pdf") || slices.Contains(cv.Items, "pdf_signature") {
		if spdf, err := a.signedPDF(ctx, cs, false); err == nil {
			d.signedPDF = spdf
		} else {
			a.logger.Warn("issuing without the signed PDF attached", "case", cs.ID, "err", err)
		}
	}
	pdf, err := makeDocument(b, res, d)
	if err != nil {
		a.internal(w, r, fmt.Errorf("make the document: %w", err))
		return
	}
	ds, bs := sm3.Sum(pdf), sm3.Sum(raw)
	// Kept before it is recorded: a crash after the commit must not lose a
	// document the chain names. A refused record removes it again.
	if err := a.writeDocument(cs.ID, pdf); err != nil {
		a.internal(w, r, fmt.Errorf("keep the document: %w", err))
		return
	}
	var body chain.Body = &chain.NotarizationIssued{Application: cs.ID, Contract: cs.Contract, Number: number,
		DocumentSM3: ds[:], BundleSM3: bs[:], Notary: examiners[0]}
	if cs.Kind == chain.CaseAppraisal {
		body = &chain.AppraisalIssued{Commission: cs.ID, Contract: cs.Contract, Number: number,
			DocumentSM3: ds[:], BundleSM3: bs[:], Examiners: examiners, Conclusion: conclusion}
	}
	if err := body.Validate(); err != nil {
		a.removeDocument(cs.ID)
		httpjson.WriteError(w, http.StatusBadRequest, "bad_field", err.Error())
		return
	}
	h, err := a.commitStep(ctx, body)
	if err != nil {
		var se *stepError
		if errors.As(err, &se) && se.status != http.StatusGatewayTimeout {
			a.removeDocument(cs.ID) // refused: never on chain
		}
		a.answerStep(w, r, err)
		return
	}
	cs, _, err = a.store.View().Case(cs.ID)
	if err != nil {
		a.internal(w, r, err)
		return
	}
	if cv, err = a.caseView(cs); err != nil {
		a.internal(w, r, err)
		return
	}
	httpjson.Write(w, http.StatusOK, map[string]any{"case": cv, "number": number,
		"document_sm3": hex.EncodeToString(ds[:]), "tx_hash": h.String()})
}

// maxNotesBytes bounds an appraisal's examiner notes (printed, off chain).
const maxNotesBytes = 8 << 10

func (a *API) removeDocument(id string) {
	if p, err := a.documentPath(id); err == nil {
		os.Remove(p)
	}
}
