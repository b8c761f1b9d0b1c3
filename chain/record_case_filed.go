package chain

// CaseFiled records that a filer took contracts to a court or an
// arbitration commission: it opens a filed case (filing.go) whose package
// (the zip of the signed PDFs, evidence bundles, parties and statement of
// claim) stays on the filer's node, recorded here by its SM3 and size.
//
//	message CaseFiled {
//	  string          case_id      = 1;
//	  uint32          kind         = 2; // 3 litigation (a court), 4 arbitration (an arbitration commission)
//	  string          institution  = 3; // a registered organisation with the court (arbitration) role
//	  repeated string contracts    = 4; // 1..64 distinct contract ids, each the filer's; the first is contract_id
//	  bytes           package_sm3  = 5; // 32 bytes: SM3 of the package zip
//	  uint64          package_size = 6; // its size in bytes, 1..4 GiB
//	  string          batch_id     = 7; // optional: the filer's batch (批量诉讼) the case belongs to
//	}
type CaseFiled struct {
	Case        string
	Kind        CaseKind
	Institution string
	Contracts   []string
	PackageSM3  []byte
	PackageSize uint64
	Batch       string
}

// TypeCaseFiled is case_filed's record type number.
const TypeCaseFiled Type = 29

func (*CaseFiled) Type() Type       { return TypeCaseFiled }
func (*CaseFiled) actor() actorRule { return actorNone }

// ContractID is the first contract: the case's contract_id, under which
// its later records are found too.
func (b *CaseFiled) ContractID() string {
	if len(b.Contracts) == 0 {
		return ""
	}
	return b.Contracts[0]
}

func (*CaseFiled) Name() string { return "case_filed" }
func (*CaseFiled) Label() (zh, en string) {
	return "案件提交", "Case filed"
}

// IndexKeys: the other contracts, and the package's SM3, so a package is
// found by its hash like any document.
func (b *CaseFiled) IndexKeys() IndexKeys {
	k := IndexKeys{Docs: [][]byte{b.PackageSM3}}
	if len(b.Contracts) > 1 {
		k.Contracts = append([]string(nil), b.Contracts[1:]...)
	}
	return k
}

func (b *CaseFiled) Fields() map[string]any {
	return map[string]any{"case_id": b.Case, "kind": b.Kind.String(), "institution": b.Institution,
		"contracts": append([]string{}, b.Contracts...), "contract_id": b.ContractID(), "package_sm3": hexOf(b.PackageSM3),
		"package_size": b.PackageSize, "batch_id": b.Batch}
}

func (b *CaseFiled) encode(e *encoder) {
	e.string(1, b.Case)
	e.uint(2, uint64(b.Kind))
	e.string(3, b.Institution)
	for _, c := range b.Contracts {
		e.element(4, []byte(c))
	}
	e.bytes(5, b.PackageSM3)
	e.uint(6, b.PackageSize)
	e.string(7, b.Batch)
}

func (b *CaseFiled) decode(d *decoder) {
	b.Case = d.string(1, "case_id")
	b.Kind = CaseKind(d.uint32(2, "kind"))
	b.Institution = d.string(3, "institution")
	b.Contracts = nil
	for _, c := range d.elements(4, "contracts", MaxFiledContracts) {
		b.Contracts = append(b.Contracts, string(c))
	}
	b.PackageSM3 = d.bytes(5, "package_sm3")
	b.PackageSize = d.uint(6, "package_size")
	b.Batch = d.string(7, "batch_id")
}

func (b *CaseFiled) Validate() error {
	if err := checkID("body.case_id", b.Case); err != nil {
		return err
	}
	if err := checkFiledKind(b.Kind); err != nil {
		return err
	}
	if err := checkID("body.institution", b.Institution); err != nil {
		return err
	}
	if len(b.Contracts) == 0 || len(b.Contracts) > MaxFiledContracts {
		return invalid("body.contracts", "%d contracts, want 1..%d", len(b.Contracts), MaxFiledContracts)
	}
	seen := make(map[string]bool, len(b.Contracts))
	for i, c := range b.Contracts {
		if err := checkID(contractsField(i), c); err != nil {
			return err
		}
		if seen[c] {
			return invalid(contractsField(i), "duplicate contract %q", c)
		}
		seen[c] = true
	}
	if err := checkHash("body.package_sm3", b.PackageSM3, true); err != nil {
		return err
	}
	if b.PackageSize == 0 || b.PackageSize > MaxPackageBytes {
		return invalid("body.package_size", "%d, want 1..%d", b.PackageSize, uint64(MaxPackageBytes))
	}
	if b.Batch != "" {
		return checkID("body.batch_id", b.Batch)
	}
	return nil
}

// Apply opens a filed case: the case id is unused, the institution is a
// registered organisation with the court (litigation) or arbitration
// (arbitration) role, and every contract exists and was recorded by the
// filer (filing.go, "Who may file").
func (b *CaseFiled) Apply(v StateView, c *RuleContext) (Effects, *TxError) {
	_, exists, err := v.Case(b.Case)
	must(err)
	if exists {
		return nil, Reject(CodeCaseExists, "body.case_id", "case %q already exists", b.Case)
	}
	o, ok, err := v.Org(b.Institution)
	must(err)
	if !ok || o.Role != b.Kind.institutionRole() {
		return nil, Reject(CodeNotInstitution, "body.institution", "%q is not a registered organisation with the %s role", b.Institution, b.Kind.institutionRole())
	}
	for i, id := range b.Contracts {
		k, ok, err := v.Contract(id)
		must(err)
		if !ok {
			return nil, Reject(CodeUnknownContract, contractsField(i), "contract %q does not exist", id)
		}
		if k.Org != c.Org {
			return nil, Reject(CodePermission, contractsField(i), "contract %q was recorded by %q, not the filer %q", id, k.Org, c.Org)
		}
	}
	cs := &CaseState{ID: b.Case, Kind: b.Kind, Contract: b.Contracts[0], Applicant: c.Org, Institution: b.Institution,
		Status: CasePending, OpenedIn: c.Next, PackageSM3: append([]byte(nil), b.PackageSM3...), PackageSize: b.PackageSize}
	return Effects{CaseWrite{cs}}, nil
}
