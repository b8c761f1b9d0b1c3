package witnessapi

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/sealchain/sealchain/evidence/witness"
)

// Push offers the node's checkpoints to a listen-only witness (one that
// does not pull: C2SP tlog-witness add-checkpoint at prefix, e.g. what
// sealchain witness run --listen serves): every interval, when the log has
// grown, it posts the signed checkpoint with a consistency proof from the
// size the witness last cosigned, and merges the cosignature it answers
// with (Add; the witness's vkey must be among Config.Witnesses). The
// witness's size is learned from its 409 answer (starting from 0), so a
// restart costs one round trip. It returns when ctx ends.
func (a *API) Push(ctx context.Context, prefix string, interval time.Duration, hc *http.Client) {
	c := witness.AddCheckpointClient{Prefix: prefix, HTTP: hc}
	log := a.logger.With("witness", prefix)
	var old, sent uint64
	failing := false
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if size := a.store.Last().LogSize; size > sent {
			err := a.pushOnce(ctx, c, &old, size)
			var conflict *witness.ConflictError
			if errors.As(err, &conflict) && conflict.Size <= size { // the witness is elsewhere: prove from there
				old = conflict.Size
				err = a.pushOnce(ctx, c, &old, size)
			}
			switch {
			case err == nil:
				sent = size
				if failing {
					log.Info("witness cosigns again", "size", size)
				}
				failing = false
			case ctx.Err() != nil:
				return
			case !failing: // said once until it works again
				log.Error("pushing the checkpoint to the witness", "size", size, "err", err)
				failing = true
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (a *API) pushOnce(ctx context.Context, c witness.AddCheckpointClient, old *uint64, size uint64) error {
	signed, err := a.Signed()
	if err != nil {
		return err
	}
	text, _, err := witness.SplitNote(signed)
	if err != nil {
		return err
	}
	cp, err := witness.ParseCheckpoint(text)
	if err != nil {
		return err
	}
	if cp.Size < *old { // the witness has more than this node committed (a lagging node): wait
		return errors.New("the witness is ahead of this node's log")
	}
	var proof [][]byte
	if *old > 0 && *old < cp.Size {
		if proof, err = a.store.ConsistencyProof(*old, cp.Size); err != nil {
			return err
		}
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	lines, err := c.Add(ctx, *old, proof, signed)
	if err != nil {
		return err
	}
	msg := signed
	for _, l := range lines {
		msg = append(msg, l.String()...)
	}
	if _, _, err := a.Add(msg); err != nil {
		return err
	}
	*old = cp.Size
	return nil
}
