package chain

import "fmt"

// AppraisalIssued records that a judicial appraisal institution issued the
// appraisal opinion (司法鉴定意见书) of an accepted commission: its number,
// the SM3 of the signed opinion PDF and of the bundle attached to it, the
// conclusion, and the examiners (司法鉴定人) by certificate.
//
//	message AppraisalIssued {
//	  string commission_id = 1;
//	  string contract_id   = 2;
//	  string number        = 3; // the opinion's number, as printed
//	  bytes  document_sm3  = 4; // SM3 of the signed PDF
//	  bytes  bundle_sm3    = 5; // SM3 of the attached bundle.json
//	  repeated bytes examiners = 6; // 1..8 certificates registered to the institution, distinct
//	  uint32 conclusion    = 7; // 1 intact, 2 altered, 3 undetermined
//	}
type AppraisalIssued struct {
	Commission  string
	Contract    string
	Number      string
	DocumentSM3 []byte
	BundleSM3   []byte
	Examiners   []Fingerprint
	Conclusion  uint32
}

// TypeAppraisalIssued is appraisal_issued's record type number.
const TypeAppraisalIssued Type = 28

func (*AppraisalIssued) Type() Type           { return TypeAppraisalIssued }
func (b *AppraisalIssued) ContractID() string { return b.Contract }
func (*AppraisalIssued) actor() actorRule     { return actorNone }

func (*AppraisalIssued) Name() string { return "appraisal_issued" }
func (*AppraisalIssued) Label() (zh, en string) {
	return "鉴定意见书出具", "Appraisal opinion issued"
}

func (b *AppraisalIssued) IndexKeys() IndexKeys {
	return IndexKeys{Docs: [][]byte{b.DocumentSM3}, Certs: b.Examiners}
}

func (b *AppraisalIssued) Fields() map[string]any {
	ex := make([]string, len(b.Examiners))
	for i, fp := range b.Examiners {
		ex[i] = fp.String()
	}
	return map[string]any{"commission_id": b.Commission, "contract_id": b.Contract, "number": b.Number,
		"document_sm3": hexOf(b.DocumentSM3), "bundle_sm3": hexOf(b.BundleSM3), "examiners": ex,
		"conclusion": b.Conclusion}
}

func (b *AppraisalIssued) encode(e *encoder) {
	e.string(1, b.Commission)
	e.string(2, b.Contract)
	e.string(3, b.Number)
	e.bytes(4, b.DocumentSM3)
	e.bytes(5, b.BundleSM3)
	for _, fp := range b.Examiners {
		e.element(6, fp[:])
	}
	e.uint(7, uint64(b.Conclusion))
}

func (b *AppraisalIssued) decode(d *decoder) {
	b.Commission = d.string(1, "commission_id")
	b.Contract = d.string(2, "contract_id")
	b.Number = d.string(3, "number")
	b.DocumentSM3 = d.bytes(4, "document_sm3")
	b.BundleSM3 = d.bytes(5, "bundle_sm3")
	for i, p := range d.elements(6, "examiners", MaxExaminers) {
		if len(p) != fingerprintBytes {
			d.fail(invalid(fmt.Sprintf("body.examiners[%d]", i), "length %d, want %d", len(p), fingerprintBytes))
			return
		}
		b.Examiners = append(b.Examiners, Fingerprint(p))
	}
	b.Conclusion = d.uint32(7, "conclusion")
}

func (b *AppraisalIssued) Validate() error {
	if err := validateIssued("commission_id", b.Commission, b.Contract, b.Number, b.DocumentSM3, b.BundleSM3,
		b.Examiners, "body.examiners"); err != nil {
		return err
	}
	if b.Conclusion < ConclusionIntact || b.Conclusion > maxConclusion {
		return invalid("body.conclusion", "%d, want %d..%d", b.Conclusion, ConclusionIntact, maxConclusion)
	}
	return nil
}

// Apply: the case's institution issues the opinion of an accepted
// commission; every examiner's certificate is registered to it and not
// revoked at block time.
func (b *AppraisalIssued) Apply(v StateView, c *RuleContext) (Effects, *TxError) {
	cs, terr := issue(v, c, CaseAppraisal, b.Commission, b.Contract, b.Number, b.DocumentSM3)
	if terr != nil {
		return nil, terr
	}
	for i, fp := range b.Examiners {
		if terr := orgCert(v, c, fp, cs.Institution, fmt.Sprintf("body.examiners[%d]", i)); terr != nil {
			return nil, terr
		}
	}
	return issuedEffects(c, cs), nil
}
