package flowapi

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/evidence"
	"github.com/sealchain/sealchain/evidence/assemble"
	"github.com/sealchain/sealchain/node/httpjson"
	"github.com/sealchain/sealchain/signer"
	"github.com/sealchain/sealchain/workflow"
	"github.com/sealchain/sealchain/workflow/notify"
)

// The workflow's HTTP API (docs/workflow.md): /v1/wf/... for the platform
// (bearer token), /v1/sign/{token}/... for signers (the link is the
// credential). Every POST takes an Idempotency-Key.

const (
	idemHeader     = "Idempotency-Key"
	idemReplayed   = "Idempotent-Replayed"
	maxIdemKeyLen  = 128
	wfScopeCaller  = "platform"
	wfJSONMaxBytes = 256 << 10
)

// wfAPI serves the workflow routes and the signing pages. It gets what it
// needs from the node explicitly (Service.Register), not from the chain API.
type wfAPI struct {
	s             *Service
	store         Store
	assemble      AssembleFn
	chainID, org  string
	maxBody       int64
	wait          time.Duration
	logger        *slog.Logger
	validatorOrgs func() ([]string, error)
	// locks serialise requests with the same idempotency key (striped by
	// hash, so the set stays bounded).
	locks [64]sync.Mutex
}

// Register adds the workflow API (/v1/wf/..., /v1/sign/{token}/...) and
// the signing pages to rt. validatorOrgs names the validators'
// organisations for the pages' footer (chainapi.API.ValidatorOrgs).
func (s *Service) Register(rt *httpjson.Router, validatorOrgs func() ([]string, error)) {
	w := &wfAPI{s: s, store: s.store, assemble: s.assemble, chainID: s.chainID, org: s.org,
		maxBody: s.maxBody, wait: s.wait, logger: s.logger, validatorOrgs: validatorOrgs}
	w.registerSignPages(rt.Route)
	w.register(rt.Route)
}

// internal answers 500 and logs the error (without the link's token).
func (w *wfAPI) internal(rw http.ResponseWriter, r *http.Request, err error) {
	httpjson.Internal(w.logger, rw, r, err)
}

func (w *wfAPI) register(route func(string, http.HandlerFunc)) {
	p := func(h http.HandlerFunc) http.HandlerFunc { return w.platform(h) }
	pi := func(h http.HandlerFunc) http.HandlerFunc { return w.platform(w.idempotent(h)) }
	si := func(h http.HandlerFunc) http.HandlerFunc { return w.idempotent(h) }
	route("POST /v1/wf/identities", pi(w.identityCreate))
	route("GET /v1/wf/identities/{id}", p(w.identityGet))
	route("GET /v1/wf/identities/{id}/seal.png", p(w.identitySeal))
	route("POST /v1/wf/identities/{id}/deposit", pi(w.identityDeposit))
	route("POST /v1/wf/identities/{id}/retry", pi(w.identityRetry))
	route("POST /v1/wf/files", pi(w.fileUpload))
	route("GET /v1/wf/templates", p(w.templateList))
	route("GET /v1/wf/templates/{id}", p(w.templateGet))
	route("POST /v1/wf/contracts", pi(w.contractCreate))
	route("GET /v1/wf/contracts", p(w.contractSearch))
	route("GET /v1/wf/contracts/{id}", p(w.contractGet))
	route("POST /v1/wf/contracts/{id}/send", pi(w.contractSend))
	route("POST /v1/wf/contracts/{id}/remind", pi(w.contractRemind))
	route("POST /v1/wf/contracts/{id}/void", pi(w.contractVoid))
	route("POST /v1/wf/contracts/{id}/renew", pi(w.contractRenew))
	route("GET /v1/wf/contracts/{id}/pdf", p(w.contractPDF))
	route("GET /v1/wf/contracts/{id}/evidence", p(w.contractEvidence))
	route("GET /v1/wf/contracts/{id}/parties/{i}/cert", p(w.partyCert))
	route("GET /v1/wf/outbox", p(w.outboxList))
	route("POST /v1/wf/outbox/ack", pi(w.outboxAck))
	route("POST /v1/wf/webhooks", pi(w.webhookCreate))
	route("GET /v1/wf/webhooks", p(w.webhookList))
	route("DELETE /v1/wf/webhooks/{id}", p(w.webhookDelete))
	route("GET /v1/wf/webhooks/deliveries", p(w.webhookDeliveries))
	w.registerBulk(route)
	w.registerBatch(route)
	route("GET /v1/sign/{token}", w.signView)
	route("GET /v1/sign/{token}/pdf", w.signPDF)
	route("GET /v1/sign/{token}/seal.png", w.signSeal)
	route("GET /v1/sign/{token}/page/{n}", w.signPage)
	route("POST /v1/sign/{token}/code", si(w.signCode))
	route("POST /v1/sign/{token}/sign", si(w.signSign))
	route("POST /v1/sign/{token}/decline", si(w.signDecline))
	route("GET /v1/sign/{token}/result", w.signResult)
	route("GET /v1/sign/{token}/evidence", w.signEvidence)
}

