package pki

import (
	"bytes"
	"context"
	"encoding/asn1"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/smx509"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/chain/store"
	"github.com/sealchain/sealchain/node/httpjson"
	"github.com/sealchain/sealchain/signer"
	"github.com/sealchain/sealchain/signer/pdf"
	"github.com/sealchain/sealchain/signer/tsa"
)

// TestDocumentTimeStamp commits and stamps document time stamps (the
// chain is faked: a map of committed hashes that Request adds to) over
// HTTP and in process, and checks the B-LTA element with signer/pdf.
func TestDocumentTimeStamp(t *testing.T) {
	st, err := store.Open(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	nb := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	signedAt := time.Date(2026, 6, 1, 8, 30, 3, 0, time.UTC)
	k, _ := signer.GenerateKey(signer.AlgECDSAP256, nil)
	ca, err := signer.NewCA(k, signer.CAOptions{OrgID: "platform", OrgName: "P", Role: "platform", NotBefore: nb, NotAfter: nb.AddDate(5, 0, 0)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ec, err := LoadOrIssueAuthority(ca, signer.AlgECDSAP256, "", "", dir, "platform", nil, nil, nb.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	sm, err := LoadOrIssueAuthority(ca, signer.AlgSM2, "", "", dir, "platform", nil, nil, nb.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu        sync.Mutex
		committed = map[string]time.Time{}
		requests  []*chain.TimestampRequested
		refuse    error
	)
	request := func(_ context.Context, b *chain.TimestampRequested) error {
		mu.Lock()
		defer mu.Unlock()
		if refuse != nil {
			return refuse
		}
		if err := b.Validate(); err != nil {
			return err
		}
		requests = append(requests, b)
		committed[string(b.Hash)] = signedAt.Add(time.Duration(len(requests)) * time.Minute)
		return nil
	}
	s, err := New(Config{Chain: st, Org: "platform", CA: ca, Policy: asn1.ObjectIdentifier{1, 2, 3}, ECDSA: ec, SM2: sm, Request: request})
	if err != nil {
		t.Fatal(err)
	}
	s.lookup = func(h []byte) (time.Time, chain.Body, bool, error) {
		mu.Lock()
		defer mu.Unlock()
		at, ok := committed[string(h)]
		return at, &chain.ContractSigned{Contract: "c-1"}, ok, nil
	}
	s.commitTime = func(h []byte) (time.Time, bool, error) {
		at, _, ok, err := s.lookup(h)
		return at, ok, err
	}
	pk, _ := signer.GenerateKey(signer.AlgECDSAP256, nil)
	cert, err := ca.Issue(pk.Public(), signer.IssueOptions{SubjectRef: "sc:alice", Usage: signer.UsageSigner, NotBefore: nb, NotAfter: nb.AddDate(1, 0, 0)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	signed, err := pdf.Sign(onePagePDF(), pdf.SignOptions{Key: pk, Cert: cert, Chain: [][]byte{ca.Cert.Raw}, Page: 1, Time: signedAt})
	if err != nil {
		t.Fatal(err)
	}
	sum := sm3.Sum(signed)
	committed[string(sum[:])] = signedAt
	prepared, err := pdf.PrepareDocTimeStamp(signed)
	if err != nil {
		t.Fatal(err)
	}
	unsignedPrepared, err := pdf.PrepareDocTimeStamp(onePagePDF())
	if err != nil {
		t.Fatal(err)
	}
	rt := httpjson.NewRouter(nil)
	s.Register(rt)
	srv := httptest.NewServer(rt)
	t.Cleanup(srv.Close)

	for _, tc := range []struct {
		name   string
		query  string
		body   []byte
		refuse error
		status int // HTTP
		want   int // PKIStatus
		text   string
	}{
		{"granted", "", prepared, nil, 200, tsa.StatusGranted, ""},
		{"again: already committed", "", prepared, nil, 200, tsa.StatusGranted, ""},
		{"sm3", "?hash=sm3", prepared, nil, 200, tsa.StatusGranted, ""},
		{"no revision on chain", "", unsignedPrepared, nil, 200, tsa.StatusRejection, "no signed revision"},
		{"not prepared", "", signed, nil, 200, tsa.StatusRejection, "empty document time stamp"},
		{"below rules version 5", "", nil, ErrRequestsOff, 200, tsa.StatusRejection, "rules version 5"},
		{"hash", "?hash=md5", prepared, nil, 400, 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mu.Lock()
			refuse = tc.refuse
			mu.Unlock()
			body := tc.body
			if tc.refuse != nil { // a new digest: the same file prepared again after a DSS
				b, err := pdf.AddDSS(context.Background(), signed, s)
				if err != nil {
					t.Fatal(err)
				}
				if body, err = pdf.PrepareDocTimeStamp(b); err != nil {
					t.Fatal(err)
				}
			}
			postStamp(t, srv.URL+"/v1/tsa/document"+tc.query, "application/pdf", body, tc.status, tc.want, tc.text)
		})
	}
	mu.Lock()
	n := len(requests)
	mu.Unlock()
	if n != 2 { // SHA-256 once (the second time it was committed), SM3 once
		t.Fatalf("%d timestamp_requested records, want 2", n)
	}
	if r := requests[0]; !bytes.Equal(r.DocSM3, sum[:]) || r.Contract != "c-1" || r.HashAlg != chain.TimestampSHA256 || r.Purpose != chain.TimestampDocument {
		t.Errorf("record %+v", r)
	}

	lta, err := pdf.AddDocTimeStamp(context.Background(), signed, tsa.OIDSHA256, s.DocumentStamper())
	if err != nil {
		t.Fatal(err)
	}
	rep, err := pdf.Verify(lta, pdf.VerifyOptions{Roots: []*smx509.Certificate{ca.Cert}})
	if err != nil {
		t.Fatal(err)
	}
	d := rep.DocTimeStamps[0]
	if d.Indication != pdf.TotalPassed || !d.SigningTime.Equal(committed[string(requests[0].Hash)]) {
		t.Fatalf("in process: %s at %v, want the commit time %v", d.Indication, d.SigningTime, committed[string(requests[0].Hash)])
	}
}
