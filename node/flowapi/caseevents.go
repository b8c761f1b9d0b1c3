package flowapi

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"

	"github.com/cockroachdb/pebble"

	"github.com/sealchain/sealchain/client"
	"github.com/sealchain/sealchain/workflow/notify"
)

// Case events reach the organisation's webhook subscribers like the
// workflow's (chainapi.CaseNotifier): the node's chain API finds the
// changes of the cases this organisation opened, the service publishes
// them and keeps the log position it got to in the workflow's database.

// caseCursorKey is the log size up to which case changes were published.
var caseCursorKey = []byte("wf/casewatch/cursor")

// CaseCursor implements chainapi.CaseNotifier.
func (s *Service) CaseCursor(context.Context) (uint64, bool, error) {
	v, closer, err := s.db.Get(caseCursorKey)
	if errors.Is(err, pebble.ErrNotFound) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	defer closer.Close()
	if len(v) != 8 {
		return 0, false, errors.New("case events cursor: bad value")
	}
	return binary.BigEndian.Uint64(v), true, nil
}

// NotifyCases implements chainapi.CaseNotifier: each event is published
// under its ID (a repeat is a no-op), then the cursor moves.
func (s *Service) NotifyCases(ctx context.Context, events []client.CaseEvent, upTo uint64) error {
	for _, ev := range events {
		body, err := json.Marshal(ev)
		if err != nil {
			return err
		}
		if _, err := s.webhooks.Publish(ctx, notify.Event{ID: ev.ID, Type: ev.Type, Payload: body}); err != nil {
			return err
		}
	}
	var v [8]byte
	binary.BigEndian.PutUint64(v[:], upTo)
	return s.db.Set(caseCursorKey, v[:], pebble.Sync)
}
