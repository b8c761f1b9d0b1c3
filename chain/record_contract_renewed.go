package chain

// ContractRenewed links a contract to the one it renews (续签). Both must
// exist and belong to the submitting organisation; a contract renews at
// most one other.
//
//	message ContractRenewed {
//	  string contract_id = 1; // the new contract
//	  string previous    = 2; // the contract it renews
//	}
type ContractRenewed struct {
	Contract string
	Previous string
}

// TypeContractRenewed is contract_renewed's record type number.
const TypeContractRenewed Type = 19

func (*ContractRenewed) Type() Type           { return TypeContractRenewed }
func (b *ContractRenewed) ContractID() string { return b.Contract }
func (*ContractRenewed) actor() actorRule     { return actorNone }

func (*ContractRenewed) Name() string           { return "contract_renewed" }
func (*ContractRenewed) Label() (zh, en string) { return "合同续签", "Contract renewed" }

func (b *ContractRenewed) IndexKeys() IndexKeys {
	// The renewed contract's timeline shows the renewal too, so its
	// evidence bundle names the contract that replaced it.
	return IndexKeys{Contracts: []string{b.Previous}}
}

func (b *ContractRenewed) Fields() map[string]any {
	return map[string]any{"contract_id": b.Contract, "previous": b.Previous}
}

func (b *ContractRenewed) encode(e *encoder) {
	e.string(1, b.Contract)
	e.string(2, b.Previous)
}

func (b *ContractRenewed) decode(d *decoder) {
	b.Contract = d.string(1, "contract_id")
	b.Previous = d.string(2, "previous")
}

func (b *ContractRenewed) Validate() error {
	if err := checkID("body.contract_id", b.Contract); err != nil {
		return err
	}
	if err := checkID("body.previous", b.Previous); err != nil {
		return err
	}
	if b.Previous == b.Contract {
		return invalid("body.previous", "a contract cannot renew itself")
	}
	return nil
}
