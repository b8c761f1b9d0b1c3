package chain

// ContractViewed records that a party first opened its signing link. The
// platform attests it with its envelope; the party signs nothing to read.
//
//	message ContractViewed {
//	  string contract_id = 1;
//	  bytes  party       = 2; // certificate fingerprint of the party
//	}
type ContractViewed struct {
	Contract string
	Party    Fingerprint
}

// TypeContractViewed is contract_viewed's record type number.
const TypeContractViewed Type = 15

func (*ContractViewed) Type() Type           { return TypeContractViewed }
func (b *ContractViewed) ContractID() string { return b.Contract }
func (*ContractViewed) actor() actorRule     { return actorNone }

func (*ContractViewed) Name() string           { return "contract_viewed" }
func (*ContractViewed) Label() (zh, en string) { return "合同查看", "Contract viewed" }
func (*ContractViewed) IndexKeys() IndexKeys   { return IndexKeys{} }

func (b *ContractViewed) Fields() map[string]any {
	return map[string]any{"contract_id": b.Contract, "party": b.Party.String()}
}

func (b *ContractViewed) encode(e *encoder) {
	e.string(1, b.Contract)
	e.bytes(2, b.Party[:])
}

func (b *ContractViewed) decode(d *decoder) {
	b.Contract = d.string(1, "contract_id")
	copy(b.Party[:], d.fixed(2, "party", fingerprintBytes))
}

func (b *ContractViewed) Validate() error {
	if err := checkID("body.contract_id", b.Contract); err != nil {
		return err
	}
	if b.Party.IsZero() {
		return invalid("body.party", "missing")
	}
	return nil
}
