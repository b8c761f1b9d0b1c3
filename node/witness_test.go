package node

import (
	"context"
	"crypto/rand"
	"errors"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/sealchain/sealchain/config"
	"github.com/sealchain/sealchain/evidence"
	"github.com/sealchain/sealchain/evidence/witness"
	"github.com/sealchain/sealchain/signer"
)

// TestWitnessIntegration runs a node and two witnesses (the pull mode of
// sealchain witness) on 127.0.0.1: the witnesses cosign the node's
// checkpoints after checking consistency, the node keeps their
// cosignatures and puts them in bundles, a verifier requiring both
// accepts the bundle, and a witness whose state shows another history
// refuses to cosign.
func TestWitnessIntegration(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	type wit struct {
		c    *witness.Cosigner
		vkey string
	}
	var wits []wit
	for _, name := range []string{"university.example/w1", "court2.example/w"} {
		skey, vkey, err := witness.GenerateCosignerKey(rand.Reader, name)
		if err != nil {
			t.Fatal(err)
		}
		c, err := witness.NewCosigner(skey)
		if err != nil {
			t.Fatal(err)
		}
		wits = append(wits, wit{c, vkey})
	}
	n := newITNet(ctx, t, func(c *config.Config) {
		c.Witness.Keys = []string{wits[0].vkey, wits[1].vkey}
	})
	hc := &http.Client{Timeout: 10 * time.Second}
	get := func(path string) (int, string) {
		resp, err := hc.Get(n.base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	status, nodeVkey := get("/v1/checkpoint/key")
	nodeVkey = strings.TrimSpace(nodeVkey)
	lv, err := witness.NewLogVerifier(nodeVkey)
	if status != 200 || err != nil {
		t.Fatalf("GET /v1/checkpoint/key: %d %q %v", status, nodeVkey, err)
	}
	if fi, err := os.Stat(n.home.CheckpointKey()); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("checkpoint key file: %v %v", fi, err)
	}
	origin := "sealchain/" + itChainID
	if status, body := get("/v1/checkpoint/cosigned"); status != 404 {
		t.Errorf("cosigned before any witness: %d %s", status, body)
	}

	actor, _ := n.registerSigner(ctx, t, signer.AlgSM2, "witness-test-1")
	var ws []*witness.Witness
	for _, w := range wits {
		wt, err := witness.New(w.c, witness.FileStore{Dir: t.TempDir()}, witness.Log{Origin: origin, Keys: []note.Verifier{lv}})
		if err != nil {
			t.Fatal(err)
		}
		ws = append(ws, wt)
	}
	pullAll := func() uint64 {
		var size uint64
		for i, w := range ws {
			s, err := witness.Pull(ctx, w, hc, n.base)
			if err != nil {
				t.Fatalf("witness %d: %v", i, err)
			}
			size = s
		}
		return size
	}
	size1 := pullAll()
	if size1 == 0 {
		t.Fatal("cosigned an empty log")
	}
	status, cosigned := get("/v1/checkpoint/cosigned")
	if status != 200 || !strings.Contains(cosigned, "— university.example/w1 ") || !strings.Contains(cosigned, "— court2.example/w ") {
		t.Fatalf("cosigned: %d %s", status, cosigned)
	}

	// The log grows; the witnesses check the consistency proof from their
	// size and cosign again.
	n.registerSigner(ctx, t, signer.AlgSM2, "witness-test-2")
	if size2 := pullAll(); size2 <= size1 {
		t.Fatalf("second round cosigned size %d after %d", size2, size1)
	}

	// A bundle carries the cosigned checkpoint; a court requiring both
	// witnesses accepts it, one requiring an unknown witness does not.
	raw, err := n.c.Evidence(ctx, "cert", actor.Cert.String())
	if err != nil {
		t.Fatal(err)
	}
	b, err := evidence.DecodeBundle(raw)
	if err != nil {
		t.Fatal(err)
	}
	if b.Witnessed == nil {
		t.Fatal("bundle has no witnessed checkpoint")
	}
	trust, err := evidence.LoadTrust(n.home.Genesis())
	if err != nil {
		t.Fatal(err)
	}
	v, err := evidence.NewVerifier(trust, evidence.WithWitnesses([]string{wits[0].vkey, wits[1].vkey}, 2))
	if err != nil {
		t.Fatal(err)
	}
	if res := v.Verify(b, nil); !res.OK {
		t.Fatalf("witnessed bundle: %v %+v", res.Failed(), res.Checks)
	}
	_, stranger, _ := witness.GenerateCosignerKey(rand.Reader, "stranger.example/w")
	v2, _ := evidence.NewVerifier(trust, evidence.WithWitnesses([]string{stranger}, 1))
	if res := v2.Verify(b, nil); res.OK {
		t.Fatal("bundle verified with an unknown witness required")
	}

	// A cosignature by a witness the node does not know is refused.
	sc, _ := witness.NewCosigner(func() string { s, _, _ := witness.GenerateCosignerKey(rand.Reader, "stranger.example/w"); return s }())
	_, cp := get("/v1/checkpoint")
	text, _, _ := witness.SplitNote([]byte(cp))
	line, _ := witness.Cosign(sc, text)
	resp, err := hc.Post(n.base+"/v1/checkpoint/cosignatures", "text/plain", strings.NewReader(cp+line.String()))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("stranger's cosignature: %d, want 403", resp.StatusCode)
	}

	// A witness that cosigned another history at this size (a fork shown
	// to it earlier) refuses the node's checkpoint.
	cur, err := witness.ParseCheckpoint(text)
	if err != nil || cur.Size < 2 {
		t.Fatalf("node checkpoint %+v: %v", cur, err)
	}
	forked := witness.Checkpoint{Origin: origin, Size: cur.Size - 1, Hash: make([]byte, 32)}.Marshal()
	st := witness.FileStore{Dir: t.TempDir()}
	if err := st.Save(origin, witness.JoinNote(forked, []witness.SigLine{{Name: "x", ID: 1, Base64: "AAAAAQA="}})); err != nil {
		t.Fatal(err)
	}
	fw, _ := witness.New(wits[0].c, st, witness.Log{Origin: origin, Keys: []note.Verifier{lv}})
	if l, err := fw.Latest(origin); err != nil || l == nil {
		t.Fatalf("forked state: %v %v", l, err)
	}
	_, err = witness.Pull(ctx, fw, hc, n.base)
	if !errors.Is(err, witness.ErrInconsistent) {
		t.Errorf("witness with another history: %v, want ErrInconsistent", err)
	}
}
