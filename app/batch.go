package app

import (
	"slices"
	"strconv"
	"sync"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/chain/store"
	"github.com/sealchain/sealchain/signer"
)

// Batches (chain/batch.go), from rules version chain.BatchRulesVersion.
// A batch is checked as a whole: its decoding, chain id, envelope
// credential, every record's certificates and every signature. Any of
// those failing refuses the whole batch (CheckTx, ProcessProposal, and in
// FinalizeBlock the batch's result), naming the record (records[3].actor.sig).
// The state rules run per record in FinalizeBlock: a record that fails
// one gets its own code in the batch's result (chain.BatchResult) and
// writes nothing; the others are appended, each its own leaf in the
// batched form, keyed against replay by its item hash.

// wireTx is a transaction as CometBFT carries it, checked: a standalone
// tx with its signers, or a batch with its records (batched form) and each
// record's signers.
type wireTx struct {
	h     chain.Hash // TxHash of the bytes: the verification cache's key
	tx    *chain.Tx  // standalone
	s     *signers   // the standalone tx's signers, or the batch envelope's (Org, OrgCA, Submitter)
	batch *chain.Batch
	recs  []*chain.Tx // the batch's records, batched form
	rs    []*signers  // each record's signers
}

// atRecord names record i of a batch in a rejection's field.
func atRecord(i int, terr *TxError) *TxError {
	c := *terr
	c.Field = "records[" + strconv.Itoa(i) + "]"
	if terr.Field != "" {
		c.Field += "." + terr.Field
	}
	return &c
}

// batchEnvelope resolves a batch's envelope from view: the registered
// organisation, its CA, and its credential named by fingerprint, which
// must be registered to that organisation and issued by its CA, as a
// standalone tx's envelope certificate must.
func (a *App) batchEnvelope(view store.View, bt *chain.Batch) (*signers, *TxError) {
	s, terr := a.resolveOrg(view, bt.Envelope.Org)
	if terr != nil {
		return nil, terr
	}
	if s.SubmitterState, terr = registeredCredential(view, bt.Envelope.Cert, bt.Envelope.Org); terr != nil {
		return nil, terr
	}
	var fp chain.Fingerprint
	if s.Submitter, fp, terr = a.ver.Parse(s.SubmitterState.DER, "envelope.cert"); terr != nil {
		return nil, terr
	}
	if terr := a.ver.IssuedBy(s.Submitter, fp, s.OrgCA, "envelope.cert"); terr != nil {
		return nil, terr
	}
	// The usage never changes, so it is checked here, before up to 2,001
	// signatures are verified on every validator, and not only per record
	// in FinalizeBlock: any certificate registered to the org (an end
	// user's signer certificate) could otherwise fill blocks with batches
	// whose every record fails.
	if terr := chain.HasUsage(s.Submitter, signer.UsageSubmitter, "envelope.cert"); terr != nil {
		return nil, terr
	}
	return s, nil
}

// recordSigners resolves one record's signers on top of the envelope's.
func (a *App) recordSigners(view chain.StateView, env *signers, rec *chain.Tx) (*signers, *TxError) {
	s := &signers{Org: env.Org, OrgCA: env.OrgCA, Submitter: env.Submitter, SubmitterState: env.SubmitterState}
	if terr := a.resolveRecord(view, rec, s); terr != nil {
		return nil, terr
	}
	return s, nil
}

