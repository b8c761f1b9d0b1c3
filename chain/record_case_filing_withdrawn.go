package chain

// CaseFilingWithdrawn records that the filer withdrew a filed case before
// the institution answered it (a withdrawal after docketing, 撤诉, is the
// court's decision, outside the chain). The reason stays off chain; only
// its SM3 is recorded.
//
//	message CaseFilingWithdrawn {
//	  string case_id     = 1;
//	  string contract_id = 2; // the case's contract_id
//	  bytes  reason_sm3  = 3; // 32 bytes: SM3 of the UTF-8 reason
//	}
type CaseFilingWithdrawn struct {
	Case      string
	Contract  string
	ReasonSM3 []byte
}

// TypeCaseFilingWithdrawn is case_filing_withdrawn's record type number.
const TypeCaseFilingWithdrawn Type = 31

func (*CaseFilingWithdrawn) Type() Type           { return TypeCaseFilingWithdrawn }
func (b *CaseFilingWithdrawn) ContractID() string { return b.Contract }
func (*CaseFilingWithdrawn) actor() actorRule     { return actorNone }

func (*CaseFilingWithdrawn) Name() string { return "case_filing_withdrawn" }
func (*CaseFilingWithdrawn) Label() (zh, en string) {
	return "案件撤回", "Filed case withdrawn"
}
func (*CaseFilingWithdrawn) IndexKeys() IndexKeys { return IndexKeys{} }

func (b *CaseFilingWithdrawn) Fields() map[string]any {
	return map[string]any{"case_id": b.Case, "contract_id": b.Contract, "reason_sm3": hexOf(b.ReasonSM3)}
}

func (b *CaseFilingWithdrawn) encode(e *encoder) {
	e.string(1, b.Case)
	e.string(2, b.Contract)
	e.bytes(3, b.ReasonSM3)
}

func (b *CaseFilingWithdrawn) decode(d *decoder) {
	b.Case = d.string(1, "case_id")
	b.Contract = d.string(2, "contract_id")
	b.ReasonSM3 = d.bytes(3, "reason_sm3")
}

func (b *CaseFilingWithdrawn) Validate() error {
	if err := checkID("body.case_id", b.Case); err != nil {
		return err
	}
	if err := checkID("body.contract_id", b.Contract); err != nil {
		return err
	}
	return checkHash("body.reason_sm3", b.ReasonSM3, true)
}

// Apply: the filer withdraws a pending filed case.
func (b *CaseFilingWithdrawn) Apply(v StateView, c *RuleContext) (Effects, *TxError) {
	cs, terr := loadFiled(v, b.Case, b.Contract)
	if terr != nil {
		return nil, terr
	}
	if c.Org != cs.Applicant {
		return nil, Reject(CodePermission, "envelope.org", "case %q was filed by %q, not %q", cs.ID, cs.Applicant, c.Org)
	}
	if terr := caseStatus(cs, "withdraw", CasePending); terr != nil {
		return nil, terr
	}
	cs.Status = CaseWithdrawn
	cs.ClosedIn = c.Next + 1
	return Effects{CaseWrite{cs}}, nil
}
