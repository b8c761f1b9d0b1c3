package node

import (
	"bytes"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestInternalErrorLogHidesToken: a 500 on a route with a signing link
// (the signing page GET /sign/{token}, the signer API) is logged without
// the token: the log must not hold working links.
func TestInternalErrorLogHidesToken(t *testing.T) {
	const tok = "q9Zx0-secret-token-0123456789abcdefghijklmno"
	for _, path := range []string{"/sign/" + tok, "/v1/sign/" + tok + "/pdf"} {
		var buf bytes.Buffer
		a := &api{logger: slog.New(slog.NewTextHandler(&buf, nil))}
		r := httptest.NewRequest(http.MethodGet, path, nil)
		r.SetPathValue("token", tok)
		rw := httptest.NewRecorder()
		a.internal(rw, r, errors.New("boom"))
		if rw.Code != http.StatusInternalServerError {
			t.Fatalf("%s: status %d", path, rw.Code)
		}
		if strings.Contains(buf.String(), tok) || !strings.Contains(buf.String(), "<token>") {
			t.Fatalf("%s: log %q", path, buf.String())
		}
	}
}

// TestIdempotentAnswerKept: which answers a retry with the same
// Idempotency-Key gets again. "Not now" answers (429 with Retry-After,
// 503, 409 not your turn, 423) are not kept.
func TestIdempotentAnswerKept(t *testing.T) {
	for _, tc := range []struct {
		status int
		kept   bool
	}{
		{200, true}, {201, true}, {400, true}, {403, true}, {404, true}, {410, true}, {413, true}, {422, true},
		{0, false}, {408, false}, {409, false}, {423, false}, {425, false}, {429, false}, {500, false}, {502, false}, {503, false},
	} {
		if got := finalAnswer(tc.status); got != tc.kept {
			t.Errorf("finalAnswer(%d) = %v, want %v", tc.status, got, tc.kept)
		}
	}
}
