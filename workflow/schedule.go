package workflow

import (
	"context"
	"time"

	"github.com/cockroachdb/pebble"
)

// schedulerTick is how often deadlines and reminders are looked at.
const schedulerTick = time.Second

// runScheduler expires open contracts past their deadline (the chain's
// contract_expired rule checks the deadline against block time, so the
// node's clock only decides when to ask) and sends scheduled reminders.
func (e *Engine) runScheduler(ctx context.Context) {
	t := time.NewTicker(schedulerTick)
	defer t.Stop()
	var pruned time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := e.tick(); err != nil {
			e.logger.Error("workflow scheduler", "err", err)
		}
		if time.Since(pruned) > time.Hour {
			pruned = time.Now()
			if err := e.pruneIdem(); err != nil {
				e.logger.Error("prune idempotency keys", "err", err)
			}
		}
	}
}

func (e *Engine) tick() error {
	ids, err := e.openContracts()
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := e.tickContract(id); err != nil {
			return err
		}
	}
	return nil
}

func (e *Engine) tickContract(id string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	c, err := e.loadContract(id)
	if err != nil {
		return err
	}
	if !c.open() {
		return nil
	}
	if e.pastDeadline(c) {
		// Give block time a moment to pass the deadline too.
		if e.now().Sub(c.Deadline) < 2*time.Second {
			return nil
		}
		if err := e.expireLocked(c); err != nil {
			if _, isAPI := err.(*Error); !isAPI {
				return err
			}
		}
		return nil
	}
	every := e.cfg.ReminderInterval
	if every <= 0 || c.Status != StatusSigning {
		return nil
	}
	now := e.now()
	var who []int
	for i, p := range c.Parties {
		last := p.LastReminded
		if last.IsZero() {
			last = c.SentAt
		}
		if c.turn(i) && now.Sub(last) >= every {
			who = append(who, i)
		}
	}
	if len(who) == 0 {
		return nil
	}
	t := e.begin()
	defer t.close()
	if err := e.remindLocked(t, c, who); err != nil {
		return err
	}
	return t.commit()
}

// openContracts lists draft and signing contracts (a scan of the index:
// the platform's volume of open contracts is small).
func (e *Engine) openContracts() ([]string, error) {
	it, err := e.db.NewIter(&pebble.IterOptions{LowerBound: []byte(pContract), UpperBound: prefixEnd([]byte(pContract))})
	if err != nil {
		return nil, err
	}
	defer it.Close()
	var ids []string
	for it.First(); it.Valid(); it.Next() {
		var c struct {
			ID       string    `json:"id"`
			Status   string    `json:"status"`
			Deadline time.Time `json:"deadline"`
		}
		v, err := it.ValueAndErr()
		if err != nil {
			return nil, err
		}
		if err := jsonUnmarshal(v, &c); err != nil {
			return nil, err
		}
		if c.Status == StatusDraft || c.Status == StatusSigning {
			ids = append(ids, c.ID)
		}
	}
	return ids, it.Error()
}
