package chain

import (
	"encoding/binary"
	"time"
)

// The index keys of the store (chain/store). Which keys a record is found
// under is a property of its type, so the keys are derived here, next to the
// types; the store writes them (an empty value each) when it appends the
// record and scans them to answer queries. All of them start with
// IndexKeyFamily and end in the record's 8-byte log index, so a prefix scan
// returns records in log order and a cursor is just the last index seen:
//
//	x/d/<hash><index:8>              document, report, seal or identity hash
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

// IndexKeys lists the index keys of one record: the committed tx and its
// log entry.
func IndexKeys(tx *Tx, en *Entry) [][]byte {
	idx := binary.BigEndian.AppendUint64(nil, en.Index)
	var keys [][]byte
	add := func(prefix []byte) { keys = append(keys, append(prefix, idx...)) }
	if id := tx.Body.ContractID(); id != "" {
		add(ContractIndexPrefix(id))
	}
	if tx.Actor != nil {
		add(CertIndexPrefix(tx.Actor.Cert))
	}
	switch b := tx.Body.(type) {
	case *CertIssued:
		add(CertIndexPrefix(FingerprintOf(b.Cert)))
	case *CertRevoked:
		add(CertIndexPrefix(b.Cert))
	case *ContractCreated:
		add(DocIndexPrefix(b.DocSM3))
		add(DocIndexPrefix(b.DocSHA256))
	case *ReportIssued:
		add(DocIndexPrefix(b.ReportSM3)) // find the record from the report file
	case *QueryLogged:
		add(CertIndexPrefix(b.CallerCert)) // "what did this caller ask for"
	case *SealRegistered:
		add(DocIndexPrefix(b.Seal))
		if !b.Owner.IsZero() {
			add(CertIndexPrefix(b.Owner))
		}
	case *IdentityVerified:
		add(DocIndexPrefix(b.IdentityRef)) // commitments share the 32-byte hash index
	case *ContractSigned:
		if len(b.SignedDocSM3) > 0 {
			add(DocIndexPrefix(b.SignedDocSM3))
		}
	case *ContractRenewed:
		// The renewed contract's timeline shows the renewal too, so its
		// evidence bundle names the contract that replaced it.
		add(ContractIndexPrefix(b.Previous))
	}
	add(TimeIndexKey(en.Time))
	return keys
}

func u64key(prefix []byte, v uint64) []byte {
	k := append([]byte(nil), prefix...)
	return binary.BigEndian.AppendUint64(k, v)
}
