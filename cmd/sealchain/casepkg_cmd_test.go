package main

import (
	"archive/zip"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/emmansun/gmsm/sm3"

	"github.com/sealchain/sealchain/client"
)

const (
	casePkg     = "../../evidence/casepkg/testdata/case.zip"
	caseGenesis = "../../evidence/casepkg/testdata/genesis.json"
)

// caseCLI runs the CLI in process and returns stdout and the exit status.
func caseCLI(t *testing.T, args ...string) (string, int) {
	t.Helper()
	root := newRoot()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(io.Discard)
	root.SetArgs(args)
	err := root.Execute()
	var ee *exitError
	switch {
	case err == nil:
		return out.String(), 0
	case errors.As(err, &ee):
		return out.String() + err.Error(), ee.code
	}
	return out.String() + err.Error(), exitFailure
}

// TestCaseVerifyCLI: `sealchain case verify` passes the checked-in package
// and a batch directory holding it, and fails an edited statement, naming
// the file, with exit status 1.
func TestCaseVerifyCLI(t *testing.T) {
	out, code := caseCLI(t, "case", "verify", casePkg, "--genesis", caseGenesis)
	if code != 0 || !strings.Contains(out, "RESULT: VERIFIED") {
		t.Fatalf("honest package: %d\n%s", code, out)
	}
	pkg, err := os.ReadFile(casePkg)
	if err != nil {
		t.Fatal(err)
	}
	// An edited statement of claim.
	zr, err := zip.NewReader(bytes.NewReader(pkg), int64(len(pkg)))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		rc, _ := f.Open()
		data, _ := io.ReadAll(rc)
		rc.Close()
		if f.Name == "claim/statement.pdf" {
			data = bytes.Replace(data, []byte("50"), []byte("90"), 1)
		}
		w, _ := zw.Create(f.Name)
		w.Write(data)
	}
	zw.Close()
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.zip")
	if err := os.WriteFile(bad, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	out, code = caseCLI(t, "case", "verify", bad, "--genesis", caseGenesis)
	if code != 1 || !strings.Contains(out, "claim/statement.pdf") || !strings.Contains(out, "FAIL") {
		t.Fatalf("edited statement: %d\n%s", code, out)
	}
	// A batch directory with the package.
	batch := filepath.Join(dir, "batch")
	os.MkdirAll(filepath.Join(batch, "cases"), 0o755)
	var m struct {
		CaseID      string   `json:"case_id"`
		BatchID     string   `json:"batch_id"`
		Kind        string   `json:"kind"`
		Institution string   `json:"institution"`
		Contracts   []string `json:"contracts"`
	}
	zr, _ = zip.NewReader(bytes.NewReader(pkg), int64(len(pkg)))
	mf, _ := zr.Open("manifest.json")
	if err := json.NewDecoder(mf).Decode(&m); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(batch, "cases", m.CaseID+".zip"), pkg, 0o644)
	sum := sm3.Sum(pkg)
	bj, _ := json.Marshal(map[string]any{"format": "sealchain-case-batch", "version": 1, "batch_id": m.BatchID, "filer": "platform",
		"chain_id": "sealchain-conformance", "created_at": "2026-01-05T09:01:00Z", "skipped": []any{},
		"cases": []any{map[string]any{"case_id": m.CaseID, "institution": m.Institution, "kind": m.Kind, "contracts": m.Contracts,
			"package": "cases/" + m.CaseID + ".zip", "sm3": hex.EncodeToString(sum[:]), "size": len(pkg)}}})
	os.WriteFile(filepath.Join(batch, "batch.json"), bj, 0o644)
	out, code = caseCLI(t, "case", "verify", batch, "--genesis", caseGenesis)
	if code != 1 || !strings.Contains(out, "batch.csv") {
		t.Fatalf("batch without batch.csv: %d\n%s", code, out)
	}
	csv := "case_id,institution,kind,contracts,package,size,sm3,skipped_reason\n" + strings.Join([]string{m.CaseID, m.Institution, m.Kind,
		strings.Join(m.Contracts, ";"), "cases/" + m.CaseID + ".zip", itoaInt(len(pkg)), hex.EncodeToString(sum[:]), ""}, ",") + "\n"
	os.WriteFile(filepath.Join(batch, "batch.csv"), []byte(csv), 0o644)
	out, code = caseCLI(t, "case", "verify", batch, "--genesis", caseGenesis)
	if code != 0 || !strings.Contains(out, "RESULT: VERIFIED: all 1 packages") {
		t.Fatalf("batch: %d\n%s", code, out)
	}
	if _, code := caseCLI(t, "case", "verify", filepath.Join(dir, "nothing"), "--genesis", caseGenesis); code != exitUsage {
		t.Errorf("missing file: exit %d, want %d", code, exitUsage)
	}
}

func itoaInt(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// TestCaseBuildProgressBar: the bar fills with the cases done.
func TestCaseBuildProgressBar(t *testing.T) {
	j := &client.CaseJob{Status: "running"}
	j.Progress.Total, j.Progress.Done, j.Progress.Built, j.Progress.Skipped = 200, 100, 99, 1
	var b bytes.Buffer
	progressBar(&b, j)
	if got, want := b.String(), "\r[###############...............] 100/200  built 99  skipped 1  running "; got != want {
		t.Errorf("bar %q, want %q", got, want)
	}
	ids := filepath.Join(t.TempDir(), "ids.txt")
	os.WriteFile(ids, []byte("# contracts\nwf-1\n\n  wf-2  \n"), 0o644)
	got, err := readIDs(ids)
	if err != nil || strings.Join(got, ",") != "wf-1,wf-2" {
		t.Errorf("readIDs: %v %v", got, err)
	}
	// Bad usage: exit 2 before any request.
	if _, code := caseCLI(t, "case", "build", "--institution", "court", "--out", t.TempDir(), "--from", "yesterday"); code != exitUsage {
		t.Errorf("bad --from: exit %d", code)
	}
}
