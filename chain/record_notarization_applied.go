package chain

// NotarizationApplied records that a platform applied to a notary office
// for a notarial certificate (公证书) on a contract's evidence, for itself
// or on behalf of a party. It opens a notarisation case (case.go).
//
//	message NotarizationApplied {
//	  string application_id = 1;
//	  string contract_id    = 2;
//	  string notary_org     = 3; // a registered organisation with the notary role
//	  uint32 scope          = 4; // bits: 1 contract, 2 signed PDF, 4 whole timeline
//	  uint32 purpose        = 5; // 1 litigation, 2 arbitration, 3 preservation, 4 other
//	  bytes  purpose_sm3    = 6; // optional: SM3 of the applicant's own words, kept off chain
//	  bytes  party_cert     = 7; // optional: the party applying through the platform
//	}
type NotarizationApplied struct {
	Application string
	Contract    string
	NotaryOrg   string
	Scope       uint32
	Purpose     uint32
	PurposeSM3  []byte
	Party       Fingerprint
}

// TypeNotarizationApplied is notarization_applied's record type number.
const TypeNotarizationApplied Type = 21

func (*NotarizationApplied) Type() Type           { return TypeNotarizationApplied }
func (b *NotarizationApplied) ContractID() string { return b.Contract }
func (*NotarizationApplied) actor() actorRule     { return actorNone }

func (*NotarizationApplied) Name() string { return "notarization_applied" }
func (*NotarizationApplied) Label() (zh, en string) {
	return "公证申请", "Notarisation applied for"
}

func (b *NotarizationApplied) IndexKeys() IndexKeys {
	if b.Party.IsZero() {
		return IndexKeys{}
	}
	return IndexKeys{Certs: []Fingerprint{b.Party}}
}

func (b *NotarizationApplied) Fields() map[string]any {
	m := map[string]any{"application_id": b.Application, "contract_id": b.Contract, "notary_org": b.NotaryOrg,
		"scope": b.Scope, "purpose": b.Purpose, "purpose_sm3": hexOf(b.PurposeSM3)}
	if !b.Party.IsZero() {
		m["party_cert"] = b.Party.String()
	}
	return m
}

func (b *NotarizationApplied) encode(e *encoder) {
	e.string(1, b.Application)
	e.string(2, b.Contract)
	e.string(3, b.NotaryOrg)
	e.uint(4, uint64(b.Scope))
	e.uint(5, uint64(b.Purpose))
	e.bytes(6, b.PurposeSM3)
	encodeFP(e, 7, b.Party)
}

func (b *NotarizationApplied) decode(d *decoder) {
	b.Application = d.string(1, "application_id")
	b.Contract = d.string(2, "contract_id")
	b.NotaryOrg = d.string(3, "notary_org")
	b.Scope = d.uint32(4, "scope")
	b.Purpose = d.uint32(5, "purpose")
	b.PurposeSM3 = d.bytes(6, "purpose_sm3")
	b.Party = decodeFP(d, 7, "party_cert")
}

func (b *NotarizationApplied) Validate() error {
	for _, f := range []struct{ name, v string }{
		{"body.application_id", b.Application}, {"body.contract_id", b.Contract}, {"body.notary_org", b.NotaryOrg},
	} {
		if err := checkID(f.name, f.v); err != nil {
			return err
		}
	}
	if err := checkBits("body.scope", b.Scope, scopeAll); err != nil {
		return err
	}
	if b.Purpose < PurposeLitigation || b.Purpose > PurposeOther {
		return invalid("body.purpose", "%d, want %d..%d", b.Purpose, PurposeLitigation, PurposeOther)
	}
	return checkHash("body.purpose_sm3", b.PurposeSM3, false)
}

// Apply opens a notarisation case: the contract is the submitting
// platform's, the notary office is registered with the notary role, and a
// named party is a party of the contract.
func (b *NotarizationApplied) Apply(v StateView, c *RuleContext) (Effects, *TxError) {
	if _, terr := ownContract(v, b.Contract, c.Org, "body.contract_id"); terr != nil {
		return nil, terr
	}
	cs, k, terr := openCase(v, c, CaseNotarization, b.Application, b.Contract, b.NotaryOrg, "body.notary_org")
	if terr != nil {
		return nil, terr
	}
	if !b.Party.IsZero() {
		if _, terr := contractParty(k, b.Party, "body.party_cert", b.Contract); terr != nil {
			return nil, terr
		}
	}
	return Effects{CaseWrite{cs}}, nil
}
