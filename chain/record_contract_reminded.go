package chain

// ContractReminded records a reminder (催办) sent to a party who has not
// signed yet, by hand or on a schedule.
//
//	message ContractReminded {
//	  string contract_id = 1;
//	  bytes  party       = 2; // certificate fingerprint of the party reminded
//	}
type ContractReminded struct {
	Contract string
	Party    Fingerprint
}

// TypeContractReminded is contract_reminded's record type number.
const TypeContractReminded Type = 18

func (*ContractReminded) Type() Type           { return TypeContractReminded }
func (b *ContractReminded) ContractID() string { return b.Contract }
func (*ContractReminded) actor() actorRule     { return actorNone }

func (*ContractReminded) Name() string           { return "contract_reminded" }
func (*ContractReminded) Label() (zh, en string) { return "签署提醒", "Signing reminder sent" }
func (*ContractReminded) IndexKeys() IndexKeys   { return IndexKeys{} }

func (b *ContractReminded) Fields() map[string]any {
	return map[string]any{"contract_id": b.Contract, "party": b.Party.String()}
}

func (b *ContractReminded) encode(e *encoder) {
	e.string(1, b.Contract)
	e.bytes(2, b.Party[:])
}

func (b *ContractReminded) decode(d *decoder) {
	b.Contract = d.string(1, "contract_id")
	copy(b.Party[:], d.fixed(2, "party", fingerprintBytes))
}

func (b *ContractReminded) Validate() error {
	if err := checkID("body.contract_id", b.Contract); err != nil {
		return err
	}
	if b.Party.IsZero() {
		return invalid("body.party", "missing")
	}
	return nil
}
