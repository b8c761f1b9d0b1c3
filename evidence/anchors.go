package evidence

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/sealchain/sealchain/anchor"
	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/chain/merklelog"
)

// Anchor is an anchored checkpoint that covers some of the bundle's records
// (docs/anchoring.md). The anchored record itself is among the bundle's
// records, at RecordIndex, with its inclusion proof; Consistency is the
// RFC 6962 proof that the anchored log (the record's log size and root) is a
// prefix of the bundle checkpoint's log. Together with a record's inclusion
// proof this shows the record was in the log that the court's Fabric channel
// witnessed: for a record at index i, the first anchor whose log size is
// above i covers it.
type Anchor struct {
	RecordIndex uint64   `json:"record_index"`
	Consistency [][]byte `json:"consistency"`
}

// MaxAnchors caps the anchors one bundle may carry.
const MaxAnchors = 1000

// Fabric statuses of an anchor: offline verification never says verified.
const (
	FabricNotVerified = "not verified"
	FabricVerified    = "verified"
	FabricFailed      = "failed"
)

// AnchorStatus is one anchored checkpoint in a result: what the bundle
// proves offline, and whether the Fabric channel was asked.
type AnchorStatus struct {
	Height       uint64    `json:"height"`
	LogSize      uint64    `json:"log_size"`
	RecordIndex  uint64    `json:"record_index"`
	Network      string    `json:"network"`
	Channel      string    `json:"channel"`
	Chaincode    string    `json:"chaincode"`
	TxID         string    `json:"tx_id"`
	Block        uint64    `json:"block"`
	AnchoredAt   time.Time `json:"anchored_at"`
	Covers       []uint64  `json:"covers"` // record indexes this anchor is the first to cover
	Fabric       string    `json:"fabric"` // FabricNotVerified, FabricVerified or FabricFailed
	FabricDetail string    `json:"fabric_detail,omitempty"`
	body         *chain.Anchored
}

// checkAnchors verifies each bundle anchor offline: the anchored record is in
// the bundle and passed its checks, it was submitted by the genesis anchoring
// organisation (when the trusted genesis names one), and the bundle's log
// extends the anchored one. Fabric is not asked here: every anchor's Fabric
// status starts as "not verified" (see VerifyFabric).
func (v *Verifier) checkAnchors(b *Bundle, recs []*decoded, res *Result) {
	if len(b.Anchors) > MaxAnchors {
		res.add("anchors", fmt.Errorf("%d anchors exceeds %d", len(b.Anchors), MaxAnchors), "")
		return
	}
	byIndex := map[uint64]*decoded{}
	for _, d := range recs {
		byIndex[d.entry.Index] = d
	}
	cp := b.Checkpoint
	h := merklelog.SM3()
	seen := map[uint64]bool{}
	for _, a := range b.Anchors {
		name := fmt.Sprintf("anchor[%d]", a.RecordIndex)
		d, ok := byIndex[a.RecordIndex]
		var err error
		var body *chain.Anchored
		switch {
		case seen[a.RecordIndex]:
			err = errors.New("anchor listed twice")
		case !ok:
			err = errors.New("the anchored record is not in the bundle")
		case !d.ok:
			err = errors.New("the anchored record failed its own checks")
		}
		seen[a.RecordIndex] = true
		if err == nil {
			if body, ok = d.tx.Body.(*chain.Anchored); !ok {
				err = fmt.Errorf("record %d is %s, not anchored", a.RecordIndex, d.tx.Body.Type())
			}
		}
		if err == nil {
			err = v.checkAnchor(d, body, a, cp, h)
		}
		detail := ""
		if err == nil {
			detail = fmt.Sprintf("checkpoint at height %d (log size %d) anchored on %s/%s in Fabric tx %s, block %d; the bundle's log extends it",
				body.Height, body.LogSize, body.Network, body.Channel, body.TxID, body.Block)
		}
		if !res.add(name, err, detail) {
			continue
		}
		res.Anchors = append(res.Anchors, AnchorStatus{
			Height: body.Height, LogSize: body.LogSize, RecordIndex: a.RecordIndex, Network: body.Network,
			Channel: body.Channel, Chaincode: body.Chaincode, TxID: body.TxID, Block: body.Block,
			AnchoredAt: time.Unix(0, body.AnchoredAt).UTC(), Fabric: FabricNotVerified,
			FabricDetail: "offline: run sealchain verify --fabric PROFILE to ask the Fabric channel", body: body,
		})
	}
	// Each record is covered by the first anchor whose log contains it.
	for _, d := range recs {
		if _, isAnchor := d.tx.Body.(*chain.Anchored); isAnchor {
			continue
		}
		best := -1
		for i, s := range res.Anchors {
			if s.LogSize > d.entry.Index && (best < 0 || s.LogSize < res.Anchors[best].LogSize) {
				best = i
			}
		}
		if best >= 0 {
			res.Anchors[best].Covers = append(res.Anchors[best].Covers, d.entry.Index)
		}
	}
}

