package chain

// NotarizationDecided records the notary office's answer to a pending application for notarisation: accepted,
// or rejected with a reason, by a named member of its staff. The reason is
// the institution's words to the applicant ("材料不全"), never personal data.
//
//	message NotarizationDecided {
//	  string application_id = 1;
//	  string contract_id = 2;
//	  uint32 decision    = 3; // 1 accept, 2 reject
//	  string reason      = 4; // required when rejecting; at most 512 bytes of UTF-8
//	  bytes  staff_cert  = 5; // the deciding staff member's certificate, registered to the notary office
//	}
type NotarizationDecided struct {
	Application string
	Contract    string
	Decision    Decision
	Reason      string
	Staff       Fingerprint
}

// TypeNotarizationDecided is notarization_decided's record type number.
const TypeNotarizationDecided Type = 23

func (*NotarizationDecided) Type() Type           { return TypeNotarizationDecided }
func (b *NotarizationDecided) ContractID() string { return b.Contract }
func (*NotarizationDecided) actor() actorRule     { return actorNone }

func (*NotarizationDecided) Name() string { return "notarization_decided" }
func (*NotarizationDecided) Label() (zh, en string) {
	return "公证受理决定", "Notarisation application decided"
}
func (b *NotarizationDecided) IndexKeys() IndexKeys { return IndexKeys{Certs: []Fingerprint{b.Staff}} }

func (b *NotarizationDecided) Fields() map[string]any {
	return map[string]any{"application_id": b.Application, "contract_id": b.Contract, "decision": b.Decision.String(),
		"reason": b.Reason, "staff_cert": b.Staff.String()}
}

func (b *NotarizationDecided) encode(e *encoder) {
	e.string(1, b.Application)
	e.string(2, b.Contract)
	e.uint(3, uint64(b.Decision))
	e.string(4, b.Reason)
	encodeFP(e, 5, b.Staff)
}

func (b *NotarizationDecided) decode(d *decoder) {
	b.Application = d.string(1, "application_id")
	b.Contract = d.string(2, "contract_id")
	b.Decision = Decision(d.uint32(3, "decision"))
	b.Reason = d.string(4, "reason")
	b.Staff = decodeFP(d, 5, "staff_cert")
}

func (b *NotarizationDecided) Validate() error {
	return validateDecision("application_id", b.Application, b.Contract, b.Decision, b.Reason, b.Staff)
}

// Apply: the case's notary office decides a pending case; the staff
// certificate is registered to it and not revoked at block time.
func (b *NotarizationDecided) Apply(v StateView, c *RuleContext) (Effects, *TxError) {
	return decide(v, c, CaseNotarization, b.Application, b.Contract, b.Decision, b.Staff)
}
