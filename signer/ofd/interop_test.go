package ofd

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/emmansun/gmsm/smx509"

	"github.com/sealchain/sealchain/signer/seal"
)

// selfRoots trusts, for each signature, its own signer certificate and its
// seal's maker certificate: the vendors' CAs are not available, so the
// corpus tests everything but the roots (as signer/seal's interop test).
func selfRoots(t testing.TB, data []byte) (sealRoots, signerRoots []*smx509.Certificate) {
	t.Helper()
	p, err := Open(data)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := p.ReadDocument()
	if err != nil {
		t.Fatal(err)
	}
	sigs, err := p.ReadSignatures(doc)
	if err != nil || sigs == nil {
		t.Fatal(err)
	}
	for _, e := range sigs.Entries {
		sx, _, err := p.ReadSignatureXML(e.Loc)
		if err != nil {
			continue
		}
		sv, err := p.Read(sx.SignedValueLoc)
		if err != nil {
			continue
		}
		ses, err := seal.ParseSESSignature(sv)
		if err != nil {
			continue
		}
		if c, err := smx509.ParseCertificate(ses.Cert); err == nil {
			signerRoots = append(signerRoots, c)
		}
		if c, err := smx509.ParseCertificate(ses.Seal.MakerCert); err == nil {
			sealRoots = append(sealRoots, c)
		}
	}
	return sealRoots, signerRoots
}

func TestInteropDump(t *testing.T) {
	files, _ := filepath.Glob("testdata/interop/*.ofd")
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		sr, gr := selfRoots(t, data)
		r, err := Verify(context.Background(), data, VerifyOptions{SealRoots: sr, SignerRoots: gr})
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		for _, s := range r.Signatures {
			var failed []string
			for _, c := range s.Checks {
				if c.Status != seal.CheckOK {
					failed = append(failed, c.Name+"="+string(c.Status)+": "+c.Detail)
				}
			}
			for _, c := range s.SealChecks {
				if c.Status != seal.CheckOK {
					failed = append(failed, "seal."+c.Name+"="+string(c.Status)+": "+c.Detail)
				}
			}
			t.Logf("%s #%d %s v%d %s/%s seal=%v refs=%d unprot=%v\n   %s\n   notes=%s", filepath.Base(f), s.Index, s.Type, s.SESVersion, s.Indication, s.SubIndication, s.Seal, len(s.References), s.Unprotected, strings.Join(failed, "\n   "), strings.Join(s.Notes, "; "))
		}
		_ = json.Marshal
	}
}

func readInterop(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "interop", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
