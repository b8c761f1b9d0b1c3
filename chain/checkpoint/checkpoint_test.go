package checkpoint_test

import (
	"errors"
	"sort"
	"testing"
	"time"

	cmtproto "github.com/cometbft/cometbft/api/cometbft/types/v1"
	cmtversion "github.com/cometbft/cometbft/api/cometbft/version/v1"
	"github.com/cometbft/cometbft/crypto/tmhash"
	"github.com/cometbft/cometbft/types"
	"github.com/cometbft/cometbft/version"

	"github.com/sealchain/sealchain/chain/checkpoint"
)

const (
	testChainID = "sealchain-test"
	testHeight  = int64(7)
)

// fixture is a self-consistent checkpoint signed by a set of mock validators.
type fixture struct {
	vals         *types.ValidatorSet
	signedHeader []byte
	valSet       []byte
}

// newFixture builds a header at height signed by n fresh validators of equal
// power, and returns it with the protobuf encodings VerifyCheckpoint takes.
func newFixture(t *testing.T, chainID string, height int64, n int) fixture {
	t.Helper()
	pvs := make([]types.PrivValidator, n)
	vs := make([]*types.Validator, n)
	for i := range pvs {
		pv := types.NewMockPV()
		pvs[i] = pv
		vs[i] = pv.ExtractIntoValidator(10)
	}
	vals := types.NewValidatorSet(vs)
	// MakeExtCommit matches signer i to validator index i, so order the
	// signers the way the set is ordered.
	sort.Slice(pvs, func(i, j int) bool {
		ai, _ := vals.GetByAddress(mustAddr(t, pvs[i]))
		aj, _ := vals.GetByAddress(mustAddr(t, pvs[j]))
		return ai < aj
	})

	sum := func(s string) []byte { return tmhash.Sum([]byte(s)) }
	header := &types.Header{
		Version:            cmtversion.Consensus{Block: version.BlockProtocol},
		ChainID:            chainID,
		Height:             height,
		Time:               time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC),
		LastBlockID:        types.BlockID{Hash: sum("last"), PartSetHeader: types.PartSetHeader{Total: 1, Hash: sum("lastparts")}},
		LastCommitHash:     sum("lastcommit"),
		DataHash:           sum("data"),
		ValidatorsHash:     vals.Hash(),
		NextValidatorsHash: vals.Hash(),
		ConsensusHash:      sum("params"),
		AppHash:            []byte("app-hash-before"),
		LastResultsHash:    sum("results"),
		EvidenceHash:       sum("evidence"),
		ProposerAddress:    vals.GetProposer().Address,
	}
	blockID := types.BlockID{Hash: header.Hash(), PartSetHeader: types.PartSetHeader{Total: 1, Hash: sum("parts")}}
	voteSet := types.NewVoteSet(chainID, height, 0, types.PrecommitType, vals)
	ext, err := types.MakeExtCommit(blockID, height, 0, voteSet, pvs, header.Time.Add(time.Second), false)
	if err != nil {
		t.Fatalf("make commit: %v", err)
	}
	sh := types.SignedHeader{Header: header, Commit: ext.ToCommit()}
	return fixture{vals: vals, signedHeader: marshalSH(t, sh.ToProto()), valSet: marshalVals(t, vals)}
}

func mustAddr(t *testing.T, pv types.PrivValidator) []byte {
	t.Helper()
	pk, err := pv.GetPubKey()
	if err != nil {
		t.Fatalf("pubkey: %v", err)
	}
	return pk.Address()
}

func marshalSH(t *testing.T, p *cmtproto.SignedHeader) []byte {
	t.Helper()
	b, err := p.Marshal()
	if err != nil {
		t.Fatalf("marshal signed header: %v", err)
	}
	return b
}

func marshalVals(t *testing.T, vals *types.ValidatorSet) []byte {
	t.Helper()
	p, err := vals.ToProto()
	if err != nil {
		t.Fatalf("validator set to proto: %v", err)
	}
	b, err := p.Marshal()
	if err != nil {
		t.Fatalf("marshal validator set: %v", err)
	}
	return b
}

// editSH decodes the signed header, applies edit and re-encodes it, so the
// tampered blob is still well-formed protobuf.
func editSH(t *testing.T, b []byte, edit func(*cmtproto.SignedHeader)) []byte {
	t.Helper()
	var p cmtproto.SignedHeader
	if err := p.Unmarshal(b); err != nil {
		t.Fatalf("unmarshal: %v", err)
	}
	edit(&p)
	return marshalSH(t, &p)
}

