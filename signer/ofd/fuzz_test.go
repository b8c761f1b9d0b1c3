package ofd

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/sealchain/sealchain/signer/seal"
)

// corpusSignedValues returns every SignedValue.dat of the interop corpus.
func corpusSignedValues(t testing.TB) [][]byte {
	files, _ := filepath.Glob("testdata/interop/*.ofd")
	var out [][]byte
	for _, f := range files {
		p, err := Open(readInterop(t, filepath.Base(f)))
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range p.Names() {
			if filepath.Base(n) == "SignedValue.dat" {
				b, err := p.Read(n)
				if err != nil {
					t.Fatal(err)
				}
				out = append(out, b)
			}
		}
	}
	return out
}

// FuzzVerify feeds arbitrary bytes to the OFD reader and verifier: no
// panic, and a report whose every signature has an indication.
func FuzzVerify(f *testing.F) {
	files, _ := filepath.Glob("testdata/interop/*.ofd")
	for _, fn := range files {
		f.Add(readInterop(f, filepath.Base(fn)))
	}
	a := newParty(f, "org-a", "某某科技有限公司合同专用章")
	f.Add(a.sign(f, contract(f), 0, 20, signAt))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Verify(context.Background(), data, VerifyOptions{SealRoots: roots(a), SignerRoots: roots(a)})
		if err != nil {
			return
		}
		for _, s := range r.Signatures {
			if s.Indication == "" {
				t.Fatalf("signature %d has no indication", s.Index)
			}
		}
	})
}

// FuzzParseSESSignature: parse, then Verify must not panic and its report
// must agree with its error.
func FuzzParseSESSignature(f *testing.F) {
	for _, b := range corpusSignedValues(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, der []byte) {
		s, err := seal.ParseSESSignature(der)
		if err != nil {
			return
		}
		rep, err := s.Verify([]byte("data"), nil, nil, time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC))
		if (err == nil) != rep.OK() {
			t.Fatalf("error %v but report OK=%v", err, rep.OK())
		}
	})
}
