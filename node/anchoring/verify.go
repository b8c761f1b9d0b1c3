package anchoring

import (
	"context"
	"errors"
	"fmt"

	"github.com/sealchain/sealchain/anchor"
	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/chain/store"
)

// verify reads anchored records committed since the last pass back from
// Fabric ([anchor] verify = "fabric"). It runs outside consensus on purpose:
// voting on Fabric's answer in ProcessProposal would let an unreachable or
// lagging Fabric peer stall or split the validators. A mismatch is an alarm
// (log, metric, status), for people to act on; unreachable Fabric is retried.
func (a *Anchorer) verify(ctx context.Context) {
	a.mu.Lock()
	from, next := a.verifiedUpTo, a.verifyNext
	a.mu.Unlock()
	if a.now().Before(next) {
		return
	}
	view := a.store.View()
	states, err := view.Anchors(from, 50)
	if err != nil {
		a.logger.Error("list anchors", "err", err)
		return
	}
	for _, st := range states {
		if ctx.Err() != nil {
			return
		}
		body, err := AnchoredRecord(view, st.RecordIndex)
		if err != nil {
			a.logger.Error("read anchored record", "height", st.Height, "err", err)
			return
		}
		cctx, cancel := context.WithTimeout(ctx, a.cfg.Timeout.Duration)
		got, rc, err := a.ledger.GetAnchor(cctx, body.ChainID, body.Height)
		cancel()
		if err == nil {
			err = CompareRecord(body, got, rc)
		}
		var mm *anchor.MismatchError
		switch {
		case err == nil:
			a.metrics.verified.WithLabelValues("ok").Inc()
		case errors.As(err, &mm):
			a.metrics.verified.WithLabelValues("mismatch").Inc()
			a.alarm(fmt.Sprintf("anchored record %d (height %d) does not match Fabric: %v", st.RecordIndex, st.Height, err))
		default:
			// Not found may be a Fabric peer that has not caught up; both it
			// and unreachable are retried, never alarmed on first sight.
			a.metrics.verified.WithLabelValues("unreachable").Inc()
			a.mu.Lock()
			a.verifyFails++
			a.verifyNext = a.now().Add(backoff(a.verifyFails, a.cfg.RetryMin.Duration, a.cfg.RetryMax.Duration))
			a.mu.Unlock()
			a.logger.Warn("cannot verify anchor against Fabric yet", "height", st.Height, "err", err)
			return
		}
		a.mu.Lock()
		a.verifiedUpTo, a.verifyFails = st.Height, 0
		a.mu.Unlock()
	}
}

// AnchoredRecord decodes the anchored record at a log index.
func AnchoredRecord(view store.View, index uint64) (*chain.Anchored, error) {
	leaf, err := view.Entry(index)
	if err != nil {
		return nil, err
	}
	en, err := chain.DecodeEntry(leaf)
	if err != nil {
		return nil, err
	}
	tx, err := chain.DecodeRecord(en.Tx)
	if err != nil {
		return nil, err
	}
	body, ok := tx.Body.(*chain.Anchored)
	if !ok {
		return nil, fmt.Errorf("record %d is %s, not anchored", index, tx.Body.Type())
	}
	return body, nil
}

// CompareRecord checks an anchored record against what Fabric holds.
func CompareRecord(b *chain.Anchored, got anchor.Anchor, rc anchor.Receipt) error {
	return errors.Join(anchor.Compare(anchorOf(b), got), anchor.CompareReceipt(receiptOf(b), rc))
}

func anchorOf(b *chain.Anchored) anchor.Anchor {
	return anchor.Anchor{ChainID: b.ChainID, Height: b.Height, AppHash: b.AppHash, LogSize: b.LogSize, LogRoot: b.LogRoot}
}

func receiptOf(b *chain.Anchored) anchor.Receipt {
	return anchor.Receipt{Network: b.Network, Channel: b.Channel, Chaincode: b.Chaincode, TxID: b.TxID, Block: b.Block}
}
