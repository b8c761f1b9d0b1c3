package conformance

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	cmtversion "github.com/cometbft/cometbft/api/cometbft/version/v1"
	"github.com/cometbft/cometbft/crypto/ed25519"
	"github.com/cometbft/cometbft/crypto/tmhash"
	cmtjson "github.com/cometbft/cometbft/libs/json"
	"github.com/cometbft/cometbft/types"
	"github.com/cometbft/cometbft/version"
	"github.com/emmansun/gmsm/sm3"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/chain/merklelog"
	"github.com/sealchain/sealchain/client"
	"github.com/sealchain/sealchain/evidence"
	"github.com/sealchain/sealchain/signer"
)

// epoch is the first block time of every synthetic chain; certificates are
// valid for two years around it, so the vectors never expire (verification
// uses block times).
var epoch = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)

// world is a synthetic chain's keys and genesis.
type world struct {
	chainID   string
	vals      []types.PrivValidator // ordered as in the validator set
	valSet    *types.ValidatorSet
	ca        *signer.CA
	sub       *client.Submitter
	verifiers []*party // index 0 is registered in genesis, 1 is not
	genesis   []byte
	// Genesis API credentials of the platform org, and further genesis
	// organisations (Synth's; the vectors have neither).
	credentials [][]byte
	extraOrgs   []chain.GenesisOrg
	// rulesVersion is the genesis rules_version; 0 leaves it out (the
	// vectors').
	rulesVersion uint32
}

// party is a certificate holder: a signer or an intent verifier.
type party struct {
	key  *signer.PrivateKey
	der  []byte
	fp   chain.Fingerprint
	name string
}

func newWorld(chainID string, nVals int) (*world, error) {
	w := &world{chainID: chainID}
	var vs []*types.Validator
	for range nVals {
		pv := types.NewMockPVWithParams(ed25519.GenPrivKey(), false, false)
		w.vals = append(w.vals, pv)
		vs = append(vs, pv.ExtractIntoValidator(10))
	}
	w.valSet = types.NewValidatorSet(vs)
	sort.Slice(w.vals, func(i, j int) bool {
		pi, _ := w.vals[i].GetPubKey()
		pj, _ := w.vals[j].GetPubKey()
		a, _ := w.valSet.GetByAddress(pi.Address())
		b, _ := w.valSet.GetByAddress(pj.Address())
		return a < b
	})
	caKey, err := signer.GenerateKey(signer.AlgSM2, nil)
	if err != nil {
		return nil, err
	}
	w.ca, err = signer.NewCA(caKey, signer.CAOptions{OrgID: "platform", OrgName: "Conformance Platform Ltd", Role: "platform",
		NotBefore: epoch.AddDate(-1, 0, 0), NotAfter: epoch.AddDate(2, 0, 0)}, nil)
	if err != nil {
		return nil, err
	}
	subKey, err := signer.GenerateKey(signer.AlgSM2, nil)
	if err != nil {
		return nil, err
	}
	subDER, err := w.issue(subKey, "platform-submitter", signer.UsageSubmitter)
	if err != nil {
		return nil, err
	}
	w.sub = &client.Submitter{ChainID: chainID, Org: "platform", Cert: subDER, Key: subKey}
	for _, name := range []string{"platform-otp", "rogue-otp"} {
		p, err := w.newParty(name, signer.UsageIntentVerifier)
		if err != nil {
			return nil, err
		}
		w.verifiers = append(w.verifiers, p)
	}
	w.genesis, err = w.genesisDoc(w.valSet)
	return w, err
}

