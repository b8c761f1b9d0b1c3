// Package anchoring is the node's Fabric anchoring service ([anchor] in
// the config): it owns the loop that queues committed checkpoints, writes
// them to the Fabric witness ledger and records the receipts on chain as
// anchored records, the durable queue of those jobs (data/anchor-queue),
// the read-back check of anchored records ([anchor] verify = "fabric"), its
// metrics and the "anchoring" part of GET /v1/status.
//
// It runs beside consensus, never inside it, and submits its records
// through the node's submitter like any client. It declares what it reads
// from the store ([Store]) and how it submits ([Submitter]); the node wires
// the concrete ones.
package anchoring
