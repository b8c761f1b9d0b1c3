package workflow

import (
	"bytes"
	"crypto/rand"
	"crypto/x509"
	"slices"
	"testing"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/signer"
	"github.com/sealchain/sealchain/workflow/identity"
)

// A party certificate is a signer certificate with nonRepudiation: PAdES
// validators (pyHanko by default) require it of a document signer
// (docs/long-term-validation.md).
func TestPartyCertificateKeyUsage(t *testing.T) {
	e, _ := bulkEngine(t)
	rec := &Identity{ID: "idn-party", Kind: "person"}
	sec := &identitySecrets{Input: IdentityInput{Kind: "person", Person: &PersonInput{Name: "张三"}}}
	body := &chain.IdentityVerified{IdentityRef: bytes.Repeat([]byte{7}, 32), Subject: chain.SubjectPerson,
		Method: chain.IdentityFace, VerifiedAt: e.now().Unix(), VerifierCert: e.cfg.VerifierCert}
	var err error
	if body.VerifierSig, err = e.cfg.VerifierKey.Sign(rand.Reader, body.AttestationBytes("bulk-test")); err != nil {
		t.Fatal(err)
	}
	att := &identity.Attestation{Record: body}
	if err := e.finishIdentity(rec, sec, att); err != nil {
		t.Fatalf("finishIdentity: %v", err)
	}
	cert, err := signer.ParseCertificate(rec.CertDER)
	if err != nil {
		t.Fatal(err)
	}
	if want := x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment; x509.KeyUsage(cert.KeyUsage) != want {
		t.Fatalf("party certificate key usage = %b, want %b", cert.KeyUsage, want)
	}
	if got := signer.UsagesOf(cert); !slices.Equal(got, []signer.Usage{signer.UsageSigner}) {
		t.Fatalf("party certificate usages = %v", got)
	}
}
