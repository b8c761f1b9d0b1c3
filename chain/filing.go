package chain

import "fmt"

// Filed cases (rules version 4, RulesVersion4): a filer takes one or more
// of its contracts to a court (litigation, 起诉) or an arbitration
// commission (arbitration, 仲裁申请). The case's files travel as one
// package (a zip) kept off chain on the filer's node; the chain carries its
// SM3 and size, so the institution checks whatever copy it receives
// against the chain and need not trust the filer. A filed case is a case
// (case.go) of kind litigation or arbitration, with the same state:
//
//	case_filed (by the filer)                      → pending
//	case_docketed accept (立案, by the institution)  pending → accepted
//	case_docketed return (退回, with a reason)       pending → rejected
//	case_filing_withdrawn (by the filer)           pending → withdrawn
//
// Accepted, rejected and withdrawn are final for the chain; what follows a
// docketing (hearing, judgment) is the court's own system's. A returned
// case is filed again under a new case id, with a corrected package.
//
// Who may file: the organisation that recorded every contract the case
// names (ContractState.Org, the platform the contract was signed through).
// The parties themselves are pseudonymous certificates, not organisations;
// a lender that files in its own name does so through the platform, or is
// the platform. The contracts may be in any status: a dispute can be about
// a contract that was voided, declined or left to expire.

// Limits of a filed case.
const (
	// MaxFiledContracts bounds the contracts one case names (a case over a
	// loan note and its guarantee, a framework and its orders).
	MaxFiledContracts = 64
	// MaxPackageBytes bounds a case package's declared size (4 GiB): the
	// zip of its PDFs, bundles and statement of claim.
	MaxPackageBytes = 4 << 30
)

// loadFiled loads the filed case a docketing or a withdrawal names, which
// must name its contract too.
func loadFiled(v StateView, id, contract string) (*CaseState, *TxError) {
	cs, ok, err := v.Case(id)
	must(err)
	if !ok || !cs.Kind.Filed() {
		return nil, Reject(CodeUnknownCase, "body.case_id", "no filed case %q", id)
	}
	if cs.Contract != contract {
		return nil, Reject(CodeUnknownCase, "body.contract_id", "case %q is on contract %q, not %q", id, cs.Contract, contract)
	}
	return cs, nil
}

// checkFiledKind validates a filed case's kind.
func checkFiledKind(k CaseKind) error {
	if !k.Filed() {
		return invalid("body.kind", "%d, want %d (litigation) or %d (arbitration)", uint32(k), uint32(CaseLitigation), uint32(CaseArbitration))
	}
	return nil
}

func contractsField(i int) string { return fmt.Sprintf("body.contracts[%d]", i) }
