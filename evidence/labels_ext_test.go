package evidence_test

import (
	"testing"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/evidence"
)

// TestCheckLabelsCoverVerifier runs the verifier on the testdata bundle,
// intact and with a record's signature and the file broken, and requires a
// bilingual label for every check it names: a check added without one would
// print its raw name in the report and on the page.
func TestCheckLabelsCoverVerifier(t *testing.T) {
	v := newVerifier(t, loadTrust(t))
	doc := readTestdata(t, contractFile)
	good := loadBundle(t)
	bad := loadBundle(t)
	signed := recordOf(t, bad, chain.TypeContractSigned, 0)
	bad.Records[signed].Leaf = flip(bad.Records[signed].Leaf, len(bad.Records[signed].Leaf)/2)
	names := map[string]bool{}
	for _, res := range []*evidence.Result{v.Verify(good, doc), v.Verify(bad, []byte("another file"))} {
		for _, c := range res.Checks {
			names[c.Name] = true
		}
	}
	for name := range names {
		if l := evidence.CheckLabel(name); l.Zh == name || l.En == name || l.Zh == "" || l.En == "" {
			t.Errorf("check %q has no label: %+v", name, l)
		}
	}
	if len(names) < 5 {
		t.Fatalf("only %d checks seen: %v", len(names), names)
	}
}
