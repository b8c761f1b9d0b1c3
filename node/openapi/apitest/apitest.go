// Package apitest checks the node's HTTP API against its contract,
// node/openapi's openapi.yaml: every response a test gets (status,
// content type, body schema), and the set of routes the node registers.
// Only tests import it, so kin-openapi stays out of the node's binary.
package apitest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/sealchain/sealchain/node/openapi"
)

// maxBody is the most of a response body kept for validation; a larger
// body (a case package, a big PDF) gets its status and content type
// checked only, and only binary bodies are that large.
const maxBody = 32 << 20

// Contract is the loaded openapi.yaml.
type Contract struct {
	doc *openapi3.T
	// ops maps "METHOD /path" (the document's spelling) to its path item
	// and operation.
	ops map[string]op
}

type op struct {
	path string
	item *openapi3.PathItem
	op   *openapi3.Operation
}

// Load parses and validates the embedded openapi.yaml.
func Load() (*Contract, error) {
	l := openapi3.NewLoader()
	doc, err := l.LoadFromData(openapi.Spec())
	if err != nil {
		return nil, fmt.Errorf("load openapi.yaml: %w", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("openapi.yaml is not a valid OpenAPI document: %w", err)
	}
	c := &Contract{doc: doc, ops: map[string]op{}}
	for path, item := range doc.Paths.Map() {
		for method, o := range item.Operations() {
			c.ops[method+" "+path] = op{path: path, item: item, op: o}
		}
	}
	return c, nil
}

// SpecKey turns a ServeMux pattern into the document's "METHOD /path":
// "{name...}" becomes "{name}" (OpenAPI has no multi-segment parameter;
// the operation says so) and "/{$}" becomes "/".
func SpecKey(pattern string) string {
	method, path, _ := strings.Cut(pattern, " ")
	path = strings.ReplaceAll(path, "...}", "}")
	path = strings.ReplaceAll(path, "{$}", "")
	return method + " " + path
}

// Keys lists the document's operations as "METHOD /path", sorted.
func (c *Contract) Keys() []string {
	out := make([]string, 0, len(c.ops))
	for k := range c.ops {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// CheckRoutes compares the node's route patterns with the document: every
// route must be an operation and every operation a route. The error lists
// each difference on its own line, saying what to add where.
func (c *Contract) CheckRoutes(patterns []string) error {
	served := map[string]string{}
	var errs []error
	for _, p := range patterns {
		k := SpecKey(p)
		served[k] = p
		if _, ok := c.ops[k]; !ok {
			method, path, _ := strings.Cut(k, " ")
			errs = append(errs, fmt.Errorf("route %q is not in node/openapi/openapi.yaml: add paths.%q.%s", p, path, strings.ToLower(method)))
		}
	}
	for _, k := range c.Keys() {
		if _, ok := served[k]; !ok {
			errs = append(errs, fmt.Errorf("node/openapi/openapi.yaml has %s, which the node does not serve: remove it or register the route", k))
		}
	}
	return errors.Join(errs...)
}

// Check validates one response to r, answered by the route pattern
// ("" when no route matched: the router's JSON 404 or 405).
func (c *Contract) Check(r *http.Request, pattern string, status int, h http.Header, body []byte, truncated bool) error {
	if pattern == "" {
		if status != http.StatusNotFound && status != http.StatusMethodNotAllowed {
			return fmt.Errorf("%s %s matched no route but answered %d (want 404 or 405)", r.Method, r.URL.Path, status)
		}
		return c.checkError(r, status, h, body)
	}
	key := SpecKey(pattern)
	o, ok := c.ops[key]
	if !ok {
		return fmt.Errorf("route %q answered %s %s but is not in openapi.yaml", pattern, r.Method, r.URL.Path)
	}
	if r.Method == http.MethodHead {
		return nil
	}
	// ServeMux answers a path that is not clean ("files/../x") with a
	// redirect to the clean one before any handler runs.
	if (status == http.StatusMovedPermanently || status == http.StatusTemporaryRedirect) && path.Clean(r.URL.Path) != r.URL.Path {
		return nil
	}
	// A success must be listed explicitly: the default response is the
	// error shape, for errors only.
	if status < 400 && o.op.Responses.Status(status) == nil {
		return fmt.Errorf("%s: status %d is not among the operation's responses in openapi.yaml", key, status)
	}
	input := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request: r,
			Route:   &routers.Route{Spec: c.doc, Path: o.path, PathItem: o.item, Method: r.Method, Operation: o.op},
		},
		Status:  status,
		Header:  h,
		Body:    io.NopCloser(bytes.NewReader(body)),
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true, ExcludeResponseBody: truncated},
	}
	if err := openapi3filter.ValidateResponse(r.Context(), input); err != nil {
		return fmt.Errorf("%s answered %d %s to %s %s, which openapi.yaml does not allow: %s",
			key, status, h.Get("Content-Type"), r.Method, r.URL.RequestURI(), brief(err))
	}
	return nil
}