// checkBatch is checkTx for a decoded batch: chain id, envelope, every
// record's certificates, then every signature (unless this node verified
// the batch already), on all cores.
func (a *App) checkBatch(view store.View, w *wireTx) *TxError {
	bt := w.batch
	if bt.ChainID != a.chainID {
		return reject(CodeChainID, "chain_id", "%q, this chain is %q", bt.ChainID, a.chainID)
	}
	env, terr := a.batchEnvelope(view, bt)
	if terr != nil {
		return terr
	}
	w.s = env
	if w.recs == nil {
		w.recs = bt.Records()
	}
	w.rs = make([]*signers, len(w.recs))
	// A platform's batch often has few signers for many records: each
	// certificate is read once per pass (the view does not change within it).
	memo := &certMemo{StateView: view, certs: map[chain.Fingerprint]memoCert{}}
	for i, rec := range w.recs {
		if w.rs[i], terr = a.recordSigners(memo, env, rec); terr != nil {
			return atRecord(i, terr)
		}
	}
	if _, ok := a.ver.verified.get(w.h); ok {
		a.metrics.sigCacheHit()
		return nil
	}
	done := a.metrics.sigVerifyTimer()
	defer done()
	checks := make([]sigCheck, 0, 1+2*len(w.recs))
	checks = append(checks, sigCheck{env.Submitter, bt.SignBytes(), bt.Envelope.Sig, "envelope.sig"})
	// from[i] is record i's first check; items verified before have none.
	from := make([]int, len(bt.Items)+1)
	hashes := make([]chain.Hash, len(bt.Items))
	for i, it := range bt.Items {
		from[i] = len(checks)
		hashes[i] = bt.ItemHash(i)
		if _, ok := a.ver.items.get(hashes[i]); !ok {
			checks = recordChecks(checks, it, w.rs[i], "records["+strconv.Itoa(i)+"].")
		}
	}
	from[len(bt.Items)] = len(checks)
	terr, passed := a.ver.verifyPool(checks)
	// Remember the items that verified, even in a refused batch.
	for i := range bt.Items {
		if from[i] < from[i+1] && !slices.Contains(passed[from[i]:from[i+1]], false) {
			a.ver.items.put(hashes[i], struct{}{})
		}
	}
	if terr != nil {
		return terr
	}
	a.ver.verified.put(w.h, struct{}{})
	return nil
}

// admittedBatch is what a recheck of an admitted batch looks at again.
// Everything else CheckTx checked of it is permanent once true (organisations
// and certificates are registered for good, signatures verify or not, and
// the rules version only goes up), so when the mempool rechecks the batch
// after a block only the envelope credential's revocation and the records'
// replay can have changed: looking at those alone skips decoding and
// resolving up to 1,000 records under the mempool's lock.
type admittedBatch struct {
	org   string
	cert  chain.Fingerprint
	items []chain.Hash
}

// maxAdmittedBatches bounds the recheck cache (32 KiB of hashes each at most).
const maxAdmittedBatches = 1024

func newAdmittedBatch(w *wireTx) *admittedBatch {
	ad := &admittedBatch{org: w.batch.Envelope.Org, cert: w.batch.Envelope.Cert, items: make([]chain.Hash, len(w.recs))}
	for i := range w.recs {
		ad.items[i] = w.batch.ItemHash(i)
	}
	return ad
}

// checkBatchAdmission is CheckTx's part for a checked batch: the envelope
// credential not revoked, and no record already committed.
func (a *App) checkBatchAdmission(view store.View, ad *admittedBatch) (*TxError, error) {
	cs, terr := registeredCredential(view, ad.cert, ad.org)
	if terr != nil {
		return terr, nil
	}
	if cs.Revoked() {
		return reject(CodeCertRevoked, "envelope.cert", "credential revoked at %s", cs.RevokedAt.Format(time.RFC3339Nano)), nil
	}
	for i, h := range ad.items {
		if _, seen, err := view.TxLogIndex(h); err != nil {
			return nil, err
		} else if seen {
			return reject(CodeReplay, "records["+strconv.Itoa(i)+"]", "record %s was already committed", h), nil
		}
	}
	return nil, nil
}

// execBatch applies a checked batch's records in order. Each record sees
// what the records before it changed (a revoked certificate), as
// consecutive standalone txs would: the signers checkTx resolved against
// the block's view at the batch's start serve until a record writes
// something they are made of (chain.Effects.ChangesSigners), and from then
// on each record's are resolved again against the staged state.
func (a *App) execBatch(b *store.Block, txIndex uint32, w *wireTx) *abci.ExecTxResult {
	results := make([]chain.RecordResult, len(w.recs))
	committed := 0
	stale := false
	for i, rec := range w.recs {
		s := w.rs[i]
		var terr *TxError
		if stale {
			s, terr = a.resolveBatched(b, w.batch, rec)
		}
		var en *chain.Entry
		var effects chain.Effects
		if terr == nil {
			en, effects, terr = a.execRecord(b, txIndex, rec, w.batch.ItemHash(i), s)
		}
		if terr != nil {
			a.metrics.rejected(terr.Code, "finalize")
			results[i] = chain.RecordResult{Code: terr.Code, Log: terr.Error()}
			continue
		}
		stale = stale || effects.ChangesSigners()
		committed++
		a.metrics.recordAppended(rec.Body.Type().String())
		results[i] = chain.RecordResult{Code: CodeOK, Index: en.Index}
	}
	a.metrics.batchExecuted(len(w.recs))
	// One event for the batch, not one per record: CometBFT's indexer
	// writes every indexed attribute of every event.
	return &abci.ExecTxResult{
		Code: CodeOK,
		Data: chain.EncodeBatchResult(results),
		Log:  chain.BatchResultLog(results),
		Events: []abci.Event{{Type: "batch", Attributes: []abci.EventAttribute{
			{Key: "records", Value: strconv.Itoa(len(w.recs))},
			{Key: "committed", Value: strconv.Itoa(committed)},
			{Key: "rejected", Value: strconv.Itoa(len(w.recs) - committed)},
		}}},
	}
}

