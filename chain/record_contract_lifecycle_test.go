package chain

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
)

// The signing workflow's records (types 14-20): canonical round trips as
// bodies and as whole transactions, stateless rules, and the contract state
// fields they add.

func TestLifecycleBodyRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		body Body
	}{
		{"contract_sent", &ContractSent{Contract: "c-1"}},
		{"contract_viewed", &ContractViewed{Contract: "c-1", Party: fpOf(3)}},
		{"contract_declined", &ContractDeclined{Contract: "c-1", ReasonSM3: h32(8)}},
		{"contract_voided", &ContractVoided{Contract: "c-1", ReasonSM3: h32(9)}},
		{"contract_reminded", &ContractReminded{Contract: "c-1", Party: fpOf(4)}},
		{"contract_renewed", &ContractRenewed{Contract: "c-2", Previous: "c-1"}},
		{"contract_expired", &ContractExpired{Contract: "c-1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.body.Type().String(); got != tt.name {
				t.Fatalf("Type().String() = %q", got)
			}
			if err := tt.body.Validate(); err != nil {
				t.Fatalf("Validate: %v", err)
			}
			enc := EncodeBody(tt.body)
			got, err := decodeBody(tt.body.Type(), enc)
			if err != nil {
				t.Fatalf("decodeBody: %v", err)
			}
			if !reflect.DeepEqual(got, tt.body) {
				t.Errorf("round trip:\n got %+v\nwant %+v", got, tt.body)
			}
			if again := EncodeBody(got); !bytes.Equal(again, enc) {
				t.Errorf("re-encode differs: %x vs %x", again, enc)
			}
			// Strict decoding: a trailing unknown field is refused.
			if _, err := decodeBody(tt.body.Type(), append(enc, 0x78, 0x01)); err == nil {
				t.Errorf("unknown field 15 accepted")
			}
			tx := &Tx{Version: TxVersion, ChainID: "test-chain", Nonce: 7, Body: tt.body,
				Envelope: Envelope{Org: "platform", Cert: []byte{0x30, 0x00}, Sig: []byte{1}}}
			if tt.body.actor() == actorRequired {
				tx.Actor = &Signature{Cert: fpOf(3), Sig: []byte{2}}
			}
			dtx, err := DecodeTx(tx.Encode())
			if err != nil {
				t.Fatalf("DecodeTx: %v", err)
			}
			if !reflect.DeepEqual(dtx, tx) {
				t.Errorf("tx round trip:\n got %+v\nwant %+v", dtx, tx)
			}
		})
	}
}

func TestLifecycleValidate(t *testing.T) {
	tests := []struct {
		name  string
		body  Body
		field string
	}{
		{"sent without contract", &ContractSent{}, "body.contract_id"},
		{"sent bad contract id", &ContractSent{Contract: "c 1"}, "body.contract_id"},
		{"viewed without party", &ContractViewed{Contract: "c-1"}, "body.party"},
		{"declined without reason", &ContractDeclined{Contract: "c-1"}, "body.reason_sm3"},
		{"declined short reason hash", &ContractDeclined{Contract: "c-1", ReasonSM3: []byte{1, 2}}, "body.reason_sm3"},
		{"voided without reason", &ContractVoided{Contract: "c-1"}, "body.reason_sm3"},
		{"reminded without party", &ContractReminded{Contract: "c-1"}, "body.party"},
		{"renewed without previous", &ContractRenewed{Contract: "c-2"}, "body.previous"},
		{"renewed itself", &ContractRenewed{Contract: "c-2", Previous: "c-2"}, "body.previous"},
		{"expired without contract", &ContractExpired{}, "body.contract_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.body.Validate()
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != tt.field || !errors.Is(err, ErrInvalid) {
				t.Fatalf("Validate: %v, want an invalid %s", err, tt.field)
			}
		})
	}
}

func TestContractStateWorkflowFields(t *testing.T) {
	base := ContractState{ID: "c-1", Org: "platform", DocSM3: h32(1), Parties: []Fingerprint{fpOf(1), fpOf(2)},
		Order: OrderSequential, Status: StatusOpen, Signed: []bool{false, false}, Intent: []bool{false, false}, CreatedIn: 4}
	// A contract that never used the workflow records encodes as before:
	// no field 11, 12 or 13.
	enc := EncodeState(&base)
	var e encoder
	e.uint(10, base.CreatedIn+1)
	if !bytes.HasSuffix(enc, e.b) {
		t.Fatalf("plain contract state does not end with created_in: %x", enc)
	}
	full := base
	full.Sent, full.SentIn, full.Viewed, full.RenewedFrom, full.Status = true, 0, []bool{false, true}, "c-0", StatusVoided
	var got ContractState
	stateRoundTrip(t, &full, &got)
	if !reflect.DeepEqual(got, full) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got, full)
	}
	if got.ViewedBy(0) || !got.ViewedBy(1) || got.ViewedBy(5) {
		t.Errorf("ViewedBy: %v", got.Viewed)
	}
	for s, want := range map[ContractStatus]string{StatusDeclined: "declined", StatusVoided: "voided", StatusExpired: "expired"} {
		if s.String() != want {
			t.Errorf("%d.String() = %q, want %q", s, s.String(), want)
		}
	}
}
