package workflow

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/cockroachdb/pebble"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/client"
)

// The persisted queues. A state change and the chain records and
// notifications it causes are written in one synced pebble batch (a txn);
// the loops below submit them afterwards, retrying until the chain commits
// them. Transactions are built (and signed) when queued, so a retry sends
// the same bytes: the chain answers a repeat with the replay code, which
// means "already committed". Records go out in queue order, pipelined
// (pipeline.go): a record may depend on the one before it (cert after
// identity, signature after intent, the second party after the first).

// Ref statuses.
const (
	RefQueued    = "queued"
	RefCommitted = "committed"
	RefRejected  = "rejected"
)

// ChainRef is a record the workflow submitted and what became of it.
type ChainRef struct {
	Type     string    `json:"type"`
	Tx       string    `json:"tx"`
	Status   string    `json:"status"`
	Index    *uint64   `json:"index,omitempty"`
	Code     uint32    `json:"abci_code,omitempty"`
	Log      string    `json:"log,omitempty"`
	Contract string    `json:"contract_id,omitempty"`
	Identity string    `json:"identity_id,omitempty"`
	Party    string    `json:"party_cert,omitempty"` // the party the record is about, if one
	Queued   time.Time `json:"queued_at"`
	// Stuck: accepted, then neither in the mempool nor on chain for a
	// while (pipeline.go); still retried.
	Stuck bool `json:"stuck,omitempty"`
}

type txItem struct {
	Seq uint64 `json:"seq"`
	Tx  []byte `json:"tx"`
	// Hash is the record hash it was queued under: the item hash from
	// rules version 2, the tx hash before (and in older versions). One
	// queued under its tx hash is sent standalone, the form that hash
	// finds (pipeline.go).
	Hash      string    `json:"hash"`
	NotBefore time.Time `json:"not_before,omitzero"`
}

// noteItem is a queued webhook event or message. A message holds a phone
// number, and a signing link or an SMS code, so it is stored sealed under
// the KEK (AAD "note/<message id>"), never in clear: pebble keeps deleted
// values in its WAL and tables until compaction.
type noteItem struct {
	Seq       uint64   `json:"seq"`
	Event     *Event   `json:"event,omitempty"`
	MessageID string   `json:"message_id,omitempty"`
	Sealed    []byte   `json:"sealed_message,omitempty"`
	Legacy    *Message `json:"message,omitempty"` // queued in clear by older versions
	Attempts  int      `json:"attempts"`
}

// txn is one atomic state change. The caller holds e.mu.
type txn struct {
	e   *Engine
	b   *pebble.Batch
	seq uint64
	// changed holds copies of the contracts the batch writes, for the
	// search index (index.go), by id.
	changed map[string]*Contract
}

func (e *Engine) begin() *txn { return &txn{e: e, b: e.db.NewBatch(), seq: e.seq} }

func (t *txn) close() { t.b.Close() }

func (t *txn) set(key string, v any) error { return setJSON(t.b, []byte(key), v) }

// enqueueTx builds body into a transaction (signed by actor when the type
// needs one) and queues it. It returns the record hash (Chain.RecordHash),
// which names the record in the workflow state and in GET /v1/txs.
func (t *txn) enqueueTx(body chain.Body, actor *client.Actor, contract, identity string) (string, error) {
	q, err := t.e.buildTx(body, actor)
	if err != nil {
		return "", err
	}
	return t.enqueueBuilt(q, contract, identity)
}

// enqueueBuilt queues a record built by buildTx (signed by its actor, if
// any). The record hash, not the tx hash, names it: from rules version 2
// the record may land batched, where only its item hash names it.
func (t *txn) enqueueBuilt(q queuedTx, contract, identity string) (string, error) {
	body, raw, h := q.body, q.raw, q.hash
	t.seq++
	if err := setJSON(t.b, seqKey(pTxQueue, t.seq), &txItem{Seq: t.seq, Tx: raw, Hash: h}); err != nil {
		return "", err
	}
	ref := &ChainRef{Type: body.Type().String(), Tx: h, Status: RefQueued, Contract: contract, Identity: identity, Queued: t.e.now().UTC()}
	switch b := body.(type) {
	case *chain.ContractViewed:
		ref.Party = b.Party.String()
	case *chain.ContractReminded:
		ref.Party = b.Party.String()
	case *chain.IntentVerified:
		ref.Party = b.Signer.String()
	}
	if q.actor != nil {
		ref.Party = q.actor.String()
	}
	return h, t.set(pRef+h, ref)
}

// notify queues a webhook event.
func (t *txn) notify(typ, contract, identityID string, party *int) error {
	t.seq++
	ev := &Event{ID: fmt.Sprintf("ev-%d-%s", t.seq, typ), Type: typ, At: t.e.now().UTC(), ContractID: contract, IdentityID: identityID, Party: party}
	return setJSON(t.b, seqKey(pNoteQ, t.seq), &noteItem{Seq: t.seq, Event: ev})
}

