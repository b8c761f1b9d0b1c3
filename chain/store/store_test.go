package store_test

import (
	"bytes"
	"errors"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/chain/merklelog"
	"github.com/sealchain/sealchain/chain/store"
	"github.com/sealchain/sealchain/internal/fixture"
	"github.com/sealchain/sealchain/signer"
)

const storeChainID = "store-test"

// committed is what the test expects the store to hold for one log index.
type committed struct {
	height  int64
	time    time.Time
	txIndex uint32
	raw     []byte
}

// storeHarness drives a Store the way the app does, remembering what it wrote.
type storeHarness struct {
	t       *testing.T
	dir     string
	s       *store.Store
	net     *fixture.Net
	org     *fixture.Org
	entries []committed
	cps     map[int64]chain.Checkpoint
}

func openStore(t *testing.T, dir string) *store.Store {
	t.Helper()
	s, err := store.Open(dir, nil)
	if err != nil {
		t.Fatalf("OpenStore: %v", err)
	}
	return s
}

func blockTime(h int64) time.Time { return fixture.Epoch.Add(time.Duration(h) * time.Minute) }

func genesisOrgs(t *testing.T, n *fixture.Net) []*chain.Org {
	t.Helper()
	_, orgs, err := chain.ParseGenesisState(n.GenesisState(t))
	if err != nil {
		t.Fatalf("genesis: %v", err)
	}
	return orgs
}

// commitGenesis runs the InitChain writes: height 0, the orgs.
func commitGenesis(t *testing.T, s *store.Store, orgs []*chain.Org) chain.Checkpoint {
	t.Helper()
	b := s.NewBlock(0, blockTime(0))
	for _, o := range orgs {
		if err := b.PutOrg(o); err != nil {
			t.Fatalf("PutOrg: %v", err)
		}
	}
	cp, err := b.Finish()
	if err != nil {
		t.Fatalf("Finish: %v", err)
	}
	if err := s.Commit(b); err != nil {
		t.Fatalf("Commit: %v", err)
	}
	return cp
}

func newStoreHarness(t *testing.T) *storeHarness {
	net := fixture.New(t, storeChainID)
	h := &storeHarness{t: t, dir: t.TempDir(), net: net, org: net.Orgs[0], cps: map[int64]chain.Checkpoint{}}
	h.s = openStore(t, h.dir)
	t.Cleanup(func() { h.s.Close() })
	h.cps[0] = commitGenesis(t, h.s, genesisOrgs(t, net))
	return h
}

// apply stages txs at height with the state writes the app would make.
func (h *storeHarness) stage(height int64, raws ...[]byte) *store.Block {
	t := h.t
	t.Helper()
	b := h.s.NewBlock(height, blockTime(height))
	for i, raw := range raws {
		tx, err := chain.DecodeTx(raw)
		if err != nil {
			t.Fatalf("DecodeTx: %v", err)
		}
		idx := b.NextIndex()
		switch body := tx.Body.(type) {
		case *chain.CertIssued:
			err = b.PutCert(chain.FingerprintOf(body.Cert), &chain.CertState{DER: body.Cert, Org: tx.Envelope.Org, IssuedIn: idx})
		case *chain.CertRevoked:
			c, ok, e := b.Cert(body.Cert)
			if e != nil || !ok {
				t.Fatalf("revoke unknown cert: %v", e)
			}
			c.RevokedAt, c.Reason, c.RevokedIn = b.Time(), body.Reason, idx
			err = b.PutCert(body.Cert, c)
		case *chain.ContractCreated:
			err = b.PutContract(&chain.ContractState{ID: body.Contract, Org: tx.Envelope.Org, DocSM3: body.DocSM3,
				Parties: body.Parties, Order: body.Order, Deadline: body.Deadline, Status: chain.StatusOpen,
				Signed: make([]bool, len(body.Parties)), Intent: make([]bool, len(body.Parties)), CreatedIn: idx})
		}
		if err != nil {
			t.Fatalf("state write: %v", err)
		}
		en, err := b.Append(uint32(i), raw, tx)
		if err != nil {
			t.Fatalf("Append: %v", err)
		}
		if en.Index != idx || en.Height != height || !en.Time.Equal(blockTime(height)) || en.TxIndex != uint32(i) {
			t.Fatalf("Append returned %+v", en)
		}
	}
	return b
}

