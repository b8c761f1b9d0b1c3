package app

import (
	"strings"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm3"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/internal/fixture"
)

// TestLifecycleRules drives the signing workflow's records (types 14-20)
// through FinalizeBlock: each case commits its setup, then checks the last
// tx's code and, for rejections, that the log names the field.
func TestLifecycleRules(t *testing.T) {
	reason := sm3.Sum([]byte("wrong party"))
	tests := []struct {
		name  string
		steps func(w *world) [][]byte // committed one per block; all but the last must pass
		code  uint32
		field string
	}{
		{name: "send, view, remind, sign in order", code: CodeOK, steps: func(w *world) [][]byte {
			return [][]byte{
				w.org.Tx(t, &chain.ContractSent{Contract: "c-1"}, nil),
				w.org.Tx(t, &chain.ContractViewed{Contract: "c-1", Party: w.alice.FP}, nil),
				w.org.Tx(t, &chain.ContractReminded{Contract: "c-1", Party: w.bob.FP}, nil),
				w.aliceIntent, w.aliceSigns, w.bobIntent, w.bobSigns, w.complete,
			}
		}},
		{name: "send twice", code: CodeAlreadySent, field: "body.contract_id", steps: func(w *world) [][]byte {
			return [][]byte{w.org.Tx(t, &chain.ContractSent{Contract: "c-1"}, nil), w.org.Tx(t, &chain.ContractSent{Contract: "c-1"}, nil)}
		}},
		{name: "viewed before sent", code: CodeNotSent, field: "body.contract_id", steps: func(w *world) [][]byte {
			return [][]byte{w.org.Tx(t, &chain.ContractViewed{Contract: "c-1", Party: w.alice.FP}, nil)}
		}},
		{name: "viewed by a non-party", code: CodeNotParty, field: "body.party", steps: func(w *world) [][]byte {
			return [][]byte{w.org.Tx(t, &chain.ContractSent{Contract: "c-1"}, nil),
				w.org.Tx(t, &chain.ContractViewed{Contract: "c-1", Party: w.carol.FP}, nil)}
		}},
		{name: "viewed twice", code: CodeAlreadyViewed, field: "body.party", steps: func(w *world) [][]byte {
			return [][]byte{w.org.Tx(t, &chain.ContractSent{Contract: "c-1"}, nil),
				w.org.Tx(t, &chain.ContractViewed{Contract: "c-1", Party: w.bob.FP}, nil),
				w.org.Tx(t, &chain.ContractViewed{Contract: "c-1", Party: w.bob.FP}, nil)}
		}},
		{name: "remind a party who signed", code: CodeAlreadySigned, field: "body.party", steps: func(w *world) [][]byte {
			return [][]byte{w.org.Tx(t, &chain.ContractSent{Contract: "c-1"}, nil), w.aliceIntent, w.aliceSigns,
				w.org.Tx(t, &chain.ContractReminded{Contract: "c-1", Party: w.alice.FP}, nil)}
		}},
		{name: "out of order signature", code: CodeOutOfOrder, field: "actor.cert", steps: func(w *world) [][]byte {
			return [][]byte{w.bobIntent, w.bobSigns}
		}},
		{name: "signature after void", code: CodeContractVoided, field: "body.contract_id", steps: func(w *world) [][]byte {
			return [][]byte{w.org.Tx(t, &chain.ContractVoided{Contract: "c-1", ReasonSM3: reason[:]}, nil), w.aliceIntent}
		}},
		{name: "void twice", code: CodeContractVoided, field: "body.contract_id", steps: func(w *world) [][]byte {
			return [][]byte{w.org.Tx(t, &chain.ContractVoided{Contract: "c-1", ReasonSM3: reason[:]}, nil),
				w.org.Tx(t, &chain.ContractVoided{Contract: "c-1", ReasonSM3: reason[:]}, nil)}
		}},
		{name: "void after every party signed", code: CodeContractClosed, field: "body.contract_id", steps: func(w *world) [][]byte {
			return [][]byte{w.aliceIntent, w.aliceSigns, w.bobIntent, w.bobSigns,
				w.org.Tx(t, &chain.ContractVoided{Contract: "c-1", ReasonSM3: reason[:]}, nil)}
		}},
		{name: "signature after decline", code: CodeContractDeclined, field: "body.contract_id", steps: func(w *world) [][]byte {
			return [][]byte{w.aliceIntent, w.org.Tx(t, &chain.ContractDeclined{Contract: "c-1", ReasonSM3: reason[:]}, w.bob), w.aliceSigns}
		}},
		{name: "decline by a non-party", code: CodeNotParty, field: "actor.cert", steps: func(w *world) [][]byte {
			return [][]byte{w.org.Tx(t, &chain.ContractDeclined{Contract: "c-1", ReasonSM3: reason[:]}, w.carol)}
		}},
		{name: "decline after own signature", code: CodeAlreadySigned, field: "actor.cert", steps: func(w *world) [][]byte {
			return [][]byte{w.aliceIntent, w.aliceSigns, w.org.Tx(t, &chain.ContractDeclined{Contract: "c-1", ReasonSM3: reason[:]}, w.alice)}
		}},
		{name: "expire without a deadline", code: CodeNotExpired, field: "body.contract_id", steps: func(w *world) [][]byte {
			return [][]byte{w.org.Tx(t, &chain.ContractExpired{Contract: "c-1"}, nil)}
		}},
		// Records after the contract closed: each names what closed it.
		{name: "void after completion", code: CodeContractClosed, field: "body.contract_id", steps: func(w *world) [][]byte {
			return [][]byte{w.aliceIntent, w.aliceSigns, w.bobIntent, w.bobSigns, w.complete,
				w.org.Tx(t, &chain.ContractVoided{Contract: "c-1", ReasonSM3: reason[:]}, nil)}
		}},
		{name: "expire after completion", code: CodeContractClosed, field: "body.contract_id", steps: func(w *world) [][]byte {
			return [][]byte{w.aliceIntent, w.aliceSigns, w.bobIntent, w.bobSigns, w.complete,
				w.org.Tx(t, &chain.ContractExpired{Contract: "c-1"}, nil)}
		}},
		{name: "expire after void", code: CodeContractVoided, field: "body.contract_id", steps: func(w *world) [][]byte {
			return [][]byte{w.org.Tx(t, &chain.ContractVoided{Contract: "c-1", ReasonSM3: reason[:]}, nil),
				w.org.Tx(t, &chain.ContractExpired{Contract: "c-1"}, nil)}
		}},
		{name: "expire after decline", code: CodeContractDeclined, field: "body.contract_id", steps: func(w *world) [][]byte {
			return [][]byte{w.org.Tx(t, &chain.ContractDeclined{Contract: "c-1", ReasonSM3: reason[:]}, w.alice),
				w.org.Tx(t, &chain.ContractExpired{Contract: "c-1"}, nil)}
		}},
		{name: "decline after completion", code: CodeContractClosed, field: "body.contract_id", steps: func(w *world) [][]byte {
			return [][]byte{w.aliceIntent, w.aliceSigns, w.bobIntent, w.bobSigns, w.complete,
				w.org.Tx(t, &chain.ContractDeclined{Contract: "c-1", ReasonSM3: reason[:]}, w.carol)}
		}},
		{name: "send after completion", code: CodeContractClosed, field: "body.contract_id", steps: func(w *world) [][]byte {
			return [][]byte{w.aliceIntent, w.aliceSigns, w.bobIntent, w.bobSigns, w.complete,
				w.org.Tx(t, &chain.ContractSent{Contract: "c-1"}, nil)}
		}},
		{name: "view after completion", code: CodeContractClosed, field: "body.contract_id", steps: func(w *world) [][]byte {
			return [][]byte{w.org.Tx(t, &chain.ContractSent{Contract: "c-1"}, nil),
				w.aliceIntent, w.aliceSigns, w.bobIntent, w.bobSigns, w.complete,
				w.org.Tx(t, &chain.ContractViewed{Contract: "c-1", Party: w.bob.FP}, nil)}
		}},
		{name: "view after decline", code: CodeContractDeclined, field: "body.contract_id", steps: func(w *world) [][]byte {
			return [][]byte{w.org.Tx(t, &chain.ContractSent{Contract: "c-1"}, nil),
				w.org.Tx(t, &chain.ContractDeclined{Contract: "c-1", ReasonSM3: reason[:]}, w.alice),
				w.org.Tx(t, &chain.ContractViewed{Contract: "c-1", Party: w.bob.FP}, nil)}
		}},
		{name: "remind after void", code: CodeContractVoided, field: "body.contract_id", steps: func(w *world) [][]byte {
			return [][]byte{w.org.Tx(t, &chain.ContractSent{Contract: "c-1"}, nil),
				w.org.Tx(t, &chain.ContractVoided{Contract: "c-1", ReasonSM3: reason[:]}, nil),
				w.org.Tx(t, &chain.ContractReminded{Contract: "c-1", Party: w.bob.FP}, nil)}
		}},
		// A renewal links two contracts whatever their status (the workflow
		// renews drafts, signed and closed contracts alike); the offline
		// verifier has no status rule for it either.
		{name: "renew an open contract", code: CodeOK, steps: func(w *world) [][]byte {
			return [][]byte{w.org.Tx(t, fixture.Contract("c-2", "the renewal", chain.OrderParallel, w.alice, w.bob), nil),
				w.org.Tx(t, &chain.ContractRenewed{Contract: "c-2", Previous: "c-1"}, nil)}
		}},
		{name: "renew an unknown contract", code: CodeUnknownContract, field: "body.previous", steps: func(w *world) [][]byte {
			return [][]byte{w.org.Tx(t, &chain.ContractRenewed{Contract: "c-1", Previous: "c-404"}, nil)}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w, hs := newWorld(t)
			steps := tc.steps(w)
			for i, tx := range steps[:len(steps)-1] {
				if res, _ := hs.block(tx); res[0].Code != CodeOK {
					t.Fatalf("setup step %d: code %d: %s", i, res[0].Code, res[0].Log)
				}
			}
			res, _ := hs.block(steps[len(steps)-1])
			if tc.code == CodeOK {
				if res[0].Code != CodeOK {
					t.Fatalf("last step: code %d: %s", res[0].Code, res[0].Log)
				}
				return
			}
			checkRejection(t, "FinalizeBlock", res[0].Code, res[0].Codespace, res[0].Log, tc.code, tc.field)
		})
	}
}