// outsider is the submitter of an organisation the genesis does not know
// (one added by governance), with its own CA.
func (w *world) outsider(org string) (*client.Submitter, error) {
	caKey, err := signer.GenerateKey(signer.AlgSM2, nil)
	if err != nil {
		return nil, err
	}
	ca, err := signer.NewCA(caKey, signer.CAOptions{OrgID: org, OrgName: org, Role: "platform",
		NotBefore: epoch.AddDate(-1, 0, 0), NotAfter: epoch.AddDate(2, 0, 0)}, nil)
	if err != nil {
		return nil, err
	}
	k, err := signer.GenerateKey(signer.AlgSM2, nil)
	if err != nil {
		return nil, err
	}
	der, err := ca.Issue(k.Public(), signer.IssueOptions{SubjectRef: org + "-submitter", Usage: signer.UsageSubmitter,
		NotBefore: epoch.AddDate(0, -1, 0), NotAfter: epoch.AddDate(1, 0, 0)}, nil)
	if err != nil {
		return nil, err
	}
	return &client.Submitter{ChainID: w.chainID, Org: org, Cert: der, Key: k}, nil
}

func (w *world) issue(k *signer.PrivateKey, ref string, u signer.Usage) ([]byte, error) {
	return w.ca.Issue(k.Public(), signer.IssueOptions{SubjectRef: ref, Usage: u,
		NotBefore: epoch.AddDate(0, -1, 0), NotAfter: epoch.AddDate(1, 0, 0)}, nil)
}

func (w *world) newParty(name string, u signer.Usage) (*party, error) {
	k, err := signer.GenerateKey(signer.AlgSM2, nil)
	if err != nil {
		return nil, err
	}
	der, err := w.issue(k, name, u)
	if err != nil {
		return nil, err
	}
	return &party{key: k, der: der, fp: chain.FingerprintOf(der), name: name}, nil
}

// genesisDoc is the CometBFT genesis naming vals and the platform org, with
// the first verifier registered.
func (w *world) genesisDoc(vals *types.ValidatorSet) ([]byte, error) {
	gs := chain.GenesisState{
		Orgs: []chain.GenesisOrg{{ID: "platform", Name: "Conformance Platform Ltd", Role: "platform", Weight: 1,
			CACert: string(signer.EncodeCertificatePEM(w.ca.Cert.Raw))}},
		Verifiers: []chain.GenesisVerifier{{Org: "platform", Cert: string(signer.EncodeCertificatePEM(w.verifiers[0].der))}},
	}
	for _, der := range w.credentials {
		gs.Orgs[0].Credentials = append(gs.Orgs[0].Credentials, string(signer.EncodeCertificatePEM(der)))
	}
	gs.Orgs = append(gs.Orgs, w.extraOrgs...)
	gs.RulesVersion = w.rulesVersion
	app, err := json.Marshal(gs)
	if err != nil {
		return nil, err
	}
	doc := types.GenesisDoc{GenesisTime: epoch.Add(-time.Hour), ChainID: w.chainID, InitialHeight: 1,
		ConsensusParams: types.DefaultConsensusParams(), AppState: app}
	for i, v := range vals.Validators {
		doc.Validators = append(doc.Validators, types.GenesisValidator{Address: v.Address, PubKey: v.PubKey, Power: v.VotingPower, Name: fmt.Sprintf("validator-%d", i)})
	}
	if err := doc.ValidateAndComplete(); err != nil {
		return nil, err
	}
	return cmtjson.MarshalIndent(&doc, "", "  ")
}

// log is a synthetic chain's record log: one record per block from height 1.
type log struct {
	w      *world
	leaves [][]byte
	// sameBlock puts the next record in the previous record's block.
	sameBlock bool
	// skew moves the next records' block times later (a deadline passing).
	skew time.Duration
}

// add records body (signed by actor, when not nil) as the next record and
// returns its log index.
func (l *log) add(body chain.Body, actor *party) (uint64, error) {
	var a *client.Actor
	if actor != nil {
		a = &client.Actor{Cert: actor.fp, Key: actor.key}
	}
	tx, err := l.w.sub.Build(body, a)
	if err != nil {
		return 0, err
	}
	return l.addTx(tx), nil
}

