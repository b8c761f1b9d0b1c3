package witness

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/transparency-dev/merkle/testonly"
	"golang.org/x/mod/sumdb/note"

	"github.com/sealchain/sealchain/chain/merklelog"
)

const origin = "sealchain.example/test-chain"

// testLog is an SM3 log with its signer key.
type testLog struct {
	tree   *testonly.Tree
	signer note.Signer
	vkey   string
}

func newTestLog(t *testing.T, n int) *testLog {
	t.Helper()
	skey, vkey, err := GenerateLogKey(rand.Reader, origin)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewLogSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	l := &testLog{tree: testonly.New(merklelog.SM3()), signer: s, vkey: vkey}
	l.grow(n)
	return l
}

func (l *testLog) grow(n int) {
	for range n {
		l.tree.AppendData([]byte(fmt.Sprintf("record %d", l.tree.Size())))
	}
}

// checkpoint returns the signed checkpoint at size.
func (l *testLog) checkpoint(t *testing.T, size uint64) []byte {
	t.Helper()
	text := Checkpoint{Origin: origin, Size: size, Hash: l.tree.HashAt(size)}.Marshal()
	msg, err := note.Sign(&note.Note{Text: string(text)}, l.signer)
	if err != nil {
		t.Fatal(err)
	}
	return msg
}

