package report

import (
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/emmansun/gmsm/sm3"

	"github.com/sealchain/sealchain/evidence"
)

// PreservationNo is the preservation number (存证编号) of contract
// contractID's evidence in bundle b, derived from chain data only, so
// anyone holding the bundle derives the same number:
//
//	SC<date>-<height>-<index>-<digest>-<check>
//
// where, for the last record of the contract the bundle covers (the
// highest log index whose record names the contract):
//
//   - date is its block date in UTC+8, YYYYMMDD;
//   - height and index are its block height and log index, in decimal;
//   - digest is the first 10 hex digits, upper case, of
//     SM3(chain_id ‖ 0x00 ‖ leaf), leaf being the record's canonical
//     chain.Entry bytes (the Merkle log's leaf);
//   - check is the ISO/IEC 7064 MOD 37,36 check character over the
//     preceding letters and digits (hyphens skipped).
//
// The number names the evidence as of that record: a later bundle that
// covers a later record of the contract (a notarisation, say) derives a
// later number.
func PreservationNo(b *evidence.Bundle, contractID string) (string, error) {
	recs, err := describeAll(b)
	if err != nil {
		return "", err
	}
	p, err := preservationOf(b, recs, contractID)
	if err != nil {
		return "", err
	}
	return p.No, nil
}

func preservationOf(b *evidence.Bundle, recs []described, contractID string) (*PreservationFacts, error) {
	var last *described
	for i := range recs {
		if recs[i].v.ContractID == contractID {
			last = &recs[i]
		}
	}
	if last == nil {
		return nil, fmt.Errorf("%w: the bundle holds no record of contract %q", ErrCase, contractID)
	}
	leafSum := sm3.Sum(last.r.Leaf)
	h := sm3.New()
	h.Write([]byte(b.ChainID))
	h.Write([]byte{0})
	h.Write(last.r.Leaf)
	digest := strings.ToUpper(hex.EncodeToString(h.Sum(nil))[:10])
	body := fmt.Sprintf("SC%s-%d-%d-%s", last.v.Time.In(cst).Format("20060102"), last.v.Height, last.v.Index, digest)
	return &PreservationFacts{No: body + "-" + string(mod3736(body)), ContractID: contractID, LogIndex: last.v.Index,
		Height: last.v.Height, Time: last.v.Time.UTC(), LeafSM3: hex.EncodeToString(leafSum[:])}, nil
}

const alnum = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

// mod3736 is the ISO/IEC 7064 MOD 37,36 (hybrid) check character of s's
// letters and digits: with it appended, the check over the whole string
// ends at 1.
func mod3736(s string) byte {
	p := 36
	for _, r := range strings.ToUpper(s) {
		v := strings.IndexRune(alnum, r)
		if v < 0 {
			continue
		}
		p = mod3736Step(p, v)
	}
	return alnum[(37-p)%36]
}

func mod3736Step(p, v int) int {
	s := (p + v) % 36
	if s == 0 {
		s = 36
	}
	return s * 2 % 37
}

// ValidPreservationNo reports whether no's check character is right.
func ValidPreservationNo(no string) bool {
	i := strings.LastIndexByte(no, '-')
	if i < 0 || i != len(no)-2 {
		return false
	}
	return mod3736(no[:i]) == no[i+1]
}
