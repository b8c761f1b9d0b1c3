package evidence_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	cmtproto "github.com/cometbft/cometbft/api/cometbft/types/v1"
	"github.com/cometbft/cometbft/crypto/ed25519"
	cmtjson "github.com/cometbft/cometbft/libs/json"
	"github.com/cometbft/cometbft/types"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/evidence"
)

// The files in testdata come from a real single-node network; regenerate
// them with
//
//	SEALCHAIN_UPDATE_FIXTURES=1 go test ./node -run TestGenerateEvidenceFixture
const (
	genesisFile  = "genesis.json"
	bundleFile   = "bundle.json"
	contractFile = "contract.pdf"
)

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatalf("read testdata: %v", err)
	}
	return b
}

// loadBundle decodes a fresh copy of testdata/bundle.json, so each case can
// mutate its own.
func loadBundle(t testing.TB) *evidence.Bundle {
	t.Helper()
	b, err := evidence.DecodeBundle(readTestdata(t, bundleFile))
	if err != nil {
		t.Fatalf("DecodeBundle(testdata/%s): %v", bundleFile, err)
	}
	return b
}

func loadTrust(t testing.TB) *evidence.Trust {
	t.Helper()
	tr, err := evidence.ParseTrust(readTestdata(t, genesisFile))
	if err != nil {
		t.Fatalf("ParseTrust(testdata/%s): %v", genesisFile, err)
	}
	return tr
}

func newVerifier(t testing.TB, tr *evidence.Trust) *evidence.Verifier {
	t.Helper()
	v, err := evidence.NewVerifier(tr)
	if err != nil {
		t.Fatalf("NewVerifier: %v", err)
	}
	return v
}

// recordOf returns the position in b.Records of the first record of type typ
// whose actor (or, for intent records, signer) is the n-th distinct actor
// of that type; n counts from 0.
func recordOf(t testing.TB, b *evidence.Bundle, typ chain.Type, n int) int {
	t.Helper()
	seen := 0
	for i, r := range b.Records {
		en, err := chain.DecodeEntry(r.Leaf)
		if err != nil {
			t.Fatalf("records[%d]: %v", i, err)
		}
		tx, err := chain.DecodeRecord(en.Tx)
		if err != nil {
			t.Fatalf("records[%d]: %v", i, err)
		}
		if tx.Body.Type() != typ {
			continue
		}
		if seen == n {
			return i
		}
		seen++
	}
	t.Fatalf("bundle has no %s record number %d", typ, n)
	return -1
}

func TestVerifyTestdata(t *testing.T) {
	v := newVerifier(t, loadTrust(t))
	doc := readTestdata(t, contractFile)
	tests := []struct {
		name      string
		file      []byte
		wantNames []string // checks besides the per-record ones
	}{
		{name: "without file", file: nil, wantNames: []string{"format", "checkpoint", "app_hash", "subject"}},
		{name: "with file", file: doc, wantNames: []string{"format", "checkpoint", "app_hash", "subject", "file"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := loadBundle(t)
			res := v.Verify(b, tc.file)
			for _, c := range res.Checks {
				if !c.OK {
					t.Errorf("check %s failed: %s", c.Name, c.Detail)
				}
			}
			if !res.OK || len(res.Failed()) != 0 {
				t.Fatalf("Result.OK = %v, failed %v", res.OK, res.Failed())
			}
			names := map[string]bool{}
			for _, c := range res.Checks {
				names[c.Name] = true
			}
			for _, n := range tc.wantNames {
				if !names[n] {
					t.Errorf("no %q check in %v", n, res.Checks)
				}
			}
			if names["file"] != (tc.file != nil) {
				t.Errorf("file check present = %v, file given = %v", names["file"], tc.file != nil)
			}
			// Every record is checked for inclusion, decoding and
			// signatures; each signature has an intent check.
			signed := 0
			for _, r := range b.Records {
				for _, suffix := range []string{"inclusion", "decode", "signatures"} {
					if n := fmt.Sprintf("record[%d].%s", r.Index, suffix); !names[n] {
						t.Errorf("no %s check", n)
					}
				}
			}
			for _, ri := range res.Records {
				if ri.Type == chain.TypeContractSigned.String() {
					signed++
					if n := fmt.Sprintf("record[%d].intent", ri.Index); !names[n] {
						t.Errorf("no %s check", n)
					}
				}
			}
			if len(res.Records) != 12 || signed != 2 {
				t.Fatalf("Result.Records has %d records with %d signatures, want 12 with 2", len(res.Records), signed)
			}
			wantTypes := []string{"cert_issued", "cert_issued", "seal_registered", "contract_created", "contract_sent",
				"contract_viewed", "intent_verified", "contract_signed", "intent_verified", "contract_signed",
				"contract_completed", "cert_revoked"}
			for i, ri := range res.Records {
				if ri.Type != wantTypes[i] || ri.Index != uint64(i) {
					t.Errorf("Result.Records[%d] = #%d %s, want #%d %s", i, ri.Index, ri.Type, i, wantTypes[i])
				}
			}
		})
	}
}

