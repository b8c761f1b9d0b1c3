package chainapi

import (
	"context"
	"crypto/rand"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/sealchain/sealchain/client"
	"github.com/sealchain/sealchain/node/httpjson"
	"github.com/sealchain/sealchain/signer"
)

// TestFetchPeerHostile: a peer's answer is bounded in size, never followed
// through a redirect, and the request names this node's credential and the
// peer-fetch header.
func TestFetchPeerHostile(t *testing.T) {
	key, err := signer.GenerateKey(signer.AlgSM2, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	var sawAuth, sawPeer bool
	mux := http.NewServeMux()
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		sawAuth = strings.HasPrefix(r.Header.Get("Authorization"), client.AuthScheme+" ")
		sawPeer = r.Header.Get(peerFetchHeader) != ""
		w.Write(make([]byte, 4096))
	})
	mux.HandleFunc("/redirect", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/big", http.StatusFound)
	})
	mux.HandleFunc("/small", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("%PDF-1.7")) })
	behind := 2 // the peer has not committed the case's block for two asks
	mux.HandleFunc("/behind", func(w http.ResponseWriter, r *http.Request) {
		if behind > 0 {
			behind--
			httpjson.WriteError(w, http.StatusNotFound, "unknown_case", "no case")
			return
		}
		w.Write([]byte("%PDF-1.7"))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	a := &API{chainID: "c", auditor: &client.Submitter{ChainID: "c", Org: "me", Cert: []byte{1}, Key: key},
		files: caseFiles{peers: map[string]string{"peer": srv.URL}, maxPDF: 1024}}
	ctx := context.Background()
	var fe *fileError
	if _, err := a.fetchPeer(ctx, "peer", "/big"); !errors.As(err, &fe) || fe.code != "peer_failed" || !strings.Contains(err.Error(), "exceeds") {
		t.Errorf("oversize: %v", err)
	}
	if !sawAuth || !sawPeer {
		t.Errorf("request: signed %v, peer header %v", sawAuth, sawPeer)
	}
	if _, err := a.fetchPeer(ctx, "peer", "/redirect"); !errors.As(err, &fe) || fe.code != "peer_failed" {
		t.Errorf("redirect: %v", err)
	}
	if b, err := a.fetchPeer(ctx, "peer", "/small"); err != nil || string(b) != "%PDF-1.7" {
		t.Errorf("small: %q %v", b, err)
	}
	if b, err := a.fetchPeer(ctx, "peer", "/behind"); err != nil || string(b) != "%PDF-1.7" || behind != 0 {
		t.Errorf("a peer a block behind: %q %v", b, err)
	}
	if _, err := a.fetchPeer(ctx, "stranger", "/small"); !errors.As(err, &fe) || fe.code != "no_peer" {
		t.Errorf("unknown org: %v", err)
	}
}
