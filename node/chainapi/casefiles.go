package chainapi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/emmansun/gmsm/sm3"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/chain/store"
	"github.com/sealchain/sealchain/client"
	"github.com/sealchain/sealchain/evidence"
	"github.com/sealchain/sealchain/node/httpjson"
)

// A case's files are off chain, each on one node: the signed contract PDF
// on the contract owner's node (its workflow's store), an issued document
// on its institution's node (under the node home). Any other node fetches
// them from there, through [institution] peers, signing the request with
// its own credential, and serves them only when their SM3 is the one the
// chain recorded: a peer is never trusted, only the chain.

// SignedPDFSource gives the signed PDF of a contract signed through this
// node's workflow.
type SignedPDFSource interface {
	SignedPDF(ctx context.Context, contractID string) ([]byte, error)
}

// peerFetchHeader marks a request from another node fetching a case file:
// it is answered from this node's own files only, never fetched onwards,
// so that two nodes whose peers point at each other cannot loop. It is not
// trusted for anything else: a caller who sets it only gets fewer answers.
const peerFetchHeader = "X-Sealchain-Peer-Fetch"

// peerTimeout bounds a fetch from another node; a peer that does not know
// the case yet is asked again peerRetries times, peerRetryWait apart.
const (
	peerTimeout   = 30 * time.Second
	peerRetries   = 10
	peerRetryWait = 300 * time.Millisecond
)

// caseFiles is what the case files need.
type caseFiles struct {
	signed SignedPDFSource   // nil: no workflow on this node
	peers  map[string]string // org id → API base URL
	dir    string            // issued documents: <dir>/<case id>.pdf; "" none
	maxPDF int64             // a fetched PDF's size bound
	// issueMu makes issues one at a time: each is CPU-heavy (layout, SM2)
	// and writes a file.
	issueMu sync.Mutex
}

// errNotHere is a file this node does not hold and must not fetch.
var errNotHere = errors.New("not held by this node")

// fileError is a case file that cannot be served, with its answer.
type fileError struct {
	status     int
	code, msg  string
	underlying error
}

func (e *fileError) Error() string { return e.msg }
func (e *fileError) Unwrap() error { return e.underlying }

func (a *API) answerFile(w http.ResponseWriter, r *http.Request, err error) {
	var fe *fileError
	if errors.As(err, &fe) {
		httpjson.WriteError(w, fe.status, fe.code, fe.msg)
		return
	}
	a.internal(w, r, err)
}

func servePDF(w http.ResponseWriter, name string, pdf []byte) {
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Disposition", fmt.Sprintf("inline; filename=%q", name))
	_, _ = w.Write(pdf)
}

// caseSignedPDF: GET /v1/cases/{id}/signed.pdf.
func (a *API) caseSignedPDF(w http.ResponseWriter, r *http.Request) {
	cs, ok := a.viewableCase(w, r, true)
	if !ok {
		return
	}
	pdf, err := a.signedPDF(r.Context(), cs, r.Header.Get(peerFetchHeader) != "")
	if err != nil {
		a.answerFile(w, r, err)
		return
	}
	servePDF(w, cs.Contract+"-signed.pdf", pdf)
}

