package main

import (
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm3"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/client"
	"github.com/sealchain/sealchain/evidence"
	"github.com/sealchain/sealchain/evidence/report"
	"github.com/sealchain/sealchain/internal/conformance"
)

// TestVerifyIssuedDocument: `verify --file DOC.pdf` verifies a 存证证明 as
// an issued document: without proof of issue it fails with the reason;
// with --issuance, or --node serving the bundle of its report_issued
// record by the file's SM3, every check holds.
func TestVerifyIssuedDocument(t *testing.T) {
	s, err := conformance.NewSynth(conformance.ChainID)
	if err != nil {
		t.Fatal(err)
	}
	add := func(sub *client.Submitter, body chain.Body, actor *client.Actor) uint64 {
		tx, err := sub.Build(body, actor)
		if err != nil {
			t.Fatal(err)
		}
		return s.AddTx(tx, false)
	}
	alice, der, err := s.Signer("alice")
	if err != nil {
		t.Fatal(err)
	}
	const contract = "cli-doc-1"
	created := conformance.Contract(contract, []byte("%PDF-1.4 cli doc"), alice.Cert)
	idx := []uint64{add(s.Sub, &chain.CertIssued{Cert: der}, nil), add(s.Sub, created, nil)}
	intent, err := s.Intent(contract, alice) // timed for the next record

	if err != nil {
		t.Fatal(err)
	}
	idx = append(idx, add(s.Sub, intent, alice), add(s.Sub, &chain.ContractSigned{Contract: contract, DocSM3: created.DocSM3}, alice),
		add(s.Sub, &chain.ContractCompleted{Contract: contract}, nil))
	subject := evidence.Subject{ContractID: contract}
	b, err := s.Bundle(subject, idx)
	if err != nil {
		t.Fatal(err)
	}
	trust, err := evidence.ParseTrust(s.Genesis())
	if err != nil {
		t.Fatal(err)
	}
	v, err := evidence.NewVerifier(trust)
	if err != nil {
		t.Fatal(err)
	}
	res := v.Verify(b, nil)
	// Issued at the block time of the bundle's last record: before the
	// issue record, as verify requires.
	var now time.Time
	for _, r := range b.Records {
		rv, _, err := evidence.Describe(r.Leaf)
		if err != nil {
			t.Fatal(err)
		}
		if rv.Time.After(now) {
			now = rv.Time.UTC()
		}
	}
	key, cert, err := report.IssuerSigner(s.PlatformCA(), "platform", now)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := report.MakePreservation(b, res, report.Options{IssuerOrg: report.Issuer{ID: "platform"}, Now: now,
		VerifyURL: "https://platform.example.cn/verify", Key: key, Cert: cert, Trust: trust})
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := b.Encode()
	ds, bs := sm3.Sum(doc), sm3.Sum(raw)
	idx = append(idx, add(s.Sub, &chain.ReportIssued{Contract: contract, ReportSM3: ds[:], BundleSM3: bs[:]}, nil))
	ib, err := s.Bundle(subject, idx)
	if err != nil {
		t.Fatal(err)
	}
	ibJSON, _ := ib.Encode()

	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	genesis, file, issuance := write("genesis.json", s.Genesis()), write("doc.pdf", doc), write("issuance.json", ibJSON)
	node := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/evidence" || r.URL.Query().Get("doc_hash") != hex.EncodeToString(ds[:]) {
			http.Error(w, `{"code":"not_found","message":"no such document"}`, http.StatusNotFound)
			return
		}
		_, _ = w.Write(ibJSON)
	}))
	defer node.Close()

	for _, tc := range []struct {
		name     string
		args     []string
		wantExit int
		want     string
	}{
		{"no proof of issue", nil, 1, "no proof of issuance: pass --issuance or --node"},
		{"--issuance", []string{"--issuance", issuance}, 0, "recorded by platform as report_issued"},
		{"--node", []string{"--node", node.URL}, 0, "RESULT: VERIFIED"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := execute(t, append([]string{"verify", "--file", file, "--genesis", genesis}, tc.args...)...)
			code := 0
			var ee *exitError
			if errors.As(err, &ee) {
				code = ee.code
			} else if err != nil {
				t.Fatalf("verify: %v", err)
			}
			if code != tc.wantExit || !strings.Contains(out, tc.want) {
				t.Errorf("exit %d (want %d), output lacks %q:\n%s", code, tc.wantExit, tc.want, out)
			}
			if !strings.HasPrefix(out, "preservation_certificate ") {
				t.Errorf("output does not name the kind:\n%s", out)
			}
		})
	}
}
