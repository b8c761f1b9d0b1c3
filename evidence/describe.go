package evidence

import (
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
	v := &RecordView{
		Index: en.Index, Height: en.Height, Time: en.Time, TxIndex: en.TxIndex,
		TxHash: chain.TxHash(en.Tx).String(), Type: tx.Body.Type().String(),
		Org: tx.Envelope.Org, ContractID: tx.Body.ContractID(), Body: BodyFields(tx.Body),
	}
	if tx.Actor != nil {
		v.Actor = tx.Actor.Cert.String()
	}
	return v, tx, nil
}

// BodyFields renders a body's fields with documented names: each record
// type's Fields, in its file chain/record_<name>.go.
func BodyFields(b chain.Body) map[string]any { return b.Fields() }