// signedPDF returns the signed PDF of cs's contract whose SM3 the chain
// recorded last (contract_signed's signed_doc_sm3): this node's workflow's
// when it owns the contract, else the owner's node's. local: do not fetch.
func (a *API) signedPDF(ctx context.Context, cs *chain.CaseState, local bool) ([]byte, error) {
	want, err := a.signedSM3(cs.Contract)
	if err != nil {
		return nil, err
	}
	if want == nil {
		return nil, &fileError{status: http.StatusNotFound, code: "not_signed", msg: fmt.Sprintf("contract %q has no signed PDF on chain (no contract_signed record)", cs.Contract)}
	}
	k, _, err := a.store.View().Contract(cs.Contract)
	if err != nil {
		return nil, err
	}
	var pdf []byte
	switch {
	case k.Org == a.org:
		if a.files.signed == nil {
			return nil, &fileError{status: http.StatusNotFound, code: "not_found", msg: "this node runs no signing workflow: it holds no signed PDF of contract " + cs.Contract}
		}
		if pdf, err = a.files.signed.SignedPDF(ctx, cs.Contract); err != nil {
			return nil, &fileError{status: http.StatusNotFound, code: "not_found", msg: fmt.Sprintf("the signed PDF of contract %q: %v", cs.Contract, err), underlying: err}
		}
	case local:
		return nil, &fileError{status: http.StatusNotFound, code: "not_found", msg: fmt.Sprintf("contract %q is %q's: its signed PDF is on that node", cs.Contract, k.Org), underlying: errNotHere}
	default:
		if pdf, err = a.fetchPeer(ctx, k.Org, "/v1/cases/"+cs.ID+"/signed.pdf"); err != nil {
			return nil, err
		}
	}
	if got := sm3.Sum(pdf); !bytes.Equal(got[:], want) {
		return nil, &fileError{status: http.StatusBadGateway, code: "hash_mismatch", msg: fmt.Sprintf(
			"the signed PDF of contract %q from %q has SM3 %x; the chain recorded %x", cs.Contract, k.Org, got, want)}
	}
	return pdf, nil
}

// signedSM3 is the signed_doc_sm3 of contract's last contract_signed
// record, nil if it has none.
func (a *API) signedSM3(contract string) ([]byte, error) {
	view := a.store.View()
	q := store.Query{Limit: evidence.MaxSubjectRecords, UpTo: a.store.Last().LogSize}
	var last []byte
	for {
		page, err := view.ByContract(contract, q)
		if err != nil {
			return nil, err
		}
		for _, i := range page.Indexes {
			leaf, err := view.Entry(i)
			if err != nil {
				return nil, err
			}
			_, tx, err := evidence.Describe(leaf)
			if err != nil {
				return nil, err
			}
			if s, ok := tx.Body.(*chain.ContractSigned); ok {
				last = s.SignedDocSM3
			}
		}
		if !page.More {
			return last, nil
		}
		q.After, q.HaveAfter = page.Next, true
	}
}

// caseDocument: GET /v1/cases/{id}/document.pdf.
func (a *API) caseDocument(w http.ResponseWriter, r *http.Request) {
	cs, ok := a.viewableCase(w, r, false)
	if !ok {
		return
	}
	if cs.Status != chain.CaseIssued {
		httpjson.WriteError(w, http.StatusNotFound, "not_issued", fmt.Sprintf("case %q is %s: no document was issued", cs.ID, cs.Status))
		return
	}
	var pdf []byte
	var err error
	switch {
	case cs.Institution == a.org:
		pdf, err = a.readDocument(cs.ID)
	case r.Header.Get(peerFetchHeader) != "":
		err = &fileError{status: http.StatusNotFound, code: "not_found", msg: fmt.Sprintf("case %q's document is on %q's node", cs.ID, cs.Institution), underlying: errNotHere}
	default:
		pdf, err = a.fetchPeer(r.Context(), cs.Institution, "/v1/cases/"+cs.ID+"/document.pdf")
	}
	if err == nil {
		if got := sm3.Sum(pdf); !bytes.Equal(got[:], cs.DocumentSM3) {
			err = &fileError{status: http.StatusBadGateway, code: "hash_mismatch", msg: fmt.Sprintf(
				"case %q's document from %q has SM3 %x; the chain recorded %x", cs.ID, cs.Institution, got, cs.DocumentSM3)}
		}
	}
	if err != nil {
		a.answerFile(w, r, err)
		return
	}
	servePDF(w, documentFileName(cs), pdf)
}

func documentFileName(cs *chain.CaseState) string {
	if cs.Kind == chain.CaseAppraisal {
		return "appraisal-opinion-" + cs.ID + ".pdf"
	}
	return "notarial-certificate-" + cs.ID + ".pdf"
}

