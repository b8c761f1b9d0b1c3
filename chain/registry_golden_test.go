//go:build !js

package chain

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"flag"
	"os"
	"testing"
	"time"
)

var updateRegistryGolden = flag.Bool("update-registry-golden", false, "rewrite testdata/registry_golden.json from the current code")

const registryGoldenPath = "testdata/registry_golden.json"

// registryGolden is one sample record: its tx bytes and the index keys the
// store writes for it at log index 1000+i. evidence's golden test reads the
// same file for the body fields, so both halves describe the same records.
type registryGolden struct {
	Name      string   `json:"name"`
	Tx        string   `json:"tx"`
	IndexKeys []string `json:"index_keys"`
}

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

// TestRegistryGolden pins the tx bytes and index keys of a sample of every
// record type to what the code before the record-type registry produced
// (the golden file was written by that code, then the refactor kept it).
func TestRegistryGolden(t *testing.T) {
	var got []registryGolden
	seen := map[Type]bool{}
	for i, s := range registrySamples() {
		tx := sampleTx(s.body)
		raw := tx.Encode()
		if _, err := DecodeTx(raw); err != nil {
			t.Fatalf("%s: DecodeTx: %v", s.name, err)
		}
		seen[s.body.Type()] = true
		en := &Entry{Index: uint64(1000 + i), Height: 5, Time: time.Unix(1767225600, int64(i)).UTC(), Tx: raw}
		g := registryGolden{Name: s.name, Tx: hex.EncodeToString(raw), IndexKeys: []string{}}
		for _, k := range indexKeys(tx, en) {
			g.IndexKeys = append(g.IndexKeys, hex.EncodeToString(k))
		}
		got = append(got, g)
	}
	for typ := Type(1); typ <= TypeContractExpired; typ++ {
		if !seen[typ] {
			t.Errorf("no sample of record type %d %s", typ, typ)
		}
	}
	out, err := json.MarshalIndent(got, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	out = append(out, '\n')
	if *updateRegistryGolden {
		if err := os.WriteFile(registryGoldenPath, out, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(registryGoldenPath)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out, want) {
		var w []registryGolden
		if err := json.Unmarshal(want, &w); err != nil || len(w) != len(got) {
			t.Fatalf("%s: %d samples, the code has %d (%v)", registryGoldenPath, len(w), len(got), err)
		}
		for i := range got {
			a, _ := json.Marshal(got[i])
			b, _ := json.Marshal(w[i])
			if !bytes.Equal(a, b) {
				t.Errorf("sample %s:\n got %s\nwant %s", got[i].Name, a, b)
			}
		}
	}
}
