package chain

import "time"

// ContractSigned records a party's signature on a contract. The actor
// signature over the record is the signature over the document hash; the
// signer must be a party, must have an intent record, and, for sequential
// contracts, every earlier party must have signed.
//
//	message ContractSigned {
//	  string contract_id   = 1;
//	  bytes  doc_sm3       = 2; // 32 bytes, must equal the contract's
//	  bytes  signed_doc_sm3 = 3; // optional: SM3 of the signed file (the PDF or OFD after this signature)
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

// Apply records the actor's signature: the contract is open and the
// submitting org's, the actor an unsigned party with an intent record,
// signing the contract's document, in order for a sequential contract, and
// any seal usable by the actor (checkSeal).
func (b *ContractSigned) Apply(v StateView, c *RuleContext) (Effects, *TxError) {
	s := c.Signers
	k, terr := openContract(v, b.Contract, c.Org, c.Time)
	if terr != nil {
		return nil, terr
	}
	i, terr := unsignedParty(k, s.ActorFP, "actor.cert", b.Contract)
	if terr != nil {
		return nil, terr
	}
	if string(b.DocSM3) != string(k.DocSM3) {
		return nil, Reject(CodeDocMismatch, "body.doc_sm3", "%x is not the contract's document %x", b.DocSM3, k.DocSM3)
	}
	if k.Order == OrderSequential {
		for j := 0; j < i; j++ {
			if !k.Signed[j] {
				return nil, Reject(CodeOutOfOrder, "actor.cert", "party %d must sign before party %d", j, i)
			}
		}
	}
	if !k.Intent[i] {
		return nil, Reject(CodeNoIntent, "actor.cert", "no intent record for party %d of contract %q", i, b.Contract)
	}
	if len(b.Seal) > 0 {
		if terr := checkSeal(v, b.Seal, s, c.Time); terr != nil {
			return nil, terr
		}
	}
	k.Signed[i] = true
	if k.AllSigned() {
		k.Status = StatusSigned
	}
	return Effects{ContractWrite{k}}, nil
}

// checkSeal: a seal used in a signature is registered, valid at block time,
// and the signer's own (a personal seal) or its organisation's.
func checkSeal(v StateView, h []byte, s *Signers, t time.Time) *TxError {
	st, ok, err := v.Seal(h)
	must(err)
	switch {
	case !ok:
		return Reject(CodeUnknownSeal, "body.seal", "seal %x is not registered", h)
	case t.Unix() < st.ValidFrom || t.Unix() > st.ValidTo:
		return Reject(CodeUnknownSeal, "body.seal", "seal %x is not valid at the block time", h)
	case !st.Owner.IsZero() && st.Owner != s.ActorFP:
		return Reject(CodeUnknownSeal, "body.seal", "seal %x belongs to certificate %s", h, st.Owner)
	case st.Owner.IsZero() && st.Org != s.ActorState.Org:
		return Reject(CodeUnknownSeal, "body.seal", "organisation seal %x is %q's, the signer's certificate is %q's", h, st.Org, s.ActorState.Org)
	}
	return nil
}
