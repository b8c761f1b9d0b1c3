package report

import (
	"crypto/rand"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/evidence"
	"github.com/sealchain/sealchain/signer"
	"github.com/sealchain/sealchain/signer/seal"
)

var testNow = time.Date(2026, 11, 27, 2, 0, 0, 0, time.UTC)

const testVerifyURL = "https://court.example.cn/evidence/verify"

// fixture is the testdata bundle with its genesis trust, plus a fresh
// issuer CA (outside the genesis) and a signer certificate it issued.
type fixture struct {
	raw    []byte
	bundle *evidence.Bundle
	res    *evidence.Result
	trust  *evidence.Trust // genesis orgs plus the issuer's
	ca     *signer.CA
	key    *signer.PrivateKey
	cert   []byte
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "testdata", "bundle.json"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := evidence.DecodeBundle(raw)
	if err != nil {
		t.Fatal(err)
	}
	gen, err := evidence.LoadTrust(filepath.Join("..", "testdata", "genesis.json"))
	if err != nil {
		t.Fatal(err)
	}
	ca, key, cert := newIssuer(t, "notary", "北京市某某公证处")
	trust := *gen
	trust.Orgs = append(append([]*chain.Org{}, gen.Orgs...), &chain.Org{ID: "notary", Name: "北京市某某公证处", Role: chain.RoleNotary, CACert: ca.Cert.Raw, Weight: 1})
	v, err := evidence.NewVerifier(gen)
	if err != nil {
		t.Fatal(err)
	}
	res := v.Verify(b, nil)
	if !res.OK {
		t.Fatalf("testdata bundle does not verify: %v", res.Failed())
	}
	return &fixture{raw: raw, bundle: b, res: res, trust: &trust, ca: ca, key: key, cert: cert}
}

func newIssuer(t testing.TB, id, name string) (*signer.CA, *signer.PrivateKey, []byte) {
	t.Helper()
	caKey, err := signer.GenerateKey(signer.AlgSM2, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := signer.NewCA(caKey, signer.CAOptions{OrgID: id, OrgName: name, Role: "notary",
		NotBefore: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), NotAfter: time.Date(2036, 1, 1, 0, 0, 0, 0, time.UTC)}, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	key, err := signer.GenerateKey(signer.AlgSM2, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := ca.Issue(key.Public(), signer.IssueOptions{SubjectRef: id + "-report-signer", Usage: signer.UsageSigner,
		NotBefore: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), NotAfter: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return ca, key, cert
}

func (f *fixture) options() Options {
	return Options{
		IssuerOrg: Issuer{ID: "notary", Name: "北京市某某公证处"},
		Now:       testNow,
		PartyNames: map[string]string{
			"8f6fcec4a37efc6191d033ee22320fcf07ee17f0fb09e6f9a72cc3a2cc6270e4": "张三",
			"f709ea72120d148574a7eeeb95c4aa47b261914ce62ce61420eb63fa648b9ce5": "李四",
		},
		VerifyURL:  testVerifyURL,
		Key:        f.key,
		Cert:       f.cert,
		Chain:      [][]byte{f.ca.Cert.Raw},
		Seal:       &seal.EnterpriseOptions{Name: "北京市某某公证处", Purpose: "电子证据专用章"},
		BundleJSON: f.raw,
		Trust:      f.trust,
	}
}

func (f *fixture) make(t testing.TB) []byte {
	t.Helper()
	out, err := Make(f.bundle, f.res, f.options())
	if err != nil {
		t.Fatalf("Make: %v", err)
	}
	return out
}
