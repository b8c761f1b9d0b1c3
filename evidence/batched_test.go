package evidence_test

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/client"
	"github.com/sealchain/sealchain/evidence"
	"github.com/sealchain/sealchain/internal/conformance"
	"github.com/sealchain/sealchain/signer"
)

// batchWorld is a synthetic chain whose log holds batched records, honest
// and forged, under one signed checkpoint (conformance.Synth). Bundles of
// any of its leaves verify or fail on the leaves alone.
type batchWorld struct {
	s        *conformance.Synth
	v        *evidence.Verifier
	contract string
	// Log indexes.
	certs      []uint64 // cert_issued (standalone): alice, cred2, signer-as-credential, cred4
	batchA     []uint64 // by the genesis credential: the contract's timeline, alice signs
	batchB     []uint64 // by cred2 (registered by certs[1]): three cert_issued
	otherOrg   uint64   // envelope org platform, signed by org other's genesis credential
	noUsage    uint64   // by a signer certificate registered as a signer (certs[2])
	notInBundl uint64   // by cred4, whose cert_issued (certs[3]) a bundle may leave out
	// Forgeries of batchB[0] (index 0 of 3): a sibling hash altered, index
	// 1, size 4, signature altered.
	sibling, index, size, sig uint64
}

// get and get2 unwrap a setup call's results; setup does not fail but
// for a bug, so a panic is the report.
func get[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// addBatch signs bodies (with actors, nil entries for none) as one batch
// of org under cred's key naming cred's fingerprint, and appends its
// records in one block.
func addBatch(t testing.TB, s *conformance.Synth, org string, cred *client.Submitter, bodies []chain.Body, actors []*client.Actor) ([]uint64, []*chain.Tx) {
	t.Helper()
	var items []*chain.Tx
	for i, b := range bodies {
		var a *client.Actor
		if actors != nil {
			a = actors[i]
		}
		items = append(items, get(cred.BuildItem(b, a)))
	}
	b := get(chain.NewBatch(conformance.ChainID, org, chain.FingerprintOf(cred.Cert), items, func(m []byte) ([]byte, error) {
		return cred.Key.Sign(nil, m)
	}))
	recs := b.Records()
	var idx []uint64
	for i, r := range recs {
		if i == 0 {
			idx = append(idx, s.AddTx(r.Encode(), false))
		} else {
			idx = append(idx, s.AddBatchRecord(r.Encode()))
		}
	}
	return idx, recs
}

func newBatchWorld(t testing.TB) *batchWorld {
	t.Helper()
	s := get(conformance.NewSynth(conformance.ChainID))
	w := &batchWorld{s: s, contract: "batched-contract-1"}
	trust := get(evidence.ParseTrust(s.Genesis()))
	w.v = get(evidence.NewVerifier(trust))

	alice, aliceDER := get2(s.Signer("alice"))
	cred2 := get(s.Credential("platform-batcher", signer.UsageSubmitter))
	asCred := get(s.Credential("signer-as-credential", signer.UsageSigner))
	cred4 := get(s.Credential("platform-batcher-4", signer.UsageSubmitter))
	for _, der := range [][]byte{aliceDER, cred2.Cert, asCred.Cert, cred4.Cert} {
		w.certs = append(w.certs, s.AddTx(get(s.Sub.Build(&chain.CertIssued{Cert: der}, nil)), false))
	}
	doc := []byte("%PDF-1.4\n% a contract signed through a batch\n%%EOF\n")
	// The intent comes first: its verified_at is just before its block.
	intent := get(s.Intent(w.contract, alice))
	created := conformance.Contract(w.contract, doc, alice.Cert)
	signed := &chain.ContractSigned{Contract: w.contract, DocSM3: created.DocSM3}
	w.batchA, _ = addBatch(t, s, "platform", s.Sub,
		[]chain.Body{created, intent, signed, &chain.ContractCompleted{Contract: w.contract}},
		[]*client.Actor{nil, alice, alice, nil})

	var certBodies []chain.Body
	for _, n := range []string{"bob", "carol", "dave"} {
		_, der := get2(s.Signer(n))
		certBodies = append(certBodies, &chain.CertIssued{Cert: der})
	}
	var recsB []*chain.Tx
	w.batchB, recsB = addBatch(t, s, "platform", cred2, certBodies, nil)

	one := func(cred *client.Submitter, name string) uint64 {
		_, der := get2(s.Signer(name))
		idx, _ := addBatch(t, s, "platform", cred, []chain.Body{&chain.CertIssued{Cert: der}}, nil)
		return idx[0]
	}
	w.otherOrg = one(s.Other, "erin")
	w.noUsage = one(asCred, "frank")
	w.notInBundl = one(cred4, "grace")

	forge := func(edit func(tx *chain.Tx)) uint64 {
		tx := get(chain.DecodeRecord(recsB[0].Encode()))
		bp := *tx.Batched
		bp.Path = append([][]byte(nil), bp.Path...)
		tx.Batched = &bp
		edit(tx)
		raw := tx.Encode()
		if _, err := chain.DecodeRecord(raw); err != nil {
			t.Fatalf("forged record does not decode: %v", err)
		}
		return s.AddTx(raw, false)
	}
	w.sibling = forge(func(tx *chain.Tx) { tx.Batched.Path[1] = flip(tx.Batched.Path[1], 7) })
	w.index = forge(func(tx *chain.Tx) { tx.Batched.Index = 1 })
	w.size = forge(func(tx *chain.Tx) { tx.Batched.Size = 4 })
	w.sig = forge(func(tx *chain.Tx) { tx.Envelope.Sig = flip(tx.Envelope.Sig, len(tx.Envelope.Sig)/2) })
	return w
}

func get2[A, B any](a A, b B, err error) (A, B) {
	if err != nil {
		panic(err)
	}
	return a, b
}

// honest is the bundle of the contract and the credentials' records: the
// four standalone cert_issued and batches A and B.
func (w *batchWorld) honest(t testing.TB) *evidence.Bundle {
	idx := append(append(append([]uint64(nil), w.certs...), w.batchA...), w.batchB...)
	return get(w.s.Bundle(evidence.Subject{ContractID: w.contract}, idx))
}

// with is the bundle of the standalone cert_issued records and extra.
func (w *batchWorld) with(t testing.TB, extra ...uint64) *evidence.Bundle {
	idx := append(append([]uint64(nil), w.certs...), extra...)
	return get(w.s.Bundle(evidence.Subject{ContractID: w.contract}, idx))
}

// TestVerifyBatchedRecord: batched records verify offline on their own
// leaves (path to root, envelope by a credential the bundle shows
// registered), and the result says where each sits in its batch.
func TestVerifyBatchedRecord(t *testing.T) {
	w := newBatchWorld(t)
	res := w.v.Verify(w.honest(t), nil)
	if !res.OK {
		for _, c := range res.Checks {
			if !c.OK {
				t.Logf("%s: %s", c.Name, c.Detail)
			}
		}
		t.Fatalf("honest bundle of batched records fails: %v", res.Failed())
	}
	batched := 0
	for _, ri := range res.Records {
		if ri.Batch == nil {
			continue
		}
		batched++
		want := evidence.RegisteredAtGenesis
		if ri.Index >= w.batchB[0] {
			want = evidence.RegisteredByCertIssued
		}
		if ri.Batch.Registration != want || len(ri.Batch.Root) != 64 || ri.Batch.Index >= ri.Batch.Size {
			t.Errorf("record %d: batch %+v, want registration %s", ri.Index, *ri.Batch, want)
		}
		if want == evidence.RegisteredByCertIssued && ri.Batch.RegisteredIn != w.certs[1] {
			t.Errorf("record %d: credential registered in %d, want %d", ri.Index, ri.Batch.RegisteredIn, w.certs[1])
		}
	}
	if batched != len(w.batchA)+len(w.batchB) {
		t.Fatalf("%d records show a batch, want %d", batched, len(w.batchA)+len(w.batchB))
	}
	// Every record of a batch shows the same root, and the record hash is
	// the item's.
	if res.Records[w.batchA[0]].Batch.Root != res.Records[w.batchA[3]].Batch.Root {
		t.Error("records of one batch show different roots")
	}
}

// TestVerifyBatchedTampered: each forgery of a batched record, and each
// credential the bundle does not show registered to the envelope's
// organisation with the submitter usage, fails the record's signatures
// check, naming the field.
func TestVerifyBatchedTampered(t *testing.T) {
	w := newBatchWorld(t)
	for _, tt := range []struct {
		name   string
		bundle *evidence.Bundle
		rec    uint64
		want   string
	}{
		{"sibling path element", w.with(t, w.sibling), w.sibling, "batch.path"},
		{"index", w.with(t, w.index), w.index, "batch.index 1"},
		{"size", w.with(t, w.size), w.size, "batch.size 4"},
		{"envelope signature", w.with(t, w.sig), w.sig, "batch.sig"},
		{"credential of another organisation", w.with(t, w.otherOrg), w.otherOrg, `organisation "other"'s genesis credential`},
		{"credential without the submitter usage", w.with(t, w.noUsage), w.noUsage, "lacks usage submitter"},
		{"credential not in the bundle", get(w.s.Bundle(evidence.Subject{ContractID: w.contract}, append(append([]uint64(nil), w.certs[:3]...), w.notInBundl))),
			w.notInBundl, "does not show this credential's registration"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := w.v.Verify(tt.bundle, nil)
			name := "record[" + itoa(tt.rec) + "].signatures"
			d := detail(res, name)
			if res.OK || !strings.Contains(strings.Join(res.Failed(), " "), name) {
				t.Fatalf("%s passed (failed: %v)", name, res.Failed())
			}
			if !strings.Contains(d, tt.want) {
				t.Errorf("%s: %q does not name %q", name, d, tt.want)
			}
			for _, ri := range res.Records {
				if ri.Index == tt.rec {
					t.Errorf("the failed record %d is listed as verified", ri.Index)
				}
			}
		})
	}
	// Unforged, the same bundles pass: the forgery is what fails.
	t.Run("control", func(t *testing.T) {
		if res := w.v.Verify(w.with(t, w.batchB[0]), nil); slices.Contains(res.Failed(), "record["+itoa(w.batchB[0])+"].signatures") {
			t.Fatalf("the unforged record fails: %s", detail(res, "record["+itoa(w.batchB[0])+"].signatures"))
		}
		if res := w.v.Verify(w.with(t, w.notInBundl), nil); slices.Contains(res.Failed(), "record["+itoa(w.notInBundl)+"].signatures") {
			t.Fatalf("cred4's record fails with its registration in the bundle: %s", detail(res, "record["+itoa(w.notInBundl)+"].signatures"))
		}
	})
}

