package conformance

import (
	"encoding/json"
	"fmt"

	cmtjson "github.com/cometbft/cometbft/libs/json"
	"github.com/cometbft/cometbft/types"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/client"
	"github.com/sealchain/sealchain/signer"
)

// CaseOrg is a genesis institution of a [CaseSynth]: its CA (to issue a
// document signer) and its genesis API credential.
type CaseOrg struct {
	ID, Name string
	CA       *signer.CA
	Sub      *client.Submitter
}

// CaseSynth is a [Synth] whose genesis is at rules version 3
// (chain.CaseRulesVersion) and names three more organisations with their
// genesis credentials: a notary office, an appraisal institution and a
// court, for the tests of institution cases and the documents they issue
// (evidence/report).
type CaseSynth struct {
	*Synth
	Notary, Appraisal, Court *CaseOrg
}

// NewCaseSynth makes a CaseSynth with chain id chainID.
func NewCaseSynth(chainID string) (*CaseSynth, error) {
	s, err := NewSynth(chainID)
	if err != nil {
		return nil, err
	}
	cs := &CaseSynth{Synth: s}
	for _, o := range []struct {
		dst        **CaseOrg
		id, name   string
		role       chain.Role
		credential string
	}{
		{&cs.Notary, "notary", "北京市中信公证处", chain.RoleNotary, "notary-staff"},
		{&cs.Appraisal, "appraisal", "北京某某司法鉴定所", chain.RoleAppraisal, "appraisal-staff"},
		{&cs.Court, "court", "北京互联网法院", chain.RoleCourt, "court-judge"},
	} {
		caKey, err := signer.GenerateKey(signer.AlgSM2, nil)
		if err != nil {
			return nil, err
		}
		caRole := string(o.role)
		if o.role == chain.RoleAppraisal {
			caRole = string(chain.RoleNotary) // until signer accepts the appraisal role in a CA's subject
		}
		ca, err := signer.NewCA(caKey, signer.CAOptions{OrgID: o.id, OrgName: o.name, Role: caRole,
			NotBefore: epoch.AddDate(-1, 0, 0), NotAfter: epoch.AddDate(2, 0, 0)}, nil)
		if err != nil {
			return nil, err
		}
		k, err := signer.GenerateKey(signer.AlgSM2, nil)
		if err != nil {
			return nil, err
		}
		der, err := ca.Issue(k.Public(), signer.IssueOptions{SubjectRef: o.credential, Usage: signer.UsageSubmitter,
			NotBefore: epoch.AddDate(0, -1, 0), NotAfter: epoch.AddDate(1, 0, 0)}, nil)
		if err != nil {
			return nil, err
		}
		*o.dst = &CaseOrg{ID: o.id, Name: o.name, CA: ca, Sub: &client.Submitter{ChainID: chainID, Org: o.id, Cert: der, Key: k}}
		s.w.extraOrgs = append(s.w.extraOrgs, chain.GenesisOrg{ID: o.id, Name: o.name, Role: string(o.role), Weight: 1,
			CACert:      string(signer.EncodeCertificatePEM(ca.Cert.Raw)),
			Credentials: []string{string(signer.EncodeCertificatePEM(der))}})
	}
	if s.w.genesis, err = s.w.genesisDoc(s.w.valSet); err != nil {
		return nil, err
	}
	// The rules version the cases need, set in the genesis's app state.
	var doc types.GenesisDoc
	if err := cmtjson.Unmarshal(s.w.genesis, &doc); err != nil {
		return nil, err
	}
	var gs chain.GenesisState
	if err := json.Unmarshal(doc.AppState, &gs); err != nil {
		return nil, err
	}
	gs.RulesVersion = chain.CaseRulesVersion
	if doc.AppState, err = json.Marshal(gs); err != nil {
		return nil, err
	}
	if s.w.genesis, err = cmtjson.MarshalIndent(&doc, "", "  "); err != nil {
		return nil, fmt.Errorf("case genesis: %w", err)
	}
	return cs, nil
}

// Add builds body by sub (with actor, nil for none) and appends it in its
// own block, returning its log index.
func (s *CaseSynth) Add(sub *client.Submitter, body chain.Body, actor *client.Actor) (uint64, error) {
	tx, err := sub.Build(body, actor)
	if err != nil {
		return 0, err
	}
	return s.AddTx(tx, false), nil
}
