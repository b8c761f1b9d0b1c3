package signer_test

import (
	"crypto/rand"
	"fmt"
	"time"

	"github.com/emmansun/gmsm/smx509"
	"github.com/sealchain/sealchain/signer"
)

func Example() {
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

	caKey, _ := signer.GenerateKey(signer.AlgSM2, rand.Reader)
	ca, err := signer.NewCA(caKey, signer.CAOptions{
		OrgID: "bj-internet-court", OrgName: "Beijing Internet Court", Role: "court",
		NotBefore: start, NotAfter: start.AddDate(10, 0, 0),
	}, rand.Reader)
	if err != nil {
		panic(err)
	}

	userKey, _ := signer.GenerateKey(signer.AlgSM2, rand.Reader)
	der, err := ca.Issue(userKey.Public(), signer.IssueOptions{
		SubjectRef: "sc:0f1e2d3c",
		Usage:      signer.UsageSigner,
		NotBefore:  start, NotAfter: start.AddDate(1, 0, 0),
	}, rand.Reader)
	if err != nil {
		panic(err)
	}
	leaf, _ := signer.ParseCertificate(der)

	msg := []byte("contract text")
	sig, _ := userKey.Sign(rand.Reader, msg)

	at := start.AddDate(0, 3, 0)
	if _, err := signer.VerifyIssued(leaf, []*smx509.Certificate{ca.Cert}, at, signer.UsageSigner); err != nil {
		panic(err)
	}
	fmt.Println(signer.Verify(leaf.PublicKey, msg, sig) == nil)
	// Output: true
}