// TestLifecycleDeadline: expiry and renewal, decided by block time.
func TestLifecycleDeadline(t *testing.T) {
	w, hs := newWorld(t)
	deadline := hs.time.Add(time.Hour).Unix()
	c2 := *w.contract
	c2.Contract, c2.Deadline = "c-2", deadline
	hs.mustCommit(w.org.Tx(t, &c2, nil))
	res, _ := hs.block(w.org.Tx(t, &chain.ContractExpired{Contract: "c-2"}, nil))
	checkRejection(t, "early expiry", res[0].Code, res[0].Codespace, res[0].Log, CodeNotExpired, "body.contract_id")

	hs.time = time.Unix(deadline, 0).Add(time.Minute)
	intent := w.org.Intent(t, "c-2", w.alice)
	res, _ = hs.block(w.org.Tx(t, intent, w.alice))
	checkRejection(t, "intent after deadline", res[0].Code, res[0].Codespace, res[0].Log, CodeDeadlinePassed, "body.contract_id")
	hs.mustCommit(w.org.Tx(t, &chain.ContractExpired{Contract: "c-2"}, nil))
	res, _ = hs.block(w.org.Tx(t, intent, w.alice))
	checkRejection(t, "intent after expiry", res[0].Code, res[0].Codespace, res[0].Log, CodeContractExpired, "body.contract_id")

	// Renew c-2 by c-3, once.
	c3 := *w.contract
	c3.Contract = "c-3"
	hs.mustCommit(w.org.Tx(t, &c3, nil), w.org.Tx(t, &chain.ContractRenewed{Contract: "c-3", Previous: "c-2"}, nil))
	res, _ = hs.block(w.org.Tx(t, &chain.ContractRenewed{Contract: "c-3", Previous: "c-1"}, nil))
	checkRejection(t, "renew twice", res[0].Code, res[0].Codespace, res[0].Log, CodeAlreadyRenewed, "body.contract_id")
	c, _, err := hs.app.store.View().Contract("c-3")
	if err != nil || c.RenewedFrom != "c-2" {
		t.Fatalf("c-3 renewed_from %q, err %v", c.RenewedFrom, err)
	}
}

