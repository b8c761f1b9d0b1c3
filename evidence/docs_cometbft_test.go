package evidence_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"math/bits"
	"slices"
	"testing"
	"time"

	cmtproto "github.com/cometbft/cometbft/api/cometbft/types/v1"
	cmtversion "github.com/cometbft/cometbft/api/cometbft/version/v1"
	"github.com/cometbft/cometbft/types"
	"github.com/cometbft/cometbft/version"
	"github.com/emmansun/gmsm/sm3"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/sealchain/sealchain/chain/checkpoint"
)

// TestDocsCometBFTAlgorithm recomputes the checkpoint checks of
// docs/evidence-bundle.md, appendix A, from the text alone (protowire,
// SHA-256, ed25519; no CometBFT code) on the real fixture bundle, and
// compares each step with CometBFT's own result. If CometBFT's encoding
// changes under us, the appendix is wrong and this fails.
func TestDocsCometBFTAlgorithm(t *testing.T) {
	b := loadBundle(t)
	h := docCheckCommit(t, b.Checkpoint.SignedHeader, b.Checkpoint.ValidatorSet)
	if h.Height != b.Checkpoint.Height+1 {
		t.Fatalf("header at %d, checkpoint height %d", h.Height, b.Checkpoint.Height)
	}

	// A.4 the app hash commits the checkpoint.
	m := sm3.New()
	m.Write([]byte("sealchain/apphash/v1\x00"))
	m.Write(binary.BigEndian.AppendUint64(nil, b.Checkpoint.LogSize))
	m.Write(b.Checkpoint.LogRoot)
	m.Write(b.Checkpoint.StateRoot)
	if got := m.Sum(nil); !bytes.Equal(got, h.AppHash) {
		t.Fatalf("app hash by the docs %X, header %X", got, h.AppHash)
	}
}

// docCheckCommit runs appendix A.1-A.4 on a signed header and its set and
// returns the header.
func docCheckCommit(t *testing.T, signedHeader, valSet []byte) *cmtproto.Header {
	t.Helper()
	var psh cmtproto.SignedHeader
	if err := psh.Unmarshal(signedHeader); err != nil {
		t.Fatal(err)
	}
	var pvs cmtproto.ValidatorSet
	if err := pvs.Unmarshal(valSet); err != nil {
		t.Fatal(err)
	}
	h, c := psh.Header, psh.Commit

	// A.1 header hash.
	leaves := [][]byte{
		docConsensus(h.Version.Block, h.Version.App),
		docWrapString(h.ChainID),
		docWrapInt64(h.Height),
		docTimestamp(h.Time),
		docBlockID(h.LastBlockId.Hash, h.LastBlockId.PartSetHeader.Total, h.LastBlockId.PartSetHeader.Hash),
		docWrapBytes(h.LastCommitHash),
		docWrapBytes(h.DataHash),
		docWrapBytes(h.ValidatorsHash),
		docWrapBytes(h.NextValidatorsHash),
		docWrapBytes(h.ConsensusHash),
		docWrapBytes(h.AppHash),
		docWrapBytes(h.LastResultsHash),
		docWrapBytes(h.EvidenceHash),
		docWrapBytes(h.ProposerAddress),
	}
	headerHash := docMerkle(leaves)
	sh, err := types.SignedHeaderFromProto(&psh)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(headerHash, sh.Header.Hash()) {
		t.Fatalf("header hash by the docs %X, CometBFT %X", headerHash, sh.Header.Hash())
	}
	if !bytes.Equal(headerHash, c.BlockID.Hash) || c.Height != h.Height {
		t.Fatal("the commit does not sign the header")
	}

	// A.2 validator set: order, addresses, hash.
	var valLeaves [][]byte
	var total int64
	for i, v := range pvs.Validators {
		if v.PubKeyType != "ed25519" || len(v.PubKeyBytes) != ed25519.PublicKeySize {
			t.Fatalf("validator %d: key type %q, %d bytes", i, v.PubKeyType, len(v.PubKeyBytes))
		}
		sum := sha256.Sum256(v.PubKeyBytes)
		if !bytes.Equal(v.Address, sum[:20]) {
			t.Fatalf("validator %d: address is not SHA-256(pub)[:20]", i)
		}
		if i > 0 {
			p := pvs.Validators[i-1]
			if p.VotingPower < v.VotingPower || p.VotingPower == v.VotingPower && bytes.Compare(p.Address, v.Address) >= 0 {
				t.Fatalf("validator %d out of order", i)
			}
		}
		valLeaves = append(valLeaves, docSimpleValidator(v.PubKeyBytes, v.VotingPower))
		total += v.VotingPower
	}
	if got := docMerkle(valLeaves); !bytes.Equal(got, h.ValidatorsHash) {
		t.Fatalf("validator set hash by the docs %X, header %X", got, h.ValidatorsHash)
	}

	// A.3 votes and the >2/3 rule.
	var tally int64
	for i, s := range c.Signatures {
		if s.BlockIdFlag != cmtproto.BlockIDFlagCommit {
			continue
		}
		v := pvs.Validators[i]
		if !bytes.Equal(s.ValidatorAddress, v.Address) {
			t.Fatalf("signature %d names another validator", i)
		}
		msg := docVoteSignBytes(h.ChainID, c.Height, c.Round, c.BlockID.Hash, c.BlockID.PartSetHeader.Total, c.BlockID.PartSetHeader.Hash, s.Timestamp)
		vote := sh.Commit.GetVote(int32(i)).ToProto()
		if want := types.VoteSignBytes(h.ChainID, vote); !bytes.Equal(msg, want) {
			t.Fatalf("vote %d sign bytes by the docs %X, CometBFT %X", i, msg, want)
		}
		if !ed25519.Verify(v.PubKeyBytes, msg, s.Signature) {
			t.Fatalf("vote %d: bad signature", i)
		}
		tally += v.VotingPower
	}
	if tally <= total*2/3 {
		t.Fatalf("signed power %d of %d is not more than 2/3", tally, total)
	}
	return h
}

