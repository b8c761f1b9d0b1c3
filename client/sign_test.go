package client

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/emmansun/gmsm/sm3"

	"github.com/sealchain/sealchain/signer"
)

// TestRequestSignBytesVector pins the signed string of docs/api.md's
// example: a GET of /v1/contracts/c-1 on chain "court-net-1" at
// node.court.example:8443, ts 1767225600, nonce 00 01 … 0f, empty body.
func TestRequestSignBytesVector(t *testing.T) {
	nonce, _ := hex.DecodeString("000102030405060708090a0b0c0d0e0f")
	got := RequestSignBytes("court-net-1", "Node.Court.Example:8443", "GET", "/v1/contracts/c-1", 1767225600, nonce, nil)
	want := "sealchain/api-request/v3\x00court-net-1\nnode.court.example:8443\nGET\n/v1/contracts/c-1\n1767225600\n000102030405060708090a0b0c0d0e0f\n1ab21d8355cfa17f8e61194831e81a8f22bec8c728fefb747ed035eb5082aa2b"
	if string(got) != want {
		t.Fatalf("signed string\n got %q\nwant %q", got, want)
	}
	if sum := sm3.Sum(got); hex.EncodeToString(sum[:]) != "284960b2c83f6fe43947cb18533298a6e2d0fb44043d22b8fd0d60102d6d4b56" {
		t.Fatalf("SM3 of the signed string: %x", sum)
	}
}

// TestSignerBindsChainAndHost: the client signs the chain id it was given
// and the host it addresses (the URL's authority, or req.Host when set).
func TestSignerBindsChainAndHost(t *testing.T) {
	key, err := signer.GenerateKey(signer.AlgSM2, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	var hdr, host string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hdr, host = r.Header.Get("Authorization"), r.Host
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte("{}"))
	}))
	defer srv.Close()
	c, err := New(srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	c.WithRequestSigner("chain-x", []byte{1}, key)
	if _, err := c.Get(t.Context(), "/v1/contracts/c-1"); err != nil {
		t.Fatal(err)
	}
	var ts int64
	var nonceHex, sigB64 string
	for _, kv := range strings.Split(strings.TrimPrefix(hdr, AuthScheme+" "), ",") {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "ts":
			for _, d := range v {
				ts = ts*10 + int64(d-'0')
			}
		case "nonce":
			nonceHex = v
		case "sig":
			sigB64 = v
		}
	}
	nonce, _ := hex.DecodeString(nonceHex)
	sig, _ := base64.StdEncoding.DecodeString(sigB64)
	for _, tc := range []struct {
		chain, host string
		ok          bool
	}{
		{"chain-x", host, true},
		{"chain-y", host, false},
		{"chain-x", "other.example:80", false},
	} {
		err := signer.Verify(key.Public(), RequestSignBytes(tc.chain, tc.host, "GET", "/v1/contracts/c-1", ts, nonce, nil), sig)
		if (err == nil) != tc.ok {
			t.Errorf("verify for chain %q host %q: %v, want ok=%v", tc.chain, tc.host, err, tc.ok)
		}
	}
}
