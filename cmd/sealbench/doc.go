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
// TxLogIndex; for kvstore, a poll reads the block store's height and walks
// the new blocks' transactions.
//
// With -batch B and -batch-n M, the same network then times M more
// contract_signed records sent as batches of B (client.Submitter.BuildItem
// and BuildBatch): a record's commit is its own leaf in the log (its item
// hash in TxLogIndex), so throughput is records/s and latency is per
// record; the counts are checked against the log's growth. The kvstore
// txs then have the size each record has as a standalone tx. Each run also
// measures SM2 verifies/s on every core (-sm2-loop, before and after the
// networks) and prints each Sealchain figure as a fraction of the limit it
// implies: verifies/s ÷ (validators × verifies per record), 2 per
// standalone record, 1 + 1/B per batched one. -validators 1 runs a single
// node.
//
// Modes: a burst of -n transactions (default); sustained load (-rate with
// -duration); a rate sweep (-sweep with -duration: each offered load in
// turn on one network per app, with PNG plots via -plots; with -batch,
// records in batches of what arrives within -batch-wait, kvstore as one
// burst, and the highest rate meeting issue 14's goal); and the query
// and storage benchmark (the store subcommand: a store grown with
// store.BulkLoader through the given sizes, measuring lookups with proofs,
// bundle size, offline verification and disk use). -profile writes CPU,
// block and mutex profiles of each timed phase. See docs/benchmarks.md.
//
// The fabric subcommand (`make bench-fabric`) times the same evidence record
// on Hyperledger Fabric: it starts test/fabric's network (one etcdraft
// orderer, one peer) on free ports with the evidence chaincode of
// test/fabric/evidencecc, submits -n records from -concurrency Gateway
// clients (endorse, submit, then commit status), optionally offers the
// -sweep rates, and reports the same columns through the same pump.
//
//	go run ./cmd/sealbench -n 2000 -concurrency 16 -out bench.json
//	go run ./cmd/sealbench -n 3000 -batch 100 -batch-n 20000 -concurrency 32
//	go run ./cmd/sealbench -sweep 250,500,1000,1500,2000 -duration 3s -plots out
//	go run ./cmd/sealbench -batch 100 -sweep 2000,4000,5500,7000 -duration 4s -plots out
//	go run ./cmd/sealbench store -sizes 1000000,10000000 -plots out
//	go run ./cmd/sealbench fabric -n 3000 -concurrency 32 -out fabric.json
package main
