package signer

import (
	"slices"
	"testing"
	"time"

	"github.com/emmansun/gmsm/smx509"
)

func TestServiceCertificatesAndRevocationURLs(t *testing.T) {
	nb := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, alg := range []Algorithm{AlgSM2, AlgECDSAP256} {
		caKey, _ := GenerateKey(alg, nil)
		ca, err := NewCA(caKey, CAOptions{OrgID: "org", OrgName: "Org", Role: "notary", NotBefore: nb, NotAfter: nb.AddDate(5, 0, 0)}, nil)
		if err != nil {
			t.Fatal(err)
		}
		k, _ := GenerateKey(alg, nil)
		opts := IssueOptions{SubjectRef: "sc-x", Usage: UsageSigner, NotBefore: nb, NotAfter: nb.AddDate(1, 0, 0)}
		parse := func(der []byte, err error) *smx509.Certificate {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
			c, err := smx509.ParseCertificate(der)
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		if c := parse(ca.Issue(k.Public(), opts, nil)); c.OCSPServer != nil || c.CRLDistributionPoints != nil {
			t.Fatalf("%s: URLs without configuration", alg)
		}
		ca.OCSPServer, ca.CRLDistributionPoints = []string{"http://n/v1/ocsp/org"}, []string{"http://n/v1/crl/org.crl"}
		c := parse(ca.Issue(k.Public(), opts, nil))
		if !slices.Equal(c.OCSPServer, ca.OCSPServer) || !slices.Equal(c.CRLDistributionPoints, ca.CRLDistributionPoints) {
			t.Fatalf("%s: AIA %v CRL-DP %v", alg, c.OCSPServer, c.CRLDistributionPoints)
		}
		so := ServiceOptions{SubjectRef: "tsa.org", NotBefore: nb, NotAfter: nb.AddDate(1, 0, 0)}
		ts := parse(ca.IssueTimeStamping(k.Public(), so, nil))
		if !HasCriticalTimeStamping(ts) || ts.IsCA || len(ts.OCSPServer) != 1 {
			t.Fatalf("%s: time-stamping certificate %+v", alg, ts.Extensions)
		}
		oc := parse(ca.IssueOCSPSigning(k.Public(), so, nil))
		if HasCriticalTimeStamping(oc) || len(oc.ExtKeyUsage) != 1 || oc.CheckSignatureFrom(ca.Cert) != nil {
			t.Fatalf("%s: OCSP signing certificate", alg)
		}
		if HasCriticalTimeStamping(c) {
			t.Fatalf("%s: a signer certificate counted as time-stamping", alg)
		}
	}
}
