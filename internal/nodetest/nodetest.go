// Package nodetest holds the test helpers that the tests of package node and
// of its service packages (node/chainapi, node/comet) share. It is imported
// only by _test.go files: test helpers cannot be shared across packages
// through _test.go files, and one copy is easier to keep right than two.
package nodetest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/sealchain/sealchain/client"
	"github.com/sealchain/sealchain/internal/testport"
	"github.com/sealchain/sealchain/node/httpjson"
)

// SignRequest makes a signed request's Authorization header by hand, as the
// docs describe it (a fresh nonce unless one is given). It signs for sub's
// chain and the node at host (host[:port]).
func SignRequest(t testing.TB, sub *client.Submitter, host, method, uri string, ts int64, nonce, body []byte) string {
	t.Helper()
	if nonce == nil {
		nonce = make([]byte, client.NonceBytes)
		if _, err := rand.Read(nonce); err != nil {
			t.Fatal(err)
		}
	}
	sig, err := sub.Key.Sign(nil, client.RequestSignBytes(sub.ChainID, host, method, uri, ts, nonce, body))
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%s cert=%s,ts=%d,nonce=%x,sig=%s", client.AuthScheme,
		base64.StdEncoding.EncodeToString(sub.Cert), ts, nonce, base64.StdEncoding.EncodeToString(sig))
}

// HostOf is a base URL's host[:port].
func HostOf(base string) string {
	u, err := url.Parse(base)
	if err != nil {
		panic(err)
	}
	return u.Host
}

// WaitFor polls cond every 100 ms and fails the test if it is not true
// within d; what names the condition in the failure.
func WaitFor(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting until %s", d, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// ErrorCode decodes a JSON error body and returns its code.
func ErrorCode(t testing.TB, raw []byte) string {
	t.Helper()
	var e httpjson.ErrorBody
	if err := json.Unmarshal(raw, &e); err != nil || e.Error.Code == "" {
		t.Fatalf("not a JSON error: %v: %s", err, raw)
	}
	return e.Error.Code
}

// GetJSON GETs url with hc and decodes the answer as a JSON object; the
// status is returned whatever the body.
func GetJSON(ctx context.Context, hc *http.Client, url string) (int, map[string]any, error) {
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

// CometAddr returns a tcp:// address on 127.0.0.1 with a port that was free
// a moment ago, for CometBFT's listeners.
func CometAddr(t testing.TB) string {
	t.Helper()
	addr, err := testport.Free()
	if err != nil {
		t.Fatal(err)
	}
	return "tcp://" + addr
}

// SyncBuffer collects a server's error log (handshake failures); it is safe
// for the server's goroutines and the test to use at once.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
