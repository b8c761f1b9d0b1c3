package seal_test

import (
	"fmt"
	"image"
	"time"

	"github.com/emmansun/gmsm/smx509"

	"github.com/sealchain/sealchain/signer"
	"github.com/sealchain/sealchain/signer/seal"
)

// An organisation CA makes a seal for one of its signers, and a verifier
// that trusts the CA checks it.
func ExampleMake() {
	from := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	until := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	caKey, _ := signer.GenerateKey(signer.AlgSM2, nil)
	ca, _ := signer.NewCA(caKey, signer.CAOptions{OrgID: "acme", OrgName: "Acme Ltd", Role: "platform", NotBefore: from, NotAfter: until}, nil)
	userKey, _ := signer.GenerateKey(signer.AlgSM2, nil)
	userCert, _ := ca.Issue(userKey.Public(), signer.IssueOptions{SubjectRef: "sc:user1", Usage: signer.UsageSigner, NotBefore: from, NotAfter: until}, nil)

	// Normally the picture comes from seal.Enterprise or seal.Personal.
	pic, _ := seal.EncodePNG(image.NewNRGBA(image.Rect(0, 0, 64, 64)))

	der, err := seal.Make(seal.SealInfo{
		ID:          "acme-contract-1",
		Kind:        seal.KindOrganization,
		Name:        "某某科技有限公司合同专用章",
		SignerCerts: [][]byte{userCert},
		Created:     from,
		ValidStart:  from,
		ValidEnd:    until,
		Picture:     seal.Picture{Data: pic, WidthMM: 42, HeightMM: 42},
	}, ca.Key, ca.Cert.Raw, nil)
	if err != nil {
		fmt.Println(err)
		return
	}

	s, err := seal.Parse(der)
	if err != nil {
		fmt.Println(err)
		return
	}
	at := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	if err := s.Verify([]*smx509.Certificate{ca.Cert}, at); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(s.Info.Name, s.SignatureAlgorithm)
	// Output: 某某科技有限公司合同专用章 1.2.156.10197.1.501
}