// flip inverts the low bit of p[i] in a copy of p.
func flip(p []byte, i int) []byte {
	q := bytes.Clone(p)
	q[i] ^= 0x01
	return q
}

func decodeSignedHeader(t testing.TB, p []byte) *cmtproto.SignedHeader {
	t.Helper()
	var sh cmtproto.SignedHeader
	if err := sh.Unmarshal(p); err != nil {
		t.Fatalf("decode signed header: %v", err)
	}
	return &sh
}

func encodeProto(t testing.TB, m interface{ Marshal() ([]byte, error) }) []byte {
	t.Helper()
	p, err := m.Marshal()
	if err != nil {
		t.Fatalf("encode proto: %v", err)
	}
	return p
}

// freshValidatorSet is a one-validator set with a newly generated key.
func freshValidatorSet(t testing.TB) *types.ValidatorSet {
	t.Helper()
	return types.NewValidatorSet([]*types.Validator{types.NewValidator(ed25519.GenPrivKey().PubKey(), 10)})
}

// otherGenesisTrust is testdata's genesis with its validator key replaced:
// same chain id and organisations, another validator.
func otherGenesisTrust(t testing.TB) *evidence.Trust {
	t.Helper()
	var doc types.GenesisDoc
	if err := cmtjson.Unmarshal(readTestdata(t, genesisFile), &doc); err != nil {
		t.Fatalf("parse genesis: %v", err)
	}
	pub := ed25519.GenPrivKey().PubKey()
	doc.Validators[0].PubKey = pub
	doc.Validators[0].Address = pub.Address()
	data, err := cmtjson.Marshal(&doc)
	if err != nil {
		t.Fatalf("encode genesis: %v", err)
	}
	tr, err := evidence.ParseTrust(data)
	if err != nil {
		t.Fatalf("ParseTrust(other genesis): %v", err)
	}
	return tr
}

// contractChecks names the record[i].contract checks of the records after
// position created that belong to a contract.
func contractChecks(t testing.TB, b *evidence.Bundle, created int) []string {
	t.Helper()
	var out []string
	for _, r := range b.Records[created+1:] {
		v, _, err := evidence.Describe(r.Leaf)
		if err != nil {
			t.Fatal(err)
		}
		if v.ContractID != "" {
			out = append(out, fmt.Sprintf("record[%d].contract", r.Index))
		}
	}
	return out
}

func allInclusion(b *evidence.Bundle) []string {
	var out []string
	for _, r := range b.Records {
		out = append(out, fmt.Sprintf("record[%d].inclusion", r.Index))
	}
	return out
}

