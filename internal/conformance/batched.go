package conformance

import (
	"time"

	"github.com/emmansun/gmsm/sm3"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/client"
	"github.com/sealchain/sealchain/evidence"
	"github.com/sealchain/sealchain/signer"
)

// Synth is a synthetic chain for the evidence tests of batched records
// (evidence/batched_test.go): a genesis whose validator and CA keys it
// holds, with two organisations that each have a genesis API credential,
// a log the test writes leaves into as it likes (honest or forged), and
// bundles over it with a checkpoint the validators sign. A forged leaf is
// then refused by the verifier's record checks, not by the checkpoint.
type Synth struct {
	w *world
	l *log
	// Sub is the platform organisation's genesis credential; Other is the
	// "other" organisation's.
	Sub, Other *client.Submitter
	// Court, Notary and Appraisal are the institutions of NewCaseSynth
	// (nil in NewSynth's).
	Court, Notary, Appraisal *Institution
	// Arbitration is the arbitration commission of NewFilingSynth (nil
	// in the others).
	Arbitration *Institution
}

// Institution is a genesis organisation of a synthetic chain: its CA, which
// issues its staff's certificates, and its genesis API credential.
type Institution struct {
	ID  string
	CA  *signer.CA
	Sub *client.Submitter
	// Org is the organisation as the chain registers it (the org of a
	// register_org proposal, for one the genesis leaves out).
	Org *chain.Org
}

// Staff issues a certificate of usage u from the institution's CA (not
// registered anywhere: register it with a cert_issued record the
// institution submits) and returns it as the institution's submitter.
func (in *Institution) Staff(name string, u signer.Usage) (*client.Submitter, error) {
	k, err := signer.GenerateKey(signer.AlgSM2, nil)
	if err != nil {
		return nil, err
	}
	der, err := in.CA.Issue(k.Public(), signer.IssueOptions{SubjectRef: name, Usage: u,
		NotBefore: epoch.AddDate(0, -1, 0), NotAfter: epoch.AddDate(1, 0, 0)}, nil)
	if err != nil {
		return nil, err
	}
	return &client.Submitter{ChainID: in.Sub.ChainID, Org: in.ID, Cert: der, Key: k}, nil
}

// newInstitution makes organisation id's CA and genesis credential and its
// genesis entry.
func newInstitution(chainID, id, name, role string) (*Institution, chain.GenesisOrg, error) {
	caKey, err := signer.GenerateKey(signer.AlgSM2, nil)
	if err != nil {
		return nil, chain.GenesisOrg{}, err
	}
	ca, err := signer.NewCA(caKey, signer.CAOptions{OrgID: id, OrgName: name, Role: role,
		NotBefore: epoch.AddDate(-1, 0, 0), NotAfter: epoch.AddDate(2, 0, 0)}, nil)
	if err != nil {
		return nil, chain.GenesisOrg{}, err
	}
	in := &Institution{ID: id, CA: ca, Sub: &client.Submitter{ChainID: chainID, Org: id}}
	sub, err := in.Staff(id+"-submitter", signer.UsageSubmitter)
	if err != nil {
		return nil, chain.GenesisOrg{}, err
	}
	in.Sub = sub
	in.Org = &chain.Org{ID: id, Name: name, Role: chain.Role(role), CACert: ca.Cert.Raw, Weight: 1}
	return in, chain.GenesisOrg{ID: id, Name: name, Role: role, Weight: 1,
		CACert:      string(signer.EncodeCertificatePEM(ca.Cert.Raw)),
		Credentials: []string{string(signer.EncodeCertificatePEM(sub.Cert))}}, nil
}

// NewSynth makes a synthetic chain with chain id chainID and 4 validators.
func NewSynth(chainID string) (*Synth, error) { return newSynth(chainID, false, false, false) }

// NewCaseSynth is NewSynth at rules version 3 (institution cases) with a
// court "court", a notary office "notary" and an appraisal institution
// "appraisal" in the genesis too, each with a genesis credential.
func NewCaseSynth(chainID string) (*Synth, error) { return newSynth(chainID, true, false, false) }

