package chainapi

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sealchain/sealchain/internal/fixture"
	"github.com/sealchain/sealchain/signer"
	"github.com/sealchain/sealchain/signer/ofd"
	"github.com/sealchain/sealchain/signer/pdf"
	"github.com/sealchain/sealchain/signer/seal"
)

// TestOFDVerifySchema checks that docs/schema/ofd-verify.schema.json names
// every JSON member of the answer of POST /v1/ofd/verify, and nothing else.
func TestOFDVerifySchema(t *testing.T) {
	b, err := os.ReadFile("../../docs/schema/ofd-verify.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	var s map[string]any
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		def string
		typ any
	}{
		{"report", ofd.Report{}},
		{"signature", ofd.SignatureReport{}},
		{"signed_by", pdf.SignedBy{}},
		{"seal", ofd.SealView{}},
		{"reference", ofd.RefCheck{}},
		{"stamp", ofd.StampAnnot{}},
		{"check", seal.Check{}},
		{"on_chain", pdfChainFact{}},
	} {
		props, _ := s["$defs"].(map[string]any)[tc.def].(map[string]any)["properties"].(map[string]any)
		var inGo []string
		rt := reflect.TypeOf(tc.typ)
		for i := range rt.NumField() {
			f := rt.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" {
				continue
			}
			if name == "" {
				name = f.Name
			}
			inGo = append(inGo, name)
			if _, ok := props[name]; !ok {
				t.Errorf("%s member %q is not in the schema", rt, name)
			}
		}
		for name := range props {
			if !slices.Contains(inGo, name) {
				t.Errorf("schema #%s names %q, which %s does not have", tc.def, name, rt)
			}
		}
	}
}

// hostileParty is a signer whose seal is made by its own CA (not a genesis
// org: its signatures are INDETERMINATE, which costs the same to check).
func hostileParty(t *testing.T) (key *signer.PrivateKey, cert, sl []byte) {
	t.Helper()
	from, until := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2035, 1, 1, 0, 0, 0, 0, time.UTC)
	caKey, err := signer.GenerateKey(signer.AlgSM2, nil)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := signer.NewCA(caKey, signer.CAOptions{OrgID: "evil", OrgName: "Evil", Role: "platform", NotBefore: from, NotAfter: until}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if key, err = signer.GenerateKey(signer.AlgSM2, nil); err != nil {
		t.Fatal(err)
	}
	if cert, err = ca.Issue(key.Public(), signer.IssueOptions{SubjectRef: "evil", Usage: signer.UsageSigner, NotBefore: from, NotAfter: until}, nil); err != nil {
		t.Fatal(err)
	}
	pic, err := seal.EncodePNG(image.NewNRGBA(image.Rect(0, 0, 64, 64)))
	if err != nil {
		t.Fatal(err)
	}
	if sl, err = seal.Make(seal.SealInfo{ID: "evil", Kind: seal.KindOrganization, Name: "Evil", SignerCerts: [][]byte{cert},
		Created: from, ValidStart: from, ValidEnd: until, Picture: seal.Picture{Data: pic, WidthMM: 40, HeightMM: 40}}, ca.Key, ca.Cert.Raw, nil); err != nil {
		t.Fatal(err)
	}
	return key, cert, sl
}

