// Package submit is the node's one way to hand a transaction to CometBFT's
// mempool and learn what became of it.
//
// A [Submitter] owns the mapping from CometBFT's answers (a CheckTx code in
// the broadcast result, CometBFT v1's mempool.ErrInvalidTx, a full
// mempool, a tx already in the cache, a stopped node) and from the app
// store and CometBFT's tx index (committed, rejected in FinalizeBlock) to
// one typed [Outcome]. Every submitter in the node (the HTTP API, the
// signing workflow, anchoring, evidence reports, the query audit records)
// goes through it, so they all read the mempool's answer the same way.
//
// Under rules version 2 and later ([chain.BatchRulesVersion]), after
// [Submitter.EnableBatching], the records of the node's own submitter
// credential go in batches: Submit queues the record's item, one goroutine
// sends a batch when it holds BatchConfig.MaxRecords records or its first
// record waited BatchConfig.MaxWait (at once after a quiet spell of
// MaxWait), and each Submit returns its own record's outcome. A batch refused because of record i (the CheckTx log names
// records[i]) answers that record and sends the others again. The submitter
// remembers which batch carried each record (the last 100,000), so Result
// reads a record's FinalizeBlock answer from its batch's chain.BatchResult.
// Every other tx goes alone, as before batches.
//
// The store and the mempool are the node's; the submitter's own state is
// the batch queue and that memory.
package submit
