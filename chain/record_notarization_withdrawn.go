package chain

// NotarizationWithdrawn records that the applicant withdrew an application for notarisation before the notarial certificate was
// issued. The reason stays off chain; only its SM3 is recorded.
//
//	message NotarizationWithdrawn {
//	  string application_id = 1;
//	  string contract_id = 2;
//	  bytes  reason_sm3  = 3; // 32 bytes: SM3 of the UTF-8 reason
//	}
type NotarizationWithdrawn struct {
	Application string
	Contract    string
	ReasonSM3   []byte
}

// TypeNotarizationWithdrawn is notarization_withdrawn's record type number.
const TypeNotarizationWithdrawn Type = 22

func (*NotarizationWithdrawn) Type() Type           { return TypeNotarizationWithdrawn }
func (b *NotarizationWithdrawn) ContractID() string { return b.Contract }
func (*NotarizationWithdrawn) actor() actorRule     { return actorNone }

func (*NotarizationWithdrawn) Name() string { return "notarization_withdrawn" }
func (*NotarizationWithdrawn) Label() (zh, en string) {
	return "公证申请撤回", "Notarisation application withdrawn"
}
func (*NotarizationWithdrawn) IndexKeys() IndexKeys { return IndexKeys{} }

func (b *NotarizationWithdrawn) Fields() map[string]any {
	return map[string]any{"application_id": b.Application, "contract_id": b.Contract, "reason_sm3": hexOf(b.ReasonSM3)}
}

func (b *NotarizationWithdrawn) encode(e *encoder) {
	e.string(1, b.Application)
	e.string(2, b.Contract)
	e.bytes(3, b.ReasonSM3)
}

func (b *NotarizationWithdrawn) decode(d *decoder) {
	b.Application = d.string(1, "application_id")
	b.Contract = d.string(2, "contract_id")
	b.ReasonSM3 = d.bytes(3, "reason_sm3")
}

func (b *NotarizationWithdrawn) Validate() error {
	if err := checkID("body.application_id", b.Application); err != nil {
		return err
	}
	if err := checkID("body.contract_id", b.Contract); err != nil {
		return err
	}
	return checkHash("body.reason_sm3", b.ReasonSM3, true)
}

// Apply: the applicant (the organisation that opened the case) withdraws a
// pending or accepted case.
func (b *NotarizationWithdrawn) Apply(v StateView, c *RuleContext) (Effects, *TxError) {
	return withdraw(v, c, CaseNotarization, b.Application, b.Contract)
}
