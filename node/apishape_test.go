package node

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
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

func getJSON(ctx context.Context, hc *http.Client, url string) (int, map[string]any, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	resp, err := hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		return resp.StatusCode, nil, fmt.Errorf("not JSON: %q", body)
	}
	return resp.StatusCode, m, nil
}
