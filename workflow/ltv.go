package workflow

import (
	"bytes"
	"context"
	"encoding/hex"
	"time"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/signer/pdf"
)

// LTV is where the workflow gets what PAdES B-T and B-LT need (the node's
// PKI, node/pki): a signature time stamp for a signed PDF whose
// contract_signed committed, and the revocation data for the DSS.
type LTV interface {
	SignatureStamper(signed []byte) pdf.TimeStamper
	pdf.ValidationSource
}

// SetLTV turns on long-term validation data (the node calls it when
// [pki] is on): from then on each party's signature gains a signature
// time stamp once its contract_signed commits (PAdES B-T; the next party
// signs the stamped file), and the completed contract's PDF a DSS with the
// certificates, OCSP responses and CRL (B-LT). Without it the PDFs stay
// B-B, as before.
func (e *Engine) SetLTV(l LTV) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.ltv = l
}

// ltvTimeout bounds the time stamp and DSS of one signature.
const ltvTimeout = 30 * time.Second

// extendLocked runs when a contract_signed record committed (settle, with
// e.mu held): if the file it names is still the contract's current PDF
// (no party signed after it), the file gains the signature's time stamp,
// and, when every party has signed, the DSS; the contract then points at
// the extended file. The party's SignedSM3 stays the committed file's
// (pdf.RecordedRevision gets it back from the extended one). Failures
// leave the file as it was: a signature without a time stamp is still
// valid on chain, its time is the block's.
func (e *Engine) extendLocked(t *txn, it *txItem, ref *ChainRef) {
	if e.ltv == nil || ref.Contract == "" || ref.Type != chain.TypeContractSigned.String() {
		return
	}
	rec, err := chain.DecodeRecord(it.Tx)
	if err != nil {
		return
	}
	cs, ok := rec.Body.(*chain.ContractSigned)
	if !ok || len(cs.SignedDocSM3) == 0 {
		return
	}
	c, err := e.loadContract(ref.Contract)
	if err != nil || c.CurrentSM3 != hex.EncodeToString(cs.SignedDocSM3) {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), ltvTimeout)
	defer cancel()
	log := e.logger.With("contract", c.ID)
	signed, err := e.getFile(ctx, c.CurrentSM3)
	if err != nil {
		log.Error("PAdES: signed PDF", "err", err)
		return
	}
	out, err := pdf.AddTimeStamp(ctx, signed, e.ltv.SignatureStamper(signed))
	if err != nil {
		log.Error("PAdES B-T: no signature time stamp", "err", err)
		return
	}
	level := pdf.LevelBT
	if c.Status == StatusCompleted {
		if blt, err := pdf.AddDSS(ctx, out, e.ltv); err != nil {
			log.Error("PAdES B-LT: no DSS", "err", err)
		} else {
			out, level = blt, pdf.LevelBLT
		}
	}
	sum, err := e.cfg.Files.Put(ctx, bytes.NewReader(out))
	if err != nil {
		log.Error("PAdES: store", "err", err)
		return
	}
	c.CurrentSM3 = hex.EncodeToString(sum[:])
	c.log(e.now(), "pades", nil, level)
	if err := e.putContract(t, c); err != nil {
		log.Error("PAdES: contract", "err", err)
	}
}
