package apitest

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestLoad(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Keys()) < 90 {
		t.Fatalf("%d operations, want the whole API", len(c.Keys()))
	}
}

func TestSpecKey(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"GET /{$}", "GET /"},
		{"GET /v1/ocsp/{org}/{req...}", "GET /v1/ocsp/{org}/{req}"},
		{"POST /v1/txs", "POST /v1/txs"},
	} {
		if got := SpecKey(tc.in); got != tc.want {
			t.Errorf("SpecKey(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestCheckRoutes(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	var patterns []string
	for _, k := range c.Keys() {
		patterns = append(patterns, k)
	}
	if err := c.CheckRoutes(patterns); err != nil {
		t.Fatalf("the document's own keys: %v", err)
	}
	err = c.CheckRoutes(append(patterns[1:], "POST /v1/wf/not-a-route"))
	if err == nil || !strings.Contains(err.Error(), `route "POST /v1/wf/not-a-route" is not in node/openapi/openapi.yaml: add paths."/v1/wf/not-a-route".post`) ||
		!strings.Contains(err.Error(), patterns[0]+", which the node does not serve") {
		t.Fatalf("CheckRoutes with one route more and one less: %v", err)
	}
}

// TestCheck feeds the middleware answers that keep and break the contract.
func TestCheck(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	answer := map[string]func(w http.ResponseWriter){}
	for _, p := range []string{"GET /healthz", "GET /v1/orgs", "GET /v1/wf/contracts/{id}/pdf"} {
		mux.HandleFunc(p, func(w http.ResponseWriter, r *http.Request) { answer[r.URL.RawQuery](w) })
	}
	json := func(status int, body string) func(w http.ResponseWriter) {
		return func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			w.WriteHeader(status)
			w.Write([]byte(body))
		}
	}
	answer["ok"] = json(200, `{"ok": true, "height": 3}`)
	answer["missing"] = json(200, `{"ok": true}`)
	answer["wrongtype"] = json(200, `{"ok": "yes", "height": 3}`)
	answer["err"] = json(503, `{"error": {"code": "starting", "message": "the node is starting"}}`)
	answer["badErr"] = json(500, `{"error": {"message": "no code"}}`)
	answer["status"] = json(201, `{"ok": true, "height": 3}`)
	answer["html"] = func(w http.ResponseWriter) { w.Header().Set("Content-Type", "text/html"); w.Write([]byte("<p>")) }
	answer["pdf"] = func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "application/pdf")
		w.Write([]byte("%PDF-"))
	}
	for _, tc := range []struct {
		name, path, query, wantErr string
	}{
		{"ok", "/healthz", "ok", ""},
		{"required member missing", "/healthz", "missing", "missing property 'height'"},
		{"wrong type", "/healthz", "wrongtype", "ok"},
		{"error shape", "/healthz", "err", ""},
		{"error without code", "/healthz", "badErr", "code"},
		{"unlisted success status", "/healthz", "status", "status 201 is not among"},
		{"wrong content type", "/healthz", "html", "text/html"},
		{"binary", "/v1/wf/contracts/c-1/pdf", "pdf", ""},
		{"unknown path", "/v1/nope", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var rec Recorder
			h := c.Middleware(mux, &rec)
			if tc.path == "/v1/nope" {
				h = c.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					json(404, `{"error": {"code": "not_found", "message": "no endpoint /v1/nope"}}`)(w)
				}), &rec)
			}
			h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, tc.path+"?"+tc.query, nil))
			errs := rec.Errors()
			switch {
			case tc.wantErr == "" && len(errs) > 0:
				t.Fatalf("unexpected violation: %v", errs)
			case tc.wantErr != "" && (len(errs) != 1 || !strings.Contains(errs[0].Error(), tc.wantErr)):
				t.Fatalf("violations %v, want one naming %q", errs, tc.wantErr)
			case len(errs) == 1 && strings.Contains(errs[0].Error(), "\n"):
				t.Fatalf("violation on several lines: %q", errs[0])
			}
		})
	}
}

// BenchmarkCheck measures what validation adds to each response of a test
// node: go test -bench Check -run ^$ ./node/openapi/apitest/
func BenchmarkCheck(b *testing.B) {
	c, err := Load()
	if err != nil {
		b.Fatal(err)
	}
	h := http.Header{"Content-Type": {"application/json; charset=utf-8"}}
	for _, bc := range []struct{ name, pattern, path, body string }{
		{"healthz", "GET /healthz", "/healthz", `{"ok": true, "height": 3}`},
		{"error", "GET /v1/contracts/{id}", "/v1/contracts/x", `{"error": {"code": "not_found", "message": "contract x is not on chain"}}`},
		{"case-list-100", "GET /v1/cases", "/v1/cases", `{"cases": [` + strings.Repeat(`{"id": "na-1", "kind": "notarization", "contract_id": "c", "applicant": "platform", "institution": "notary", "status": "pending", "opened_in": 4},`, 99) +
			`{"id": "na-1", "kind": "notarization", "contract_id": "c", "applicant": "platform", "institution": "notary", "status": "pending", "opened_in": 4}], "more": false}`},
	} {
		b.Run(bc.name, func(b *testing.B) {
			r := httptest.NewRequest(http.MethodGet, bc.path, nil)
			status := 200
			if strings.Contains(bc.body, `"error"`) {
				status = 404
			}
			for b.Loop() {
				if err := c.Check(r, bc.pattern, status, h, []byte(bc.body), false); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