// docMerkle is RFC 6962 with SHA-256, split at the largest power of two
// below n; no items hash to SHA-256 of nothing.
func docMerkle(items [][]byte) []byte {
	switch len(items) {
	case 0:
		s := sha256.Sum256(nil)
		return s[:]
	case 1:
		s := sha256.Sum256(append([]byte{0}, items[0]...))
		return s[:]
	}
	k := 1 << (bits.Len(uint(len(items)-1)) - 1)
	l, r := docMerkle(items[:k]), docMerkle(items[k:])
	s := sha256.Sum256(slices.Concat([]byte{1}, l, r))
	return s[:]
}

// Proto3 rules: zero scalars and empty bytes/strings are omitted.
func docVarint(b []byte, field protowire.Number, v uint64) []byte {
	if v == 0 {
		return b
	}
	return protowire.AppendVarint(protowire.AppendTag(b, field, protowire.VarintType), v)
}

func docBytes(b []byte, field protowire.Number, v []byte) []byte {
	if len(v) == 0 {
		return b
	}
	return protowire.AppendBytes(protowire.AppendTag(b, field, protowire.BytesType), v)
}

// docMessage always writes an embedded message (non-nullable fields).
func docMessage(b []byte, field protowire.Number, v []byte) []byte {
	return protowire.AppendBytes(protowire.AppendTag(b, field, protowire.BytesType), v)
}

func docSfixed64(b []byte, field protowire.Number, v int64) []byte {
	if v == 0 {
		return b
	}
	return protowire.AppendFixed64(protowire.AppendTag(b, field, protowire.Fixed64Type), uint64(v))
}

func docConsensus(block, app uint64) []byte { return docVarint(docVarint(nil, 1, block), 2, app) }
func docWrapString(s string) []byte         { return docBytes(nil, 1, []byte(s)) }
func docWrapInt64(v int64) []byte           { return docVarint(nil, 1, uint64(v)) }
func docWrapBytes(v []byte) []byte          { return docBytes(nil, 1, v) }

func docTimestamp(t time.Time) []byte {
	return docVarint(docVarint(nil, 1, uint64(t.Unix())), 2, uint64(t.Nanosecond()))
}

func docPartSetHeader(total uint32, hash []byte) []byte {
	return docBytes(docVarint(nil, 1, uint64(total)), 2, hash)
}

func docBlockID(hash []byte, total uint32, psh []byte) []byte {
	return docMessage(docBytes(nil, 1, hash), 2, docPartSetHeader(total, psh))
}

