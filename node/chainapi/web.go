package chainapi

import (
	"bytes"
	"compress/gzip"
	"errors"
	"html/template"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sealchain/sealchain/node/httpjson"
	"github.com/sealchain/sealchain/node/web"
)

// The verification page and its assets. The verifier itself
// (sealchain.wasm.gz, cmd/sealchain-wasm) is built from source by `make
// build` (by `make run` in the background) next to the binary, not
// committed: see verifierFile.
var webPage = template.Must(template.ParseFS(web.Verify, "index.html"))

// inboxPage is the institution inbox (GET /inbox): the page only calls the
// case API (GET /v1/inbox, /v1/cases/...), authenticated as any API call.
var inboxPage = template.Must(template.ParseFS(web.Verify, "inbox.html"))

// registerWeb adds the verification page: GET / and GET /verify (HTML),
// the institution inbox GET /inbox (HTML),
// GET /web/{asset} (script, styles) and GET /web/sealchain.wasm (the
// verifier, gzip-encoded). The page verifies in the browser; the node only
// supplies the bundle (GET /v1/evidence) and its genesis (GET /v1/genesis).
func (a *API) registerWeb(route func(string, http.HandlerFunc)) {
	route("GET /{$}", a.webPage)
	route("GET /verify", a.webPage)
	route("GET /inbox", a.webInbox)
	route("GET /web/sealchain.wasm", a.webWasm)
	route("GET /web/{asset}", webAsset)
}

// webPageData fills web/index.html.
type webPageData struct {
	ChainID string
	Org     string
	// Role is the node organisation's role on chain ("" if unknown): the
	// inbox page lists the cases to a notary office or appraisal
	// institution, and the cases an applicant opened otherwise.
	Role string
	Lang string // zh or en
	// Verifier is verifierReady, verifierBuilding or verifierMissing; the
	// page says so (and gives the command line) when it is not ready.
	Verifier string
	CLI      string
}

func (a *API) webPage(w http.ResponseWriter, r *http.Request) {
	a.servePage(w, r, webPage)
}

func (a *API) webInbox(w http.ResponseWriter, r *http.Request) {
	a.servePage(w, r, inboxPage)
}

// servePage fills a page in the language asked for (?lang=, else the
// browser's Accept-Language, else Chinese).
func (a *API) servePage(w http.ResponseWriter, r *http.Request, page *template.Template) {
	lang := "zh"
	switch q := r.URL.Query().Get("lang"); {
	case q == "en" || q == "zh":
		lang = q
	case q == "" && strings.HasPrefix(r.Header.Get("Accept-Language"), "en"):
		lang = "en"
	}
	role := ""
	if a.store != nil && a.org != "" {
		if o, _, err := a.store.View().Org(a.org); err == nil && o != nil {
			role = string(o.Role)
		}
	}
	var buf bytes.Buffer
	if err := page.Execute(&buf, webPageData{ChainID: a.chainID, Org: a.org, Role: role, Lang: lang, Verifier: a.wasm.status(), CLI: verifierCLIHint}); err != nil {
		a.internal(w, r, err)
		return
	}
	web.Headers(w, "text/html; charset=utf-8")
	_, _ = w.Write(buf.Bytes())
}

func webAsset(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("asset")
	ctype, ok := web.Types[path.Ext(name)]
	if !ok {
		httpjson.WriteError(w, http.StatusNotFound, "not_found", "no asset "+name)
		return
	}
	data, err := fs.ReadFile(web.Verify, name)
	if err != nil {
		httpjson.WriteError(w, http.StatusNotFound, "not_found", "no asset "+name)
		return
	}
	web.Headers(w, ctype)
	_, _ = w.Write(data)
}

// The browser verifier's states, as the page and GET /web/sealchain.wasm
// report them.
const (
	verifierReady    = "ready"
	verifierBuilding = "building" // `make run` builds it in the background
	verifierMissing  = "missing"
)

// verifierCLIHint is the command-line alternative the page offers while the
// browser verifier is not there.
const verifierCLIHint = "sealchain verify --bundle bundle.json --file contract.pdf --genesis genesis.json"