// TestCompletionNeedsEverySignature: contract_completed commits only on a
// contract every party signed. A declined, voided or expired contract lacks
// signatures, and a completion on it would make its evidence bundle fail
// offline verification for ever ("completed, but the bundle has no
// signature by party 0").
func TestCompletionNeedsEverySignature(t *testing.T) {
	reason := sm3.Sum([]byte("changed our minds"))
	tests := []struct {
		name  string
		setup func(w *world, hs *harness) [][]byte // committed one per block, each must pass
		code  uint32
	}{
		{name: "every party signed", code: CodeOK, setup: func(w *world, hs *harness) [][]byte {
			return [][]byte{w.aliceIntent, w.aliceSigns, w.bobIntent, w.bobSigns}
		}},
		{name: "no signature", code: CodeNotAllSigned, setup: func(w *world, hs *harness) [][]byte { return nil }},
		{name: "one of two signed", code: CodeNotAllSigned, setup: func(w *world, hs *harness) [][]byte {
			return [][]byte{w.aliceIntent, w.aliceSigns}
		}},
		{name: "declined", code: CodeContractDeclined, setup: func(w *world, hs *harness) [][]byte {
			return [][]byte{w.org.Tx(t, &chain.ContractDeclined{Contract: "c-1", ReasonSM3: reason[:]}, w.alice)}
		}},
		{name: "declined after a signature", code: CodeContractDeclined, setup: func(w *world, hs *harness) [][]byte {
			return [][]byte{w.aliceIntent, w.aliceSigns, w.org.Tx(t, &chain.ContractDeclined{Contract: "c-1", ReasonSM3: reason[:]}, w.bob)}
		}},
		{name: "voided", code: CodeContractVoided, setup: func(w *world, hs *harness) [][]byte {
			return [][]byte{w.org.Tx(t, &chain.ContractVoided{Contract: "c-1", ReasonSM3: reason[:]}, nil)}
		}},
		{name: "expired", code: CodeContractExpired, setup: func(w *world, hs *harness) [][]byte {
			// Every later block is past the deadline of c-1's copy below.
			hs.time = time.Unix(w.contract.Deadline, 0).Add(time.Minute)
			return [][]byte{w.org.Tx(t, &chain.ContractExpired{Contract: "c-1"}, nil)}
		}},
		{name: "completed twice", code: CodeContractClosed, setup: func(w *world, hs *harness) [][]byte {
			return [][]byte{w.aliceIntent, w.aliceSigns, w.bobIntent, w.bobSigns, w.complete}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w, hs := newWorldDeadline(t)
			for i, tx := range tc.setup(w, hs) {
				if res, _ := hs.block(tx); res[0].Code != CodeOK {
					t.Fatalf("setup step %d: code %d: %s", i, res[0].Code, res[0].Log)
				}
			}
			before, _, err := hs.app.store.View().Contract("c-1")
			if err != nil {
				t.Fatal(err)
			}
			res, _ := hs.block(w.org.Tx(t, &chain.ContractCompleted{Contract: "c-1"}, nil))
			if tc.code == CodeOK {
				if res[0].Code != CodeOK {
					t.Fatalf("completion: code %d: %s", res[0].Code, res[0].Log)
				}
				return
			}
			checkRejection(t, "FinalizeBlock", res[0].Code, res[0].Codespace, res[0].Log, tc.code, "body.contract_id")
			if !strings.Contains(res[0].Log, `"c-1"`) {
				t.Errorf("log %q does not name the contract", res[0].Log)
			}
			after, _, err := hs.app.store.View().Contract("c-1")
			if err != nil || after.Status != before.Status {
				t.Errorf("status %s after the rejected completion, was %s (err %v)", after.Status, before.Status, err)
			}
		})
	}
}

// newWorldDeadline is newWorld whose contract c-1 has a deadline an hour
// after the first block, so that it can expire.
func newWorldDeadline(t *testing.T) (*world, *harness) {
	t.Helper()
	return newWorldWith(t, func(c *chain.ContractCreated, hs *harness) {
		c.Deadline = hs.time.Add(time.Hour).Unix()
	})
}
