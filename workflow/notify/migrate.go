package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/cockroachdb/pebble"

	"github.com/sealchain/sealchain/workflow/internal/seal"
)

// AtRestCounts says what SealAtRest changed.
type AtRestCounts struct {
	AckedEmptied  int // acknowledged messages that still held a recipient or parameters
	PendingSealed int // pending messages stored in clear
	SecretsSealed int // webhook secrets stored in clear
}

// SealAtRest rewrites, into b, what older versions stored in clear under
// Prefix: acknowledged messages lose their recipient and parameters,
// pending ones and webhook secrets are sealed under sealer. It reads db and
// writes nothing itself: the caller commits b (with its own version
// marker) and then compacts, so that the old values leave the files too.
func SealAtRest(ctx context.Context, db *pebble.DB, b *pebble.Batch, sealer seal.Sealer) (AtRestCounts, error) {
	var n AtRestCounts
	if sealer == nil {
		return n, errors.New("notify: SealAtRest needs a sealer")
	}
	o := &Outbox{db: db, sealer: sealer}
	err := scan(ctx, db, []byte(Prefix+"msg/"), nil, 0, func(k, v []byte) error {
		var st storedMessage
		if err := json.Unmarshal(v, &st); err != nil {
			return fmt.Errorf("decode %s: %w", k, err)
		}
		clear := st.RecipientRef != "" || st.Params != nil
		switch {
		case st.State == MessageAcked && (clear || st.Sealed != nil):
			m := st.Message
			m.RecipientRef, m.Params = "", nil
			n.AckedEmptied++
			return batchJSON(b, append([]byte(nil), k...), m)
		case st.State != MessageAcked && clear && st.Sealed == nil:
			sealed, err := o.seal(st.Message)
			if err != nil {
				return err
			}
			n.PendingSealed++
			return batchJSON(b, append([]byte(nil), k...), sealed)
		}
		return nil
	})
	if err != nil {
		return n, err
	}
	err = scan(ctx, db, []byte(Prefix+"sub/"), nil, 0, func(k, v []byte) error {
		var st storedSubscription
		if err := json.Unmarshal(v, &st); err != nil {
			return fmt.Errorf("decode %s: %w", k, err)
		}
		if len(st.Secret) == 0 || len(st.SealedSecret) > 0 {
			return nil
		}
		sealed, err := sealSubscription(sealer, st.Subscription)
		if err != nil {
			return err
		}
		n.SecretsSealed++
		return batchJSON(b, append([]byte(nil), k...), sealed)
	})
	return n, err
}
