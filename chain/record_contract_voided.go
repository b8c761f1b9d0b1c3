package chain

// ContractVoided records that the platform withdrew (撤销) a contract before
// every party signed. The reason stays off chain; only its SM3 is recorded.
//
//	message ContractVoided {
//	  string contract_id = 1;
//	  bytes  reason_sm3  = 2; // 32 bytes: SM3 of the UTF-8 reason
//	}
type ContractVoided struct {
	Contract  string
	ReasonSM3 []byte
}

// TypeContractVoided is contract_voided's record type number.
const TypeContractVoided Type = 17

func (*ContractVoided) Type() Type           { return TypeContractVoided }
func (b *ContractVoided) ContractID() string { return b.Contract }
func (*ContractVoided) actor() actorRule     { return actorNone }

func (*ContractVoided) Name() string           { return "contract_voided" }
func (*ContractVoided) Label() (zh, en string) { return "合同撤销", "Contract voided" }
func (*ContractVoided) IndexKeys() IndexKeys   { return IndexKeys{} }

func (b *ContractVoided) Fields() map[string]any {
	return map[string]any{"contract_id": b.Contract, "reason_sm3": hexOf(b.ReasonSM3)}
}

func (b *ContractVoided) encode(e *encoder) {
	e.string(1, b.Contract)
	e.bytes(2, b.ReasonSM3)
}

func (b *ContractVoided) decode(d *decoder) {
	b.Contract = d.string(1, "contract_id")
	b.ReasonSM3 = d.bytes(2, "reason_sm3")
}

func (b *ContractVoided) Validate() error {
	if err := checkID("body.contract_id", b.Contract); err != nil {
		return err
	}
	return checkHash("body.reason_sm3", b.ReasonSM3, true)
}
