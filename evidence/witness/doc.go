// Package witness publishes Sealchain's record log as C2SP checkpoints and
// collects, checks and produces witness cosignatures over them.
//
// The formats are the C2SP ones, so that witnesses nobody here wrote can
// take part:
//
//   - c2sp.org/signed-note: text, a blank line, and signature lines
//     "— <key name> base64(key id ‖ signature)" (package
//     golang.org/x/mod/sumdb/note parses and signs them; [Open] adds the
//     limits and the one-encoding rule below).
//   - c2sp.org/tlog-checkpoint: the note text is the origin line, the tree
//     size and the base64 root hash, then optional extension lines
//     ([Checkpoint]). A Sealchain node signs its checkpoint with an Ed25519
//     note key (signature type 0x01) named after the origin.
//   - c2sp.org/tlog-cosignature: a witness's cosignature/v1 is a note
//     signature of type 0x04: an 8-byte big-endian POSIX time followed by
//     the Ed25519 signature of "cosignature/v1\ntime <t>\n" ‖ note text
//     ([Cosigner], [NewCosignatureVerifier]).
//   - c2sp.org/tlog-witness: POST <prefix>/add-checkpoint with the old size,
//     a consistency proof and the checkpoint; the witness answers with its
//     cosignature lines, or 404, 403, 400, 409 (text/x.tlog.size), 422
//     ([Witness.AddCheckpoint], [Handler], [Client]).
//
// # The hash is SM3
//
// Sealchain's log is an RFC 6962 tree over SM3 (package
// chain/merklelog), not SHA-256. The checkpoint carries the root as 32
// bytes and says nothing of the hash function, so a generic witness
// (one built for SHA-256 logs) would check Sealchain's consistency proofs
// with the wrong hash and refuse every one of them. A witness for a
// Sealchain log must hash with SM3: [Log].Hasher defaults to it.
//
// # One encoding
//
// Go's base64 decoder ignores the unused low bits of a final character, so
// two spellings of a signature line can decode to the same bytes. [Open]
// refuses any signature that is not in canonical (strict) base64, so that
// every byte of a cosigned checkpoint matters to its verification.
//
// The package has no storage beyond [FileStore], imports nothing of the
// node, and builds for js/wasm (the browser verifier counts cosignatures
// through it).
package witness