func (h *storeHarness) commit(height int64, raws ...[]byte) chain.Checkpoint {
	t := h.t
	t.Helper()
	b := h.stage(height, raws...)
	cp, err := b.Finish()
	if err != nil {
		t.Fatalf("Finish: %v", err)
	}
	if err := h.s.Commit(b); err != nil {
		t.Fatalf("Commit: %v", err)
	}
	for i, raw := range raws {
		h.entries = append(h.entries, committed{height: height, time: blockTime(height), txIndex: uint32(i), raw: raw})
	}
	h.cps[height] = cp
	return cp
}

func (h *storeHarness) reopen() {
	h.t.Helper()
	if err := h.s.Close(); err != nil {
		h.t.Fatalf("Close: %v", err)
	}
	h.s = openStore(h.t, h.dir)
}

func sameCheckpoint(a, b chain.Checkpoint) bool {
	return a.Height == b.Height && a.Time.Equal(b.Time) && a.LogSize == b.LogSize &&
		bytes.Equal(a.LogRoot, b.LogRoot) && bytes.Equal(a.StateRoot, b.StateRoot) && bytes.Equal(a.AppHash, b.AppHash)
}

// scenario is a small network history over five heights.
type scenario struct {
	alice, bob       *fixture.Signer
	doc1SM3, doc1SHA []byte
	doc2SM3          []byte
	signedSM3        []byte
	idx              map[string]uint64 // log index by record name
	raw              map[string][]byte
	sizeAfter        map[int64]uint64
	lastHeight       int64
}

func buildScenario(t *testing.T) (*storeHarness, *scenario) {
	h := newStoreHarness(t)
	o := h.org
	sc := &scenario{idx: map[string]uint64{}, raw: map[string][]byte{}, sizeAfter: map[int64]uint64{}}
	sc.alice = o.Signer(t, signer.AlgSM2, time.Time{})
	sc.bob = o.Signer(t, signer.AlgECDSAP256, time.Time{})
	sc.doc1SM3, sc.doc1SHA = fixture.Doc("contract one")
	sc.doc2SM3, _ = fixture.Doc("contract two")
	sc.signedSM3, _ = fixture.Doc("contract one, signed")
	add := func(height int64, names []string, raws ...[]byte) {
		next := uint64(len(h.entries))
		for i, n := range names {
			sc.idx[n] = next + uint64(i)
			sc.raw[n] = raws[i]
		}
		h.commit(height, raws...)
		sc.sizeAfter[height] = uint64(len(h.entries))
		sc.lastHeight = height
	}
	add(1, []string{"issue alice", "issue bob"},
		o.Tx(t, &chain.CertIssued{Cert: sc.alice.Cert}, nil), o.Tx(t, &chain.CertIssued{Cert: sc.bob.Cert}, nil))
	add(2, []string{"create c-1"}, o.Tx(t, fixture.Contract("c-1", "contract one", chain.OrderSequential, sc.alice, sc.bob), nil))
	add(3, []string{"intent alice", "sign alice"},
		o.Tx(t, o.Intent(t, "c-1", sc.alice), sc.alice),
		o.Tx(t, &chain.ContractSigned{Contract: "c-1", DocSM3: sc.doc1SM3, SignedDocSM3: sc.signedSM3}, sc.alice))
	add(4, nil) // an empty block
	add(5, []string{"revoke bob", "create c-2"},
		o.Tx(t, &chain.CertRevoked{Cert: sc.bob.FP, Reason: chain.ReasonKeyCompromise}, nil),
		o.Tx(t, fixture.Contract("c-2", "contract two", chain.OrderParallel, sc.alice), nil))
	sc.sizeAfter[0] = 0
	return h, sc
}

