package node

import (
	"net/http"

	"github.com/sealchain/sealchain/node/httpjson"
)

// The API's error shapes, as the tests decode them.
type (
	errorBody = httpjson.ErrorBody
	apiError  = httpjson.Error
)

func writeJSON(w http.ResponseWriter, status int, v any) { httpjson.Write(w, status, v) }

func writeError(w http.ResponseWriter, status int, code, msg string) {
	httpjson.WriteError(w, status, code, msg)
}

// The workflow API's idempotency headers (docs/workflow.md).
const (
	idemHeader   = "Idempotency-Key"
	idemReplayed = "Idempotent-Replayed"
)
