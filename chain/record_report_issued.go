package chain

// ReportIssued records that an organisation issued an evidence report on a
// contract: the report PDF's SM3 and the SM3 of the evidence bundle it
// embeds, so anyone holding the report can check it was issued, when and by
// whom.
//
//	message ReportIssued {
//	  string contract_id = 1;
//	  bytes  report_sm3  = 2; // SM3 of the signed report PDF
//	  bytes  bundle_sm3  = 3; // SM3 of the embedded bundle.json
//	}
type ReportIssued struct {
	Contract  string
	ReportSM3 []byte
	BundleSM3 []byte
}

// TypeReportIssued is report_issued's record type number.
const TypeReportIssued Type = 12

func (*ReportIssued) Type() Type           { return TypeReportIssued }
func (b *ReportIssued) ContractID() string { return b.Contract }
func (*ReportIssued) actor() actorRule     { return actorNone }

func (*ReportIssued) Name() string           { return "report_issued" }
func (*ReportIssued) Label() (zh, en string) { return "证据报告出具", "Evidence report issued" }

func (b *ReportIssued) IndexKeys() IndexKeys {
	return IndexKeys{Docs: [][]byte{b.ReportSM3}} // find the record from the report file
}

func (b *ReportIssued) Fields() map[string]any {
	return map[string]any{"contract_id": b.Contract, "report_sm3": hexOf(b.ReportSM3), "bundle_sm3": hexOf(b.BundleSM3)}
}

func (b *ReportIssued) encode(e *encoder) {
	e.string(1, b.Contract)
	e.bytes(2, b.ReportSM3)
	e.bytes(3, b.BundleSM3)
}

func (b *ReportIssued) decode(d *decoder) {
	b.Contract = d.string(1, "contract_id")
	b.ReportSM3 = d.bytes(2, "report_sm3")
	b.BundleSM3 = d.bytes(3, "bundle_sm3")
}

func (b *ReportIssued) Validate() error {
	if err := checkID("body.contract_id", b.Contract); err != nil {
		return err
	}
	if err := checkHash("body.report_sm3", b.ReportSM3, true); err != nil {
		return err
	}
	return checkHash("body.bundle_sm3", b.BundleSM3, true)
}
