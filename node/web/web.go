package web

import (
	"embed"
	"net/http"
)

// Verify is the verification page, the institution inbox page
// (inbox.html, inbox.js) and their assets; both are served from it by
// node/chainapi, assets under /web/.
//
//go:embed index.html app.js style.css wasm_exec.js inbox.html inbox.js
var Verify embed.FS

// Sign is the signing and progress pages and their assets.
//
//go:embed sign/index.html sign/sign.js sign/sign.css sign/progress.html sign/progress.js sign/batch.html sign/batch.js
var Sign embed.FS

// CSP lets a page run its own scripts and compile WebAssembly, and talk
// only to this node.
const CSP = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; " +
	"img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// Types are the content types of the assets, by extension.
var Types = map[string]string{
	".js":  "text/javascript; charset=utf-8",
	".css": "text/css; charset=utf-8",
}

// Headers sets the content type and the page's security headers. Assets
// are revalidated on every load so a node upgrade never mixes versions.
func Headers(w http.ResponseWriter, ctype string) {
	h := w.Header()
	h.Set("Content-Type", ctype)
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", CSP)
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
}