// checkError validates an answer against the error shape.
func (c *Contract) checkError(r *http.Request, status int, h http.Header, body []byte) error {
	ct, _, _ := mime.ParseMediaType(h.Get("Content-Type"))
	if ct != "application/json" {
		return fmt.Errorf("%s %s: error %d with content type %q, want application/json", r.Method, r.URL.Path, status, h.Get("Content-Type"))
	}
	s := c.doc.Components.Schemas["ErrorBody"].Value
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return fmt.Errorf("%s %s: error %d body is not JSON: %w", r.Method, r.URL.Path, status, err)
	}
	if err := s.VisitJSON(v, openapi3.EnableJSONSchema2020(), openapi3.VisitAsResponse()); err != nil {
		return fmt.Errorf("%s %s: error %d body is not the error shape: %s", r.Method, r.URL.Path, status, brief(err))
	}
	return nil
}

// brief is a validation error without the schema and value dumps that
// kin-openapi appends to each error ("Schema:\n  {...}\nValue:\n ..."):
// one line per violation, naming the member (its JSON pointer).
func brief(err error) string {
	var out []string
	skip := false
	for _, line := range strings.Split(err.Error(), "\n") {
		t := strings.TrimSpace(line)
		switch {
		case t == "Schema:" || t == "Value:":
			skip = true
		case t == "" || t == "|" || t == "&":
			skip = false
		case !skip:
			out = append(out, t)
		}
	}
	return strings.Join(out, "; ")
}

// Middleware validates every response next writes and records each
// violation in rec. The validation runs after the response is sent, in
// its own goroutine: it costs milliseconds (more for a long list), and a
// test must see the node answer as fast as it does without it (a page
// that loads twice at once would otherwise see its answers in another
// order). Recorder.Errors waits for the validations under way. The
// route's pattern is http.Request.Pattern, which ServeMux sets on the
// request it is given.
func (c *Contract) Middleware(next http.Handler, rec *Recorder) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cw := &capture{ResponseWriter: w}
		next.ServeHTTP(cw, r)
		if cw.status == 0 {
			cw.status = http.StatusOK
			if cw.header == nil {
				cw.header = w.Header().Clone()
			}
		}
		// The request outlives its handler here: keep a copy whose
		// context is not cancelled when the handler returns.
		r2 := r.Clone(context.Background())
		rec.wg.Add(1)
		go func() {
			defer rec.wg.Done()
			if err := c.Check(r2, r2.Pattern, cw.status, cw.header, cw.body.Bytes(), cw.truncated); err != nil {
				rec.Add(err)
			}
		}()
	})
}

// capture keeps a copy of the status, header and (up to maxBody) body.
type capture struct {
	http.ResponseWriter
	status    int
	header    http.Header
	body      bytes.Buffer
	truncated bool
}

func (c *capture) WriteHeader(code int) {
	if c.status == 0 && code >= 200 {
		c.status = code
		c.header = c.ResponseWriter.Header().Clone()
	}
	c.ResponseWriter.WriteHeader(code)
}

func (c *capture) Write(b []byte) (int, error) {
	if c.status == 0 {
		c.WriteHeader(http.StatusOK)
	}
	if !c.truncated {
		if c.body.Len()+len(b) > maxBody {
			c.truncated = true
			c.body.Reset()
		} else {
			c.body.Write(b)
		}
	}
	return c.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (c *capture) Unwrap() http.ResponseWriter { return c.ResponseWriter }

// Flush passes flushes on (streamed answers).
func (c *capture) Flush() {
	if f, ok := c.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Recorder collects violations from a node's handlers for a test, which
// may have ended by the time a late request is answered.
type Recorder struct {
	wg   sync.WaitGroup // validations under way
	mu   sync.Mutex
	errs []error
	seen map[string]bool
}

// Add records err once (a test polling a route gets one line, not 100).
func (rec *Recorder) Add(err error) {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if rec.seen == nil {
		rec.seen = map[string]bool{}
	}
	if rec.seen[err.Error()] {
		return
	}
	rec.seen[err.Error()] = true
	rec.errs = append(rec.errs, err)
}

// Errors returns what was recorded, once the validations under way are
// done.
func (rec *Recorder) Errors() []error {
	rec.wg.Wait()
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return slices.Clone(rec.errs)
}

// String summarises the violations for a failure message.
func (rec *Recorder) String() string {
	errs := rec.Errors()
	var b strings.Builder
	b.WriteString(strconv.Itoa(len(errs)) + " response(s) violate node/openapi/openapi.yaml:")
	for _, e := range errs {
		b.WriteString("\n  - " + e.Error())
	}
	return b.String()
}
