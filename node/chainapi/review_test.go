package chainapi

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
		a := &API{logger: slog.New(slog.NewTextHandler(&buf, nil))}
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

// TestReportPublicURL: a production node without [api] public_url queues
// no report whose QR code would name its listen address; the startup
// warning names api.public_url when the listen address is loopback or
// unspecified.
func TestReportPublicURL(t *testing.T) {
	for _, tc := range []struct {
		production, set bool
		ok              bool
	}{
		{false, false, true}, {false, true, true}, {true, true, true}, {true, false, false},
	} {
		a := &API{rep: reporting{production: tc.production, publicURLSet: tc.set, publicURL: "https://court.example"}}
		if _, ok := a.defaultVerifyURL(); ok != tc.ok {
			t.Errorf("production %v, public_url set %v: ok %v", tc.production, tc.set, ok)
		}
	}
	for _, tc := range []struct {
		public, bound string
		warn          bool
	}{
		{"", "127.0.0.1:8080", true},
		{"", "[::1]:8080", true},
		{"", "0.0.0.0:8080", true},
		{"", "[::]:8080", true},
		{"", "localhost:8080", true},
		{"", "10.1.2.3:8080", false},
		{"https://sealchain.court.example", "127.0.0.1:8080", false},
	} {
		msg := publicURLWarning(tc.public, tc.bound)
		if (msg != "") != tc.warn || (tc.warn && !strings.Contains(msg, "api.public_url")) {
			t.Errorf("publicURLWarning(%q, %q) = %q", tc.public, tc.bound, msg)
		}
	}
}
