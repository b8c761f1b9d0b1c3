package signer

import (
	"os"
	"testing"
	"time"
)

func TestZZScratch(t *testing.T) {
	for _, alg := range []Algorithm{AlgSM2, AlgECDSAP256} {
		ca := newCA(t, alg, "court1")
		k := newKey(t, alg)
		opts := leafOpts(UsageSigner)
		opts.NotBefore = time.Now().Add(-time.Hour)
		opts.NotAfter = time.Now().Add(time.Hour)
		c := issue(t, ca, k.Public(), opts)
		os.WriteFile("/tmp/osl/ca-"+alg.String()+".pem", EncodeCertificatePEM(ca.Cert.Raw), 0o644)
		os.WriteFile("/tmp/osl/leaf-"+alg.String()+".pem", EncodeCertificatePEM(c.Raw), 0o644)
	}
}