// platform requires the bearer token.
func (w *wfAPI) platform(h http.HandlerFunc) http.HandlerFunc {
	return func(rw http.ResponseWriter, r *http.Request) {
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || subtle.ConstantTimeCompare([]byte(strings.TrimSpace(got)), []byte(w.s.token)) != 1 {
			rw.Header().Set("WWW-Authenticate", "Bearer")
			writeError(rw, http.StatusUnauthorized, "unauthenticated", "the workflow API needs Authorization: Bearer <the token in config/workflow.token>")
			return
		}
		h(rw, r)
	}
}

// recorder keeps a copy of an answer for the idempotency store.
type recorder struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (r *recorder) WriteHeader(code int) { r.status = code; r.ResponseWriter.WriteHeader(code) }
func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	r.body.Write(b)
	return r.ResponseWriter.Write(b)
}

// idempotent: same key and same request -> the first answer again; same key
// and another request -> 409. Scope: the platform, or one signing link.
func (w *wfAPI) idempotent(h http.HandlerFunc) http.HandlerFunc { return w.idempotentN(0, h) }

// idempotentN is idempotent with a body limit of its own (0: [api]
// max_body_bytes), for routes that take more (bulk sends).
func (w *wfAPI) idempotentN(limit int64, h http.HandlerFunc) http.HandlerFunc {
	if limit < w.maxBody {
		limit = w.maxBody
	}
	return func(rw http.ResponseWriter, r *http.Request) {
		key := r.Header.Get(idemHeader)
		if err := checkIdemKey(key); err != nil {
			writeError(rw, http.StatusBadRequest, "idempotency_key_required", err.Error())
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(rw, r.Body, limit))
		if err != nil {
			writeError(rw, http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("body exceeds %d bytes", limit))
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		scope := wfScopeCaller
		if tok := r.PathValue("btoken"); tok != "" {
			// A batch link, like a signing link, is its holder's credential.
			if _, err := w.s.engine.BatchByToken(tok); err != nil {
				w.wfError(rw, r, err)
				return
			}
			sum := sha256.Sum256([]byte(tok))
			scope = "batch-" + hex.EncodeToString(sum[:16])
		} else if tok := r.PathValue("token"); tok != "" {
			// The link is the signer's credential: resolve it before
			// anything is remembered, so that requests with made-up links
			// leave nothing in the database.
			if _, _, err := w.s.engine.SignerContract(tok); err != nil {
				w.wfError(rw, r, err)
				return
			}
			sum := sha256.Sum256([]byte(tok))
			scope = "sign-" + hex.EncodeToString(sum[:16])
		}
		fp := sha256.New()
		fmt.Fprintf(fp, "%s\n%s\n", r.Method, r.URL.Path)
		fp.Write(body)
		fingerprint := hex.EncodeToString(fp.Sum(nil))

		stripe := sha256.Sum256([]byte(scope + "/" + key))
		mu := &w.locks[int(stripe[0])%len(w.locks)]
		mu.Lock()
		defer mu.Unlock()
		prev, ok, err := w.s.engine.LoadIdem(scope, key)
		if err != nil {
			w.internal(rw, r, err)
			return
		}
		if ok {
			if prev.Fingerprint != fingerprint {
				writeError(rw, http.StatusConflict, "idempotency_conflict",
					fmt.Sprintf("Idempotency-Key %q was used with a different request (method, path or body)", key))
				return
			}
			if prev.ContentType != "" {
				rw.Header().Set("Content-Type", prev.ContentType)
			}
			rw.Header().Set(idemReplayed, "true")
			rw.WriteHeader(prev.Status)
			rw.Write(prev.Body)
			return
		}
		rec := &recorder{ResponseWriter: rw}
		h(rec, r)
		if finalAnswer(rec.status) {
			ent := &workflow.IdemEntry{Fingerprint: fingerprint, Status: rec.status, Body: rec.body.Bytes(),
				ContentType: rw.Header().Get("Content-Type")}
			if err := w.s.engine.SaveIdem(scope, key, ent); err != nil {
				w.logger.Error("save idempotent answer", "err", err)
			}
		}
	}
}

// finalAnswer tells whether an answer is remembered for its Idempotency-Key.
// A retry with the key must get the same outcome, so successes are kept,
// and refusals that the same request would get again (400, 403, 404, 410,
// 413, 422: a bad field, a used link, a wrong code already counted). An
// answer that says "not now" is not kept: 408, 409 (not your turn, wrong
// state: the contract moves on), 423, 425, 429 (Retry-After) and every 5xx;
// keeping one would give a client that waits as told the same refusal for
// IdemTTL. Those answers changed nothing, so running the retry is safe.
func finalAnswer(status int) bool {
	switch {
	case status >= 200 && status < 400:
		return true
	case status >= 500, status < 200:
		return false
	}
	switch status {
	case http.StatusRequestTimeout, http.StatusConflict, http.StatusLocked, http.StatusTooEarly, http.StatusTooManyRequests:
		return false
	}
	return true
}

func checkIdemKey(k string) error {
	if k == "" {
		return fmt.Errorf("header %s is required on every POST of the workflow API", idemHeader)
	}
	if len(k) > maxIdemKeyLen {
		return fmt.Errorf("header %s: %d characters, want at most %d", idemHeader, len(k), maxIdemKeyLen)
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == ':' || c == '-') {
			return fmt.Errorf("header %s: use [A-Za-z0-9._:-]", idemHeader)
		}
	}
	return nil
}

