package chain

import (
	"bytes"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// typeConstants parses this package's source for the Type constants, so
// that a number declared but not registered (or registered twice) is caught
// without the test listing them. files maps each Type constant and each
// type declaration to the file that declares it.
func typeConstants(t *testing.T) (consts map[Type]string, files map[string]string) {
	t.Helper()
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, ".", func(fi os.FileInfo) bool { return !strings.HasSuffix(fi.Name(), "_test.go") }, 0)
	if err != nil {
		t.Fatal(err)
	}
	out, files := map[Type]string{}, map[string]string{}
	for path, f := range pkgs["chain"].Files {
		for _, d := range f.Decls {
			g, ok := d.(*ast.GenDecl)
			if ok && g.Tok == token.TYPE {
				for _, s := range g.Specs {
					files[s.(*ast.TypeSpec).Name.Name] = filepath.Base(path)
				}
			}
			if !ok || g.Tok != token.CONST {
				continue
			}
			for _, s := range g.Specs {
				vs := s.(*ast.ValueSpec)
				if id, ok := vs.Type.(*ast.Ident); !ok || id.Name != "Type" {
					continue
				}
				for i, name := range vs.Names {
					lit, ok := vs.Values[i].(*ast.BasicLit)
					if !ok || lit.Kind != token.INT {
						t.Fatalf("%s: want a literal number", name.Name)
					}
					n, err := strconv.ParseUint(lit.Value, 0, 32)
					if err != nil {
						t.Fatal(err)
					}
					if prev, dup := out[Type(n)]; dup {
						t.Errorf("%s and %s are both record type %d", prev, name.Name, n)
					}
					out[Type(n)] = name.Name
					files[name.Name] = filepath.Base(path)
				}
			}
		}
	}
	return out, files
}

var (
	snakeCase = regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)
	han       = regexp.MustCompile(`\p{Han}`)
)

