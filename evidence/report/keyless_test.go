package report

import (
	"bytes"
	"testing"

	cmtproto "github.com/cometbft/cometbft/api/cometbft/types/v1"

	"github.com/sealchain/sealchain/evidence"
)

// TestFactsKeylessValidator: the facts of a bundle whose validator set has
// a validator without a key are an error, not a panic (report verify
// computes facts even when the bundle failed).
func TestFactsKeylessValidator(t *testing.T) {
	f := newFixture(t)
	b, err := evidence.DecodeBundle(f.raw)
	if err != nil {
		t.Fatal(err)
	}
	v := &cmtproto.Validator{Address: bytes.Repeat([]byte{1}, 20), VotingPower: 10}
	vs, err := (&cmtproto.ValidatorSet{Validators: []*cmtproto.Validator{v}, Proposer: v}).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	b.Checkpoint.ValidatorSet = vs
	if _, err := FactsOf(b, f.raw); err == nil {
		t.Fatal("FactsOf accepted a validator without a key")
	}
}