// wfError writes a workflow error as JSON, or 500 for anything else.
func (w *wfAPI) wfError(rw http.ResponseWriter, r *http.Request, err error) {
	var we *workflow.Error
	if errors.As(err, &we) {
		body := wfErrBody{Code: we.Code, Message: we.Message, AttemptsLeft: we.AttemptsLeft}
		if we.RetryAfter > 0 {
			secs := int((we.RetryAfter + time.Second - 1) / time.Second)
			rw.Header().Set("Retry-After", strconv.Itoa(secs))
			body.RetryAfterSeconds = &secs
		}
		writeJSON(rw, we.Status, map[string]any{"error": body})
		return
	}
	w.internal(rw, r, err)
}

type wfErrBody struct {
	Code         string `json:"code"`
	Message      string `json:"message"`
	AttemptsLeft *int   `json:"attempts_left,omitempty"`
	// RetryAfterSeconds repeats the Retry-After header for scripts.
	RetryAfterSeconds *int `json:"retry_after_seconds,omitempty"`
}

func (w *wfAPI) decode(rw http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(rw, r.Body, wfJSONMaxBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil && !errors.Is(err, io.EOF) {
		writeError(rw, http.StatusBadRequest, "bad_json", "body: "+err.Error())
		return false
	}
	return true
}

func (w *wfAPI) identityCreate(rw http.ResponseWriter, r *http.Request) {
	var in workflow.IdentityInput
	if !w.decode(rw, r, &in) {
		return
	}
	v, err := w.s.engine.CreateIdentity(r.Context(), &in)
	if err != nil {
		w.wfError(rw, r, err)
		return
	}
	if v.Status != workflow.IdentityPending {
		writeJSON(rw, http.StatusCreated, w.identityView(v))
		return
	}
	out := map[string]any{"identity": w.identityView(v)}
	// The development bank only records the deposit: tell the amount, as
	// the company's bank statement would.
	if w.s.bank == nil || in.Enterprise == nil || v.DepositID == "" && v.PendingReason != "" {
		writeJSON(rw, http.StatusAccepted, out)
		return
	}
	if tr, ok := w.s.bank.LastTransfer(in.Enterprise.BankAccount); ok && w.s.devOnly {
		out["dev_amount_cents"] = tr.AmountFen
	}
	writeJSON(rw, http.StatusAccepted, out)
}

// identityRetry runs the check of an identity its provider could not
// decide again (pending_reason provider_unavailable).
func (w *wfAPI) identityRetry(rw http.ResponseWriter, r *http.Request) {
	v, err := w.s.engine.RetryIdentity(r.Context(), r.PathValue("id"))
	if err != nil {
		w.wfError(rw, r, err)
		return
	}
	status := http.StatusOK
	if v.Status == workflow.IdentityPending {
		status = http.StatusAccepted
	}
	writeJSON(rw, status, w.identityView(v))
}

// identityView adds the seal URL.
func (w *wfAPI) identityView(v *workflow.IdentityView) any {
	type out struct {
		*workflow.IdentityView
		SealPNGURL string `json:"seal_png_url,omitempty"`
	}
	o := out{IdentityView: v}
	if v.SealHash != "" {
		o.SealPNGURL = "/v1/wf/identities/" + v.ID + "/seal.png"
	}
	return o
}

func (w *wfAPI) identityGet(rw http.ResponseWriter, r *http.Request) {
	id, err := w.s.engine.Identity(r.PathValue("id"))
	if err != nil {
		w.wfError(rw, r, err)
		return
	}
	writeJSON(rw, http.StatusOK, w.identityView(id.View()))
}

func (w *wfAPI) identitySeal(rw http.ResponseWriter, r *http.Request) {
	id, err := w.s.engine.Identity(r.PathValue("id"))
	if err != nil {
		w.wfError(rw, r, err)
		return
	}
	if len(id.SealPNG) == 0 {
		writeError(rw, http.StatusNotFound, "not_found", "identity "+id.ID+" has no seal yet")
		return
	}
	writeBlob(rw, "image/png", id.SealPNG)
}

func (w *wfAPI) identityDeposit(rw http.ResponseWriter, r *http.Request) {
	var in struct {
		AmountCents int64 `json:"amount_cents"`
	}
	if !w.decode(rw, r, &in) {
		return
	}
	v, err := w.s.engine.ConfirmDeposit(r.Context(), r.PathValue("id"), in.AmountCents)
	if err != nil {
		w.wfError(rw, r, err)
		return
	}
	writeJSON(rw, http.StatusOK, w.identityView(v))
}

func (w *wfAPI) fileUpload(rw http.ResponseWriter, r *http.Request) {
	data, err := io.ReadAll(r.Body)
	if err != nil {
		writeError(rw, http.StatusBadRequest, "bad_request", "read body: "+err.Error())
		return
	}
	sum, err := w.s.engine.PutFile(r.Context(), data)
	if err != nil {
		w.wfError(rw, r, err)
		return
	}
	s2 := sha256.Sum256(data)
	writeJSON(rw, http.StatusCreated, map[string]any{"file_id": hex.EncodeToString(sum[:]), "size": len(data), "sha256": hex.EncodeToString(s2[:])})
}

// contractOut is a contract with its chain records, for the platform.
type contractOut struct {
	*workflow.Contract
	Chain chainOut `json:"chain"`
}

type chainOut struct {
	Pending int                 `json:"pending"`
	Records []workflow.ChainRef `json:"records"`
}

func (w *wfAPI) contractOut(c *workflow.Contract) (*contractOut, error) {
	refs, err := w.s.engine.Refs(c)
	if err != nil {
		return nil, err
	}
	out := &contractOut{Contract: c.Public(), Chain: chainOut{Records: refs}}
	for _, ref := range refs {
		if ref.Status == workflow.RefQueued {
			out.Chain.Pending++
		}
	}
	return out, nil
}

func (w *wfAPI) writeContract(rw http.ResponseWriter, r *http.Request, status int, c *workflow.Contract) {
	out, err := w.contractOut(c)
	if err != nil {
		w.internal(rw, r, err)
		return
	}
	writeJSON(rw, status, out)
}

func (w *wfAPI) contractCreate(rw http.ResponseWriter, r *http.Request) {
	var in workflow.ContractInput
	if !w.decode(rw, r, &in) {
		return
	}
	c, err := w.s.engine.CreateContract(r.Context(), &in)
	if err != nil {
		w.wfError(rw, r, err)
		return
	}
	w.writeContract(rw, r, http.StatusCreated, c)
}

func (w *wfAPI) contractGet(rw http.ResponseWriter, r *http.Request) {
	c, err := w.s.engine.Contract(r.PathValue("id"))
	if err != nil {
		w.wfError(rw, r, err)
		return
	}
	w.writeContract(rw, r, http.StatusOK, c)
}

func (w *wfAPI) contractSend(rw http.ResponseWriter, r *http.Request) {
	c, links, err := w.s.engine.Send(r.Context(), r.PathValue("id"))
	if err != nil {
		w.wfError(rw, r, err)
		return
	}
	out, err := w.contractOut(c)
	if err != nil {
		w.internal(rw, r, err)
		return
	}
	writeJSON(rw, http.StatusOK, map[string]any{"contract": out, "links": links})
}

func (w *wfAPI) contractRemind(rw http.ResponseWriter, r *http.Request) {
	in := struct {
		Party *int `json:"party"`
	}{}
	if !w.decode(rw, r, &in) {
		return
	}
	party := -1
	if in.Party != nil {
		if *in.Party < 0 {
			writeError(rw, http.StatusBadRequest, "bad_field", "field party: negative")
			return
		}
		party = *in.Party
	}
	who, err := w.s.engine.Remind(r.Context(), r.PathValue("id"), party)
	if err != nil {
		w.wfError(rw, r, err)
		return
	}
	writeJSON(rw, http.StatusOK, map[string]any{"reminded": who})
}

func (w *wfAPI) contractVoid(rw http.ResponseWriter, r *http.Request) {
	var in struct {
		Reason string `json:"reason"`
	}
	if !w.decode(rw, r, &in) {
		return
	}
	c, err := w.s.engine.Void(r.Context(), r.PathValue("id"), in.Reason)
	if err != nil {
		w.wfError(rw, r, err)
		return
	}
	w.writeContract(rw, r, http.StatusOK, c)
}

func (w *wfAPI) contractRenew(rw http.ResponseWriter, r *http.Request) {
	var in workflow.RenewInput
	if !w.decode(rw, r, &in) {
		return
	}
	c, err := w.s.engine.Renew(r.Context(), r.PathValue("id"), &in)
	if err != nil {
		w.wfError(rw, r, err)
		return
	}
	w.writeContract(rw, r, http.StatusCreated, c)
}

func (w *wfAPI) contractSearch(rw http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	query := workflow.Query{Text: q.Get("q"), Status: q.Get("status"), Template: q.Get("template"), Party: q.Get("party"),
		Cursor: q.Get("cursor")}
	for _, t := range []struct {
		name string
		dst  *time.Time
	}{{"from", &query.From}, {"to", &query.To}} {
		if v := q.Get(t.name); v != "" {
			tv, err := time.Parse(time.RFC3339, v)
			if err != nil {
				writeError(rw, http.StatusBadRequest, "bad_query", "query "+t.name+": want RFC 3339")
				return
			}
			*t.dst = tv
		}
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 200 {
			writeError(rw, http.StatusBadRequest, "bad_query", "query limit: 1..200")
			return
		}
		query.Limit = n
	}
	cs, next, err := w.s.engine.Search(r.Context(), query)
	if err != nil {
		w.wfError(rw, r, err)
		return
	}
	out := make([]*workflow.Contract, len(cs))
	for i, c := range cs {
		out[i] = c.Public()
	}
	writeJSON(rw, http.StatusOK, map[string]any{"contracts": out, "next_cursor": next})
}

func writeBlob(rw http.ResponseWriter, ct string, b []byte) {
	rw.Header().Set("Content-Type", ct)
	rw.Header().Set("X-Content-Type-Options", "nosniff")
	rw.Header().Set("Content-Length", strconv.Itoa(len(b)))
	rw.WriteHeader(http.StatusOK)
	rw.Write(b)
}

func (w *wfAPI) contractPDF(rw http.ResponseWriter, r *http.Request) {
	b, err := w.s.engine.PDF(r.Context(), r.PathValue("id"))
	if err != nil {
		w.wfError(rw, r, err)
		return
	}
	ct, ext := docType(b)
	rw.Header().Set("Content-Disposition", fmt.Sprintf("inline; filename=%q", r.PathValue("id")+ext))
	writeBlob(rw, ct, b)
}

// evidenceFor answers with the contract's evidence bundle.
func (w *wfAPI) evidenceFor(rw http.ResponseWriter, r *http.Request, id string) {
	ctx, cancel := context.WithTimeout(r.Context(), w.wait)
	defer cancel()
	b, err := w.assemble(ctx, evidence.Subject{ContractID: id})
	switch {
	case errors.Is(err, assemble.ErrNoRecords):
		writeError(rw, http.StatusNotFound, "not_found", "no committed records for contract "+id+" yet")
	case errors.Is(err, context.DeadlineExceeded):
		writeError(rw, http.StatusGatewayTimeout, "timeout", "the checkpoint block was not produced in time")
	case err != nil:
		w.internal(rw, r, err)
	default:
		rw.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", id+"-evidence.json"))
		writeJSON(rw, http.StatusOK, b)
	}
}

func (w *wfAPI) contractEvidence(rw http.ResponseWriter, r *http.Request) {
	c, err := w.s.engine.Contract(r.PathValue("id"))
	if err != nil {
		w.wfError(rw, r, err)
		return
	}
	w.evidenceFor(rw, r, c.ID)
}

func (w *wfAPI) partyCert(rw http.ResponseWriter, r *http.Request) {
	i, err := strconv.Atoi(r.PathValue("i"))
	if err != nil {
		writeError(rw, http.StatusBadRequest, "bad_field", "party index: want a number")
		return
	}
	der, err := w.s.engine.PartyCert(r.PathValue("id"), i)
	if err != nil {
		w.wfError(rw, r, err)
		return
	}
	rw.Header().Set("Content-Disposition", fmt.Sprintf("inline; filename=%q", chain.FingerprintOf(der).String()+".pem"))
	writeBlob(rw, "application/x-pem-file", signer.EncodeCertificatePEM(der))
}

func (w *wfAPI) outboxList(rw http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	channel := q.Get("channel")
	if channel == "" {
		channel = "sms"
	}
	limit := 100
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			writeError(rw, http.StatusBadRequest, "bad_query", "query limit: 1..1000")
			return
		}
		limit = n
	}
	msgs, next, err := w.s.outbox.Pending(r.Context(), channel, q.Get("cursor"), limit)
	if err != nil {
		writeError(rw, http.StatusBadRequest, "bad_query", err.Error())
		return
	}
	if msgs == nil {
		msgs = []notify.Message{}
	}
	writeJSON(rw, http.StatusOK, map[string]any{"messages": msgs, "next_cursor": next})
}

