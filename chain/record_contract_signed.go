package chain

// ContractSigned records a party's signature on a contract. The actor
// signature over the record is the signature over the document hash; the
// signer must be a party, must have an intent record, and, for sequential
// contracts, every earlier party must have signed.
//
//	message ContractSigned {
//	  string contract_id   = 1;
//	  bytes  doc_sm3       = 2; // 32 bytes, must equal the contract's
//	  bytes  signed_doc_sm3 = 3; // optional: SM3 of the signed file (e.g. the PDF after this signature)
//	  bytes  seal          = 4; // optional: 32-byte hash of the seal used
//	}
type ContractSigned struct {
	Contract     string
	DocSM3       []byte
	SignedDocSM3 []byte
	Seal         []byte
}

// TypeContractSigned is contract_signed's record type number.
const TypeContractSigned Type = 5

func (*ContractSigned) Type() Type           { return TypeContractSigned }
func (b *ContractSigned) ContractID() string { return b.Contract }
func (*ContractSigned) actor() actorRule     { return actorRequired }

func (*ContractSigned) Name() string           { return "contract_signed" }
func (*ContractSigned) Label() (zh, en string) { return "合同签署", "Contract signed" }

func (b *ContractSigned) IndexKeys() IndexKeys {
	if len(b.SignedDocSM3) > 0 {
		return IndexKeys{Docs: [][]byte{b.SignedDocSM3}}
	}
	return IndexKeys{}
}

func (b *ContractSigned) Fields() map[string]any {
	m := map[string]any{"contract_id": b.Contract, "doc_sm3": hexOf(b.DocSM3)}
	if len(b.SignedDocSM3) > 0 {
		m["signed_doc_sm3"] = hexOf(b.SignedDocSM3)
	}
	if len(b.Seal) > 0 {
		m["seal"] = hexOf(b.Seal)
	}
	return m
}

func (b *ContractSigned) encode(e *encoder) {
	e.string(1, b.Contract)
	e.bytes(2, b.DocSM3)
	e.bytes(3, b.SignedDocSM3)
	e.bytes(4, b.Seal)
}

func (b *ContractSigned) decode(d *decoder) {
	b.Contract = d.string(1, "contract_id")
	b.DocSM3 = d.bytes(2, "doc_sm3")
	b.SignedDocSM3 = d.bytes(3, "signed_doc_sm3")
	b.Seal = d.bytes(4, "seal")
}

func (b *ContractSigned) Validate() error {
	if err := checkID("body.contract_id", b.Contract); err != nil {
		return err
	}
	if err := checkHash("body.doc_sm3", b.DocSM3, true); err != nil {
		return err
	}
	if err := checkHash("body.signed_doc_sm3", b.SignedDocSM3, false); err != nil {
		return err
	}
	return checkHash("body.seal", b.Seal, false)
}
