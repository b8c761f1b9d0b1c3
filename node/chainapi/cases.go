package chainapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/emmansun/gmsm/sm3"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/chain/store"
	"github.com/sealchain/sealchain/client"
	"github.com/sealchain/sealchain/evidence"
	"github.com/sealchain/sealchain/node/httpjson"
	"github.com/sealchain/sealchain/node/submit"
	"github.com/sealchain/sealchain/signer"
)

// Institution cases (chain/case.go; docs/api.md "Cases"): a platform
// applies to a notary office for a notarial certificate, a court
// commissions an appraisal institution; the institution accepts or rejects
// and issues. Every step is a record the node submits under its own
// organisation's envelope, so a step is taken on the acting organisation's
// own node, by a caller of that organisation (with [api] auth = open, the
// caller is the node's organisation and credential).

// Names of the bits and numbers the case records carry.
var (
	scopeNames = []struct {
		name string
		bit  uint32
	}{{"contract", chain.ScopeContract}, {"signed_pdf", chain.ScopeSignedPDF}, {"timeline", chain.ScopeTimeline}}
	itemNames = []struct {
		name string
		bit  uint32
	}{{"bundle", chain.ItemBundle}, {"pdf_signature", chain.ItemPDFSignature}, {"certificates", chain.ItemCertificates},
		{"intent", chain.ItemIntent}, {"time", chain.ItemTime}}
	purposeNames = map[string]uint32{"litigation": chain.PurposeLitigation, "arbitration": chain.PurposeArbitration,
		"preservation": chain.PurposePreservation, "other": chain.PurposeOther}
	conclusionNames = map[string]uint32{"intact": chain.ConclusionIntact, "altered": chain.ConclusionAltered,
		"undetermined": chain.ConclusionUndetermined}
)

func bitsOf(field string, names []string, table []struct {
	name string
	bit  uint32
}) (uint32, error) {
	var v uint32
	for _, n := range names {
		found := false
		for _, t := range table {
			if t.name == n {
				v |= t.bit
				found = true
			}
		}
		if !found {
			return 0, fmt.Errorf("field %s: unknown %q", field, n)
		}
	}
	if v == 0 {
		return 0, fmt.Errorf("field %s: name at least one", field)
	}
	return v, nil
}

func namesOf(v uint32, table []struct {
	name string
	bit  uint32
}) []string {
	var out []string
	for _, t := range table {
		if v&t.bit != 0 {
			out = append(out, t.name)
		}
	}
	return out
}

func purposeName(p uint32) string {
	for n, v := range purposeNames {
		if v == p {
			return n
		}
	}
	return ""
}

// newCaseID is a fresh application ("na-") or commission ("ac-") id.
func newCaseID(prefix string) (string, error) {
	var b [12]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return prefix + hex.EncodeToString(b[:]), nil
}

// actor is who acts for a request on this node.
type actor struct {
	org  string
	role chain.Role
	cert chain.Fingerprint // the caller's credential: staff_cert, judge_cert, notary_cert
}

// actingAs is the request's actor: the authenticated caller, or with
// [api] auth = open this node's organisation and its credential. It
// answers 403 when the caller's organisation is not this node's: the node
// signs every case step with its own organisation's envelope, so only its
// own people may take one.
func (a *API) actingAs(w http.ResponseWriter, r *http.Request) (actor, bool) {
	if a.auditor == nil {
		httpjson.WriteError(w, http.StatusServiceUnavailable, "no_credential", "this node has no submitter credential to record case steps with")
		return actor{}, false
	}
	if c := callerFrom(r.Context()); c != nil {
		if c.org.ID != a.org {
			httpjson.WriteError(w, http.StatusForbidden, "forbidden", fmt.Sprintf(
				"this is %q's node: organisation %q takes case steps on its own node", a.org, c.org.ID))
			return actor{}, false
		}
		return actor{org: c.org.ID, role: c.org.Role, cert: c.cert}, true
	}
	org, _, err := a.store.View().Org(a.org)
	if err != nil {
		a.internal(w, r, err)
		return actor{}, false
	}
	var role chain.Role
	if org != nil {
		role = org.Role
	}
	return actor{org: a.org, role: role, cert: chain.FingerprintOf(a.auditor.Cert)}, true
}