func (l *testLog) proof(t *testing.T, from, to uint64) [][]byte {
	t.Helper()
	if from == 0 {
		return nil
	}
	p, err := l.tree.ConsistencyProof(from, to)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

type memStore map[string][]byte

func (m memStore) Load(o string) ([]byte, error) { return m[o], nil }
func (m memStore) Save(o string, b []byte) error { m[o] = bytes.Clone(b); return nil }

func newTestWitness(t *testing.T, l *testLog, store Store) (*Witness, note.Verifier) {
	t.Helper()
	skey, vkey, err := GenerateCosignerKey(rand.Reader, "witness.example/w1")
	if err != nil {
		t.Fatal(err)
	}
	c, err := NewCosigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	if c.VerifierKey() != vkey {
		t.Fatalf("cosigner vkey %s, generated %s", c.VerifierKey(), vkey)
	}
	lv, err := NewLogVerifier(l.vkey)
	if err != nil {
		t.Fatal(err)
	}
	w, err := New(c, store, Log{Origin: origin, Keys: []note.Verifier{lv}})
	if err != nil {
		t.Fatal(err)
	}
	wv, err := NewCosignatureVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	return w, wv
}

func TestAddCheckpointGrowth(t *testing.T) {
	l := newTestLog(t, 5)
	w, wv := newTestWitness(t, l, FileStore{Dir: t.TempDir()})
	var old uint64
	for _, grow := range []int{0, 1, 3, 0, 8, 100} {
		l.grow(grow)
		size := l.tree.Size()
		cp := l.checkpoint(t, size)
		lines, err := w.AddCheckpoint(old, l.proof(t, old, size), cp)
		if err != nil {
			t.Fatalf("%d -> %d: %v", old, size, err)
		}
		full := append(bytes.Clone(cp), []byte(lines[0].String())...)
		o, err := Open(full, wv)
		if err != nil || len(o.Verified) != 1 || o.Checkpoint.Size != size {
			t.Fatalf("cosigned checkpoint does not verify: %v", err)
		}
		// x/mod's Open agrees.
		if _, err := note.Open(full, note.VerifierList(wv)); err != nil {
			t.Fatalf("note.Open: %v", err)
		}
		latest, err := w.Latest(origin)
		if err != nil || latest.Size != size {
			t.Fatalf("Latest = %+v, %v", latest, err)
		}
		old = size
	}
}

// TestWitnessRefusesFork: a log that rewrites history (a fork at the same
// size, or a bigger tree that does not extend the cosigned one) gets no
// cosignature, and the witness keeps its state.
func TestWitnessRefusesFork(t *testing.T) {
	honest := newTestLog(t, 10)
	store := memStore{}
	w, _ := newTestWitness(t, honest, store)
	if _, err := w.AddCheckpoint(0, nil, honest.checkpoint(t, 10)); err != nil {
		t.Fatal(err)
	}
	// The same key signs a forked log: record 7 differs.
	fork := &testLog{tree: testonly.New(merklelog.SM3()), signer: honest.signer, vkey: honest.vkey}
	for i := range 20 {
		d := fmt.Sprintf("record %d", i)
		if i == 7 {
			d = "record 7, rewritten"
		}
		fork.tree.AppendData([]byte(d))
	}
	before := bytes.Clone(store[origin])

	// Same size, other root: 409, the fork is named.
	_, err := w.AddCheckpoint(10, nil, fork.checkpoint(t, 10))
	var ce *ConflictError
	if !errors.As(err, &ce) || !ce.Fork || StatusOf(err) != http.StatusConflict {
		t.Errorf("same-size fork: %v", err)
	}
	// Bigger: the fork's own proof does not lead from the witnessed root.
	_, err = w.AddCheckpoint(10, fork.proof(t, 10, 20), fork.checkpoint(t, 20))
	if !errors.Is(err, ErrInconsistent) || StatusOf(err) != http.StatusUnprocessableEntity {
		t.Errorf("bigger fork: %v", err)
	}
	// The honest log's proof with the fork's checkpoint: also refused.
	honest.grow(10)
	_, err = w.AddCheckpoint(10, honest.proof(t, 10, 20), fork.checkpoint(t, 20))
	if !errors.Is(err, ErrInconsistent) {
		t.Errorf("honest proof, forked root: %v", err)
	}
	if !bytes.Equal(store[origin], before) {
		t.Error("a refused checkpoint changed the witness's state")
	}
	// The honest continuation is cosigned.
	if _, err := w.AddCheckpoint(10, honest.proof(t, 10, 20), honest.checkpoint(t, 20)); err != nil {
		t.Errorf("honest growth: %v", err)
	}
	// And from there a smaller tree (a rollback) is refused.
	if _, err := w.AddCheckpoint(20, nil, honest.checkpoint(t, 15)); StatusOf(err) != http.StatusBadRequest {
		t.Errorf("rollback: %v", err)
	}
}

// TestAddCheckpointStatuses drives the HTTP handler as a tlog-witness
// client would, through the spec's answers.
func TestAddCheckpointStatuses(t *testing.T) {
	l := newTestLog(t, 8)
	w, _ := newTestWitness(t, l, memStore{})
	srv := httptest.NewServer(Handler(w, slog.New(slog.NewTextHandler(io.Discard, nil))))
	defer srv.Close()
	c := AddCheckpointClient{Prefix: srv.URL, HTTP: srv.Client()}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	other := newTestLog(t, 8) // another key, same origin
	otherOrigin := func() []byte {
		text := Checkpoint{Origin: "elsewhere.example/log", Size: 8, Hash: l.tree.HashAt(8)}.Marshal()
		msg, _ := note.Sign(&note.Note{Text: string(text)}, l.signer)
		return msg
	}()
	post := func(body string) (int, string, string) {
		resp, err := srv.Client().Post(srv.URL+"/add-checkpoint", "text/plain", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
	}
	for _, tc := range []struct {
		name   string
		body   []byte
		status int
	}{
		{"unknown origin", FormatAddCheckpoint(0, nil, otherOrigin), 404},
		{"unknown key", FormatAddCheckpoint(0, nil, other.checkpoint(t, 8)), 403},
		{"old above size", FormatAddCheckpoint(9, nil, l.checkpoint(t, 8)), 400},
		{"proof from 0", FormatAddCheckpoint(0, [][]byte{l.tree.HashAt(1)}, l.checkpoint(t, 8)), 400},
		{"no old line", []byte("\n" + string(l.checkpoint(t, 8))), 400},
		{"leading zero", []byte("old 00\n\n" + string(l.checkpoint(t, 8))), 400},
		{"first", FormatAddCheckpoint(0, nil, l.checkpoint(t, 4)), 200},
		{"stale old", FormatAddCheckpoint(0, nil, l.checkpoint(t, 8)), 409},
		{"bad proof", FormatAddCheckpoint(4, l.proof(t, 3, 8), l.checkpoint(t, 8)), 422},
		{"good proof", FormatAddCheckpoint(4, l.proof(t, 4, 8), l.checkpoint(t, 8)), 200},
		{"same again", FormatAddCheckpoint(8, nil, l.checkpoint(t, 8)), 200},
	} {
		status, ct, body := post(string(tc.body))
		if status != tc.status {
			t.Errorf("%s: status %d (%s), want %d", tc.name, status, body, tc.status)
		}
		if status == 409 && (ct != SizeContentType || body != "4\n") {
			t.Errorf("%s: 409 with %q %q, want %s \"4\\n\"", tc.name, ct, body, SizeContentType)
		}
		if status == 200 && !strings.HasPrefix(body, "— witness.example/w1 ") {
			t.Errorf("%s: body %q", tc.name, body)
		}
	}
	// The client: a conflict tells the witness's size; retrying with it works.
	l.grow(4)
	_, err := c.Add(ctx, 0, nil, l.checkpoint(t, 12))
	var ce *ConflictError
	if !errors.As(err, &ce) || ce.Size != 8 {
		t.Fatalf("client conflict: %v", err)
	}
	lines, err := c.Add(ctx, ce.Size, l.proof(t, ce.Size, 12), l.checkpoint(t, 12))
	if err != nil || len(lines) != 1 {
		t.Fatalf("client retry: %v", err)
	}
}

// TestCosignatureMutation: changing any byte of a cosignature line (or of
// the checkpoint text) makes it fail to count.
func TestCosignatureMutation(t *testing.T) {
	l := newTestLog(t, 3)
	w, wv := newTestWitness(t, l, memStore{})
	cp := l.checkpoint(t, 3)
	lines, err := w.AddCheckpoint(0, nil, cp)
	if err != nil {
		t.Fatal(err)
	}
	text, _, _ := SplitNote(cp)
	good := JoinNote(text, lines)
	if o, err := Open(good, wv); err != nil || len(o.Verified) != 1 {
		t.Fatalf("genuine: %v", err)
	}
	for i := range good {
		for _, b := range []byte{good[i] ^ 0x01, good[i] ^ 0x20, 'A', '+', '\n'} {
			if b == good[i] {
				continue
			}
			m := bytes.Clone(good)
			m[i] = b
			if o, err := Open(m, wv); err == nil && len(o.Verified) > 0 {
				t.Fatalf("byte %d changed %q -> %q still verifies", i, good[i], b)
			}
		}
	}
}

func TestParseCheckpointStrict(t *testing.T) {
	h := "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I="
	for _, tc := range []struct {
		text string
		ok   bool
	}{
		{"example.com/behind-the-sofa\n20852163\n" + h + "\n", true},
		{"o\n0\n" + h + "\n", true},
		{"o\n1\n" + h + "\next\n", true},
		{"o\n1\n" + h, false},                                    // no final newline
		{"o\n01\n" + h + "\n", false},                            // leading zero
		{"o\n-1\n" + h + "\n", false},                            // sign
		{"o\n+1\n" + h + "\n", false},                            // sign
		{"o\n9223372036854775808\n" + h + "\n", false},           // 2^63
		{"\n1\n" + h + "\n", false},                              // empty origin
		{"o o\n1\n" + h + "\n", false},                           // space in origin
		{"o+x\n1\n" + h + "\n", false},                           // plus in origin
		{"o\n1\n" + h[:len(h)-2] + "J=\n", false},                // non-canonical base64
		{"o\n1\nAAAA\n", false},                                  // short hash
		{"o\n1\n" + h + "\n\n", false},                           // empty extension
		{"o\n1\n", false},                                        // two lines
		{"o\n1\n" + h + "\n" + strings.Repeat("x\n", 17), false}, // too many extensions
		{"o\n1\n" + h + "\n\x01\n", false},                       // control character
		{"o\xff\n1\n" + h + "\n", false},                         // invalid UTF-8
	} {
		c, err := ParseCheckpoint([]byte(tc.text))
		if (err == nil) != tc.ok {
			t.Errorf("%q: err %v, want ok=%v", tc.text, err, tc.ok)
			continue
		}
		if err == nil && string(c.Marshal()) != tc.text {
			t.Errorf("%q re-marshals to %q", tc.text, c.Marshal())
		}
	}
}

func TestVerifierKeys(t *testing.T) {
	for _, tc := range []struct {
		vkey string
		ok   bool
	}{
		{remoraVkey, true},
		{neumannVkey, true},
		{"remora.n621.de+da77ade8+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2", false}, // wrong id
		{"remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw", false},  // short
		{"remora.n621.de+da77ade7", false},
		{"remora.n621.de+da77ade7+A0vN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2", false}, // type 0x03
		{"+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2", false},
	} {
		_, err := ParseVerifierKey(tc.vkey)
		if (err == nil) != tc.ok {
			t.Errorf("%s: %v, want ok=%v", tc.vkey, err, tc.ok)
		}
	}
}

func TestParseAddCheckpointRoundTrip(t *testing.T) {
	l := newTestLog(t, 9)
	cp := l.checkpoint(t, 9)
	p := l.proof(t, 5, 9)
	old, proof, signed, err := ParseAddCheckpoint(FormatAddCheckpoint(5, p, cp))
	if err != nil || old != 5 || len(proof) != len(p) || !bytes.Equal(signed, cp) {
		t.Fatalf("round trip: %d %d %v", old, len(proof), err)
	}
	many := make([][]byte, 64)
	for i := range many {
		many[i] = make([]byte, 32)
	}
	if _, _, _, err := ParseAddCheckpoint(FormatAddCheckpoint(5, many, cp)); err == nil {
		t.Error("64 proof lines accepted")
	}
}
