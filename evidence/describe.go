package evidence

import (
	"encoding/hex"
	"fmt"
	"time"

	"github.com/sealchain/sealchain/chain"
)

// RecordView is a record in JSON for people and API clients: the chain's
// facts, the envelope, the actor and the body's fields with hashes in hex.
type RecordView struct {
	Index      uint64         `json:"index"`
	Height     int64          `json:"height"`
	Time       time.Time      `json:"time"`
	TxIndex    uint32         `json:"tx_index"`
	TxHash     string         `json:"tx_hash"`
	Type       string         `json:"type"`
	Org        string         `json:"org"`
	Actor      string         `json:"actor,omitempty"`
	ContractID string         `json:"contract_id,omitempty"`
	Body       map[string]any `json:"body"`
	// Batch is set for a record that came in a batch: where it sits in the
	// batch and the envelope over the batch's root, as the leaf states
	// them (Verify checks them).
	Batch *BatchView `json:"batch,omitempty"`
}

// BatchView is a batched record's place in its batch and its envelope.
type BatchView struct {
	Index      uint32 `json:"index"` // from 0
	Size       uint32 `json:"size"`
	Root       string `json:"root"`       // the root its path leads to, lower-case hex
	Org        string `json:"org"`        // the envelope's organisation
	Credential string `json:"credential"` // the envelope's credential fingerprint, lower-case hex
}

// BatchOf describes tx's batch, nil for a standalone tx.
func BatchOf(tx *chain.Tx) *BatchView {
	if tx.Batched == nil {
		return nil
	}
	root, _ := tx.BatchRoot() // a decoded record's path leads to a root
	return &BatchView{Index: tx.Batched.Index, Size: tx.Batched.Size, Root: hex.EncodeToString(root),
		Org: tx.Envelope.Org, Credential: tx.Batched.Cert.String()}
}

// Label is the batch for people, as the report and the verify command
// print it: "batch: record i of n, root <hex>, envelope by <org>
// credential <fp>", i counted from 1.
func (b *BatchView) Label() Label {
	return Label{
		Zh: fmt.Sprintf("批次：第 %d 条，共 %d 条，根 %s，信封由 %s 的凭证 %s 签署", b.Index+1, b.Size, b.Root, b.Org, b.Credential),
		En: fmt.Sprintf("batch: record %d of %d, root %s, envelope by %s credential %s", b.Index+1, b.Size, b.Root, b.Org, b.Credential),
	}
}

// Describe decodes a leaf into a RecordView.
func Describe(leaf []byte) (*RecordView, *chain.Tx, error) {
	en, err := chain.DecodeEntry(leaf)
	if err != nil {
		return nil, nil, err
	}
	tx, err := chain.DecodeRecord(en.Tx)
	if err != nil {
		return nil, nil, err
	}
	h := chain.TxHash(en.Tx)
	if tx.Batched != nil {
		h = tx.ItemHash() // the record hash lookups answer by
	}
	v := &RecordView{
		Index: en.Index, Height: en.Height, Time: en.Time, TxIndex: en.TxIndex,
		TxHash: h.String(), Type: tx.Body.Type().String(),
		Org: tx.Envelope.Org, ContractID: tx.Body.ContractID(), Body: BodyFields(tx.Body),
		Batch: BatchOf(tx),
	}
	if tx.Actor != nil {
		v.Actor = tx.Actor.Cert.String()
	}
	return v, tx, nil
}

// BodyFields renders a body's fields with documented names: each record
// type's Fields, in its file chain/record_<name>.go.
func BodyFields(b chain.Body) map[string]any { return b.Fields() }