// stepError is a case step the chain (or the submitter) refused.
type stepError struct {
	status int
	body   httpjson.ErrorBody
}

func (e *stepError) Error() string { return e.body.Error.Message }

// commitStep submits body under this node's envelope and waits for its
// commit; a refusal comes back as a *stepError with the HTTP answer.
func (a *API) commitStep(ctx context.Context, body chain.Body) (chain.Hash, error) {
	tx, err := a.auditor.Build(body, nil)
	if err != nil {
		return chain.Hash{}, err
	}
	h := a.sub.RecordHash(tx)
	o, err := a.sub.Submit(ctx, tx)
	if err == nil && o.Accepted() {
		o, err = a.sub.Wait(ctx, h)
	}
	switch {
	case err != nil && (errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)):
		return h, &stepError{http.StatusGatewayTimeout, httpjson.ErrorBody{Error: httpjson.Error{Code: "timeout", TxHash: h.String(),
			Message: "the " + body.Name() + " record was not committed within the wait timeout; poll GET /v1/txs/" + h.String()}}}
	case err != nil:
		return h, fmt.Errorf("record %s: %w", body.Name(), err)
	case o.Status == submit.Committed:
		return h, nil
	case o.Status == submit.Rejected:
		return h, &stepError{stepStatus(o.Code), httpjson.ErrorBody{Error: httpjson.Error{Code: "tx_rejected", ABCICode: o.Code,
			Codespace: o.Codespace, Message: o.Log, TxHash: h.String()}}}
	case o.Status == submit.Unavailable:
		return h, &stepError{http.StatusGatewayTimeout, httpjson.ErrorBody{Error: httpjson.Error{Code: "timeout", TxHash: h.String(),
			Message: "the " + body.Name() + " record was not committed within the wait timeout; poll GET /v1/txs/" + h.String()}}}
	}
	return h, fmt.Errorf("record %s: %s: %w", body.Name(), o.Status, o.Err)
}

// stepStatus is the HTTP status of a refused case step.
func stepStatus(code uint32) int {
	switch code {
	case chain.CodeUnknownContract, chain.CodeUnknownCase:
		return http.StatusNotFound
	case chain.CodeCaseExists, chain.CodeCaseStatus, chain.CodeDuplicateNumber:
		return http.StatusConflict
	case chain.CodePermission:
		return http.StatusForbidden
	}
	return http.StatusUnprocessableEntity
}

// answerStep writes a step's error.
func (a *API) answerStep(w http.ResponseWriter, r *http.Request, err error) {
	var se *stepError
	if errors.As(err, &se) {
		httpjson.Write(w, se.status, se.body)
		return
	}
	a.internal(w, r, err)
}

func sm3Of(s string) []byte {
	h := sm3.Sum([]byte(s))
	return h[:]
}

// notarizationCreate: POST /v1/notarizations.
func (a *API) notarizationCreate(w http.ResponseWriter, r *http.Request) {
	var in client.NotarizationRequest
	if !a.decodeJSON(w, r, &in) {
		return
	}
	if _, ok := a.actingAs(w, r); !ok {
		return
	}
	scope, err := bitsOf("scope", in.Scope, scopeNames)
	if err != nil {
		httpjson.WriteError(w, http.StatusBadRequest, "bad_field", err.Error())
		return
	}
	purpose, ok := purposeNames[in.Purpose]
	if !ok {
		httpjson.WriteError(w, http.StatusBadRequest, "bad_field", "field purpose: want litigation, arbitration, preservation or other")
		return
	}
	body := &chain.NotarizationApplied{Contract: in.ContractID, NotaryOrg: in.NotaryOrg, Scope: scope, Purpose: purpose}
	if in.PurposeText != "" {
		// The applicant's words stay off chain: only their SM3.
		body.PurposeSM3 = sm3Of(in.PurposeText)
	}
	if in.PartyCert != "" {
		fp, err := signer.ParseFingerprint(in.PartyCert)
		if err != nil {
			httpjson.WriteError(w, http.StatusBadRequest, "bad_field", "field party_cert: "+err.Error())
			return
		}
		body.Party = chain.Fingerprint(fp)
	}
	if body.Application, err = newCaseID("na-"); err != nil {
		a.internal(w, r, err)
		return
	}
	a.openCase(w, r, body, body.Application)
}

