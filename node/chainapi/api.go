package chainapi

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cometbft/cometbft/mempool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/sealchain/sealchain/app"
	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/chain/store"
	"github.com/sealchain/sealchain/client"
	"github.com/sealchain/sealchain/evidence"
	"github.com/sealchain/sealchain/evidence/assemble"
	"github.com/sealchain/sealchain/evidence/report"
	"github.com/sealchain/sealchain/node/httpjson"
	"github.com/sealchain/sealchain/node/submit"
	"github.com/sealchain/sealchain/signer"
)

// API serves the chain and judicial HTTP JSON API. Every error is JSON:
// {"error": {"code", "message"}}.
type API struct {
	caseJobs *caseBuilds // POST /v1/cases (casebuild.go)
	store    Store
	assemble AssembleFn
	chainID  string
	org      string
	sub      *submit.Submitter
	otp      *DevOTP
	wait     time.Duration
	maxBody  int64
	logger   *slog.Logger
	metrics  *httpjson.Metrics
	router   *httpjson.Router // the one Register added the routes to
	status   func(ctx context.Context) (map[string]any, error)
	genesis  []byte
	reg      prometheus.Gatherer
	// auth authenticates the judicial endpoints' callers (auth.go, tls.go).
	auth judicialAuth
	// heavy bounds the public CPU-heavy routes (node/pdfapi.go).
	heavy     *heavy
	heavyOnce sync.Once
	// auditor signs query_logged and report_issued records with this node's org credential.
	auditor *client.Submitter
	// rep makes evidence reports (reports.go).
	rep reporting
	// files are institution cases' PDFs (casefiles.go).
	files caseFiles
	// pkgs are filed cases' packages (filing.go); notifier tells the
	// filer's systems of its cases' changes (caseevents.go).
	pkgs     packages
	notifier CaseNotifier
	// genesisValOrgs maps a genesis validator's public key to its name in
	// the genesis file, which `init` sets to its org id: the chain state
	// records no org for genesis validators.
	genesisValOrgs map[string]string

	// The browser verifier: [api] verifier_wasm or beside the binary (web.go).
	wasm verifierFile
}

// judicialAuth is how the judicial endpoints authenticate: signed
// requests and TLS client certificates, both checked against the chain.
type judicialAuth struct {
	// signed: judicial queries may be signed requests ([api] auth has "signed").
	signed bool
	// mtls, when set, authenticates TLS client certificates ([api] auth has "mtls").
	mtls *ClientVerifier
	// nonces remembers signed requests' nonces, so each is accepted once.
	nonces *nonceCache
	// hosts are the request hosts a signed request may name (apiHosts);
	// notBefore is the earliest request time accepted (this run's start).
	hosts     map[string]bool
	notBefore int64
}

// reporting is what evidence reports need besides the store.
type reporting struct {
	// ca signs evidence reports (through a one-day signer certificate).
	ca *signer.CA
	// pages draws an OFD contract's pages into its evidence report.
	pages report.PageRenderer
	jobs  *reportJobs
	// publicURL is how people reach this node ([api] public_url, else the
	// listen address): report QR codes point to publicURL + "/verify".
	publicURL string
	// publicURLSet: [api] public_url is configured. On a production chain
	// a report needs it (or an explicit verify_url): the fallback is the
	// listen address, often loopback, useless in a judge's QR code.
	publicURLSet bool
	production   bool
}

// publicURLWarning is the startup warning when [api] public_url is empty
// and the node listens on a loopback or unspecified address: links and
// report QR codes would then name an address nobody else can open.
func publicURLWarning(publicURL, bound string) string {
	if publicURL != "" {
		return ""
	}
	host, _, err := net.SplitHostPort(bound)
	if err != nil {
		host = bound
	}
	ip := net.ParseIP(host)
	if host != "localhost" && (ip == nil || !(ip.IsLoopback() || ip.IsUnspecified())) {
		return ""
	}
	return "api.public_url is not set and the API listens on " + bound +
		": report QR codes and signing links will point to http://" + bound + ", which nobody else can open; set [api] public_url"
}