func (v *Verifier) checkAnchor(d *decoded, body *chain.Anchored, a Anchor, cp Checkpoint, h *merklelog.Hasher) error {
	if g := v.trust.Anchoring; g != nil && d.tx.Envelope.Org != g.Org {
		return fmt.Errorf("submitted by %q; the trusted genesis names %q as the anchoring organisation", d.tx.Envelope.Org, g.Org)
	}
	if v.trust.Anchoring == nil {
		return errors.New("the trusted genesis configures no anchoring (app_state.anchoring)")
	}
	if body.ChainID != v.trust.ChainID {
		return fmt.Errorf("anchors chain %q", body.ChainID)
	}
	if body.LogSize > d.entry.Index {
		return fmt.Errorf("anchored log size %d does not precede its own record %d", body.LogSize, d.entry.Index)
	}
	if len(a.Consistency) > MaxProofHashes {
		return fmt.Errorf("consistency proof of %d hashes", len(a.Consistency))
	}
	if body.LogSize == cp.LogSize {
		if !bytes.Equal(body.LogRoot, cp.LogRoot) {
			return errors.New("anchored log root differs from the checkpoint's at the same size")
		}
		return nil
	}
	if body.LogSize == 0 {
		return errors.New("anchored log is empty")
	}
	if err := merklelog.VerifyConsistency(h, body.LogSize, cp.LogSize, a.Consistency, body.LogRoot, cp.LogRoot); err != nil {
		return fmt.Errorf("consistency %d → %d: %w", body.LogSize, cp.LogSize, err)
	}
	return nil
}

// AnchorLedger is what VerifyFabric needs from a Fabric client.
type AnchorLedger interface {
	GetAnchor(ctx context.Context, chainID string, height uint64) (anchor.Anchor, anchor.Receipt, error)
}

// VerifyFabric asks the Fabric channel, for each anchor res carries, whether
// it holds the same checkpoint in the same transaction and block. Each
// answer becomes a check (anchor[i].fabric) and the anchor's Fabric status;
// res.OK is recomputed. Run it after Verify; without it anchors stay
// "not verified".
func VerifyFabric(ctx context.Context, l AnchorLedger, res *Result) {
	for i := range res.Anchors {
		s := &res.Anchors[i]
		if s.body == nil {
			// Not produced by Verify: nothing checked offline to compare with.
			s.Fabric, s.FabricDetail = FabricFailed, "anchor was not checked offline by Verify"
			res.add(fmt.Sprintf("anchor[%d].fabric", s.RecordIndex), errors.New(s.FabricDetail), "")
			continue
		}
		want := anchor.Anchor{ChainID: s.body.ChainID, Height: s.Height, AppHash: s.body.AppHash, LogSize: s.LogSize, LogRoot: s.body.LogRoot}
		got, rc, err := l.GetAnchor(ctx, want.ChainID, want.Height)
		if err == nil {
			err = errors.Join(anchor.Compare(want, got), anchor.CompareReceipt(
				anchor.Receipt{Channel: s.Channel, Chaincode: s.Chaincode, TxID: s.TxID, Block: s.Block}, rc))
		}
		if err != nil {
			s.Fabric, s.FabricDetail = FabricFailed, err.Error()
		} else {
			s.Fabric, s.FabricDetail = FabricVerified, fmt.Sprintf("Fabric channel %s holds it: tx %s valid in block %d", rc.Channel, rc.TxID, rc.Block)
		}
		res.add(fmt.Sprintf("anchor[%d].fabric", s.RecordIndex), err, s.FabricDetail)
	}
	res.OK = len(res.Failed()) == 0
}