// appraisalCreate: POST /v1/appraisals (a court's node).
func (a *API) appraisalCreate(w http.ResponseWriter, r *http.Request) {
	var in client.AppraisalRequest
	if !a.decodeJSON(w, r, &in) {
		return
	}
	act, ok := a.actingAs(w, r)
	if !ok {
		return
	}
	items, err := bitsOf("items", in.Items, itemNames)
	if err != nil {
		httpjson.WriteError(w, http.StatusBadRequest, "bad_field", err.Error())
		return
	}
	if in.MattersText == "" {
		httpjson.WriteError(w, http.StatusBadRequest, "bad_field", "field matters_text: the matters to examine (委托事项) are required")
		return
	}
	body := &chain.AppraisalCommissioned{Contract: in.ContractID, AppraisalOrg: in.AppraisalOrg, Items: items,
		MattersSM3: sm3Of(in.MattersText), Judge: act.cert}
	if body.Commission, err = newCaseID("ac-"); err != nil {
		a.internal(w, r, err)
		return
	}
	a.openCase(w, r, body, body.Commission)
}

// openCase validates, records and answers a new case.
func (a *API) openCase(w http.ResponseWriter, r *http.Request, body chain.Body, id string) {
	if err := body.Validate(); err != nil {
		httpjson.WriteError(w, http.StatusBadRequest, "bad_field", err.Error())
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), a.wait)
	defer cancel()
	if _, err := a.commitStep(ctx, body); err != nil {
		a.answerStep(w, r, err)
		return
	}
	a.answerCase(w, r, http.StatusCreated, id)
}

// answerCase answers {case} from the committed state.
func (a *API) answerCase(w http.ResponseWriter, r *http.Request, status int, id string) {
	cs, ok, err := a.store.View().Case(id)
	if err != nil || !ok {
		a.internal(w, r, errors.Join(err, fmt.Errorf("case %s committed but not in the store", id)))
		return
	}
	v, err := a.caseView(cs)
	if err != nil {
		a.internal(w, r, err)
		return
	}
	httpjson.Write(w, status, map[string]any{"case": v})
}

// caseWithdraw: POST /v1/notarizations/{id}/withdraw and
// /v1/appraisals/{id}/withdraw (the applicant's node).
func (a *API) caseWithdraw(kind chain.CaseKind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Reason string `json:"reason"`
		}
		if !a.decodeJSON(w, r, &in) {
			return
		}
		act, ok := a.actingAs(w, r)
		if !ok {
			return
		}
		cs, ok := a.loadCase(w, r)
		if !ok {
			return
		}
		if cs.Kind != kind {
			httpjson.WriteError(w, http.StatusNotFound, "not_found", fmt.Sprintf("no %s case %q", kind, cs.ID))
			return
		}
		if cs.Applicant != act.org {
			httpjson.WriteError(w, http.StatusForbidden, "forbidden", fmt.Sprintf("case %q was opened by %q: only it withdraws the case", cs.ID, cs.Applicant))
			return
		}
		// The reason stays off chain: only its SM3.
		var body chain.Body = &chain.NotarizationWithdrawn{Application: cs.ID, Contract: cs.Contract, ReasonSM3: sm3Of(in.Reason)}
		if kind == chain.CaseAppraisal {
			body = &chain.AppraisalWithdrawn{Commission: cs.ID, Contract: cs.Contract, ReasonSM3: sm3Of(in.Reason)}
		}
		a.caseStep(w, r, cs.ID, body)
	}
}

