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
//   - (the transaction submitter, the chain/judicial API with auth and
//     reports, the workflow API and signing pages, and anchoring: listed
//     here by the other half of issue #13's item 1.)
//
// CometBFT's config.toml is decoded in package config, with Sealchain's own
// config.
//
// Lifecycle: [New] reads the home; [Node.Start] starts the parts in order;
// [Node.Stop] stops the API, then CometBFT, then the store, logging each
// failure and going on; [Node.Quit] is closed once stopped.
package node
