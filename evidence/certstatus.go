package evidence

import (
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/chain/smt"
)

// Proofs of certificate status (non-revocation). From rules version 4 the
// app hash commits to every registered certificate's status in a sparse
// Merkle tree (chain/certstatus.go, chain/smt) whose root the checkpoint
// carries as cert_root; the bundle proves, for every certificate its
// records rely on (ReliedCerts), the certificate's status as of the
// checkpoint's height: registered and not revoked, revoked (by which
// record, when), or not registered. The serving node can then no longer
// leave a revocation out: a proof it forges does not lead to the signed
// root, a proof it omits fails the check, and a revocation the proof shows
// must be among the records.

// CertStatus is one certificate's status proof in a bundle.
type CertStatus struct {
	// Cert is the certificate's fingerprint, lowercase hex.
	Cert string `json:"cert"`
	// Proof is the smt.Proof encoding of the certificate's key,
	// SM3(fingerprint), in the tree whose root is checkpoint.cert_root.
	Proof []byte `json:"proof"`
}

// ReliedCerts are the certificates a record relies on, whose revocation
// before it would make it invalid: the actor's, the submitter credential
// (the envelope's certificate, or a batched record's credential), and the
// staff, notaries, judges and examiners a case record names. Assemble
// proves the status of each; the verifier requires the proofs from rules
// version 4.
func ReliedCerts(tx *chain.Tx) []chain.Fingerprint {
	var out []chain.Fingerprint
	if tx.Actor != nil {
		out = append(out, tx.Actor.Cert)
	}
	switch {
	case tx.Batched != nil:
		out = append(out, tx.Batched.Cert)
	case len(tx.Envelope.Cert) > 0:
		out = append(out, chain.FingerprintOf(tx.Envelope.Cert))
	}
	switch b := tx.Body.(type) {
	case *chain.NotarizationDecided:
		out = append(out, b.Staff)
	case *chain.NotarizationIssued:
		out = append(out, b.Notary)
	case *chain.AppraisalCommissioned:
		out = append(out, b.Judge)
	case *chain.AppraisalDecided:
		out = append(out, b.Staff)
	case *chain.AppraisalIssued:
		out = append(out, b.Examiners...)
	}
	return out
}

// certStatusRequired reports whether the bundle must prove the status of
// the certificates it relies on: its checkpoint commits to a cert root
// (the app hash check has tied it to the signed header), or the trusted
// genesis starts at rules version 4.
func (v *Verifier) certStatusRequired(b *Bundle) bool {
	return b.Checkpoint.CertRoot != nil || v.trust.RulesVersion >= chain.RulesVersion4
}

