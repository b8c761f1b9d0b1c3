package evidence_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"

	cmtproto "github.com/cometbft/cometbft/api/cometbft/types/v1"

	"github.com/sealchain/sealchain/evidence"
	"github.com/sealchain/sealchain/internal/conformance"
)

// checkResult asserts the invariants every Result keeps, whatever the input.
func checkResult(t *testing.T, res *evidence.Result) {
	t.Helper()
	if res == nil {
		t.Fatal("Verify returned nil")
	}
	if len(res.Checks) == 0 {
		t.Fatal("Verify ran no checks")
	}
	if res.Checks[0].Name != "format" {
		t.Fatalf("first check is %q, want format", res.Checks[0].Name)
	}
	if res.OK != (len(res.Failed()) == 0) {
		t.Fatalf("Result.OK = %v but failed checks are %v", res.OK, res.Failed())
	}
	for _, c := range res.Checks {
		if c.Name == "" {
			t.Fatalf("check without a name: %+v", c)
		}
		if !c.OK && c.Detail == "" {
			t.Fatalf("failed check %s has no detail", c.Name)
		}
	}
	if _, err := json.Marshal(res); err != nil {
		t.Fatalf("Result does not encode: %v", err)
	}
}

// FuzzVerifyBundle feeds arbitrary bytes to DecodeBundle and whatever decodes
// to Verify: neither may panic, a decode error wraps ErrFormat, the result is
// self-consistent, and a decoded bundle re-encodes to one that decodes and
// verifies the same way.
func FuzzVerifyBundle(f *testing.F) {
	good := readTestdata(f, bundleFile)
	doc := readTestdata(f, contractFile)
	v := newVerifier(f, loadTrust(f))

	f.Add(good, doc)
	f.Add(good, []byte(nil))
	f.Add(good[:len(good)/2], doc)
	f.Add(bytes.Replace(good, []byte(`"version": 1`), []byte(`"version": 2`), 1), doc)
	f.Add(bytes.Replace(good, []byte(`"index": 2,`), []byte(`"index": 1,`), 1), doc)
	f.Add(bytes.Replace(good, []byte(`"index": 7,`), []byte(`"index": 18446744073709551615,`), 1), doc)
	f.Add(bytes.Replace(good, []byte(`"height": `), []byte(`"height": -`), 1), doc)
	f.Add(bytes.Replace(good, []byte(`"log_size": `), []byte(`"log_size": 1`), 1), doc)
	f.Add(bytes.Replace(good, []byte(`"signed_header": "`), []byte(`"signed_header": "AAAA`), 1), doc)
	f.Add(bytes.Replace(good, []byte(`"validator_set": "`), []byte(`"validator_set": "CgA`), 1), doc)
	f.Add(bytes.Replace(good, []byte(`"proof": [`), []byte(`"proof": [null,`), 1), doc)
	f.Add(bytes.Replace(good, []byte(`"leaf": "`), []byte(`"leaf": "AAAA`), 1), doc)
	f.Add([]byte(`{"format":"sealchain-evidence-bundle","version":1,"chain_id":"sealchain-it","records":[{"index":0}],"checkpoint":{}}`), doc)
	f.Add([]byte(`{"format":"sealchain-evidence-bundle","version":1,"chain_id":"sealchain-it","records":[{"index":0,"leaf":"","proof":[]}],"checkpoint":{"height":9223372036854775807}}`), doc)
	f.Add([]byte(`{"format":"sealchain-evidence-bundle","version":1}`), []byte{})
	// A validator set whose only validator has no key: it once panicked
	// CometBFT's decoder.
	keyless := loadBundle(f)
	kv := &cmtproto.Validator{Address: bytes.Repeat([]byte{1}, 20), VotingPower: 10}
	keyless.Checkpoint.ValidatorSet = encodeProto(f, &cmtproto.ValidatorSet{Validators: []*cmtproto.Validator{kv}, Proposer: kv})
	keylessJSON, err := keyless.Encode()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(keylessJSON, doc)
	f.Add([]byte(`null`), []byte(nil))
	f.Add([]byte(`{}`), []byte(nil))
	// Batched records, under a synthetic chain's genesis (a bundle for its
	// chain id is verified against it): the honest bundle, and one with a
	// forged sibling hash in a record's batch path.
	bw := newBatchWorld(f)
	f.Add(get(bw.honest(f).Encode()), []byte(nil))
	f.Add(get(bw.with(f, bw.sibling, bw.otherOrg).Encode()), []byte(nil))
	verifierFor := func(b *evidence.Bundle) *evidence.Verifier {
		if b.ChainID == conformance.ChainID {
			return bw.v
		}
		return v
	}

	f.Fuzz(func(t *testing.T, data, file []byte) {
		b, err := evidence.DecodeBundle(data)
		if err != nil {
			if !errors.Is(err, evidence.ErrFormat) {
				t.Fatalf("DecodeBundle error %v does not wrap ErrFormat", err)
			}
			return
		}
		v := verifierFor(b)
		res := v.Verify(b, file)
		checkResult(t, res)

		again, err := b.Encode()
		if err != nil {
			t.Fatalf("Encode a decoded bundle: %v", err)
		}
		b2, err := evidence.DecodeBundle(again)
		if err != nil {
			t.Fatalf("re-encoded bundle does not decode: %v", err)
		}
		res2 := v.Verify(b2, file)
		if res2.OK != res.OK || len(res2.Checks) != len(res.Checks) {
			t.Fatalf("re-encoded bundle verifies differently: OK %v→%v, %d→%d checks", res.OK, res2.OK, len(res.Checks), len(res2.Checks))
		}
	})
}

