package chain

// ContractSent records that the platform sent a contract to its parties: each
// party got a signing link. The block time is the sending time. A contract is
// sent at most once; parties can be viewed and reminded only after it.
//
//	message ContractSent {
//	  string contract_id = 1;
//	}
type ContractSent struct {
	Contract string
}

// TypeContractSent is contract_sent's record type number.
const TypeContractSent Type = 14

func (*ContractSent) Type() Type           { return TypeContractSent }
func (b *ContractSent) ContractID() string { return b.Contract }
func (*ContractSent) actor() actorRule     { return actorNone }

func (*ContractSent) Name() string { return "contract_sent" }
func (*ContractSent) Label() (zh, en string) {
	return "合同发送签署", "Contract sent for signing"
}
func (*ContractSent) IndexKeys() IndexKeys { return IndexKeys{} }

func (b *ContractSent) Fields() map[string]any {
	return map[string]any{"contract_id": b.Contract}
}

func (b *ContractSent) encode(e *encoder) { e.string(1, b.Contract) }

func (b *ContractSent) decode(d *decoder) { b.Contract = d.string(1, "contract_id") }

func (b *ContractSent) Validate() error { return checkID("body.contract_id", b.Contract) }
