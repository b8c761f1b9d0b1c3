package app

import (
	"errors"
	"math"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/emmansun/gmsm/smx509"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/chain/store"
	"github.com/sealchain/sealchain/signer"
)

// Signatures are checked once per node: CheckTx verifies and remembers the
// tx hash; FinalizeBlock skips the cryptography for a remembered tx but still
// applies every rule that depends on time or state. Remembering only skips
// work that has the same outcome on every node (a signature either verifies
// under an immutable certificate or not), so it cannot affect the app hash.

// lru is a small bounded set/map with FIFO eviction; enough for caches whose
// misses cost only time.
type lru[K comparable, V any] struct {
	mu    sync.RWMutex // lookups, from concurrent CheckTx calls, share it
	m     map[K]V
	order []K
	next  int
}

func newLRU[K comparable, V any](size int) *lru[K, V] {
	return &lru[K, V]{m: make(map[K]V, size), order: make([]K, 0, size)}
}

func (c *lru[K, V]) get(k K) (V, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	v, ok := c.m[k]
	return v, ok
}

func (c *lru[K, V]) put(k K, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[k]; ok {
		c.m[k] = v
		return
	}
	if len(c.order) < cap(c.order) {
		c.order = append(c.order, k)
	} else {
		delete(c.m, c.order[c.next])
		c.order[c.next] = k
		c.next = (c.next + 1) % len(c.order)
	}
	c.m[k] = v
}

// verifier holds the caches.
type verifier struct {
	certs    *lru[string, parsedCert]             // parsed certificates by DER (a map lookup, no hashing)
	issued   *lru[[2]chain.Fingerprint, struct{}] // (leaf, CA) pairs whose CA signature verified
	verified *lru[chain.Hash, struct{}]           // txs whose signatures all verified
	admitted *lru[chain.Hash, *admittedBatch]     // batches CheckTx admitted, for their recheck (batch.go)
	// items are batch items (by item hash) whose own signatures, the
	// actor's and an attestation's, verified: a record that comes again in
	// another batch (a submitter re-sends the others of a refused batch)
	// is not verified again. The item's bytes fix both: the actor's
	// certificate by fingerprint, the verifier's certificate in the body.
	items *lru[chain.Hash, struct{}]
	// batches are decoded batches by tx hash (batch.go).
	batches *batchCache
}

func newVerifier(size int) *verifier {
	return &verifier{
		certs:    newLRU[string, parsedCert](size),
		issued:   newLRU[[2]chain.Fingerprint, struct{}](size),
		verified: newLRU[chain.Hash, struct{}](size),
		// A batch holds up to 1,000 item hashes: fewer entries, enough
		// for the batches a mempool holds at once.
		admitted: newLRU[chain.Hash, *admittedBatch](min(size, maxAdmittedBatches)),
		items:    newLRU[chain.Hash, struct{}](size),
		batches:  newBatchCache(maxDecodedBatchBytes),
	}
}

type parsedCert struct {
	cert *smx509.Certificate
	fp   chain.Fingerprint
}

// Parse and IssuedBy are the rules' chain.CertChecker: chain.PlainCerts'
// checks, each result cached, so a certificate is parsed and a CA signature
// verified once per node.
func (v *verifier) Parse(der []byte, field string) (*smx509.Certificate, chain.Fingerprint, *TxError) {
	if p, ok := v.certs.get(string(der)); ok {
		return p.cert, p.fp, nil
	}
	c, fp, terr := chain.PlainCerts{}.Parse(der, field)
	if terr != nil {
		return nil, fp, terr
	}
	v.certs.put(string(der), parsedCert{c, fp})
	return c, fp, nil
}

// IssuedBy checks the CA's signature on leaf (cached) and that the names chain.
func (v *verifier) IssuedBy(leaf *smx509.Certificate, leafFP chain.Fingerprint, ca *smx509.Certificate, field string) *TxError {
	_, caFP, _ := v.Parse(ca.Raw, "")
	key := [2]chain.Fingerprint{leafFP, caFP}
	if _, ok := v.issued.get(key); ok {
		return nil
	}
	if terr := (chain.PlainCerts{}).IssuedBy(leaf, leafFP, ca, field); terr != nil {
		return terr
	}
	v.issued.put(key, struct{}{})
	return nil
}

