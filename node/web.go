package node

import (
	"bytes"
	"compress/gzip"
	"embed"
	"html/template"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// The verification page and its assets. The verifier itself
// (sealchain.wasm.gz, cmd/sealchain-wasm) is built from source by `make
// build` next to the binary, not committed: see api.verifierWasm.
//
//go:embed web/index.html web/app.js web/style.css web/wasm_exec.js
var webFS embed.FS

var webPage = template.Must(template.ParseFS(webFS, "web/index.html"))

// webCSP lets the page run its own scripts and compile WebAssembly, and
// talk only to this node.
const webCSP = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; " +
	"img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// registerWeb adds the verification page: GET / and GET /verify (HTML),
// GET /web/{asset} (script, styles) and GET /web/sealchain.wasm (the
// verifier, gzip-encoded). The page verifies in the browser; the node only
// supplies the bundle (GET /v1/evidence) and its genesis (GET /v1/genesis).
func (a *api) registerWeb() {
	route := func(pattern string, h http.HandlerFunc) {
		a.mux.Handle(pattern, a.metrics.instrument(pattern, h))
	}
	route("GET /{$}", a.webPage)
	route("GET /verify", a.webPage)
	route("GET /web/sealchain.wasm", a.webWasm)
	route("GET /web/{asset}", webAsset)
	a.registerSign()
}

// webPageData fills web/index.html.
type webPageData struct {
	ChainID string
	Org     string
	Lang    string // zh or en
}

func (a *api) webPage(w http.ResponseWriter, r *http.Request) {
	lang := "zh"
	switch q := r.URL.Query().Get("lang"); {
	case q == "en" || q == "zh":
		lang = q
	case q == "" && strings.HasPrefix(r.Header.Get("Accept-Language"), "en"):
		lang = "en"
	}
	var buf bytes.Buffer
	if err := webPage.Execute(&buf, webPageData{ChainID: a.chainID, Org: a.org, Lang: lang}); err != nil {
		a.internal(w, r, err)
		return
	}
	webHeaders(w, "text/html; charset=utf-8")
	_, _ = w.Write(buf.Bytes())
}

var webTypes = map[string]string{
	".js":  "text/javascript; charset=utf-8",
	".css": "text/css; charset=utf-8",
}

func webAsset(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("asset")
	ctype, ok := webTypes[path.Ext(name)]
	if !ok {
		writeError(w, http.StatusNotFound, "not_found", "no asset "+name)
		return
	}
	data, err := fs.ReadFile(webFS, "web/"+name)
	if err != nil {
		writeError(w, http.StatusNotFound, "not_found", "no asset "+name)
		return
	}
	webHeaders(w, ctype)
	_, _ = w.Write(data)
}

// webWasm serves the verifier's gzip as is to clients that accept gzip
// (all browsers) and decompresses it for the others.
func (a *api) webWasm(w http.ResponseWriter, r *http.Request) {
	gz, err := a.verifierWasm()
	if err != nil {
		a.logger.Error("verifier wasm", "err", err)
		writeError(w, http.StatusNotFound, "not_built", "the browser verifier is not built for this node (make build, or set [api] verifier_wasm)")
		return
	}
	webHeaders(w, "application/wasm")
	w.Header().Add("Vary", "Accept-Encoding")
	if acceptsGzip(r) {
		w.Header().Set("Content-Encoding", "gzip")
		_, _ = w.Write(gz)
		return
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		writeError(w, http.StatusInternalServerError, "internal", "the verifier file is corrupt")
		return
	}
	_, _ = io.Copy(w, zr)
}

// verifierWasm reads the gzip'd verifier once: [api] verifier_wasm, or
// sealchain.wasm.gz beside the running binary (where `make build` puts it).
func (a *api) verifierWasm() ([]byte, error) {
	a.wasmOnce.Do(func() {
		p := a.wasmPath
		if p == "" {
			exe, err := os.Executable()
			if err != nil {
				a.wasmErr = err
				return
			}
			p = filepath.Join(filepath.Dir(exe), "sealchain.wasm.gz")
		}
		a.wasm, a.wasmErr = os.ReadFile(p)
	})
	return a.wasm, a.wasmErr
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(enc), "gzip") && strings.ReplaceAll(q, " ", "") != "q=0" {
			return true
		}
	}
	return false
}

// webHeaders sets the content type and the page's security headers. Assets
// are revalidated on every load so a node upgrade never mixes versions.
func webHeaders(w http.ResponseWriter, ctype string) {
	h := w.Header()
	h.Set("Content-Type", ctype)
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", webCSP)
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
}
