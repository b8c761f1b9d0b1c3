package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/client"
	"github.com/sealchain/sealchain/node/nodehome"
	"github.com/sealchain/sealchain/signer"
)

// sealKit holds what building the records needs, with the platform home's
// keys as node/bench_test.go uses them: the platform's submitter credential,
// a signer certificate (issued by the platform's CA, committed first) and
// its key, and the platform's intent verifier.
type sealKit struct {
	sub      *client.Submitter
	actor    *client.Actor
	cert     *chain.Tx // the cert_issued item of the actor's certificate
	certDone bool      // committed
	verKey   *signer.PrivateKey
	verCert  []byte
}

func newSealKit(home nodehome.Home) (*sealKit, error) {
	ca, err := signer.LoadCA(home.CACert(), home.CAKey())
	if err != nil {
		return nil, err
	}
	sub, err := client.LoadSubmitter(sealChainID, "platform", home.SubmitterCert(), home.SubmitterKey())
	if err != nil {
		return nil, err
	}
	k, err := signer.GenerateKey(signer.AlgSM2, nil)
	if err != nil {
		return nil, err
	}
	now := time.Now().Add(-time.Hour)
	der, err := ca.Issue(k.Public(), signer.IssueOptions{SubjectRef: "sc-sealbench", Usage: signer.UsageSigner,
		NotBefore: now, NotAfter: now.AddDate(1, 0, 0)}, nil)
	if err != nil {
		return nil, err
	}
	kit := &sealKit{sub: sub, actor: &client.Actor{Cert: chain.FingerprintOf(der), Key: k}}
	if kit.verKey, err = signer.LoadPrivateKey(home.VerifierKey()); err != nil {
		return nil, err
	}
	verPEM, err := os.ReadFile(home.VerifierCert())
	if err != nil {
		return nil, err
	}
	verCert, err := signer.ParseCertificatePEM(verPEM)
	if err != nil {
		return nil, err
	}
	kit.verCert = verCert.Raw
	if kit.cert, err = sub.BuildItem(&chain.CertIssued{Cert: der}, nil); err != nil {
		return nil, err
	}
	return kit, nil
}

// built are n records as items: each one's setup (a one-party contract and
// the party's intent) and the measured contract_signed record.
type built struct {
	contracts, intents, signs []*chain.Tx
}

// build signs records off..off+n-1 (their contract ids), on every core.
func (k *sealKit) build(off, n int, progress io.Writer) (*built, error) {
	b := &built{contracts: make([]*chain.Tx, n), intents: make([]*chain.Tx, n), signs: make([]*chain.Tx, n)}
	err := parallel(n, newBar(progress, "signing records", n), func(i int) error {
		id := fmt.Sprintf("sealbench-%d", off+i)
		doc := chain.FingerprintOf([]byte(id))
		var err error
		if b.contracts[i], err = k.sub.BuildItem(&chain.ContractCreated{Contract: id, DocSM3: doc[:], DocSHA256: doc[:],
			Parties: []chain.Fingerprint{k.actor.Cert}, Order: chain.OrderSequential}, nil); err != nil {
			return err
		}
		iv := &chain.IntentVerified{Contract: id, Signer: k.actor.Cert, Method: chain.IntentSMSOTP, ChallengeHash: doc[:],
			VerifiedAt: time.Now().UnixMilli(), VerifierCert: k.verCert}
		if iv.VerifierSig, err = k.verKey.Sign(nil, iv.AttestationBytes(sealChainID)); err != nil {
			return err
		}
		if b.intents[i], err = k.sub.BuildItem(iv, k.actor); err != nil {
			return err
		}
		b.signs[i], err = k.sub.BuildItem(&chain.ContractSigned{Contract: id, DocSM3: doc[:]}, k.actor)
		return err
	})
	return b, err
}

// standalone is item as a standalone tx: the same record (nonce, actor
// signature) under the submitter's own envelope, as client.Submitter.Build
// makes it.
func (k *sealKit) standalone(item *chain.Tx) ([]byte, error) {
	tx := *item
	tx.Envelope = chain.Envelope{Org: k.sub.Org, Cert: k.sub.Cert}
	sig, err := k.sub.Key.Sign(nil, tx.EnvelopeSignBytes())
	if err != nil {
		return nil, fmt.Errorf("envelope signature: %w", err)
	}
	tx.Envelope.Sig = sig
	raw := tx.Encode()
	if _, err := chain.DecodeTx(raw); err != nil {
		return nil, fmt.Errorf("standalone record: %w", err)
	}
	return raw, nil
}

// standalones is items as standalone txs, and their record hashes.
func (k *sealKit) standalones(items []*chain.Tx) (work, []chain.Hash, error) {
	txs := make([][]byte, len(items))
	err := parallel(len(items), nil, func(i int) error {
		var err error
		txs[i], err = k.standalone(items[i])
		return err
	})
	hashes := make([]chain.Hash, len(txs))
	for i, tx := range txs {
		hashes[i] = chain.TxHash(tx)
	}
	return single(txs), hashes, err
}

// batches is items in batches of size (the last may be smaller), signed
// with client.Submitter.BuildBatch, and each record's hash (its item's).
func (k *sealKit) batches(items []*chain.Tx, size int) (work, []chain.Hash, error) {
	size = max(1, size)
	nb := (len(items) + size - 1) / size
	w := work{txs: make([][]byte, nb), recs: make([][]int, nb), records: len(items)}
	err := parallel(nb, nil, func(j int) error {
		from, to := j*size, min((j+1)*size, len(items))
		var err error
		if w.txs[j], err = k.sub.BuildBatch(items[from:to]); err != nil {
			return fmt.Errorf("batch %d: %w", j, err)
		}
		w.recs[j] = make([]int, 0, to-from)
		for i := from; i < to; i++ {
			w.recs[j] = append(w.recs[j], i)
		}
		return nil
	})
	hashes := make([]chain.Hash, len(items))
	for i, it := range items {
		hashes[i] = it.ItemHash()
	}
	return w, hashes, err
}

// part is txs [from, to) of a work whose records are contiguous.
type part struct {
	work
	from, to int // the records it carries
}

// slice returns txs [a, b) of w with the records renumbered from 0; w's
// txs must carry consecutive records in order (as standalones and
// batches build them).
func (w work) slice(a, b int) part {
	if !w.batched() {
		return part{work: single(w.txs[a:b]), from: a, to: b}
	}
	from := w.recs[a][0]
	last := w.recs[b-1]
	to := last[len(last)-1] + 1
	p := part{work: work{txs: w.txs[a:b], recs: make([][]int, b-a), records: to - from}, from: from, to: to}
	for j := a; j < b; j++ {
		rs := make([]int, len(w.recs[j]))
		for x, i := range w.recs[j] {
			rs[x] = i - from
		}
		p.recs[j-a] = rs
	}
	return p
}

// parallel calls fn(0..n-1) on every core and returns the first error.
func parallel(n int, bar *bar, fn func(i int) error) error {
	var (
		next, done atomic.Int64
		mu         sync.Mutex
		errs       []error
		wg         sync.WaitGroup
	)
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if err := fn(i); err != nil {
					mu.Lock()
					errs = append(errs, fmt.Errorf("%d: %w", i, err))
					mu.Unlock()
					next.Store(int64(n)) // stop early
					return
				}
				d := int(done.Add(1))
				mu.Lock() // the bar is not safe for concurrent use
				bar.set(d)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	bar.done()
	return errors.Join(errs...)
}