// TestVerifyTampered changes one thing in the bundle (or the trust, or the
// file) and names the checks that must fail. mayFail lists checks that may
// fail too, depending on exactly what the change breaks; any other failure
// is an error.
func TestVerifyTampered(t *testing.T) {
	trust := loadTrust(t)
	doc := readTestdata(t, contractFile)
	base := loadBundle(t)
	// Positions in the fixture: the first contract_signed record (Alice's),
	// and Bob's intent record with the signature that depends on it.
	aliceSigned := recordOf(t, base, chain.TypeContractSigned, 0)
	bobIntent := recordOf(t, base, chain.TypeIntentVerified, 1)
	bobSigned := recordOf(t, base, chain.TypeContractSigned, 1)
	aliceCert := recordOf(t, base, chain.TypeCertIssued, 0)
	created := recordOf(t, base, chain.TypeContractCreated, 0)
	rec := func(i int, check string) string { return fmt.Sprintf("record[%d].%s", base.Records[i].Index, check) }

	tests := []struct {
		name     string
		mutate   func(t *testing.T, b *evidence.Bundle)
		trust    *evidence.Trust // nil: testdata's genesis
		file     []byte          // nil: contract.pdf
		noFile   bool
		wantFail []string
		mayFail  []string
	}{
		{
			name: "leaf byte in the middle changed",
			mutate: func(t *testing.T, b *evidence.Bundle) {
				l := b.Records[aliceSigned].Leaf
				b.Records[aliceSigned].Leaf = flip(l, len(l)/2)
			},
			wantFail: []string{rec(aliceSigned, "inclusion")},
			mayFail:  []string{rec(aliceSigned, "decode"), rec(aliceSigned, "signatures"), rec(aliceSigned, "intent"), "file"},
		},
		{
			name: "leaf last byte (envelope signature) changed",
			mutate: func(t *testing.T, b *evidence.Bundle) {
				l := b.Records[aliceSigned].Leaf
				b.Records[aliceSigned].Leaf = flip(l, len(l)-1)
			},
			wantFail: []string{rec(aliceSigned, "inclusion")},
			mayFail:  []string{rec(aliceSigned, "decode"), rec(aliceSigned, "signatures")},
		},
		{
			name: "leaf first byte changed",
			mutate: func(t *testing.T, b *evidence.Bundle) {
				b.Records[aliceCert].Leaf = flip(b.Records[aliceCert].Leaf, 0)
			},
			wantFail: []string{rec(aliceCert, "inclusion")},
			// Without Alice's certificate record her records lose their
			// actor, and the replayed rules find her unregistered: as the
			// owner of her seal and as a party, so the contract is never
			// created and each of its records fails its contract check.
			mayFail: append([]string{rec(aliceCert, "decode"), rec(aliceCert, "signatures"),
				rec(recordOf(t, base, chain.TypeIntentVerified, 0), "signatures"), rec(aliceSigned, "signatures"),
				rec(recordOf(t, base, chain.TypeSealRegistered, 0), "signatures"), rec(created, "contract")},
				contractChecks(t, base, created)...),
		},
		{
			name: "proof hash changed",
			mutate: func(t *testing.T, b *evidence.Bundle) {
				b.Records[created].Proof[0] = flip(b.Records[created].Proof[0], 3)
			},
			wantFail: []string{rec(created, "inclusion")},
		},
		{
			name: "proof hash removed",
			mutate: func(t *testing.T, b *evidence.Bundle) {
				p := b.Records[created].Proof
				b.Records[created].Proof = p[:len(p)-1]
			},
			wantFail: []string{rec(created, "inclusion")},
		},
		{
			name: "proof hash appended",
			mutate: func(t *testing.T, b *evidence.Bundle) {
				b.Records[created].Proof = append(b.Records[created].Proof, bytes.Repeat([]byte{7}, 32))
			},
			wantFail: []string{rec(created, "inclusion")},
		},
		{
			name: "record index changed",
			mutate: func(t *testing.T, b *evidence.Bundle) {
				b.Records[created].Index += 100
			},
			// The entry no longer decodes as record Index+100, so the
			// contract-created record naming the file is lost too, and
			// with it the contract's records and the subject.
			wantFail: append([]string{fmt.Sprintf("record[%d].inclusion", base.Records[created].Index+100), fmt.Sprintf("record[%d].decode", base.Records[created].Index+100), "file", "subject"},
				contractChecks(t, base, created)...),
		},
		{
			name: "signed header: app hash byte flipped",
			mutate: func(t *testing.T, b *evidence.Bundle) {
				sh := decodeSignedHeader(t, b.Checkpoint.SignedHeader)
				i := bytes.Index(b.Checkpoint.SignedHeader, sh.Header.AppHash)
				if len(sh.Header.AppHash) == 0 || i < 0 {
					t.Fatalf("app hash %X not found in the signed header", sh.Header.AppHash)
				}
				b.Checkpoint.SignedHeader = flip(b.Checkpoint.SignedHeader, i+5)
			},
			wantFail: []string{"checkpoint"},
		},
		{
			name: "signed header: first byte flipped",
			mutate: func(t *testing.T, b *evidence.Bundle) {
				b.Checkpoint.SignedHeader = flip(b.Checkpoint.SignedHeader, 0)
			},
			wantFail: []string{"checkpoint"},
		},
		{
			name: "signed header: middle byte flipped",
			mutate: func(t *testing.T, b *evidence.Bundle) {
				b.Checkpoint.SignedHeader = flip(b.Checkpoint.SignedHeader, len(b.Checkpoint.SignedHeader)/2)
			},
			wantFail: []string{"checkpoint"},
		},
		{
			name: "signed header: truncated",
			mutate: func(t *testing.T, b *evidence.Bundle) {
				b.Checkpoint.SignedHeader = b.Checkpoint.SignedHeader[:len(b.Checkpoint.SignedHeader)-10]
			},
			wantFail: []string{"checkpoint"},
		},
		{
			name: "signed header: app hash re-encoded (header hash no longer signed)",
			mutate: func(t *testing.T, b *evidence.Bundle) {
				sh := decodeSignedHeader(t, b.Checkpoint.SignedHeader)
				sh.Header.AppHash = flip(sh.Header.AppHash, 0)
				b.Checkpoint.SignedHeader = encodeProto(t, sh)
			},
			wantFail: []string{"checkpoint"},
		},
		{
			name: "commit signature byte flipped",
			mutate: func(t *testing.T, b *evidence.Bundle) {
				sh := decodeSignedHeader(t, b.Checkpoint.SignedHeader)
				sig := sh.Commit.Signatures[0].Signature
				if len(sig) == 0 {
					t.Fatal("commit has no signature")
				}
				sh.Commit.Signatures[0].Signature = flip(sig, 10)
				b.Checkpoint.SignedHeader = encodeProto(t, sh)
			},
			wantFail: []string{"checkpoint"},
		},
		{
			name: "commit signature removed",
			mutate: func(t *testing.T, b *evidence.Bundle) {
				sh := decodeSignedHeader(t, b.Checkpoint.SignedHeader)
				sh.Commit.Signatures[0].BlockIdFlag = cmtproto.BlockIDFlagAbsent
				sh.Commit.Signatures[0].Signature = nil
				sh.Commit.Signatures[0].ValidatorAddress = nil
				sh.Commit.Signatures[0].Timestamp = sh.Commit.Signatures[0].Timestamp.AddDate(-100, 0, 0)
				b.Checkpoint.SignedHeader = encodeProto(t, sh)
			},
			wantFail: []string{"checkpoint"},
		},
		{
			name: "validator set: public key swapped",
			mutate: func(t *testing.T, b *evidence.Bundle) {
				var vs cmtproto.ValidatorSet
				if err := vs.Unmarshal(b.Checkpoint.ValidatorSet); err != nil {
					t.Fatalf("decode validator set: %v", err)
				}
				pub := ed25519.GenPrivKey().PubKey()
				vs.Validators[0].PubKeyBytes = pub.Bytes()
				vs.Validators[0].Address = pub.Address()
				vs.Proposer = vs.Validators[0]
				b.Checkpoint.ValidatorSet = encodeProto(t, &vs)
			},
			wantFail: []string{"checkpoint"},
		},
		{
			name: "validator set: another set",
			mutate: func(t *testing.T, b *evidence.Bundle) {
				pvs, err := freshValidatorSet(t).ToProto()
				if err != nil {
					t.Fatal(err)
				}
				b.Checkpoint.ValidatorSet = encodeProto(t, pvs)
			},
			wantFail: []string{"checkpoint"},
		},
		{
			// CometBFT's ValidatorFromProto dereferences a nil key when the
			// key type and bytes do not parse: this panicked the verifier.
			name: "validator set: a validator without a key",
			mutate: func(t *testing.T, b *evidence.Bundle) {
				v := &cmtproto.Validator{Address: bytes.Repeat([]byte{1}, 20), VotingPower: 10}
				b.Checkpoint.ValidatorSet = encodeProto(t, &cmtproto.ValidatorSet{Validators: []*cmtproto.Validator{v}, Proposer: v})
			},
			wantFail: []string{"checkpoint"},
		},
		{
			name: "validator set: garbage",
			mutate: func(t *testing.T, b *evidence.Bundle) {
				b.Checkpoint.ValidatorSet = []byte("not a validator set")
			},
			wantFail: []string{"checkpoint"},
		},
		{
			name: "checkpoint height changed",
			mutate: func(t *testing.T, b *evidence.Bundle) {
				b.Checkpoint.Height++
			},
			wantFail: []string{"checkpoint"},
		},
		{
			name: "log root changed",
			mutate: func(t *testing.T, b *evidence.Bundle) {
				b.Checkpoint.LogRoot = flip(b.Checkpoint.LogRoot, 0)
			},
			wantFail: append([]string{"app_hash"}, allInclusion(base)...),
		},
		{
			name: "log size changed",
			mutate: func(t *testing.T, b *evidence.Bundle) {
				b.Checkpoint.LogSize++
			},
			wantFail: []string{"app_hash"},
			mayFail:  allInclusion(base),
		},
		{
			name: "state root changed",
			mutate: func(t *testing.T, b *evidence.Bundle) {
				b.Checkpoint.StateRoot = flip(b.Checkpoint.StateRoot, 31)
			},
			wantFail: []string{"app_hash"},
		},
		{
			name:     "wrong file",
			file:     []byte("%PDF-1.4\n% another document\n"),
			wantFail: []string{"file"},
		},
		{
			name:     "file one byte longer",
			file:     append(bytes.Clone(doc), '\n'),
			wantFail: []string{"file"},
		},
		{
			name:     "empty file",
			file:     []byte{},
			wantFail: []string{"file"},
		},
		{
			name: "intent record of a signer removed",
			mutate: func(t *testing.T, b *evidence.Bundle) {
				b.Records = slices.Delete(b.Records, bobIntent, bobIntent+1)
			},
			wantFail: []string{rec(bobSigned, "intent")},
			// The chain refuses Bob's signature, so the replay never sees
			// the contract fully signed: its completion fails too.
			mayFail: []string{rec(recordOf(t, base, chain.TypeContractCompleted, 0), "contract")},
		},
		{
			name: "signer's certificate record removed",
			mutate: func(t *testing.T, b *evidence.Bundle) {
				b.Records = slices.Delete(b.Records, aliceCert, aliceCert+1)
			},
			wantFail: []string{rec(recordOf(t, base, chain.TypeIntentVerified, 0), "signatures"), rec(aliceSigned, "signatures")},
			// As "leaf first byte changed": the rules find Alice unregistered.
			mayFail: append([]string{rec(recordOf(t, base, chain.TypeSealRegistered, 0), "signatures"), rec(created, "contract")},
				contractChecks(t, base, created)...),
		},
		{
			name: "record duplicated",
			mutate: func(t *testing.T, b *evidence.Bundle) {
				b.Records = append(b.Records, b.Records[created])
			},
			wantFail: []string{"format"},
		},
		{
			name: "no records",
			mutate: func(t *testing.T, b *evidence.Bundle) {
				b.Records = nil
			},
			noFile:   true,
			wantFail: []string{"format"},
		},
		{
			name: "chain id changed",
			mutate: func(t *testing.T, b *evidence.Bundle) {
				b.ChainID = "other-chain"
			},
			wantFail: []string{"format"},
		},
		{
			name: "version changed after decoding",
			mutate: func(t *testing.T, b *evidence.Bundle) {
				b.Version = 2
			},
			wantFail: []string{"format"},
		},
		{
			name:     "different genesis (another validator key)",
			trust:    otherGenesisTrust(t),
			wantFail: []string{"checkpoint"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := loadBundle(t)
			if tc.mutate != nil {
				tc.mutate(t, b)
			}
			tr := trust
			if tc.trust != nil {
				tr = tc.trust
			}
			file := doc
			if tc.file != nil {
				file = tc.file
			}
			if tc.noFile {
				file = nil
			}
			res := newVerifier(t, tr).Verify(b, file)
			if res.OK {
				t.Fatalf("Verify = OK, want %v to fail", tc.wantFail)
			}
			failed := res.Failed()
			for _, w := range tc.wantFail {
				if !slices.Contains(failed, w) {
					t.Errorf("check %s did not fail; failed: %v", w, failed)
				}
			}
			for _, f := range failed {
				if !slices.Contains(tc.wantFail, f) && !slices.Contains(tc.mayFail, f) {
					t.Errorf("check %s failed unexpectedly: %s", f, detail(res, f))
				}
			}
			for _, c := range res.Checks {
				if !c.OK && c.Detail == "" {
					t.Errorf("failed check %s has no detail", c.Name)
				}
			}
		})
	}
}

