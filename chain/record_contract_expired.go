package chain

import "time"

// ContractExpired closes an open contract whose deadline has passed. The
// chain accepts it only when the block time is after the deadline, so every
// validator agrees on expiry whatever the submitter's clock says.
//
//	message ContractExpired {
//	  string contract_id = 1;
//	}
type ContractExpired struct {
	Contract string
}

// TypeContractExpired is contract_expired's record type number.
const TypeContractExpired Type = 20

func (*ContractExpired) Type() Type           { return TypeContractExpired }
func (b *ContractExpired) ContractID() string { return b.Contract }
func (*ContractExpired) actor() actorRule     { return actorNone }

func (*ContractExpired) Name() string           { return "contract_expired" }
func (*ContractExpired) Label() (zh, en string) { return "签署过期", "Signing deadline passed" }
func (*ContractExpired) IndexKeys() IndexKeys   { return IndexKeys{} }

func (b *ContractExpired) Fields() map[string]any {
	return map[string]any{"contract_id": b.Contract}
}

func (b *ContractExpired) encode(e *encoder) { e.string(1, b.Contract) }

func (b *ContractExpired) decode(d *decoder) { b.Contract = d.string(1, "contract_id") }

func (b *ContractExpired) Validate() error { return checkID("body.contract_id", b.Contract) }

// Apply expires an open contract of the submitting org whose deadline
// passed before the block time.
func (b *ContractExpired) Apply(v StateView, c *RuleContext) (Effects, *TxError) {
	k, terr := ownContract(v, b.Contract, c.Org, "body.contract_id")
	if terr != nil {
		return nil, terr
	}
	// Not openContract: that refuses a contract past its deadline.
	if terr := mustBeOpen(k, b.Contract); terr != nil {
		return nil, terr
	}
	switch {
	case k.Deadline == 0:
		return nil, Reject(CodeNotExpired, "body.contract_id", "contract %q has no deadline", b.Contract)
	case c.Time.Unix() <= k.Deadline:
		return nil, Reject(CodeNotExpired, "body.contract_id", "contract %q deadline %s is not before the block time %s",
			b.Contract, time.Unix(k.Deadline, 0).UTC().Format(time.RFC3339), c.Time.Format(time.RFC3339))
	}
	k.Status = StatusExpired
	return Effects{ContractWrite{k}}, nil
}
