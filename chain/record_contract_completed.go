package chain

// ContractCompleted closes a contract that every party has signed. Only the
// organisation that created the contract submits it.
//
//	message ContractCompleted {
//	  string contract_id = 1;
//	}
type ContractCompleted struct {
	Contract string
}

// TypeContractCompleted is contract_completed's record type number.
const TypeContractCompleted Type = 6

func (*ContractCompleted) Type() Type           { return TypeContractCompleted }
func (b *ContractCompleted) ContractID() string { return b.Contract }
func (*ContractCompleted) actor() actorRule     { return actorNone }

func (*ContractCompleted) Name() string           { return "contract_completed" }
func (*ContractCompleted) Label() (zh, en string) { return "合同完成", "Contract completed" }
func (*ContractCompleted) IndexKeys() IndexKeys   { return IndexKeys{} }

func (b *ContractCompleted) Fields() map[string]any {
	return map[string]any{"contract_id": b.Contract}
}

func (b *ContractCompleted) encode(e *encoder) { e.string(1, b.Contract) }

func (b *ContractCompleted) decode(d *decoder) { b.Contract = d.string(1, "contract_id") }

func (b *ContractCompleted) Validate() error { return checkID("body.contract_id", b.Contract) }
