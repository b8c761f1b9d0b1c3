// Package checkpoint verifies, offline, that a block header was committed by
// a trusted CometBFT validator set.
//
// A checkpoint is a pair of protobuf blobs produced by a running node: a
// SignedHeader (header plus the commit that signed it) and the ValidatorSet
// at that height, both in the cometbft/api wire format. Protobuf is used
// rather than JSON so that the verifier never depends on a node's JSON
// rendering; every hash is recomputed from the decoded fields.
//
// # Security assumptions
//
// The caller supplies the trusted validator set (for Sealchain, the genesis
// set) and the expected chain ID and height out of band. Nothing in the
// checkpoint itself is trusted. The package does not follow validator-set
// changes: a checkpoint signed by any set other than the trusted one fails
// with [ErrUntrustedValidators].
//
// This package must not import the node package, so that offline verifiers
// stay free of the node's dependencies.
package checkpoint