func TestStoreCommitAndReopen(t *testing.T) {
	h, sc := buildScenario(t)
	h.reopen()
	s := h.s
	v := s.View()

	if got, want := s.Last(), h.cps[sc.lastHeight]; !sameCheckpoint(got, want) {
		t.Errorf("Last() after reopen = %+v, want %+v", got, want)
	}
	for height := int64(0); height <= sc.lastHeight; height++ {
		cp, err := v.Checkpoint(height)
		if err != nil {
			t.Errorf("Checkpoint(%d): %v", height, err)
			continue
		}
		if !sameCheckpoint(cp, h.cps[height]) {
			t.Errorf("Checkpoint(%d) = %+v, want %+v", height, cp, h.cps[height])
		}
		if cp.Height != height || cp.LogSize != sc.sizeAfter[height] {
			t.Errorf("Checkpoint(%d): height %d, log size %d, want size %d", height, cp.Height, cp.LogSize, sc.sizeAfter[height])
		}
		if want := chain.AppHash(cp.LogSize, cp.LogRoot, cp.StateRoot); !bytes.Equal(cp.AppHash, want) {
			t.Errorf("Checkpoint(%d).AppHash = %x, want AppHash(...) = %x", height, cp.AppHash, want)
		}
		if cp.Time.Location() != time.UTC || !cp.Time.Equal(blockTime(height)) {
			t.Errorf("Checkpoint(%d).Time = %v", height, cp.Time)
		}
	}
	if _, err := v.Checkpoint(sc.lastHeight + 1); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Checkpoint past the last height: %v, want ErrNotFound", err)
	}
	// Block 4 is empty: it writes no state, so the app hash stays that of
	// height 3 and CometBFT may stop making blocks while idle.
	if c3, c4 := h.cps[3], h.cps[4]; !bytes.Equal(c3.LogRoot, c4.LogRoot) || !bytes.Equal(c3.StateRoot, c4.StateRoot) ||
		!bytes.Equal(c3.AppHash, c4.AppHash) {
		t.Errorf("empty block changed the app hash: %+v then %+v", c3, c4)
	}

	for i, want := range h.entries {
		leaf, err := v.Entry(uint64(i))
		if err != nil {
			t.Errorf("Entry(%d): %v", i, err)
			continue
		}
		en, err := chain.DecodeEntry(leaf)
		if err != nil {
			t.Errorf("DecodeEntry(%d): %v", i, err)
			continue
		}
		if en.Index != uint64(i) || en.Height != want.height || !en.Time.Equal(want.time) || en.TxIndex != want.txIndex ||
			!bytes.Equal(en.Tx, want.raw) {
			t.Errorf("Entry(%d) = %+v, want %+v", i, en, want)
		}
		got, ok, err := v.TxLogIndex(chain.TxHash(want.raw))
		if err != nil || !ok || got != uint64(i) {
			t.Errorf("TxLogIndex(entry %d) = %d, %v, %v", i, got, ok, err)
		}
	}
	if _, err := v.Entry(uint64(len(h.entries))); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Entry past the end: %v, want ErrNotFound", err)
	}

	// State written by the blocks reads back.
	if c, ok, err := v.Cert(sc.bob.FP); err != nil || !ok || !c.Revoked() || c.Reason != chain.ReasonKeyCompromise ||
		c.RevokedIn != sc.idx["revoke bob"] || c.IssuedIn != sc.idx["issue bob"] || !bytes.Equal(c.DER, sc.bob.Cert) {
		t.Errorf("Cert(bob) = %+v, %v, %v", c, ok, err)
	}
	if c, ok, err := v.Cert(sc.alice.FP); err != nil || !ok || c.Revoked() {
		t.Errorf("Cert(alice) = %+v, %v, %v", c, ok, err)
	}
	if c, ok, err := v.Contract("c-1"); err != nil || !ok || c.CreatedIn != sc.idx["create c-1"] ||
		!slices.Equal(c.Parties, []chain.Fingerprint{sc.alice.FP, sc.bob.FP}) {
		t.Errorf("Contract(c-1) = %+v, %v, %v", c, ok, err)
	}
	if _, ok, err := v.Contract("nope"); ok || err != nil {
		t.Errorf("Contract(nope) = %v, %v", ok, err)
	}
	if orgs, err := v.Orgs(); err != nil || len(orgs) != 1 || orgs[0].ID != h.org.ID {
		t.Errorf("Orgs() = %v, %v", orgs, err)
	}
}

