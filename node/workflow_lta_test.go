package node

import (
	"bytes"
	"context"
	"crypto/sha256"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emmansun/gmsm/smx509"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/chain/store"
	"github.com/sealchain/sealchain/node/pki"
	"github.com/sealchain/sealchain/signer/pdf"
	"github.com/sealchain/sealchain/signer/tsa"
)

// extendLTA does what sealchain pdf extend-lta does, over HTTP against the
// node: a DSS for the latest time stamp's TSA chain, then a document time
// stamp whose digest the node commits with timestamp_requested.
func extendLTA(ctx context.Context, t *testing.T, n *itNet, in []byte, sm3 ...bool) []byte {
	t.Helper()
	out, err := pdf.AddDSS(ctx, in, &pki.HTTPValidationSource{BaseURL: n.base, Org: n.node.cfg.Org, Issuer: n.ca.Cert})
	if err != nil {
		t.Fatalf("extend-lta DSS: %v", err)
	}
	oid := tsa.OIDSHA256
	if len(sm3) > 0 && sm3[0] {
		oid = tsa.OIDSM3
	}
	out, err = pdf.AddDocTimeStamp(ctx, out, oid, &pki.HTTPDocumentStamper{BaseURL: n.base})
	if err != nil {
		t.Fatalf("extend-lta document time stamp: %v", err)
	}
	return out
}

// checkBLTA extends the workflow's B-LT contract twice (SHA-256, and
// SHA-256 or SM3 the second time),
// finds the timestamp_requested record of each digest, validates the file
// past every certificate's expiry (B-LTA) and shows it to pdfsig; a PDF
// with no revision on chain is refused.
func checkBLTA(ctx context.Context, t *testing.T, n *itNet, blt []byte, dir, docSHA256 string) {
	t.Helper()
	lta := extendLTA(ctx, t, n, blt)
	lta2 := extendLTA(ctx, t, n, lta)
	lta2sm := extendLTA(ctx, t, n, lta, true) // an SM2 token: for Sealchain, not for pyHanko or pdfsig
	roots := []*smx509.Certificate{n.ca.Cert}
	late := n.ca.Cert.NotAfter.Add(24 * time.Hour)
	for name, f := range map[string][]byte{"once": lta, "twice": lta2, "twice, SM3": lta2sm} {
		rep, err := pdf.Verify(f, pdf.VerifyOptions{Roots: roots, ValidationTime: late})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Indication != pdf.TotalPassed || len(rep.DocTimeStamps) == 0 {
			t.Fatalf("B-LTA %s: %s, %d document time stamps", name, rep.Indication, len(rep.DocTimeStamps))
		}
		for _, s := range rep.Signatures {
			if s.Level != pdf.LevelBLTA {
				t.Errorf("B-LTA %s: signature %d level %q", name, s.Index, s.Level)
			}
		}
		for _, d := range rep.DocTimeStamps {
			t.Logf("B-LTA %s: document time stamp %d %s at %v by %s, notes %q", name, d.Index, d.Indication, d.SigningTime, d.TimeStamp.TSA, d.Notes)
		}
	}
	// The digest of the first document time stamp is on chain (record 33)
	// and genTime is that record's block time.
	rep, _ := pdf.Verify(lta, pdf.VerifyOptions{Roots: roots})
	d := rep.DocTimeStamps[0]
	br := d.Scope.ByteRange
	h := sha256.New()
	h.Write(lta[:br[1]])
	h.Write(lta[br[2] : br[2]+br[3]])
	at, body := firstDocRecord(t, n, h.Sum(nil))
	tr, ok := body.(*chain.TimestampRequested)
	if !ok || !at.Equal(*d.TimeStamp.GenTime) || tr.Purpose != chain.TimestampDocument || tr.Contract == "" || len(tr.DocSM3) != 32 {
		t.Errorf("digest's first record %T %+v at %v; document time stamp at %v", body, body, at, d.TimeStamp.GenTime)
	}

	if dir != "" {
		os.WriteFile(filepath.Join(dir, "contract-blta.pdf"), lta2, 0o644)
	}
	// PADES_HOOK runs while the node is up (e.g. pyHanko's HTTP
	// timestamper against /v1/tsa: signer/pdf/interop/pyhanko-validate.sh).
	if hook := os.Getenv("PADES_HOOK"); hook != "" {
		cmd := exec.CommandContext(ctx, "sh", "-c", hook)
		cmd.Env = append(os.Environ(), "SEALCHAIN_URL="+n.base, "SEALCHAIN_DOC_SHA256="+docSHA256)
		out, err := cmd.CombinedOutput()
		t.Logf("$ %s\n%s", hook, out)
		if err != nil {
			t.Errorf("PADES_HOOK: %v", err)
		}
	}
	if pdfsig, err := exec.LookPath("pdfsig"); err == nil {
		file := filepath.Join(t.TempDir(), "contract-blta.pdf")
		os.WriteFile(file, lta2, 0o644)
		out, err := exec.CommandContext(ctx, pdfsig, file).CombinedOutput()
		t.Logf("$ pdfsig contract-blta.pdf\n%s", out)
		// poppler 22.12 lists document time stamps but does not check them
		// ("Signature Type: unknown", "not yet been verified").
		if err != nil || strings.Count(string(out), "Signature is Valid.") != 3 || !strings.Contains(string(out), "DocTimeStamp5") {
			t.Errorf("pdfsig on the B-LTA file: %v", err)
		}
	}

	// Not on chain: no revision of a fresh PDF was committed.
	fresh, err := pdf.PrepareDocTimeStamp(onePagePDF("not on chain"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = (&pki.HTTPDocumentStamper{BaseURL: n.base}).TimeStampDocument(ctx, fresh, tsa.OIDSHA256)
	if err == nil || !strings.Contains(err.Error(), "no signed revision of this PDF is committed on chain") {
		t.Errorf("a PDF with no revision on chain: %v", err)
	}
	resp, err := http.Post(n.base+"/v1/tsa/document", "application/pdf", bytes.NewReader(blt))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/timestamp-reply" {
		t.Errorf("a PDF without an empty document time stamp: HTTP %d %s, want a TimeStampResp rejection", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}

// firstDocRecord returns the block time and body of the first record the
// node's store indexes under hash.
func firstDocRecord(t *testing.T, n *itNet, hash []byte) (time.Time, chain.Body) {
	t.Helper()
	for range 100 {
		v := n.node.store.View()
		page, err := v.ByDoc(hash, store.Query{Limit: 10, UpTo: n.node.Store().Last().LogSize})
		if err == nil && len(page.Indexes) > 0 {
			leaf, err := v.Entry(page.Indexes[0])
			if err != nil {
				t.Fatal(err)
			}
			en, err := chain.DecodeEntry(leaf)
			if err != nil {
				t.Fatal(err)
			}
			tx, err := chain.DecodeRecord(en.Tx)
			if err != nil {
				t.Fatal(err)
			}
			return en.Time, tx.Body
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no record indexed under %x", hash)
	return time.Time{}, nil
}
