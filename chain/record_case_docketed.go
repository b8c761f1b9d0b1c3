package chain

// CaseDocketed records the institution's answer to a filed case: docketed
// (立案受理), optionally under its docket number (案号), or returned (退回)
// with a reason, by a named member of its staff. The reason is the
// institution's words to the filer ("诉讼请求不明确"), never personal data.
//
//	message CaseDocketed {
//	  string case_id       = 1;
//	  string contract_id   = 2; // the case's contract_id (its first contract)
//	  uint32 decision      = 3; // 1 docket (accept), 2 return (reject)
//	  string reason        = 4; // required when returning; at most 512 bytes of UTF-8
//	  bytes  staff_cert    = 5; // the deciding staff member's certificate, registered to the institution
//	  string docket_number = 6; // optional when docketing, absent when returning; at most 64 bytes
//	}
type CaseDocketed struct {
	Case     string
	Contract string
	Decision Decision
	Reason   string
	Staff    Fingerprint
	Docket   string
}

// TypeCaseDocketed is case_docketed's record type number.
const TypeCaseDocketed Type = 30

func (*CaseDocketed) Type() Type           { return TypeCaseDocketed }
func (b *CaseDocketed) ContractID() string { return b.Contract }
func (*CaseDocketed) actor() actorRule     { return actorNone }

func (*CaseDocketed) Name() string { return "case_docketed" }
func (*CaseDocketed) Label() (zh, en string) {
	return "立案审查决定", "Filed case docketed or returned"
}
func (b *CaseDocketed) IndexKeys() IndexKeys { return IndexKeys{Certs: []Fingerprint{b.Staff}} }

func (b *CaseDocketed) Fields() map[string]any {
	return map[string]any{"case_id": b.Case, "contract_id": b.Contract, "decision": b.Decision.String(),
		"reason": b.Reason, "staff_cert": b.Staff.String(), "docket_number": b.Docket}
}

func (b *CaseDocketed) encode(e *encoder) {
	e.string(1, b.Case)
	e.string(2, b.Contract)
	e.uint(3, uint64(b.Decision))
	e.string(4, b.Reason)
	encodeFP(e, 5, b.Staff)
	e.string(6, b.Docket)
}

func (b *CaseDocketed) decode(d *decoder) {
	b.Case = d.string(1, "case_id")
	b.Contract = d.string(2, "contract_id")
	b.Decision = Decision(d.uint32(3, "decision"))
	b.Reason = d.string(4, "reason")
	b.Staff = decodeFP(d, 5, "staff_cert")
	b.Docket = d.string(6, "docket_number")
}

func (b *CaseDocketed) Validate() error {
	if err := validateDecision("case_id", b.Case, b.Contract, b.Decision, b.Reason, b.Staff); err != nil {
		return err
	}
	if b.Decision == DecisionReject && b.Docket != "" {
		return invalid("body.docket_number", "a returned case has no docket number")
	}
	return checkText("body.docket_number", b.Docket, false, MaxNumberBytes)
}

// Apply: the case's institution answers a pending filed case; the staff
// certificate is registered to it and usable at block time.
func (b *CaseDocketed) Apply(v StateView, c *RuleContext) (Effects, *TxError) {
	cs, terr := loadFiled(v, b.Case, b.Contract)
	if terr != nil {
		return nil, terr
	}
	if terr := institutionStep(cs, c); terr != nil {
		return nil, terr
	}
	if terr := caseStatus(cs, "docket", CasePending); terr != nil {
		return nil, terr
	}
	if terr := orgCert(v, c, b.Staff, cs.Institution, "body.staff_cert"); terr != nil {
		return nil, terr
	}
	cs.DecidedIn = c.Next + 1
	cs.ClosedIn = c.Next + 1
	cs.Status = CaseAccepted
	cs.Number = b.Docket
	if b.Decision == DecisionReject {
		cs.Status = CaseRejected
	}
	return Effects{CaseWrite{cs}}, nil
}