// webWasm serves the verifier's gzip as is to clients that accept gzip
// (all browsers) and decompresses it for the others. While `make run` is
// still building it (bin/sealchain.wasm.gz.building names a live process)
// the answer is 503 with Retry-After, which the page shows and retries.
func (a *API) webWasm(w http.ResponseWriter, r *http.Request) {
	gz, err := a.wasm.load()
	switch {
	case errors.Is(err, errVerifierBuilding):
		w.Header().Set("Retry-After", "60")
		httpjson.WriteError(w, http.StatusServiceUnavailable, "verifier_building",
			"the browser verifier is being built (make run builds it in the background; its log is wasm.log beside the node's binary); retry in a minute, or verify on the command line: "+verifierCLIHint)
		return
	case err != nil:
		a.logger.Warn("verifier wasm", "err", err)
		httpjson.WriteError(w, http.StatusNotFound, "not_built",
			"the browser verifier is not built for this node (make wasm, or set [api] verifier_wasm); verify on the command line meanwhile: "+verifierCLIHint)
		return
	}
	web.Headers(w, "application/wasm")
	w.Header().Add("Vary", "Accept-Encoding")
	if acceptsGzip(r) {
		w.Header().Set("Content-Encoding", "gzip")
		_, _ = w.Write(gz)
		return
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		httpjson.WriteError(w, http.StatusInternalServerError, "internal", "the verifier file is corrupt")
		return
	}
	_, _ = io.Copy(w, zr)
}

// errVerifierBuilding: the file is not there yet, a build is running.
var errVerifierBuilding = errors.New("the browser verifier is being built")

// verifierFile is the gzip'd browser verifier: [api] verifier_wasm, or
// sealchain.wasm.gz beside the running binary (where `make build` puts it).
// It is read again whenever the file changes, so a node started before its
// verifier finished building serves it as soon as it is there, without a
// restart. A build in progress announces itself with <file>.building, which
// holds the builder's pid (scripts/build-wasm.sh).
type verifierFile struct {
	path string // configured; "" means beside the binary
	// alive tells whether a process runs (the build marker's pid); nil:
	// assume it does.
	alive func(pid int) bool

	mu   sync.Mutex
	data []byte
	mod  time.Time
	size int64
}

func (v *verifierFile) resolve() (string, error) {
	if v.path != "" {
		return v.path, nil
	}
	exe, err := os.Executable()
	if err != nil {
		return "", err
	}
	return filepath.Join(filepath.Dir(exe), "sealchain.wasm.gz"), nil
}

// status is the verifier's state without reading it.
func (v *verifierFile) status() string {
	p, err := v.resolve()
	if err != nil {
		return verifierMissing
	}
	if _, err := os.Stat(p); err == nil {
		return verifierReady
	}
	if verifierBuildRunning(p, v.alive) {
		return verifierBuilding
	}
	return verifierMissing
}

func (v *verifierFile) load() ([]byte, error) {
	p, err := v.resolve()
	if err != nil {
		return nil, err
	}
	st, err := os.Stat(p)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) && verifierBuildRunning(p, v.alive) {
			return nil, errVerifierBuilding
		}
		return nil, err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.data != nil && st.ModTime().Equal(v.mod) && st.Size() == v.size {
		return v.data, nil
	}
	data, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	v.data, v.mod, v.size = data, st.ModTime(), st.Size()
	return data, nil
}

// verifierBuildRunning reports whether <p>.building names a live process
// and is younger than maxBuildMarkerAge: a build killed half way (Ctrl-C on
// make run) leaves a marker whose pid is gone, or since reused by another
// process (and off Unix, processAlive cannot tell), and the page must not
// promise a verifier forever.
func verifierBuildRunning(p string, alive func(int) bool) bool {
	st, err := os.Stat(p + ".building")
	if err != nil || time.Since(st.ModTime()) > maxBuildMarkerAge {
		return false
	}
	b, err := os.ReadFile(p + ".building")
	if err != nil {
		return false
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	return err == nil && pid > 0 && (alive == nil || alive(pid))
}

// maxBuildMarkerAge bounds a build's marker: a build takes minutes; after
// this the marker is stale whatever its pid (scripts/build-wasm.sh agrees).
const maxBuildMarkerAge = 30 * time.Minute

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(enc), "gzip") && strings.ReplaceAll(q, " ", "") != "q=0" {
			return true
		}
	}
	return false
}