func detail(res *evidence.Result, name string) string {
	for _, c := range res.Checks {
		if c.Name == name {
			return c.Detail
		}
	}
	return ""
}

// editJSON decodes testdata/bundle.json into generic JSON, applies edit and
// re-encodes it.
func editJSON(t *testing.T, edit func(m map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(readTestdata(t, bundleFile), &m); err != nil {
		t.Fatal(err)
	}
	edit(m)
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestDecodeBundle(t *testing.T) {
	tests := []struct {
		name    string
		data    func(t *testing.T) []byte
		wantErr string // "" means success
	}{
		{
			name:    "testdata",
			data:    func(t *testing.T) []byte { return readTestdata(t, bundleFile) },
			wantErr: "",
		},
		{
			name:    "re-encoded bundle",
			data:    func(t *testing.T) []byte { return must(t, loadBundle(t).Encode) },
			wantErr: "",
		},
		{
			name:    "version 2",
			data:    func(t *testing.T) []byte { return editJSON(t, func(m map[string]any) { m["version"] = 2 }) },
			wantErr: "version 2",
		},
		{
			name:    "version 0",
			data:    func(t *testing.T) []byte { return editJSON(t, func(m map[string]any) { m["version"] = 0 }) },
			wantErr: "version 0",
		},
		{
			name:    "version missing",
			data:    func(t *testing.T) []byte { return editJSON(t, func(m map[string]any) { delete(m, "version") }) },
			wantErr: "version 0",
		},
		{
			name: "other format",
			data: func(t *testing.T) []byte {
				return editJSON(t, func(m map[string]any) { m["format"] = "something-else" })
			},
			wantErr: `format "something-else"`,
		},
		{
			name:    "unknown top-level field",
			data:    func(t *testing.T) []byte { return editJSON(t, func(m map[string]any) { m["extra"] = true }) },
			wantErr: `unknown field "extra"`,
		},
		{
			name: "unknown record field",
			data: func(t *testing.T) []byte {
				return editJSON(t, func(m map[string]any) {
					m["records"].([]any)[0].(map[string]any)["note"] = "x"
				})
			},
			wantErr: `unknown field "note"`,
		},
		{
			name: "unknown checkpoint field",
			data: func(t *testing.T) []byte {
				return editJSON(t, func(m map[string]any) { m["checkpoint"].(map[string]any)["app_hash"] = "AA==" })
			},
			wantErr: `unknown field "app_hash"`,
		},
		{
			name: "too many proof hashes",
			data: func(t *testing.T) []byte {
				return editJSON(t, func(m map[string]any) {
					r := m["records"].([]any)[0].(map[string]any)
					p := make([]any, evidence.MaxProofHashes+1)
					for i := range p {
						p[i] = "AA=="
					}
					r["proof"] = p
				})
			},
			wantErr: "proof has 65 hashes",
		},
		{
			name: "leaf not base64",
			data: func(t *testing.T) []byte {
				return editJSON(t, func(m map[string]any) { m["records"].([]any)[0].(map[string]any)["leaf"] = "!!" })
			},
			wantErr: "base64",
		},
		{
			name:    "not JSON",
			data:    func(t *testing.T) []byte { return []byte("PK\x03\x04") },
			wantErr: "invalid character",
		},
		{
			name:    "empty",
			data:    func(t *testing.T) []byte { return nil },
			wantErr: "unexpected end of JSON input",
		},
		{
			name:    "JSON null",
			data:    func(t *testing.T) []byte { return []byte("null") },
			wantErr: `format ""`,
		},
		{
			name:    "trailing data after the bundle",
			data:    func(t *testing.T) []byte { return append(readTestdata(t, bundleFile), []byte(`{"more":1}`)...) },
			wantErr: "invalid character",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := evidence.DecodeBundle(tc.data(t))
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("DecodeBundle: %v", err)
				}
				if b.Version != evidence.Version || len(b.Records) != 12 {
					t.Fatalf("decoded version %d with %d records", b.Version, len(b.Records))
				}
				return
			}
			if err == nil {
				t.Fatalf("DecodeBundle succeeded, want an error containing %q", tc.wantErr)
			}
			if !errors.Is(err, evidence.ErrFormat) {
				t.Errorf("error %v does not wrap ErrFormat", err)
			}
			if !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("error %q does not mention %q", err, tc.wantErr)
			}
		})
	}
}

func must(t *testing.T, f func() ([]byte, error)) []byte {
	t.Helper()
	b, err := f()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestNewVerifierRejectsIncompleteTrust(t *testing.T) {
	good := loadTrust(t)
	tests := []struct {
		name  string
		trust *evidence.Trust
	}{
		{"nil", nil},
		{"no validators", &evidence.Trust{ChainID: good.ChainID, Orgs: good.Orgs}},
		{"no organisations", &evidence.Trust{ChainID: good.ChainID, Validators: good.Validators}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := evidence.NewVerifier(tc.trust); err == nil {
				t.Fatal("NewVerifier succeeded")
			}
		})
	}
}