// rezip copies the entries of base, replacing or adding those of parts
// (generators, so that large parts are streamed), in order.
func rezip(t *testing.T, base []byte, names []string, parts map[string]func(io.Writer) error) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(base), int64(len(base)))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		if parts[f.Name] != nil {
			continue
		}
		if err := zw.Copy(f); err != nil {
			t.Fatal(err)
		}
	}
	for _, n := range names {
		w, err := zw.Create(n)
		if err != nil {
			t.Fatal(err)
		}
		if err := parts[n](w); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func bytesPart(b []byte) func(io.Writer) error {
	return func(w io.Writer) error { _, err := w.Write(b); return err }
}

func zerosPart(n int) func(io.Writer) error {
	return func(w io.Writer) error {
		z := make([]byte, 1<<20)
		for ; n > 0; n -= len(z) {
			if _, err := w.Write(z[:min(n, len(z))]); err != nil {
				return err
			}
		}
		return nil
	}
}

// signatureXML is a Signature.xml with the given references (each with a
// dummy digest) and filler elements.
func signatureXML(refs []string, filler int) []byte {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><ofd:Signature xmlns:ofd="http://www.ofdspec.org/2016"><ofd:SignedInfo><ofd:SignatureMethod>1.2.156.10197.1.501</ofd:SignatureMethod><ofd:References CheckMethod="SM3">`)
	for _, r := range refs {
		fmt.Fprintf(&b, `<ofd:Reference FileRef="%s"><ofd:CheckValue>AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=</ofd:CheckValue></ofd:Reference>`, r)
	}
	b.WriteString(`</ofd:References>`)
	b.WriteString(strings.Repeat("<a/>", filler))
	b.WriteString(`</ofd:SignedInfo><ofd:SignedValue>/Doc_0/Signs/Sign_0/SignedValue.dat</ofd:SignedValue></ofd:Signature>`)
	return []byte(b.String())
}

func signaturesXML(n int) []byte {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><ofd:Signatures xmlns:ofd="http://www.ofdspec.org/2016">`)
	for i := range n {
		fmt.Fprintf(&b, `<ofd:Signature ID="%d" BaseLoc="/Doc_0/Signs/Sign_%d/Signature.xml"/>`, i+1, i)
	}
	b.WriteString(`</ofd:Signatures>`)
	return []byte(b.String())
}

