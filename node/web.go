package node

import (
	"bytes"
	"compress/gzip"
	"embed"
	"html/template"
	"io"
	"io/fs"
	"net/http"
	"path"
	"strings"
)

// The verification page and its assets. sealchain.wasm.gz is the offline
// verifier (cmd/sealchain-wasm) built by `make wasm`; TestWebWasmUpToDate
// fails when it no longer matches its sources.
//
//go:embed web/index.html web/app.js web/style.css web/wasm_exec.js web/sealchain.wasm.gz
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
	route("GET /web/sealchain.wasm", webWasm)
	route("GET /web/{asset}", webAsset)
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

// webWasm serves the committed gzip as is to clients that accept gzip (all
// browsers) and decompresses it for the others.
func webWasm(w http.ResponseWriter, r *http.Request) {
	gz, err := webFS.ReadFile("web/sealchain.wasm.gz")
	if err != nil {
		writeError(w, http.StatusNotFound, "not_found", "the verifier is not built into this node")
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
		writeError(w, http.StatusInternalServerError, "internal", "the embedded verifier is corrupt")
		return
	}
	_, _ = io.Copy(w, zr)
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