// documentPath is where this node keeps case id's issued document. Case
// ids are chain ids (letters, digits, - _ . :), never a path separator.
func (a *API) documentPath(id string) (string, error) {
	if a.files.dir == "" {
		return "", errors.New("this node keeps no issued documents (no documents directory)")
	}
	if strings.ContainsAny(id, `/\`) || id == "." || id == ".." {
		return "", fmt.Errorf("case id %q", id)
	}
	return filepath.Join(a.files.dir, id+".pdf"), nil
}

func (a *API) readDocument(id string) ([]byte, error) {
	p, err := a.documentPath(id)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil, &fileError{status: http.StatusNotFound, code: "not_found", msg: "case " + id + "'s document is missing from this node's documents directory", underlying: err}
	}
	return b, err
}

// writeDocument keeps an issued document: written whole to a temporary
// file, synced, then renamed, so a crash never leaves half a PDF.
func (a *API) writeDocument(id string, pdf []byte) error {
	p, err := a.documentPath(id)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(p), id+".*.tmp")
	if err != nil {
		return err
	}
	_, werr := f.Write(pdf)
	serr := f.Sync()
	cerr := f.Close()
	if err := errors.Join(werr, serr, cerr); err != nil {
		os.Remove(f.Name())
		return err
	}
	return os.Rename(f.Name(), p)
}

// fetchPeer GETs path from org's node, signed with this node's credential,
// bounded in size and time.
func (a *API) fetchPeer(ctx context.Context, org, path string) ([]byte, error) {
	c, err := a.peerClient(org, &http.Client{Timeout: peerTimeout})
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, peerTimeout)
	defer cancel()
	var pdf []byte
	for try := 0; ; try++ {
		pdf, err = c.Download(ctx, path, a.files.maxPDF, http.Header{peerFetchHeader: {"1"}})
		// The peer may not have committed the case's block yet: this
		// node saw it first. A few blocks' grace, then its answer stands.
		var ae *client.APIError
		if !errors.As(err, &ae) || ae.Code != "unknown_case" || try == peerRetries {
			break
		}
		select {
		case <-ctx.Done():
		case <-time.After(peerRetryWait):
			continue
		}
		break
	}
	if err != nil {
		return nil, &fileError{status: http.StatusBadGateway, code: "peer_failed", msg: fmt.Sprintf("fetch from %q's node: %v", org, err), underlying: err}
	}
	return pdf, nil
}

// peerClient is a client of org's node ([institution] peers), signing
// with this node's credential and never following redirects: a peer
// answers for itself, and must not point this node's requests elsewhere.
func (a *API) peerClient(org string, hc *http.Client) (*client.Client, error) {
	base := a.files.peers[org]
	if base == "" {
		return nil, &fileError{status: http.StatusBadGateway, code: "no_peer", msg: fmt.Sprintf(
			"the file is on %q's node and [institution] peers names no API URL for %q", org, org)}
	}
	if a.auditor == nil {
		return nil, &fileError{status: http.StatusServiceUnavailable, code: "no_credential", msg: "this node has no credential to sign a request to " + org + "'s node"}
	}
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	c, err := client.New(base, hc)
	if err != nil {
		return nil, &fileError{status: http.StatusBadGateway, code: "no_peer", msg: fmt.Sprintf("[institution] peers %s: %v", org, err), underlying: err}
	}
	if strings.HasPrefix(base, "https:") {
		cas, err := client.GenesisOrgCAs(a.genesis)
		if err != nil {
			return nil, err
		}
		conf, err := client.TLSConfig(client.TLSOptions{CAs: cas})
		if err != nil {
			return nil, err
		}
		c = c.WithTLS(conf)
	}
	return c.WithRequestSigner(a.chainID, a.auditor.Cert, a.auditor.Key), nil
}