// Register adds the chain API's routes, the verification page included, to rt.
func (a *API) Register(rt *httpjson.Router) {
	a.router = rt
	route := rt.Route
	route("POST /v1/txs", a.submit)
	route("GET /v1/records/{index}", a.judicial(chain.QueryRecord, a.record))
	route("GET /v1/records", a.judicial(chain.QueryTime, a.recordsByTime))
	route("GET /v1/evidence", a.judicial(chain.QueryDocHash, a.evidence))
	route("GET /v1/contracts/{id}", a.judicial(chain.QueryContract, a.contract))
	route("GET /v1/certs/{fingerprint}", a.judicial(chain.QueryCert, a.cert))
	route("GET /v1/txs/{hash}", a.txStatus)
	route("GET /v1/status", a.statusHandler)
	route("GET /v1/orgs", a.orgs)
	route("GET /v1/proposals/{id}", a.proposal)
	route("POST /v1/pdf/verify", a.pdfVerify)
	route("POST /v1/ofd/verify", a.ofdVerify)
	route("POST /v1/reports", a.judicial(chain.QueryContract, a.reportCreate))
	route("GET /v1/reports/{id}", a.judicial(chain.QueryContract, a.reportStatus))
	route("GET /v1/reports/{id}/pdf", a.judicial(chain.QueryContract, a.reportPDF))
	route("POST /v1/seals/render", a.sealRender)
	route("GET /v1/validators", a.validators)
	route("GET /v1/genesis", a.genesisHandler)
	route("POST /v1/dev/otp/challenges", a.otpChallenge)
	route("POST /v1/dev/otp/verifications", a.otpVerify)
	route("POST /v1/dev/identity/attestations", a.identityAttest)
	route("GET /healthz", a.healthz)
	a.registerCases(route)
	if a.reg != nil {
		rt.Handle("GET /metrics", promhttp.HandlerFor(a.reg, promhttp.HandlerOpts{}))
	}
	a.registerWeb(route)
}

// internal answers 500 and logs the error.
func (a *API) internal(w http.ResponseWriter, r *http.Request, err error) {
	httpjson.Internal(a.logger, w, r, err)
}

// txBodyLimit bounds a POST /v1/txs body: [api] max_body_bytes, but at
// least what a batch of chain.MaxBatchBytes needs in the content type
// given (base64 in JSON), so a batch the chain accepts is never refused
// here.
func (a *API) txBodyLimit(contentType string) int64 {
	need := int64(chain.MaxBatchBytes)
	if strings.HasPrefix(contentType, "application/json") {
		need = int64(base64.StdEncoding.EncodedLen(chain.MaxBatchBytes)) + 64
	}
	return max(a.maxBody, need)
}

// readTx accepts the raw tx bytes (application/octet-stream) or JSON
// {"tx": "<base64>"}: a standalone tx or a batch.
func (a *API) readTx(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	limit := a.txBodyLimit(r.Header.Get("Content-Type"))
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			httpjson.WriteError(w, http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("body exceeds %d bytes", limit))
		} else {
			httpjson.WriteError(w, http.StatusBadRequest, "bad_request", "read body: "+err.Error())
		}
		return nil, false
	}
	ct := r.Header.Get("Content-Type")
	if strings.HasPrefix(ct, "application/json") {
		var in struct {
			Tx string `json:"tx"`
		}
		dec := json.NewDecoder(strings.NewReader(string(body)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&in); err != nil {
			httpjson.WriteError(w, http.StatusBadRequest, "bad_json", "body: "+err.Error())
			return nil, false
		}
		tx, err := base64.StdEncoding.DecodeString(in.Tx)
		if err != nil {
			httpjson.WriteError(w, http.StatusBadRequest, "bad_field", "field tx: not standard base64: "+err.Error())
			return nil, false
		}
		body = tx
	} else if ct != "" && !strings.HasPrefix(ct, "application/octet-stream") {
		httpjson.WriteError(w, http.StatusUnsupportedMediaType, "unsupported_media_type", "send application/octet-stream (raw tx) or application/json {\"tx\": base64}")
		return nil, false
	}
	if len(body) == 0 {
		httpjson.WriteError(w, http.StatusBadRequest, "bad_field", "field tx: empty")
		return nil, false
	}
	return body, true
}

func (a *API) submit(w http.ResponseWriter, r *http.Request) {
	tx, ok := a.readTx(w, r)
	if !ok {
		return
	}
	wait := r.URL.Query().Get("wait")
	if wait != "" && wait != "commit" && wait != "none" {
		httpjson.WriteError(w, http.StatusBadRequest, "bad_query", "query wait: want commit or none")
		return
	}
	h := chain.TxHash(tx)
	res := client.SubmitResult{TxHash: h.String()}
	// A batch is answered with its records' hashes. One that does not
	// decode goes on all the same: CheckTx names what is wrong.
	batch := chain.IsBatch(tx)
	if batch {
		if b, err := chain.DecodeBatch(tx, nil); err == nil {
			res.Records = make([]string, len(b.Items))
			for i, it := range b.Items {
				res.Records[i] = it.ItemHash().String()
			}
		}
	}
	ctx, cancel := context.WithTimeout(r.Context(), a.wait)
	defer cancel()
	// Alone, never batched by this node: the caller knows it by its tx
	// hash, which a batch's record does not keep.
	o, err := a.sub.SubmitAlone(ctx, tx)
	if err != nil {
		a.internal(w, r, err)
		return
	}
	switch {
	case o.Status == submit.Replay && o.Indexed:
		// Already committed: answer as for a replay, which is what it is.
		httpjson.Write(w, http.StatusConflict, httpjson.ErrorBody{Error: httpjson.Error{Code: "tx_rejected", ABCICode: o.Code, Codespace: o.Codespace,
			Message: "field tx: " + o.Log, TxHash: h.String()}})
		return
	case o.Status == submit.Rejected, o.Status == submit.Replay && o.Code != app.CodeOK:
		httpjson.Write(w, http.StatusUnprocessableEntity, httpjson.ErrorBody{Error: httpjson.Error{Code: "tx_rejected", ABCICode: o.Code,
			Codespace: o.Codespace, Message: o.Log, TxHash: h.String()}})
		return
	case o.Status == submit.TooLarge:
		msg := o.Err.Error()
		var tooLarge mempool.ErrTxTooLarge
		if errors.As(o.Err, &tooLarge) {
			msg = fmt.Sprintf("tx of %d bytes exceeds the mempool limit of %d", tooLarge.Actual, tooLarge.Max)
		}
		httpjson.WriteError(w, http.StatusRequestEntityTooLarge, "too_large", msg)
		return
	case o.Status == submit.MempoolFull, o.Status == submit.Unavailable:
		httpjson.WriteError(w, http.StatusServiceUnavailable, "mempool_unavailable", "submit to mempool: "+o.Err.Error())
		return
	}
	// Pending, or the same bytes already in the mempool: the caller is retrying.
	if wait != "commit" {
		httpjson.Write(w, http.StatusAccepted, res)
		return
	}
	if batch {
		status, body := a.waitBatch(ctx, h, res.Records)
		httpjson.Write(w, status, body)
		return
	}
	o, err = a.sub.Wait(ctx, h)
	status, body := a.outcomeAnswer(h, o, err)
	httpjson.Write(w, status, body)
}