// caseStep records a step on an existing case and answers {case}.
func (a *API) caseStep(w http.ResponseWriter, r *http.Request, id string, body chain.Body) {
	if err := body.Validate(); err != nil {
		httpjson.WriteError(w, http.StatusBadRequest, "bad_field", err.Error())
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), a.wait)
	defer cancel()
	if _, err := a.commitStep(ctx, body); err != nil {
		a.answerStep(w, r, err)
		return
	}
	a.answerCase(w, r, http.StatusOK, id)
}

// loadCase reads the case the path names, or answers 400 or 404.
func (a *API) loadCase(w http.ResponseWriter, r *http.Request) (*chain.CaseState, bool) {
	id := r.PathValue("id")
	if err := chain.ValidateID("id", id); err != nil {
		httpjson.WriteError(w, http.StatusBadRequest, "bad_path", "path "+err.Error())
		return nil, false
	}
	cs, ok, err := a.store.View().Case(id)
	if err != nil {
		a.internal(w, r, err)
		return nil, false
	}
	if !ok {
		// Its own code: a node fetching a case file from a peer that is a
		// block behind retries on it (fetchPeer).
		httpjson.WriteError(w, http.StatusNotFound, "unknown_case", fmt.Sprintf("no case %q", id))
		return nil, false
	}
	return cs, true
}

// caseDecision: POST /v1/cases/{id}/decision (the institution's node).
func (a *API) caseDecision(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Decision string `json:"decision"`
		Reason   string `json:"reason"`
		Docket   string `json:"docket_number"` // a filed case's docket number (案号), when accepting
	}
	if !a.decodeJSON(w, r, &in) {
		return
	}
	act, cs, ok := a.institutionStep(w, r)
	if !ok {
		return
	}
	var d chain.Decision
	switch in.Decision {
	case "accept", "docket":
		d = chain.DecisionAccept
	case "reject", "return":
		d = chain.DecisionReject
	default:
		httpjson.WriteError(w, http.StatusBadRequest, "bad_field", "field decision: want accept or reject")
		return
	}
	var body chain.Body = &chain.NotarizationDecided{Application: cs.ID, Contract: cs.Contract, Decision: d, Reason: in.Reason, Staff: act.cert}
	switch {
	case cs.Kind == chain.CaseAppraisal:
		body = &chain.AppraisalDecided{Commission: cs.ID, Contract: cs.Contract, Decision: d, Reason: in.Reason, Staff: act.cert}
	case cs.Kind.Filed():
		// 立案 on the evidence the institution holds: its own copy of the
		// package, checked against the chain. A return needs none.
		if d == chain.DecisionAccept && cs.Status == chain.CasePending && !a.packageHeld(r.Context(), cs) {
			httpjson.WriteError(w, http.StatusConflict, "package_not_received", fmt.Sprintf(
				"case %q: fetch (POST /v1/cases/%s/package/fetch) or import its package before docketing it", cs.ID, cs.ID))
			return
		}
		body = &chain.CaseDocketed{Case: cs.ID, Contract: cs.Contract, Decision: d, Reason: in.Reason, Staff: act.cert, Docket: in.Docket}
	}
	a.caseStep(w, r, cs.ID, body)
}

// institutionStep loads the path's case and checks that this node, and
// the caller, are its institution's.
func (a *API) institutionStep(w http.ResponseWriter, r *http.Request) (actor, *chain.CaseState, bool) {
	act, ok := a.actingAs(w, r)
	if !ok {
		return actor{}, nil, false
	}
	cs, ok := a.loadCase(w, r)
	if !ok {
		return actor{}, nil, false
	}
	if cs.Institution != act.org {
		httpjson.WriteError(w, http.StatusForbidden, "forbidden", fmt.Sprintf("case %q is to %q: only its staff, on its node, decide and issue", cs.ID, cs.Institution))
		return actor{}, nil, false
	}
	return act, cs, true
}

