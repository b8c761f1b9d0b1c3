// Package comet runs CometBFT in the node's process, with the app behind a
// local ABCI client, and owns CometBFT's files in a node home.
//
// It owns:
//   - CometBFT's config: [Options] (what Sealchain's own config sets, see
//     [OptionsFromConfig]) applied over config.toml, which
//     config.LoadComet decodes;
//   - CometBFT's files: config.toml and the validator and node keys
//     ([InitFiles]), and genesis.json ([WriteGenesis], with the consensus
//     parameters Sealchain depends on);
//   - the running node ([Start], [Node]): its block, commit and validator
//     queries for checkpoints, and its clean stop;
//   - the mempool's ABCI connection, which answers CheckTx from a bounded
//     pool of workers instead of on a peer's receive loop (mempool.go);
//   - the database wrapper that makes CometBFT's databases safe to close
//     and reopen in one process (db.go);
//   - the adaptors that send CometBFT's and pebble's logs through the
//     node's slog logger ([NewLogger], [PebbleLogger]);
//   - the state sync trust point ([FetchTrustPoint]).
//
// It knows nothing of Sealchain's records: the app is any
// abci.Application, so benchmarks run it with CometBFT's kvstore.
package comet
