package conformance

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/emmansun/gmsm/sm3"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/chain/merklelog"
	"github.com/sealchain/sealchain/evidence"
	"github.com/sealchain/sealchain/signer"
)

// Expect is a vector's expect.json.
type Expect struct {
	Description string `json:"description"`
	Valid       bool   `json:"valid"`
	// FailedCheck is a check that must fail (others may fail too).
	FailedCheck string `json:"failed_check,omitempty"`
	// TrustedLog, when set, is a log the verifier already trusts: the
	// bundle must prove its log extends it.
	TrustedLog *TrustedLog `json:"trusted_log,omitempty"`
}

// TrustedLog is a log size and its root (hex).
type TrustedLog struct {
	Size uint64 `json:"size"`
	Root string `json:"root"`
}

// vector is one case directory.
type vector struct {
	name    string
	bundle  *evidence.Bundle
	raw     []byte // bundle bytes as they are, when bundle is nil
	genesis []byte
	file    []byte
	expect  Expect
}

// ChainID is the chain id of the synthetic vectors.
const ChainID = "sealchain-conformance"

// Generate writes every vector under out (one directory per case, replacing
// what is there). fixture is evidence/testdata: its real-node bundle becomes
// vectors too.
func Generate(out, fixture string) error {
	vs, err := vectors(fixture)
	if err != nil {
		return err
	}
	if err := os.RemoveAll(out); err != nil {
		return err
	}
	for _, v := range vs {
		if err := writeVector(out, v); err != nil {
			return err
		}
	}
	return nil
}

