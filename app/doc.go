// Package app is Sealchain's ABCI++ application. CheckTx admits well-formed,
// correctly signed transactions; ProcessProposal refuses blocks carrying
// anything else; FinalizeBlock applies the stateful rules at the block time
// of the header and appends accepted records to the evidence log; Commit
// makes the block durable in one pebble batch. Every rejection has a stable
// code from codes.go and a message naming the field.
//
// The stateful rules are chain's (each record type's Apply, chain/rules.go),
// shared with the offline verifier: the app resolves and verifies the
// signatures (verify.go, with its caches), runs the rule over the block's
// staged view, and stages the writes it returns (rules.go). The anchored
// rule is chain's too (Anchored.Apply): the app passes it the genesis
// anchoring setting (anchored.go) and its checkpoints through the view. A
// passed validator change becomes a CometBFT validator update here
// (governance.go).
//
// The rules have a version (upgrade.go): FinalizeBlock runs each height
// under the version state says is in force there, switches at the height a
// passed schedule_upgrade proposal names, and returns an error (CometBFT
// halts) at a height whose version this binary does not support. From
// version 2 a transaction may be a batch of records under one envelope
// (batch.go): checked whole (any stateless or signature failure refuses
// it), then applied record by record, each its own leaf, a record failing
// a state rule refused alone in the batch's result.
//
// Concurrency: CometBFT serialises the consensus calls; CheckTx and Query may
// run concurrently with them and with each other (they read committed state
// and mutex-protected caches).
package app
