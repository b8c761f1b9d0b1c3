package report

import (
	"testing"

	"github.com/cometbft/cometbft/crypto/ed25519"
	"github.com/cometbft/cometbft/types"
)

// TestVerifyFactsOnlyWhenTrusted: report verify --json shows facts
// (subject, contracts, parties, timeline) only when the embedded bundle
// verified under a checkpoint the trusted genesis's validators signed.
func TestVerifyFactsOnlyWhenTrusted(t *testing.T) {
	f := newFixture(t)
	out := f.make(t)
	res, err := Verify(out, f.trust, verifyNow())
	if err != nil {
		t.Fatal(err)
	}
	if !res.OK || res.Facts == nil {
		t.Fatalf("trusted genesis: ok %v, facts %v", res.OK, res.Facts != nil)
	}
	// Same chain id and organisations, other validators: the bundle's
	// checkpoint is not trusted, so nothing from it is a fact.
	other := *f.trust
	other.Validators = types.NewValidatorSet([]*types.Validator{types.NewValidator(ed25519.GenPrivKey().PubKey(), 10)})
	res, err = Verify(out, &other, verifyNow())
	if err != nil {
		t.Fatal(err)
	}
	if res.OK || checkOK(t, res, CheckBundleVerifies) {
		t.Fatalf("other validators: %+v", res.Checks)
	}
	if res.Facts != nil {
		t.Fatalf("facts shown from an untrusted bundle: subject %+v, %d timeline rows", res.Facts.Subject, len(res.Facts.Timeline))
	}
}