func itoa(i uint64) string { return strconv.FormatUint(i, 10) }

// TestVerifyBatchedGovernanceCredential: a credential that a passed
// register_credentials proposal registered verifies a batch when the
// proposal and the votes that passed it are in the bundle, not before it
// passed, and its later revocation stops it.
func TestVerifyBatchedGovernanceCredential(t *testing.T) {
	s := get(conformance.NewSynth(conformance.ChainID))
	v := get(evidence.NewVerifier(get(evidence.ParseTrust(s.Genesis()))))
	cred := get(s.Credential("platform-governed", signer.UsageSubmitter))
	batchOf := func(name string) uint64 {
		_, der := get2(s.Signer(name))
		idx, _ := addBatch(t, s, "platform", cred, []chain.Body{&chain.CertIssued{Cert: der}}, nil)
		return idx[0]
	}
	early := batchOf("early") // before the proposal passed
	proposal := s.AddTx(get(s.Sub.Build(&chain.Proposal{ID: "creds-1", Kind: chain.ProposalRegisterCredentials, Expires: 1 << 40, Credentials: [][]byte{cred.Cert}}, nil)), false)
	vote := s.AddTx(get(s.Other.Build(&chain.Vote{Proposal: "creds-1", Choice: chain.VoteYes}, nil)), false)
	ok := batchOf("ok")
	revoke := s.AddTx(get(s.Sub.Build(&chain.CertRevoked{Cert: chain.FingerprintOf(cred.Cert), Reason: chain.ReasonKeyCompromise}, nil)), false)
	late := batchOf("late")

	check := func(name string, idx []uint64, rec uint64, wantOK bool, want string) {
		t.Run(name, func(t *testing.T) {
			res := v.Verify(get(s.Bundle(evidence.Subject{Cert: chain.FingerprintOf(cred.Cert).String()}, idx)), nil)
			check := "record[" + itoa(rec) + "].signatures"
			d := detail(res, check)
			if failed := slices.Contains(res.Failed(), check); failed == wantOK {
				t.Fatalf("%s failed=%v, want ok=%v: %s", check, failed, wantOK, d)
			}
			if !strings.Contains(d, want) {
				t.Errorf("%s: %q does not say %q", check, d, want)
			}
		})
	}
	check("passed before the record", []uint64{proposal, vote, ok}, ok, true, "register_credentials proposal passed in record "+itoa(vote))
	check("votes not in the bundle", []uint64{proposal, ok}, ok, false, "does not show this credential's registration")
	check("record before the proposal passed", []uint64{early, proposal, vote}, early, false, "does not show this credential's registration")
	check("revoked before the record", []uint64{proposal, vote, revoke, late}, late, false, "revoked")
}

