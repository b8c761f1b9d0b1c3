package pdf

import (
	"bytes"
	"context"
	"encoding/asn1"
	"math/big"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emmansun/gmsm/smx509"

	"github.com/sealchain/sealchain/signer"
	"github.com/sealchain/sealchain/signer/tsa"
)

// testDocTSA stamps document time stamps with signer/tsa directly, as the
// node does once timestamp_requested committed the digest.
type testDocTSA struct {
	a       *tsa.Authority
	genTime time.Time
	tamper  bool // stamp a different digest
}

func (s testDocTSA) TimeStampDocument(_ context.Context, prepared []byte, alg asn1.ObjectIdentifier) ([]byte, error) {
	d, err := DocTimeStampDigest(prepared, alg)
	if err != nil {
		return nil, err
	}
	if s.tamper {
		d[0] ^= 1
	}
	return tsa.Token(&tsa.Request{HashAlg: alg, Hash: d, CertReq: true}, s.a, tsa.Issue{Policy: tsaPolicy, GenTime: s.genTime, Serial: big.NewInt(0x17a)}, nil)
}

// TestDocTimeStamp makes a B-LT file B-LTA, extends it a second time
// (DSS for the first document time stamp's TSA, then a new one), and
// validates it long after every certificate expired.
func TestDocTimeStamp(t *testing.T) {
	b, p := bltFile(t)
	auth := newTSAAuthority(t, p.ca)
	ctx := context.Background()
	first := tGenTime.Add(time.Hour)
	lta, err := AddDocTimeStamp(ctx, b, tsa.OIDSHA256, testDocTSA{a: auth, genTime: first})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(lta, b) {
		t.Fatal("AddDocTimeStamp changed earlier bytes")
	}
	rep, err := Verify(lta, VerifyOptions{Roots: p.roots})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Indication != TotalPassed || len(rep.Signatures) != 1 || len(rep.DocTimeStamps) != 1 {
		t.Fatalf("got %s, %d signatures, %d document time stamps\n%s", rep.Indication, len(rep.Signatures), len(rep.DocTimeStamps), dump(rep))
	}
	if s := rep.Signatures[0]; s.Level != LevelBLTA {
		t.Errorf("level %q, want %s\n%s", s.Level, LevelBLTA, dump(rep))
	}
	d := rep.DocTimeStamps[0]
	if !d.TimeStamp.Valid || !d.SigningTime.Equal(first) || d.SigningTimeSource != TimeFromDocTimeStamp || d.Scope.Revision != rep.Revisions {
		t.Errorf("document time stamp %s", dump(d))
	}

	// Extend: the DSS gains the CRL for the TSA, then a second time stamp.
	src := &staticVD{vd: ValidationData{CRLs: [][]byte{makeCRL(t, p.ca, nil, time.Time{})}}}
	ext, err := AddDSS(ctx, lta, src)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(src.asked, func(c []byte) bool { return bytes.Equal(c, auth.Certs[0].Raw) }) {
		t.Error("AddDSS did not ask about the document time stamp's TSA certificate")
	}
	k, err := signer.GenerateKey(signer.AlgSM2, nil) // an SM2 token from the same ECDSA CA
	if err != nil {
		t.Fatal(err)
	}
	der, err := p.ca.IssueTimeStamping(k.Public(), signer.ServiceOptions{SubjectRef: "tsa-sm2.test", NotBefore: tCANotBefore, NotAfter: tCANotAfter}, nil)
	if err != nil {
		t.Fatal(err)
	}
	sm2TSA := &tsa.Authority{Key: k, Certs: []*smx509.Certificate{mustCert(t, der)}}
	ext, err = AddDocTimeStamp(ctx, ext, tsa.OIDSM3, testDocTSA{a: sm2TSA, genTime: first.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	later := tCANotAfter.AddDate(0, 0, 1) // after every certificate
	rep, err = Verify(ext, VerifyOptions{Roots: p.roots, ValidationTime: later})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Indication != TotalPassed || len(rep.DocTimeStamps) != 2 || rep.Signatures[0].Level != LevelBLTA {
		t.Fatalf("extended: %s\n%s", rep.Indication, dump(rep))
	}
	notes := strings.Join(rep.Signatures[0].Notes, "\n")
	if !strings.Contains(notes, "covered by the document time stamp") {
		t.Errorf("signature notes lack the archive cover: %s", notes)
	}
	if n := strings.Join(rep.DocTimeStamps[0].Notes, "\n"); !strings.Contains(n, "covered by the document time stamp") {
		t.Errorf("first document time stamp notes: %s", n)
	}
	if n := strings.Join(rep.DocTimeStamps[1].Notes, "\n"); !strings.Contains(n, "extend-lta") {
		t.Errorf("last document time stamp notes: %s", n)
	}
	if rep.DocTimeStamps[0].Revocation == nil || rep.DocTimeStamps[0].Revocation.Source != "dss_crl" {
		t.Errorf("first document time stamp's TSA status not read from the DSS: %s", dump(rep.DocTimeStamps[0]))
	}
}

func TestDocTimeStampRefused(t *testing.T) {
	b, p := bltFile(t)
	auth := newTSAAuthority(t, p.ca)
	ctx := context.Background()
	lta, err := AddDocTimeStamp(ctx, b, tsa.OIDSHA256, testDocTSA{a: auth, genTime: tGenTime})
	if err != nil {
		t.Fatal(err)
	}
	t.Run("wrong imprint", func(t *testing.T) {
		bad, err := AddDocTimeStamp(ctx, b, tsa.OIDSHA256, testDocTSA{a: auth, genTime: tGenTime, tamper: true})
		if err != nil {
			t.Fatal(err)
		}
		rep, _ := Verify(bad, VerifyOptions{Roots: p.roots})
		if d := rep.DocTimeStamps[0]; d.Indication != TotalFailed || d.SubIndication != HashFailure || rep.Signatures[0].Level != LevelBLT {
			t.Errorf("got %s/%s, signature level %s", d.Indication, d.SubIndication, rep.Signatures[0].Level)
		}
	})
	t.Run("byte in the stamped revision changed", func(t *testing.T) {
		bad := bytes.Clone(lta)
		i := bytes.LastIndex(bad, []byte("/DocTimeStamp")) + 1
		bad[i] = 'd' // /docTimeStamp
		rep, _ := Verify(bad, VerifyOptions{Roots: p.roots})
		if rep.Indication == TotalPassed {
			t.Errorf("passed:\n%s", dump(rep))
		}
	})
	t.Run("untrusted TSA", func(t *testing.T) {
		rep, _ := Verify(lta, VerifyOptions{Roots: nil, TSARoots: nil})
		if d := rep.DocTimeStamps[0]; d.Indication != Indeterminate || d.TimeStamp.Valid {
			t.Errorf("got %s", dump(d))
		}
	})
	t.Run("appended after", func(t *testing.T) {
		if _, err := EmbedDocTimeStamp(lta, []byte{0x30, 0}); err == nil {
			t.Error("embedded into a filled document time stamp")
		}
		if _, err := DocTimeStampDigest(b, tsa.OIDSHA256); err == nil {
			t.Error("digest of a file whose last signature is not a document time stamp")
		}
	})
}
