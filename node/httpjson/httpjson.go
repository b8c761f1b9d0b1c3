package httpjson

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// ErrorBody is the JSON every error returns.
type ErrorBody struct {
	Error Error `json:"error"`
}

// Error is an error's fields; the ABCI ones only for a rejected tx.
type Error struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	ABCICode  uint32 `json:"abci_code,omitempty"`
	Codespace string `json:"codespace,omitempty"`
	TxHash    string `json:"tx_hash,omitempty"`
}

// Write answers v as indented JSON.
func Write(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// WriteError answers an error with its code and message.
func WriteError(w http.ResponseWriter, status int, code, msg string) {
	Write(w, status, ErrorBody{Error: Error{Code: code, Message: msg}})
}

// Internal answers 500 and logs the error. A signing link's token is cut
// out of the path (GET /sign/{token}, /v1/sign/{token}/...): the log must
// not hold working links.
func Internal(logger *slog.Logger, w http.ResponseWriter, r *http.Request, err error) {
	path := r.URL.Path
	if tok := r.PathValue("token"); tok != "" {
		path = strings.ReplaceAll(path, tok, "<token>")
	}
	logger.Error("request failed", "path", path, "err", err)
	WriteError(w, http.StatusInternalServerError, "internal", "internal error; see the node log")
}

// Metrics count requests by route and status.
type Metrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

// NewMetrics makes the API metrics, registered with reg unless nil.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "sealchain", Subsystem: "api", Name: "requests_total", Help: "API requests by route and status code.",
		}, []string{"route", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "sealchain", Subsystem: "api", Name: "request_seconds", Help: "API request latency by route.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16),
		}, []string{"route"}),
	}
	if reg != nil {
		reg.MustRegister(m.requests, m.latency)
	}
	return m
}

// StatusRecorder remembers the status code a handler answered.
type StatusRecorder struct {
	http.ResponseWriter
	Code int
}

// Unwrap lets http.ResponseController reach the connection (read
// deadlines of POST /v1/pdf/verify).
func (s *StatusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

func (s *StatusRecorder) WriteHeader(code int) {
	s.Code = code
	s.ResponseWriter.WriteHeader(code)
}

// Instrument counts h's requests under route (m may be nil: no metrics).
func (m *Metrics) Instrument(route string, h http.HandlerFunc) http.Handler {
	if m == nil {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &StatusRecorder{ResponseWriter: w, Code: http.StatusOK}
		h(rec, r)
		m.requests.WithLabelValues(route, strconv.Itoa(rec.Code)).Inc()
		m.latency.WithLabelValues(route).Observe(time.Since(start).Seconds())
	})
}

// Router is the API's mux: each service adds its routes with Route.
type Router struct {
	mux     *http.ServeMux
	metrics *Metrics
	// patterns are the routes added, in order: the API contract's tests
	// compare them with openapi.yaml's paths.
	patterns []string
}

// NewRouter returns an empty router counting requests in m (nil: none).
func NewRouter(m *Metrics) *Router { return &Router{mux: http.NewServeMux(), metrics: m} }

// Route adds an instrumented route.
func (rt *Router) Route(pattern string, h http.HandlerFunc) {
	rt.patterns = append(rt.patterns, pattern)
	rt.mux.Handle(pattern, rt.metrics.Instrument(pattern, h))
}

// Handle adds a route as is (no metrics).
func (rt *Router) Handle(pattern string, h http.Handler) {
	rt.patterns = append(rt.patterns, pattern)
	rt.mux.Handle(pattern, h)
}

// Patterns lists the routes added (ServeMux patterns, "GET /v1/txs/{hash}").
func (rt *Router) Patterns() []string { return append([]string(nil), rt.patterns...) }

// ServeHTTP turns the mux's plain-text 404 and 405 into JSON errors.
func (rt *Router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// Handler only finds the route; dispatch through the mux itself, which
	// is what sets the request's path values ({id}, {index}...).
	_, pattern := rt.mux.Handler(r)
	if pattern == "" {
		for _, m := range []string{http.MethodGet, http.MethodPost} {
			if m == r.Method {
				continue
			}
			r2 := r.Clone(r.Context())
			r2.Method = m
			if _, p := rt.mux.Handler(r2); p != "" {
				WriteError(w, http.StatusMethodNotAllowed, "method_not_allowed", fmt.Sprintf("%s is not allowed on %s", r.Method, r.URL.Path))
				return
			}
		}
		WriteError(w, http.StatusNotFound, "not_found", fmt.Sprintf("no endpoint %s", r.URL.Path))
		return
	}
	rt.mux.ServeHTTP(w, r)
}