// NewFilingSynth is NewCaseSynth with an arbitration commission
// "arbitration" in the genesis too: the receiving institutions of case
// packages (evidence/casepkg).
func NewFilingSynth(chainID string) (*Synth, error) { return newSynth(chainID, true, false, true) }

// NewGovernedCaseSynth is NewCaseSynth whose genesis leaves the appraisal
// institution out, as on a chain upgraded to rules version 3, where
// governance registers every appraisal institution: the test records its
// register_org proposal (Appraisal.Org, its credential Appraisal.Sub) and
// the votes. The genesis organisations are platform, other, court and
// notary, of weight 1 each: a proposal passes with 3 yes.
func NewGovernedCaseSynth(chainID string) (*Synth, error) {
	return newSynth(chainID, true, true, false)
}

func newSynth(chainID string, cases, govAppraisal, arbitration bool) (*Synth, error) {
	w, err := newWorld(chainID, 4)
	if err != nil {
		return nil, err
	}
	other, og, err := newInstitution(chainID, "other", "Other Platform Ltd", "platform")
	if err != nil {
		return nil, err
	}
	w.credentials = [][]byte{w.sub.Cert}
	w.extraOrgs = []chain.GenesisOrg{og}
	s := &Synth{Sub: w.sub, Other: other.Sub}
	if cases {
		w.rulesVersion = chain.CaseRulesVersion
		for _, in := range []struct {
			to             **Institution
			id, name, role string
		}{
			{&s.Court, "court", "Conformance People's Court", "court"},
			{&s.Notary, "notary", "Conformance Notary Office", "notary"},
			{&s.Appraisal, "appraisal", "Conformance Judicial Appraisal Institution", "appraisal"},
		} {
			inst, g, err := newInstitution(chainID, in.id, in.name, in.role)
			if err != nil {
				return nil, err
			}
			*in.to = inst
			if govAppraisal && in.role == "appraisal" {
				continue
			}
			w.extraOrgs = append(w.extraOrgs, g)
		}
	}
	if arbitration {
		inst, g, err := newInstitution(chainID, "arbitration", "Conformance Arbitration Commission", "arbitration")
		if err != nil {
			return nil, err
		}
		s.Arbitration = inst
		w.extraOrgs = append(w.extraOrgs, g)
	}
	if w.genesis, err = w.genesisDoc(w.valSet); err != nil {
		return nil, err
	}
	s.w, s.l = w, &log{w: w}
	return s, nil
}

// PlatformCA is the platform organisation's CA.
func (s *Synth) PlatformCA() *signer.CA { return s.w.ca }

// Genesis is the chain's CometBFT genesis document.
func (s *Synth) Genesis() []byte { return s.w.genesis }

// Credential issues a certificate from the platform CA with usage u (not
// registered anywhere) and returns it as a platform submitter.
func (s *Synth) Credential(name string, u signer.Usage) (*client.Submitter, error) {
	k, err := signer.GenerateKey(signer.AlgSM2, nil)
	if err != nil {
		return nil, err
	}
	der, err := s.w.issue(k, name, u)
	if err != nil {
		return nil, err
	}
	return &client.Submitter{ChainID: s.w.chainID, Org: "platform", Cert: der, Key: k}, nil
}

// Signer issues a signer certificate from the platform CA (register it
// with a cert_issued record) and returns it as an actor with its DER.
func (s *Synth) Signer(name string) (*client.Actor, []byte, error) {
	p, err := s.w.newParty(name, signer.UsageSigner)
	if err != nil {
		return nil, nil, err
	}
	return &client.Actor{Cert: p.fp, Key: p.key}, p.der, nil
}

// AddTx appends a leaf whose transaction is tx (any bytes) in its own
// block, or with sameBlock in the previous leaf's block, and returns its
// log index.
func (s *Synth) AddTx(tx []byte, sameBlock bool) uint64 {
	s.l.sameBlock = sameBlock
	return s.l.addTx(tx)
}

