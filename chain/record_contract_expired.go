package chain

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

func (*ContractExpired) Type() Type           { return TypeContractExpired }
func (b *ContractExpired) ContractID() string { return b.Contract }
func (*ContractExpired) actor() actorRule     { return actorNone }

func (b *ContractExpired) encode(e *encoder) { e.string(1, b.Contract) }

func (b *ContractExpired) decode(d *decoder) { b.Contract = d.string(1, "contract_id") }

func (b *ContractExpired) Validate() error { return checkID("body.contract_id", b.Contract) }