func docSimpleValidator(pub []byte, power int64) []byte {
	pk := docBytes(nil, 1, pub) // cometbft.crypto.v1.PublicKey{ed25519 = 1}
	return docVarint(docMessage(nil, 1, pk), 2, uint64(power))
}

func docVoteSignBytes(chainID string, height int64, round int32, hash []byte, total uint32, psh []byte, ts time.Time) []byte {
	var v []byte
	v = docVarint(v, 1, 2) // SIGNED_MSG_TYPE_PRECOMMIT
	v = docSfixed64(v, 2, height)
	v = docSfixed64(v, 3, int64(round))
	v = docMessage(v, 4, docBlockID(hash, total, psh)) // CanonicalBlockID
	v = docMessage(v, 5, docTimestamp(ts))
	v = docBytes(v, 6, []byte(chainID))
	return protowire.AppendBytes(nil, v) // length-delimited: uvarint(len) ‖ v
}

// TestDocsCometBFTAlgorithmManyValidators covers what the one-validator
// fixture cannot: ordering by power then address, equal powers, a round
// other than 0, nanosecond times, and absent and nil votes.
func TestDocsCometBFTAlgorithmManyValidators(t *testing.T) {
	const chainID, height, round = "sealchain-docs", int64(42), int32(1)
	powers := []int64{5, 20, 10, 10, 5}
	pvs := make([]types.PrivValidator, len(powers))
	vs := make([]*types.Validator, len(powers))
	for i, p := range powers {
		pv := types.NewMockPV()
		pvs[i] = pv
		vs[i] = pv.ExtractIntoValidator(p)
	}
	vals := types.NewValidatorSet(vs)
	index := func(pv types.PrivValidator) int {
		pk, err := pv.GetPubKey()
		if err != nil {
			t.Fatal(err)
		}
		i, _ := vals.GetByAddress(pk.Address())
		return int(i)
	}
	slices.SortFunc(pvs, func(a, b types.PrivValidator) int { return index(a) - index(b) })

	sum := func(s string) []byte { x := sha256.Sum256([]byte(s)); return x[:] }
	header := &types.Header{
		Version:            cmtversion.Consensus{Block: version.BlockProtocol},
		ChainID:            chainID,
		Height:             height,
		Time:               time.Date(2026, 3, 4, 5, 6, 7, 123456789, time.UTC),
		LastBlockID:        types.BlockID{Hash: sum("last"), PartSetHeader: types.PartSetHeader{Total: 3, Hash: sum("lastparts")}},
		LastCommitHash:     sum("lastcommit"),
		DataHash:           sum("data"),
		ValidatorsHash:     vals.Hash(),
		NextValidatorsHash: vals.Hash(),
		ConsensusHash:      sum("params"),
		AppHash:            sum("app"),
		LastResultsHash:    sum("results"),
		EvidenceHash:       sum("evidence"),
		ProposerAddress:    vals.GetProposer().Address,
	}
	blockID := types.BlockID{Hash: header.Hash(), PartSetHeader: types.PartSetHeader{Total: 2, Hash: sum("parts")}}
	voteSet := types.NewVoteSet(chainID, height, round, types.PrecommitType, vals)
	ext, err := types.MakeExtCommit(blockID, height, round, voteSet, pvs, header.Time.Add(987654321), false)
	if err != nil {
		t.Fatal(err)
	}
	commit := ext.ToCommit()
	// The last validator (lowest power, highest address among the 5s) is
	// absent; the power signed is still 45 of 50.
	last := len(commit.Signatures) - 1
	commit.Signatures[last] = types.CommitSig{BlockIDFlag: types.BlockIDFlagAbsent}
	sh := types.SignedHeader{Header: header, Commit: commit}
	shb, err := sh.ToProto().Marshal()
	if err != nil {
		t.Fatal(err)
	}
	vp, err := vals.ToProto()
	if err != nil {
		t.Fatal(err)
	}
	vsb, err := vp.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	docCheckCommit(t, shb, vsb)
	if _, err := checkpoint.VerifyCheckpoint(chainID, height, shb, vsb, vals); err != nil {
		t.Fatalf("our verifier refuses the synthetic commit: %v", err)
	}
}
