package app

import (
	"time"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/chain/store"
)

// applyLifecycle checks the signing workflow's records (types 14-20) and
// returns the function that stages their state changes. Like apply, it reads
// only the block's view and the block time.
func applyLifecycle(b *store.Block, org string, s *signers, body chain.Body, next uint64, t time.Time) (func() error, *TxError) {
	switch body := body.(type) {
	case *chain.ContractSent:
		c, terr := openContract(b.View, body.Contract, org, t)
		if terr != nil {
			return nil, terr
		}
		if c.Sent {
			return nil, reject(CodeAlreadySent, "body.contract_id", "contract %q was already sent at log index %d", body.Contract, c.SentIn)
		}
		return func() error {
			c.Sent, c.SentIn = true, next
			return b.PutContract(c)
		}, nil

	case *chain.ContractViewed:
		c, terr := sentContract(b.View, body.Contract, org, t)
		if terr != nil {
			return nil, terr
		}
		i, terr := contractParty(c, body.Party, "body.party", body.Contract)
		if terr != nil {
			return nil, terr
		}
		if c.ViewedBy(i) {
			return nil, reject(CodeAlreadyViewed, "body.party", "party %d already viewed contract %q", i, body.Contract)
		}
		return func() error {
			if len(c.Viewed) != len(c.Parties) {
				c.Viewed = make([]bool, len(c.Parties))
			}
			c.Viewed[i] = true
			return b.PutContract(c)
		}, nil

	case *chain.ContractReminded:
		c, terr := sentContract(b.View, body.Contract, org, t)
		if terr != nil {
			return nil, terr
		}
		if _, terr := unsignedParty(c, body.Party, "body.party", body.Contract); terr != nil {
			return nil, terr
		}
		return func() error { return nil }, nil

	case *chain.ContractDeclined:
		c, terr := openContract(b.View, body.Contract, org, t)
		if terr != nil {
			return nil, terr
		}
		if _, terr := unsignedParty(c, s.actorFP, "actor.cert", body.Contract); terr != nil {
			return nil, terr
		}
		return func() error {
			c.Status = chain.StatusDeclined
			return b.PutContract(c)
		}, nil

	case *chain.ContractVoided:
		// openContract also refuses voiding after the deadline: the contract
		// expires instead.
		c, terr := openContract(b.View, body.Contract, org, t)
		if terr != nil {
			return nil, terr
		}
		return func() error {
			c.Status = chain.StatusVoided
			return b.PutContract(c)
		}, nil

	case *chain.ContractRenewed:
		if _, terr := ownContract(b.View, body.Previous, org, "body.previous"); terr != nil {
			return nil, terr
		}
		c, terr := ownContract(b.View, body.Contract, org, "body.contract_id")
		if terr != nil {
			return nil, terr
		}
		if c.RenewedFrom != "" {
			return nil, reject(CodeAlreadyRenewed, "body.contract_id", "contract %q already renews %q", body.Contract, c.RenewedFrom)
		}
		return func() error {
			c.RenewedFrom = body.Previous
			return b.PutContract(c)
		}, nil

	case *chain.ContractExpired:
		c, terr := ownContract(b.View, body.Contract, org, "body.contract_id")
		if terr != nil {
			return nil, terr
		}
		// Not openContract: that refuses a contract past its deadline.
		if terr := mustBeOpen(c, body.Contract); terr != nil {
			return nil, terr
		}
		switch {
		case c.Deadline == 0:
			return nil, reject(CodeNotExpired, "body.contract_id", "contract %q has no deadline", body.Contract)
		case t.Unix() <= c.Deadline:
			return nil, reject(CodeNotExpired, "body.contract_id", "contract %q deadline %s is not before the block time %s",
				body.Contract, time.Unix(c.Deadline, 0).UTC().Format(time.RFC3339), t.Format(time.RFC3339))
		}
		return func() error {
			c.Status = chain.StatusExpired
			return b.PutContract(c)
		}, nil
	}
	return nil, reject(CodeUnknownType, "type", "no rules for record type %s", body.Type())
}

// ownContract loads a contract that must exist and belong to org, in any status.
func ownContract(view store.View, id, org, field string) (*chain.ContractState, *TxError) {
	c, ok, err := view.Contract(id)
	if err != nil {
		panic(err)
	}
	if !ok {
		return nil, reject(CodeUnknownContract, field, "contract %q does not exist", id)
	}
	if c.Org != org {
		return nil, reject(CodePermission, "envelope.org", "contract %q belongs to organisation %q", id, c.Org)
	}
	return c, nil
}

// sentContract is openContract for a contract that must also have been sent.
func sentContract(view store.View, id, org string, t time.Time) (*chain.ContractState, *TxError) {
	c, terr := openContract(view, id, org, t)
	if terr != nil {
		return nil, terr
	}
	if !c.Sent {
		return nil, reject(CodeNotSent, "body.contract_id", "contract %q has not been sent", id)
	}
	return c, nil
}