// addTx records raw transaction bytes as they are: a forger's record.
func (l *log) addTx(tx []byte) uint64 {
	i := uint64(len(l.leaves))
	en := chain.Entry{Index: i, Height: int64(i) + 1, Time: l.timeAt(i), Tx: tx}
	if l.sameBlock && i > 0 {
		// The previous record's block: same height and time, next tx.
		prev, _ := chain.DecodeEntry(l.leaves[i-1])
		en.Height, en.Time, en.TxIndex = prev.Height, prev.Time, prev.TxIndex+1
		l.sameBlock = false
	}
	l.leaves = append(l.leaves, en.Encode())
	return i
}

// timeAt is the block time of the record at log index i in its own block.
func (l *log) timeAt(i uint64) time.Time {
	return epoch.Add(time.Duration(i)*time.Second + l.skew)
}

// intent is an intent attestation for signer on contract by verifier.
func (l *log) intent(contract string, signerP, verifier *party) (uint64, error) {
	ch := sm3.Sum([]byte("challenge " + contract + signerP.name))
	b := &chain.IntentVerified{Contract: contract, Signer: signerP.fp, Method: chain.IntentSMSOTP, ChallengeHash: ch[:],
		VerifiedAt: epoch.Add(time.Duration(len(l.leaves))*time.Second - 500*time.Millisecond).UnixMilli(), VerifierCert: verifier.der}
	sig, err := verifier.key.Sign(nil, b.AttestationBytes(l.w.chainID))
	if err != nil {
		return 0, err
	}
	b.VerifierSig = sig
	return l.add(b, signerP)
}

// checkpointOpts vary how the checkpoint is signed.
type checkpointOpts struct {
	signers int    // validators that sign the commit; 0 means all
	appHash []byte // the header's app hash; nil means the right one
	corrupt bool   // the last validator's signature is altered
	// hopTo, when set, takes over from the genesis validators at height
	// hopAt: the bundle carries that validator hop, and hopTo's
	// validators sign the checkpoint.
	hopTo *world
	hopAt int64
}

// bundle assembles the records at idx (log order) with inclusion proofs
// against the whole log, and a checkpoint header signed per o.
func (l *log) bundle(subject evidence.Subject, idx []uint64, o checkpointOpts) (*evidence.Bundle, error) {
	h := merklelog.SM3()
	size := uint64(len(l.leaves))
	root := mth(h, l.leaves)
	state := sha256.Sum256([]byte("synthetic state root"))
	height := int64(size) // the last record's block
	appHash := chain.AppHash(size, root, state[:])
	if o.appHash != nil {
		appHash = o.appHash
	}
	signers := l.w
	var hops []evidence.Hop
	if o.hopTo != nil {
		hsh, _, err := l.w.signHeader(o.hopAt, chain.AppHash(0, nil, nil), 0, false, o.hopTo.valSet)
		if err != nil {
			return nil, err
		}
		next, err := o.hopTo.valSet.ToProto()
		if err != nil {
			return nil, err
		}
		nb, err := next.Marshal()
		if err != nil {
			return nil, err
		}
		hops = append(hops, evidence.Hop{Height: o.hopAt, SignedHeader: hsh, NextValidatorSet: nb})
		signers = o.hopTo
	}
	sh, vs, err := signers.signHeader(height+1, appHash, o.signers, o.corrupt, signers.valSet)
	if err != nil {
		return nil, err
	}
	b := &evidence.Bundle{Format: evidence.Format, Version: evidence.Version, ChainID: l.w.chainID, Subject: subject,
		Checkpoint:    evidence.Checkpoint{Height: height, LogSize: size, LogRoot: root, StateRoot: state[:], SignedHeader: sh, ValidatorSet: vs},
		ValidatorHops: hops}
	for _, i := range idx {
		b.Records = append(b.Records, evidence.Record{Index: i, Leaf: l.leaves[i], Proof: path(h, int(i), l.leaves)})
	}
	return b, nil
}

