package chain

import (
	"bytes"
	"math"
	"time"
)

// Anchored records that a checkpoint of this chain was written to an
// external witness ledger (a court's Hyperledger Fabric channel), with the
// receipt the ledger returned. The genesis anchoring organisation submits it;
// the app checks the checkpoint against the chain's own history, so the
// record states "this chain's checkpoint at Height is on that ledger in
// transaction TxID, block Block". Whether the ledger really has it is checked
// outside consensus (docs/anchoring.md).
//
//	message Anchored {
//	  string chain_id    = 1;  // the anchored chain: this chain
//	  uint64 height      = 2;  // the checkpoint's height (its app hash is in header height+1)
//	  bytes  app_hash    = 3;
//	  uint64 log_size    = 4;
//	  bytes  log_root    = 5;
//	  string network     = 6;  // receipt: Fabric network (as named in genesis)
//	  string channel     = 7;
//	  string chaincode   = 8;
//	  string tx_id       = 9;  // Fabric transaction id
//	  uint64 block       = 10; // Fabric block number
//	  int64  anchored_at = 11; // unix ns, the Fabric transaction's timestamp
//	}
type Anchored struct {
	ChainID    string
	Height     uint64
	AppHash    []byte
	LogSize    uint64
	LogRoot    []byte
	Network    string
	Channel    string
	Chaincode  string
	TxID       string
	Block      uint64
	AnchoredAt int64
}

// maxFabricNameBytes bounds the receipt's names: Fabric channel names are at
// most 249 bytes, tx ids are 64 hex digits.
const maxFabricNameBytes = 255

// TypeAnchored is anchored's record type number.
const TypeAnchored Type = 13

func (*Anchored) Type() Type         { return TypeAnchored }
func (*Anchored) ContractID() string { return "" }
func (*Anchored) actor() actorRule   { return actorNone }

func (*Anchored) Name() string { return "anchored" }
func (*Anchored) Label() (zh, en string) {
	return "跨链锚定（Fabric）", "Checkpoint anchored (Fabric)"
}
func (*Anchored) IndexKeys() IndexKeys { return IndexKeys{} }

func (b *Anchored) Fields() map[string]any {
	return map[string]any{"chain_id": b.ChainID, "height": b.Height, "app_hash": hexOf(b.AppHash), "log_size": b.LogSize,
		"log_root": hexOf(b.LogRoot), "network": b.Network, "channel": b.Channel, "chaincode": b.Chaincode,
		"fabric_tx_id": b.TxID, "fabric_block": b.Block, "anchored_at": time.Unix(0, b.AnchoredAt).UTC()}
}

func (b *Anchored) encode(e *encoder) {
	e.string(1, b.ChainID)
	e.uint(2, b.Height)
	e.bytes(3, b.AppHash)
	e.uint(4, b.LogSize)
	e.bytes(5, b.LogRoot)
	e.string(6, b.Network)
	e.string(7, b.Channel)
	e.string(8, b.Chaincode)
	e.string(9, b.TxID)
	e.uint(10, b.Block)
	e.int(11, b.AnchoredAt)
}

func (b *Anchored) decode(d *decoder) {
	b.ChainID = d.string(1, "chain_id")
	b.Height = d.uint(2, "height")
	b.AppHash = d.bytes(3, "app_hash")
	b.LogSize = d.uint(4, "log_size")
	b.LogRoot = d.bytes(5, "log_root")
	b.Network = d.string(6, "network")
	b.Channel = d.string(7, "channel")
	b.Chaincode = d.string(8, "chaincode")
	b.TxID = d.string(9, "tx_id")
	b.Block = d.uint(10, "block")
	b.AnchoredAt = d.int(11, "anchored_at")
}

func (b *Anchored) Validate() error {
	if err := checkID("body.chain_id", b.ChainID); err != nil {
		return err
	}
	if b.Height == 0 {
		return invalid("body.height", "missing")
	}
	if err := checkHash("body.app_hash", b.AppHash, true); err != nil {
		return err
	}
	if err := checkHash("body.log_root", b.LogRoot, true); err != nil {
		return err
	}
	for _, f := range []struct{ name, v string }{
		{"body.network", b.Network}, {"body.channel", b.Channel}, {"body.chaincode", b.Chaincode}, {"body.tx_id", b.TxID},
	} {
		if f.v == "" {
			return invalid(f.name, "missing")
		}
		if len(f.v) > maxFabricNameBytes {
			return invalid(f.name, "%d bytes exceeds %d", len(f.v), maxFabricNameBytes)
		}
	}
	if b.AnchoredAt <= 0 {
		return invalid("body.anchored_at", "missing")
	}
	return nil
}

