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

// checkpointView is a MemState that also holds checkpoints, as the chain's
// store does, so the anchored rule can run over it.
type checkpointView struct {
	*MemState
	cps map[int64]*Checkpoint
}

func (v checkpointView) CheckpointAt(h int64) (*Checkpoint, bool, error) {
	cp, ok := v.cps[h]
	return cp, ok, nil
}

// TestAnchoredApply: the anchored rule's rejections, in the order the
// checks run, and its one state write.
func TestAnchoredApply(t *testing.T) {
	a := validAnchored()
	g := &GenesisAnchoring{Org: "court", Network: a.Network, Channel: a.Channel, Chaincode: a.Chaincode}
	v := checkpointView{NewMemState(), map[int64]*Checkpoint{
		42: {Height: 42, AppHash: a.AppHash, LogSize: a.LogSize, LogRoot: a.LogRoot},
	}}
	ctx := func() *RuleContext {
		return &RuleContext{ChainID: a.ChainID, Height: 50, Next: 7, Org: "court", Anchoring: g}
	}
	tests := []struct {
		name  string
		code  uint32
		field string
		mod   func(*Anchored, *RuleContext)
	}{
		{"disabled", CodeAnchorDisabled, "type", func(_ *Anchored, c *RuleContext) { c.Anchoring = nil }},
		{"org", CodeAnchorOrg, "envelope.org", func(_ *Anchored, c *RuleContext) { c.Org = "bank" }},
		{"network", CodeAnchorReceipt, "body.network", func(b *Anchored, _ *RuleContext) { b.Network = "other" }},
		{"channel", CodeAnchorReceipt, "body.channel", func(b *Anchored, _ *RuleContext) { b.Channel = "other" }},
		{"chaincode", CodeAnchorReceipt, "body.chaincode", func(b *Anchored, _ *RuleContext) { b.Chaincode = "other" }},
		{"chain id", CodeAnchorMismatch, "body.chain_id", func(b *Anchored, _ *RuleContext) { b.ChainID = "other" }},
		{"height not committed", CodeAnchorMismatch, "body.height", func(_ *Anchored, c *RuleContext) { c.Height = 42 }},
		{"no checkpoint", CodeAnchorMismatch, "body.height", func(b *Anchored, _ *RuleContext) { b.Height = 41 }},
		{"app hash", CodeAnchorMismatch, "body.app_hash", func(b *Anchored, _ *RuleContext) { b.AppHash = bytes.Repeat([]byte{3}, 32) }},
		{"log size", CodeAnchorMismatch, "body.log_size", func(b *Anchored, _ *RuleContext) { b.LogSize++ }},
		{"log root", CodeAnchorMismatch, "body.log_root", func(b *Anchored, _ *RuleContext) { b.LogRoot = bytes.Repeat([]byte{3}, 32) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, c := validAnchored(), ctx()
			tc.mod(b, c)
			_, terr := b.Apply(v, c)
			if terr == nil || terr.Code != tc.code || terr.Field != tc.field {
				t.Fatalf("Apply = %v, want code %d on %s", terr, tc.code, tc.field)
			}
		})
	}

	effects, terr := a.Apply(v, ctx())
	if terr != nil {
		t.Fatal(terr)
	}
	want := Effects{AnchorWrite{State: &AnchorState{Height: 42, LogSize: a.LogSize, RecordIndex: 7}}}
	if len(effects) != 1 || *effects[0].(AnchorWrite).State != *want[0].(AnchorWrite).State {
		t.Fatalf("effects = %+v, want %+v", effects, want)
	}
	if err := effects.Apply(v); err != nil {
		t.Fatal(err)
	}
	if latest, _ := v.LatestAnchor(); latest != 42 {
		t.Fatalf("latest anchor %d after the write, want 42", latest)
	}
	if _, terr := a.Apply(v, ctx()); terr == nil || terr.Code != CodeAnchorOrder {
		t.Fatalf("anchoring height 42 again: %v, want code %d", terr, CodeAnchorOrder)
	}
}

// TestMemStateNoCheckpoints: MemState cannot answer the anchored rule's
// checkpoint lookup, and says so rather than "not found" (which the rule
// would turn into a rejection the chain never made).
func TestMemStateNoCheckpoints(t *testing.T) {
	if _, _, err := NewMemState().CheckpointAt(1); !errors.Is(err, ErrNoCheckpoints) {
		t.Fatalf("CheckpointAt = %v, want ErrNoCheckpoints", err)
	}
}