// mayView reports whether the request's caller may see case cs: its
// applicant, its institution, the contract's owner, courts and
// arbitration bodies (and anyone on an open node). evidence is false when
// the caller sees only the case itself, not the contract's evidence: an
// institution whose case was rejected or withdrawn.
func (a *API) mayView(r *http.Request, cs *chain.CaseState) (see, evidence bool, err error) {
	c := callerFrom(r.Context())
	if c.seesAll() || c.org.ID == cs.Applicant {
		return true, true, nil
	}
	k, ok, err := a.store.View().Contract(cs.Contract)
	if err != nil {
		return false, false, err
	}
	if ok && k.Org == c.org.ID {
		return true, true, nil
	}
	if c.org.ID == cs.Institution {
		open := cs.Status == chain.CasePending || cs.Status == chain.CaseAccepted || cs.Status == chain.CaseIssued
		return true, open, nil
	}
	return false, false, nil
}

// viewableCase loads the path's case for a view; wantEvidence asks for
// the contract's evidence too. It answers 403 or 404 otherwise.
func (a *API) viewableCase(w http.ResponseWriter, r *http.Request, wantEvidence bool) (*chain.CaseState, bool) {
	cs, ok := a.loadCase(w, r)
	if !ok {
		return nil, false
	}
	see, ev, err := a.mayView(r, cs)
	switch {
	case err != nil:
		a.internal(w, r, err)
		return nil, false
	case !see:
		c := callerFrom(r.Context())
		httpjson.WriteError(w, http.StatusForbidden, "forbidden", fmt.Sprintf(
			"organisation %q (%s) is neither the applicant, the institution nor the contract's owner of case %q", c.org.ID, c.org.Role, cs.ID))
		return nil, false
	case wantEvidence && !ev:
		httpjson.WriteError(w, http.StatusForbidden, "forbidden", fmt.Sprintf(
			"case %q is %s: its contract's evidence is no longer open to %q", cs.ID, cs.Status, cs.Institution))
		return nil, false
	}
	return cs, true
}

// caseGet: GET /v1/cases/{id} → {case, records}.
func (a *API) caseGet(w http.ResponseWriter, r *http.Request) {
	cs, ok := a.viewableCase(w, r, false)
	if !ok {
		return
	}
	v, err := a.caseView(cs)
	if err != nil {
		a.internal(w, r, err)
		return
	}
	records := []*evidence.RecordView{}
	for _, i := range caseRecordIndexes(cs) {
		leaf, err := a.store.View().Entry(i)
		if err != nil {
			a.internal(w, r, err)
			return
		}
		rv, _, err := evidence.Describe(leaf)
		if err != nil {
			a.internal(w, r, err)
			return
		}
		records = append(records, rv)
	}
	httpjson.Write(w, http.StatusOK, map[string]any{"case": v, "records": records})
}

// caseRecordIndexes are the log indexes of a case's records, in order:
// the application, the decision, the withdrawal or issue.
func caseRecordIndexes(cs *chain.CaseState) []uint64 {
	out := []uint64{cs.OpenedIn}
	if cs.DecidedIn != 0 {
		out = append(out, cs.DecidedIn-1)
	}
	if cs.ClosedIn != 0 && cs.ClosedIn != cs.DecidedIn {
		out = append(out, cs.ClosedIn-1)
	}
	return out
}

