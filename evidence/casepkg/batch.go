package casepkg

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/emmansun/gmsm/sm3"

	"github.com/sealchain/sealchain/evidence"
)

// maxBatchJSON bounds batch.json (about 400 bytes a case).
const maxBatchJSON = 64 << 20

// BatchResult is the outcome of [VerifyBatch].
type BatchResult struct {
	OK bool `json:"ok"`
	// Err is a failure of the batch files themselves (batch.json,
	// batch.csv), naming the file.
	Err   string         `json:"error,omitempty"`
	Batch *Batch         `json:"batch,omitempty"`
	Cases []CaseVerified `json:"cases"`
}

// CaseVerified is one case of a verified batch.
type CaseVerified struct {
	CaseID  string  `json:"case_id"`
	Package string  `json:"package"`
	Result  *Result `json:"result,omitempty"`
	Err     string  `json:"error,omitempty"` // the package does not match batch.json
}

// DecodeBatch parses batch.json strictly.
func DecodeBatch(b []byte) (*Batch, error) {
	if len(b) > maxBatchJSON {
		return nil, fmt.Errorf("%w: batch.json: %d bytes, at most %d", ErrFormat, len(b), maxBatchJSON)
	}
	var bt Batch
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&bt); err != nil {
		return nil, fmt.Errorf("%w: batch.json: %v", ErrFormat, err)
	}
	if bt.Format != BatchFormat || bt.Version != Version {
		return nil, fmt.Errorf("%w: batch.json: format %q v%d, want %q v%d", ErrFormat, bt.Format, bt.Version, BatchFormat, Version)
	}
	if len(bt.Cases) > MaxBatchCases {
		return nil, fmt.Errorf("%w: batch.json: %d cases, at most %d", ErrFormat, len(bt.Cases), MaxBatchCases)
	}
	for i, c := range bt.Cases {
		if !idRE.MatchString(c.CaseID) || c.Package != "cases/"+c.CaseID+".zip" {
			return nil, fmt.Errorf("%w: batch.json: cases[%d]: case_id %q and package %q: want package cases/<case_id>.zip", ErrFormat, i, c.CaseID, c.Package)
		}
	}
	return &bt, nil
}

// VerifyBatch verifies a batch directory: batch.json and batch.csv agree,
// every package has the size and SM3 batch.json gives and the case id,
// kind, institution and contracts of its manifest, and verifies ([Verify]),
// workers at a time (0: GOMAXPROCS).
func VerifyBatch(dir string, trust *evidence.Trust, now time.Time, workers int) (*BatchResult, error) {
	res := &BatchResult{}
	raw, err := os.ReadFile(filepath.Join(dir, "batch.json"))
	if err != nil {
		return nil, err
	}
	bt, err := DecodeBatch(raw)
	if err != nil {
		res.Err = err.Error()
		return res, nil
	}
	res.Batch = bt
	if csv, err := os.ReadFile(filepath.Join(dir, "batch.csv")); err != nil || !bytes.Equal(csv, bt.CSV()) {
		res.Err = "batch.csv: is not the CSV rendering of batch.json"
	}
	res.Cases = make([]CaseVerified, len(bt.Cases))
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	var wg sync.WaitGroup
	next := make(chan int)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				res.Cases[i] = verifyBatchCase(dir, &bt.Cases[i], trust, now)
			}
		}()
	}
	for i := range bt.Cases {
		next <- i
	}
	close(next)
	wg.Wait()
	res.OK = res.Err == ""
	for _, c := range res.Cases {
		if c.Err != "" || c.Result == nil || !c.Result.OK {
			res.OK = false
		}
	}
	return res, nil
}

func verifyBatchCase(dir string, c *BatchCase, trust *evidence.Trust, now time.Time) CaseVerified {
	out := CaseVerified{CaseID: c.CaseID, Package: c.Package}
	path := filepath.Join(dir, filepath.FromSlash(c.Package))
	st, err := os.Stat(path)
	if err != nil {
		out.Err = c.Package + ": " + err.Error()
		return out
	}
	if st.Size() > MaxPackageBytes {
		out.Err = fmt.Sprintf("%s: %d bytes, at most %d", c.Package, st.Size(), MaxPackageBytes)
		return out
	}
	z, err := os.ReadFile(path)
	if err != nil {
		out.Err = c.Package + ": " + err.Error()
		return out
	}
	s := sm3.Sum(z)
	if int64(len(z)) != c.Size || hex.EncodeToString(s[:]) != c.SM3 {
		out.Err = fmt.Sprintf("%s: %d bytes with SM3 %x; batch.json says %d bytes with SM3 %s", c.Package, len(z), s, c.Size, c.SM3)
	}
	r, err := Verify(z, trust, now)
	if err != nil {
		out.Err = err.Error()
		return out
	}
	out.Result = r
	if m := r.Manifest; out.Err == "" && m != nil &&
		(m.CaseID != c.CaseID || m.Kind != c.Kind || m.Institution != c.Institution || strings.Join(m.Contracts, ";") != strings.Join(c.Contracts, ";")) {
		out.Err = fmt.Sprintf("%s: its manifest names case %s (%s to %s, contracts %v), batch.json case %s (%s to %s, contracts %v)",
			c.Package, m.CaseID, m.Kind, m.Institution, m.Contracts, c.CaseID, c.Kind, c.Institution, c.Contracts)
	}
	return out
}