// TestVerifyBatchedReplay: under rules version 2 (shown by a batched record
// at or below the height) one signed item lands once, in either form: a
// batched record whose item a standalone tx already carried fails as a
// replay. Before any batched record the standalone tx was keyed by its
// bytes only (rules version 1), so the same item may come again batched.
func TestVerifyBatchedReplay(t *testing.T) {
	s := get(conformance.NewSynth(conformance.ChainID))
	v := get(evidence.NewVerifier(get(evidence.ParseTrust(s.Genesis()))))
	// A sent contract: reminders to its unsigned party may repeat.
	alice, aliceDER := get2(s.Signer("alice"))
	const contract = "reminded-contract"
	var setup []uint64
	for _, b := range []chain.Body{&chain.CertIssued{Cert: aliceDER}, conformance.Contract(contract, []byte("doc"), alice.Cert), &chain.ContractSent{Contract: contract}} {
		setup = append(setup, s.AddTx(get(s.Sub.Build(b, nil)), false))
	}
	standalone := func() (uint64, *chain.Tx) {
		raw := get(s.Sub.Build(&chain.ContractReminded{Contract: contract, Party: alice.Cert}, nil))
		item := get(chain.DecodeTx(raw))
		item.Envelope = chain.Envelope{}
		return s.AddTx(raw, false), item
	}
	batchOf := func(item *chain.Tx) uint64 {
		b := get(chain.NewBatch(conformance.ChainID, "platform", chain.FingerprintOf(s.Sub.Cert), []*chain.Tx{item}, func(m []byte) ([]byte, error) {
			return s.Sub.Key.Sign(nil, m)
		}))
		return s.AddTx(b.Records()[0].Encode(), false)
	}
	before, beforeItem := standalone() // rules 1: keyed by its bytes
	again := batchOf(beforeItem)       // the first batched record: rules 2 from here
	after, afterItem := standalone()   // rules 2: keyed by its bytes and its item
	replay := batchOf(afterItem)

	res := v.Verify(get(s.Bundle(evidence.Subject{ContractID: contract}, append(setup, before, again, after, replay))), nil)
	name := func(i uint64) string { return "record[" + itoa(i) + "].signatures" }
	if slices.Contains(res.Failed(), name(again)) {
		t.Errorf("the item of a rules-1 standalone tx, batched under rules 2, fails: %s", detail(res, name(again)))
	}
	if !slices.Contains(res.Failed(), name(replay)) || !strings.Contains(detail(res, name(replay)), "already committed") {
		t.Errorf("the item of a rules-2 standalone tx, batched again: failed %v, %s", res.Failed(), detail(res, name(replay)))
	}
}

