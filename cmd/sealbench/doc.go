// Command sealbench is the network benchmark harness of DESIGN.md §5.
//
// In one process it starts a local 4-validator Sealchain network, commits
// the setup a contract_signed record needs (a signer certificate, then one
// contract and one intent per record), and times N contract_signed
// transactions submitted through the platform node's in-process CometBFT
// client. Then it runs CometBFT's abci/example/kvstore as 4 in-process
// validators on the same ports and settings and times N kvstore
// transactions of the same byte sizes. It prints committed tx/s and
// submit-to-commit latency percentiles for both, and the ratio, and writes
// them as JSON.
//
// A transaction's submit time is taken just before BroadcastTxSync; its
// commit time is the first 10 ms poll that sees it committed on the
// submitting node: for Sealchain, a poll runs whenever the platform store's
// committed height changes and looks every pending tx up in the store's
// TxLogIndex; for kvstore, a poll reads the app's committed height through
// ABCI Info and walks the new blocks' transactions.
//
//	go run ./cmd/sealbench -n 2000 -concurrency 16 -out bench.json
package main
