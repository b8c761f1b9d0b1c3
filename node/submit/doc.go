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
// It owns no state: the store and the mempool are the node's.
package submit