// caseView is the API's view of a case: its state, with the scope or
// items and purpose from its application record and the reason from its
// decision record.
func (a *API) caseView(cs *chain.CaseState) (*client.Case, error) {
	v := &client.Case{ID: cs.ID, Kind: cs.Kind.String(), ContractID: cs.Contract, Applicant: cs.Applicant,
		Institution: cs.Institution, Status: cs.Status.String(), OpenedIn: cs.OpenedIn, Number: cs.Number}
	if cs.DecidedIn != 0 {
		i := cs.DecidedIn - 1
		v.DecidedIn = &i
	}
	if cs.ClosedIn != 0 {
		i := cs.ClosedIn - 1
		v.ClosedIn = &i
	}
	if len(cs.DocumentSM3) > 0 {
		v.DocumentSM3 = hex.EncodeToString(cs.DocumentSM3)
	}
	view := a.store.View()
	body := func(i uint64) (chain.Body, error) {
		leaf, err := view.Entry(i)
		if err != nil {
			return nil, err
		}
		// Only the body: a listing reads one or two per case.
		en, err := chain.DecodeEntry(leaf)
		if err != nil {
			return nil, err
		}
		tx, err := chain.DecodeRecord(en.Tx)
		if err != nil {
			return nil, err
		}
		return tx.Body, nil
	}
	b, err := body(cs.OpenedIn)
	if err != nil {
		return nil, fmt.Errorf("case %s: application record %d: %w", cs.ID, cs.OpenedIn, err)
	}
	switch b := b.(type) {
	case *chain.NotarizationApplied:
		v.Scope, v.Purpose = namesOf(b.Scope, scopeNames), purposeName(b.Purpose)
	case *chain.AppraisalCommissioned:
		v.Items = namesOf(b.Items, itemNames)
	case *chain.CaseFiled:
		v.Contracts, v.BatchID = b.Contracts, b.Batch
		v.PackageSM3, v.PackageSize = hex.EncodeToString(cs.PackageSM3), cs.PackageSize
		if cs.Applicant == a.org || cs.Institution == a.org {
			v.PackageHeld = a.packageHeld(context.Background(), cs)
		}
	}
	if cs.DecidedIn != 0 {
		b, err := body(cs.DecidedIn - 1)
		if err != nil {
			return nil, fmt.Errorf("case %s: decision record: %w", cs.ID, err)
		}
		switch b := b.(type) {
		case *chain.NotarizationDecided:
			v.Reason = b.Reason
		case *chain.AppraisalDecided:
			v.Reason = b.Reason
		case *chain.CaseDocketed:
			v.Reason = b.Reason
		}
	}
	return v, nil
}

// inbox: GET /v1/inbox?status=&kind=&after=&limit= (an institution's
// node): the cases to this node's organisation, newest first, a page at a
// time (1000 when no limit is asked, as before paging).
func (a *API) inbox(w http.ResponseWriter, r *http.Request) {
	a.listCases(w, r, store.CasesToInstitution, maxInbox)
}

// caseList: GET /v1/cases?role=institution|applicant&status=&kind=&after=&limit=.
func (a *API) caseList(w http.ResponseWriter, r *http.Request) {
	role := store.CasesToInstitution
	switch r.URL.Query().Get("role") {
	case "", "institution":
	case "applicant", "filer":
		role = store.CasesByApplicant
	default:
		httpjson.WriteError(w, http.StatusBadRequest, "bad_query", "query role: institution (the cases to this organisation) or applicant (those it opened or filed)")
		return
	}
	a.listCases(w, r, role, defaultCasePage)
}

// Names of the statuses and kinds a listing filters by.
var (
	caseStatuses = map[string]chain.CaseStatus{"pending": chain.CasePending, "accepted": chain.CaseAccepted,
		"rejected": chain.CaseRejected, "withdrawn": chain.CaseWithdrawn, "issued": chain.CaseIssued}
	caseKinds = map[string]chain.CaseKind{"notarization": chain.CaseNotarization, "appraisal": chain.CaseAppraisal,
		"litigation": chain.CaseLitigation, "arbitration": chain.CaseArbitration}
)