// AddBatchRecord appends a leaf whose transaction is tx in the previous
// leaf's block and transaction: the next record of the same batch, as the
// chain writes a batch's records (one tx index for all).
func (s *Synth) AddBatchRecord(tx []byte) uint64 {
	i := s.l.addTx(tx)
	if i > 0 {
		prev, _ := chain.DecodeEntry(s.l.leaves[i-1])
		en, _ := chain.DecodeEntry(s.l.leaves[i])
		en.Height, en.Time, en.TxIndex = prev.Height, prev.Time, prev.TxIndex
		s.l.leaves[i] = en.Encode()
	}
	return i
}

// Bundle assembles the leaves at idx (log order) under a checkpoint over
// the whole log, signed by all the validators.
func (s *Synth) Bundle(subject evidence.Subject, idx []uint64) (*evidence.Bundle, error) {
	return s.l.bundle(subject, idx, checkpointOpts{})
}

// Size is the number of leaves in the log.
func (s *Synth) Size() uint64 { return uint64(len(s.l.leaves)) }

// Intent is an intent attestation by the genesis verifier that actor (its
// certificate) intends to sign contract, as the next leaf's record.
func (s *Synth) Intent(contract string, actor *client.Actor) (*chain.IntentVerified, error) {
	ch := sm3.Sum([]byte("challenge " + contract + actor.Cert.String()))
	b := &chain.IntentVerified{Contract: contract, Signer: actor.Cert, Method: chain.IntentSMSOTP, ChallengeHash: ch[:],
		VerifiedAt: s.l.timeAt(s.Size()).Add(-500 * time.Millisecond).UnixMilli(), VerifierCert: s.w.verifiers[0].der}
	sig, err := s.w.verifiers[0].key.Sign(nil, b.AttestationBytes(s.w.chainID))
	if err != nil {
		return nil, err
	}
	b.VerifierSig = sig
	return b, nil
}

// Contract is a sequential contract over doc between parties.
func Contract(id string, doc []byte, parties ...chain.Fingerprint) *chain.ContractCreated {
	b := contractCreated(id, doc)
	b.Parties = parties
	return b
}

// BatchedContract is a synthetic chain's bundle of a completed contract
// whose timeline came in one batch of four records (created, intent,
// signed, completed) under the platform's genesis credential, after the
// signer's standalone cert_issued: log indexes 0 to 4. It verifies against
// the returned genesis.
func BatchedContract(contract string) (genesis []byte, b *evidence.Bundle, err error) {
	s, err := NewSynth(ChainID)
	if err != nil {
		return nil, nil, err
	}
	alice, aliceDER, err := s.Signer("alice")
	if err != nil {
		return nil, nil, err
	}
	tx, err := s.Sub.Build(&chain.CertIssued{Cert: aliceDER}, nil)
	if err != nil {
		return nil, nil, err
	}
	s.AddTx(tx, false)
	intent, err := s.Intent(contract, alice)
	if err != nil {
		return nil, nil, err
	}
	created := Contract(contract, []byte("%PDF-1.4\n% "+contract+"\n%%EOF\n"), alice.Cert)
	bodies := []chain.Body{created, intent, &chain.ContractSigned{Contract: contract, DocSM3: created.DocSM3}, &chain.ContractCompleted{Contract: contract}}
	actors := []*client.Actor{nil, alice, alice, nil}
	var items []*chain.Tx
	for i, body := range bodies {
		it, err := s.Sub.BuildItem(body, actors[i])
		if err != nil {
			return nil, nil, err
		}
		items = append(items, it)
	}
	bt, err := chain.NewBatch(ChainID, s.Sub.Org, chain.FingerprintOf(s.Sub.Cert), items, func(m []byte) ([]byte, error) { return s.Sub.Key.Sign(nil, m) })
	if err != nil {
		return nil, nil, err
	}
	for i, r := range bt.Records() {
		s.AddTx(r.Encode(), i > 0)
	}
	b, err = s.Bundle(evidence.Subject{ContractID: contract}, []uint64{0, 1, 2, 3, 4})
	return s.Genesis(), b, err
}

