package store

import (
	"fmt"

	"github.com/sealchain/sealchain/chain"
)

// Certs calls fn for every registered certificate in fingerprint order
// until fn returns false (node/pki answers OCSP and CRLs from it).
func (v View) Certs(fn func(chain.Fingerprint, *chain.CertState) bool) error {
	stop := fmt.Errorf("stop")
	prefix := certKey(chain.Fingerprint{})[:len(certKey(chain.Fingerprint{}))-len(chain.Fingerprint{})]
	err := v.scan(prefix, func(k, val []byte) error {
		var fp chain.Fingerprint
		if len(k) != len(prefix)+len(fp) {
			return fmt.Errorf("certificate key %x: bad length", k)
		}
		copy(fp[:], k[len(prefix):])
		var cs chain.CertState
		if err := chain.DecodeState(val, &cs, "certificate"); err != nil {
			return err
		}
		if !fn(fp, &cs) {
			return stop
		}
		return nil
	})
	if err == stop {
		return nil
	}
	return err
}