func TestStoreInclusionProofs(t *testing.T) {
	h, sc := buildScenario(t)
	s := h.s
	hs := s.Hasher()
	for height := int64(1); height <= sc.lastHeight; height++ {
		cp := h.cps[height]
		for i := uint64(0); i < cp.LogSize; i++ {
			leaf, err := s.View().Entry(i)
			if err != nil {
				t.Fatalf("Entry(%d): %v", i, err)
			}
			p, err := s.InclusionProof(i, cp.LogSize)
			if err != nil {
				t.Errorf("InclusionProof(%d, %d): %v", i, cp.LogSize, err)
				continue
			}
			if err := merklelog.VerifyInclusion(hs, i, cp.LogSize, hs.HashLeaf(leaf), p, cp.LogRoot); err != nil {
				t.Errorf("VerifyInclusion(%d, size %d at height %d): %v", i, cp.LogSize, height, err)
			}
			bad := append(append([]byte(nil), leaf...), 0)
			var rm *merklelog.RootMismatchError
			if err := merklelog.VerifyInclusion(hs, i, cp.LogSize, hs.HashLeaf(bad), p, cp.LogRoot); !errors.As(err, &rm) {
				t.Errorf("VerifyInclusion of a changed leaf %d: %v, want RootMismatchError", i, err)
			}
		}
	}
	// Consistency between every pair of checkpoints.
	for h1 := int64(1); h1 <= sc.lastHeight; h1++ {
		for h2 := h1; h2 <= sc.lastHeight; h2++ {
			c1, c2 := h.cps[h1], h.cps[h2]
			p, err := s.ConsistencyProof(c1.LogSize, c2.LogSize)
			if err != nil {
				t.Errorf("ConsistencyProof(%d, %d): %v", c1.LogSize, c2.LogSize, err)
				continue
			}
			if err := merklelog.VerifyConsistency(hs, c1.LogSize, c2.LogSize, p, c1.LogRoot, c2.LogRoot); err != nil {
				t.Errorf("VerifyConsistency(heights %d, %d): %v", h1, h2, err)
			}
		}
	}
}

func TestStoreDiscard(t *testing.T) {
	h, sc := buildScenario(t)
	s := h.s
	before := s.Last()
	next := uint64(len(h.entries))
	carol := h.org.Signer(t, signer.AlgSM2, time.Time{})
	raw := h.org.Tx(t, &chain.CertIssued{Cert: carol.Cert}, nil)

	b := h.stage(sc.lastHeight+1, raw)
	if err := b.PutOrg(&chain.Org{ID: "intruder", Name: "x", Role: chain.RoleCourt, CACert: []byte{1}, Weight: 1}); err != nil {
		t.Fatal(err)
	}
	staged, err := b.Finish()
	if err != nil {
		t.Fatal(err)
	}
	// The block sees its own writes before it is discarded.
	if _, ok, _ := b.Cert(carol.FP); !ok {
		t.Error("block does not see its own cert write")
	}
	if err := s.Discard(b); err != nil {
		t.Fatalf("Discard: %v", err)
	}

	check := func(when string) {
		t.Helper()
		v := s.View()
		if !sameCheckpoint(s.Last(), before) {
			t.Errorf("%s: Last() = %+v, want %+v", when, s.Last(), before)
		}
		if _, err := v.Entry(next); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s: Entry(%d) = %v, want ErrNotFound", when, next, err)
		}
		if _, ok, err := v.TxLogIndex(chain.TxHash(raw)); ok || err != nil {
			t.Errorf("%s: discarded tx is recorded (%v, %v)", when, ok, err)
		}
		if _, ok, _ := v.Cert(carol.FP); ok {
			t.Errorf("%s: discarded cert is in state", when)
		}
		if _, ok, _ := v.Org("intruder"); ok {
			t.Errorf("%s: discarded org is in state", when)
		}
		if _, err := v.Checkpoint(sc.lastHeight + 1); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s: checkpoint of the discarded height: %v", when, err)
		}
		if p, err := v.ByCert(carol.FP, store.Query{Limit: 10, UpTo: math.MaxUint64}); err != nil || len(p.Indexes) != 0 {
			t.Errorf("%s: discarded record is indexed: %v, %v", when, p, err)
		}
		// The in-memory log rolled back: an empty block has the old log root.
		e := s.NewBlock(sc.lastHeight+1, blockTime(sc.lastHeight+1))
		if e.NextIndex() != next {
			t.Errorf("%s: NextIndex = %d, want %d", when, e.NextIndex(), next)
		}
		cp, err := e.Finish()
		if err != nil {
			t.Fatal(err)
		}
		if cp.LogSize != before.LogSize || !bytes.Equal(cp.LogRoot, before.LogRoot) {
			t.Errorf("%s: log after Discard: size %d root %x, want %d %x", when, cp.LogSize, cp.LogRoot, before.LogSize, before.LogRoot)
		}
		if err := s.Discard(e); err != nil {
			t.Fatal(err)
		}
	}
	check("after discard")
	h.reopen()
	s = h.s
	check("after reopen")

	// Running the same block again gives what the discarded run staged, and
	// it commits: FinalizeBlock retried after a failure is deterministic.
	b = h.stage(sc.lastHeight+1, raw)
	if err := b.PutOrg(&chain.Org{ID: "intruder", Name: "x", Role: chain.RoleCourt, CACert: []byte{1}, Weight: 1}); err != nil {
		t.Fatal(err)
	}
	again, err := b.Finish()
	if err != nil {
		t.Fatal(err)
	}
	if !sameCheckpoint(again, staged) {
		t.Errorf("re-run block = %+v, discarded run staged %+v", again, staged)
	}
	if err := s.Commit(b); err != nil {
		t.Fatal(err)
	}
	if _, err := s.View().Entry(next); err != nil {
		t.Errorf("Entry(%d) after commit: %v", next, err)
	}
}

