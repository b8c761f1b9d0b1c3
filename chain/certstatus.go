package chain

import (
	"fmt"

	"github.com/emmansun/gmsm/sm3"

	"github.com/sealchain/sealchain/chain/smt"
)

// The certificate status tree. From rules version 4 (RulesVersion4) the app
// hash also commits to every registered certificate's status, in a sparse
// Merkle tree (package chain/smt) whose root is Checkpoint.CertRoot, so a
// bundle can prove that a certificate was not revoked as of a height
// instead of the serving node asserting it. Every write of a certificate's
// state (CertWrite: cert_issued, cert_revoked, credentials registered by
// governance or genesis) updates the certificate's leaf:
//
//	key   = SM3(fingerprint)
//	value = the CertState encoding without der (field 1): org, issued_at,
//	        and revoked_at, reason, revoked_in once revoked
//
// A certificate's leaf is never removed. The store keeps the tree
// (chain/store); docs/encoding.md, "Certificate status tree", has the
// layout and docs/evidence-bundle.md the proofs.

// CertStatusKey is the tree key of certificate fp: SM3(fp).
func CertStatusKey(fp Fingerprint) smt.Key { return smt.Key(sm3.Sum(fp[:])) }

// CertStatusValue is the tree value of a certificate's state: its encoding
// without the certificate itself.
func CertStatusValue(c *CertState) []byte {
	v := *c
	v.DER = nil
	return EncodeState(&v)
}

// DecodeCertStatus reads a tree value (CertStatusValue), refusing one that
// carries a certificate or is not canonical.
func DecodeCertStatus(b []byte) (*CertState, error) {
	c := &CertState{}
	if err := DecodeState(b, c, "certificate status"); err != nil {
		return nil, err
	}
	if len(c.DER) != 0 {
		return nil, fmt.Errorf("certificate status carries a certificate (field 1)")
	}
	if c.Org == "" {
		return nil, fmt.Errorf("certificate status names no organisation")
	}
	return c, nil
}
