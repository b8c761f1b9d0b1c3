package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sealchain/sealchain/signer/pdf"
)

// TestPDFSignSES signs a PDF with `pdf sign --format ses`, then with a CMS
// signature, verifies both with `pdf verify`, and checks that a changed
// byte fails.
func TestPDFSignSES(t *testing.T) {
	dir := t.TempDir()
	caPath, keyPath, certPath, sealPath := ofdSigner(t, dir)
	in, once, twice := filepath.Join(dir, "c.pdf"), filepath.Join(dir, "c1.pdf"), filepath.Join(dir, "c2.pdf")
	require.NoError(t, os.WriteFile(in, onePagePDF(), 0o600))

	code, out, msg := execRoot(t, "pdf", "sign", "--format", "ses", "--in", in, "--out", once, "--key", keyPath, "--cert", certPath,
		"--ses-seal", sealPath, "--x", "380", "--y", "80", "--time", "2026-03-15T08:00:00Z")
	require.Equal(t, 0, code, msg)
	require.Contains(t, out, "signed ")
	code, _, msg = execRoot(t, "pdf", "sign", "--in", once, "--out", twice, "--key", keyPath, "--cert", certPath,
		"--x", "60", "--y", "80", "--time", "2026-03-16T08:00:00Z")
	require.Equal(t, 0, code, msg)
	code, _, msg = execRoot(t, "pdf", "sign", "--format", "ses", "--in", once, "--out", twice+".x", "--key", keyPath, "--cert", certPath)
	require.Equal(t, 2, code, "--format ses without --ses-seal: %s", msg)

	code, out, msg = execRoot(t, "pdf", "verify", twice, "--roots", caPath, "--at", "2026-04-01T00:00:00Z")
	require.Equal(t, 0, code, "%s %s", out, msg)
	require.Contains(t, out, "TOTAL_PASSED (2 signatures")
	require.Contains(t, out, `seal "某某科技有限公司合同专用章" (SES_Signature v4)`)
	require.Contains(t, out, "[ses_time_info_claimed]")

	code, out, msg = execRoot(t, "pdf", "verify", twice, "--roots", caPath, "--json", "--at", "2026-04-01T00:00:00Z")
	require.Equal(t, 0, code, "%s %s", out, msg)
	var rep pdf.Report
	require.NoError(t, json.Unmarshal([]byte(out), &rep))
	require.Equal(t, 4, rep.Signatures[0].SESVersion)
	require.Equal(t, "GM.sm2seal", rep.Signatures[0].SubFilter)
	require.Equal(t, 0, rep.Signatures[1].SESVersion)

	// --at after the certificates expired: the claimed times are not proof.
	code, out, _ = execRoot(t, "pdf", "verify", twice, "--roots", caPath, "--at", "2036-01-01T00:00:00Z")
	require.Equal(t, 1, code)
	require.Contains(t, out, "OUT_OF_BOUNDS_NO_POE")

	b, err := os.ReadFile(twice)
	require.NoError(t, err)
	i := strings.Index(string(b), "/GM.sm2seal")
	b[i-40] ^= 1
	bad := filepath.Join(dir, "bad.pdf")
	require.NoError(t, os.WriteFile(bad, b, 0o600))
	code, out, _ = execRoot(t, "pdf", "verify", bad, "--roots", caPath, "--at", "2026-04-01T00:00:00Z")
	require.Equal(t, 1, code)
	require.Contains(t, out, "TOTAL_FAILED")
	require.Contains(t, out, "HASH_FAILURE")
}

// onePagePDF is an A4 page with two grey bars and a classic xref table.
func onePagePDF() []byte {
	var b bytes.Buffer
	var offs []int
	b.WriteString("%PDF-1.7\n")
	for _, o := range []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
		"<< /Length 43 >>\nstream\n0.6 g 50 700 300 60 re f 50 600 200 20 re f\nendstream",
	} {
		offs = append(offs, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", len(offs), o)
	}
	x := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f\r\n", len(offs)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n\r\n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offs)+1, x)
	return b.Bytes()
}
