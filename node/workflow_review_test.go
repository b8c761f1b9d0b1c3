package node

import (
	"bytes"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sealchain/sealchain/workflow/template"
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

// TestTemplatesWithoutFont: listing templates works without the CJK font
// (fields and roles, no example areas), and a missing font is not
// remembered: once it is there, the next listing places the areas.
func TestTemplatesWithoutFont(t *testing.T) {
	path := filepath.Join(t.TempDir(), "font.ttf")
	b := &builtinTemplates{fontPath: path}
	ds, err := b.describe()
	if err != nil || len(ds) == 0 {
		t.Fatalf("describe without the font: %d templates, %v", len(ds), err)
	}
	for _, d := range ds {
		if len(d.Fields) == 0 || len(d.Roles) == 0 {
			t.Fatalf("template %s described without fields or roles", d.ID)
		}
		for _, r := range d.Roles {
			if r.Area.Example != nil || r.Area.W == 0 {
				t.Fatalf("template %s role %s: area %+v without the font", d.ID, r.Name, r.Area)
			}
		}
	}
	font, err := os.ReadFile(template.DefaultFontPath)
	if err != nil {
		t.Skipf("no CJK font to install: %v", err)
	}
	if err := os.WriteFile(path, font, 0o644); err != nil {
		t.Fatal(err)
	}
	ds, err = b.describe()
	if err != nil {
		t.Fatal(err)
	}
	if ds[0].Roles[0].Area.Example == nil {
		t.Fatal("the font was installed, but the areas are still not placed: the failure was cached")
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
		a := &api{production: tc.production, publicURLSet: tc.set, publicURL: "https://court.example"}
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