// batchedVectors are the vectors of records that came in batches, on a
// chain of their own (Synth: its genesis has the platform's credential):
// records 0 and 1 register a signer and a second credential (standalone
// cert_issued); records 2-3 are a batch by the genesis credential
// (contract_created, intent_verified), records 4-5 a batch by the second
// credential (contract_signed, contract_completed).
func batchedVectors() ([]vector, error) {
	s, err := NewSynth(ChainID)
	if err != nil {
		return nil, err
	}
	alice, aliceDER, err := s.Signer("alice")
	if err != nil {
		return nil, err
	}
	cred, err := s.Credential("platform-batcher", signer.UsageSubmitter)
	if err != nil {
		return nil, err
	}
	for _, der := range [][]byte{aliceDER, cred.Cert} {
		tx, err := s.Sub.Build(&chain.CertIssued{Cert: der}, nil)
		if err != nil {
			return nil, err
		}
		s.AddTx(tx, false)
	}
	const contract = "conformance-batched-contract"
	doc := []byte("%PDF-1.4\n% Sealchain conformance vector: a contract recorded in batches.\n%%EOF\n")
	created := Contract(contract, doc, alice.Cert)
	batch := func(sub *client.Submitter, bodies []chain.Body, actors []*client.Actor) ([]*chain.Tx, error) {
		var items []*chain.Tx
		for i, body := range bodies {
			it, err := sub.BuildItem(body, actors[i])
			if err != nil {
				return nil, err
			}
			items = append(items, it)
		}
		bt, err := chain.NewBatch(ChainID, sub.Org, chain.FingerprintOf(sub.Cert), items, func(m []byte) ([]byte, error) { return sub.Key.Sign(nil, m) })
		if err != nil {
			return nil, err
		}
		recs := bt.Records()
		for i, r := range recs {
			s.AddTx(r.Encode(), i > 0)
		}
		return recs, nil
	}
	intent, err := s.Intent(contract, alice)
	if err != nil {
		return nil, err
	}
	if _, err := batch(s.Sub, []chain.Body{created, intent}, []*client.Actor{nil, alice}); err != nil {
		return nil, err
	}
	d3 := sm3.Sum(doc)
	signed, err := batch(cred, []chain.Body{&chain.ContractSigned{Contract: contract, DocSM3: d3[:]}, &chain.ContractCompleted{Contract: contract}},
		[]*client.Actor{alice, nil})
	if err != nil {
		return nil, err
	}
	subject := evidence.Subject{ContractID: contract}
	var vs []vector
	add := func(name string, l *log, idx []uint64, e Expect) error {
		b, err := l.bundle(subject, idx, checkpointOpts{})
		if err != nil {
			return err
		}
		vs = append(vs, vector{name: name, bundle: b, genesis: s.w.genesis, file: doc, expect: e})
		return nil
	}
	all := []uint64{0, 1, 2, 3, 4, 5}
	if err := add("valid-batched-records", s.l, all, valid("a contract recorded in two batches: records 2-3 under the genesis credential, 4-5 under a credential registered by cert_issued record 1; each record verifies with its path to its batch's root")); err != nil {
		return nil, err
	}
	if err := add("batched-credential-unregistered", s.l, []uint64{0, 2, 3, 4, 5},
		invalid("record[4].signatures", "as valid-batched-records, without the cert_issued record of the credential that signed records 4-5")); err != nil {
		return nil, err
	}
	// A forger's log: record 4's first path hash altered.
	forged := *signed[0]
	bp := *forged.Batched
	bp.Path = append([][]byte(nil), bp.Path...)
	bp.Path[0] = append([]byte(nil), bp.Path[0]...)
	bp.Path[0][0] ^= 1
	forged.Batched = &bp
	l := &log{w: s.w, leaves: append([][]byte(nil), s.l.leaves...)}
	l.leaves[4] = entryWithTx(l, 4, forged.Encode())
	if err := add("batched-path-tampered", l, all,
		invalid("record[4].signatures", "as valid-batched-records, with a sibling hash in record 4's batch path changed before the record was logged")); err != nil {
		return nil, err
	}
	return vs, nil
}