// checkCertStatus (cert_status[FP], record[I].revocation): each proof in
// the bundle leads to the checkpoint's cert root; under rules version 4
// every certificate a record relies on has one; a revocation a proof shows
// is among the records; and no record relies on a certificate after the
// record that revoked it. trusted says the checkpoint and app hash checks
// passed: otherwise the root is unproven and nothing is checked.
func (v *Verifier) checkCertStatus(b *Bundle, recs []*decoded, res *Result, trusted bool) {
	cp := b.Checkpoint
	required := v.certStatusRequired(b)
	if !required && len(b.CertStatus) == 0 {
		return
	}
	byIndex := map[uint64]*decoded{}
	for _, d := range recs {
		byIndex[d.entry.Index] = d
	}
	statuses := map[chain.Fingerprint]*chain.CertState{} // nil: proven not registered
	proven := map[chain.Fingerprint]bool{}
	for i, cs := range b.CertStatus {
		fp, err := parseFingerprint(cs.Cert)
		// A malformed fingerprint is named by its position: the check name
		// never echoes unbounded input.
		name := fmt.Sprintf("cert_status[%d]", i)
		if err == nil {
			name = fmt.Sprintf("cert_status[%s]", fp)
			if proven[fp] {
				err = fmt.Errorf("cert_status[%d]: a second proof for the certificate", i)
			}
		}
		var st *chain.CertState
		var detail string
		switch {
		case err != nil:
		case !trusted:
			err = errors.New("not checked: the checkpoint or its app hash did not verify, so the cert root is not trusted")
		case cp.CertRoot == nil:
			err = errors.New("the checkpoint has no cert_root for the proof to lead to")
		default:
			st, detail, err = proveStatus(fp, cs.Proof, cp, byIndex)
		}
		if err == nil {
			proven[fp] = true
			statuses[fp] = st
		}
		res.add(name, err, detail)
	}
	if !required || !trusted {
		return
	}
	missing := map[chain.Fingerprint]bool{}
	for _, d := range recs {
		for _, fp := range ReliedCerts(d.tx) {
			if proven[fp] || missing[fp] {
				continue
			}
			missing[fp] = true
		}
	}
	for _, fp := range slices.SortedFunc(func(yield func(chain.Fingerprint) bool) {
		for fp := range missing {
			if !yield(fp) {
				return
			}
		}
	}, func(a, b chain.Fingerprint) int { return slices.Compare(a[:], b[:]) }) {
		res.add(fmt.Sprintf("cert_status[%s]", fp), fmt.Errorf("no proof of the certificate's status as of height %d: from rules version 4 a bundle proves every certificate its records rely on not revoked (the serving node left this one out, so it may hide a revocation)", cp.Height), "")
	}
	for _, d := range recs {
		for _, fp := range ReliedCerts(d.tx) {
			st := statuses[fp]
			if st != nil && st.Revoked() && st.RevokedIn < d.entry.Index {
				res.add(fmt.Sprintf("record[%d].revocation", d.entry.Index),
					fmt.Errorf("relies on certificate %s, which record %d revoked at %s, before this record", fp, st.RevokedIn, st.RevokedAt.Format(time.RFC3339Nano)), "")
			}
		}
	}
}

// proveStatus verifies one proof against the checkpoint's cert root and,
// for a revoked certificate, that the revoking record is in the bundle.
func proveStatus(fp chain.Fingerprint, enc []byte, cp Checkpoint, recs map[uint64]*decoded) (*chain.CertState, string, error) {
	if len(cp.CertRoot) != 32 {
		return nil, "", fmt.Errorf("cert_root is %d bytes, want 32", len(cp.CertRoot))
	}
	p, err := smt.DecodeProof(enc)
	if err != nil {
		return nil, "", err
	}
	k := chain.CertStatusKey(fp)
	val, present, err := p.Verify(smt.Hash(cp.CertRoot), &k)
	if err != nil {
		return nil, "", fmt.Errorf("the proof does not lead to the checkpoint's cert root: %w", err)
	}
	if !present {
		return nil, fmt.Sprintf("not registered on chain as of height %d (so never revoked)", cp.Height), nil
	}
	st, err := chain.DecodeCertStatus(val)
	if err != nil {
		return nil, "", err
	}
	if !st.Revoked() {
		return st, fmt.Sprintf("registered to org %s and not revoked as of height %d (proven against the signed app hash)", st.Org, cp.Height), nil
	}
	d, ok := recs[st.RevokedIn]
	if !ok {
		return nil, "", fmt.Errorf("the certificate was revoked at %s by record %d, which the bundle leaves out: a bundle built to hide a revocation", st.RevokedAt.Format(time.RFC3339Nano), st.RevokedIn)
	}
	if rv, isRev := d.tx.Body.(*chain.CertRevoked); !isRev || rv.Cert != fp {
		return nil, "", fmt.Errorf("the proof says record %d revoked the certificate, but that record is a %s", st.RevokedIn, d.tx.Body.Type())
	}
	return st, fmt.Sprintf("registered to org %s, revoked at %s by record %d (reason %d), as of height %d", st.Org, st.RevokedAt.Format(time.RFC3339Nano), st.RevokedIn, st.Reason, cp.Height), nil
}

// parseFingerprint reads a fingerprint in lowercase hex, the one spelling
// a bundle uses.
func parseFingerprint(s string) (chain.Fingerprint, error) {
	var fp chain.Fingerprint
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != len(fp) || hex.EncodeToString(b) != s {
		return fp, fmt.Errorf("cert: %d characters, want 64 lowercase hex digits", len(s))
	}
	copy(fp[:], b)
	return fp, nil
}