// FuzzVerifyTampered XORs one byte of one binary field of the valid bundle
// with a non-zero value. Verify must not panic, and the result must not be
// OK: each of these fields is bound by a hash or a signature.
func FuzzVerifyTampered(f *testing.F) {
	v := newVerifier(f, loadTrust(f))
	doc := readTestdata(f, contractFile)
	for field := range uint8(6) {
		f.Add(field, uint8(0), uint16(0), uint8(1))
		f.Add(field, uint8(3), uint16(17), uint8(0x80))
		f.Add(field, uint8(7), uint16(1000), uint8(0xff))
	}

	f.Fuzz(func(t *testing.T, field, rec uint8, pos uint16, xor uint8) {
		if xor == 0 {
			return
		}
		b := loadBundle(t)
		r := &b.Records[int(rec)%len(b.Records)]
		var target []byte
		switch field % 6 {
		case 0:
			target = r.Leaf
		case 1:
			if len(r.Proof) == 0 {
				return
			}
			target = r.Proof[int(pos)%len(r.Proof)]
			pos /= uint16(len(r.Proof))
		case 2:
			target = b.Checkpoint.LogRoot
		case 3:
			target = b.Checkpoint.StateRoot
		case 4:
			target = b.Checkpoint.SignedHeader
		case 5:
			target = doc
		}
		file := doc
		if field%6 == 5 {
			file = bytes.Clone(doc)
			target = file
		}
		orig := bytes.Clone(b.Checkpoint.SignedHeader)
		target[int(pos)%len(target)] ^= xor
		res := v.Verify(b, file)
		checkResult(t, res)
		if res.OK && !(field%6 == 4 && sameSignedContent(t, orig, b.Checkpoint.SignedHeader)) {
			t.Fatalf("field %d record %d byte %d ^ %#x: bundle still verifies", field%6, rec, pos, xor)
		}
	})
}

// sameSignedContent reports whether two signed headers differ only in their
// protobuf encoding (the same message re-encoded). Validator addresses in
// commit signatures are not signed by CometBFT, but
// checkpoint.VerifyCheckpoint requires each to be the trusted validator's.
func sameSignedContent(t *testing.T, a, b []byte) bool {
	t.Helper()
	norm := func(p []byte) []byte {
		var sh cmtproto.SignedHeader
		if err := sh.Unmarshal(p); err != nil {
			t.Fatalf("a signed header that verified does not decode: %v", err)
		}
		out, err := sh.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	return bytes.Equal(norm(a), norm(b))
}