// registrySamples is at least one record of every type, with every optional
// field set in one sample and unset in another where a type has any.
func registrySamples() []struct {
	name string
	body Body
} {
	return []struct {
		name string
		body Body
	}{
		{"cert_issued", &CertIssued{Cert: []byte{0x30, 0x03, 1, 2, 3}}},
		{"cert_issued identity_ref", &CertIssued{Cert: []byte{0x30, 0x03, 1, 2, 3}, IdentityRef: h32(9)}},
		{"cert_revoked", &CertRevoked{Cert: fpOf(1), Reason: ReasonKeyCompromise}},
		{"contract_created", &ContractCreated{Contract: "c-1", DocSM3: h32(1), DocSHA256: h32(2),
			Parties: []Fingerprint{fpOf(3), fpOf(4)}, Order: OrderSequential, Deadline: 1767225600}},
		{"intent_verified", &IntentVerified{Contract: "c-1", Signer: fpOf(3), Method: IntentFace, ChallengeHash: h32(5),
			VerifiedAt: 1767225600123, VerifierCert: []byte{0x30, 0x01, 0x00}, VerifierSig: []byte{1, 2, 3}}},
		{"contract_signed", &ContractSigned{Contract: "c-1", DocSM3: h32(1)}},
		{"contract_signed full", &ContractSigned{Contract: "c-1", DocSM3: h32(1), SignedDocSM3: h32(6), Seal: h32(7)}},
		{"contract_completed", &ContractCompleted{Contract: "c-1"}},
		{"proposal register_org", &Proposal{ID: "p-1", Kind: ProposalRegisterOrg, Expires: 1767225600,
			Org:         &Org{ID: "court-1", Name: "第一法院", Role: RoleCourt, CACert: []byte{0x30, 0x02, 5, 6}, Weight: 2},
			Credentials: [][]byte{{0x30, 0x01, 7}, {0x30, 0x01, 8}}}},
		{"proposal set_validator", &Proposal{ID: "p-2", Kind: ProposalSetValidator,
			Validator: &ValidatorChange{PubKey: h32(8), Power: 10, Org: "court-1"}}},
		{"proposal register_verifier", &Proposal{ID: "p-3", Kind: ProposalRegisterVerifier, VerifierCert: []byte{0x30, 0x01, 9}}},
		{"proposal register_credentials", &Proposal{ID: "p-4", Kind: ProposalRegisterCredentials, Credentials: [][]byte{{0x30, 0x01, 10}}}},
		{"vote yes", &Vote{Proposal: "p-1", Choice: VoteYes}},
		{"vote no", &Vote{Proposal: "p-1", Choice: VoteNo}},
		{"identity_verified person", &IdentityVerified{IdentityRef: h32(11), Subject: SubjectPerson, Method: IdentityFace,
			VerifiedAt: 1767225600456, VerifierCert: []byte{0x30, 0x01, 0x00}, VerifierSig: []byte{4, 5}}},
		{"identity_verified enterprise", &IdentityVerified{IdentityRef: h32(12), Subject: SubjectEnterprise, Method: IdentityBankTransfer,
			VerifiedAt: 1767225600789, VerifierCert: []byte{0x30, 0x01, 0x00}, VerifierSig: []byte{6}}},
		{"seal_registered organisation", &SealRegistered{Seal: h32(13), Kind: SealOrganization, ValidFrom: 1767225600, ValidTo: 1798761600}},
		{"seal_registered personal", &SealRegistered{Seal: h32(14), Kind: SealPersonal, Owner: fpOf(15), ValidFrom: 1767225600, ValidTo: 1798761600}},
		{"query_logged", &QueryLogged{CallerOrg: "court-1", CallerCert: fpOf(16), Subject: 2, QuerySM3: h32(17), At: 1767225600999}},
		{"report_issued", &ReportIssued{Contract: "c-1", ReportSM3: h32(18), BundleSM3: h32(19)}},
		{"anchored", &Anchored{ChainID: "sealchain-test", Height: 12, AppHash: h32(20), LogSize: 34, LogRoot: h32(21),
			Network: "fabric-net", Channel: "anchors", Chaincode: "sealanchor", TxID: "f00d", Block: 56, AnchoredAt: 1767225600123456789}},
		{"contract_sent", &ContractSent{Contract: "c-1"}},
		{"contract_viewed", &ContractViewed{Contract: "c-1", Party: fpOf(3)}},
		{"contract_declined", &ContractDeclined{Contract: "c-1", ReasonSM3: h32(22)}},
		{"contract_voided", &ContractVoided{Contract: "c-1", ReasonSM3: h32(23)}},
		{"contract_reminded", &ContractReminded{Contract: "c-1", Party: fpOf(4)}},
		{"contract_renewed", &ContractRenewed{Contract: "c-2", Previous: "c-1"}},
		{"contract_expired", &ContractExpired{Contract: "c-1"}},
		{"notarization_applied by the platform", &NotarizationApplied{Application: "na-1", Contract: "c-1", NotaryOrg: "notary",
			Scope: ScopeContract | ScopeSignedPDF, Purpose: PurposeLitigation}},
		{"notarization_applied for a party", &NotarizationApplied{Application: "na-2", Contract: "c-1", NotaryOrg: "notary",
			Scope: ScopeTimeline, Purpose: PurposeOther, PurposeSM3: h32(24), Party: fpOf(5)}},
		{"notarization_withdrawn", &NotarizationWithdrawn{Application: "na-1", Contract: "c-1", ReasonSM3: h32(25)}},
		{"notarization_decided accept", &NotarizationDecided{Application: "na-1", Contract: "c-1", Decision: DecisionAccept, Staff: fpOf(6)}},
		{"notarization_decided reject", &NotarizationDecided{Application: "na-2", Contract: "c-1", Decision: DecisionReject,
			Reason: "材料不全 incomplete", Staff: fpOf(6)}},
		{"notarization_issued", &NotarizationIssued{Application: "na-1", Contract: "c-1", Number: "(2026)京长安内经证字第1号",
			DocumentSM3: h32(26), BundleSM3: h32(27), Notary: fpOf(7)}},
		{"appraisal_commissioned", &AppraisalCommissioned{Commission: "ac-1", Contract: "c-1", AppraisalOrg: "appraisal",
			Items: ItemBundle | ItemPDFSignature | ItemTime, MattersSM3: h32(28), Judge: fpOf(8)}},
		{"appraisal_withdrawn", &AppraisalWithdrawn{Commission: "ac-1", Contract: "c-1", ReasonSM3: h32(29)}},
		{"appraisal_decided", &AppraisalDecided{Commission: "ac-1", Contract: "c-1", Decision: DecisionAccept, Staff: fpOf(9)}},
		{"appraisal_issued", &AppraisalIssued{Commission: "ac-1", Contract: "c-1", Number: "司鉴〔2026〕电鉴字第1号",
			DocumentSM3: h32(30), BundleSM3: h32(31), Examiners: []Fingerprint{fpOf(10), fpOf(11)}, Conclusion: ConclusionIntact}},
		{"case_filed litigation, two contracts, in a batch", &CaseFiled{Case: "cf-1", Kind: CaseLitigation, Institution: "court",
			Contracts: []string{"c-1", "c-2"}, PackageSM3: h32(32), PackageSize: 123456, Batch: "b-1"}},
		{"case_filed arbitration, one contract", &CaseFiled{Case: "cf-2", Kind: CaseArbitration, Institution: "arbitration",
			Contracts: []string{"c-1"}, PackageSM3: h32(33), PackageSize: 1}},
		{"case_docketed", &CaseDocketed{Case: "cf-1", Contract: "c-1", Decision: DecisionAccept, Staff: fpOf(12), Docket: "(2026)京0491民初1号"}},
		{"case_docketed return", &CaseDocketed{Case: "cf-2", Contract: "c-1", Decision: DecisionReject, Reason: "诉讼请求不明确", Staff: fpOf(13)}},
		{"case_filing_withdrawn", &CaseFilingWithdrawn{Case: "cf-1", Contract: "c-1", ReasonSM3: h32(34)}},
		{"timestamp_issued", &TimestampIssued{TokenSM3: h32(32), HashAlg: TimestampSHA256, StampedHash: h32(33), CommittedHash: h32(33),
			GenTime: 1767225600123456789, TSACert: fpOf(12)}},
		{"timestamp_issued signature", &TimestampIssued{TokenSM3: h32(34), HashAlg: TimestampSM3, StampedHash: h32(35), CommittedHash: h32(36),
			GenTime: 1767225600123456789, TSACert: fpOf(13)}},
		{"timestamp_requested", &TimestampRequested{HashAlg: TimestampSHA256, Hash: h32(37), Purpose: TimestampDocument}},
		{"timestamp_requested for a contract document", &TimestampRequested{HashAlg: TimestampSM3, Hash: h32(38), Purpose: TimestampDocument,
			DocSM3: h32(39), Contract: "c-1"}},
		{"batch_intent_verified, three contracts", &BatchIntentVerified{Contracts: []string{"c-1", "c-2", "c-3"}, Signer: fpOf(30),
			Method: IntentSMSOTP, ChallengeHash: h32(37), VerifiedAt: 1767225600123, VerifierCert: []byte{0x30, 0x01}, VerifierSig: []byte{3}}},
		{"batch_intent_verified face, one contract", &BatchIntentVerified{Contracts: []string{"c-2"}, Signer: fpOf(30),
			Method: IntentFace, ChallengeHash: h32(38), VerifiedAt: 1767225600124, VerifierCert: []byte{0x30, 0x02}, VerifierSig: []byte{4}}},
	}
}

