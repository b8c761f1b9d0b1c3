package checkpoint

import (
	"bytes"
	"errors"
	"fmt"
	"slices"

	cmtproto "github.com/cometbft/cometbft/api/cometbft/types/v1"
	ce "github.com/cometbft/cometbft/crypto/encoding"
	"github.com/cometbft/cometbft/crypto/tmhash"
	"github.com/cometbft/cometbft/types"
)

// Sentinel errors returned (wrapped) by [VerifyCheckpoint]; each names the
// check that failed. Use errors.Is to branch on them.
var (
	// ErrMalformed means the bytes do not decode to a structurally valid
	// signed header or validator set.
	ErrMalformed = errors.New("malformed checkpoint")
	// ErrChainID means the header belongs to another chain.
	ErrChainID = errors.New("chain id mismatch")
	// ErrHeight means the header is not at the requested height.
	ErrHeight = errors.New("height mismatch")
	// ErrHeaderHash means the commit does not sign this header.
	ErrHeaderHash = errors.New("commit does not sign header hash")
	// ErrValidatorsHash means the validator set is not the one the header
	// commits to.
	ErrValidatorsHash = errors.New("validator set does not match header validators hash")
	// ErrUntrustedValidators means the validator set differs from the
	// trusted one.
	ErrUntrustedValidators = errors.New("validator set is not the trusted set")
	// ErrCommit means the commit lacks valid signatures from more than 2/3
	// of the voting power.
	ErrCommit = errors.New("invalid commit")
)

// VerifyCheckpoint decodes signedHeader and valSet (protobuf encodings of
// cometbft SignedHeader and ValidatorSet) and checks, in this order:
//
//  1. both decode and pass basic validation, else [ErrMalformed];
//  2. header.ChainID == chainID, else [ErrChainID];
//  3. header.Height == height, else [ErrHeight];
//  4. the commit is for this height and commit.BlockID.Hash == header.Hash(),
//     else [ErrHeaderHash];
//  5. header.ValidatorsHash == valSet.Hash(), else [ErrValidatorsHash];
//  6. valSet has the same validators (address, public key, power, in
//     order) as trusted, else [ErrUntrustedValidators];
//  7. the commit carries valid signatures of more than 2/3 of the voting
//     power, and every signature it carries is valid (types.VerifyCommit:
//     no byte of a checkpoint goes unchecked), else [ErrCommit].
//
// Signature checks run last because they are the expensive part an attacker
// controls. On success it returns the verified header.
func VerifyCheckpoint(chainID string, height int64, signedHeader, valSet []byte, trusted *types.ValidatorSet) (*types.Header, error) {
	sh, vals, err := decode(signedHeader, valSet)
	if err != nil {
		return nil, err
	}
	h := sh.Header

	if h.ChainID != chainID {
		return nil, fmt.Errorf("%w: header has %q, want %q", ErrChainID, h.ChainID, chainID)
	}
	if h.Height != height {
		return nil, fmt.Errorf("%w: header has %d, want %d", ErrHeight, h.Height, height)
	}

	if sh.Commit.Height != h.Height {
		return nil, fmt.Errorf("%w: commit is for height %d, header is %d", ErrHeaderHash, sh.Commit.Height, h.Height)
	}
	// Header.Hash is nil when ValidatorsHash is empty; demand a full-size
	// hash so two empty values never compare equal.
	hh := h.Hash()
	if len(hh) != tmhash.Size || !bytes.Equal(hh, sh.Commit.BlockID.Hash) {
		return nil, fmt.Errorf("%w: commit signs %X, header is %X", ErrHeaderHash, sh.Commit.BlockID.Hash, hh)
	}

	if vh := vals.Hash(); !bytes.Equal(vh, h.ValidatorsHash) {
		return nil, fmt.Errorf("%w: header has %X, set hashes to %X", ErrValidatorsHash, h.ValidatorsHash, vh)
	}

	if err := sameValidators(vals, trusted); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUntrustedValidators, err)
	}

	// CometBFT does not sign a commit signature's validator address and
	// matches signatures to validators by position, so an edited address
	// would still verify. Require every address to be the validator's at
	// that position: one bundle, one encoding.
	for i, cs := range sh.Commit.Signatures {
		if cs.BlockIDFlag == types.BlockIDFlagAbsent {
			continue
		}
		if i >= len(vals.Validators) || !bytes.Equal(cs.ValidatorAddress, vals.Validators[i].Address) {
			return nil, fmt.Errorf("%w: signature %d names validator %X, not the validator at that position", ErrCommit, i, cs.ValidatorAddress)
		}
	}
	if err := types.VerifyCommit(chainID, vals, sh.Commit.BlockID, h.Height, sh.Commit); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCommit, err)
	}
	return h, nil
}

