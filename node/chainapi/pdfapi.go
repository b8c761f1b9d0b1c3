package chainapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"image"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/smx509"
	golru "github.com/hashicorp/golang-lru/v2"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/chain/store"
	"github.com/sealchain/sealchain/config"
	"github.com/sealchain/sealchain/node/httpjson"
	"github.com/sealchain/sealchain/signer"
	"github.com/sealchain/sealchain/signer/pdf"
	"github.com/sealchain/sealchain/signer/seal"
)

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
// time as its signing time instead of the time the PDF claims. The route is
// public, so its cost is bounded: the body by [api] pdf_max_bytes, the work
// by the verifier's linear passes and caps (pdf.MaxSignatures,
// pdf.MaxRevisions), and the verifications running at once by
// [api] pdf_verify_concurrency and one per client.
//
// The body is read before a verification slot is taken, so that a slow
// client holds only its own upload slot: uploads are bounded to one per
// client and [heavy.uploads] node-wide (so at most that many bodies are in
// memory), each within pdfReadTimeout. The verification then runs under
// pdfVerifyTimeout and stops when the client goes away.
func (a *API) pdfVerify(w http.ResponseWriter, r *http.Request) {
	h := a.heavyRoutes()
	up, ok := a.verifyUpload(w, r)
	if !ok {
		return
	}
	defer up.release()
	data, ctx, view, roots := up.data, up.ctx, up.view, up.roots
	// Signed revisions come in file order, so one running SM3 over the
	// file gives every revision's hash.
	prefix := &prefixSM3{data: data}
	facts := map[int]pdfChainFact{}
	var lookupErr error
	upTo := a.store.Last().LogSize
	chainTime := func(s *pdf.SignatureReport) (time.Time, bool) {
		end := s.Scope.ByteRange[2] + s.Scope.ByteRange[3]
		if lookupErr != nil || s.SignedBy == nil || end <= 0 || end > int64(len(data)) {
			return time.Time{}, false
		}
		h := prefix.sum(int(end))
		p, err := view.ByDoc(h, store.Query{Limit: 16, UpTo: upTo})
		if err != nil {
			lookupErr = err
			return time.Time{}, false
		}
		for _, idx := range p.Indexes {
			leaf, err := view.Entry(idx)
			if err != nil {
				lookupErr = err
				return time.Time{}, false
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
			if !ok || tx.Actor == nil || tx.Actor.Cert.String() != s.SignedBy.Fingerprint || string(cs.SignedDocSM3) != string(h) {
				continue
			}
			facts[s.Index] = pdfChainFact{Signature: s.Index, LogIndex: en.Index, Height: en.Height, BlockTime: en.Time,
				ContractID: cs.Contract, TxHash: chain.TxHash(en.Tx).String()}
		}
		f, ok := facts[s.Index]
		return f.BlockTime, ok
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
		SigningTimeOf: chainTime,
	}
	rep, err := pdf.VerifyContext(ctx, data, opts)
	switch {
	case r.Context().Err() != nil:
		return // the client went away; nobody reads an answer
	case errors.Is(err, context.DeadlineExceeded):
		httpjson.WriteError(w, http.StatusUnprocessableEntity, "too_complex", fmt.Sprintf("verification did not finish within %s; the file is too complex to verify here", h.verifyTimeout))
		return
	case errors.Is(err, pdf.ErrNoSignature):
		httpjson.WriteError(w, http.StatusUnprocessableEntity, "no_signature", "the PDF has no signature")
		return
	case errors.Is(err, pdf.ErrTooComplex):
		httpjson.WriteError(w, http.StatusUnprocessableEntity, "too_complex", err.Error())
		return
	case err != nil:
		httpjson.WriteError(w, http.StatusUnprocessableEntity, "bad_pdf", err.Error())
		return
	case lookupErr != nil:
		a.internal(w, r, lookupErr)
		return
	}
	recorded := make([]pdfChainFact, 0, len(facts))
	for i := range rep.Signatures {
		if f, ok := facts[i]; ok {
			recorded = append(recorded, f)
		}
	}
	httpjson.Write(w, http.StatusOK, map[string]any{"report": rep, "on_chain": recorded})
}

// prefixSM3 hashes prefixes of data of increasing length with one running
// SM3; a shorter prefix than the last restarts it.
type prefixSM3 struct {
	data []byte
	h    hash.Hash
	pos  int
}

func (p *prefixSM3) sum(end int) []byte {
	if p.h == nil || end < p.pos {
		p.h, p.pos = sm3.New(), 0
	}
	p.h.Write(p.data[p.pos:end])
	p.pos = end
	return p.h.Sum(nil)
}

// Time limits of POST /v1/pdf/verify: receiving the body, then verifying it
// (a normal 64 MiB PDF verifies in well under a second).
const (
	pdfReadTimeout   = 30 * time.Second
	pdfVerifyTimeout = 5 * time.Second
)

// pdfUploadsPerSlot sets the bodies received at once node-wide: this many
// per verification slot ([api] pdf_verify_concurrency), so at most
// pdfUploadsPerSlot × pdf_verify_concurrency × pdf_max_bytes of bodies are
// in memory.
const pdfUploadsPerSlot = 4

// MaxRenderSize bounds the side of seals drawn through the API: the seals
// the signing pages use are 300–400 px, and a 2048 px render cost seconds
// of CPU.
const MaxRenderSize = 1024

// Render limits per client: a token bucket of renderBurst renders refilled
// one every RenderEvery; cache hits are free.
const (
	renderBurst = 10
	RenderEvery = 2 * time.Second
)

// sealRender draws a seal image: {"kind": "enterprise"|"personal", "name",
// "purpose", "code", "size"} → image/png. Renders are cached by their
// canonical request; new ones are rate-limited per client and bounded in
// number by [api] seal_render_concurrency.
func (a *API) sealRender(w http.ResponseWriter, r *http.Request) {
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
	switch in.Kind {
	case "enterprise":
		if in.Size == 0 {
			in.Size = seal.DefaultEnterpriseSize
		}
	case "personal":
		if in.Size == 0 {
			in.Size = seal.DefaultPersonalSize
		}
		in.Purpose, in.Code = "", "" // not drawn
	default:
		httpjson.WriteError(w, http.StatusBadRequest, "bad_field", "field kind: want enterprise or personal")
		return
	}
	if in.Size > MaxRenderSize {
		httpjson.WriteError(w, http.StatusBadRequest, "bad_field", fmt.Sprintf("field size: %d, at most %d", in.Size, MaxRenderSize))
		return
	}
	h := a.heavyRoutes()
	key, _ := json.Marshal(in) // the canonical request: fixed field order, defaults filled in
	if png, ok := h.renders.get(string(key)); ok {
		writePNG(w, png, "hit")
		return
	}
	// The slot first: a request refused for want of one keeps its token.
	release, ok := h.render.acquire(w, r)
	if !ok {
		return
	}
	defer release()
	if !h.renderRate.allow(clientOf(r)) {
		w.Header().Set("Retry-After", strconv.Itoa(int(RenderEvery/time.Second)))
		httpjson.WriteError(w, http.StatusTooManyRequests, "too_many_requests", fmt.Sprintf("seal renders are limited to %d at once and one every %s per client; retry later", renderBurst, RenderEvery))
		return
	}
	var (
		img image.Image
		err error
	)
	if in.Kind == "enterprise" {
		img, err = seal.Enterprise(seal.EnterpriseOptions{Name: in.Name, Purpose: in.Purpose, Code: in.Code, Size: in.Size})
	} else {
		img, err = seal.Personal(seal.PersonalOptions{Name: in.Name, AppendYin: true, Size: in.Size})
	}
	switch {
	case errors.Is(err, seal.ErrFont):
		a.internal(w, r, err) // the node's font is missing: an operator problem
		return
	case err != nil:
		httpjson.WriteError(w, http.StatusBadRequest, "bad_field", err.Error())
		return
	}
	png, err := seal.EncodePNG(img)
	if err != nil {
		a.internal(w, r, err)
		return
	}
	h.renders.put(string(key), png)
	writePNG(w, png, "miss")
}

func writePNG(w http.ResponseWriter, png []byte, cache string) {
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("X-Seal-Cache", cache)
	_, _ = w.Write(png)
}

// heavy holds the limits of the public routes that cost CPU.
type heavy struct {
	pdfMaxBytes int64
	// readTimeout and verifyTimeout are pdfReadTimeout and
	// pdfVerifyTimeout (shorter in tests).
	readTimeout, verifyTimeout time.Duration
	uploads                    *limiter // PDF bodies being received and verified
	pdf                        *limiter
	render                     *limiter
	renderRate                 *clientRate
	renders                    *lru
}

func newHeavy(c config.API) *heavy {
	return &heavy{
		pdfMaxBytes: c.PDFMaxBytes,
		readTimeout: pdfReadTimeout, verifyTimeout: pdfVerifyTimeout,
		uploads:    newLimiter("PDF uploads", "api.pdf_verify_concurrency", pdfUploadsPerSlot*c.PDFVerifyConcurrency),
		pdf:        newLimiter("PDF verifications", "api.pdf_verify_concurrency", c.PDFVerifyConcurrency),
		render:     newLimiter("seal renders", "api.seal_render_concurrency", c.SealRenderConcurrency),
		renderRate: newClientRate(renderBurst, RenderEvery),
		renders:    newLRU(256, 32<<20),
	}
}

// heavyRoutes returns the limits, the defaults when the api was built
// without a configuration (tests).
func (a *API) heavyRoutes() *heavy {
	a.heavyOnce.Do(func() {
		if a.heavy == nil {
			a.heavy = newHeavy(config.Default().API)
		}
	})
	return a.heavy
}

// clientOf is the client's IP address (behind a reverse proxy, the
// proxy's), IPv6 addresses by their /64: one host commonly holds a whole
// /64, and keying by address would give it 2^64 clients' limits.
func clientOf(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	ip = ip.Unmap().WithZone("")
	if ip.Is4() {
		return ip.String()
	}
	p, err := ip.Prefix(64)
	if err != nil {
		return host
	}
	return p.String()
}

// limiter bounds requests running at once: max node-wide and one per
// client. Excess requests are answered at once rather than queued, so that
// waiting requests hold neither memory nor connections.
type limiter struct {
	what, key string
	max       int
	mu        sync.Mutex
	running   int
	clients   map[string]bool
}

func newLimiter(what, key string, max int) *limiter {
	return &limiter{what: what, key: key, max: max, clients: map[string]bool{}}
}

// acquire takes a slot or writes 429 (this client already has one) or 503
// (node-wide limit) and returns false.
func (l *limiter) acquire(w http.ResponseWriter, r *http.Request) (func(), bool) {
	c := clientOf(r)
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case l.clients[c]:
		w.Header().Set("Retry-After", "1")
		httpjson.WriteError(w, http.StatusTooManyRequests, "too_many_requests", fmt.Sprintf("this client already has one of the %s running; retry when it is done", l.what))
		return nil, false
	case l.running >= l.max:
		w.Header().Set("Retry-After", "1")
		httpjson.WriteError(w, http.StatusServiceUnavailable, "busy", fmt.Sprintf("%d %s running, the node's limit (%s); retry later", l.running, l.what, l.key))
		return nil, false
	}
	l.running++
	l.clients[c] = true
	return func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		l.running--
		delete(l.clients, c)
	}, true
}