// TestOFDVerifyHostile sends the most expensive OFD files we could build
// within the limits to POST /v1/ofd/verify and logs the wall time and the
// memory each costs (docs/ofd.md "Cost"). Every one is answered, in time.
func TestOFDVerifyHostile(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and verifies about 300 MiB of decompressed input")
	}
	key, cert, sl := hostileParty(t)
	ctx := context.Background()
	doc, err := ofd.NewText("合同", [][]string{{"合同"}}, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	signed, err := ofd.Sign(ctx, doc, ofd.SignOptions{Key: key, Cert: cert, Seal: sl, Time: at})
	if err != nil {
		t.Fatal(err)
	}
	const sigs = "Doc_0/Signs/Signatures.xml"
	cases := map[string][]byte{}

	// 1. Zip bomb: parts of 32 MiB of zeros (32 KiB each compressed) up to
	// the 128 MiB bound, all referenced by one signature, so all hashed.
	{
		names := []string{"Doc_0/Signs/Sign_0/Signature.xml"}
		parts := map[string]func(io.Writer) error{}
		var refs []string
		for i := range 4 {
			n := fmt.Sprintf("Doc_0/Res/bomb%d.bin", i)
			names = append(names, n)
			parts[n] = zerosPart(ofd.MaxEntryBytes - 64<<10)
			refs = append(refs, "/"+n)
		}
		parts[names[0]] = bytesPart(signatureXML(refs, 0))
		cases["zip bomb, 4 × 32 MiB referenced"] = rezip(t, signed, names, parts)
	}
	// 2. XML: 64 signatures, each Signature.xml near 4 MiB of references
	// (4096 with long names), so far more than the 128 MiB decompression
	// bound in all.
	{
		long := "/" + strings.Repeat("x", 900)
		refs := make([]string, ofd.MaxReferences)
		for i := range refs {
			refs[i] = fmt.Sprintf("%s%d", long, i)
		}
		x := signatureXML(refs, 0)
		names := []string{sigs}
		parts := map[string]func(io.Writer) error{sigs: bytesPart(signaturesXML(ofd.MaxSignatures))}
		for i := range ofd.MaxSignatures {
			n := fmt.Sprintf("Doc_0/Signs/Sign_%d/Signature.xml", i)
			if i > 0 {
				names = append(names, n)
			}
			parts[n] = bytesPart(x)
		}
		parts["Doc_0/Signs/Sign_0/Signature.xml"] = bytesPart(x)
		names = append(names, "Doc_0/Signs/Sign_0/Signature.xml")
		cases[fmt.Sprintf("64 × Signature.xml of %d KiB (4096 references)", len(x)>>10)] = rezip(t, signed, names, parts)
	}
	// 3. Elements: 64 Signature.xml of 131,000 empty elements each.
	{
		x := signatureXML([]string{"/OFD.xml"}, 131000)
		names := []string{sigs}
		parts := map[string]func(io.Writer) error{sigs: bytesPart(signaturesXML(ofd.MaxSignatures))}
		for i := range ofd.MaxSignatures {
			n := fmt.Sprintf("Doc_0/Signs/Sign_%d/Signature.xml", i)
			names = append(names, n)
			parts[n] = bytesPart(x)
		}
		cases["64 × Signature.xml of 131,000 elements"] = rezip(t, signed, names, parts)
	}
	// 4. Entries: 4000 small parts, each referenced by the one signature.
	{
		names := []string{"Doc_0/Signs/Sign_0/Signature.xml"}
		parts := map[string]func(io.Writer) error{}
		var refs []string
		for i := range 4000 {
			n := fmt.Sprintf("Doc_0/Res/r%d.xml", i)
			names = append(names, n)
			parts[n] = bytesPart([]byte(strings.Repeat("a", 1024)))
			refs = append(refs, "/"+n)
		}
		parts[names[0]] = bytesPart(signatureXML(refs, 0))
		cases["4000 entries, all referenced"] = rezip(t, signed, names, parts)
	}
	// 5. 64 real signatures, each over every part before it.
	{
		f := doc
		for i := range ofd.MaxSignatures {
			if f, err = ofd.Sign(ctx, f, ofd.SignOptions{Key: key, Cert: cert, Seal: sl, Time: at.Add(time.Duration(i) * time.Minute)}); err != nil {
				t.Fatal(err)
			}
		}
		cases["64 real signatures"] = f
	}

	net := fixture.New(t, apiTestChainID)
	a := newTestAPI(t, net, &fakeMempool{}, time.Second)
	for name, body := range cases {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		var peak atomic.Uint64
		stop := make(chan struct{})
		done := make(chan struct{})
		go func() { // sample the heap while the request runs
			defer close(done)
			var m runtime.MemStats
			for {
				runtime.ReadMemStats(&m)
				if m.HeapInuse > peak.Load() {
					peak.Store(m.HeapInuse)
				}
				select {
				case <-stop:
					return
				case <-time.After(20 * time.Millisecond):
				}
			}
		}()
		t0 := time.Now()
		w := httptest.NewRecorder()
		a.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/v1/ofd/verify", bytes.NewReader(body)))
		d := time.Since(t0)
		close(stop)
		<-done
		runtime.ReadMemStats(&after)
		answer := w.Body.String()
		if len(answer) > 160 {
			answer = answer[:160] + "…"
		}
		t.Logf("%s: %d KiB file → %d in %v, %d MiB allocated, heap peak %d MiB (+%d over before): %s", name, len(body)>>10, w.Code,
			d.Round(time.Millisecond), (after.TotalAlloc-before.TotalAlloc)>>20, peak.Load()>>20, (peak.Load()-min(peak.Load(), before.HeapInuse))>>20,
			strings.Join(strings.Fields(answer), " "))
		if w.Code != http.StatusOK && w.Code != http.StatusUnprocessableEntity {
			t.Errorf("%s: status %d", name, w.Code)
		}
		if d > 10*time.Second && !raceEnabled {
			t.Errorf("%s: %v", name, d)
		}
	}
}
