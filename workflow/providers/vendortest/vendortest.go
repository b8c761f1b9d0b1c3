package vendortest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// Reply is a scripted answer to one call.
type Reply struct {
	// Body is the answer's fields (under "Response" for Tencent; the top
	// level for Aliyun).
	Body map[string]any
	// Error, when set, is the vendor error code returned instead.
	Error string
	// Status, when set, is an HTTP status other than 200 to answer with.
	Status int
	// Delay holds the answer back (to test client time-outs).
	Delay time.Duration
}

// Handler decides the answer to a call from its parameters.
type Handler func(params map[string]any) Reply

// Call is a call the server received, with a valid signature or not.
type Call struct {
	Service string // Tencent: the credential scope's service; Aliyun: ""
	Action  string
	Params  map[string]any
	// SignatureOK says whether the request's signature verified.
	SignatureOK bool
}

// server is what both fakes share: the listener, the handlers by action
// and the calls received.
type server struct {
	srv *httptest.Server

	mu       sync.Mutex
	handlers map[string]Handler
	calls    []Call
}

func newServer(h http.Handler) *server {
	s := &server{handlers: map[string]Handler{}}
	s.srv = httptest.NewServer(h) // listens on 127.0.0.1
	return s
}

// Host is host:port of the server, for an SDK's endpoint.
func (s *server) Host() string { return strings.TrimPrefix(s.srv.URL, "http://") }

// Close stops the server.
func (s *server) Close() { s.srv.CloseClientConnections(); s.srv.Close() }

// Handle sets the handler of an action.
func (s *server) Handle(action string, h Handler) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.handlers[action] = h
}

// Calls returns the calls received so far.
func (s *server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

func (s *server) record(c Call) Handler {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, c)
	return s.handlers[c.Action]
}

// wait holds an answer back for d, or until the client goes away.
func wait(r *http.Request, d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-r.Context().Done():
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
