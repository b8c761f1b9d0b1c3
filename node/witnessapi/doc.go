// Package witnessapi is the node's side of independent witnessing: it
// publishes the record log as a C2SP tlog-checkpoint signed with the node's
// note key (GET /v1/checkpoint), serves the consistency proofs a witness
// needs (GET /v1/checkpoint/consistency), accepts checkpoints cosigned by
// the configured witnesses (POST /v1/checkpoint/cosignatures) and keeps the
// latest of them, which it serves (GET /v1/checkpoint/cosigned) and puts
// in evidence bundles ([API.Attach]).
//
// The protocol itself (formats, signatures, the witness's rules) is
// package evidence/witness. The cosigned checkpoints are the node's own
// file (data/witness/cosigned.json), not chain state: witnessing is
// outside consensus, and each node keeps what witnesses sent it.
package witnessapi