func TestStoreCommitUnfinished(t *testing.T) {
	h := newStoreHarness(t)
	b := h.s.NewBlock(1, blockTime(1))
	if err := h.s.Commit(b); err == nil {
		t.Error("Commit of an unfinished block succeeded")
	}
	if err := h.s.Discard(b); err != nil {
		t.Errorf("Discard: %v", err)
	}
}

// collectPages follows the cursor until More is false.
func collectPages(t *testing.T, limit int, fn func(store.Query) (store.Page, error), upTo uint64) []uint64 {
	t.Helper()
	var out []uint64
	q := store.Query{Limit: limit, UpTo: upTo}
	for range 100 {
		p, err := fn(q)
		if err != nil {
			t.Fatalf("query: %v", err)
		}
		if len(p.Indexes) > limit {
			t.Fatalf("page of %d with limit %d", len(p.Indexes), limit)
		}
		out = append(out, p.Indexes...)
		if !p.More {
			return out
		}
		if len(p.Indexes) == 0 || p.Next != p.Indexes[len(p.Indexes)-1] {
			t.Fatalf("page %+v: More without a cursor", p)
		}
		q.After, q.HaveAfter = p.Next, true
	}
	t.Fatal("pagination does not end")
	return nil
}

func TestStoreIndexes(t *testing.T) {
	h, sc := buildScenario(t)
	v := h.s.View()
	all := h.cps[sc.lastHeight].LogSize
	ix := func(names ...string) []uint64 {
		var out []uint64
		for _, n := range names {
			out = append(out, sc.idx[n])
		}
		slices.Sort(out)
		return out
	}
	var everything []uint64
	for i := range uint64(len(h.entries)) {
		everything = append(everything, i)
	}
	tests := []struct {
		name string
		fn   func(store.Query) (store.Page, error)
		upTo uint64
		want []uint64
	}{
		{"ByContract c-1", func(q store.Query) (store.Page, error) { return v.ByContract("c-1", q) }, all,
			ix("create c-1", "intent alice", "sign alice")},
		{"ByContract c-1 up to height 2", func(q store.Query) (store.Page, error) { return v.ByContract("c-1", q) },
			h.cps[2].LogSize, ix("create c-1")},
		{"ByContract c-1 up to height 1", func(q store.Query) (store.Page, error) { return v.ByContract("c-1", q) },
			h.cps[1].LogSize, nil},
		{"ByContract c-2", func(q store.Query) (store.Page, error) { return v.ByContract("c-2", q) }, all, ix("create c-2")},
		{"ByContract c (a prefix of c-1)", func(q store.Query) (store.Page, error) { return v.ByContract("c", q) }, all, nil},
		{"ByContract unknown", func(q store.Query) (store.Page, error) { return v.ByContract("zzz", q) }, all, nil},
		{"ByDoc SM3", func(q store.Query) (store.Page, error) { return v.ByDoc(sc.doc1SM3, q) }, all, ix("create c-1")},
		{"ByDoc SHA-256", func(q store.Query) (store.Page, error) { return v.ByDoc(sc.doc1SHA, q) }, all, ix("create c-1")},
		{"ByDoc signed doc", func(q store.Query) (store.Page, error) { return v.ByDoc(sc.signedSM3, q) }, all, ix("sign alice")},
		{"ByDoc doc 2", func(q store.Query) (store.Page, error) { return v.ByDoc(sc.doc2SM3, q) }, all, ix("create c-2")},
		{"ByCert alice", func(q store.Query) (store.Page, error) { return v.ByCert(sc.alice.FP, q) }, all,
			ix("issue alice", "intent alice", "sign alice")},
		{"ByCert bob", func(q store.Query) (store.Page, error) { return v.ByCert(sc.bob.FP, q) }, all,
			ix("issue bob", "revoke bob")},
		{"ByCert bob up to height 3", func(q store.Query) (store.Page, error) { return v.ByCert(sc.bob.FP, q) },
			h.cps[3].LogSize, ix("issue bob")},
		{"ByTime everything", func(q store.Query) (store.Page, error) {
			return v.ByTime(blockTime(0), blockTime(sc.lastHeight+1), q)
		}, all, everything},
		{"ByTime height 3 only", func(q store.Query) (store.Page, error) {
			return v.ByTime(blockTime(3), blockTime(4), q)
		}, all, ix("intent alice", "sign alice")},
		{"ByTime heights 2..3, to exclusive", func(q store.Query) (store.Page, error) {
			return v.ByTime(blockTime(2), blockTime(3).Add(time.Nanosecond), q)
		}, all, ix("create c-1", "intent alice", "sign alice")},
		{"ByTime up to height 2", func(q store.Query) (store.Page, error) {
			return v.ByTime(blockTime(0), blockTime(sc.lastHeight+1), q)
		}, h.cps[2].LogSize, ix("issue alice", "issue bob", "create c-1")},
		{"ByTime empty range", func(q store.Query) (store.Page, error) {
			return v.ByTime(blockTime(4), blockTime(5), q)
		}, all, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, limit := range []int{1, 2, 100} {
				got := collectPages(t, limit, tt.fn, tt.upTo)
				if !slices.Equal(got, tt.want) {
					t.Errorf("limit %d: got %v, want %v", limit, got, tt.want)
				}
			}
			// One page holding everything says there is no more.
			p, err := tt.fn(store.Query{Limit: len(tt.want), UpTo: tt.upTo})
			if err != nil || p.More || !slices.Equal(p.Indexes, tt.want) {
				t.Errorf("exact page = %+v, %v", p, err)
			}
			// Nothing follows the largest possible cursor.
			p, err = tt.fn(store.Query{Limit: 10, UpTo: tt.upTo, After: math.MaxUint64, HaveAfter: true})
			if err != nil || len(p.Indexes) != 0 || p.More {
				t.Errorf("after MaxUint64 = %+v, %v; want empty", p, err)
			}
			// A cursor at the first result skips just it.
			if len(tt.want) > 0 {
				p, err = tt.fn(store.Query{Limit: 100, UpTo: tt.upTo, After: tt.want[0], HaveAfter: true})
				if err != nil || !slices.Equal(p.Indexes, tt.want[1:]) {
					t.Errorf("after %d = %+v, %v; want %v", tt.want[0], p, err, tt.want[1:])
				}
			}
		})
	}
}

