package evidence

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/sealchain/sealchain/chain/merklelog"
	"github.com/sealchain/sealchain/evidence/witness"
)

// Witnessed is a checkpoint of the record log that independent witnesses
// cosigned (C2SP tlog-checkpoint with tlog-cosignature lines), and the
// RFC 6962 consistency proof between it and the bundle's checkpoint: from
// the smaller log size to the larger. With the records' inclusion proofs
// in the bundle's log, it shows every record below the witnessed size was
// in the log the witnesses saw, so a node could not have shown them
// another history.
type Witnessed struct {
	// Checkpoint is the signed note, as the witnesses cosigned it.
	Checkpoint  string   `json:"checkpoint"`
	Consistency [][]byte `json:"consistency"`
}

// WithWitnesses makes the verifier require cosignatures by at least min of
// the witness keys (cosignature/v1 vkeys) on the bundle's witnessed
// checkpoint (check "witnesses").
func WithWitnesses(vkeys []string, min int) VerifierOption {
	return func(v *Verifier) error {
		if min < 1 || min > len(vkeys) {
			return fmt.Errorf("witnesses: want 1 <= min (%d) <= the number of witness keys (%d)", min, len(vkeys))
		}
		seen := map[string]bool{}
		for _, k := range vkeys {
			w, err := witness.NewCosignatureVerifier(strings.TrimSpace(k))
			if err != nil {
				return fmt.Errorf("witness key: %w", err)
			}
			id := fmt.Sprintf("%s+%08x", w.Name(), w.KeyHash())
			if seen[id] {
				return fmt.Errorf("witness key %s given twice", id)
			}
			seen[id] = true
			v.witnesses = append(v.witnesses, w)
		}
		v.minWitnesses = min
		return nil
	}
}

// checkWitnessed (check "witnessed", and "witnesses" when keys are given)
// verifies the bundle's witnessed checkpoint offline: it is a well-formed
// checkpoint note, the consistency proof links it to the bundle's log, and
// it covers every record (its size is above each record's index). With
// witness keys (WithWitnesses) at least min of them must have cosigned it;
// without, its cosignatures are only counted, unverified. A bundle without
// it fails only when witnesses are required.
func (v *Verifier) checkWitnessed(b *Bundle, res *Result) {
	w := b.Witnessed
	if w == nil {
		if v.minWitnesses > 0 {
			res.add("witnesses", errors.New("the bundle carries no witnessed checkpoint (the serving node holds no cosigned checkpoint yet)"), "")
		}
		return
	}
	cp := b.Checkpoint
	text, sigs, err := witness.SplitNote([]byte(w.Checkpoint))
	var wc *witness.Checkpoint
	if err == nil {
		wc, err = witness.ParseCheckpoint(text)
	}
	if err == nil {
		err = witnessedConsistency(w, wc, cp)
	}
	if err == nil {
		var late []uint64
		for _, r := range b.Records {
			if r.Index >= wc.Size {
				late = append(late, r.Index)
			}
		}
		if len(late) > 0 {
			slices.Sort(late)
			err = fmt.Errorf("records %v are not below the witnessed size %d: the witnesses had not seen them", late, wc.Size)
		}
	}
	detail := ""
	if err == nil {
		detail = fmt.Sprintf("checkpoint %s of size %d is consistent with the bundle's log of size %d and covers its records; %d signature lines", wc.Origin, wc.Size, cp.LogSize, len(sigs))
	}
	if !res.add("witnessed", err, detail) || v.minWitnesses == 0 {
		if err != nil && v.minWitnesses > 0 {
			res.add("witnesses", errors.New("not checked: the witnessed checkpoint failed"), "")
		}
		return
	}
	o, err := witness.Open([]byte(w.Checkpoint), v.witnesses...)
	if err == nil && len(o.Verified) < v.minWitnesses {
		err = fmt.Errorf("%d of the given witnesses cosigned, %d required", len(o.Verified), v.minWitnesses)
	}
	if errors.Is(err, witness.ErrNoKnownSignature) {
		err = fmt.Errorf("none of the %d given witnesses cosigned the checkpoint, %d required", len(v.witnesses), v.minWitnesses)
	}
	if err == nil {
		var names []string
		for _, s := range o.Verified {
			t, _ := witness.CosignatureTime(s.Base64)
			names = append(names, fmt.Sprintf("%s at %s", s.Name, t.Format("2006-01-02T15:04:05Z")))
		}
		detail = fmt.Sprintf("%d of %d required witnesses cosigned size %d: %s", len(o.Verified), v.minWitnesses, wc.Size, strings.Join(names, ", "))
	}
	res.add("witnesses", err, detail)
}

// witnessedConsistency checks the proof between the bundle's log and the
// witnessed one, in whichever direction the sizes give.
func witnessedConsistency(w *Witnessed, wc *witness.Checkpoint, cp Checkpoint) error {
	if len(w.Consistency) > MaxProofHashes {
		return fmt.Errorf("consistency proof has %d hashes", len(w.Consistency))
	}
	h := merklelog.SM3()
	if wc.Size <= cp.LogSize {
		return merklelog.VerifyConsistency(h, wc.Size, cp.LogSize, w.Consistency, wc.Hash, cp.LogRoot)
	}
	return merklelog.VerifyConsistency(h, cp.LogSize, wc.Size, w.Consistency, cp.LogRoot, wc.Hash)
}