func (w *wfAPI) outboxAck(rw http.ResponseWriter, r *http.Request) {
	var in struct {
		IDs []string `json:"ids"`
	}
	if !w.decode(rw, r, &in) {
		return
	}
	for _, id := range in.IDs {
		if err := w.s.outbox.Ack(r.Context(), id); err != nil {
			writeError(rw, http.StatusNotFound, "not_found", fmt.Sprintf("message %q: %v", id, err))
			return
		}
	}
	writeJSON(rw, http.StatusOK, map[string]any{"acked": len(in.IDs)})
}

func (w *wfAPI) webhookCreate(rw http.ResponseWriter, r *http.Request) {
	var in struct {
		URL    string   `json:"url"`
		Secret string   `json:"secret"`
		Events []string `json:"events"`
	}
	if !w.decode(rw, r, &in) {
		return
	}
	id, err := randomHex(8)
	if err != nil {
		w.internal(rw, r, err)
		return
	}
	sub := notify.Subscription{ID: "wh-" + id, URL: in.URL, Secret: []byte(in.Secret), Events: in.Events}
	if err := w.s.webhooks.Subscribe(r.Context(), sub); err != nil {
		code := "bad_field"
		if errors.Is(err, notify.ErrRefusedTarget) {
			// Loopback, private, link-local...: see workflow.webhook_allow.
			code = "refused_target"
		}
		writeError(rw, http.StatusBadRequest, code, err.Error())
		return
	}
	writeJSON(rw, http.StatusCreated, map[string]any{"id": sub.ID, "url": sub.URL, "events": sub.Events})
}

