package flowapi

import (
	"net/http"

	"github.com/sealchain/sealchain/workflow"
)

// Batch signing (docs/workflow.md, "Batch signing"): the platform gathers
// contracts waiting for one signer (POST /v1/wf/batch-signs), the signer
// opens the batch link (<public_url>/sign/batch/<token>, the page; GET
// /v1/batch-sign/{btoken}, the list), asks one code and signs them all.

func (w *wfAPI) registerBatch(route func(string, http.HandlerFunc)) {
	route("POST /v1/wf/batch-signs", w.platform(w.idempotent(w.batchCreate)))
	route("GET /v1/wf/batch-signs/{id}", w.platform(w.batchGet))
	route("GET /v1/batch-sign/{btoken}", w.batchView)
	route("POST /v1/batch-sign/{btoken}/code", w.idempotent(w.batchCode))
	route("POST /v1/batch-sign/{btoken}/sign", w.idempotent(w.batchSign))
}

func (w *wfAPI) batchCreate(rw http.ResponseWriter, r *http.Request) {
	var in workflow.BatchInput
	if !w.decode(rw, r, &in) {
		return
	}
	b, link, err := w.s.engine.CreateBatch(r.Context(), &in)
	if err != nil {
		w.wfError(rw, r, err)
		return
	}
	writeJSON(rw, http.StatusCreated, map[string]any{"batch": b.Public(), "link": link})
}

func (w *wfAPI) batchGet(rw http.ResponseWriter, r *http.Request) {
	b, err := w.s.engine.Batch(r.PathValue("id"))
	if err != nil {
		w.wfError(rw, r, err)
		return
	}
	writeJSON(rw, http.StatusOK, b.Public())
}

func (w *wfAPI) batchView(rw http.ResponseWriter, r *http.Request) {
	v, err := w.s.engine.ViewBatch(r.PathValue("btoken"))
	if err != nil {
		w.wfError(rw, r, err)
		return
	}
	rw.Header().Set("Cache-Control", "no-store")
	writeJSON(rw, http.StatusOK, v)
}

func (w *wfAPI) batchCode(rw http.ResponseWriter, r *http.Request) {
	sent, err := w.s.engine.BatchCode(r.Context(), r.PathValue("btoken"))
	if err != nil {
		w.wfError(rw, r, err)
		return
	}
	writeJSON(rw, http.StatusOK, sent)
}

func (w *wfAPI) batchSign(rw http.ResponseWriter, r *http.Request) {
	var in workflow.SignInput
	if !w.decode(rw, r, &in) {
		return
	}
	res, err := w.s.engine.SignBatch(r.Context(), r.PathValue("btoken"), &in)
	if err != nil {
		w.wfError(rw, r, err)
		return
	}
	writeJSON(rw, http.StatusOK, res)
}
