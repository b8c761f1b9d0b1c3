package chainapi

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/emmansun/gmsm/sm3"

	"github.com/sealchain/sealchain/app"
	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/client"
	"github.com/sealchain/sealchain/node/httpjson"
	"github.com/sealchain/sealchain/node/submit"
)

// Filing with courts and arbitration (chain/filing.go; docs/api.md "Filed
// cases"). A filer files cases from its own node: each case's package (a
// zip, built by `sealchain case build`) is on that node, the chain gets
// its SM3 and size (case_filed, in batch transactions of up to 1000). The
// institution's node fetches the package from the filer's node, or takes
// an offline copy, and keeps it only when its SM3 is the chain's; then its
// staff docket the case (立案) or return it with a reason. The package is
// served to the filer and the institution only.

// PackageSource opens the case packages this node holds, by case id: the
// filer's own, and the copies its institution received. OpenPackage
// answers an error wrapping fs.ErrNotExist when it holds none.
type PackageSource interface {
	OpenPackage(ctx context.Context, caseID string) (io.ReadSeekCloser, int64, error)
}

// PackageDir is a node's package directory: the package of case id is
// <dir>/<id>.zip. Case ids are chain ids ([A-Za-z0-9._:-], never a path
// separator).
type PackageDir string

var _ PackageSource = PackageDir("")