// webhookDelete removes a subscription; its pending deliveries fail
// without a request.
func (w *wfAPI) webhookDelete(rw http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	err := w.s.webhooks.Unsubscribe(r.Context(), id)
	switch {
	case errors.Is(err, notify.ErrNotFound):
		writeError(rw, http.StatusNotFound, "not_found", fmt.Sprintf("no webhook subscription %q", id))
	case err != nil:
		w.internal(rw, r, err)
	default:
		writeJSON(rw, http.StatusOK, map[string]any{"deleted": id})
	}
}

func (w *wfAPI) webhookList(rw http.ResponseWriter, r *http.Request) {
	subs, err := w.s.webhooks.Subscriptions(r.Context())
	if err != nil {
		w.internal(rw, r, err)
		return
	}
	out := make([]map[string]any, 0, len(subs))
	for _, s := range subs {
		out = append(out, map[string]any{"id": s.ID, "url": s.URL, "events": s.Events, "created": s.Created})
	}
	writeJSON(rw, http.StatusOK, map[string]any{"webhooks": out})
}

func (w *wfAPI) webhookDeliveries(rw http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit := 100
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			writeError(rw, http.StatusBadRequest, "bad_query", "query limit: 1..1000")
			return
		}
		limit = n
	}
	ds, next, err := w.s.webhooks.Deliveries(r.Context(), q.Get("cursor"), limit)
	if err != nil {
		w.internal(rw, r, err)
		return
	}
	if ds == nil {
		ds = []notify.Delivery{}
	}
	writeJSON(rw, http.StatusOK, map[string]any{"deliveries": ds, "next_cursor": next})
}

