package chainapi

import (
	"context"
	"fmt"
	"time"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/client"
)

// CaseNotifier tells an organisation's systems that the cases it opened
// changed: the workflow's webhooks (node/flowapi) on the filer's node.
// Events are at least once: a notifier publishes each under its stable ID
// (client.CaseEvent), so a repeat is a no-op.
type CaseNotifier interface {
	// CaseCursor is the log size up to which case changes were notified;
	// ok is false before the first NotifyCases.
	CaseCursor(ctx context.Context) (cursor uint64, ok bool, err error)
	// NotifyCases publishes events, then records upTo as the cursor.
	NotifyCases(ctx context.Context, events []client.CaseEvent, upTo uint64) error
}

// caseEventPoll is how often RunCaseEvents looks for new records, and
// caseEventScan how many records it reads a round.
const (
	caseEventPoll = 250 * time.Millisecond
	caseEventScan = 4096
)

// RunCaseEvents follows the committed log until ctx ends and hands the
// notifier an event for every step of a case this node's organisation
// opened (filed, docketed, returned, withdrawn; and a notarisation's or
// appraisal's decision and issue). A notifier without a cursor starts at
// the log's current size: earlier changes are not replayed.
func (a *API) RunCaseEvents(ctx context.Context) {
	if a.notifier == nil {
		return
	}
	t := time.NewTicker(caseEventPoll)
	defer t.Stop()
	for {
		if err := a.caseEventsRound(ctx); err != nil && ctx.Err() == nil {
			a.logger.Error("case events", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// caseEventsRound notifies the case changes of up to caseEventScan
// records after the cursor.
func (a *API) caseEventsRound(ctx context.Context) error {
	size := a.store.Last().LogSize
	cur, ok, err := a.notifier.CaseCursor(ctx)
	if err != nil {
		return err
	}
	if !ok {
		return a.notifier.NotifyCases(ctx, nil, size)
	}
	for cur < size {
		end := min(size, cur+caseEventScan)
		evs, err := a.caseEvents(cur, end)
		if err != nil {
			return err
		}
		if err := a.notifier.NotifyCases(ctx, evs, end); err != nil {
			return err
		}
		cur = end
	}
	return nil
}

// caseEvents are the events of the log's records [from, to).
func (a *API) caseEvents(from, to uint64) ([]client.CaseEvent, error) {
	view := a.store.View()
	var out []client.CaseEvent
	for i := from; i < to; i++ {
		leaf, err := view.Entry(i)
		if err != nil {
			return nil, err
		}
		en, err := chain.DecodeEntry(leaf)
		if err != nil {
			return nil, fmt.Errorf("entry %d: %w", i, err)
		}
		tx, err := chain.DecodeRecord(en.Tx)
		if err != nil {
			return nil, fmt.Errorf("entry %d: %w", i, err)
		}
		var id, reason, docket string
		switch b := tx.Body.(type) {
		case *chain.CaseFiled:
			id = b.Case
		case *chain.CaseDocketed:
			id, reason, docket = b.Case, b.Reason, b.Docket
		case *chain.CaseFilingWithdrawn:
			id = b.Case
		case *chain.NotarizationDecided:
			id, reason = b.Application, b.Reason
		case *chain.AppraisalDecided:
			id, reason = b.Commission, b.Reason
		case *chain.NotarizationIssued:
			id = b.Application
		case *chain.AppraisalIssued:
			id = b.Commission
		case *chain.NotarizationWithdrawn:
			id = b.Application
		case *chain.AppraisalWithdrawn:
			id = b.Commission
		default:
			continue
		}
		cs, ok, err := view.Case(id)
		if err != nil {
			return nil, err
		}
		// A refused record is in the log too; only a step that moved the
		// case (its state names this record) is an event.
		if !ok || cs.Applicant != a.org || !caseStepAt(cs, i) {
			continue
		}
		status := statusAt(cs, i)
		ev := client.CaseEvent{ID: fmt.Sprintf("case:%s:%d", cs.ID, i), Type: "case." + status.String(), CaseID: cs.ID,
			Kind: cs.Kind.String(), Status: status.String(), Institution: cs.Institution, ContractID: cs.Contract,
			LogIndex: i, Height: en.Height, Time: en.Time.UTC(), Reason: reason, DocketNumber: docket}
		if f, ok := tx.Body.(*chain.CaseFiled); ok {
			ev.BatchID = f.Batch
		}
		out = append(out, ev)
	}
	return out, nil
}

// caseStepAt reports whether log index i is one of cs's steps.
func caseStepAt(cs *chain.CaseState, i uint64) bool {
	return cs.OpenedIn == i || cs.DecidedIn == i+1 || cs.ClosedIn == i+1
}

// statusAt is the status cs took at its step at log index i.
func statusAt(cs *chain.CaseState, i uint64) chain.CaseStatus {
	switch {
	case cs.OpenedIn == i:
		return chain.CasePending
	case cs.ClosedIn == i+1:
		return cs.Status
	case cs.Status == chain.CaseAccepted || cs.Status == chain.CaseIssued || cs.Status == chain.CaseWithdrawn:
		return chain.CaseAccepted // decided (accepted) here, closed later
	}
	return cs.Status
}
