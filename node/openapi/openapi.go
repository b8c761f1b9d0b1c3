package openapi

import (
	_ "embed"
	"net/http"
	"strconv"
)

// Spec is openapi.yaml as embedded in the binary.
//
//go:embed openapi.yaml
var spec []byte

// Spec returns a copy of the OpenAPI document.
func Spec() []byte { return append([]byte(nil), spec...) }

// Route is the pattern the document is served at.
const Route = "GET /openapi.yaml"

// Serve answers the document (no authentication: it describes the API,
// not any data).
func Serve(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/yaml; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Length", strconv.Itoa(len(spec)))
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write(spec)
}