// waitBatch polls a batch's outcome until its block is committed or ctx
// ends.
func (a *API) waitBatch(ctx context.Context, h chain.Hash, records []string) (int, any) {
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for {
		bo, ok, err := a.sub.BatchResult(ctx, h)
		if err != nil || ok {
			return a.batchAnswer(h, bo, err)
		}
		select {
		case <-ctx.Done():
			return http.StatusGatewayTimeout, httpjson.ErrorBody{Error: httpjson.Error{Code: "timeout", TxHash: h.String(),
				Message: "batch accepted into the mempool but not committed within the wait timeout; poll GET /v1/txs/" + h.String() +
					" (records: " + strconv.Itoa(len(records)) + ")"}}
		case <-t.C:
		}
	}
}

// batchAnswer is the HTTP answer for a committed batch: 200 with each
// record's result, or 422 when FinalizeBlock refused it whole.
func (a *API) batchAnswer(h chain.Hash, bo submit.BatchOutcome, err error) (int, any) {
	if err != nil {
		a.logger.Error("batch lookup", "tx", h.String(), "err", err)
		return http.StatusInternalServerError, httpjson.ErrorBody{Error: httpjson.Error{Code: "internal", Message: "internal error; see the node log"}}
	}
	if bo.Code != app.CodeOK {
		return http.StatusUnprocessableEntity, httpjson.ErrorBody{Error: httpjson.Error{Code: "tx_rejected", ABCICode: bo.Code,
			Codespace: bo.Codespace, Message: bo.Log, TxHash: h.String()}}
	}
	res := client.SubmitResult{TxHash: h.String(), Committed: true, Height: bo.Height,
		Records: make([]string, len(bo.Records)), Results: make([]client.RecordResult, len(bo.Records))}
	for i, r := range bo.Records {
		res.Records[i] = r.Hash.String()
		rr := client.RecordResult{RecordHash: r.Hash.String(), Code: r.Code}
		if r.Code == app.CodeOK {
			idx := r.Index
			rr.LogIndex = &idx
		} else {
			rr.Log = r.Log
		}
		res.Results[i] = rr
	}
	return http.StatusOK, res
}

// outcomeAnswer is the HTTP answer for a tx's outcome (Result or Wait).
func (a *API) outcomeAnswer(h chain.Hash, o submit.Outcome, err error) (int, any) {
	switch {
	case err != nil:
		a.logger.Error("tx lookup", "tx", h.String(), "err", err)
		return http.StatusInternalServerError, httpjson.ErrorBody{Error: httpjson.Error{Code: "internal", Message: "internal error; see the node log"}}
	case o.Status == submit.Committed:
		i, bt := o.Index, o.BlockTime
		return http.StatusOK, client.SubmitResult{TxHash: h.String(), Committed: true, Height: o.Height, LogIndex: &i, BlockTime: &bt}
	case o.Status == submit.Rejected:
		return http.StatusUnprocessableEntity, httpjson.ErrorBody{Error: httpjson.Error{Code: "tx_rejected", ABCICode: o.Code,
			Codespace: o.Codespace, Message: o.Log, TxHash: h.String()}}
	case o.Status == submit.Unavailable:
		return http.StatusGatewayTimeout, httpjson.ErrorBody{Error: httpjson.Error{Code: "timeout", TxHash: h.String(),
			Message: "transaction accepted into the mempool but not committed within the wait timeout; poll GET /v1/txs/" + h.String()}}
	}
	return 0, nil
}

