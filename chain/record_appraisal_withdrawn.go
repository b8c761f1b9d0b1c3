package chain

// AppraisalWithdrawn records that the commissioning court withdrew a commission for judicial appraisal before the appraisal opinion was
// issued. The reason stays off chain; only its SM3 is recorded.
//
//	message AppraisalWithdrawn {
//	  string commission_id = 1;
//	  string contract_id = 2;
//	  bytes  reason_sm3  = 3; // 32 bytes: SM3 of the UTF-8 reason
//	}
type AppraisalWithdrawn struct {
	Commission string
	Contract   string
	ReasonSM3  []byte
}

// TypeAppraisalWithdrawn is appraisal_withdrawn's record type number.
const TypeAppraisalWithdrawn Type = 26

func (*AppraisalWithdrawn) Type() Type           { return TypeAppraisalWithdrawn }
func (b *AppraisalWithdrawn) ContractID() string { return b.Contract }
func (*AppraisalWithdrawn) actor() actorRule     { return actorNone }

func (*AppraisalWithdrawn) Name() string { return "appraisal_withdrawn" }
func (*AppraisalWithdrawn) Label() (zh, en string) {
	return "鉴定委托撤回", "Appraisal commission withdrawn"
}
func (*AppraisalWithdrawn) IndexKeys() IndexKeys { return IndexKeys{} }

func (b *AppraisalWithdrawn) Fields() map[string]any {
	return map[string]any{"commission_id": b.Commission, "contract_id": b.Contract, "reason_sm3": hexOf(b.ReasonSM3)}
}

func (b *AppraisalWithdrawn) encode(e *encoder) {
	e.string(1, b.Commission)
	e.string(2, b.Contract)
	e.bytes(3, b.ReasonSM3)
}

func (b *AppraisalWithdrawn) decode(d *decoder) {
	b.Commission = d.string(1, "commission_id")
	b.Contract = d.string(2, "contract_id")
	b.ReasonSM3 = d.bytes(3, "reason_sm3")
}

func (b *AppraisalWithdrawn) Validate() error {
	if err := checkID("body.commission_id", b.Commission); err != nil {
		return err
	}
	if err := checkID("body.contract_id", b.Contract); err != nil {
		return err
	}
	return checkHash("body.reason_sm3", b.ReasonSM3, true)
}

// Apply: the commissioning court (the organisation that opened the case) withdraws a
// pending or accepted case.
func (b *AppraisalWithdrawn) Apply(v StateView, c *RuleContext) (Effects, *TxError) {
	return withdraw(v, c, CaseAppraisal, b.Commission, b.Contract)
}
