package chain

// NotarizationIssued records that a notary office issued the notarial
// certificate (公证书) of an accepted application: its number, the SM3 of
// the signed certificate PDF, the SM3 of the evidence bundle attached to it,
// and the notary who issued it. Anyone holding the PDF finds this record by
// its hash (evidence by document) and so checks it was issued, when and by
// whom (evidence/report, VerifyDocument).
//
//	message NotarizationIssued {
//	  string application_id = 1;
//	  string contract_id    = 2;
//	  string number         = 3; // the certificate's number, as printed: (2026)京长安内经证字第1号
//	  bytes  document_sm3   = 4; // SM3 of the signed PDF
//	  bytes  bundle_sm3     = 5; // SM3 of the attached bundle.json
//	  bytes  notary_cert    = 6; // the notary's certificate, registered to the notary office
//	}
type NotarizationIssued struct {
	Application string
	Contract    string
	Number      string
	DocumentSM3 []byte
	BundleSM3   []byte
	Notary      Fingerprint
}

// TypeNotarizationIssued is notarization_issued's record type number.
const TypeNotarizationIssued Type = 24

func (*NotarizationIssued) Type() Type           { return TypeNotarizationIssued }
func (b *NotarizationIssued) ContractID() string { return b.Contract }
func (*NotarizationIssued) actor() actorRule     { return actorNone }

func (*NotarizationIssued) Name() string { return "notarization_issued" }
func (*NotarizationIssued) Label() (zh, en string) {
	return "公证书出具", "Notarial certificate issued"
}

func (b *NotarizationIssued) IndexKeys() IndexKeys {
	return IndexKeys{Docs: [][]byte{b.DocumentSM3}, Certs: []Fingerprint{b.Notary}}
}

func (b *NotarizationIssued) Fields() map[string]any {
	return map[string]any{"application_id": b.Application, "contract_id": b.Contract, "number": b.Number,
		"document_sm3": hexOf(b.DocumentSM3), "bundle_sm3": hexOf(b.BundleSM3), "notary_cert": b.Notary.String()}
}

func (b *NotarizationIssued) encode(e *encoder) {
	e.string(1, b.Application)
	e.string(2, b.Contract)
	e.string(3, b.Number)
	e.bytes(4, b.DocumentSM3)
	e.bytes(5, b.BundleSM3)
	encodeFP(e, 6, b.Notary)
}

func (b *NotarizationIssued) decode(d *decoder) {
	b.Application = d.string(1, "application_id")
	b.Contract = d.string(2, "contract_id")
	b.Number = d.string(3, "number")
	b.DocumentSM3 = d.bytes(4, "document_sm3")
	b.BundleSM3 = d.bytes(5, "bundle_sm3")
	b.Notary = decodeFP(d, 6, "notary_cert")
}

func (b *NotarizationIssued) Validate() error {
	return validateIssued("application_id", b.Application, b.Contract, b.Number, b.DocumentSM3, b.BundleSM3,
		[]Fingerprint{b.Notary}, "body.notary_cert")
}

// Apply: the case's notary office issues the certificate of an accepted
// application; the notary's certificate is registered to it and not revoked.
func (b *NotarizationIssued) Apply(v StateView, c *RuleContext) (Effects, *TxError) {
	cs, terr := issue(v, c, CaseNotarization, b.Application, b.Contract, b.Number, b.DocumentSM3)
	if terr != nil {
		return nil, terr
	}
	if terr := orgCert(v, c, b.Notary, cs.Institution, "body.notary_cert"); terr != nil {
		return nil, terr
	}
	return issuedEffects(c, cs), nil
}