// writeVector writes v's directory under out.
func writeVector(out string, v vector) error {
	dir := filepath.Join(out, v.name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	raw := v.raw
	if v.bundle != nil {
		var err error
		if raw, err = v.bundle.Encode(); err != nil {
			return err
		}
	}
	ex, err := json.MarshalIndent(v.expect, "", "  ")
	if err != nil {
		return err
	}
	files := map[string][]byte{"bundle.json": append(raw, '\n'), "genesis.json": v.genesis, "expect.json": append(ex, '\n')}
	if v.file != nil {
		files["file"] = v.file
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

func valid(desc string) Expect { return Expect{Description: desc, Valid: true} }
func invalid(check, desc string) Expect {
	return Expect{Description: desc, FailedCheck: check}
}

func vectors(fixture string) ([]vector, error) {
	w, err := newWorld(ChainID, 4)
	if err != nil {
		return nil, err
	}
	var parties []*party
	for _, name := range []string{"alice", "bob", "carol"} {
		p, err := w.newParty(name, signer.UsageSigner)
		if err != nil {
			return nil, err
		}
		parties = append(parties, p)
	}
	alice, bob, carol := parties[0], parties[1], parties[2]
	doc := []byte("%PDF-1.4\n% Sealchain conformance vector: a two-party contract.\n%%EOF\n")
	d3 := sm3.Sum(doc)
	docHash := hex.EncodeToString(d3[:])
	const contract = "conformance-contract-1"

	// The main log: three certificates, then a completed sequential
	// contract between alice and bob (records 0..8).
	type step func(l *log) error
	certs := func(l *log) error {
		for _, p := range parties {
			if _, err := l.add(&chain.CertIssued{Cert: p.der}, nil); err != nil {
				return err
			}
		}
		return nil
	}
	created := func(l *log) error {
		_, err := l.add(contractCreated(contract, doc, alice, bob), nil)
		return err
	}
	sign := func(p *party, verifier *party) step {
		return func(l *log) error {
			if _, err := l.intent(contract, p, verifier); err != nil {
				return err
			}
			_, err := l.add(&chain.ContractSigned{Contract: contract, DocSM3: d3[:]}, p)
			return err
		}
	}
	completed := func(l *log) error {
		_, err := l.add(&chain.ContractCompleted{Contract: contract}, nil)
		return err
	}
	build := func(steps ...step) (*log, error) {
		l := &log{w: w}
		for _, s := range steps {
			if err := s(l); err != nil {
				return nil, err
			}
		}
		return l, nil
	}
	main, err := build(certs, created, sign(alice, w.verifiers[0]), sign(bob, w.verifiers[0]), completed)
	if err != nil {
		return nil, err
	}
	contractIdx := []uint64{0, 1, 3, 4, 5, 6, 7, 8}
	docSubject := evidence.Subject{DocHash: docHash}
	full, err := main.bundle(docSubject, contractIdx, checkpointOpts{})
	if err != nil {
		return nil, err
	}
	var vs []vector
	add := func(name string, b *evidence.Bundle, file []byte, e Expect) {
		vs = append(vs, vector{name: name, bundle: b, genesis: w.genesis, file: file, expect: e})
	}
	edit := func(f func(b *evidence.Bundle)) *evidence.Bundle {
		raw, _ := full.Encode()
		b, _ := evidence.DecodeBundle(raw)
		f(b)
		return b
	}

	single, err := main.bundle(evidence.Subject{Cert: carol.fp.String()}, []uint64{2}, checkpointOpts{})
	if err != nil {
		return nil, err
	}
	add("valid-single-record", single, nil, valid("one cert_issued record, subject its certificate"))
	add("valid-multi-record", full, doc, valid("a completed two-party contract (8 records), subject the document's SM3, with the document"))
	add("valid-contract-subject", edit(func(b *evidence.Bundle) { b.Subject = evidence.Subject{ContractID: contract} }), nil,
		valid("the same records, subject the contract id"))
	three, err := main.bundle(docSubject, contractIdx, checkpointOpts{signers: 3})
	if err != nil {
		return nil, err
	}
	add("valid-commit-3-of-4", three, nil, valid("the checkpoint commit carries 3 of 4 equal-power signatures (more than 2/3)"))
	add("bad-leaf-hash", edit(func(b *evidence.Bundle) { l := b.Records[4].Leaf; l[len(l)-1] ^= 1 }), nil,
		invalid("record[5].inclusion", "one byte of record 5's leaf changed: its hash is not the one the proof leads from"))
	add("bad-inclusion-proof", edit(func(b *evidence.Bundle) { b.Records[4].Proof[0][0] ^= 1 }), nil,
		invalid("record[5].inclusion", "one hash of record 5's inclusion proof changed"))
	wrongApp, err := main.bundle(docSubject, contractIdx, checkpointOpts{appHash: bytes.Repeat([]byte{0xA5}, 32)})
	if err != nil {
		return nil, err
	}
	add("wrong-app-hash", wrongApp, nil, invalid("app_hash", "the validators signed a header whose app hash is not AppHash(log size, log root, state root)"))
	add("wrong-state-root", edit(func(b *evidence.Bundle) { b.Checkpoint.StateRoot[0] ^= 1 }), nil,
		invalid("app_hash", "checkpoint.state_root changed: the signed app hash no longer matches"))
	half, err := main.bundle(docSubject, contractIdx, checkpointOpts{signers: 2})
	if err != nil {
		return nil, err
	}
	bad, err := main.bundle(docSubject, contractIdx, checkpointOpts{corrupt: true})
	if err != nil {
		return nil, err
	}
	add("commit-bad-extra-signature", bad, nil, invalid("checkpoint", "all 4 validators' signatures are in the commit and one is invalid: the other 3 are enough power, but no signature may be invalid"))
	add("commit-insufficient-power", half, nil, invalid("checkpoint", "the checkpoint commit carries 2 of 4 equal-power signatures (not more than 2/3)"))
	add("checkpoint-height-changed", edit(func(b *evidence.Bundle) { b.Checkpoint.Height++ }), nil,
		invalid("checkpoint", "checkpoint.height no longer names the signed header's height minus one"))
	other, err := newWorld(ChainID, 4)
	if err != nil {
		return nil, err
	}
	otherGenesis, err := w.genesisDoc(other.valSet)
	if err != nil {
		return nil, err
	}
	hop, err := main.bundle(docSubject, contractIdx, checkpointOpts{hopTo: other, hopAt: 3})
	if err != nil {
		return nil, err
	}
	add("valid-validator-hop", hop, nil, valid("the genesis validators hand over to another set at height 3 (a validator hop); the new set signs the checkpoint"))
	add("validator-hop-missing", edit(func(b *evidence.Bundle) {
		b.Checkpoint.SignedHeader, b.Checkpoint.ValidatorSet = hop.Checkpoint.SignedHeader, hop.Checkpoint.ValidatorSet
	}), nil, invalid("checkpoint", "the checkpoint is signed by a later validator set, and the bundle lacks the hop to it"))
	vs = append(vs, vector{name: "wrong-genesis", bundle: full, genesis: otherGenesis,
		expect: invalid("checkpoint", "a valid bundle checked against a genesis with the same chain id and organisations but other validators")})
	add("subject-mismatch", edit(func(b *evidence.Bundle) { b.Subject.DocHash = hex.EncodeToString(bytes.Repeat([]byte{0x5a}, 32)) }), nil,
		invalid("subject", "subject.doc_hash names a document no record binds"))
	add("subject-not-canonical", edit(func(b *evidence.Bundle) { b.Subject.DocHash = "0x" + docHash }), nil,
		invalid("subject", "subject.doc_hash spelled with a 0x prefix: hashes are lower-case hex, 64 digits"))
	add("file-mismatch", full, []byte("%PDF-1.4\n% another document\n"), invalid("file", "the file given is not a document any record names"))
	add("missing-contract-created", edit(func(b *evidence.Bundle) { b.Records = append(b.Records[:2:2], b.Records[3:]...) }), nil,
		invalid("record[4].contract", "the contract's records without its contract_created record"))
	add("missing-first-signature", edit(func(b *evidence.Bundle) { b.Records = append(b.Records[:4:4], b.Records[5:]...) }), nil,
		invalid("record[7].contract", "a sequential contract: the second party's signature without the first's"))

	// Consistency: the bundle proves its log extends the log of size 4.
	h := merklelog.SM3()
	since := edit(func(b *evidence.Bundle) {
		b.Subject.SinceSize = 4
		b.Consistency = &evidence.Consistency{FromSize: 4, Proof: consistency(h, 4, main.leaves)}
	})
	root4 := hex.EncodeToString(mth(h, main.leaves[:4]))
	e := valid("a consistency proof from the trusted log of size 4 to the checkpoint's log")
	e.TrustedLog = &TrustedLog{Size: 4, Root: root4}
	add("valid-consistency", since, nil, e)
	e = invalid("consistency", "the consistency proof does not lead from the trusted root of size 4 (the verifier trusts another root)")
	e.TrustedLog = &TrustedLog{Size: 4, Root: hex.EncodeToString(mth(h, main.leaves[1:5]))}
	add("consistency-mismatch", since, nil, e)
	e = invalid("consistency", "the verifier trusts a log of size 4, and the bundle carries no consistency proof")
	e.TrustedLog = &TrustedLog{Size: 4, Root: root4}
	add("consistency-missing", full, nil, e)

	// Forged logs: records the chain's rules refuse, in a log the
	// validators signed.
	forge := func(i uint64, f func(tx *chain.Tx)) step {
		return func(l *log) error {
			tx, err := chain.DecodeRecord(l.w.mustTxOf(l, i))
			if err != nil {
				return err
			}
			f(tx)
			l.leaves[i] = entryWithTx(l, i, tx.Encode())
			return nil
		}
	}
	tamperedSig, err := build(certs, created, sign(alice, w.verifiers[0]), forge(5, func(tx *chain.Tx) { tx.Actor.Sig[len(tx.Actor.Sig)/2] ^= 1 }),
		sign(bob, w.verifiers[0]), completed)
	if err != nil {
		return nil, err
	}
	if err := addForged(&vs, w, "tampered-signature", tamperedSig, docSubject, contractIdx,
		invalid("record[5].signatures", "alice's signature on record 5 altered before the record was logged")); err != nil {
		return nil, err
	}
	tamperedBody, err := build(certs, created, sign(alice, w.verifiers[0]),
		forge(4, func(tx *chain.Tx) { tx.Body.(*chain.IntentVerified).ChallengeHash[0] ^= 1 }), sign(bob, w.verifiers[0]), completed)
	if err != nil {
		return nil, err
	}
	if err := addForged(&vs, w, "tampered-record-body", tamperedBody, docSubject, contractIdx,
		invalid("record[4].signatures", "a body field (challenge_hash) of record 4 changed after it was signed")); err != nil {
		return nil, err
	}
	rogue, err := build(certs, created, sign(alice, w.verifiers[1]), sign(bob, w.verifiers[0]), completed)
	if err != nil {
		return nil, err
	}
	if err := addForged(&vs, w, "unregistered-intent-verifier", rogue, docSubject, contractIdx,
		invalid("record[4].verifier", "alice's intent attestation is signed by a verifier certificate of the org's CA that the genesis does not register")); err != nil {
		return nil, err
	}
	register := func(l *log) error {
		_, err := l.add(&chain.Proposal{ID: "register-rogue-otp", Kind: chain.ProposalRegisterVerifier, VerifierCert: w.verifiers[1].der}, nil)
		return err
	}
	governed, err := build(certs, register, created, sign(alice, w.verifiers[1]), sign(bob, w.verifiers[0]), completed)
	if err != nil {
		return nil, err
	}
	if err := addForged(&vs, w, "valid-verifier-by-governance", governed, docSubject, []uint64{0, 1, 3, 4, 5, 6, 7, 8, 9},
		valid("alice's intent verifier is not in the genesis; the bundle carries the register_verifier proposal (record 3) that passed by the only organisation's weight")); err != nil {
		return nil, err
	}
	if err := addForged(&vs, w, "verifier-proposal-missing", governed, docSubject, []uint64{0, 1, 4, 5, 6, 7, 8, 9},
		invalid("record[5].verifier", "as valid-verifier-by-governance, without the proposal record")); err != nil {
		return nil, err
	}
	// A vote on the proposal by an organisation that governance added
	// after the genesis: a verifier that knows only the genesis CAs cannot
	// check its envelope, so it ignores the vote rather than failing it.
	outsider, err := w.outsider("newco")
	if err != nil {
		return nil, err
	}
	outsiderVote := func(l *log) error {
		tx, err := outsider.Build(&chain.Vote{Proposal: "register-rogue-otp", Choice: chain.VoteYes}, nil)
		if err != nil {
			return err
		}
		l.addTx(tx)
		return nil
	}
	votedByOutsider, err := build(certs, register, outsiderVote, created, sign(alice, w.verifiers[1]), sign(bob, w.verifiers[0]), completed)
	if err != nil {
		return nil, err
	}
	if err := addForged(&vs, w, "valid-verifier-vote-by-added-org", votedByOutsider, docSubject, []uint64{0, 1, 3, 4, 5, 6, 7, 8, 9, 10},
		valid("as valid-verifier-by-governance, with a yes vote (record 4) by org newco, which the genesis does not know: the vote is ignored, not failed")); err != nil {
		return nil, err
	}
	registeredLate, err := build(certs, created, sign(alice, w.verifiers[1]), register, sign(bob, w.verifiers[0]), completed)
	if err != nil {
		return nil, err
	}
	if err := addForged(&vs, w, "verifier-registered-after-use", registeredLate, docSubject, []uint64{0, 1, 3, 4, 5, 6, 7, 8, 9},
		invalid("record[4].verifier", "the register_verifier proposal (record 6) comes after the attestation it would cover (record 4)")); err != nil {
		return nil, err
	}
	revoked, err := build(certs, created, func(l *log) error {
		_, err := l.add(&chain.CertRevoked{Cert: alice.fp, Reason: chain.ReasonKeyCompromise}, nil)
		return err
	}, sign(alice, w.verifiers[0]))
	if err != nil {
		return nil, err
	}
	if err := addForged(&vs, w, "revoked-cert-use", revoked, docSubject, []uint64{0, 1, 3, 4, 5, 6},
		invalid("record[6].signatures", "alice signs after her certificate's revocation (record 4)")); err != nil {
		return nil, err
	}

	// A renewal chain: the main contract renewed by a second, itself
	// renewed by a third. A renewal is indexed under the contract it
	// renews but belongs to the new one, so every bundle that holds it
	// holds both contracts' contract_created records.
	renew := func(id, prev string, body string) step {
		return func(l *log) error {
			if _, err := l.add(contractCreated(id, []byte(body), alice, bob), nil); err != nil {
				return err
			}
			_, err := l.add(&chain.ContractRenewed{Contract: id, Previous: prev}, nil)
			return err
		}
	}
	renewed, err := build(certs, created, sign(alice, w.verifiers[0]), sign(bob, w.verifiers[0]), completed,
		renew("conformance-contract-2", contract, "%PDF-1.4\n% renewal 1\n%%EOF\n"),
		renew("conformance-contract-3", "conformance-contract-2", "%PDF-1.4\n% renewal 2\n%%EOF\n"))
	if err != nil {
		return nil, err
	}
	chainIdx := []uint64{0, 1, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}
	for _, r := range []struct {
		name string
		s    evidence.Subject
		desc string
	}{
		{"valid-renewal-doc-subject", docSubject, "the main contract renewed twice (records 9-12), subject the first contract's document"},
		{"valid-renewal-contract-subject", evidence.Subject{ContractID: contract}, "the renewal chain, subject the first contract's id"},
		{"valid-renewal-cert-subject", evidence.Subject{Cert: alice.fp.String()}, "the renewal chain, subject alice's certificate"},
	} {
		if err := addForged(&vs, w, r.name, renewed, r.s, chainIdx, valid(r.desc+"; every renewal's two contracts are created in the bundle")); err != nil {
			return nil, err
		}
	}
	if err := addForged(&vs, w, "renewal-new-contract-missing", renewed, docSubject, []uint64{0, 1, 3, 4, 5, 6, 7, 8, 10},
		invalid("record[10].contract", "the first contract's timeline holds its renewal (record 10), but not the new contract's contract_created (record 9)")); err != nil {
		return nil, err
	}
	if err := addForged(&vs, w, "renewal-previous-missing", renewed, evidence.Subject{ContractID: "conformance-contract-3"}, []uint64{11, 12},
		invalid("record[12].contract", "the third contract's records without the contract_created of the contract it renews")); err != nil {
		return nil, err
	}

	// Revocation and signature in one block: the log order decides.
	revoke := func(l *log) error {
		_, err := l.add(&chain.CertRevoked{Cert: alice.fp, Reason: chain.ReasonKeyCompromise}, nil)
		return err
	}
	join := func(l *log) error { l.sameBlock = true; return nil }
	later, err := build(certs, created, sign(alice, w.verifiers[0]), join, revoke)
	if err != nil {
		return nil, err
	}
	if err := addForged(&vs, w, "valid-revoked-later-in-block", later, docSubject, []uint64{0, 1, 3, 4, 5, 6},
		valid("alice's certificate is revoked in the block of her signature, after it (log index 6 > 5): the signature holds")); err != nil {
		return nil, err
	}
	earlier, err := build(certs, created, func(l *log) error {
		_, err := l.intent(contract, alice, w.verifiers[0])
		return err
	}, revoke, join, func(l *log) error {
		_, err := l.add(&chain.ContractSigned{Contract: contract, DocSM3: d3[:]}, alice)
		return err
	})
	if err != nil {
		return nil, err
	}
	if err := addForged(&vs, w, "revoked-earlier-in-block", earlier, docSubject, []uint64{0, 1, 3, 4, 5, 6},
		invalid("record[6].signatures", "alice signs in the block of her certificate's revocation, after it (log index 6 > 5)")); err != nil {
		return nil, err
	}

	// The real node's bundle (evidence/testdata): as it is, and with the
	// subject edited as in the audit.
	raw, err := os.ReadFile(filepath.Join(fixture, "bundle.json"))
	if err != nil {
		return nil, err
	}
	gen, err := os.ReadFile(filepath.Join(fixture, "genesis.json"))
	if err != nil {
		return nil, err
	}
	file, err := os.ReadFile(filepath.Join(fixture, "contract.pdf"))
	if err != nil {
		return nil, err
	}
	vs = append(vs, vector{name: "valid-node-bundle", raw: raw, genesis: gen, file: file,
		expect: valid("a bundle from a real single-node network: 12 records of 9 types, a personal seal, a revocation after signing")})
	var tree map[string]any
	if err := json.Unmarshal(raw, &tree); err != nil {
		return nil, err
	}
	tree["subject"].(map[string]any)["doc_hash"] = hex.EncodeToString(bytes.Repeat([]byte{0x11}, 32))
	edited, err := json.MarshalIndent(tree, "", "  ")
	if err != nil {
		return nil, err
	}
	vs = append(vs, vector{name: "node-bundle-subject-edited", raw: edited, genesis: gen,
		expect: invalid("subject", "the real node's bundle with subject.doc_hash edited (issue #12 item 10)")})
	bvs, err := batchedVectors()
	if err != nil {
		return nil, err
	}
	return append(vs, bvs...), nil
}

func addForged(vs *[]vector, w *world, name string, l *log, s evidence.Subject, idx []uint64, e Expect) error {
	b, err := l.bundle(s, idx, checkpointOpts{})
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	*vs = append(*vs, vector{name: name, bundle: b, genesis: w.genesis, expect: e})
	return nil
}

func contractCreated(id string, doc []byte, parties ...*party) *chain.ContractCreated {
	d3 := sm3.Sum(doc)
	d2 := sha256.Sum256(doc)
	b := &chain.ContractCreated{Contract: id, DocSM3: d3[:], DocSHA256: d2[:], Order: chain.OrderSequential}
	for _, p := range parties {
		b.Parties = append(b.Parties, p.fp)
	}
	return b
}

func (w *world) mustTxOf(l *log, i uint64) []byte {
	en, err := chain.DecodeEntry(l.leaves[i])
	if err != nil {
		panic(err) // the log holds only entries it encoded
	}
	return en.Tx
}

func entryWithTx(l *log, i uint64, tx []byte) []byte {
	en, _ := chain.DecodeEntry(l.leaves[i])
	en.Tx = tx
	return en.Encode()
}