func TestStoreGenesisIdempotent(t *testing.T) {
	net := fixture.New(t, storeChainID, fixture.Role{ID: "court", Role: chain.RoleCourt}, fixture.Role{ID: "platform", Role: chain.RolePlatform})
	orgs := genesisOrgs(t, net)

	dir := t.TempDir()
	s := openStore(t, dir)
	first := commitGenesis(t, s, orgs)
	// InitChain again after a crash before block 1, with the state committed.
	second := commitGenesis(t, s, orgs)
	if !bytes.Equal(first.AppHash, second.AppHash) || !bytes.Equal(first.StateRoot, second.StateRoot) {
		t.Errorf("genesis twice: app hash %x then %x", first.AppHash, second.AppHash)
	}
	s.Close()
	s = openStore(t, dir)
	third := commitGenesis(t, s, orgs)
	s.Close()
	if !bytes.Equal(first.AppHash, third.AppHash) {
		t.Errorf("genesis after reopen: app hash %x, first %x", third.AppHash, first.AppHash)
	}
	// Another node with the same genesis gets the same app hash; the genesis
	// time is in the checkpoint but not in the hash.
	other := openStore(t, t.TempDir())
	defer other.Close()
	b := other.NewBlock(0, blockTime(0).Add(time.Hour))
	for _, o := range orgs {
		if err := b.PutOrg(o); err != nil {
			t.Fatal(err)
		}
	}
	cp, err := b.Finish()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(cp.AppHash, first.AppHash) {
		t.Errorf("same genesis on another store: %x, want %x", cp.AppHash, first.AppHash)
	}
	if cp.LogSize != 0 || !bytes.Equal(cp.LogRoot, other.Hasher().EmptyRoot()) {
		t.Errorf("genesis log: size %d root %x", cp.LogSize, cp.LogRoot)
	}
	if err := other.Discard(b); err != nil {
		t.Fatal(err)
	}
}

