package chain_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm3"
	tjsm2 "github.com/tjfoc/gmsm/sm2"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/chain/merklelog"
	"github.com/sealchain/sealchain/internal/fixture"
	"github.com/sealchain/sealchain/signer"
)

// timeOp runs op n times and returns the mean time per call.
func timeOp(b *testing.B, n int, op func() error) time.Duration {
	b.Helper()
	start := time.Now()
	for range n {
		if err := op(); err != nil {
			b.Fatal(err)
		}
	}
	return time.Since(start) / time.Duration(n)
}

// BenchmarkSM2Libraries signs and verifies the same message with
// emmansun/gmsm (through signer, as the app does), tjfoc/gmsm and, as a
// reference, the standard library's ECDSA P-256, b.N times each in one run,
// and reports each as ns/op and as a ratio to emmansun's.
func BenchmarkSM2Libraries(b *testing.B) {
	msg := []byte("sealchain envelope sign bytes: a few hundred bytes of canonical tx encoding")
	em, err := signer.GenerateKey(signer.AlgSM2, nil)
	if err != nil {
		b.Fatal(err)
	}
	emSig, err := em.Sign(nil, msg)
	if err != nil {
		b.Fatal(err)
	}
	tj, err := tjsm2.GenerateKey(rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	tjSig, err := tj.Sign(rand.Reader, msg, nil)
	if err != nil {
		b.Fatal(err)
	}
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	digest := sha256.Sum256(msg)
	ecSig, err := ecdsa.SignASN1(rand.Reader, ec, digest[:])
	if err != nil {
		b.Fatal(err)
	}
	bad := fmt.Errorf("signature did not verify")
	b.ResetTimer()
	emSign := timeOp(b, b.N, func() error { _, err := em.Sign(nil, msg); return err })
	emVerify := timeOp(b, b.N, func() error { return signer.Verify(em.Public(), msg, emSig) })
	tjSign := timeOp(b, b.N, func() error { _, err := tj.Sign(rand.Reader, msg, nil); return err })
	tjVerify := timeOp(b, b.N, func() error {
		if !tj.PublicKey.Verify(msg, tjSig) {
			return bad
		}
		return nil
	})
	ecSign := timeOp(b, b.N, func() error {
		d := sha256.Sum256(msg)
		_, err := ecdsa.SignASN1(rand.Reader, ec, d[:])
		return err
	})
	ecVerify := timeOp(b, b.N, func() error {
		d := sha256.Sum256(msg)
		if !ecdsa.VerifyASN1(&ec.PublicKey, d[:], ecSig) {
			return bad
		}
		return nil
	})
	b.StopTimer()
	ns := func(d time.Duration) float64 { return float64(d.Nanoseconds()) }
	b.ReportMetric(ns(emSign), "emmansun-sign-ns")
	b.ReportMetric(ns(emVerify), "emmansun-verify-ns")
	b.ReportMetric(ns(tjSign), "tjfoc-sign-ns")
	b.ReportMetric(ns(tjVerify), "tjfoc-verify-ns")
	b.ReportMetric(ns(ecSign), "p256-sign-ns")
	b.ReportMetric(ns(ecVerify), "p256-verify-ns")
	b.ReportMetric(ns(tjSign)/ns(emSign), "tjfoc/emmansun-sign")
	b.ReportMetric(ns(tjVerify)/ns(emVerify), "tjfoc/emmansun-verify")
	b.ReportMetric(ns(ecVerify)/ns(emVerify), "p256/emmansun-verify")
	b.ReportMetric(1e9/ns(emVerify), "emmansun-verify/s")
}

// BenchmarkSM3 hashes 1 KiB and 1 MiB with SM3 and, as the baseline, with
// SHA-256 in the same run.
func BenchmarkSM3(b *testing.B) {
	for _, size := range []int{1 << 10, 1 << 20} {
		b.Run(fmt.Sprintf("%dB", size), func(b *testing.B) {
			data := make([]byte, size)
			b.SetBytes(int64(size))
			b.ResetTimer()
			sm := timeOp(b, b.N, func() error { sm3.Sum(data); return nil })
			sh := timeOp(b, b.N, func() error { sha256.Sum256(data); return nil })
			b.StopTimer()
			mbs := func(d time.Duration) float64 { return float64(size) / d.Seconds() / 1e6 }
			b.ReportMetric(mbs(sm), "sm3-MB/s")
			b.ReportMetric(mbs(sh), "sha256-MB/s")
			b.ReportMetric(float64(sm)/float64(sh), "sm3/sha256-time")
		})
	}
}

// BenchmarkRecordCodec encodes and decodes a contract_signed tx (SM2 actor
// and envelope) and its log entry; the baseline is SM3 over the same bytes,
// which every tx pays for its hash anyway.
func BenchmarkRecordCodec(b *testing.B) {
	net := fixture.New(b, "sealchain-bench")
	org := net.Orgs[0]
	alice := org.Signer(b, signer.AlgSM2, time.Time{})
	c := fixture.Contract("codec-1", "codec", chain.OrderSequential, alice)
	raw := org.Tx(b, &chain.ContractSigned{Contract: c.Contract, DocSM3: c.DocSM3}, alice)
	tx, err := chain.DecodeTx(raw)
	if err != nil {
		b.Fatal(err)
	}
	en := &chain.Entry{Index: 123456, Height: 789, Time: fixture.Epoch, TxIndex: 3, Tx: raw}
	leaf := en.Encode()
	b.ResetTimer()
	enc := timeOp(b, b.N, func() error { tx.Encode(); return nil })
	dec := timeOp(b, b.N, func() error { _, err := chain.DecodeTx(raw); return err })
	encEntry := timeOp(b, b.N, func() error { en.Encode(); return nil })
	decEntry := timeOp(b, b.N, func() error { _, err := chain.DecodeEntry(leaf); return err })
	hash := timeOp(b, b.N, func() error { chain.TxHash(raw); return nil })
	b.StopTimer()
	ns := func(d time.Duration) float64 { return float64(d.Nanoseconds()) }
	b.ReportMetric(float64(len(raw)), "tx-bytes")
	b.ReportMetric(ns(enc), "tx-encode-ns")
	b.ReportMetric(ns(dec), "tx-decode-ns")
	b.ReportMetric(ns(encEntry), "entry-encode-ns")
	b.ReportMetric(ns(decEntry), "entry-decode-ns")
	b.ReportMetric(ns(hash), "sm3-txhash-ns")
	b.ReportMetric(ns(dec)/ns(hash), "decode/txhash")
}

// BenchmarkMerkleProofVerify verifies an inclusion proof at size 2^20 (20
// SM3 node hashes), the offline check every bundle record pays; the
// baseline is hashing the leaf alone.
func BenchmarkMerkleProofVerify(b *testing.B) {
	h := merklelog.SM3()
	const size = 1 << 20
	leaf := make([]byte, 760)
	// A proof for index 0 of a tree whose other leaves are all empty
	// strings: any well-formed proof costs the same to check.
	proof := make([][]byte, 0, 20)
	node := h.HashLeaf(nil)
	for range 20 {
		proof = append(proof, node)
		node = h.HashChildren(node, node)
	}
	root := h.HashLeaf(leaf)
	for _, p := range proof {
		root = h.HashChildren(root, p)
	}
	b.ResetTimer()
	ver := timeOp(b, b.N, func() error { return merklelog.VerifyInclusion(h, 0, size, h.HashLeaf(leaf), proof, root) })
	base := timeOp(b, b.N, func() error { h.HashLeaf(leaf); return nil })
	b.StopTimer()
	b.ReportMetric(float64(ver.Nanoseconds()), "verify-ns")
	b.ReportMetric(float64(ver)/float64(base), "verify/leafhash")
}
