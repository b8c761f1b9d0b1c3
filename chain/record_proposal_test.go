package chain

import (
	"errors"
	"reflect"
	"testing"
)

// TestProposalCredentials: a register_org proposal's credentials survive
// encoding in order; any other kind carrying one is invalid.
func TestProposalCredentials(t *testing.T) {
	org := &Org{ID: "notary-2", Name: "Second Notary", Role: RoleNotary, CACert: []byte{0x30, 1}, Weight: 1}
	tx := func(p *Proposal) []byte {
		return (&Tx{Version: TxVersion, ChainID: "c", Nonce: 1, Body: p,
			Envelope: Envelope{Org: "court", Cert: []byte{0x30, 2}, Sig: []byte{1}}}).Encode()
	}
	p := &Proposal{ID: "p", Kind: ProposalRegisterOrg, Org: org, Credentials: [][]byte{{0x30, 3}, {0x30, 4}}}
	got, err := DecodeTx(tx(p))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Body.(*Proposal).Credentials, p.Credentials) {
		t.Fatalf("credentials %x, want %x", got.Body.(*Proposal).Credentials, p.Credentials)
	}
	bad := &Proposal{ID: "p", Kind: ProposalRegisterVerifier, VerifierCert: []byte{0x30, 5}, Credentials: [][]byte{{0x30, 3}}}
	var fe *FieldError
	if _, err := DecodeTx(tx(bad)); !errors.As(err, &fe) || fe.Field != "body.credentials" {
		t.Fatalf("credentials on a register_verifier proposal: %v", err)
	}
	many := &Proposal{ID: "p", Kind: ProposalRegisterOrg, Org: org}
	for range MaxOrgCredentials + 1 {
		many.Credentials = append(many.Credentials, []byte{0x30, 3})
	}
	if _, err := DecodeTx(tx(many)); err == nil {
		t.Fatal("more than MaxOrgCredentials credentials decoded")
	}
}
