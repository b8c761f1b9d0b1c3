// Package anchor writes Sealchain checkpoints to an external witness ledger
// (a court's Hyperledger Fabric channel) and reads them back.
//
// An [Anchor] is a checkpoint: chain id, height, app hash, log size and log
// root. A [Ledger] stores it and returns a [Receipt] (network, channel,
// chaincode, transaction id, block number, time). Two implementations exist:
// anchor/gateway talks to Fabric 2.4 and later through the peer's Gateway
// service; anchor/fabricsdkexec runs the helper built from the nested module
// anchor/fabricsdk (fabric-sdk-go, for Fabric 1.4 and 2.2 networks), which
// cannot be linked with the Gateway client (docs/anchoring.md says why).
//
// # Security assumptions
//
// The witness ledger is trusted only to be append-only and independent of
// the Sealchain validators: an anchor read back from it is compared field by
// field with the checkpoint the chain recorded; nothing it returns is taken
// as true without that comparison. The chaincode refuses a height at or below
// the latest one for a chain id, so a rewritten history cannot be anchored
// after the original.
//
// This package has no Fabric dependencies, so the offline verifier (and its
// browser build) can use its types.
package anchor
