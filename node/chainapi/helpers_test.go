package chainapi

import (
	"net/http"

	"github.com/sealchain/sealchain/node/httpjson"
)

func ptr[T any](v T) *T { return &v }

// Short names for the shared plumbing (node/httpjson), as the tests use them.
func writeJSON(w http.ResponseWriter, status int, v any) { httpjson.Write(w, status, v) }

func writeError(w http.ResponseWriter, status int, code, msg string) {
	httpjson.WriteError(w, status, code, msg)
}

type (
	errorBody = httpjson.ErrorBody
	apiError  = httpjson.Error
)