// resolveBatched resolves a batched record's signers against the block's
// staged state.
func (a *App) resolveBatched(b *store.Block, bt *chain.Batch, rec *chain.Tx) (*signers, *TxError) {
	env, terr := a.batchEnvelope(b.View, bt)
	if terr != nil {
		return nil, terr
	}
	return a.recordSigners(b.View, env, rec)
}

// execRecord runs one batched record's rules with its signers s and
// appends it.
func (a *App) execRecord(b *store.Block, txIndex uint32, rec *chain.Tx, item chain.Hash, s *signers) (*chain.Entry, chain.Effects, *TxError) {
	raw := rec.Encode()
	keys := []chain.Hash{item} // chain.RecordKeys of a batched record, already computed
	rc := a.ruleContext(b, rec, s)
	if terr := chain.CheckCommon(b, rc, keys...); terr != nil {
		return nil, nil, terr
	}
	if terr := a.versionRules(rec); terr != nil {
		return nil, nil, terr
	}
	return a.apply(b, txIndex, raw, rec, rc, keys)
}

// certMemo reads each certificate from the view once: one batch's
// resolution pass, over a view that does not change during it.
type certMemo struct {
	chain.StateView
	certs map[chain.Fingerprint]memoCert
}

type memoCert struct {
	cs *chain.CertState
	ok bool
}

func (m *certMemo) Cert(fp chain.Fingerprint) (*chain.CertState, bool, error) {
	if c, ok := m.certs[fp]; ok {
		return c.cs, c.ok, nil
	}
	cs, ok, err := m.StateView.Cert(fp)
	if err != nil {
		return nil, false, err
	}
	m.certs[fp] = memoCert{cs, ok}
	return cs, ok, nil
}

// decodedBatch is a batch decoded under a rules version, with its records
// in the batched form: CheckTx, the recheck, ProcessProposal and
// FinalizeBlock meet the same batch bytes up to four times on each node, and
// decoding and building the batch tree are a tenth of a record's cost.
// Decoding is a pure function of the bytes and the version, so the cache
// changes no answer.
type decodedBatch struct {
	version uint32
	batch   *chain.Batch
	recs    []*chain.Tx
}

// maxDecodedBatchBytes bounds the decoded-batch cache by the batches' encoded
// size: 64 MiB, the mempool's default size, so every batch the mempool can
// hold fits. Decoded, a batch takes two to three times its encoding (its
// records in the batched form carry their paths), so the cache stays under
// about 200 MiB whatever the batches' sizes.
const maxDecodedBatchBytes = 64 << 20

// batchCache is a FIFO of decoded batches bounded in bytes.
type batchCache struct {
	mu    sync.RWMutex
	m     map[chain.Hash]*decodedBatch
	order []chain.Hash
	sizes map[chain.Hash]int
	bytes int
	limit int
}

func newBatchCache(limit int) *batchCache {
	return &batchCache{m: map[chain.Hash]*decodedBatch{}, sizes: map[chain.Hash]int{}, limit: limit}
}

func (c *batchCache) get(h chain.Hash) (*decodedBatch, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	d, ok := c.m[h]
	return d, ok
}

// put keeps d, of size encoded bytes, evicting the oldest until it fits.
func (c *batchCache) put(h chain.Hash, d *decodedBatch, size int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[h]; ok || size > c.limit {
		return
	}
	for c.bytes+size > c.limit && len(c.order) > 0 {
		old := c.order[0]
		c.order = c.order[1:]
		c.bytes -= c.sizes[old]
		delete(c.m, old)
		delete(c.sizes, old)
	}
	c.m[h], c.sizes[h] = d, size
	c.order = append(c.order, h)
	c.bytes += size
}
