package chainapi

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/sealchain/sealchain/client"
	"github.com/sealchain/sealchain/node/httpjson"
)

// signRequest makes a signed request's Authorization header by hand, as the
// docs describe it (a fresh nonce unless one is given).
// signRequest signs for sub's chain and the node at host (host[:port]).
func signRequest(t *testing.T, sub *client.Submitter, host, method, uri string, ts int64, nonce, body []byte) string {
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

// hostOf is a base URL's host[:port].
func hostOf(base string) string {
	u, err := url.Parse(base)
	if err != nil {
		panic(err)
	}
	return u.Host
}

func hexString(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, x := range b {
		out = append(out, digits[x>>4], digits[x&15])
	}
	return string(out)
}

func ptr[T any](v T) *T { return &v }

func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting until %s", d, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Short names for the shared plumbing (node/httpjson), as the tests use them.
func writeJSON(w http.ResponseWriter, status int, v any) { httpjson.Write(w, status, v) }

func writeError(w http.ResponseWriter, status int, code, msg string) {
	httpjson.WriteError(w, status, code, msg)
}

type (
	errorBody = httpjson.ErrorBody
	apiError  = httpjson.Error
)