// decode turns the two blobs into validated domain types.
func decode(signedHeader, valSet []byte) (*types.SignedHeader, *types.ValidatorSet, error) {
	var psh cmtproto.SignedHeader
	if err := psh.Unmarshal(signedHeader); err != nil {
		return nil, nil, fmt.Errorf("%w: decode signed header: %w", ErrMalformed, err)
	}
	if psh.Header == nil || psh.Commit == nil {
		return nil, nil, fmt.Errorf("%w: signed header lacks header or commit", ErrMalformed)
	}
	sh, err := types.SignedHeaderFromProto(&psh)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: signed header: %w", ErrMalformed, err)
	}
	if err := sh.Header.ValidateBasic(); err != nil {
		return nil, nil, fmt.Errorf("%w: header: %w", ErrMalformed, err)
	}
	if err := sh.Commit.ValidateBasic(); err != nil {
		return nil, nil, fmt.Errorf("%w: commit: %w", ErrMalformed, err)
	}

	var pvs cmtproto.ValidatorSet
	if err := pvs.Unmarshal(valSet); err != nil {
		return nil, nil, fmt.Errorf("%w: decode validator set: %w", ErrMalformed, err)
	}
	if len(pvs.Validators) == 0 {
		return nil, nil, fmt.Errorf("%w: empty validator set", ErrMalformed)
	}
	vals, err := ValidatorSetFromProto(&pvs)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: validator set: %w", ErrMalformed, err)
	}
	return sh, vals, nil
}

// ValidatorSetFromProto is types.ValidatorSetFromProto, refusing first the
// validators it would dereference a nil key of (CometBFT v1.0.1 falls back
// to *PubKey when the key type and bytes do not parse). Use it on any
// validator set read from untrusted bytes.
func ValidatorSetFromProto(pvs *cmtproto.ValidatorSet) (*types.ValidatorSet, error) {
	for i, v := range append(slices.Clone(pvs.Validators), pvs.Proposer) {
		if v == nil {
			continue // reported by ValidatorSetFromProto
		}
		if _, err := ce.PubKeyFromTypeAndBytes(v.PubKeyType, v.PubKeyBytes); err != nil && v.PubKey == nil {
			return nil, fmt.Errorf("validator %d: %w", i, err)
		}
	}
	return types.ValidatorSetFromProto(pvs)
}

// sameValidators compares membership and power position by position; the
// order matters because commit signatures are matched to validators by index.
func sameValidators(got, trusted *types.ValidatorSet) error {
	if trusted == nil || trusted.Size() == 0 {
		return errors.New("no trusted validator set given")
	}
	if got.Size() != trusted.Size() {
		return fmt.Errorf("set has %d validators, trusted has %d", got.Size(), trusted.Size())
	}
	for i, g := range got.Validators {
		w := trusted.Validators[i]
		switch {
		case !bytes.Equal(g.Address, w.Address):
			return fmt.Errorf("validator %d is %X, trusted is %X", i, g.Address, w.Address)
		case g.PubKey.Type() != w.PubKey.Type() || !bytes.Equal(g.PubKey.Bytes(), w.PubKey.Bytes()):
			return fmt.Errorf("validator %d (%X) has a different public key", i, g.Address)
		case g.VotingPower != w.VotingPower:
			return fmt.Errorf("validator %d (%X) has power %d, trusted %d", i, g.Address, g.VotingPower, w.VotingPower)
		}
	}
	return nil
}

// VerifyHop moves trust from one validator set to the next. signedHeader is
// the header at which the set changes (its NextValidatorsHash names the new
// set) with its commit; nextValSet is the new set. It checks, in order:
//
//  1. both decode, else [ErrMalformed];
//  2. header.ChainID == chainID, else [ErrChainID];
//  3. the commit signs this header, else [ErrHeaderHash];
//  4. header.ValidatorsHash == trusted.Hash(), else [ErrUntrustedValidators];
//  5. more than 2/3 of trusted's power signed it, else [ErrCommit];
//  6. nextValSet hashes to header.NextValidatorsHash, else [ErrValidatorsHash].
//
// It returns the new set, now trusted, and the header. This is sequential
// verification: every change is signed by the set before it, so evidence
// stays verifiable however old it is (no trusting period).
func VerifyHop(chainID string, signedHeader, nextValSet []byte, trusted *types.ValidatorSet) (*types.ValidatorSet, *types.Header, error) {
	sh, next, err := decode(signedHeader, nextValSet)
	if err != nil {
		return nil, nil, err
	}
	h := sh.Header
	if h.ChainID != chainID {
		return nil, nil, fmt.Errorf("%w: header has %q, want %q", ErrChainID, h.ChainID, chainID)
	}
	if sh.Commit.Height != h.Height || !bytes.Equal(sh.Commit.BlockID.Hash, h.Hash()) {
		return nil, nil, fmt.Errorf("%w: at height %d", ErrHeaderHash, h.Height)
	}
	if trusted == nil || !bytes.Equal(h.ValidatorsHash, trusted.Hash()) {
		return nil, nil, fmt.Errorf("%w: header %d was signed by a set other than the trusted one", ErrUntrustedValidators, h.Height)
	}
	for i, cs := range sh.Commit.Signatures {
		if cs.BlockIDFlag == types.BlockIDFlagAbsent {
			continue
		}
		if i >= len(trusted.Validators) || !bytes.Equal(cs.ValidatorAddress, trusted.Validators[i].Address) {
			return nil, nil, fmt.Errorf("%w: signature %d names validator %X, not the validator at that position", ErrCommit, i, cs.ValidatorAddress)
		}
	}
	if err := types.VerifyCommit(chainID, trusted, sh.Commit.BlockID, h.Height, sh.Commit); err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrCommit, err)
	}
	if !bytes.Equal(next.Hash(), h.NextValidatorsHash) {
		return nil, nil, fmt.Errorf("%w: next validator set does not match header %d's next validators hash", ErrValidatorsHash, h.Height)
	}
	return next, h, nil
}
