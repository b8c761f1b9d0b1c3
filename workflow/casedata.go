package workflow

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
)

// PartyData is a party of a contract as a case package needs it: the role,
// the certificate, and the identity data the platform verified (off chain;
// the filer discloses it to the court or arbitration commission).
type PartyData struct {
	Role       string
	IdentityID string
	CertDER    []byte
	Kind       string // person or enterprise
	Name       string
	IDNumber   string // resident ID number, or a company's credit code
	Address    string // address for service; "" when never given
	Phone      string
}

// CaseData returns what a case package (evidence/casepkg) needs of a
// contract: the contract, its template field values ("" template: none),
// and its parties' identity data, unsealed.
func (e *Engine) CaseData(id string) (*Contract, map[string]string, []PartyData, error) {
	c, err := e.loadContract(id)
	if err != nil {
		return nil, nil, nil, err
	}
	var fields map[string]string
	if len(c.FieldsSealed) > 0 {
		plain, err := e.cfg.KEK.Open(c.ID+"/fields", c.FieldsSealed)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("contract %s fields: %w", id, err)
		}
		if err := json.Unmarshal(plain, &fields); err != nil {
			return nil, nil, nil, fmt.Errorf("contract %s fields: %w", id, err)
		}
	}
	var parties []PartyData
	for _, p := range c.Parties {
		rec, sec, err := e.loadIdentitySecrets(p.IdentityID)
		if err != nil {
			return nil, nil, nil, err
		}
		pd := PartyData{Role: p.Role, IdentityID: rec.ID, CertDER: rec.CertDER, Kind: rec.Kind, Phone: sec.Phone}
		switch in := sec.Input; {
		case in.Person != nil:
			pd.Name, pd.IDNumber, pd.Address = in.Person.Name, in.Person.IDNumber, in.Person.Address
		case in.Enterprise != nil:
			pd.Name, pd.IDNumber, pd.Address = in.Enterprise.Name, in.Enterprise.CreditCode, in.Enterprise.Address
		}
		pd.Address = strings.TrimSpace(pd.Address)
		parties = append(parties, pd)
	}
	return c.Public(), fields, parties, nil
}

// ContractIDs lists the ids of the contracts a query matches (Query.Limit
// and Cursor ignored), oldest first, at most max.
func (e *Engine) ContractIDs(ctx context.Context, q Query, max int) ([]string, error) {
	q.Limit, q.Cursor = 200, ""
	var out []string
	for {
		page, next, err := e.Search(ctx, q)
		if err != nil {
			return nil, err
		}
		for _, c := range page {
			out = append(out, c.ID)
		}
		if len(out) > max {
			return nil, fmt.Errorf("more than %d contracts match", max)
		}
		if next == "" {
			break
		}
		q.Cursor = next
	}
	// Search lists newest first.
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out, nil
}