// message queues an SMS or e-mail, sealed.
func (t *txn) message(m Message) error {
	t.seq++
	if m.ID == "" {
		m.ID = fmt.Sprintf("msg-%d", t.seq)
	}
	plain, err := json.Marshal(&m)
	if err != nil {
		return fmt.Errorf("encode message: %w", err)
	}
	sealed, err := t.e.cfg.KEK.Seal(t.e.rand, "note/"+m.ID, plain)
	if err != nil {
		return err
	}
	return setJSON(t.b, seqKey(pNoteQ, t.seq), &noteItem{Seq: t.seq, MessageID: m.ID, Sealed: sealed})
}

// message opens a queued message; nil when the item is an event.
func (it *noteItem) message(k *KEK) (*Message, error) {
	if it.Legacy != nil {
		return it.Legacy, nil
	}
	if it.Sealed == nil {
		return nil, nil
	}
	plain, err := k.Open("note/"+it.MessageID, it.Sealed)
	if err != nil {
		return nil, err
	}
	var m Message
	if err := json.Unmarshal(plain, &m); err != nil {
		return nil, fmt.Errorf("decode message %s: %w", it.MessageID, err)
	}
	return &m, nil
}

func (t *txn) commit() error {
	var s [8]byte
	for i := range 8 {
		s[i] = byte(t.seq >> (56 - 8*i))
	}
	if err := t.b.Set([]byte(kSeq), s[:], nil); err != nil {
		return err
	}
	if err := t.b.Commit(pebble.Sync); err != nil {
		return fmt.Errorf("workflow: commit state: %w", err)
	}
	t.e.seq = t.seq
	t.e.afterCommit(t)
	t.e.wake()
	return nil
}

// first returns the oldest item under prefix.
func (e *Engine) first(prefix string, v any) (bool, []byte, error) {
	it, err := e.db.NewIter(&pebble.IterOptions{LowerBound: []byte(prefix), UpperBound: prefixEnd([]byte(prefix))})
	if err != nil {
		return false, nil, err
	}
	defer it.Close()
	if !it.First() {
		return false, nil, it.Error()
	}
	key := append([]byte(nil), it.Key()...)
	val, err := it.ValueAndErr()
	if err != nil {
		return false, nil, err
	}
	if err := jsonUnmarshal(val, v); err != nil {
		return false, nil, fmt.Errorf("decode %x: %w", key, err)
	}
	return true, key, nil
}

// PendingTxs counts queued chain records.
func (e *Engine) PendingTxs() (int, error) {
	it, err := e.db.NewIter(&pebble.IterOptions{LowerBound: []byte(pTxQueue), UpperBound: prefixEnd([]byte(pTxQueue))})
	if err != nil {
		return 0, err
	}
	defer it.Close()
	n := 0
	for it.First(); it.Valid(); it.Next() {
		n++
	}
	return n, it.Error()
}

func (e *Engine) sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	case <-e.kick:
		return true
	}
}

// settle records a tx's outcome and removes it from the queue, with the
// effects an outcome has on the workflow state.
func (e *Engine) settle(key []byte, it *txItem, res TxResult) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	var ref ChainRef
	if _, err := getJSON(e.db, pRef+it.Hash, &ref); err != nil {
		return err
	}
	t := e.begin()
	defer t.close()
	ref.Stuck = false
	if res.Committed {
		ref.Status = RefCommitted
		idx := res.Index
		ref.Index = &idx
	} else if ref.Type == chain.TypeContractExpired.String() && res.NotYetDue && ref.Contract != "" {
		ref.Status, ref.Code, ref.Log = RefRejected, res.Code, res.Log
		if err := e.requeueExpiry(t, &ref); err != nil {
			return err
		}
	} else {
		ref.Status, ref.Code, ref.Log = RefRejected, res.Code, res.Log
		e.logger.Error("chain rejected a workflow record", "type", ref.Type, "tx", it.Hash, "code", res.Code, "log", res.Log,
			"contract", ref.Contract, "identity", ref.Identity)
		if ref.Contract != "" {
			if err := e.noteRejection(t, &ref); err != nil {
				return err
			}
		}
	}
	if err := t.set(pRef+it.Hash, &ref); err != nil {
		return err
	}
	if res.Committed {
		e.extendLocked(t, it, &ref)
	}
	if err := t.b.Delete(key, nil); err != nil {
		return err
	}
	if res.Committed {
		e.crash(StepOutboxCommitted, ref.Type)
	}
	return t.commit()
}