// signHeader makes a header at height with appHash, committed by the first
// n validators (all when n is 0; the last one's signature altered when
// corrupt) and naming next as the next validators, as protobuf signed header and validator set.
func (w *world) signHeader(height int64, appHash []byte, n int, corrupt bool, next *types.ValidatorSet) ([]byte, []byte, error) {
	sum := func(s string) []byte { return tmhash.Sum([]byte(s)) }
	t := epoch.Add(time.Duration(height) * time.Second)
	header := &types.Header{
		Version: cmtversion.Consensus{Block: version.BlockProtocol}, ChainID: w.chainID, Height: height, Time: t,
		LastBlockID:    types.BlockID{Hash: sum("last"), PartSetHeader: types.PartSetHeader{Total: 1, Hash: sum("lastparts")}},
		LastCommitHash: sum("lastcommit"), DataHash: sum("data"),
		ValidatorsHash: w.valSet.Hash(), NextValidatorsHash: next.Hash(), ConsensusHash: sum("params"),
		AppHash: appHash, LastResultsHash: sum("results"), EvidenceHash: sum("evidence"),
		ProposerAddress: w.valSet.GetProposer().Address,
	}
	blockID := types.BlockID{Hash: header.Hash(), PartSetHeader: types.PartSetHeader{Total: 1, Hash: sum("parts")}}
	if n == 0 {
		n = len(w.vals)
	}
	commit := &types.Commit{Height: height, Round: 0, BlockID: blockID}
	for i, pv := range w.vals {
		val := w.valSet.Validators[i]
		if i >= n {
			commit.Signatures = append(commit.Signatures, types.NewCommitSigAbsent())
			continue
		}
		vote := &types.Vote{Type: types.PrecommitType, Height: height, Round: 0, BlockID: blockID,
			Timestamp: t.Add(time.Second), ValidatorAddress: val.Address, ValidatorIndex: int32(i)}
		pvote := vote.ToProto()
		if err := pv.SignVote(w.chainID, pvote, false); err != nil {
			return nil, nil, err
		}
		if corrupt && i == len(w.vals)-1 {
			pvote.Signature[0] ^= 1
		}
		commit.Signatures = append(commit.Signatures, types.CommitSig{BlockIDFlag: types.BlockIDFlagCommit,
			ValidatorAddress: val.Address, Timestamp: vote.Timestamp, Signature: pvote.Signature})
	}
	shp := (&types.SignedHeader{Header: header, Commit: commit}).ToProto()
	sh, err := shp.Marshal()
	if err != nil {
		return nil, nil, err
	}
	vsp, err := w.valSet.ToProto()
	if err != nil {
		return nil, nil, err
	}
	vs, err := vsp.Marshal()
	return sh, vs, err
}

// RFC 6962 section 2.1, written out from the RFC so the vectors do not
// come from the code they test.

func split(n int) int { // the largest power of two below n
	k := 1
	for k<<1 < n {
		k <<= 1
	}
	return k
}

func mth(h *merklelog.Hasher, d [][]byte) []byte {
	switch len(d) {
	case 0:
		return h.EmptyRoot()
	case 1:
		return h.HashLeaf(d[0])
	}
	k := split(len(d))
	return h.HashChildren(mth(h, d[:k]), mth(h, d[k:]))
}

func path(h *merklelog.Hasher, m int, d [][]byte) [][]byte {
	if len(d) <= 1 {
		return [][]byte{}
	}
	k := split(len(d))
	if m < k {
		return append(path(h, m, d[:k]), mth(h, d[k:]))
	}
	return append(path(h, m-k, d[k:]), mth(h, d[:k]))
}

func subproof(h *merklelog.Hasher, m int, d [][]byte, b bool) [][]byte {
	n := len(d)
	if m == n {
		if b {
			return [][]byte{}
		}
		return [][]byte{mth(h, d)}
	}
	k := split(n)
	if m <= k {
		return append(subproof(h, m, d[:k], b), mth(h, d[k:]))
	}
	return append(subproof(h, m-k, d[k:], false), mth(h, d[:k]))
}

// consistency is PROOF(m, D[n]) of RFC 6962 section 2.1.2.
func consistency(h *merklelog.Hasher, m int, d [][]byte) [][]byte { return subproof(h, m, d, true) }
