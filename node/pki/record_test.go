package pki

import (
	"context"
	"encoding/asn1"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/chain/store"
	"github.com/sealchain/sealchain/signer"
	"github.com/sealchain/sealchain/signer/tsa"
)

// TestRecordQueueRestart issues tokens while the chain cannot take their
// records, stops the service, and starts a new one on the same queue
// directory: it submits every record the first one released a token for.
func TestRecordQueueRestart(t *testing.T) {
	st, err := store.Open(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	nb := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	k, _ := signer.GenerateKey(signer.AlgECDSAP256, nil)
	ca, err := signer.NewCA(k, signer.CAOptions{OrgID: "platform", OrgName: "P", Role: "platform", NotBefore: nb, NotAfter: nb.AddDate(5, 0, 0)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ec, err := LoadOrIssueAuthority(ca, signer.AlgECDSAP256, "", "", t.TempDir(), "platform", nil, nil, nb.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	queue := t.TempDir()
	start := func(rec Recorder) (*Service, func()) {
		s, err := New(Config{Chain: st, Org: "platform", CA: ca, Policy: asn1.ObjectIdentifier{1, 2, 3}, ECDSA: ec, Record: rec, QueueDir: queue})
		if err != nil {
			t.Fatal(err)
		}
		ctx, stop := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { s.Run(ctx); close(done) }()
		return s, func() { stop(); <-done }
	}

	// First run: the submitter is stuck (the node is stopping).
	stuck := func(ctx context.Context, _ *chain.TimestampIssued) error { <-ctx.Done(); return ctx.Err() }
	s, stop := start(stuck)
	const n = 5
	want := map[string]bool{}
	for i := range n {
		h := make([]byte, 32)
		h[0] = byte(i + 1)
		resp, err := s.grant(&tsa.Request{HashAlg: tsa.OIDSHA256, Hash: h, CertReq: true}, ec, nb.Add(time.Duration(i)*time.Second), h)
		if err != nil {
			t.Fatal(err)
		}
		r, err := tsa.ParseResponse(resp)
		if err != nil || r.Token == nil {
			t.Fatalf("token %d not granted: %v %+v", i, err, r)
		}
		want[string(h)] = true
	}
	stop() // the stuck submissions end with the run: their records stay on disk
	// Second run on the same directory: every record comes back.
	var mu sync.Mutex
	got := map[string]bool{}
	s2, stop2 := start(func(_ context.Context, b *chain.TimestampIssued) error {
		mu.Lock()
		defer mu.Unlock()
		got[string(b.StampedHash)] = true
		return nil
	})
	_ = s2
	deadline := time.Now().Add(5 * time.Second)
	for {
		mu.Lock()
		c := len(got)
		mu.Unlock()
		if c == n || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	stop2()
	for h := range want {
		if !got[h] {
			t.Errorf("record for %x not submitted after the restart (%d of %d)", h[:1], len(got), n)
		}
	}
	// Third run: nothing left.
	var again atomic.Int32
	_, stop3 := start(func(context.Context, *chain.TimestampIssued) error { again.Add(1); return nil })
	time.Sleep(100 * time.Millisecond)
	stop3()
	if n := again.Load(); n != 0 {
		t.Errorf("%d records submitted again after they were recorded", n)
	}
}
