// Package app is Sealchain's ABCI++ application. CheckTx admits well-formed,
// correctly signed transactions; ProcessProposal refuses blocks carrying
// anything else; FinalizeBlock applies the stateful rules at the block time
// of the header and appends accepted records to the evidence log; Commit
// makes the block durable in one pebble batch. Every rejection has a stable
// code from codes.go and a message naming the field.
//
// Concurrency: CometBFT serialises the consensus calls; CheckTx and Query may
// run concurrently with them and with each other (they read committed state
// and mutex-protected caches).
package app