// requeueExpiry queues a fresh contract_expired (new nonce, so new bytes)
// a second later, and makes the contract point at it instead of the
// rejected one.
func (e *Engine) requeueExpiry(t *txn, old *ChainRef) error {
	c, err := e.loadContract(old.Contract)
	if err != nil {
		return err
	}
	raw, err := e.cfg.Submitter.Build(&chain.ContractExpired{Contract: c.ID}, nil)
	if err != nil {
		return err
	}
	h := e.cfg.Chain.RecordHash(raw).String()
	t.seq++
	if err := setJSON(t.b, seqKey(pTxQueue, t.seq), &txItem{Seq: t.seq, Tx: raw, Hash: h, NotBefore: e.now().Add(time.Second)}); err != nil {
		return err
	}
	if err := t.set(pRef+h, &ChainRef{Type: old.Type, Tx: h, Status: RefQueued, Contract: c.ID, Queued: e.now().UTC()}); err != nil {
		return err
	}
	for i, x := range c.Txs {
		if x == old.Tx {
			c.Txs[i] = h
		}
	}
	e.logger.Info("block time not yet past the deadline; contract_expired queued again", "contract", c.ID)
	return t.set(pContract+c.ID, c)
}

func (e *Engine) noteRejection(t *txn, ref *ChainRef) error {
	c, err := e.loadContract(ref.Contract)
	if err != nil {
		return err
	}
	c.History = append(c.History, HistoryEvent{At: e.now().UTC(), Event: "chain_rejected",
		Detail: fmt.Sprintf("%s %s: code %d: %s", ref.Type, ref.Tx, ref.Code, ref.Log)})
	return t.set(pContract+c.ID, c)
}

// noteBatch is the most notifications handed over per pass (one iterator,
// one synced batch of deletions).
const noteBatch = 256

// runNoteQueue hands queued notifications over in order, a pass of up to
// noteBatch at a time. The handed-over items are deleted in one synced
// batch per pass: a crash before it redelivers them, which the Notifier
// takes (idempotent by ID). Each pass starts after the last item deleted,
// not at the queue's first key, so it does not step over the deletion
// tombstones of every item before it (a bulk send queues thousands).
func (e *Engine) runNoteQueue(ctx context.Context) {
	var from []byte
	for ctx.Err() == nil {
		n, next, wait, err := e.notePass(ctx, from)
		if err != nil {
			e.logger.Error("notification queue", "err", err)
			e.sleep(ctx, time.Second)
			continue
		}
		from = next
		switch {
		case wait > 0:
			e.sleep(ctx, wait)
		case n == 0:
			e.sleep(ctx, time.Second)
		}
	}
}

// notePass hands over up to noteBatch items from key from on. It returns
// how many it handed over, where the next pass starts, and how long to
// wait when an item must be retried.
func (e *Engine) notePass(ctx context.Context, from []byte) (int, []byte, time.Duration, error) {
	lower := []byte(pNoteQ)
	if from != nil {
		lower = from
	}
	it, err := e.db.NewIter(&pebble.IterOptions{LowerBound: lower, UpperBound: prefixEnd([]byte(pNoteQ))})
	if err != nil {
		return 0, from, 0, err
	}
	defer it.Close()
	b := e.db.NewBatch()
	defer b.Close()
	n, next := 0, from
	var wait time.Duration
	for ok := it.First(); ok && n < noteBatch && ctx.Err() == nil; ok = it.Next() {
		key := bytes.Clone(it.Key())
		var item noteItem
		if err := jsonUnmarshal(it.Value(), &item); err != nil {
			return 0, from, 0, fmt.Errorf("decode %x: %w", key, err)
		}
		var derr error
		if e.cfg.Notifier != nil {
			var m *Message
			if m, derr = item.message(e.cfg.KEK); derr != nil {
				derr = fmt.Errorf("%w: %w", ErrUndeliverable, derr)
			} else if item.Event != nil {
				derr = e.cfg.Notifier.Event(ctx, *item.Event)
			} else if m != nil {
				derr = e.cfg.Notifier.Message(ctx, *m)
			}
		}
		if errors.Is(derr, ErrUndeliverable) {
			e.logger.Error("notification dropped", "err", derr)
			derr = nil
		}
		if derr != nil {
			item.Attempts++
			e.logger.Error("notification will be retried", "attempt", item.Attempts, "err", derr)
			if item.Attempts < 20 {
				// Later items wait: notifications go out in order.
				if err := setJSON(b, key, &item); err != nil {
					return 0, from, 0, err
				}
				wait = time.Duration(item.Attempts) * 200 * time.Millisecond
				break
			}
		}
		if err := b.Delete(key, nil); err != nil {
			return 0, from, 0, err
		}
		n++
		next = append(key, 0) // the smallest key after it
	}
	if err := it.Error(); err != nil {
		return 0, from, 0, err
	}
	if b.Empty() {
		return n, next, wait, nil
	}
	if err := b.Commit(pebble.Sync); err != nil {
		return 0, from, 0, fmt.Errorf("dequeue notifications: %w", err)
	}
	return n, next, wait, nil
}

// txType names a queued tx's record type (for crash points and logs).
func txType(raw []byte) string {
	tx, err := chain.DecodeTx(raw)
	if err != nil {
		return ""
	}
	return tx.Body.Type().String()
}
