package chain

// ContractDeclined records that a party refused to sign. The party signs the
// record as actor; the reason stays off chain and only its SM3 is recorded.
// A declined contract accepts no further signatures.
//
//	message ContractDeclined {
//	  string contract_id = 1;
//	  bytes  reason_sm3  = 2; // 32 bytes: SM3 of the UTF-8 reason
//	}
type ContractDeclined struct {
	Contract  string
	ReasonSM3 []byte
}

// TypeContractDeclined is contract_declined's record type number.
const TypeContractDeclined Type = 16

func (*ContractDeclined) Type() Type           { return TypeContractDeclined }
func (b *ContractDeclined) ContractID() string { return b.Contract }
func (*ContractDeclined) actor() actorRule     { return actorRequired }

func (*ContractDeclined) Name() string           { return "contract_declined" }
func (*ContractDeclined) Label() (zh, en string) { return "拒绝签署", "Signing declined" }
func (*ContractDeclined) IndexKeys() IndexKeys   { return IndexKeys{} }

func (b *ContractDeclined) Fields() map[string]any {
	return map[string]any{"contract_id": b.Contract, "reason_sm3": hexOf(b.ReasonSM3)}
}

func (b *ContractDeclined) encode(e *encoder) {
	e.string(1, b.Contract)
	e.bytes(2, b.ReasonSM3)
}

func (b *ContractDeclined) decode(d *decoder) {
	b.Contract = d.string(1, "contract_id")
	b.ReasonSM3 = d.bytes(2, "reason_sm3")
}

func (b *ContractDeclined) Validate() error {
	if err := checkID("body.contract_id", b.Contract); err != nil {
		return err
	}
	return checkHash("body.reason_sm3", b.ReasonSM3, true)
}
