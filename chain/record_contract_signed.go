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

func (*ContractSigned) Type() Type           { return TypeContractSigned }
func (b *ContractSigned) ContractID() string { return b.Contract }
func (*ContractSigned) actor() actorRule     { return actorRequired }

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
