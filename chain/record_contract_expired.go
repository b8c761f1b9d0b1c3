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
