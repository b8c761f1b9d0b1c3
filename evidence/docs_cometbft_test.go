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
	"github.com/cometbft/cometbft/types"
	"github.com/emmansun/gmsm/sm3"
	"google.golang.org/protobuf/encoding/protowire"
)

// TestDocsCometBFTAlgorithm recomputes the checkpoint checks of
// docs/evidence-bundle.md, appendix A, from the text alone (protowire,
// SHA-256, ed25519; no CometBFT code) on the real fixture bundle, and
// compares each step with CometBFT's own result. If CometBFT's encoding
// changes under us, the appendix is wrong and this fails.
func TestDocsCometBFTAlgorithm(t *testing.T) {
	b := loadBundle(t)
	var psh cmtproto.SignedHeader
	if err := psh.Unmarshal(b.Checkpoint.SignedHeader); err != nil {
		t.Fatal(err)
	}
	var pvs cmtproto.ValidatorSet
	if err := pvs.Unmarshal(b.Checkpoint.ValidatorSet); err != nil {
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
	if h.Height != b.Checkpoint.Height+1 {
		t.Fatalf("header at %d, checkpoint height %d", h.Height, b.Checkpoint.Height)
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