// TestVerifyBatchedEveryByte: a batched record with any one bit of its
// transaction flipped, in a leaf under a checkpoint the validators signed
// (a forger's chain), fails its decode or signatures check: every byte of
// the batched form is bound by the encoding, the root or the signature.
func TestVerifyBatchedEveryByte(t *testing.T) {
	w := newBatchWorld(t)
	leaf := get(w.s.Bundle(evidence.Subject{ContractID: w.contract}, []uint64{w.batchB[0]})).Records[0].Leaf
	en := get(chain.DecodeEntry(leaf))
	var mutants []uint64
	for i := range en.Tx {
		mutants = append(mutants, w.s.AddTx(flip(en.Tx, i), false))
	}
	// One bundle holds them all (checks are per record), except that
	// mutants keeping the item share its replay key: each that fails only
	// as a replay is verified again in a bundle of its own.
	res := w.v.Verify(w.with(t, mutants...), nil)
	failed := res.Failed()
	alone := 0
	for i, m := range mutants {
		name := "record[" + itoa(m) + "]."
		if strings.Contains(detail(res, name+"signatures"), "already committed") {
			alone++
			r := w.v.Verify(w.with(t, m), nil)
			if !slices.Contains(r.Failed(), name+"signatures") {
				t.Errorf("byte %d of the batched tx flipped: the record verifies", i)
			}
			continue
		}
		if !slices.Contains(failed, name+"decode") && !slices.Contains(failed, name+"signatures") {
			t.Errorf("byte %d of the batched tx flipped: the record verifies", i)
		}
	}
	t.Logf("%d verified alone", alone)
	t.Logf("%d mutants", len(mutants))
}