func (d PackageDir) path(id string) (string, error) {
	if d == "" {
		return "", errors.New("this node keeps no case packages (no package directory)")
	}
	if err := chain.ValidateID("case_id", id); err != nil || strings.ContainsAny(id, `/\`) || id == "." || id == ".." {
		return "", fmt.Errorf("case id %q", id)
	}
	return filepath.Join(string(d), id+".zip"), nil
}

// OpenPackage opens <dir>/<id>.zip.
func (d PackageDir) OpenPackage(_ context.Context, id string) (io.ReadSeekCloser, int64, error) {
	p, err := d.path(id)
	if err != nil {
		return nil, 0, err
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, 0, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	return f, st.Size(), nil
}

// Limits of the filing routes.
const (
	// maxPackageUpload bounds a package uploaded to a node (PUT
	// /v1/cases/{id}/package): a signed request's body is read whole to
	// check its signature.
	maxPackageUpload = 256 << 20
	// defaultCasePage is a case listing's page size when none is asked.
	defaultCasePage = 100
	// batchBytes is where a filing request starts another batch
	// transaction, below chain.MaxBatchBytes with room for the envelope.
	batchBytes = chain.MaxBatchBytes - 64<<10
)

// packages is the filing state of the API.
type packages struct {
	src PackageSource
	dir PackageDir // where received and uploaded packages are written
	// locks serialise the writes of one case's package (a fetch resumed
	// while another runs would interleave).
	mu    sync.Mutex
	locks map[string]*sync.Mutex
}

func (p *packages) lock(id string) func() {
	p.mu.Lock()
	if p.locks == nil {
		p.locks = map[string]*sync.Mutex{}
	}
	l := p.locks[id]
	if l == nil {
		l = &sync.Mutex{}
		p.locks[id] = l
	}
	p.mu.Unlock()
	l.Lock()
	return l.Unlock
}

// packageError is a package that cannot be taken or served, naming the case.
func packageError(status int, code, format string, args ...any) *fileError {
	return &fileError{status: status, code: code, msg: fmt.Sprintf(format, args...)}
}

// hashPackage is the SM3 and size of the package this node holds for id.
func (a *API) hashPackage(ctx context.Context, id string) ([]byte, int64, error) {
	f, _, err := a.pkgs.src.OpenPackage(ctx, id)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	h := sm3.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return nil, 0, err
	}
	return h.Sum(nil), n, nil
}

// packageHeld reports whether this node holds cs's package at its
// recorded size (the institution keeps only checked copies).
func (a *API) packageHeld(ctx context.Context, cs *chain.CaseState) bool {
	f, size, err := a.pkgs.src.OpenPackage(ctx, cs.ID)
	if err != nil {
		return false
	}
	f.Close()
	return uint64(size) == cs.PackageSize
}

// filingCreate: POST /v1/filings (the filer's node): up to
// client.MaxFilingRequest cases, as batch transactions under this node's
// envelope. Each case is filed or refused with its reason.
func (a *API) filingCreate(w http.ResponseWriter, r *http.Request) {
	var in client.FilingBatch
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, max(a.maxBody, 64<<10)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		httpjson.WriteError(w, http.StatusBadRequest, "bad_json", "body: "+err.Error())
		return
	}
	act, ok := a.actingAs(w, r)
	if !ok {
		return
	}
	switch {
	case len(in.Cases) == 0 || len(in.Cases) > client.MaxFilingRequest:
		httpjson.WriteError(w, http.StatusBadRequest, "bad_field", fmt.Sprintf("field cases: %d cases, want 1..%d a request", len(in.Cases), client.MaxFilingRequest))
		return
	case in.Filer != "" && in.Filer != act.org:
		httpjson.WriteError(w, http.StatusForbidden, "forbidden", fmt.Sprintf("the batch names filer %q; this is %q's node", in.Filer, act.org))
		return
	case in.BatchID != "" && chain.ValidateID("batch_id", in.BatchID) != nil:
		httpjson.WriteError(w, http.StatusBadRequest, "bad_field", chain.ValidateID("batch_id", in.BatchID).Error())
		return
	}
	res := client.FilingResult{BatchID: in.BatchID, Filed: []client.FiledCase{}, Refused: []client.RefusedCase{}}
	refuse := func(id, code, format string, args ...any) {
		res.Refused = append(res.Refused, client.RefusedCase{CaseID: id, Code: code, Message: fmt.Sprintf(format, args...)})
	}
	type pending struct {
		id   string
		item *chain.Tx
	}
	var batches [][]pending
	var cur []pending
	curBytes := 0
	seen := map[string]bool{}
	for _, c := range in.Cases {
		body, err := filedBody(c, in.BatchID)
		switch {
		case err != nil:
			refuse(c.CaseID, "bad_field", "case %q: %v", c.CaseID, err)
			continue
		case seen[c.CaseID]:
			refuse(c.CaseID, "bad_field", "case %q: twice in the request", c.CaseID)
			continue
		}
		seen[c.CaseID] = true
		// The node files only a package it holds and can serve.
		got, size, err := a.hashPackage(r.Context(), c.CaseID)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			refuse(c.CaseID, "package_missing", "case %q: this node holds no package for it (upload it, or put it in the node's package directory)", c.CaseID)
			continue
		case err != nil:
			a.internal(w, r, err)
			return
		case uint64(size) != body.PackageSize || !bytes.Equal(got, body.PackageSM3):
			refuse(c.CaseID, "package_mismatch", "case %q: the package on this node has SM3 %x and %d bytes; the batch says %s and %d", c.CaseID, got, size, c.SM3, c.Size)
			continue
		}
		item, err := a.auditor.BuildItem(body, nil)
		if err != nil {
			a.internal(w, r, err)
			return
		}
		n := len(item.Item()) + 8
		if len(cur) == chain.MaxBatchRecords || curBytes+n > batchBytes {
			batches, cur, curBytes = append(batches, cur), nil, 0
		}
		cur, curBytes = append(cur, pending{c.CaseID, item}), curBytes+n
	}
	if len(cur) > 0 {
		batches = append(batches, cur)
	}
	ctx, cancel := context.WithTimeout(r.Context(), a.wait)
	defer cancel()
	type sent struct {
		h     chain.Hash
		cases []pending
	}
	var out []sent
	for _, b := range batches {
		items := make([]*chain.Tx, len(b))
		for i, p := range b {
			items[i] = p.item
		}
		raw, err := a.auditor.BuildBatch(items)
		if err != nil {
			a.internal(w, r, err)
			return
		}
		h := chain.TxHash(raw)
		o, err := a.sub.SubmitAlone(ctx, raw)
		if err != nil {
			a.internal(w, r, err)
			return
		}
		if !o.Accepted() {
			for _, p := range b {
				res.Refused = append(res.Refused, client.RefusedCase{CaseID: p.id, Code: "tx_rejected", ABCICode: o.Code,
					Message: fmt.Sprintf("case %q: batch %s: %s %s%v", p.id, h, o.Status, o.Log, errOrEmpty(o.Err))})
			}
			continue
		}
		out = append(out, sent{h, b})
		res.TxHash = h.String()
	}
	for _, s := range out {
		bo, err := a.awaitBatch(ctx, s.h)
		if err != nil {
			httpjson.Write(w, http.StatusGatewayTimeout, httpjson.ErrorBody{Error: httpjson.Error{Code: "timeout", TxHash: s.h.String(),
				Message: fmt.Sprintf("the filing batch was not committed within the wait timeout (%v); list the filer's cases (GET /v1/cases?role=applicant) to see which were filed", err)}})
			return
		}
		res.Height = bo.Height
		if bo.Code != app.CodeOK {
			for _, p := range s.cases {
				res.Refused = append(res.Refused, client.RefusedCase{CaseID: p.id, Code: "tx_rejected", ABCICode: bo.Code,
					Message: fmt.Sprintf("case %q: the batch was refused: %s", p.id, bo.Log)})
			}
			continue
		}
		for i, rec := range bo.Records {
			id := s.cases[i].id
			if rec.Code == app.CodeOK {
				res.Filed = append(res.Filed, client.FiledCase{CaseID: id, LogIndex: rec.Index})
				continue
			}
			res.Refused = append(res.Refused, client.RefusedCase{CaseID: id, Code: "tx_rejected", ABCICode: rec.Code,
				Message: fmt.Sprintf("case %q: %s", id, rec.Log)})
		}
	}
	status := http.StatusOK
	if len(res.Filed) > 0 {
		status = http.StatusCreated
	}
	httpjson.Write(w, status, res)
}

func errOrEmpty(err error) string {
	if err == nil {
		return ""
	}
	return ": " + err.Error()
}

// awaitBatch polls a batch's outcome until it is committed or ctx ends.
func (a *API) awaitBatch(ctx context.Context, h chain.Hash) (submit.BatchOutcome, error) {
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for {
		bo, ok, err := a.sub.BatchResult(ctx, h)
		if err != nil || ok {
			return bo, err
		}
		select {
		case <-ctx.Done():
			return bo, ctx.Err()
		case <-t.C:
		}
	}
}

// filedBody is the case_filed record of one case of a batch, validated.
func filedBody(c client.FilingCase, batch string) (*chain.CaseFiled, error) {
	b := &chain.CaseFiled{Case: c.CaseID, Institution: c.Institution, Contracts: c.Contracts, Batch: batch}
	switch c.Kind {
	case "litigation":
		b.Kind = chain.CaseLitigation
	case "arbitration":
		b.Kind = chain.CaseArbitration
	default:
		return nil, fmt.Errorf("field kind: %q, want litigation or arbitration", c.Kind)
	}
	h, err := hex.DecodeString(c.SM3)
	if err != nil || len(h) != 32 || hex.EncodeToString(h) != c.SM3 {
		return nil, fmt.Errorf("field sm3: %q, want 64 lower-case hex digits", c.SM3)
	}
	if c.Size <= 0 {
		return nil, fmt.Errorf("field size: %d", c.Size)
	}
	b.PackageSM3, b.PackageSize = h, uint64(c.Size)
	if err := b.Validate(); err != nil {
		return nil, err
	}
	return b, nil
}

// filingWithdraw: POST /v1/filings/{id}/withdraw (the filer's node).
func (a *API) filingWithdraw(w http.ResponseWriter, r *http.Request) {
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
	if !cs.Kind.Filed() {
		httpjson.WriteError(w, http.StatusNotFound, "not_found", fmt.Sprintf("no filed case %q", cs.ID))
		return
	}
	if cs.Applicant != act.org {
		httpjson.WriteError(w, http.StatusForbidden, "forbidden", fmt.Sprintf("case %q was filed by %q: only it withdraws the case", cs.ID, cs.Applicant))
		return
	}
	a.caseStep(w, r, cs.ID, &chain.CaseFilingWithdrawn{Case: cs.ID, Contract: cs.Contract, ReasonSM3: sm3Of(in.Reason)})
}

// packageCase loads the path's filed case for a package route: the caller
// must be its filer's or its institution's (403 otherwise, naming both).
func (a *API) packageCase(w http.ResponseWriter, r *http.Request) (*chain.CaseState, bool) {
	cs, ok := a.loadCase(w, r)
	if !ok {
		return nil, false
	}
	if !cs.Kind.Filed() {
		httpjson.WriteError(w, http.StatusNotFound, "not_filed", fmt.Sprintf("case %q is a %s case: it has no package", cs.ID, cs.Kind))
		return nil, false
	}
	if c := callerFrom(r.Context()); c != nil && c.org.ID != cs.Applicant && c.org.ID != cs.Institution {
		httpjson.WriteError(w, http.StatusForbidden, "forbidden", fmt.Sprintf(
			"the package of case %q is served only to its filer %q and its institution %q, not to %q", cs.ID, cs.Applicant, cs.Institution, c.org.ID))
		return nil, false
	}
	return cs, true
}

// casePackage: GET /v1/cases/{id}/package, with HTTP Range for resumed
// downloads. The filer's node serves its package; the institution's node
// its checked copy, fetching it from the filer's node first if it has none.
func (a *API) casePackage(w http.ResponseWriter, r *http.Request) {
	cs, ok := a.packageCase(w, r)
	if !ok {
		return
	}
	f, size, err := a.pkgs.src.OpenPackage(r.Context(), cs.ID)
	if errors.Is(err, fs.ErrNotExist) && a.org == cs.Institution && r.Header.Get(peerFetchHeader) == "" {
		if err = a.receivePackage(r.Context(), cs); err == nil {
			f, size, err = a.pkgs.src.OpenPackage(r.Context(), cs.ID)
		}
	}
	switch {
	case errors.Is(err, fs.ErrNotExist):
		a.answerFile(w, r, packageError(http.StatusNotFound, "package_missing", "this node (%q's) holds no package of case %q", a.org, cs.ID))
		return
	case err != nil:
		a.answerFile(w, r, err)
		return
	}
	defer f.Close()
	if uint64(size) != cs.PackageSize {
		a.answerFile(w, r, packageError(http.StatusConflict, "package_mismatch",
			"the package of case %q on this node has %d bytes; the chain recorded %d", cs.ID, size, cs.PackageSize))
		return
	}
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", cs.ID+".zip"))
	w.Header().Set("X-Sealchain-Package-SM3", hex.EncodeToString(cs.PackageSM3))
	http.ServeContent(w, r, "", time.Time{}, f)
}

// packageFetch: POST /v1/cases/{id}/package/fetch (the institution's
// node): fetch the package from the filer's node, resuming a partial
// download, and keep it if its SM3 is the chain's.
func (a *API) packageFetch(w http.ResponseWriter, r *http.Request) {
	if _, ok := a.actingAs(w, r); !ok {
		return
	}
	cs, ok := a.packageCase(w, r)
	if !ok {
		return
	}
	if cs.Institution != a.org {
		httpjson.WriteError(w, http.StatusForbidden, "forbidden", fmt.Sprintf("case %q is filed with %q: its node fetches the package", cs.ID, cs.Institution))
		return
	}
	if err := a.receivePackage(r.Context(), cs); err != nil {
		a.answerFile(w, r, err)
		return
	}
	a.answerCase(w, r, http.StatusOK, cs.ID)
}

// packagePut: PUT /v1/cases/{id}/package, the zip as the body. On the
// institution's node (an offline hand-over) or the filer's node after
// filing, the zip must be the one on chain; before filing, on the filer's
// node, it is kept for the case id (POST /v1/filings checks it then).
func (a *API) packagePut(w http.ResponseWriter, r *http.Request) {
	act, ok := a.actingAs(w, r)
	if !ok {
		return
	}
	id := r.PathValue("id")
	if _, err := a.pkgs.dir.path(id); err != nil {
		httpjson.WriteError(w, http.StatusBadRequest, "bad_path", "path id: "+err.Error())
		return
	}
	cs, exists, err := a.store.View().Case(id)
	if err != nil {
		a.internal(w, r, err)
		return
	}
	var want *chain.CaseState
	if exists {
		if cs, ok = a.packageCase(w, r); !ok {
			return
		}
		if act.org != cs.Applicant && act.org != cs.Institution {
			httpjson.WriteError(w, http.StatusForbidden, "forbidden", fmt.Sprintf("case %q is %q's and %q's", cs.ID, cs.Applicant, cs.Institution))
			return
		}
		want = cs
	}
	defer a.pkgs.lock(id)()
	p, _ := a.pkgs.dir.path(id)
	sum, n, err := writeChecked(p, http.MaxBytesReader(w, r.Body, maxPackageUpload), want)
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		httpjson.WriteError(w, http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("case %q: a package upload is at most %d bytes", id, maxPackageUpload))
		return
	case err != nil:
		a.answerFile(w, r, err)
		return
	}
	if want != nil {
		a.answerCase(w, r, http.StatusOK, id)
		return
	}
	httpjson.Write(w, http.StatusOK, map[string]any{"case_id": id, "sm3": hex.EncodeToString(sum), "size": n})
}

// writeChecked writes r to path through a temporary file, which it renames
// into place only when want is nil or r's SM3 and size are want's.
func writeChecked(path string, r io.Reader, want *chain.CaseState) ([]byte, int64, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, 0, err
	}
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".*.tmp")
	if err != nil {
		return nil, 0, err
	}
	defer os.Remove(f.Name()) // after the rename, a no-op
	h := sm3.New()
	n, werr := io.Copy(io.MultiWriter(f, h), r)
	serr := f.Sync()
	cerr := f.Close()
	if err := errors.Join(werr, serr, cerr); err != nil {
		return nil, 0, err
	}
	sum := h.Sum(nil)
	if want != nil {
		if err := matchPackage(want, sum, n, "the uploaded package"); err != nil {
			return nil, 0, err
		}
	}
	return sum, n, os.Rename(f.Name(), path)
}

// matchPackage refuses a package whose SM3 or size is not the chain's,
// naming the case.
func matchPackage(cs *chain.CaseState, sum []byte, n int64, what string) error {
	if uint64(n) != cs.PackageSize || !bytes.Equal(sum, cs.PackageSM3) {
		return packageError(http.StatusUnprocessableEntity, "package_mismatch",
			"case %q: %s has SM3 %x and %d bytes; the chain recorded %x and %d bytes (case_filed by %q): it is not the filed package",
			cs.ID, what, sum, n, cs.PackageSM3, cs.PackageSize, cs.Applicant)
	}
	return nil
}

// receivePackage fetches cs's package from the filer's node into
// <dir>/<id>.zip.part, resuming from what an earlier attempt wrote (HTTP
// Range), and renames it into place when its SM3 and size are the chain's;
// a copy that is not is deleted.
func (a *API) receivePackage(ctx context.Context, cs *chain.CaseState) error {
	defer a.pkgs.lock(cs.ID)()
	p, err := a.pkgs.dir.path(cs.ID)
	if err != nil {
		return err
	}
	if f, size, err := a.pkgs.src.OpenPackage(ctx, cs.ID); err == nil {
		f.Close()
		if uint64(size) == cs.PackageSize {
			return nil // received meanwhile
		}
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return err
	}
	// No overall timeout: a large package takes what it takes, and a
	// broken download resumes; a stalled peer is cut by the transport.
	c, err := a.peerClient(cs.Applicant, &http.Client{Transport: peerTransport()})
	if err != nil {
		return err
	}
	part := p + ".part"
	f, err := os.OpenFile(part, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return err
	}
	defer f.Close()
	off, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		return err
	}
	if uint64(off) > cs.PackageSize {
		off = 0
	}
	if uint64(off) == cs.PackageSize && off > 0 {
		off-- // ask for the last byte, so the peer still answers for the case
	}
	body, status, total, err := c.PackageRange(ctx, cs.ID, off, http.Header{peerFetchHeader: {"1"}})
	if err != nil {
		return &fileError{status: http.StatusBadGateway, code: "peer_failed", msg: fmt.Sprintf("case %q: fetch the package from %q's node: %v", cs.ID, cs.Applicant, err), underlying: err}
	}
	defer body.Close()
	if status == http.StatusOK {
		off = 0
	}
	if total >= 0 && uint64(total) != cs.PackageSize {
		os.Remove(part)
		return packageError(http.StatusBadGateway, "package_mismatch", "case %q: %q's node serves a package of %d bytes; the chain recorded %d", cs.ID, cs.Applicant, total, cs.PackageSize)
	}
	if err := f.Truncate(off); err != nil {
		return err
	}
	if _, err := f.Seek(off, io.SeekStart); err != nil {
		return err
	}
	rest := int64(cs.PackageSize) - off
	n, err := io.Copy(f, io.LimitReader(body, rest+1))
	if err != nil {
		// Keep what arrived: the next fetch resumes from there.
		f.Sync()
		return &fileError{status: http.StatusBadGateway, code: "peer_failed", msg: fmt.Sprintf("case %q: download from %q's node broke after %d bytes (fetch again to resume): %v", cs.ID, cs.Applicant, off+n, err), underlying: err}
	}
	if n != rest {
		os.Remove(part)
		return packageError(http.StatusBadGateway, "package_mismatch", "case %q: %q's node sent %d bytes from offset %d; the chain recorded %d in all", cs.ID, cs.Applicant, n, off, cs.PackageSize)
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	h := sm3.New()
	got, err := io.Copy(h, f)
	if err != nil {
		return err
	}
	if err := matchPackage(cs, h.Sum(nil), got, fmt.Sprintf("the package from %q's node", cs.Applicant)); err != nil {
		os.Remove(part)
		var fe *fileError
		if errors.As(err, &fe) {
			fe.status = http.StatusBadGateway
		}
		return err
	}
	return os.Rename(part, p)
}

// peerTransport bounds a package download's connection and answer wait,
// not its length.
func peerTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.ResponseHeaderTimeout = peerTimeout
	return t
}
