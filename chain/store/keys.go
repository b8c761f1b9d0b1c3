package store

import (
	"encoding/binary"

	"github.com/sealchain/sealchain/chain"
)

// Key layout in the store's pebble database. State keys (s/) are hashed into
// the state root; everything else is derived from the log and the headers.
//
//	m/last                     Checkpoint of the last committed height
//	h/<height:8>               Checkpoint at each height
//	l/...                      Merkle log nodes (see pebblelog)
//	e/<index:8>                Entry bytes (the leaf)
//	s/o/<org id>               Org
//	s/c/<fingerprint:32>       CertState
//	s/k/<contract id>          ContractState
//	s/t/<tx hash:32>           log index of a committed tx (replay guard)
//	s/p/<proposal id>          ProposalState
//	s/v/<public key>           ValidatorState
//	s/i/<fingerprint:32>       VerifierState
//	s/g/params                 Params
//	s/d/<identity ref>         IdentityState
//	s/e/<seal hash>            SealState
//	s/anchor/<height:8>        AnchorState (anchor.go)
//	s/anchor-latest            newest anchored height (8 bytes)
//	s/u/plan                   PendingUpgrade (upgrade.go)
//	s/u/a/<height:8>           UpgradeActivation
//	s/case/<case id>           CaseState (institution cases, rules version 3)
//	s/num/<org id>/<number>    IssuedNumber (an institution's document numbers, rules version 4)
//	x/...                      indexes: chain.EncodeIndexKeys
//	q/i/..., q/a/...           cases by institution and applicant (caseindex.go; not in snapshots, rebuilt)
//	m/caseidx                  the case index's version
//	c/<height:8>               headers whose NextValidatorsHash names a new validator set
//	n/<depth:2><path><^version:8> certificate status tree nodes, rules version 4 (certtree.go)
var (
	keyLast     = []byte("m/last")
	prefixLog   = []byte("l/")
	prefixEntry = []byte("e/")
	prefixH     = []byte("h/")
	// c/<height:8>: headers whose NextValidatorsHash names a new set.
	prefixValChange = []byte("c/")
)

func u64(v uint64) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], v)
	return b[:]
}

func u64key(prefix []byte, v uint64) []byte { return append(append([]byte(nil), prefix...), u64(v)...) }

func orgKey(id string) []byte             { return append([]byte("s/o/"), id...) }
func certKey(fp chain.Fingerprint) []byte { return append([]byte("s/c/"), fp[:]...) }
func contractKey(id string) []byte        { return append([]byte("s/k/"), id...) }
func txKey(h chain.Hash) []byte           { return append([]byte("s/t/"), h[:]...) }

func proposalKey(id string) []byte            { return append([]byte("s/p/"), id...) }
func validatorKey(pub []byte) []byte          { return append([]byte("s/v/"), pub...) }
func verifierKey(fp chain.Fingerprint) []byte { return append([]byte("s/i/"), fp[:]...) }
func identityKey(ref []byte) []byte           { return append([]byte("s/d/"), ref...) }
func sealKey(h []byte) []byte                 { return append([]byte("s/e/"), h...) }

// prefixCase does not share a prefix with s/c/ (certificates): "s/ca" ≠ "s/c/".
var prefixCase = []byte("s/case/")

func caseKey(id string) []byte { return append(append([]byte(nil), prefixCase...), id...) }

// numberKey is an institution's issued document number. Organisation ids
// hold no "/" (chain.ValidateID), so the first "/" after the prefix ends
// the id and the number may hold any character. It is not under s/case/,
// which View.Cases scans.
func numberKey(institution, number string) []byte {
	return append(append(append([]byte("s/num/"), institution...), '/'), number...)
}

var keyParams = []byte("s/g/params")

var (
	keyUpgradePlan          = []byte("s/u/plan")
	prefixUpgradeActivation = []byte("s/u/a/")
)