func (v *verifier) verify(cert *smx509.Certificate, msg, sig []byte, field string) *TxError {
	if err := signer.Verify(cert.PublicKey, msg, sig); err != nil {
		code := CodeBadSignature
		if errors.Is(err, signer.ErrUnsupportedKey) {
			code = CodeBadCert
		}
		return &TxError{Code: code, Field: field, Msg: err.Error(), Err: err}
	}
	return nil
}

// signers are the certificates a tx's signatures were made with, resolved
// against state; the rules (chain) check them against the block time.
type signers = chain.Signers

// checkSignatures resolves and verifies every signature of tx against the
// state in view. It does not look at time or revocation.
func (a *App) checkSignatures(view store.View, tx *chain.Tx, h chain.Hash) (*signers, *TxError) {
	s, terr := a.resolveOrg(view, tx.Envelope.Org)
	if terr != nil {
		return nil, terr
	}
	var subFP chain.Fingerprint
	if s.Submitter, subFP, terr = a.ver.Parse(tx.Envelope.Cert, "envelope.cert"); terr != nil {
		return nil, terr
	}
	// The envelope's credential must be registered (genesis or cert_issued),
	// to its own org: that is what lets a leaked credential be cut off by
	// cert_revoked. Registration is permanent, so refusing an unregistered
	// one here, against committed state in CheckTx and ProcessProposal, is
	// the same answer FinalizeBlock gives; revocation depends on block time
	// and is checked by checkCommon.
	if s.SubmitterState, terr = registeredCredential(view, subFP, tx.Envelope.Org); terr != nil {
		return nil, terr
	}
	if terr := a.resolveRecord(view, tx, s); terr != nil {
		return nil, terr
	}
	if terr := a.ver.IssuedBy(s.Submitter, subFP, s.OrgCA, "envelope.cert"); terr != nil {
		return nil, terr
	}
	if _, ok := a.ver.verified.get(h); ok {
		a.metrics.sigCacheHit()
		return s, nil
	}
	done := a.metrics.sigVerifyTimer()
	defer done()
	// The tx's signatures are independent, so they are checked at the same
	// time: CheckTx for gossiped txs runs on the peer connection's receive
	// goroutine, and every microsecond there delays that peer's consensus
	// messages queued behind it. The first failure in this fixed order is
	// reported, whatever finishes first.
	checks := recordChecks(make([]sigCheck, 0, 3), tx, s, "")
	checks = append(checks, sigCheck{s.Submitter, tx.EnvelopeSignBytes(), tx.Envelope.Sig, "envelope.sig"})
	if terr := a.ver.verifyAll(checks); terr != nil {
		return nil, terr
	}
	a.ver.verified.put(h, struct{}{})
	return s, nil
}

// resolveOrg starts a record's signers: the submitting organisation and
// its CA, from view.
func (a *App) resolveOrg(view store.View, id string) (*signers, *TxError) {
	s := &signers{}
	org, ok, err := view.Org(id)
	if err != nil {
		panic(err) // storage failure: CometBFT must stop
	}
	if !ok {
		return nil, reject(CodeUnknownOrg, "envelope.org", "organisation %q is not registered", id)
	}
	s.Org = org
	var terr *TxError
	if s.OrgCA, _, terr = a.ver.Parse(org.CACert, "org.ca_cert"); terr != nil {
		return nil, terr
	}
	return s, nil
}

// resolveRecord fills in s the certificates of tx's own signatures (the
// actor's, an attestation's verifier), from view.
func (a *App) resolveRecord(view chain.StateView, tx *chain.Tx, s *signers) *TxError {
	var terr *TxError
	if tx.Actor != nil {
		cs, ok, err := view.Cert(tx.Actor.Cert)
		if err != nil {
			panic(err)
		}
		if !ok {
			return reject(CodeUnknownCert, "actor.cert", "certificate %s is not registered", tx.Actor.Cert)
		}
		s.ActorFP, s.ActorState = tx.Actor.Cert, cs
		if s.Actor, _, terr = a.ver.Parse(cs.DER, "actor.cert"); terr != nil {
			return terr
		}
	}
	if att := attestationOf(tx); att != nil {
		var vfp chain.Fingerprint
		if s.Verifier, vfp, terr = a.ver.Parse(att.VerifierCert, "body.verifier_cert"); terr != nil {
			return terr
		}
		// The verifier must be registered (genesis or governance), and its
		// CA a registered org's.
		if _, ok, err := view.Verifier(vfp); err != nil {
			panic(err)
		} else if !ok {
			return reject(CodeUnknownVerifier, "body.verifier_cert", "verifier %s is not registered", vfp)
		}
		if _, s.VerifierCA, terr = a.verifierOrg(view, s.Verifier, vfp, "body.verifier_cert"); terr != nil {
			return terr
		}
	}
	return nil
}

