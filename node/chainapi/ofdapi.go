package chainapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/emmansun/gmsm/sm3"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/chain/store"
	"github.com/sealchain/sealchain/node/httpjson"
	"github.com/sealchain/sealchain/signer/ofd"
)

// ofdVerify is POST /v1/ofd/verify: the OFD twin of pdfVerify, with the
// same limits (the body within [api] pdf_max_bytes, the same upload and
// verification slots, so PDF and OFD verifications together stay within
// [api] pdf_verify_concurrency and one per client) and the same answer
// {report, on_chain}. The trusted CAs, for signer certificates and seal
// makers alike, are the registered organisations'.
//
// An OFD signature is added by rewriting the zip, so a signed file holds
// no earlier revision to hash (unlike a PDF's incremental updates): only
// the file as it is can be found on chain. A contract_signed record whose
// signed_doc_sm3 is the file's SM3 and whose actor signed one of its
// signatures gives that signature the block time as its signing time; the
// others are checked at the time they claim.
//
// Hostile files are bounded by signer/ofd's limits (entries, decompressed
// bytes, XML depth and elements, signatures) and the verification deadline.
func (a *API) ofdVerify(w http.ResponseWriter, r *http.Request) {
	h := a.heavyRoutes()
	up, ok := a.verifyUpload(w, r)
	if !ok {
		return
	}
	defer up.release()
	data, ctx, view, roots := up.data, up.ctx, up.view, up.roots
	facts, err := ofdChainFacts(view, sm3.Sum(data), a.store.Last().LogSize)
	if err != nil {
		a.internal(w, r, err)
		return
	}
	opts := ofd.VerifyOptions{
		SealRoots: roots, SignerRoots: roots,
		SigningTimeOf: func(s *ofd.SignatureReport) (time.Time, bool) {
			if s.SignedBy == nil {
				return time.Time{}, false
			}
			f, ok := facts[s.SignedBy.Fingerprint]
			return f.BlockTime, ok
		},
	}
	rep, err := ofd.Verify(ctx, data, opts)
	switch {
	case r.Context().Err() != nil:
		return // the client went away
	case errors.Is(err, context.DeadlineExceeded):
		httpjson.WriteError(w, http.StatusUnprocessableEntity, "too_complex", fmt.Sprintf("verification did not finish within %s; the file is too complex to verify here", h.verifyTimeout))
		return
	case errors.Is(err, ofd.ErrTooLarge):
		httpjson.WriteError(w, http.StatusUnprocessableEntity, "too_complex", err.Error())
		return
	case err != nil:
		httpjson.WriteError(w, http.StatusUnprocessableEntity, "bad_ofd", err.Error())
		return
	}
	if len(rep.Signatures) == 0 {
		httpjson.WriteError(w, http.StatusUnprocessableEntity, "no_signature", "the OFD has no signature")
		return
	}
	recorded := []pdfChainFact{}
	for _, s := range rep.Signatures {
		if s.SignedBy == nil || s.SigningTimeSource != ofd.TimeFromCaller {
			continue
		}
		if f, ok := facts[s.SignedBy.Fingerprint]; ok {
			f.Signature = s.Index
			recorded = append(recorded, f)
		}
	}
	httpjson.Write(w, http.StatusOK, map[string]any{"report": rep, "on_chain": recorded})
}

// ofdChainFacts are the contract_signed records of the file (signed_doc_sm3
// = sum), by signer certificate fingerprint, the earliest for each.
func ofdChainFacts(view store.View, sum [32]byte, upTo uint64) (map[string]pdfChainFact, error) {
	facts := map[string]pdfChainFact{}
	p, err := view.ByDoc(sum[:], store.Query{Limit: 16, UpTo: upTo})
	if err != nil {
		return nil, err
	}
	for _, idx := range p.Indexes {
		leaf, err := view.Entry(idx)
		if err != nil {
			return nil, err
		}
		en, err := chain.DecodeEntry(leaf)
		if err != nil {
			continue
		}
		tx, err := chain.DecodeRecord(en.Tx)
		if err != nil {
			continue
		}
		cs, ok := tx.Body.(*chain.ContractSigned)
		if !ok || tx.Actor == nil || string(cs.SignedDocSM3) != string(sum[:]) {
			continue
		}
		fp := tx.Actor.Cert.String()
		if _, seen := facts[fp]; seen {
			continue
		}
		facts[fp] = pdfChainFact{LogIndex: en.Index, Height: en.Height, BlockTime: en.Time,
			ContractID: cs.Contract, TxHash: chain.TxHash(en.Tx).String()}
	}
	return facts, nil
}