func sampleTx(body Body) *Tx {
	tx := &Tx{Version: TxVersion, ChainID: "test-chain", Nonce: 7, Body: body,
		Envelope: Envelope{Org: "platform", Cert: []byte{0x30, 0x00}, Sig: []byte{1}}}
	if body.actor() == actorRequired {
		tx.Actor = &Signature{Cert: fpOf(30), Sig: []byte{2}}
	}
	return tx
}

// TestRegistry fails if a record type lacks any part: a Type constant that
// is not registered, a registered type without a constant, a name, labels,
// a sample, a round trip, index keys or fields; or a registry slot that
// disagrees with its type's number.
func TestRegistry(t *testing.T) {
	consts, files := typeConstants(t)
	if len(consts) < 20 {
		t.Fatalf("found %d Type constants, want at least the 20 of docs/encoding.md", len(consts))
	}
	registered := map[Type]int{}
	for i, r := range types() {
		if r.new == nil {
			continue
		}
		b := r.new()
		registered[b.Type()]++
		if r.since < InitialRulesVersion {
			t.Errorf("registry slot %d (%s): introduced by rules version %d, want at least %d", i, b.Name(), r.since, InitialRulesVersion)
		}
		if b.Type() != Type(i) {
			t.Errorf("registry slot %d makes a %s (type %d)", i, b.Name(), b.Type())
		}
		name, ok := consts[b.Type()]
		if !ok {
			t.Errorf("registered type %d (%T) has no Type constant", b.Type(), b)
		} else if want := "Type" + reflect.TypeOf(b).Elem().Name(); name != want {
			t.Errorf("%T's number is constant %s, want %s", b, name, want)
		}
	}
	for typ, name := range consts {
		if registered[typ] != 1 {
			t.Errorf("%s (%d) is registered %d times, want once", name, typ, registered[typ])
		}
	}
	bodies := Types()
	if len(bodies) != len(consts) {
		t.Errorf("Types() has %d types, %d Type constants", len(bodies), len(consts))
	}
	names, zhs, ens := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, b := range bodies {
		name, typ := b.Name(), b.Type()
		if !snakeCase.MatchString(name) || names[name] {
			t.Errorf("type %d: name %q is not snake_case or not unique", typ, name)
		}
		names[name] = true
		// Everything about a type is in its one file.
		file := "record_" + name + ".go"
		if got := files[reflect.TypeOf(b).Elem().Name()]; got != file {
			t.Errorf("%T is declared in %s, want %s", b, got, file)
		}
		if got := files[consts[typ]]; got != file {
			t.Errorf("%s is declared in %s, want %s", consts[typ], got, file)
		}
		if typ.String() != name {
			t.Errorf("Type(%d).String() = %q, want %q", typ, typ.String(), name)
		}
		zh, en := b.Label()
		if !han.MatchString(zh) || zhs[zh] {
			t.Errorf("%s: Chinese label %q is empty, has no Chinese or is not unique", name, zh)
		}
		if en == "" || en == name || ens[en] {
			t.Errorf("%s: English label %q is empty, the raw name or not unique", name, en)
		}
		zhs[zh], ens[en] = true, true
	}

	sampled := map[Type]bool{}
	for _, s := range registrySamples() {
		b := s.body
		sampled[b.Type()] = true
		t.Run(s.name, func(t *testing.T) {
			if err := b.Validate(); err != nil {
				t.Fatalf("Validate: %v", err)
			}
			enc := EncodeBody(b)
			got, err := decodeBody(b.Type(), enc)
			if err != nil {
				t.Fatalf("decodeBody: %v", err)
			}
			if !reflect.DeepEqual(got, b) || !bytes.Equal(EncodeBody(got), enc) {
				t.Errorf("round trip: got %+v, want %+v", got, b)
			}
			k := b.IndexKeys()
			for _, h := range k.Docs {
				if len(h) != hashBytes {
					t.Errorf("IndexKeys: doc key of %d bytes, want %d", len(h), hashBytes)
				}
			}
			for _, id := range k.Contracts {
				if err := checkID("contract", id); err != nil || id == b.ContractID() {
					t.Errorf("IndexKeys: contract %q is not an id or repeats ContractID (%v)", id, err)
				}
			}
			for _, fp := range k.Certs {
				if fp.IsZero() {
					t.Error("IndexKeys: zero certificate fingerprint")
				}
			}
			if a, ok := b.(Attested); ok {
				att := a.Attestation("test-chain")
				if len(att.VerifierCert) == 0 || len(att.Sig) == 0 || len(att.Signed) == 0 {
					t.Errorf("Attestation: %+v lacks a part", att)
				}
			}
			fields := b.Fields()
			if len(fields) == 0 {
				t.Fatal("Fields: empty")
			}
			if _, err := json.Marshal(fields); err != nil {
				t.Errorf("Fields: %v", err)
			}
			if id := b.ContractID(); id != "" && fields["contract_id"] != id {
				t.Errorf("Fields: contract_id = %v, want %q", fields["contract_id"], id)
			}
		})
	}
	for _, b := range bodies {
		if !sampled[b.Type()] {
			t.Errorf("%s has no sample in registrySamples", b.Name())
		}
	}
}

// TestRegistryDocumented: every registered type has its row in
// docs/encoding.md's table of bodies, with its number, name and actor rule.
func TestRegistryDocumented(t *testing.T) {
	doc, err := os.ReadFile("../docs/encoding.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range Types() {
		actor := "absent"
		if b.actor() == actorRequired {
			actor = "required"
		}
		row := "| " + strconv.Itoa(int(b.Type())) + " " + b.Name() + " | " + actor + " |"
		if !bytes.Contains(doc, []byte(row)) {
			t.Errorf("docs/encoding.md lacks the row %q", row)
		}
	}
}
