package flowapi

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/sealchain/sealchain/evidence"
	"github.com/sealchain/sealchain/evidence/casepkg"
	"github.com/sealchain/sealchain/workflow"
)

// CaseSource is the workflow as the case package builder reads it
// (evidence/casepkg): contracts by query, their template fields, signed
// PDF, parties' identity data, and the evidence bundle this node
// assembles.
func (s *Service) CaseSource() casepkg.Source { return caseSource{s} }

type caseSource struct{ s *Service }

// Select: the workflow's search by status and creation time, then the
// template and the counterparty (an identity id, or a substring of a
// party's display name), oldest first.
func (c caseSource) Select(ctx context.Context, q casepkg.Query) ([]string, error) {
	ids, err := c.s.engine.ContractIDs(ctx, workflow.Query{Status: q.Status, From: q.From, To: q.To}, 4*casepkg.MaxBatchCases)
	if err != nil {
		return nil, err
	}
	if q.Template == "" && q.Counterparty == "" {
		return ids, nil
	}
	out := ids[:0]
	for _, id := range ids {
		ct, err := c.s.engine.Contract(id)
		if err != nil {
			return nil, err
		}
		if q.Template != "" && ct.Template != q.Template {
			continue
		}
		if q.Counterparty != "" && !slices.ContainsFunc(ct.Parties, func(p workflow.Party) bool {
			return p.IdentityID == q.Counterparty || strings.Contains(p.DisplayName, q.Counterparty)
		}) {
			continue
		}
		out = append(out, id)
	}
	return out, nil
}

// Load gathers a contract's inputs. A contract the workflow does not know
// is a skip, not a failure of the batch.
func (c caseSource) Load(ctx context.Context, id string) (*casepkg.ContractData, error) {
	ct, fields, parties, err := c.s.engine.CaseData(id)
	var we *workflow.Error
	if errors.As(err, &we) && we.Status == http.StatusNotFound {
		return nil, &casepkg.SkipError{Contract: id, Reason: "no such contract in this platform's workflow"}
	}
	if err != nil {
		return nil, err
	}
	d := &casepkg.ContractData{ID: ct.ID, Title: ct.Title, Status: ct.Status, StatusReason: ct.VoidReason, Template: ct.Template, Fields: fields}
	for _, p := range parties {
		d.Parties = append(d.Parties, casepkg.PartyInput{Role: p.Role, CertDER: p.CertDER,
			Identity: &casepkg.Identity{Kind: p.Kind, Name: p.Name, IDNumber: p.IDNumber, Address: p.Address}})
	}
	if ct.Status != workflow.StatusCompleted {
		return d, nil // the builder lists it with its status
	}
	if d.SignedPDF, err = c.s.engine.PDF(ctx, id); err != nil {
		return nil, err
	}
	b, err := c.s.assemble(ctx, evidence.Subject{ContractID: id})
	if err != nil {
		return nil, &casepkg.SkipError{Contract: id, Reason: "its evidence cannot be assembled on this node: " + err.Error()}
	}
	if d.BundleJSON, err = b.Encode(); err != nil {
		return nil, err
	}
	return d, nil
}
