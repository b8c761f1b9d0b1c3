package client

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"time"
)

// CaseBuildRequest asks the platform's node to build case packages
// (POST /v1/cases; docs/api.md "Case packages"): Contracts, or else Query,
// selects the contracts.
type CaseBuildRequest struct {
	Contracts   []string       `json:"contracts,omitempty"`
	Query       *ContractQuery `json:"query,omitempty"`
	Kind        string         `json:"kind"` // litigation or arbitration
	Institution string         `json:"institution"`
	BatchID     string         `json:"batch_id,omitempty"`
}

// ContractQuery selects contracts by template, status, creation time and
// counterparty (an identity id or part of a display name).
type ContractQuery struct {
	Template     string    `json:"template,omitempty"`
	Status       string    `json:"status,omitempty"`
	From         time.Time `json:"from,omitzero"`
	To           time.Time `json:"to,omitzero"`
	Counterparty string    `json:"counterparty,omitempty"`
}

// CaseJob is a case package build job.
type CaseJob struct {
	ID       string `json:"id"`
	Status   string `json:"status"` // queued, running, done, failed
	Error    string `json:"error,omitempty"`
	BatchID  string `json:"batch_id"`
	Progress struct {
		Total   int `json:"total"`
		Done    int `json:"done"`
		Built   int `json:"built"`
		Skipped int `json:"skipped"`
	} `json:"progress"`
	// Batch is batch.json once the job is done.
	Batch *CaseBatch `json:"batch,omitempty"`
}

// CaseBatch is a built batch: its cases and the contracts skipped.
type CaseBatch struct {
	BatchID string `json:"batch_id"`
	Cases   []struct {
		CaseID    string   `json:"case_id"`
		Contracts []string `json:"contracts"`
		Package   string   `json:"package"`
		SM3       string   `json:"sm3"`
		Size      int64    `json:"size"`
	} `json:"cases"`
	Skipped []struct {
		Contract string `json:"contract"`
		Reason   string `json:"reason"`
	} `json:"skipped"`
}

// BuildCases starts a batch build job.
func (c *Client) BuildCases(ctx context.Context, in CaseBuildRequest) (*CaseJob, error) {
	body, err := json.Marshal(in)
	if err != nil {
		return nil, err
	}
	var out CaseJob
	if _, err := c.do(ctx, http.MethodPost, "/v1/cases", "application/json", body, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// CaseJob returns a build job's progress (and its batch when done).
func (c *Client) CaseJob(ctx context.Context, id string) (*CaseJob, error) {
	var out CaseJob
	if _, err := c.do(ctx, http.MethodGet, "/v1/case-jobs/"+url.PathEscape(id), "", nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// CaseJobFile downloads batch.json, batch.csv or cases/<case_id>.zip of a
// finished job, at most max bytes.
func (c *Client) CaseJobFile(ctx context.Context, id, name string, max int64) ([]byte, error) {
	return c.Download(ctx, "/v1/case-jobs/"+url.PathEscape(id)+"/files/"+name, max, nil)
}
