package chainapi

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/emmansun/gmsm/sm3"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/evidence"
	"github.com/sealchain/sealchain/evidence/report"
	"github.com/sealchain/sealchain/node/httpjson"
	"github.com/sealchain/sealchain/node/submit"
	"github.com/sealchain/sealchain/signer"
	"github.com/sealchain/sealchain/signer/seal"
)

// maxReportJobs bounds the report jobs kept in memory (oldest dropped).
const maxReportJobs = 200

// reportJob is one evidence report being made or made.
type reportJob struct {
	ID         string `json:"id"`
	ContractID string `json:"contract_id"`
	// Org is the organisation that asked for the report: only it, and the
	// roles that see all evidence, may read the job and its PDF.
	Org       string    `json:"org,omitempty"`
	Status    string    `json:"status"` // queued, running, done, failed
	Error     string    `json:"error,omitempty"`
	Created   time.Time `json:"created"`
	Done      time.Time `json:"done,omitzero"`
	ReportSM3 string    `json:"report_sm3,omitempty"`
	BundleSM3 string    `json:"bundle_sm3,omitempty"`
	TxHash    string    `json:"tx_hash,omitempty"`
	Bytes     int       `json:"bytes,omitempty"`
	// VerifyURL is the page the report's QR code points to.
	VerifyURL string `json:"verify_url"`
	// Type is the document: evidence (the evidence report), preservation
	// (存证证明) or signature_verification (验签报告).
	Type string `json:"type"`

	names     map[string]string
	signedPDF []byte // the PDF a signature_verification report validates
	pdf       []byte
}

// Report types of POST /v1/reports, and the seal text each is signed with.
var reportTypes = map[string]struct{ seal, file string }{
	"evidence":               {"证据报告专用章", "evidence-report"},
	"preservation":           {"存证证明专用章", "preservation-certificate"},
	"signature_verification": {"验签报告专用章", "signature-verification"},
}

// reportJobs is the node's report queue: jobs run one at a time in the
// background (a report is ~50 ms of CPU plus waiting for blocks).
type reportJobs struct {
	mu    sync.Mutex
	jobs  map[string]*reportJob
	order []string
	queue chan *reportJob
}

func newReportJobs() *reportJobs {
	return &reportJobs{jobs: map[string]*reportJob{}, queue: make(chan *reportJob, 64)}
}

func (q *reportJobs) add(j *reportJob) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	select {
	case q.queue <- j:
	default:
		return false
	}
	q.jobs[j.ID] = j
	q.order = append(q.order, j.ID)
	if len(q.order) > maxReportJobs {
		delete(q.jobs, q.order[0])
		q.order = q.order[1:]
	}
	return true
}

func (q *reportJobs) get(id string) (reportJob, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	j, ok := q.jobs[id]
	if !ok {
		return reportJob{}, false
	}
	return *j, true
}

func (q *reportJobs) update(j *reportJob, fn func(*reportJob)) {
	q.mu.Lock()
	defer q.mu.Unlock()
	fn(j)
}

// run works through the queue until ctx ends.
func (a *API) runReports(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case j := <-a.rep.jobs.queue:
			a.rep.jobs.update(j, func(j *reportJob) { j.Status = "running" })
			err := a.makeReport(ctx, j)
			a.rep.jobs.update(j, func(j *reportJob) {
				j.Done = time.Now().UTC()
				if err != nil {
					j.Status, j.Error = "failed", err.Error()
					return
				}
				j.Status = "done"
			})
			if err != nil {
				a.logger.Error("evidence report failed", "job", j.ID, "contract", j.ContractID, "err", err)
			}
		}
	}
}

