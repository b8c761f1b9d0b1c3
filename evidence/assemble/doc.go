// Package assemble builds evidence bundles ([evidence.Bundle]) from a node's
// committed store: [Bundle] collects the records about a subject, the
// certificate, governance and anchoring records that a verifier needs with
// them, an inclusion proof for each, and one checkpoint whose header the
// validators signed (through [Headers], the consensus engine).
//
// It is apart from package evidence, which defines the bundle and verifies it
// offline, because it reads the pebble store (chain/store), which does not
// build for js/wasm: the browser verifier imports evidence, never this.
package assemble