// signViewOut adds URLs and the document summary the pages show.
type signViewOut struct {
	*workflow.SignView
	PDFURL     string      `json:"pdf_url"`
	SealPNGURL string      `json:"seal_png_url"`
	Document   docSummary  `json:"document"`
	Records    []recordOut `json:"records"`
	SignedAt   string      `json:"signed_at,omitempty"`
	DeclinedAt string      `json:"declined_at,omitempty"`
}

type docSummary struct {
	SM3      string `json:"sm3"`
	Size     int    `json:"size"`
	FileName string `json:"file_name"`
}

// recordOut is one of the party's chain records.
type recordOut struct {
	Type   string  `json:"type"`
	Tx     string  `json:"tx"`
	Status string  `json:"status"`
	Index  *uint64 `json:"index,omitempty"`
	Height int64   `json:"height,omitempty"`
}

func (w *wfAPI) signView(rw http.ResponseWriter, r *http.Request) {
	tok := r.PathValue("token")
	v, err := w.s.engine.View(r.Context(), tok)
	if err != nil {
		w.wfError(rw, r, err)
		return
	}
	out := &signViewOut{SignView: v, PDFURL: "/v1/sign/" + tok + "/pdf", SealPNGURL: "/v1/sign/" + tok + "/seal.png"}
	if pdf, err := w.s.engine.SignerPDF(r.Context(), tok); err == nil {
		_, ext := docType(pdf)
		out.Document = docSummary{SM3: v.CurrentSM3, Size: len(pdf), FileName: v.ContractID + ext}
	}
	if out.Records, out.SignedAt, out.DeclinedAt, err = w.partyRecords(tok); err != nil {
		w.internal(rw, r, err)
		return
	}
	writeJSON(rw, http.StatusOK, out)
}

