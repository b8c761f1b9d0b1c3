package app

import (
	"fmt"

	"github.com/sealchain/sealchain/chain"
)

// roleIntroduced refuses, under a rules version before a role's
// (chain.Role.Since), a register_org proposal naming that role, with the
// error a binary without the role returns: its decoder refused the role in
// the proposal's stateless Validate (code 5 at body.org.role; in a batch,
// the whole batch at records[i].body.org.role of the first such record, as
// its decoder stops there). CheckTx, ProcessProposal and FinalizeBlock all
// reach it through checkTx, so old and new binaries agree until the upgrade
// height.
func roleIntroduced(tx *chain.Tx, batch *chain.Batch, version uint32) error {
	if tx != nil {
		if fe := proposalRole(tx, version); fe != nil {
			return fe
		}
		return nil
	}
	if batch == nil {
		return nil
	}
	for i, it := range batch.Items {
		if fe := proposalRole(it, version); fe != nil {
			return &chain.FieldError{Field: fmt.Sprintf("records[%d].%s", i, fe.Field), Err: fe.Err}
		}
	}
	return nil
}

// proposalRole returns the decoder's error when tx registers an org whose
// role version does not have yet, nil otherwise.
func proposalRole(tx *chain.Tx, version uint32) *chain.FieldError {
	p, ok := tx.Body.(*chain.Proposal)
	if !ok || p.Kind != chain.ProposalRegisterOrg || p.Org == nil || p.Org.Role.Since() <= version {
		return nil
	}
	// The wording of the role check before the appraisal role existed.
	return &chain.FieldError{Field: "body.org.role", Err: fmt.Errorf("%w: role %q: want court, notary, arbitration or platform", chain.ErrInvalid, p.Org.Role)}
}