// listCases answers a page of the cases of this node's organisation in
// role, from the case index (store.ListCases): no scan of all cases.
func (a *API) listCases(w http.ResponseWriter, r *http.Request, role store.CaseRole, defLimit int) {
	act, ok := a.actingAs(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	f := store.CaseFilter{Role: role, Org: act.org, Limit: defLimit}
	if s := q.Get("status"); s != "" {
		if f.Status, ok = caseStatuses[s]; !ok {
			httpjson.WriteError(w, http.StatusBadRequest, "bad_query", "query status: pending, accepted, rejected, withdrawn or issued")
			return
		}
	}
	if k := q.Get("kind"); k != "" {
		if f.Kind, ok = caseKinds[k]; !ok {
			httpjson.WriteError(w, http.StatusBadRequest, "bad_query", "query kind: notarization, appraisal, litigation or arbitration")
			return
		}
	}
	if s := q.Get("after"); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			httpjson.WriteError(w, http.StatusBadRequest, "bad_query", "query after: the next cursor of the previous page (a decimal number)")
			return
		}
		f.After, f.HaveAfter = v, true
	}
	if s := q.Get("limit"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 1 || v > maxInbox {
			httpjson.WriteError(w, http.StatusBadRequest, "bad_query", fmt.Sprintf("query limit: 1..%d", maxInbox))
			return
		}
		f.Limit = v
	}
	page, err := a.store.View().ListCases(f)
	if err != nil {
		a.internal(w, r, err)
		return
	}
	out := client.CasePage{Cases: make([]client.Case, 0, len(page.Cases)), More: page.More}
	if page.More {
		out.Next = page.Next
	}
	for _, cs := range page.Cases {
		v, err := a.caseView(cs)
		if err != nil {
			a.internal(w, r, err)
			return
		}
		out.Cases = append(out.Cases, *v)
	}
	httpjson.Write(w, http.StatusOK, out)
}

// maxInbox bounds a listing's page.
const maxInbox = 1000

// caseBundle: GET /v1/cases/{id}/bundle → the contract's evidence bundle.
func (a *API) caseBundle(w http.ResponseWriter, r *http.Request) {
	cs, ok := a.viewableCase(w, r, true)
	if !ok {
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), a.wait)
	defer cancel()
	b, err := a.assemble(ctx, evidence.Subject{ContractID: cs.Contract})
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		httpjson.WriteError(w, http.StatusGatewayTimeout, "timeout", "the checkpoint block was not produced in time: "+err.Error())
	case err != nil:
		a.internal(w, r, err)
	default:
		w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", cs.Contract+"-evidence.json"))
		httpjson.Write(w, http.StatusOK, b)
	}
}

// registerCases adds the case routes.
func (a *API) registerCases(route func(pattern string, h http.HandlerFunc)) {
	route("POST /v1/notarizations", a.authorized(a.notarizationCreate))
	route("POST /v1/notarizations/{id}/withdraw", a.authorized(a.caseWithdraw(chain.CaseNotarization)))
	route("POST /v1/appraisals", a.authorized(a.appraisalCreate))
	route("POST /v1/appraisals/{id}/withdraw", a.authorized(a.caseWithdraw(chain.CaseAppraisal)))
	route("GET /v1/inbox", a.judicial(chain.QueryTime, a.inbox))
	route("GET /v1/cases", a.judicial(chain.QueryTime, a.caseList))
	route("POST /v1/cases", a.authorized(a.casesCreate))
	route("GET /v1/case-jobs/{id}", a.authorized(a.caseJobGet))
	route("GET /v1/case-jobs/{id}/files/{name...}", a.authorized(a.caseJobFile))
	route("GET /v1/cases/{id}", a.judicial(chain.QueryContract, a.caseGet))
	route("GET /v1/cases/{id}/bundle", a.judicial(chain.QueryContract, a.caseBundle))
	route("GET /v1/cases/{id}/signed.pdf", a.judicial(chain.QueryContract, a.caseSignedPDF))
	route("GET /v1/cases/{id}/document.pdf", a.judicial(chain.QueryContract, a.caseDocument))
	route("POST /v1/cases/{id}/decision", a.authorized(a.caseDecision))
	route("POST /v1/cases/{id}/issue", a.authorized(a.caseIssue))
	// Filed cases (filing.go).
	route("POST /v1/filings", a.authorized(a.filingCreate))
	route("POST /v1/filings/{id}/withdraw", a.authorized(a.filingWithdraw))
	route("GET /v1/cases/{id}/package", a.judicial(chain.QueryContract, a.casePackage))
	route("POST /v1/cases/{id}/package/fetch", a.authorized(a.packageFetch))
	route("PUT /v1/cases/{id}/package", withBodyLimit(maxPackageUpload, a.authorized(a.packagePut)))
}
