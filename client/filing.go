package client

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Filing with courts and arbitration (docs/judicial-services.md, "Filing
// with courts and arbitration"; docs/api.md, "Filed cases").

// FilingBatch is a batch directory's batch.json, as `sealchain case build`
// writes it, and the body of POST /v1/filings (at most MaxFilingRequest
// cases a request; the package paths are the batch directory's and are
// not sent).
type FilingBatch struct {
	BatchID string       `json:"batch_id"`
	Filer   string       `json:"filer"`
	Cases   []FilingCase `json:"cases"`
}

// FilingCase is one case of a batch.
type FilingCase struct {
	CaseID      string   `json:"case_id"`
	Institution string   `json:"institution"`
	Kind        string   `json:"kind"` // litigation, arbitration
	Contracts   []string `json:"contracts"`
	Package     string   `json:"package,omitempty"` // cases/<case_id>.zip, relative to batch.json
	SM3         string   `json:"sm3"`               // lower-case hex of the SM3 of the zip's bytes
	Size        int64    `json:"size"`
}

// MaxFilingRequest bounds the cases of one POST /v1/filings: one batch
// transaction (chain.MaxBatchRecords). A larger batch is a stream of
// requests.
const MaxFilingRequest = 1000

// FilingResult is POST /v1/filings's answer: every case either filed (on
// chain, with its log index) or refused with the reason; none is dropped.
type FilingResult struct {
	BatchID string        `json:"batch_id"`
	TxHash  string        `json:"tx_hash,omitempty"`
	Height  int64         `json:"height,omitempty"`
	Filed   []FiledCase   `json:"filed"`
	Refused []RefusedCase `json:"refused"`
}

// FiledCase is a case recorded on chain.
type FiledCase struct {
	CaseID   string `json:"case_id"`
	LogIndex uint64 `json:"log_index"`
}

// RefusedCase is a case that was not filed: Code is the node's error code
// (package_missing, package_mismatch, bad_field) or "tx_rejected" with the
// chain's ABCICode.
type RefusedCase struct {
	CaseID   string `json:"case_id"`
	Code     string `json:"code"`
	ABCICode uint32 `json:"abci_code,omitempty"`
	Message  string `json:"message"`
}

// CasePage is GET /v1/cases and GET /v1/inbox: a page of cases, newest
// first; Next is the cursor (after=) of the next page when More.
type CasePage struct {
	Cases []Case `json:"cases"`
	Next  uint64 `json:"next,omitempty"`
	More  bool   `json:"more"`
}

// CaseQuery selects cases for GET /v1/cases.
type CaseQuery struct {
	Role   string // institution (the cases to this node's organisation) or applicant (those it opened or filed)
	Status string
	Kind   string
	After  uint64 // the previous page's Next; 0 for the first page
	Limit  int    // 1..1000; 0 for the node's default (100)
}

// FileCases files up to MaxFilingRequest cases with the node's
// organisation as the filer. The packages must be on the node
// (UploadPackage, or its data/casepkg directory).
func (c *Client) FileCases(ctx context.Context, b FilingBatch) (*FilingResult, error) {
	body, err := json.Marshal(b)
	if err != nil {
		return nil, err
	}
	var out FilingResult
	if _, err := c.do(ctx, http.MethodPost, "/v1/filings", "application/json", body, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// UploadPackage puts a case package on the node: before filing, on the
// filer's node (it keeps it for the institution); after, on the
// institution's (an offline hand-over), which checks it against the chain.
func (c *Client) UploadPackage(ctx context.Context, caseID string, zip []byte) (*Case, error) {
	var out caseAnswer
	if _, err := c.do(ctx, http.MethodPut, "/v1/cases/"+url.PathEscape(caseID)+"/package", "application/zip", zip, &out); err != nil {
		return nil, err
	}
	return &out.Case, nil
}

// FetchPackage makes the institution's node fetch a filed case's package
// from the filer's node (resuming a partial download) and check it.
func (c *Client) FetchPackage(ctx context.Context, caseID string) (*Case, error) {
	return c.postCase(ctx, "/v1/cases/"+url.PathEscape(caseID)+"/package/fetch", struct{}{})
}

// DocketCase answers a filed case as its institution: "accept" (立案, with
// an optional docket number) or "reject" (退回, with a reason).
func (c *Client) DocketCase(ctx context.Context, id, decision, reason, docket string) (*Case, error) {
	return c.postCase(ctx, "/v1/cases/"+url.PathEscape(id)+"/decision",
		map[string]string{"decision": decision, "reason": reason, "docket_number": docket})
}

// WithdrawFiling withdraws a pending filed case, as its filer.
func (c *Client) WithdrawFiling(ctx context.Context, id, reason string) (*Case, error) {
	return c.postCase(ctx, "/v1/filings/"+url.PathEscape(id)+"/withdraw", map[string]string{"reason": reason})
}

// Cases lists cases by q.
func (c *Client) Cases(ctx context.Context, q CaseQuery) (*CasePage, error) {
	v := url.Values{}
	for k, s := range map[string]string{"role": q.Role, "status": q.Status, "kind": q.Kind} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if q.After != 0 {
		v.Set("after", strconv.FormatUint(q.After, 10))
	}
	if q.Limit != 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	var out CasePage
	if _, err := c.do(ctx, http.MethodGet, "/v1/cases?"+v.Encode(), "", nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// PackageRange GETs a case's package from byte offset on (HTTP Range):
// the caller reads and closes the body. It answers the response's status
// (200 whole, 206 from offset) and the package's total size.
func (c *Client) PackageRange(ctx context.Context, caseID string, offset int64, hdr http.Header) (io.ReadCloser, int, int64, error) {
	path := "/v1/cases/" + url.PathEscape(caseID) + "/package"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path, nil)
	if err != nil {
		return nil, 0, 0, err
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	if offset > 0 {
		req.Header.Set("Range", fmt.Sprintf("bytes=%d-", offset))
	}
	if err := c.sign(req, nil); err != nil {
		return nil, 0, 0, err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("GET %s: %w", path, err)
	}
	switch resp.StatusCode {
	case http.StatusOK:
		return resp.Body, resp.StatusCode, resp.ContentLength, nil
	case http.StatusPartialContent:
		var first, last, total int64
		if _, err := fmt.Sscanf(resp.Header.Get("Content-Range"), "bytes %d-%d/%d", &first, &last, &total); err != nil || first != offset {
			resp.Body.Close()
			return nil, 0, 0, fmt.Errorf("GET %s: Content-Range %q for offset %d", path, resp.Header.Get("Content-Range"), offset)
		}
		return resp.Body, resp.StatusCode, total, nil
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var e struct {
		Error APIError `json:"error"`
	}
	if json.Unmarshal(data, &e) != nil || e.Error.Code == "" {
		return nil, 0, 0, &APIError{Status: resp.StatusCode, Code: "http_error", Message: string(data)}
	}
	e.Error.Status = resp.StatusCode
	return nil, 0, 0, &e.Error
}

// CaseEvent is a webhook event of a case the receiving organisation opened
// (filed, applied for, commissioned): Type is "case." + the status the
// case took (case.pending when filed, case.accepted when docketed,
// case.rejected when returned, case.withdrawn, case.issued). ID is stable
// ("case:<case id>:<log index>"): a redelivery is the same event.
type CaseEvent struct {
	ID           string    `json:"id"`
	Type         string    `json:"type"`
	CaseID       string    `json:"case_id"`
	Kind         string    `json:"kind"`
	Status       string    `json:"status"`
	Institution  string    `json:"institution"`
	ContractID   string    `json:"contract_id"`
	BatchID      string    `json:"batch_id,omitempty"`
	LogIndex     uint64    `json:"log_index"`
	Height       int64     `json:"height"`
	Time         time.Time `json:"time"`
	Reason       string    `json:"reason,omitempty"`
	DocketNumber string    `json:"docket_number,omitempty"`
}