// makeReport assembles and verifies the contract's evidence, lays out and
// signs the report with this node's organisation CA, and records a
// report_issued record with the report's hash.
func (a *API) makeReport(ctx context.Context, j *reportJob) error {
	ctx, cancel := context.WithTimeout(ctx, 2*a.wait)
	defer cancel()
	b, err := a.assemble(ctx, evidence.Subject{ContractID: j.ContractID})
	if err != nil {
		return fmt.Errorf("assemble evidence: %w", err)
	}
	raw, err := b.Encode()
	if err != nil {
		return err
	}
	trust, err := evidence.ParseTrust(a.genesis)
	if err != nil {
		return err
	}
	v, err := evidence.NewVerifier(trust)
	if err != nil {
		return err
	}
	res := v.Verify(b, nil)
	if !res.OK {
		return fmt.Errorf("the evidence does not verify on this node: %v", res.Failed())
	}
	if a.rep.ca == nil {
		return errors.New("this node has no organisation CA to sign reports")
	}
	org, _, err := a.store.View().Org(a.org)
	if err != nil {
		return err
	}
	now := time.Now()
	key, cert, err := report.IssuerSigner(a.rep.ca, a.org, now)
	if err != nil {
		return err
	}
	opts := report.Options{
		IssuerOrg: report.Issuer{ID: a.org, Name: org.Name}, Now: now, PartyNames: j.names, VerifyURL: j.VerifyURL,
		Key: key, Cert: cert, Chain: [][]byte{a.rep.ca.Cert.Raw}, BundleJSON: raw, Trust: trust,
		// Seal text cannot hold spaces ("Platform Ltd" → "PlatformLtd").
		Seal: &seal.EnterpriseOptions{Name: strings.Join(strings.Fields(org.Name), ""), Purpose: reportTypes[j.Type].seal},
	}
	var pdf []byte
	switch j.Type {
	case "preservation":
		pdf, err = report.MakePreservation(b, res, opts)
	case "signature_verification":
		pdf, err = report.MakeSignatureReport(b, res, j.signedPDF, opts)
	default:
		opts.Contract, opts.Pages = a.ofdContract(ctx, j.ContractID), a.rep.pages
		pdf, err = report.Make(b, res, opts)
	}
	if err != nil {
		return fmt.Errorf("make %s report: %w", j.Type, err)
	}
	rs, bs := sm3.Sum(pdf), sm3.Sum(raw)
	a.rep.jobs.update(j, func(j *reportJob) {
		j.pdf, j.Bytes = pdf, len(pdf)
		j.ReportSM3, j.BundleSM3 = hex.EncodeToString(rs[:]), hex.EncodeToString(bs[:])
	})
	if a.auditor == nil {
		return errors.New("report made, but this node has no submitter credential to record it")
	}
	tx, err := a.auditor.Build(&chain.ReportIssued{Contract: j.ContractID, ReportSM3: rs[:], BundleSM3: bs[:]}, nil)
	if err != nil {
		return err
	}
	h := a.sub.RecordHash(tx) // the tx's, or its item's when batched
	if o, err := a.sub.Submit(ctx, tx); err != nil {
		return fmt.Errorf("record report_issued: %w", err)
	} else if o.Status == submit.Rejected {
		return fmt.Errorf("record report_issued: code %d: %s", o.Code, o.Log)
	} else if !o.Accepted() {
		return fmt.Errorf("record report_issued: %s: %w", o.Status, o.Err)
	}
	if o, err := a.sub.Wait(ctx, h); err != nil {
		return fmt.Errorf("report_issued record %s: %w", h, err)
	} else if o.Status != submit.Committed {
		return fmt.Errorf("report_issued record %s not committed (%s)", h, o.Status)
	}
	a.rep.jobs.update(j, func(j *reportJob) { j.TxHash = h.String() })
	return nil
}

// defaultVerifyURL is the report QR code's target when the request names
// none: this node's own verification page. On a production chain it must
// come from [api] public_url: the fallback is the listen address (often
// 127.0.0.1), a QR code a judge cannot open. ok is false then.
func (a *API) defaultVerifyURL() (string, bool) {
	if a.rep.production && !a.rep.publicURLSet {
		return "", false
	}
	return a.rep.publicURL + "/verify", true
}