// clientRate is a token bucket per client.
type clientRate struct {
	burst int
	every time.Duration
	mu    sync.Mutex
	m     map[string]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time
}

// maxRateClients bounds the buckets remembered; full buckets are dropped
// first.
const maxRateClients = 10000

func newClientRate(burst int, every time.Duration) *clientRate {
	return &clientRate{burst: burst, every: every, m: map[string]*bucket{}}
}

func (c *clientRate) allow(client string) bool {
	now := time.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	b, ok := c.m[client]
	if !ok {
		if len(c.m) >= maxRateClients {
			c.evict(now)
		}
		b = &bucket{tokens: float64(c.burst), at: now}
		c.m[client] = b
	}
	b.tokens = min(float64(c.burst), b.tokens+float64(now.Sub(b.at))/float64(c.every))
	b.at = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// evict drops the buckets that have refilled (they behave as new ones),
// or all of them if none has.
func (c *clientRate) evict(now time.Time) {
	full := time.Duration(c.burst) * c.every
	for k, b := range c.m {
		if now.Sub(b.at) >= full {
			delete(c.m, k)
		}
	}
	if len(c.m) >= maxRateClients {
		clear(c.m)
	}
}

// lru is a cache bounded by entries and bytes: golang-lru bounds the
// entries, and entries are dropped oldest first past the bytes.
type lru struct {
	maxBytes int
	mu       sync.Mutex // guards bytes and keeps it in step with c
	bytes    int
	c        *golru.Cache[string, []byte]
}

func newLRU(maxEntries, maxBytes int) *lru {
	l := &lru{maxBytes: maxBytes}
	// The callback runs inside Add and RemoveOldest, under l.mu.
	c, err := golru.NewWithEvict(maxEntries, func(_ string, v []byte) { l.bytes -= len(v) })
	if err != nil {
		panic(fmt.Sprintf("lru of %d entries: %v", maxEntries, err)) // a programming error: sizes are constants
	}
	l.c = c
	return l
}

func (l *lru) get(key string) ([]byte, bool) {
	return l.c.Get(key)
}

func (l *lru) put(key string, val []byte) {
	if len(val) > l.maxBytes {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.c.Remove(key) // a value already there: the callback subtracts it
	l.bytes += len(val)
	l.c.Add(key, val)
	for l.bytes > l.maxBytes {
		if _, _, ok := l.c.RemoveOldest(); !ok {
			break
		}
	}
}

// upload is a document a verification route read within the heavy
// routes' bounds (heavyRoutes): its bytes, a context bounded by the
// verification timeout, the committed state it is checked against and the
// organisations' CAs there. release frees the upload and verification
// slots.
type upload struct {
	data    []byte
	ctx     context.Context
	view    store.View
	roots   []*smx509.Certificate
	release func()
}

// verifyUpload reads a PDF or OFD body for POST /v1/pdf/verify and POST
// /v1/ofd/verify: one upload slot while the body arrives (api.pdf_max_bytes,
// its own read deadline), then one verification slot. On false it has
// answered the request.
func (a *API) verifyUpload(w http.ResponseWriter, r *http.Request) (*upload, bool) {
	h := a.heavyRoutes()
	releaseUpload, ok := h.uploads.acquire(w, r)
	if !ok {
		return nil, false
	}
	defer releaseUpload()
	// A deadline for this body alone; the server's ReadTimeout is longer
	// and shared by every route.
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(h.readTimeout))
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.pdfMaxBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		switch {
		case errors.As(err, &mbe):
			httpjson.WriteError(w, http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("body exceeds %d bytes (api.pdf_max_bytes)", h.pdfMaxBytes))
		case errors.Is(err, os.ErrDeadlineExceeded):
			httpjson.WriteError(w, http.StatusRequestTimeout, "timeout", fmt.Sprintf("body not received within %s", h.readTimeout))
		default:
			httpjson.WriteError(w, http.StatusBadRequest, "bad_request", "read body: "+err.Error())
		}
		return nil, false
	}
	release, ok := h.pdf.acquire(w, r)
	if !ok {
		return nil, false
	}
	view := a.store.View()
	orgs, err := view.Orgs()
	if err != nil {
		release()
		a.internal(w, r, err)
		return nil, false
	}
	var roots []*smx509.Certificate
	for _, o := range orgs {
		c, err := smx509.ParseCertificate(o.CACert)
		if err != nil {
			release()
			a.internal(w, r, err)
			return nil, false
		}
		roots = append(roots, c)
	}
	ctx, cancel := context.WithTimeout(r.Context(), h.verifyTimeout)
	return &upload{data: data, ctx: ctx, view: view, roots: roots, release: func() { cancel(); release() }}, true
}
