// Package store is the app's persistent state: the SM3 Merkle log of
// committed records, the mutable state, the indexes and the per-height
// checkpoints, in one pebble database. It splits from package chain the way
// CometBFT's light/store/db splits from light: chain owns the records, their
// encodings, the state values and the index keys, and builds for every
// target (the browser verifier among them); this package owns the storage,
// which needs pebble and so does not build for js/wasm.
//
// What it owns:
//   - the key layout of the database (keys.go) and the state-root fold
//     (Block.setState): the bytes are chain.EncodeState's, the keys are
//     this package's, and both are consensus-critical through the app hash;
//   - [Store] (Open, Commit, proofs from the log), [Block] (one height's
//     staged writes, as FinalizeBlock makes them) and [View] (reads of
//     committed state or of a block's own writes);
//   - index scans ([View.ByDoc], [View.ByContract], [View.ByCert],
//     [View.ByTime]) over the keys chain.EncodeIndexKeys names;
//   - state-sync snapshots ([Store.Export], [Store.NewImport]) and the
//     [BulkLoader] for benchmarks.
//
// The Merkle log itself is package
// [github.com/sealchain/sealchain/chain/merklelog/pebblelog], under the
// l/ prefix.
package store
