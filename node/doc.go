// Package node is the composition root of a Sealchain validator: [New]
// reads the home and config, [Node.Start] builds the services, hands each
// the concrete store, app and CometBFT node behind the small interfaces the
// service declares, and starts them in order. Nothing imports node; node
// imports everything else. It keeps only the wiring, the node's lifecycle,
// its logger and the HTTP server the services' routes are mounted on.
//
// The services, each a package with a doc saying what it owns:
//   - node/comet: CometBFT in this process (its config, keys and genesis
//     files, the running node, the mempool's ABCI client, the database
//     wrapper, log adaptors, the state sync trust point);
//   - node/nodehome: the home directory (layout, lock, init, testnet,
//     network genesis);
//   - node/submit: the one way the node submits a transaction and reads
//     its outcome (typed: pending, committed, rejected, replay, mempool
//     full, too large, unavailable), used by every service below;
//   - node/chainapi: the chain and judicial HTTP API (transactions, records,
//     evidence, reports, PDF verification, seal rendering, signed-request
//     and TLS client authentication, the verification page);
//   - node/flowapi: the signing workflow in this node, its platform and
//     signer APIs and the signing pages;
//   - node/anchoring: the Fabric anchoring loop, its queue and read-back;
//   - node/httpjson (the JSON answers, metrics and router the two APIs
//     share) and node/web (the pages' embedded assets).
//
// CometBFT's config.toml is decoded in package config, with Sealchain's own
// config.
//
// Lifecycle: [New] reads the home; [Node.Start] starts the parts in order;
// [Node.Stop] stops the API, then CometBFT, then the store, logging each
// failure and going on; [Node.Quit] is closed once stopped.
package node