// partyRecords lists the link holder's own records (intent, signature,
// decline, view) with their chain position, and when the party signed or
// declined (RFC 3339, empty if not).
func (w *wfAPI) partyRecords(tok string) (recs []recordOut, signedAt, declinedAt string, err error) {
	c, i, err := w.s.engine.SignerContract(tok)
	if err != nil {
		return nil, "", "", err
	}
	refs, err := w.s.engine.PartyRefs(c, i)
	if err != nil {
		return nil, "", "", err
	}
	recs = make([]recordOut, 0, len(refs))
	for _, ref := range refs {
		ro := recordOut{Type: ref.Type, Tx: ref.Tx, Status: ref.Status, Index: ref.Index}
		if ref.Index != nil {
			if leaf, err := w.store.View().Entry(*ref.Index); err == nil {
				if en, err := chain.DecodeEntry(leaf); err == nil {
					ro.Height = en.Height
				}
			}
		}
		recs = append(recs, ro)
	}
	p := c.Parties[i]
	if !p.SignedAt.IsZero() {
		signedAt = p.SignedAt.Format(time.RFC3339)
	}
	if p.Status == workflow.PartyDeclined {
		// Party has no decline time of its own; the workflow's history
		// records the "declined" event with the party's index.
		for _, h := range slices.Backward(c.History) {
			if h.Event == "declined" && h.Party != nil && *h.Party == i {
				declinedAt = h.At.UTC().Format(time.RFC3339)
				break
			}
		}
	}
	return recs, signedAt, declinedAt, nil
}

func (w *wfAPI) signPDF(rw http.ResponseWriter, r *http.Request) {
	b, err := w.s.engine.SignerPDF(r.Context(), r.PathValue("token"))
	if err != nil {
		w.wfError(rw, r, err)
		return
	}
	ct, ext := docType(b)
	rw.Header().Set("Content-Disposition", "inline; filename=\"contract"+ext+"\"")
	rw.Header().Set("X-Frame-Options", "SAMEORIGIN")
	writeBlob(rw, ct, b)
}

// docType is a contract file's media type and file extension: a PDF, or
// else an OFD (the workflow stores no other kind). application/ofd is what
// Chinese OFD readers register; it is not an IANA type.
func docType(b []byte) (ct, ext string) {
	if bytes.HasPrefix(b, []byte("%PDF-")) {
		return "application/pdf", ".pdf"
	}
	return "application/ofd", ".ofd"
}

