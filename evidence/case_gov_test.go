package evidence_test

import (
	"slices"
	"testing"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/evidence"
)

// TestVerifyCasesInstitutionOutsideTrust: an institution that joined by
// governance is not in the verifier's trust (the genesis). The contract's
// own records still verify; the records of its case cannot be ruled
// offline, and the result says so instead of failing the contract.
func TestVerifyCasesInstitutionOutsideTrust(t *testing.T) {
	w := newCaseWorld(t)
	trust := get(evidence.ParseTrust(w.s.Genesis()))
	trust.Orgs = slices.DeleteFunc(trust.Orgs, func(o *chain.Org) bool { return o.ID == "appraisal" })
	v := get(evidence.NewVerifier(trust))
	res := v.Verify(w.bundle(t), nil)
	for _, c := range res.Checks {
		if !c.OK {
			t.Logf("%s: %s", c.Name, c.Detail)
		}
	}
	t.Logf("ok=%v failed=%v", res.OK, res.Failed())
}
