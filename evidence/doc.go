// Package evidence turns the chain's records into evidence a court can check
// without trusting anyone but its own genesis file.
//
// A [Bundle] (format v1, docs/evidence-bundle.md) holds the records about one
// subject (a document hash, a contract or a certificate), an RFC 6962
// inclusion proof for each, and one checkpoint: the header of the block after
// the proofs' log size, the commit that signed it and the validator set.
// Package [github.com/sealchain/sealchain/evidence/assemble] builds a bundle
// from a node's store; [Verifier.Verify] checks it offline. This package
// holds no storage and has no build tags, so the browser verifier (js/wasm)
// builds it as it is.
//
// # Verification
//
// [NewVerifier] takes a [Trust] read from a genesis file: the chain id, the
// validator set and the organisations' CA certificates. [Verifier.Verify]
// runs the checks in the order its doc lists (format, checkpoint signatures,
// app hash, each record's inclusion, decoding and signatures, intent, file),
// records every check's outcome in a [Result], and reports OK only when all
// passed. Verification is a pure function of the bundle, the trust and the
// file: no clock, no network.
//
// # Security assumptions
//
// More than 2/3 of the genesis validators' voting power is honest; the
// genesis file the verifier holds is authentic; SM2, SM3, ECDSA P-256 and
// ed25519 are secure. A bundle proves that its records were in the log at the
// checkpoint's height and time; it does not prove that no other record exists
// (for example a revocation the serving node left out): see
// docs/architecture.md.
//
// # Compatibility
//
// Bundles carry a format name and version; a verifier refuses versions it
// does not know with a clear message. New versions will be read alongside v1.
package evidence