// signPage is GET /v1/sign/{token}/page/{n}: page n (from 1) of an OFD
// contract as a PNG, drawn on this node; X-Sealchain-Unsupported names, when
// set, what the picture could not show (the file itself is authoritative).
// 501 render_unavailable when the node has no renderer.
func (w *wfAPI) signPage(rw http.ResponseWriter, r *http.Request) {
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil || n < 1 || n > 10000 {
		writeError(rw, http.StatusBadRequest, "bad_field", "page: want a page number 1..10000")
		return
	}
	png, unsupported, err := w.s.engine.PageImage(r.Context(), r.PathValue("token"), n)
	if err != nil {
		w.wfError(rw, r, err)
		return
	}
	if len(unsupported) > 0 {
		rw.Header().Set("X-Sealchain-Unsupported", strings.Join(unsupported, "; "))
	}
	rw.Header().Set("Cache-Control", "no-store")
	writeBlob(rw, "image/png", png)
}

func (w *wfAPI) signSeal(rw http.ResponseWriter, r *http.Request) {
	b, err := w.s.engine.SignerSeal(r.PathValue("token"))
	if err != nil {
		w.wfError(rw, r, err)
		return
	}
	writeBlob(rw, "image/png", b)
}

func (w *wfAPI) signCode(rw http.ResponseWriter, r *http.Request) {
	var in struct {
		Purpose string `json:"purpose"` // sign (default) or decline
	}
	if !w.decode(rw, r, &in) {
		return
	}
	res, err := w.s.engine.RequestCode(r.Context(), r.PathValue("token"), in.Purpose)
	if err != nil {
		w.wfError(rw, r, err)
		return
	}
	writeJSON(rw, http.StatusOK, res)
}

func (w *wfAPI) signSign(rw http.ResponseWriter, r *http.Request) {
	var in workflow.SignInput
	if !w.decode(rw, r, &in) {
		return
	}
	tok := r.PathValue("token")
	res, err := w.s.engine.Sign(r.Context(), tok, &in)
	if err != nil {
		w.wfError(rw, r, err)
		return
	}
	writeJSON(rw, http.StatusOK, map[string]any{"status": res.Status, "contract_status": res.ContractStatus,
		"signed_sm3": res.SignedSM3, "download_url": "/v1/sign/" + tok + "/pdf"})
}

func (w *wfAPI) signDecline(rw http.ResponseWriter, r *http.Request) {
	var in workflow.DeclineInput
	if !w.decode(rw, r, &in) {
		return
	}
	res, err := w.s.engine.Decline(r.Context(), r.PathValue("token"), &in)
	if err != nil {
		w.wfError(rw, r, err)
		return
	}
	writeJSON(rw, http.StatusOK, map[string]any{"status": res.Status, "contract_status": res.ContractStatus})
}

func (w *wfAPI) signResult(rw http.ResponseWriter, r *http.Request) {
	tok := r.PathValue("token")
	res, err := w.s.engine.SignerResult(tok)
	if err != nil {
		w.wfError(rw, r, err)
		return
	}
	recs, signedAt, declinedAt, err := w.partyRecords(tok)
	if err != nil {
		w.internal(rw, r, err)
		return
	}
	pending := 0
	for _, rec := range recs {
		if rec.Status == workflow.RefQueued {
			pending++
		}
	}
	writeJSON(rw, http.StatusOK, map[string]any{"party_status": res.PartyStatus, "contract_status": res.ContractStatus,
		"signed_sm3": res.SignedSM3, "current_sm3": res.CurrentSM3, "signed_at": signedAt, "declined_at": declinedAt,
		"download_url": "/v1/sign/" + tok + "/pdf", "evidence_url": "/v1/sign/" + tok + "/evidence",
		"records": recs, "chain": map[string]any{"pending": pending, "contract_pending": res.PendingRecords}})
}

// signEvidence gives a party who signed or declined the contract's bundle.
func (w *wfAPI) signEvidence(rw http.ResponseWriter, r *http.Request) {
	c, i, err := w.s.engine.SignerContract(r.PathValue("token"))
	if err != nil {
		w.wfError(rw, r, err)
		return
	}
	if st := c.Parties[i].Status; st != workflow.PartySigned && st != workflow.PartyDeclined {
		writeError(rw, http.StatusForbidden, "wrong_state", "the evidence bundle is available once you signed or declined")
		return
	}
	w.evidenceFor(rw, r, c.ID)
}

func randomHex(n int) (string, error) {
	b := make([]byte, n)
	if _, err := io.ReadFull(rand.Reader, b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}