// recordChecks appends the record's own signatures (the actor's, then an
// attestation's), their fields under prefix.
func recordChecks(checks []sigCheck, tx *chain.Tx, s *signers, prefix string) []sigCheck {
	if tx.Actor != nil {
		checks = append(checks, sigCheck{s.Actor, tx.ActorSignBytes(), tx.Actor.Sig, prefix + "actor.sig"})
	}
	if att := attestationOf(tx); att != nil {
		checks = append(checks, sigCheck{s.Verifier, att.Signed, att.Sig, prefix + "body.verifier_sig"})
	}
	return checks
}

// sigCheck is one signature to verify.
type sigCheck struct {
	cert     *smx509.Certificate
	msg, sig []byte
	field    string
}

// verifyAll verifies checks concurrently (the last on the calling
// goroutine) and returns the first failure in their order.
func (v *verifier) verifyAll(checks []sigCheck) *TxError {
	errs := make([]*TxError, len(checks))
	var wg sync.WaitGroup
	for i := range checks[:len(checks)-1] {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := checks[i]
			errs[i] = v.verify(c.cert, c.msg, c.sig, c.field)
		}()
	}
	last := len(checks) - 1
	c := checks[last]
	errs[last] = v.verify(c.cert, c.msg, c.sig, c.field)
	wg.Wait()
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// verifyPool verifies many checks (a batch's) on GOMAXPROCS workers that
// take them in order, and returns the first failure in that order: a
// worker stops at a check beyond the earliest failure found so far, and
// every check before it has been handed out and finishes. passed[i]
// reports whether check i ran and verified.
func (v *verifier) verifyPool(checks []sigCheck) (first *TxError, passed []bool) {
	errs := make([]*TxError, len(checks))
	passed = make([]bool, len(checks))
	var next atomic.Int64
	var failed atomic.Int64 // the earliest failing check so far
	failed.Store(int64(len(checks)))
	work := func() {
		for {
			i := next.Add(1) - 1
			if i >= int64(len(checks)) || i > failed.Load() {
				return
			}
			c := checks[i]
			if errs[i] = v.verify(c.cert, c.msg, c.sig, c.field); errs[i] != nil {
				for f := failed.Load(); i < f && !failed.CompareAndSwap(f, i); f = failed.Load() {
				}
			} else {
				passed[i] = true
			}
		}
	}
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(checks)) - 1 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			work()
		}()
	}
	work()
	wg.Wait()
	for _, e := range errs {
		if e != nil {
			return e, passed
		}
	}
	return nil, passed
}

// preverify checks the signatures of the txs in a proposal or block that
// this node has not verified yet (it missed them in its mempool), spread
// over every core, so the serial pass that follows finds them in the
// cache. It only fills the cache: results are thrown away and the serial
// pass decides, so the outcome is the same as without it. It reads the
// committed state; a tx whose certificate the same block registers fails
// here and is verified by the serial pass.
func (a *App) preverify(txs [][]byte) {
	var miss [][]byte
	for _, raw := range txs {
		if _, ok := a.ver.verified.get(chain.TxHash(raw)); !ok {
			miss = append(miss, raw)
		}
	}
	workers := min(runtime.GOMAXPROCS(0), len(miss))
	if workers < 2 {
		return
	}
	view := a.store.View()
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < len(miss); i = int(next.Add(1) - 1) {
				// Any version: this only warms the signature cache.
				a.checkTx(view, miss[i], math.MaxUint32, chain.MaxTxBytes)
			}
		}()
	}
	wg.Wait()
}

// attestationOf is the verifier's signed statement inside a record (an
// intent check or an identity check), nil if its type carries none.
func attestationOf(tx *chain.Tx) *chain.Attestation {
	if b, ok := tx.Body.(chain.Attested); ok {
		a := b.Attestation(tx.ChainID)
		return &a
	}
	return nil
}