func (a *API) txStatus(w http.ResponseWriter, r *http.Request) {
	raw, err := hex.DecodeString(r.PathValue("hash"))
	if err != nil || len(raw) != 32 {
		httpjson.WriteError(w, http.StatusBadRequest, "bad_path", "path hash: want 64 hex digits")
		return
	}
	o, err := a.sub.Result(r.Context(), chain.Hash(raw))
	status, body := a.outcomeAnswer(chain.Hash(raw), o, err)
	if status == 0 {
		// Not a committed record: a batch's hash answers its records.
		if bo, ok, err := a.sub.BatchResult(r.Context(), chain.Hash(raw)); err != nil || ok {
			status, body = a.batchAnswer(chain.Hash(raw), bo, err)
		}
	}
	if status == 0 {
		httpjson.WriteError(w, http.StatusNotFound, "not_found", "transaction "+strings.ToUpper(hex.EncodeToString(raw))+" is not committed (it may still be pending)")
		return
	}
	httpjson.Write(w, status, body)
}

func (a *API) record(w http.ResponseWriter, r *http.Request) {
	i, err := strconv.ParseUint(r.PathValue("index"), 10, 64)
	if err != nil {
		httpjson.WriteError(w, http.StatusBadRequest, "bad_path", "path index: want a non-negative integer")
		return
	}
	last := a.store.Last()
	if i >= last.LogSize {
		httpjson.WriteError(w, http.StatusNotFound, "not_found", fmt.Sprintf("record %d: the log has %d records", i, last.LogSize))
		return
	}
	leaf, err := a.store.View().Entry(i)
	if err != nil {
		a.internal(w, r, err)
		return
	}
	view, tx, err := evidence.Describe(leaf)
	if err != nil {
		a.internal(w, r, err)
		return
	}
	if !a.allowRecord(w, r, tx) {
		return
	}
	proof, err := a.store.InclusionProof(i, last.LogSize)
	if err != nil {
		a.internal(w, r, err)
		return
	}
	httpjson.Write(w, http.StatusOK, map[string]any{
		"record": view, "leaf": leaf,
		"inclusion": map[string]any{"log_size": last.LogSize, "log_root": hex.EncodeToString(last.LogRoot), "height": last.Height, "proof": proof},
	})
}

// recordsByTime lists records whose block time is in [from, to), a page at a
// time, each with its inclusion proof against one committed log size (the
// checkpoint in the answer; its app hash is signed in the next header). A
// platform sees only its own records.
func (a *API) recordsByTime(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	from, err1 := time.Parse(time.RFC3339Nano, q.Get("from"))
	to, err2 := time.Parse(time.RFC3339Nano, q.Get("to"))
	if err1 != nil || err2 != nil || !from.Before(to) {
		httpjson.WriteError(w, http.StatusBadRequest, "bad_query", "query from, to: RFC 3339 times with from before to")
		return
	}
	limit := 100
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			httpjson.WriteError(w, http.StatusBadRequest, "bad_query", "query limit: 1..1000")
			return
		}
		limit = n
	}
	cq := store.Query{Limit: limit, UpTo: a.store.Last().LogSize}
	if v := q.Get("after"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			httpjson.WriteError(w, http.StatusBadRequest, "bad_query", "query after: a log index (the previous page's next)")
			return
		}
		cq.After, cq.HaveAfter = n, true
	}
	last := a.store.Last()
	cq.UpTo = last.LogSize
	view := a.store.View()
	page, err := view.ByTime(from, to, cq)
	if err != nil {
		a.internal(w, r, err)
		return
	}
	c := callerFrom(r.Context())
	type item struct {
		Record *evidence.RecordView `json:"record"`
		Leaf   []byte               `json:"leaf"`
		Proof  [][]byte             `json:"proof"`
	}
	items := []item{}
	var open map[string]bool // an institution caller's contracts (caseInstitution)
	for _, i := range page.Indexes {
		leaf, err := view.Entry(i)
		if err != nil {
			a.internal(w, r, err)
			return
		}
		rv, tx, err := evidence.Describe(leaf)
		if err != nil {
			a.internal(w, r, err)
			return
		}
		if !c.seesAll() && a.owner(tx) != c.org.ID {
			if !isInstitution(c.org.Role) {
				continue
			}
			if open == nil {
				// One scan of the cases per page, not one per record.
				if open, err = a.institutionContracts(c.org.ID); err != nil {
					a.internal(w, r, err)
					return
				}
			}
			if id := tx.Body.ContractID(); id == "" || !open[id] {
				continue
			}
		}
		proof, err := a.store.InclusionProof(i, last.LogSize)
		if err != nil {
			a.internal(w, r, err)
			return
		}
		items = append(items, item{rv, leaf, proof})
	}
	out := map[string]any{
		"checkpoint": map[string]any{"height": last.Height, "log_size": last.LogSize, "log_root": hex.EncodeToString(last.LogRoot),
			"state_root": hex.EncodeToString(last.StateRoot), "app_hash": fmt.Sprintf("%X", last.AppHash)},
		"records": items,
	}
	if page.More {
		out["next"] = page.Next
	}
	httpjson.Write(w, http.StatusOK, out)
}

