package node

import (
	"errors"
	"fmt"
	"image"
	"io"
	"net/http"
	"time"

	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/smx509"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/signer"
	"github.com/sealchain/sealchain/signer/pdf"
	"github.com/sealchain/sealchain/signer/seal"
)

// maxPDFBytes bounds PDFs sent for verification.
const maxPDFBytes = 64 << 20

// pdfChainFact ties one PDF signature to the contract-signed record whose
// signed_doc_sm3 is the file as it was right after that signature.
type pdfChainFact struct {
	Signature  int       `json:"signature"`
	LogIndex   uint64    `json:"log_index"`
	Height     int64     `json:"height"`
	BlockTime  time.Time `json:"block_time"`
	ContractID string    `json:"contract_id"`
	TxHash     string    `json:"tx_hash"`
}

// pdfVerify checks a signed PDF with the chain as the authority: trusted CAs
// are the registered organisations', a signer certificate's revocation is
// read from chain state, and a signature recorded on chain gets the block
// time as its signing time instead of the time the PDF claims.
func (a *api) pdfVerify(w http.ResponseWriter, r *http.Request) {
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxPDFBytes))
	if err != nil {
		writeError(w, http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("body: %v (limit %d bytes)", err, maxPDFBytes))
		return
	}
	view := a.store.View()
	orgs, err := view.Orgs()
	if err != nil {
		a.internal(w, r, err)
		return
	}
	var roots []*smx509.Certificate
	for _, o := range orgs {
		c, err := smx509.ParseCertificate(o.CACert)
		if err != nil {
			a.internal(w, r, err)
			return
		}
		roots = append(roots, c)
	}
	opts := pdf.VerifyOptions{
		Roots: roots,
		Status: func(fp signer.Fingerprint, at time.Time) (pdf.CertStatus, error) {
			cs, ok, err := view.Cert(chain.Fingerprint(fp))
			if err != nil {
				return pdf.CertStatus{}, err
			}
			if !ok {
				return pdf.CertStatus{}, nil // not registered: status unknown to the chain, not revoked
			}
			return pdf.CertStatus{Revoked: cs.Revoked(), RevokedAt: cs.RevokedAt}, nil
		},
	}
	first, err := pdf.Verify(data, opts)
	if errors.Is(err, pdf.ErrNoSignature) {
		writeError(w, http.StatusUnprocessableEntity, "no_signature", "the PDF has no signature")
		return
	}
	if err != nil {
		writeError(w, http.StatusUnprocessableEntity, "bad_pdf", err.Error())
		return
	}
	facts := map[int]pdfChainFact{}
	for i, s := range first.Signatures {
		end := s.Scope.ByteRange[2] + s.Scope.ByteRange[3]
		if s.SignedBy == nil || end <= 0 || end > int64(len(data)) {
			continue
		}
		h := sm3.Sum(data[:end])
		p, err := view.ByDoc(h[:], chain.Query{Limit: 16, UpTo: a.store.Last().LogSize})
		if err != nil {
			a.internal(w, r, err)
			return
		}
		for _, idx := range p.Indexes {
			leaf, err := view.Entry(idx)
			if err != nil {
				a.internal(w, r, err)
				return
			}
			en, err := chain.DecodeEntry(leaf)
			if err != nil {
				continue
			}
			tx, err := chain.DecodeTx(en.Tx)
			if err != nil {
				continue
			}
			cs, ok := tx.Body.(*chain.ContractSigned)
			if !ok || tx.Actor == nil || tx.Actor.Cert.String() != s.SignedBy.Fingerprint || string(cs.SignedDocSM3) != string(h[:]) {
				continue
			}
			facts[i] = pdfChainFact{Signature: i, LogIndex: en.Index, Height: en.Height, BlockTime: en.Time,
				ContractID: cs.Contract, TxHash: chain.TxHash(en.Tx).String()}
		}
	}
	opts.SigningTime = func(i int) (time.Time, bool) {
		f, ok := facts[i]
		return f.BlockTime, ok
	}
	rep, err := pdf.Verify(data, opts)
	if err != nil {
		writeError(w, http.StatusUnprocessableEntity, "bad_pdf", err.Error())
		return
	}
	recorded := make([]pdfChainFact, 0, len(facts))
	for i := range rep.Signatures {
		if f, ok := facts[i]; ok {
			recorded = append(recorded, f)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"report": rep, "on_chain": recorded})
}

// sealRender draws a seal image: {"kind": "enterprise"|"personal", "name",
// "purpose", "code", "size"} → image/png.
func (a *api) sealRender(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Kind    string `json:"kind"`
		Name    string `json:"name"`
		Purpose string `json:"purpose"`
		Code    string `json:"code"`
		Size    int    `json:"size"`
	}
	if !a.decodeJSON(w, r, &in) {
		return
	}
	var (
		img image.Image
		err error
	)
	switch in.Kind {
	case "enterprise":
		img, err = seal.Enterprise(seal.EnterpriseOptions{Name: in.Name, Purpose: in.Purpose, Code: in.Code, Size: in.Size})
	case "personal":
		img, err = seal.Personal(seal.PersonalOptions{Name: in.Name, AppendYin: true, Size: in.Size})
	default:
		writeError(w, http.StatusBadRequest, "bad_field", "field kind: want enterprise or personal")
		return
	}
	switch {
	case errors.Is(err, seal.ErrFont):
		a.internal(w, r, err) // the node's font is missing: an operator problem
		return
	case err != nil:
		writeError(w, http.StatusBadRequest, "bad_field", err.Error())
		return
	}
	png, err := seal.EncodePNG(img)
	if err != nil {
		a.internal(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(png)
}