// AnchorState is the chain's state about one anchored checkpoint: where its
// record is in the log.
//
//	message AnchorState { uint64 log_size = 1; uint64 record_index = 2; }
type AnchorState struct {
	Height      uint64 // from the key
	LogSize     uint64 // the anchored checkpoint's log size
	RecordIndex uint64 // log index of the anchored record
}

func (a *AnchorState) encode(e *encoder) {
	e.uint(1, a.LogSize)
	e.uint(2, a.RecordIndex)
}

func (a *AnchorState) decode(d *decoder) {
	a.LogSize = d.uint(1, "log_size")
	a.RecordIndex = d.uint(2, "record_index")
}

// Apply checks an anchored record against genesis (c.Anchoring) and the
// chain's own history. Everything here is committed state or genesis:
// whether the Fabric ledger really holds the receipt is checked outside
// consensus by nodes that can reach it, so an unreachable or lagging Fabric
// peer can never make validators disagree. v must answer CheckpointAt: the
// offline verifier's MemState cannot (it checks anchors with the bundle's
// evidence instead, evidence/anchors.go) and does not run this rule.
func (b *Anchored) Apply(v StateView, c *RuleContext) (Effects, *TxError) {
	g := c.Anchoring
	switch {
	case g == nil:
		return nil, Reject(CodeAnchorDisabled, "type", "this chain's genesis configures no anchoring (app_state.anchoring)")
	case c.Org != g.Org:
		return nil, Reject(CodeAnchorOrg, "envelope.org", "organisation %q may not anchor; genesis names %q", c.Org, g.Org)
	case b.Network != g.Network:
		return nil, Reject(CodeAnchorReceipt, "body.network", "%q, genesis anchors to network %q", b.Network, g.Network)
	case b.Channel != g.Channel:
		return nil, Reject(CodeAnchorReceipt, "body.channel", "%q, genesis anchors to channel %q", b.Channel, g.Channel)
	case b.Chaincode != g.Chaincode:
		return nil, Reject(CodeAnchorReceipt, "body.chaincode", "%q, genesis anchors with chaincode %q", b.Chaincode, g.Chaincode)
	case b.ChainID != c.ChainID:
		return nil, Reject(CodeAnchorMismatch, "body.chain_id", "%q, this chain is %q", b.ChainID, c.ChainID)
	case b.Height > math.MaxInt64 || int64(b.Height) >= c.Height:
		return nil, Reject(CodeAnchorMismatch, "body.height", "%d is not a height committed before block %d", b.Height, c.Height)
	}
	latest, err := v.LatestAnchor()
	must(err)
	if b.Height <= latest {
		return nil, Reject(CodeAnchorOrder, "body.height", "%d is not above the latest anchored height %d", b.Height, latest)
	}
	cp, ok, err := v.CheckpointAt(int64(b.Height))
	must(err)
	if !ok {
		return nil, Reject(CodeAnchorMismatch, "body.height", "no checkpoint at height %d", b.Height)
	}
	switch {
	case !bytes.Equal(cp.AppHash, b.AppHash):
		return nil, Reject(CodeAnchorMismatch, "body.app_hash", "%x, the chain's app hash at height %d is %x", b.AppHash, b.Height, cp.AppHash)
	case cp.LogSize != b.LogSize:
		return nil, Reject(CodeAnchorMismatch, "body.log_size", "%d, the chain's log size at height %d is %d", b.LogSize, b.Height, cp.LogSize)
	case !bytes.Equal(cp.LogRoot, b.LogRoot):
		return nil, Reject(CodeAnchorMismatch, "body.log_root", "%x, the chain's log root at height %d is %x", b.LogRoot, b.Height, cp.LogRoot)
	}
	return Effects{AnchorWrite{State: &AnchorState{Height: b.Height, LogSize: b.LogSize, RecordIndex: c.Next}}}, nil
}

// AnchorWrite records an anchored checkpoint.
type AnchorWrite struct{ State *AnchorState }

func (e AnchorWrite) applyTo(w StateWriter) error { return w.PutAnchor(e.State) }
