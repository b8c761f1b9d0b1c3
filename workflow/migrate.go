package workflow

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/cockroachdb/pebble"

	"github.com/sealchain/sealchain/workflow/identity"
	"github.com/sealchain/sealchain/workflow/notify"
)

// kAtRest marks the workflow DB's at-rest format: uint64be version. Absent
// means the DB may hold what versions before atRestVersion kept in clear.
const kAtRest = "wf/core/at-rest"

// atRestVersion 1: queued messages, remembered answers, outbox messages,
// webhook secrets and deposit challenges sealed under the KEK; acked
// outbox messages emptied.
const atRestVersion = 1

// MigrateAtRest brings a workflow DB written by older versions to the
// current at-rest format, once (the version marker kAtRest says it was
// done). In one synced batch it seals what they stored in clear (queued
// messages, remembered idempotent answers, pending outbox messages, webhook
// secrets, deposit challenges) and empties acknowledged outbox messages.
// Then it compacts the whole DB: pebble keeps overwritten values in its log
// and tables until a compaction drops them, and a byte search of the
// directory must not find a link, code or phone number any more. Run it
// after opening the DB and before anything else uses it.
func MigrateAtRest(ctx context.Context, db *pebble.DB, kek *KEK, rnd io.Reader, logger *slog.Logger) error {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	val, closer, err := db.Get([]byte(kAtRest))
	switch {
	case err == nil:
		v := uint64(0)
		if len(val) == 8 {
			v = binary.BigEndian.Uint64(val)
		}
		closer.Close()
		if v >= atRestVersion {
			return nil
		}
	case !errors.Is(err, pebble.ErrNotFound):
		return fmt.Errorf("workflow: read %s: %w", kAtRest, err)
	}
	sealer := kek.Sealer(rnd)
	b := db.NewBatch()
	defer b.Close()
	idem, err := sealIdem(db, b, kek, rnd)
	if err != nil {
		return fmt.Errorf("workflow: migrate remembered answers: %w", err)
	}
	notes, err := sealNotes(db, b, kek, rnd)
	if err != nil {
		return fmt.Errorf("workflow: migrate queued messages: %w", err)
	}
	nc, err := notify.SealAtRest(ctx, db, b, sealer)
	if err != nil {
		return fmt.Errorf("workflow: migrate outbox and webhooks: %w", err)
	}
	deposits, err := identity.SealDeposits(db, b, sealer)
	if err != nil {
		return fmt.Errorf("workflow: migrate deposit challenges: %w", err)
	}
	if err := b.Set([]byte(kAtRest), binary.BigEndian.AppendUint64(nil, atRestVersion), nil); err != nil {
		return err
	}
	if err := b.Commit(pebble.Sync); err != nil {
		return fmt.Errorf("workflow: migrate at-rest data: %w", err)
	}
	// Flush the memtable (its log goes with it) and rewrite every table,
	// dropping the values the batch replaced.
	if err := db.Flush(); err != nil {
		return fmt.Errorf("workflow: flush after migration: %w", err)
	}
	if err := db.Compact([]byte{}, []byte{0xff, 0xff}, true); err != nil {
		return fmt.Errorf("workflow: compact after migration: %w", err)
	}
	logger.Info("workflow data at rest migrated", "version", atRestVersion, "idempotent_answers_sealed", idem,
		"queued_messages_sealed", notes, "outbox_pending_sealed", nc.PendingSealed, "outbox_acked_emptied", nc.AckedEmptied,
		"webhook_secrets_sealed", nc.SecretsSealed, "deposit_challenges_sealed", deposits)
	return nil
}

// sealIdem seals remembered answers stored in clear ("body") by versions
// before sealing; LoadIdem used to forget them, and a retry ran twice.
func sealIdem(db *pebble.DB, b *pebble.Batch, kek *KEK, rnd io.Reader) (int, error) {
	n := 0
	err := each(db, pIdem, func(k, v []byte) error {
		var old struct {
			IdemEntry
			Clear []byte `json:"body"`
		}
		if err := json.Unmarshal(v, &old); err != nil {
			return fmt.Errorf("decode %s: %w", k, err)
		}
		if len(old.Sealed) > 0 {
			return nil
		}
		id := "idem/" + strings.TrimPrefix(string(k), pIdem)
		sealed, err := kek.Seal(rnd, id, old.Clear)
		if err != nil {
			return err
		}
		ent := old.IdemEntry
		ent.Sealed = sealed
		n++
		return setJSON(b, k, &ent)
	})
	return n, err
}

// sealNotes seals queued messages stored in clear (noteItem.Legacy).
func sealNotes(db *pebble.DB, b *pebble.Batch, kek *KEK, rnd io.Reader) (int, error) {
	n := 0
	err := each(db, pNoteQ, func(k, v []byte) error {
		var it noteItem
		if err := json.Unmarshal(v, &it); err != nil {
			return fmt.Errorf("decode %x: %w", k, err)
		}
		if it.Legacy == nil {
			return nil
		}
		m := *it.Legacy
		if m.ID == "" {
			m.ID = fmt.Sprintf("msg-%d", it.Seq)
		}
		plain, err := json.Marshal(&m)
		if err != nil {
			return err
		}
		if it.Sealed, err = kek.Seal(rnd, "note/"+m.ID, plain); err != nil {
			return err
		}
		it.MessageID, it.Legacy = m.ID, nil
		n++
		return setJSON(b, k, &it)
	})
	return n, err
}

// each calls fn with a copy of every key under prefix and its value.
func each(db *pebble.DB, prefix string, fn func(k, v []byte) error) error {
	it, err := db.NewIter(&pebble.IterOptions{LowerBound: []byte(prefix), UpperBound: prefixEnd([]byte(prefix))})
	if err != nil {
		return err
	}
	defer it.Close()
	for ok := it.First(); ok; ok = it.Next() {
		v, err := it.ValueAndErr()
		if err != nil {
			return err
		}
		if err := fn(append([]byte(nil), it.Key()...), v); err != nil {
			return err
		}
	}
	return it.Error()
}
