package chain

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func validAnchored() *Anchored {
	return &Anchored{ChainID: "sealchain-test", Height: 42, AppHash: bytes.Repeat([]byte{1}, 32), LogSize: 9,
		LogRoot: bytes.Repeat([]byte{2}, 32), Network: "court-net", Channel: "anchorchannel", Chaincode: "anchor",
		TxID: strings.Repeat("ab", 32), Block: 17, AnchoredAt: 1_700_000_000_000_000_000}
}

func TestAnchoredEncoding(t *testing.T) {
	a := validAnchored()
	if err := a.Validate(); err != nil {
		t.Fatal(err)
	}
	got, err := decodeBody(TypeAnchored, EncodeBody(a))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(EncodeBody(got), EncodeBody(a)) || got.(*Anchored).TxID != a.TxID || got.Type() != TypeAnchored {
		t.Fatalf("round trip: %+v", got)
	}
	if TypeAnchored.String() != "anchored" {
		t.Fatal(TypeAnchored.String())
	}
}

func TestAnchoredValidate(t *testing.T) {
	tests := []struct {
		field string
		mod   func(*Anchored)
	}{
		{"body.chain_id", func(a *Anchored) { a.ChainID = "" }},
		{"body.height", func(a *Anchored) { a.Height = 0 }},
		{"body.app_hash", func(a *Anchored) { a.AppHash = a.AppHash[:31] }},
		{"body.log_root", func(a *Anchored) { a.LogRoot = nil }},
		{"body.network", func(a *Anchored) { a.Network = "" }},
		{"body.channel", func(a *Anchored) { a.Channel = strings.Repeat("c", 256) }},
		{"body.chaincode", func(a *Anchored) { a.Chaincode = "" }},
		{"body.tx_id", func(a *Anchored) { a.TxID = "" }},
		{"body.anchored_at", func(a *Anchored) { a.AnchoredAt = 0 }},
	}
	for _, tc := range tests {
		t.Run(tc.field, func(t *testing.T) {
			a := validAnchored()
			tc.mod(a)
			err := a.Validate()
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != tc.field || !errors.Is(err, ErrInvalid) {
				t.Fatalf("Validate = %v, want an invalid %s", err, tc.field)
			}
		})
	}
}