// TestVerifyBatchedReplayGenesisV2: on a chain whose genesis starts at
// rules version 2, a standalone record is keyed by its item from the first
// block, before any batched record: the same item batched later fails.
func TestVerifyBatchedReplayGenesisV2(t *testing.T) {
	s := get(conformance.NewSynth(conformance.ChainID))
	alice, aliceDER := get2(s.Signer("alice"))
	const contract = "reminded-contract"
	var setup []uint64
	for _, b := range []chain.Body{&chain.CertIssued{Cert: aliceDER}, conformance.Contract(contract, []byte("doc"), alice.Cert), &chain.ContractSent{Contract: contract}} {
		setup = append(setup, s.AddTx(get(s.Sub.Build(b, nil)), false))
	}
	raw := get(s.Sub.Build(&chain.ContractReminded{Contract: contract, Party: alice.Cert}, nil))
	item := get(chain.DecodeTx(raw))
	item.Envelope = chain.Envelope{}
	first := s.AddTx(raw, false)
	b := get(chain.NewBatch(conformance.ChainID, "platform", chain.FingerprintOf(s.Sub.Cert), []*chain.Tx{item}, func(m []byte) ([]byte, error) {
		return s.Sub.Key.Sign(nil, m)
	}))
	replay := s.AddTx(b.Records()[0].Encode(), false)
	bundle := get(s.Bundle(evidence.Subject{ContractID: contract}, append(setup, first, replay)))
	name := "record[" + itoa(replay) + "].signatures"
	for _, c := range []struct {
		version uint32
		fails   bool
	}{{0, false}, {chain.BatchRulesVersion, true}} {
		trust := get(evidence.ParseTrust(s.Genesis()))
		trust.RulesVersion = c.version
		res := get(evidence.NewVerifier(trust)).Verify(bundle, nil)
		if got := slices.Contains(res.Failed(), name); got != c.fails {
			t.Errorf("genesis rules_version %d: replay fails %v, want %v (%s)", c.version, got, c.fails, detail(res, name))
		}
	}
}

// TestVerifyBatchedCredentialSameBatch: a credential registered by a record
// of the very batch it signs never signed it on the chain (the chain
// resolves a batch's credential before its records run): offline, that
// batch's records fail, and the same credential signing a later batch passes.
func TestVerifyBatchedCredentialSameBatch(t *testing.T) {
	s := get(conformance.NewSynth(conformance.ChainID))
	v := get(evidence.NewVerifier(get(evidence.ParseTrust(s.Genesis()))))
	cred := get(s.Credential("platform-self", signer.UsageSubmitter))
	_, hankDER := get2(s.Signer("hank"))
	_, ivyDER := get2(s.Signer("ivy"))
	// The credential's own cert_issued rides in the batch it signs (the
	// item is built by the genesis submitter; any item will do).
	self := get(s.Sub.BuildItem(&chain.CertIssued{Cert: cred.Cert}, nil))
	other := get(cred.BuildItem(&chain.CertIssued{Cert: hankDER}, nil))
	b := get(chain.NewBatch(conformance.ChainID, "platform", chain.FingerprintOf(cred.Cert), []*chain.Tx{self, other}, func(m []byte) ([]byte, error) {
		return cred.Key.Sign(nil, m)
	}))
	recs := b.Records()
	first := s.AddTx(recs[0].Encode(), false)
	second := s.AddBatchRecord(recs[1].Encode())
	later, _ := addBatch(t, s, "platform", cred, []chain.Body{&chain.CertIssued{Cert: ivyDER}}, nil)
	res := v.Verify(get(s.Bundle(evidence.Subject{Cert: chain.FingerprintOf(hankDER).String()}, []uint64{first, second, later[0]})), nil)
	for _, i := range []uint64{first, second} {
		name := "record[" + itoa(i) + "].signatures"
		if !slices.Contains(res.Failed(), name) || !strings.Contains(detail(res, name), "in this record's batch") {
			t.Errorf("%s: failed %v, detail %q", name, res.Failed(), detail(res, name))
		}
	}
	if name := "record[" + itoa(later[0]) + "].signatures"; slices.Contains(res.Failed(), name) {
		t.Errorf("the later batch fails: %s", detail(res, name))
	}
}