// reportCreate: POST /v1/reports {"contract_id", "type", "names": {fingerprint: name}, "verify_url",
// "signed_pdf" (base64, for type signature_verification)}.
func (a *API) reportCreate(w http.ResponseWriter, r *http.Request) {
	var in struct {
		ContractID string            `json:"contract_id"`
		Type       string            `json:"type"`
		Names      map[string]string `json:"names"`
		VerifyURL  string            `json:"verify_url"`
		SignedPDF  []byte            `json:"signed_pdf"`
	}
	if !a.decodeJSON(w, r, &in) {
		return
	}
	if in.Type == "" {
		in.Type = "evidence"
	}
	if _, ok := reportTypes[in.Type]; !ok {
		httpjson.WriteError(w, http.StatusBadRequest, "bad_field", "field type: want evidence, preservation or signature_verification")
		return
	}
	if (in.Type == "signature_verification") != (len(in.SignedPDF) > 0) {
		httpjson.WriteError(w, http.StatusBadRequest, "bad_field", "field signed_pdf: the signed PDF (base64) is required for type signature_verification, and only for it")
		return
	}
	if err := chain.ValidateID("contract_id", in.ContractID); err != nil {
		httpjson.WriteError(w, http.StatusBadRequest, "bad_field", err.Error())
		return
	}
	c, ok, err := a.store.View().Contract(in.ContractID)
	if err != nil {
		a.internal(w, r, err)
		return
	}
	if !ok {
		httpjson.WriteError(w, http.StatusNotFound, "not_found", fmt.Sprintf("contract %q does not exist", in.ContractID))
		return
	}
	if !a.allowContract(w, r, c.Org, c.ID) {
		return
	}
	for fp := range in.Names {
		if _, err := signer.ParseFingerprint(fp); err != nil {
			httpjson.WriteError(w, http.StatusBadRequest, "bad_field", "field names: keys are certificate fingerprints: "+err.Error())
			return
		}
	}
	if in.VerifyURL == "" {
		var ok bool
		if in.VerifyURL, ok = a.defaultVerifyURL(); !ok {
			httpjson.WriteError(w, http.StatusUnprocessableEntity, "public_url_required",
				"this production node has no api.public_url for the report's QR code; set [api] public_url in config.toml, or give verify_url")
			return
		}
	} else if err := report.CheckVerifyURL(in.VerifyURL); err != nil {
		httpjson.WriteError(w, http.StatusBadRequest, "bad_field", "field verify_url: "+err.Error())
		return
	}
	var id [16]byte
	if _, err := rand.Read(id[:]); err != nil {
		a.internal(w, r, err)
		return
	}
	j := &reportJob{ID: hex.EncodeToString(id[:]), ContractID: in.ContractID, Status: "queued", Created: time.Now().UTC(),
		names: in.Names, VerifyURL: in.VerifyURL, Type: in.Type, signedPDF: in.SignedPDF}
	if c := callerFrom(r.Context()); c != nil {
		j.Org = c.org.ID
	}
	answer := *j // the runner may update j as soon as it is queued
	if !a.rep.jobs.add(j) {
		httpjson.WriteError(w, http.StatusServiceUnavailable, "busy", "the report queue is full; try again shortly")
		return
	}
	httpjson.Write(w, http.StatusAccepted, answer)
}

func (a *API) reportStatus(w http.ResponseWriter, r *http.Request) {
	j, ok := a.reportJob(w, r)
	if !ok {
		return
	}
	httpjson.Write(w, http.StatusOK, j)
}

// reportJob finds the job named in the path and checks the caller may
// see it (the seesAll rule, with the job's requesting organisation as the
// owner); it answers 404 or 403 otherwise.
func (a *API) reportJob(w http.ResponseWriter, r *http.Request) (reportJob, bool) {
	j, ok := a.rep.jobs.get(r.PathValue("id"))
	if !ok {
		httpjson.WriteError(w, http.StatusNotFound, "not_found", "no report job "+r.PathValue("id"))
		return reportJob{}, false
	}
	if !a.allowOrg(w, r, j.Org) {
		return reportJob{}, false
	}
	return j, true
}

func (a *API) reportPDF(w http.ResponseWriter, r *http.Request) {
	j, ok := a.reportJob(w, r)
	switch {
	case !ok:
	case j.pdf == nil:
		httpjson.WriteError(w, http.StatusConflict, "not_ready", "the report is "+j.Status)
	default:
		w.Header().Set("Content-Type", "application/pdf")
		w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=\"%s-%s.pdf\"", reportTypes[j.Type].file, j.ContractID))
		_, _ = w.Write(j.pdf)
	}
}

// ofdContract is the current file of this node's workflow contract when it
// is an OFD whose SM3 the chain recorded last and the node draws OFD pages,
// for the evidence report to show; else nil (no pages: a failure here does
// not stop the report, it is logged).
func (a *API) ofdContract(ctx context.Context, contract string) []byte {
	if a.rep.pages == nil || a.files.signed == nil {
		return nil
	}
	want, err := a.signedSM3(contract)
	if err != nil || want == nil {
		return nil
	}
	file, err := a.files.signed.SignedPDF(ctx, contract)
	if err != nil {
		a.logger.Info("evidence report without contract pages", "contract", contract, "err", err)
		return nil
	}
	if got := sm3.Sum(file); !bytes.Equal(got[:], want) || !bytes.HasPrefix(file, []byte("PK\x03\x04")) {
		return nil
	}
	return file
}
