package client

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
)

// Case is an institution case as the node API answers it (docs/api.md
// "Cases", docs/schema/case.schema.json): a notarisation application or an
// appraisal commission. Log indexes are the records' (opened_in the
// application's, decided_in the decision's, closed_in the withdrawal's,
// rejection's or issue's).
type Case struct {
	ID          string   `json:"id"`
	Kind        string   `json:"kind"` // notarization, appraisal, litigation, arbitration
	ContractID  string   `json:"contract_id"`
	Applicant   string   `json:"applicant"`
	Institution string   `json:"institution"`
	Status      string   `json:"status"` // pending, accepted, rejected, withdrawn, issued
	OpenedIn    uint64   `json:"opened_in"`
	DecidedIn   *uint64  `json:"decided_in,omitempty"`
	ClosedIn    *uint64  `json:"closed_in,omitempty"`
	DocumentSM3 string   `json:"document_sm3,omitempty"`
	Number      string   `json:"number,omitempty"`
	Scope       []string `json:"scope,omitempty"` // notarisation: contract, signed_pdf, timeline
	Items       []string `json:"items,omitempty"` // appraisal: bundle, pdf_signature, certificates, intent, time
	Purpose     string   `json:"purpose,omitempty"`
	Reason      string   `json:"reason,omitempty"` // a decision's reason
	// Filed cases (litigation, arbitration): the contracts, the package
	// on chain, the filer's batch; Number is the docket number (案号).
	Contracts   []string `json:"contracts,omitempty"`
	PackageSM3  string   `json:"package_sm3,omitempty"`
	PackageSize uint64   `json:"package_size,omitempty"`
	BatchID     string   `json:"batch_id,omitempty"`
	// PackageHeld: this node holds the package, checked against the chain
	// (the filer's own, or the institution's received copy).
	PackageHeld bool `json:"package_held,omitempty"`
}

// NotarizationRequest is POST /v1/notarizations.
type NotarizationRequest struct {
	ContractID  string   `json:"contract_id"`
	NotaryOrg   string   `json:"notary_org"`
	Scope       []string `json:"scope"`
	Purpose     string   `json:"purpose"`
	PurposeText string   `json:"purpose_text,omitempty"`
	PartyCert   string   `json:"party_cert,omitempty"`
}

// AppraisalRequest is POST /v1/appraisals.
type AppraisalRequest struct {
	ContractID   string   `json:"contract_id"`
	AppraisalOrg string   `json:"appraisal_org"`
	Items        []string `json:"items"`
	MattersText  string   `json:"matters_text"`
}

// IssueRequest is POST /v1/cases/{id}/issue; every field is optional.
type IssueRequest struct {
	Number     string   `json:"number,omitempty"`
	Notes      string   `json:"notes,omitempty"`
	Conclusion string   `json:"conclusion,omitempty"` // appraisal: intact, altered, undetermined
	Examiners  []string `json:"examiners,omitempty"`  // appraisal: certificate fingerprints (hex)
}

// IssueResult is POST /v1/cases/{id}/issue's answer.
type IssueResult struct {
	Case        Case   `json:"case"`
	Number      string `json:"number"`
	DocumentSM3 string `json:"document_sm3"`
	TxHash      string `json:"tx_hash"`
}

// CaseDetail is GET /v1/cases/{id}: the case and its records (record views
// as GET /v1/records/{index} answers them).
type CaseDetail struct {
	Case    Case              `json:"case"`
	Records []json.RawMessage `json:"records"`
}

type caseAnswer struct {
	Case Case `json:"case"`
}

func (c *Client) postCase(ctx context.Context, path string, in any) (*Case, error) {
	body, err := json.Marshal(in)
	if err != nil {
		return nil, err
	}
	var out caseAnswer
	if _, err := c.do(ctx, http.MethodPost, path, "application/json", body, &out); err != nil {
		return nil, err
	}
	return &out.Case, nil
}

