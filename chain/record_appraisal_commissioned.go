package chain

// AppraisalCommissioned records that a court commissioned (委托) a judicial
// appraisal institution to examine a contract's electronic data. It opens an
// appraisal case (case.go). The commission letter and the court's case
// number stay off chain; only their SM3 is recorded.
//
//	message AppraisalCommissioned {
//	  string commission_id = 1;
//	  string contract_id   = 2;
//	  string appraisal_org = 3; // a registered organisation with the appraisal role
//	  uint32 items         = 4; // bits: 1 bundle, 2 PDF signatures, 4 certificates, 8 intent, 16 time
//	  bytes  matters_sm3   = 5; // SM3 of the commission letter (委托书)
//	  bytes  judge_cert    = 6; // the commissioning judge's certificate, registered to the court
//	}
type AppraisalCommissioned struct {
	Commission   string
	Contract     string
	AppraisalOrg string
	Items        uint32
	MattersSM3   []byte
	Judge        Fingerprint
}

// TypeAppraisalCommissioned is appraisal_commissioned's record type number.
const TypeAppraisalCommissioned Type = 25

func (*AppraisalCommissioned) Type() Type           { return TypeAppraisalCommissioned }
func (b *AppraisalCommissioned) ContractID() string { return b.Contract }
func (*AppraisalCommissioned) actor() actorRule     { return actorNone }

func (*AppraisalCommissioned) Name() string { return "appraisal_commissioned" }
func (*AppraisalCommissioned) Label() (zh, en string) {
	return "司法鉴定委托", "Judicial appraisal commissioned"
}
func (b *AppraisalCommissioned) IndexKeys() IndexKeys {
	return IndexKeys{Certs: []Fingerprint{b.Judge}}
}

func (b *AppraisalCommissioned) Fields() map[string]any {
	return map[string]any{"commission_id": b.Commission, "contract_id": b.Contract, "appraisal_org": b.AppraisalOrg,
		"items": b.Items, "matters_sm3": hexOf(b.MattersSM3), "judge_cert": b.Judge.String()}
}

func (b *AppraisalCommissioned) encode(e *encoder) {
	e.string(1, b.Commission)
	e.string(2, b.Contract)
	e.string(3, b.AppraisalOrg)
	e.uint(4, uint64(b.Items))
	e.bytes(5, b.MattersSM3)
	encodeFP(e, 6, b.Judge)
}

func (b *AppraisalCommissioned) decode(d *decoder) {
	b.Commission = d.string(1, "commission_id")
	b.Contract = d.string(2, "contract_id")
	b.AppraisalOrg = d.string(3, "appraisal_org")
	b.Items = d.uint32(4, "items")
	b.MattersSM3 = d.bytes(5, "matters_sm3")
	b.Judge = decodeFP(d, 6, "judge_cert")
}

func (b *AppraisalCommissioned) Validate() error {
	for _, f := range []struct{ name, v string }{
		{"body.commission_id", b.Commission}, {"body.contract_id", b.Contract}, {"body.appraisal_org", b.AppraisalOrg},
	} {
		if err := checkID(f.name, f.v); err != nil {
			return err
		}
	}
	if err := checkBits("body.items", b.Items, itemsAll); err != nil {
		return err
	}
	if err := checkHash("body.matters_sm3", b.MattersSM3, true); err != nil {
		return err
	}
	if b.Judge.IsZero() {
		return invalid("body.judge_cert", "missing")
	}
	return nil
}

// Apply opens an appraisal case: the submitting organisation is a court,
// the judge's certificate is registered to it, the contract exists (any
// organisation's: a court may examine all evidence) and the institution is
// registered with the appraisal role.
func (b *AppraisalCommissioned) Apply(v StateView, c *RuleContext) (Effects, *TxError) {
	o, ok, err := v.Org(c.Org)
	must(err)
	if !ok || o.Role != RoleCourt {
		return nil, Reject(CodeNotInstitution, "envelope.org", "%q is not a court: only a court commissions an appraisal", c.Org)
	}
	if terr := orgCert(v, c, b.Judge, c.Org, "body.judge_cert"); terr != nil {
		return nil, terr
	}
	cs, _, terr := openCase(v, c, CaseAppraisal, b.Commission, b.Contract, b.AppraisalOrg, "body.appraisal_org")
	if terr != nil {
		return nil, terr
	}
	return Effects{CaseWrite{cs}}, nil
}