func (a *API) evidence(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s := evidence.Subject{DocHash: q.Get("doc_hash"), ContractID: q.Get("contract_id"), Cert: q.Get("cert")}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > evidence.MaxSubjectRecords {
			httpjson.WriteError(w, http.StatusBadRequest, "bad_query", fmt.Sprintf("query limit: 1..%d", evidence.MaxSubjectRecords))
			return
		}
		s.Limit = n
	}
	if v := q.Get("after"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			httpjson.WriteError(w, http.StatusBadRequest, "bad_query", "query after: a log index (the previous bundle's next)")
			return
		}
		s.After = &n
	}
	if v := q.Get("since_size"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil || n == 0 {
			httpjson.WriteError(w, http.StatusBadRequest, "bad_query", "query since_size: a positive log size you already trust")
			return
		}
		s.SinceSize = n
	}
	n := 0
	for _, v := range []string{s.DocHash, s.ContractID, s.Cert} {
		if v != "" {
			n++
		}
	}
	if n != 1 {
		httpjson.WriteError(w, http.StatusBadRequest, "bad_query", "give exactly one of doc_hash, contract_id, cert")
		return
	}
	// The role first: a platform asking for another's evidence is refused
	// before the bundle is assembled (headers waited for, proofs built).
	if !callerFrom(r.Context()).seesAll() && !a.allowSubject(w, r, s) {
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), a.wait)
	defer cancel()
	b, err := a.assemble(ctx, s)
	switch {
	case errors.Is(err, assemble.ErrNoRecords):
		httpjson.WriteError(w, http.StatusNotFound, "not_found", "no records match "+describeSubject(s))
		return
	case errors.Is(err, context.DeadlineExceeded):
		httpjson.WriteError(w, http.StatusGatewayTimeout, "timeout", "the checkpoint block was not produced in time: "+err.Error())
		return
	case errors.Is(err, store.ErrCorrupt):
		a.logger.Error("store corruption detected while assembling evidence", "err", err)
		httpjson.WriteError(w, http.StatusInternalServerError, "store_corrupt", "this node's store does not match its own Merkle log; ask another validator and tell this node's operator")
		return
	case errors.Is(err, evidence.ErrBadSubject):
		httpjson.WriteError(w, http.StatusBadRequest, "bad_query", "query "+err.Error())
		return
	case err != nil:
		a.internal(w, r, err)
		return
	}
	if c := callerFrom(r.Context()); !c.seesAll() && !a.institutionSeesContract(c, s) {
		// The organisations of the contract's cases (applicants,
		// institutions): the bundle holds the certificate records of the
		// staff, judges and examiners they named, part of the contract's
		// evidence for its owner.
		caseOrgs, err := a.caseOrgs(s.ContractID)
		if err != nil {
			a.internal(w, r, err)
			return
		}
		// Again over the whole bundle: it also holds the records of the
		// subject's contracts and certificates, which may be another's.
		for _, rec := range b.Records {
			_, tx, err := evidence.Describe(rec.Leaf)
			if err != nil {
				a.internal(w, r, err)
				return
			}
			if tx.Body.ContractID() == "" && caseOrgs[tx.Envelope.Org] {
				continue
			}
			if !a.allowRecord(w, r, tx) {
				return
			}
		}
	}
	httpjson.Write(w, http.StatusOK, b)
}

// allowSubject checks, for a caller who may see only its own evidence, the
// subject's own records (what the subject index lists, before any
// expansion) and the contract or certificate it names; it answers 403 and
// returns false if any is another organisation's. A malformed subject
// passes: Assemble answers it with 400.
func (a *API) allowSubject(w http.ResponseWriter, r *http.Request, s evidence.Subject) bool {
	view := a.store.View()
	q := store.Query{Limit: evidence.MaxSubjectRecords, UpTo: a.store.Last().LogSize}
	var page store.Page
	var err error
	switch {
	case s.ContractID != "":
		if a.institutionSeesContract(callerFrom(r.Context()), s) {
			// The whole contract's evidence, its parties' certificate
			// records included, as the contract's owner sees it.
			return true
		}
		c, ok, cerr := view.Contract(s.ContractID)
		if cerr != nil {
			a.internal(w, r, cerr)
			return false
		}
		if ok && !a.allowOrg(w, r, c.Org) {
			return false
		}
		page, err = view.ByContract(s.ContractID, q)
	case s.Cert != "":
		fp, perr := signer.ParseFingerprint(s.Cert)
		if perr != nil {
			return true
		}
		cs, ok, cerr := view.Cert(chain.Fingerprint(fp))
		if cerr != nil {
			a.internal(w, r, cerr)
			return false
		}
		if ok && !a.allowOrg(w, r, cs.Org) {
			return false
		}
		page, err = view.ByCert(chain.Fingerprint(fp), q)
	default:
		h, herr := hex.DecodeString(s.DocHash)
		if herr != nil || len(h) != 32 {
			return true
		}
		page, err = view.ByDoc(h, q)
	}
	if err != nil {
		a.internal(w, r, err)
		return false
	}
	for _, i := range page.Indexes {
		leaf, err := view.Entry(i)
		if err != nil {
			a.internal(w, r, err)
			return false
		}
		_, tx, err := evidence.Describe(leaf)
		if err != nil {
			a.internal(w, r, err)
			return false
		}
		if !a.allowRecord(w, r, tx) {
			return false
		}
	}
	return true
}