// ApplyNotarization applies, as the node's platform, to a notary office.
func (c *Client) ApplyNotarization(ctx context.Context, in NotarizationRequest) (*Case, error) {
	return c.postCase(ctx, "/v1/notarizations", in)
}

// WithdrawNotarization withdraws a pending or accepted application.
func (c *Client) WithdrawNotarization(ctx context.Context, id, reason string) (*Case, error) {
	return c.postCase(ctx, "/v1/notarizations/"+url.PathEscape(id)+"/withdraw", map[string]string{"reason": reason})
}

// CommissionAppraisal commissions, as the node's court, an appraisal institution.
func (c *Client) CommissionAppraisal(ctx context.Context, in AppraisalRequest) (*Case, error) {
	return c.postCase(ctx, "/v1/appraisals", in)
}

// WithdrawAppraisal withdraws a pending or accepted commission.
func (c *Client) WithdrawAppraisal(ctx context.Context, id, reason string) (*Case, error) {
	return c.postCase(ctx, "/v1/appraisals/"+url.PathEscape(id)+"/withdraw", map[string]string{"reason": reason})
}

// Inbox lists the cases to the node's institution; status and kind filter
// ("" for all).
func (c *Client) Inbox(ctx context.Context, status, kind string) ([]Case, error) {
	return c.listCases(ctx, "/v1/inbox", url.Values{}, status, kind)
}

func (c *Client) listCases(ctx context.Context, path string, q url.Values, status, kind string) ([]Case, error) {
	if status != "" {
		q.Set("status", status)
	}
	if kind != "" {
		q.Set("kind", kind)
	}
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	var out struct {
		Cases []Case `json:"cases"`
	}
	if _, err := c.do(ctx, http.MethodGet, path, "", nil, &out); err != nil {
		return nil, err
	}
	return out.Cases, nil
}

// CaseView fetches a case and its records.
func (c *Client) CaseView(ctx context.Context, id string) (*CaseDetail, error) {
	var out CaseDetail
	if _, err := c.do(ctx, http.MethodGet, "/v1/cases/"+url.PathEscape(id), "", nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// DecideCase accepts ("accept") or rejects ("reject", with a reason) a
// pending case, as its institution's node.
func (c *Client) DecideCase(ctx context.Context, id, decision, reason string) (*Case, error) {
	return c.postCase(ctx, "/v1/cases/"+url.PathEscape(id)+"/decision", map[string]string{"decision": decision, "reason": reason})
}

// IssueCase issues an accepted case's document.
func (c *Client) IssueCase(ctx context.Context, id string, in IssueRequest) (*IssueResult, error) {
	body, err := json.Marshal(in)
	if err != nil {
		return nil, err
	}
	var out IssueResult
	if _, err := c.do(ctx, http.MethodPost, "/v1/cases/"+url.PathEscape(id)+"/issue", "application/json", body, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// CaseBundle fetches the evidence bundle of a case's contract (raw JSON).
func (c *Client) CaseBundle(ctx context.Context, id string) ([]byte, error) {
	return c.do(ctx, http.MethodGet, "/v1/cases/"+url.PathEscape(id)+"/bundle", "", nil, nil)
}

// CaseSignedPDF fetches a case's signed contract PDF, at most max bytes.
func (c *Client) CaseSignedPDF(ctx context.Context, id string, max int64) ([]byte, error) {
	return c.Download(ctx, "/v1/cases/"+url.PathEscape(id)+"/signed.pdf", max, nil)
}

// CaseDocument fetches a case's issued document, at most max bytes.
func (c *Client) CaseDocument(ctx context.Context, id string, max int64) ([]byte, error) {
	return c.Download(ctx, "/v1/cases/"+url.PathEscape(id)+"/document.pdf", max, nil)
}

// Download GETs path as bytes, refusing an answer over max bytes; hdr adds
// request headers.
func (c *Client) Download(ctx context.Context, path string, max int64, hdr http.Header) ([]byte, error) {
	return c.doLimit(ctx, http.MethodGet, path, "", nil, nil, max, hdr)
}