func TestVerifyCheckpoint(t *testing.T) {
	good := newFixture(t, testChainID, testHeight, 4)
	// forged is internally consistent (its own keys sign its own header) but
	// is not signed by the trusted set.
	forged := newFixture(t, testChainID, testHeight, 4)
	single := newFixture(t, testChainID, testHeight, 1)

	tests := []struct {
		desc         string
		chainID      string
		height       int64
		signedHeader []byte
		valSet       []byte
		trusted      *types.ValidatorSet
		wantErr      error
	}{
		{
			desc: "valid", chainID: testChainID, height: testHeight,
			signedHeader: good.signedHeader, valSet: good.valSet, trusted: good.vals,
		},
		{
			desc: "valid single validator", chainID: testChainID, height: testHeight,
			signedHeader: single.signedHeader, valSet: single.valSet, trusted: single.vals,
		},
		{
			desc: "wrong chain id", chainID: "other-chain", height: testHeight,
			signedHeader: good.signedHeader, valSet: good.valSet, trusted: good.vals,
			wantErr: checkpoint.ErrChainID,
		},
		{
			desc: "header chain id rewritten", chainID: "other-chain", height: testHeight,
			signedHeader: editSH(t, good.signedHeader, func(p *cmtproto.SignedHeader) { p.Header.ChainID = "other-chain" }),
			valSet:       good.valSet, trusted: good.vals,
			wantErr: checkpoint.ErrHeaderHash,
		},
		{
			desc: "wrong height", chainID: testChainID, height: testHeight + 1,
			signedHeader: good.signedHeader, valSet: good.valSet, trusted: good.vals,
			wantErr: checkpoint.ErrHeight,
		},
		{
			desc: "header app hash changed", chainID: testChainID, height: testHeight,
			signedHeader: editSH(t, good.signedHeader, func(p *cmtproto.SignedHeader) { p.Header.AppHash = []byte("app-hash-after") }),
			valSet:       good.valSet, trusted: good.vals,
			wantErr: checkpoint.ErrHeaderHash,
		},
		{
			desc: "header app hash one bit flipped", chainID: testChainID, height: testHeight,
			signedHeader: editSH(t, good.signedHeader, func(p *cmtproto.SignedHeader) { p.Header.AppHash[0] ^= 1 }),
			valSet:       good.valSet, trusted: good.vals,
			wantErr: checkpoint.ErrHeaderHash,
		},
		{
			desc: "commit signature byte flipped", chainID: testChainID, height: testHeight,
			signedHeader: editSH(t, good.signedHeader, func(p *cmtproto.SignedHeader) { p.Commit.Signatures[0].Signature[5] ^= 0x80 }),
			valSet:       good.valSet, trusted: good.vals,
			wantErr: checkpoint.ErrCommit,
		},
		{
			desc: "single validator signature byte flipped", chainID: testChainID, height: testHeight,
			signedHeader: editSH(t, single.signedHeader, func(p *cmtproto.SignedHeader) { p.Commit.Signatures[0].Signature[0] ^= 1 }),
			valSet:       single.valSet, trusted: single.vals,
			wantErr: checkpoint.ErrCommit,
		},
		{
			desc: "too few signatures", chainID: testChainID, height: testHeight,
			signedHeader: editSH(t, good.signedHeader, func(p *cmtproto.SignedHeader) {
				for i := 0; i < 2; i++ {
					p.Commit.Signatures[i] = cmtproto.CommitSig{BlockIdFlag: cmtproto.BlockIDFlagAbsent}
				}
			}),
			valSet: good.valSet, trusted: good.vals,
			wantErr: checkpoint.ErrCommit,
		},
		{
			desc: "validator set swapped for fresh keys", chainID: testChainID, height: testHeight,
			signedHeader: good.signedHeader, valSet: forged.valSet, trusted: good.vals,
			wantErr: checkpoint.ErrValidatorsHash,
		},
		{
			desc: "self-consistent checkpoint from untrusted keys", chainID: testChainID, height: testHeight,
			signedHeader: forged.signedHeader, valSet: forged.valSet, trusted: good.vals,
			wantErr: checkpoint.ErrUntrustedValidators,
		},
		{
			desc: "trusted set differs", chainID: testChainID, height: testHeight,
			signedHeader: good.signedHeader, valSet: good.valSet, trusted: single.vals,
			wantErr: checkpoint.ErrUntrustedValidators,
		},
		{
			desc: "no trusted set", chainID: testChainID, height: testHeight,
			signedHeader: good.signedHeader, valSet: good.valSet, trusted: nil,
			wantErr: checkpoint.ErrUntrustedValidators,
		},
		{
			desc: "truncated signed header", chainID: testChainID, height: testHeight,
			signedHeader: good.signedHeader[:len(good.signedHeader)/2], valSet: good.valSet, trusted: good.vals,
			wantErr: checkpoint.ErrMalformed,
		},
		{
			desc: "empty validator set", chainID: testChainID, height: testHeight,
			signedHeader: good.signedHeader, valSet: nil, trusted: good.vals,
			wantErr: checkpoint.ErrMalformed,
		},
		{
			desc: "commit missing", chainID: testChainID, height: testHeight,
			signedHeader: editSH(t, good.signedHeader, func(p *cmtproto.SignedHeader) { p.Commit = nil }),
			valSet:       good.valSet, trusted: good.vals,
			wantErr: checkpoint.ErrMalformed,
		},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			h, err := checkpoint.VerifyCheckpoint(tc.chainID, tc.height, tc.signedHeader, tc.valSet, tc.trusted)
			if tc.wantErr == nil {
				if err != nil {
					t.Fatalf("VerifyCheckpoint: unexpected error: %v", err)
				}
				if h == nil || h.Height != tc.height || h.ChainID != tc.chainID {
					t.Fatalf("VerifyCheckpoint returned header %+v", h)
				}
				return
			}
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("VerifyCheckpoint error = %v, want %v", err, tc.wantErr)
			}
			if h != nil {
				t.Fatalf("VerifyCheckpoint returned a header along with error %v", err)
			}
		})
	}
}
