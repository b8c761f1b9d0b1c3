package chain

import (
	"encoding/binary"
	"time"
)

// The index keys of the store (chain/store). Which keys a record is found
// under is a property of its type (Body.IndexKeys), so the keys are derived
// here, next to the types; the store writes them (an empty value each) when
// it appends the record and scans them to answer queries. All of them start with
// IndexKeyFamily and end in the record's 8-byte log index, so a prefix scan
// returns records in log order and a cursor is just the last index seen:
//
//	x/d/<hash><index:8>               document, report, seal or identity hash
//	x/k/<len:1><contract id><index:8> a contract's timeline
//	x/c/<fingerprint:32><index:8>     certificate
//	x/t/<unix ns:8><index:8>          block time
//
// The keys are part of the store's contents (snapshots carry them and the
// import checks them), so they must not change for a given record.

// IndexKeyFamily is the prefix of every index key.
const IndexKeyFamily = "x/"

var (
	prefixByDoc      = []byte("x/d/")
	prefixByContract = []byte("x/k/")
	prefixByCert     = []byte("x/c/")
	prefixByTime     = []byte("x/t/")
)

// DocIndexPrefix is the key prefix of the records indexed under a document
// hash (SM3 or SHA-256).
func DocIndexPrefix(h []byte) []byte { return append(append([]byte(nil), prefixByDoc...), h...) }

// ContractIndexPrefix is the key prefix of a contract's records.
func ContractIndexPrefix(id string) []byte {
	k := append([]byte(nil), prefixByContract...)
	k = append(k, byte(len(id)))
	return append(k, id...)
}

// CertIndexPrefix is the key prefix of the records that issued, revoked or
// were made with a certificate.
func CertIndexPrefix(fp Fingerprint) []byte {
	return append(append([]byte(nil), prefixByCert...), fp[:]...)
}

// TimeIndexKey is the time index key of block time t, without the log index:
// the bound of a time range scan.
func TimeIndexKey(t time.Time) []byte { return u64key(prefixByTime, uint64(t.UnixNano())) }

// EncodeIndexKeys lists the store keys that index one record (the committed
// tx and its log entry): under its ContractID, its actor's certificate, the
// body's IndexKeys (Docs, Contracts, Certs, in that order) and its block
// time.
func EncodeIndexKeys(tx *Tx, en *Entry) [][]byte {
	idx := binary.BigEndian.AppendUint64(nil, en.Index)
	var keys [][]byte
	add := func(prefix []byte) { keys = append(keys, append(prefix, idx...)) }
	if id := tx.Body.ContractID(); id != "" {
		add(ContractIndexPrefix(id))
	}
	if tx.Actor != nil {
		add(CertIndexPrefix(tx.Actor.Cert))
	}
	k := tx.Body.IndexKeys()
	for _, h := range k.Docs {
		add(DocIndexPrefix(h))
	}
	for _, id := range k.Contracts {
		add(ContractIndexPrefix(id))
	}
	for _, fp := range k.Certs {
		add(CertIndexPrefix(fp))
	}
	add(TimeIndexKey(en.Time))
	return keys
}

func u64key(prefix []byte, v uint64) []byte {
	k := append([]byte(nil), prefix...)
	return binary.BigEndian.AppendUint64(k, v)
}
