package main

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"image"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sealchain/sealchain/signer"
	"github.com/sealchain/sealchain/signer/ofd"
	"github.com/sealchain/sealchain/signer/pdf"
	"github.com/sealchain/sealchain/signer/seal"
)

// ofdSigner writes an org CA, a signer key and certificate, and a seal
// listing the signer into dir, and returns their paths.
func ofdSigner(t *testing.T, dir string) (caPath, keyPath, certPath, sealPath string) {
	t.Helper()
	from, until := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2035, 1, 1, 0, 0, 0, 0, time.UTC)
	caKey, err := signer.GenerateKey(signer.AlgSM2, nil)
	require.NoError(t, err)
	ca, err := signer.NewCA(caKey, signer.CAOptions{OrgID: "org-a", OrgName: "某某科技有限公司", Role: "platform", NotBefore: from, NotAfter: until}, nil)
	require.NoError(t, err)
	key, err := signer.GenerateKey(signer.AlgSM2, nil)
	require.NoError(t, err)
	cert, err := ca.Issue(key.Public(), signer.IssueOptions{SubjectRef: "sc:org-a", Usage: signer.UsageSigner, NotBefore: from, NotAfter: until}, nil)
	require.NoError(t, err)
	img := image.NewNRGBA(image.Rect(0, 0, 64, 64))
	for i := range 64 {
		img.Set(i, i, seal.Red)
	}
	pic, err := seal.EncodePNG(img)
	require.NoError(t, err)
	sl, err := seal.Make(seal.SealInfo{ID: "seal-a", Kind: seal.KindOrganization, Name: "某某科技有限公司合同专用章",
		SignerCerts: [][]byte{cert}, Created: from, ValidStart: from, ValidEnd: until,
		Picture: seal.Picture{Data: pic, WidthMM: 40, HeightMM: 40}}, ca.Key, ca.Cert.Raw, nil)
	require.NoError(t, err)
	caPath, keyPath, certPath, sealPath = filepath.Join(dir, "ca.crt"), filepath.Join(dir, "signer.key"), filepath.Join(dir, "signer.crt"), filepath.Join(dir, "seal.esl")
	require.NoError(t, os.WriteFile(caPath, signer.EncodeCertificatePEM(ca.Cert.Raw), 0o600))
	require.NoError(t, signer.SavePrivateKey(keyPath, key))
	require.NoError(t, os.WriteFile(certPath, signer.EncodeCertificatePEM(cert), 0o600))
	require.NoError(t, os.WriteFile(sealPath, sl, 0o600))
	return
}

// TestOFDSignVerify signs an OFD contract twice with `ofd sign`, verifies it
// with `ofd verify` (text and JSON), then changes one page and checks that
// the report fails naming the page.
func TestOFDSignVerify(t *testing.T) {
	dir := t.TempDir()
	caPath, keyPath, certPath, sealPath := ofdSigner(t, dir)
	doc, err := ofd.NewText("买卖合同", [][]string{{"买卖合同", "甲方：某某科技有限公司"}, {"乙方（盖章）："}}, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))
	require.NoError(t, err)
	in, once, twice := filepath.Join(dir, "c.ofd"), filepath.Join(dir, "c1.ofd"), filepath.Join(dir, "c2.ofd")
	require.NoError(t, os.WriteFile(in, doc, 0o600))

	code, out, msg := execRoot(t, "ofd", "sign", "--in", in, "--out", once, "--key", keyPath, "--cert", certPath, "--seal", sealPath,
		"--page", "2", "--x", "120", "--y", "40", "--time", "2026-03-15T08:00:00Z")
	require.Equal(t, 0, code, msg)
	require.Contains(t, out, "signed ")
	code, _, msg = execRoot(t, "ofd", "sign", "--in", once, "--out", twice, "--key", keyPath, "--cert", certPath, "--seal", sealPath,
		"--time", "2026-03-16T08:00:00Z")
	require.Equal(t, 0, code, msg)

	code, out, msg = execRoot(t, "ofd", "verify", twice, "--ca", caPath)
	require.Equal(t, 0, code, "%s %s", out, msg)
	require.Contains(t, out, "TOTAL_PASSED (2 signatures)")
	require.Contains(t, out, "某某科技有限公司合同专用章")
	require.Contains(t, out, "[ses_time_info_claimed]")

	code, out, msg = execRoot(t, "ofd", "verify", twice, "--ca", caPath, "--json", "--at", "2026-04-01T00:00:00Z")
	require.Equal(t, 0, code, "%s %s", out, msg)
	var rep ofd.Report
	require.NoError(t, json.Unmarshal([]byte(out), &rep))
	require.Equal(t, pdf.TotalPassed, rep.Indication)
	require.Len(t, rep.Signatures, 2)
	require.Equal(t, ofd.TimeFromCaller, rep.Signatures[0].SigningTimeSource)

	// After the seal's end (2035) the times fail: INDETERMINATE, exit 1.
	code, out, _ = execRoot(t, "ofd", "verify", twice, "--ca", caPath, "--at", "2036-01-01T00:00:00Z")
	require.Equal(t, exitFailure, code, out)
	require.Contains(t, out, "INDETERMINATE")

	// Untrusted: another CA.
	other, _, _, _ := ofdSigner(t, t.TempDir())
	code, out, _ = execRoot(t, "ofd", "verify", twice, "--ca", other)
	require.Equal(t, exitFailure, code, out)
	require.Contains(t, out, "NO_CERTIFICATE_CHAIN_FOUND")

	// A changed page is named.
	bad := filepath.Join(dir, "bad.ofd")
	require.NoError(t, os.WriteFile(bad, changePart(t, mustRead(t, twice), "Doc_0/Pages/Page_1/Content.xml"), 0o600))
	code, out, _ = execRoot(t, "ofd", "verify", bad, "--ca", caPath)
	require.Equal(t, exitFailure, code, out)
	require.Contains(t, out, "TOTAL_FAILED")
	require.Contains(t, out, "part /Doc_0/Pages/Page_1/Content.xml: changed")

	// Not an OFD; usage errors.
	code, _, msg = execRoot(t, "ofd", "verify", keyPath, "--ca", caPath)
	require.Equal(t, exitFailure, code)
	require.NotEmpty(t, msg)
	code, _, _ = execRoot(t, "ofd", "verify", twice, "--ca", caPath, "--at", "yesterday")
	require.Equal(t, exitUsage, code)
	code, _, _ = execRoot(t, "ofd", "sign", "--in", in)
	require.Equal(t, exitUsage, code)
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	require.NoError(t, err)
	return b
}

// changePart rewrites the zip with one byte of part changed.
func changePart(t *testing.T, data []byte, part string) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	require.NoError(t, err)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	found := false
	for _, f := range zr.File {
		rc, err := f.Open()
		require.NoError(t, err)
		b, err := io.ReadAll(rc)
		require.NoError(t, err)
		if f.Name == part {
			found = true
			b = []byte(strings.Replace(string(b), "乙方", "丙方", 1))
		}
		w, err := zw.Create(f.Name)
		require.NoError(t, err)
		_, err = w.Write(b)
		require.NoError(t, err)
	}
	require.True(t, found, part)
	require.NoError(t, zw.Close())
	return buf.Bytes()
}
