package chain

// AppraisalDecided records the appraisal institution's answer to a pending commission for judicial appraisal: accepted,
// or rejected with a reason, by a named member of its staff. The reason is
// the institution's words to the applicant ("材料不全"), never personal data.
//
//	message AppraisalDecided {
//	  string commission_id = 1;
//	  string contract_id = 2;
//	  uint32 decision    = 3; // 1 accept, 2 reject
//	  string reason      = 4; // required when rejecting; at most 512 bytes of UTF-8
//	  bytes  staff_cert  = 5; // the deciding staff member's certificate, registered to the appraisal institution
//	}
type AppraisalDecided struct {
	Commission string
	Contract   string
	Decision   Decision
	Reason     string
	Staff      Fingerprint
}

// TypeAppraisalDecided is appraisal_decided's record type number.
const TypeAppraisalDecided Type = 27

func (*AppraisalDecided) Type() Type           { return TypeAppraisalDecided }
func (b *AppraisalDecided) ContractID() string { return b.Contract }
func (*AppraisalDecided) actor() actorRule     { return actorNone }

func (*AppraisalDecided) Name() string { return "appraisal_decided" }
func (*AppraisalDecided) Label() (zh, en string) {
	return "鉴定受理决定", "Appraisal commission decided"
}
func (b *AppraisalDecided) IndexKeys() IndexKeys { return IndexKeys{Certs: []Fingerprint{b.Staff}} }

func (b *AppraisalDecided) Fields() map[string]any {
	return map[string]any{"commission_id": b.Commission, "contract_id": b.Contract, "decision": b.Decision.String(),
		"reason": b.Reason, "staff_cert": b.Staff.String()}
}

func (b *AppraisalDecided) encode(e *encoder) {
	e.string(1, b.Commission)
	e.string(2, b.Contract)
	e.uint(3, uint64(b.Decision))
	e.string(4, b.Reason)
	encodeFP(e, 5, b.Staff)
}

func (b *AppraisalDecided) decode(d *decoder) {
	b.Commission = d.string(1, "commission_id")
	b.Contract = d.string(2, "contract_id")
	b.Decision = Decision(d.uint32(3, "decision"))
	b.Reason = d.string(4, "reason")
	b.Staff = decodeFP(d, 5, "staff_cert")
}

func (b *AppraisalDecided) Validate() error {
	return validateDecision("commission_id", b.Commission, b.Contract, b.Decision, b.Reason, b.Staff)
}

// Apply: the case's appraisal institution decides a pending case; the staff
// certificate is registered to it and not revoked at block time.
func (b *AppraisalDecided) Apply(v StateView, c *RuleContext) (Effects, *TxError) {
	return decide(v, c, CaseAppraisal, b.Commission, b.Contract, b.Decision, b.Staff)
}