// caseOrgs are the applicants and institutions of contract's cases (none
// for contract "").
func (a *API) caseOrgs(contract string) (map[string]bool, error) {
	out := map[string]bool{}
	if contract == "" {
		return out, nil
	}
	err := a.store.View().Cases(func(cs *chain.CaseState) bool {
		if cs.Contract == contract {
			out[cs.Applicant], out[cs.Institution] = true, true
		}
		return true
	})
	return out, err
}

// institutionSeesContract reports whether s is a contract subject that c,
// a notary office or appraisal institution, may see whole: it has a case on
// the contract (caseInstitution). An error counts as no.
func (a *API) institutionSeesContract(c *caller, s evidence.Subject) bool {
	if c == nil || s.ContractID == "" || !isInstitution(c.org.Role) {
		return false
	}
	ok, err := a.caseInstitution(c.org.ID, s.ContractID)
	if err != nil {
		a.logger.Error("case scan", "err", err)
	}
	return ok && err == nil
}

// owner is the organisation a record belongs to for access control: its
// contract's, or else the organisation that submitted it.
func (a *API) owner(tx *chain.Tx) string {
	if id := tx.Body.ContractID(); id != "" {
		if c, ok, err := a.store.View().Contract(id); err == nil && ok {
			return c.Org
		}
	}
	return tx.Envelope.Org
}

func describeSubject(s evidence.Subject) string {
	switch {
	case s.DocHash != "":
		return "doc_hash " + s.DocHash
	case s.ContractID != "":
		return "contract_id " + s.ContractID
	}
	return "cert " + s.Cert
}

func (a *API) contract(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if err := chain.ValidateID("contract_id", id); err != nil {
		httpjson.WriteError(w, http.StatusBadRequest, "bad_path", "path "+err.Error())
		return
	}
	view := a.store.View()
	c, ok, err := view.Contract(id)
	if err != nil {
		a.internal(w, r, err)
		return
	}
	if !ok {
		httpjson.WriteError(w, http.StatusNotFound, "not_found", fmt.Sprintf("contract %q does not exist", id))
		return
	}
	if !a.allowContract(w, r, c.Org, c.ID) {
		return
	}
	page, err := view.ByContract(id, store.Query{Limit: evidence.MaxSubjectRecords, UpTo: a.store.Last().LogSize})
	if err != nil {
		a.internal(w, r, err)
		return
	}
	timeline := make([]*evidence.RecordView, 0, len(page.Indexes))
	for _, i := range page.Indexes {
		leaf, err := view.Entry(i)
		if err != nil {
			a.internal(w, r, err)
			return
		}
		rv, _, err := evidence.Describe(leaf)
		if err != nil {
			a.internal(w, r, err)
			return
		}
		timeline = append(timeline, rv)
	}
	parties := make([]map[string]any, len(c.Parties))
	for i, p := range c.Parties {
		parties[i] = map[string]any{"cert": p.String(), "signed": c.Signed[i], "intent_verified": c.Intent[i]}
	}
	httpjson.Write(w, http.StatusOK, map[string]any{
		"contract_id": c.ID, "org": c.Org, "status": c.Status.String(), "doc_sm3": hex.EncodeToString(c.DocSM3),
		"order": c.Order.String(), "deadline": c.Deadline, "parties": parties, "timeline": timeline,
	})
}