func TestStoreEmpty(t *testing.T) {
	s := openStore(t, t.TempDir())
	defer s.Close()
	last := s.Last()
	if last.Height != 0 || last.LogSize != 0 || !bytes.Equal(last.LogRoot, s.Hasher().EmptyRoot()) ||
		!bytes.Equal(last.StateRoot, make([]byte, 32)) ||
		!bytes.Equal(last.AppHash, chain.AppHash(0, s.Hasher().EmptyRoot(), make([]byte, 32))) {
		t.Errorf("Last() of an empty store = %+v", last)
	}
	if _, err := s.View().Checkpoint(0); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Checkpoint(0) of an empty store: %v", err)
	}
}

func TestStoreStateRootCoversWrites(t *testing.T) {
	net := fixture.New(t, storeChainID)
	orgs := genesisOrgs(t, net)
	genesisWith := func(mod func(o *chain.Org)) chain.Checkpoint {
		s := openStore(t, t.TempDir())
		defer s.Close()
		var changed []*chain.Org
		for _, o := range orgs {
			c := *o
			mod(&c)
			changed = append(changed, &c)
		}
		return commitGenesis(t, s, changed)
	}
	base := genesisWith(func(*chain.Org) {})
	tests := []struct {
		name string
		mod  func(o *chain.Org)
	}{
		{"weight", func(o *chain.Org) { o.Weight++ }},
		{"name", func(o *chain.Org) { o.Name += "!" }},
		{"role", func(o *chain.Org) { o.Role = chain.RoleNotary }},
		{"id", func(o *chain.Org) { o.ID += "2" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cp := genesisWith(tt.mod)
			if bytes.Equal(cp.StateRoot, base.StateRoot) || bytes.Equal(cp.AppHash, base.AppHash) {
				t.Errorf("changing org %s leaves the state root %x", tt.name, cp.StateRoot)
			}
			if !bytes.Equal(cp.LogRoot, base.LogRoot) {
				t.Error("a state write changed the log root")
			}
		})
	}
	// The same write at a different height gives a different root; no
	// write at all keeps the previous root.
	s := openStore(t, t.TempDir())
	defer s.Close()
	g := commitGenesis(t, s, orgs)
	at := func(height int64, write bool) chain.Checkpoint {
		b := s.NewBlock(height, blockTime(1))
		if write {
			if err := b.PutOrg(orgs[0]); err != nil {
				t.Fatal(err)
			}
		}
		cp, err := b.Finish()
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Discard(b); err != nil {
			t.Fatal(err)
		}
		return cp
	}
	if bytes.Equal(at(1, true).StateRoot, at(2, true).StateRoot) {
		t.Error("state root does not depend on the height")
	}
	if e1, e2 := at(1, false), at(2, false); !bytes.Equal(e1.StateRoot, g.StateRoot) || !bytes.Equal(e2.AppHash, g.AppHash) {
		t.Error("a block without state writes changed the state root")
	}
}