func (a *API) cert(w http.ResponseWriter, r *http.Request) {
	fp, err := signer.ParseFingerprint(r.PathValue("fingerprint"))
	if err != nil {
		httpjson.WriteError(w, http.StatusBadRequest, "bad_path", "path fingerprint: "+err.Error())
		return
	}
	cs, ok, err := a.store.View().Cert(chain.Fingerprint(fp))
	if err != nil {
		a.internal(w, r, err)
		return
	}
	if !ok {
		httpjson.WriteError(w, http.StatusNotFound, "not_found", "certificate "+fp.String()+" is not registered")
		return
	}
	if !a.allowOrg(w, r, cs.Org) {
		return
	}
	c, err := signer.ParseCertificate(cs.DER)
	if err != nil {
		a.internal(w, r, err)
		return
	}
	out := map[string]any{
		"fingerprint": fp.String(), "org": cs.Org, "status": "valid",
		"subject": c.Subject.String(), "issuer": c.Issuer.String(), "serial": c.SerialNumber.Text(16),
		"not_before": c.NotBefore.UTC(), "not_after": c.NotAfter.UTC(), "cert_pem": string(signer.EncodeCertificatePEM(cs.DER)),
	}
	if cs.AtGenesis() {
		out["issued_at_genesis"] = true // a genesis credential: no record holds it
	} else {
		out["issued_in"] = cs.IssuedIn
	}
	if ref := signer.IdentityRefOf(c); len(ref) > 0 {
		out["identity_ref"] = hex.EncodeToString(ref)
	}
	if cs.Revoked() {
		out["status"] = "revoked"
		out["revoked_at"] = cs.RevokedAt
		out["revoked_in"] = cs.RevokedIn
		out["reason"] = uint32(cs.Reason)
	}
	// ?at=RFC3339: "was it valid when it signed?"
	if at := r.URL.Query().Get("at"); at != "" {
		t, err := time.Parse(time.RFC3339Nano, at)
		if err != nil {
			httpjson.WriteError(w, http.StatusBadRequest, "bad_query", "query at: want an RFC 3339 time: "+err.Error())
			return
		}
		status := "valid"
		switch {
		case t.Before(c.NotBefore):
			status = "not_yet_valid"
		case t.After(c.NotAfter):
			status = "expired"
		case cs.RevokedBy(t):
			status = "revoked"
		}
		out["at"] = t.UTC()
		out["status_at"] = status
	}
	httpjson.Write(w, http.StatusOK, out)
}

func (a *API) orgs(w http.ResponseWriter, r *http.Request) {
	orgs, err := a.store.View().Orgs()
	if err != nil {
		a.internal(w, r, err)
		return
	}
	out := make([]map[string]any, len(orgs))
	for i, o := range orgs {
		out[i] = map[string]any{"id": o.ID, "name": o.Name, "role": o.Role, "weight": o.Weight, "ca_cert": string(signer.EncodeCertificatePEM(o.CACert))}
	}
	httpjson.Write(w, http.StatusOK, map[string]any{"orgs": out})
}

func (a *API) proposal(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if err := chain.ValidateID("proposal_id", id); err != nil {
		httpjson.WriteError(w, http.StatusBadRequest, "bad_path", "path "+err.Error())
		return
	}
	ps, ok, err := a.store.View().Proposal(id)
	if err != nil {
		a.internal(w, r, err)
		return
	}
	if !ok {
		httpjson.WriteError(w, http.StatusNotFound, "not_found", fmt.Sprintf("proposal %q does not exist", id))
		return
	}
	httpjson.Write(w, http.StatusOK, map[string]any{
		"proposal_id": ps.Proposal.ID, "kind": ps.Proposal.Kind.String(), "proposer": ps.Proposer,
		"status": ps.Status.String(), "yes": ps.Yes, "no": ps.No, "decided_height": ps.DecidedHeight,
		"created_in": ps.CreatedIn, "expires": ps.Proposal.Expires, "change": evidence.BodyFields(ps.Proposal),
	})
}

func (a *API) validators(w http.ResponseWriter, r *http.Request) {
	vals, err := a.store.View().Validators()
	if err != nil {
		a.internal(w, r, err)
		return
	}
	out := make([]map[string]any, len(vals))
	for i, v := range vals {
		out[i] = map[string]any{"pub_key": v.PubKey, "power": v.Power, "org": v.Org}
	}
	httpjson.Write(w, http.StatusOK, map[string]any{"validators": out, "note": "the app's view after the last committed block; CometBFT applies changes two heights later"})
}

func (a *API) genesisHandler(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(a.genesis)
}

func (a *API) statusHandler(w http.ResponseWriter, r *http.Request) {
	st, err := a.status(r.Context())
	if err != nil {
		a.internal(w, r, err)
		return
	}
	httpjson.Write(w, http.StatusOK, st)
}

func (a *API) healthz(w http.ResponseWriter, r *http.Request) {
	httpjson.Write(w, http.StatusOK, map[string]any{"ok": true, "height": a.store.Last().Height})
}

// decodeJSON reads a small JSON body strictly.
func (a *API) decodeJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		httpjson.WriteError(w, http.StatusBadRequest, "bad_json", "body: "+err.Error())
		return false
	}
	return true
}

type otpRequest struct {
	ChallengeID string `json:"challenge_id,omitempty"`
	ContractID  string `json:"contract_id"`
	Signer      string `json:"signer"`
	Code        string `json:"code,omitempty"`
}

func (a *API) otpSubject(w http.ResponseWriter, in *otpRequest) (string, chain.Fingerprint, bool) {
	if a.otp == nil {
		httpjson.WriteError(w, http.StatusNotFound, "not_enabled", "the development OTP verifier is off ([intent] dev_otp)")
		return "", chain.Fingerprint{}, false
	}
	if err := chain.ValidateID("contract_id", in.ContractID); err != nil {
		httpjson.WriteError(w, http.StatusBadRequest, "bad_field", err.Error())
		return "", chain.Fingerprint{}, false
	}
	fp, err := signer.ParseFingerprint(in.Signer)
	if err != nil {
		httpjson.WriteError(w, http.StatusBadRequest, "bad_field", "field signer: "+err.Error())
		return "", chain.Fingerprint{}, false
	}
	return in.ContractID + "/" + fp.String(), chain.Fingerprint(fp), true
}

// otpChallenge starts a development OTP challenge. A real verifier would send
// the code by SMS to the signer's verified phone; this one returns it.
func (a *API) otpChallenge(w http.ResponseWriter, r *http.Request) {
	var in otpRequest
	if !a.decodeJSON(w, r, &in) {
		return
	}
	subject, _, ok := a.otpSubject(w, &in)
	if !ok {
		return
	}
	id, code, err := a.otp.OTP.Challenge(subject)
	if err != nil {
		a.internal(w, r, err)
		return
	}
	httpjson.Write(w, http.StatusCreated, map[string]any{"challenge_id": id, "code": code, "dev_only": true})
}

func (a *API) otpVerify(w http.ResponseWriter, r *http.Request) {
	var in otpRequest
	if !a.decodeJSON(w, r, &in) {
		return
	}
	subject, fp, ok := a.otpSubject(w, &in)
	if !ok {
		return
	}
	ch, at, err := a.otp.OTP.Check(in.ChallengeID, subject, in.Code)
	switch {
	case errors.Is(err, signer.ErrOTPAttempts):
		httpjson.WriteError(w, http.StatusTooManyRequests, "otp_attempts", "too many wrong codes; start a new challenge")
		return
	case errors.Is(err, signer.ErrOTPMismatch):
		httpjson.WriteError(w, http.StatusUnprocessableEntity, "otp_mismatch", "field code: wrong code")
		return
	case errors.Is(err, signer.ErrOTPExpired), errors.Is(err, signer.ErrOTPUnknown):
		httpjson.WriteError(w, http.StatusUnprocessableEntity, "otp_unknown", "field challenge_id: unknown, used or expired challenge")
		return
	case err != nil:
		a.internal(w, r, err)
		return
	}
	body := &chain.IntentVerified{
		Contract: in.ContractID, Signer: fp, Method: chain.IntentSMSOTP,
		ChallengeHash: ch[:], VerifiedAt: at.UnixMilli(), VerifierCert: a.otp.Cert,
	}
	sig, err := a.otp.Key.Sign(nil, body.AttestationBytes(a.chainID))
	if err != nil {
		a.internal(w, r, err)
		return
	}
	httpjson.Write(w, http.StatusOK, client.IntentAttestation{
		ContractID: body.Contract, Signer: fp.String(), Method: body.Method.String(),
		ChallengeHash: hex.EncodeToString(ch[:]), VerifiedAtMS: body.VerifiedAt,
		VerifierCert: a.otp.Cert, VerifierSig: sig,
	})
}

// identityAttest is the development identity verifier: it attests a
// commitment the caller computed (signer.IdentityCommitment) without seeing
// the identity. A real verifier checks the person (face, carrier
// three-factor) or the company before signing.
func (a *API) identityAttest(w http.ResponseWriter, r *http.Request) {
	if a.otp == nil {
		httpjson.WriteError(w, http.StatusNotFound, "not_enabled", "the development verifier is off ([intent] dev_otp)")
		return
	}
	var in struct {
		IdentityRef string `json:"identity_ref"`
		Subject     string `json:"subject"`
		Method      string `json:"method"`
	}
	if !a.decodeJSON(w, r, &in) {
		return
	}
	ref, err := hex.DecodeString(in.IdentityRef)
	if err != nil || len(ref) != 32 {
		httpjson.WriteError(w, http.StatusBadRequest, "bad_field", "field identity_ref: want 64 hex digits")
		return
	}
	subject := chain.SubjectPerson
	switch in.Subject {
	case "", "person":
	case "enterprise":
		subject = chain.SubjectEnterprise
	default:
		httpjson.WriteError(w, http.StatusBadRequest, "bad_field", "field subject: want person or enterprise")
		return
	}
	method, err := chain.ParseIdentityMethod(in.Method)
	if err != nil {
		httpjson.WriteError(w, http.StatusBadRequest, "bad_field", "field method: "+err.Error())
		return
	}
	body := &chain.IdentityVerified{IdentityRef: ref, Subject: subject, Method: method,
		VerifiedAt: time.Now().UnixMilli(), VerifierCert: a.otp.Cert}
	sig, err := a.otp.Key.Sign(nil, body.AttestationBytes(a.chainID))
	if err != nil {
		a.internal(w, r, err)
		return
	}
	body.VerifierSig = sig
	if err := body.Validate(); err != nil {
		httpjson.WriteError(w, http.StatusBadRequest, "bad_field", err.Error())
		return
	}
	httpjson.Write(w, http.StatusOK, map[string]any{
		"identity_ref": in.IdentityRef, "subject": in.Subject, "method": method.String(), "verified_at_ms": body.VerifiedAt,
		"verifier_cert": a.otp.Cert, "verifier_sig": sig, "dev_only": true,
	})
}
