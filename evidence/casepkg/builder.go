package casepkg

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emmansun/gmsm/sm3"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/evidence"
	"github.com/sealchain/sealchain/signer"
	"github.com/sealchain/sealchain/workflow/template"
)

// MaxBatchCases bounds one batch.
const MaxBatchCases = 20000

// Source is what the builder reads on the platform's node: the workflow
// store (contracts, template fields, signed PDFs, parties' identity data)
// and the node's evidence assembly.
type Source interface {
	// Select lists the contracts a query matches, oldest first.
	Select(ctx context.Context, q Query) ([]string, error)
	// Load gathers one contract's inputs. A contract that does not exist
	// returns a *SkipError.
	Load(ctx context.Context, contractID string) (*ContractData, error)
}

// Query selects contracts on the platform.
type Query struct {
	Template string    `json:"template,omitempty"`
	Status   string    `json:"status,omitempty"` // default completed
	From     time.Time `json:"from,omitzero"`    // created at or after
	To       time.Time `json:"to,omitzero"`      // created before
	// Counterparty is an identity id or a substring of a party's display
	// name.
	Counterparty string `json:"counterparty,omitempty"`
}

// ContractData is one contract as the source has it.
type ContractData struct {
	ID, Title, Status, Template string
	// StatusReason says why a contract is not completed (a void reason).
	StatusReason string
	Fields       map[string]string
	SignedPDF    []byte
	BundleJSON   []byte
	Parties      []PartyInput
}

// Request is one batch build.
type Request struct {
	// Contracts, or else Query, selects the contracts: one case each.
	Contracts []string `json:"contracts,omitempty"`
	Query     *Query   `json:"query,omitempty"`
	// Kind is litigation (to a court) or arbitration (to an arbitration
	// commission); Institution the receiving organisation's genesis id.
	Kind        string `json:"kind"`
	Institution string `json:"institution"`
	BatchID     string `json:"batch_id,omitempty"`
}

// Progress is reported after each case.
type Progress struct {
	Total   int `json:"total"`
	Done    int `json:"done"`
	Built   int `json:"built"`
	Skipped int `json:"skipped"`
}

// Builder builds batches of case packages.
type Builder struct {
	src       Source
	trust     *evidence.Trust
	ca        *signer.CA
	org, name string
	verifyURL string
	workers   int
	storeDir  string
	now       func() time.Time
	font      *template.Font
}

// BuilderOption configures a Builder.
type BuilderOption func(*Builder)

// WithWorkers bounds the cases built at once (default GOMAXPROCS).
func WithWorkers(n int) BuilderOption { return func(b *Builder) { b.workers = n } }

// WithStoreDir also keeps each package as <dir>/<case_id>.zip, where the
// node serves packages from.
func WithStoreDir(dir string) BuilderOption { return func(b *Builder) { b.storeDir = dir } }

// WithClock sets the clock (tests).
func WithClock(now func() time.Time) BuilderOption { return func(b *Builder) { b.now = now } }

// WithFont sets the loaded CJK font.
func WithFont(f *template.Font) BuilderOption { return func(b *Builder) { b.font = f } }

// NewBuilder returns a builder for the filer organisation org (its genesis
// CA ca signs the packages and their evidence reports). verifyURL is the
// node's verification page, printed in the evidence reports.
func NewBuilder(src Source, trust *evidence.Trust, ca *signer.CA, org, verifyURL string, opts ...BuilderOption) (*Builder, error) {
	b := &Builder{src: src, trust: trust, ca: ca, org: org, verifyURL: verifyURL, workers: runtime.GOMAXPROCS(0), now: time.Now}
	for _, o := range opts {
		o(b)
	}
	if src == nil || trust == nil || ca == nil {
		return nil, errors.New("casepkg: builder needs a source, the trust and the organisation CA")
	}
	o := b.orgOf(org)
	if o == nil {
		return nil, fmt.Errorf("casepkg: filer %q is not an organisation of the genesis", org)
	}
	b.name = o.Name
	if b.workers < 1 {
		b.workers = 1
	}
	if b.font == nil {
		f, err := template.LoadFont(template.DefaultFontPath)
		if err != nil {
			return nil, err
		}
		b.font = f
	}
	return b, nil
}

func (b *Builder) orgOf(id string) *chain.Org {
	for _, o := range b.trust.Orgs {
		if o.ID == id {
			return o
		}
	}
	return nil
}

// RequestError is a request that cannot be built at all (a bad kind,
// institution or selection).
type RequestError struct{ Field, Msg string }

func (e *RequestError) Error() string { return "field " + e.Field + ": " + e.Msg }

// Check validates a request before any work, returning a *RequestError.
func (b *Builder) Check(req *Request) error {
	switch {
	case req.Kind != KindLitigation && req.Kind != KindArbitration:
		return &RequestError{"kind", fmt.Sprintf("%q, want litigation or arbitration", req.Kind)}
	case len(req.Contracts) == 0 && req.Query == nil:
		return &RequestError{"contracts", "give contract ids or a query"}
	case len(req.Contracts) > 0 && req.Query != nil:
		return &RequestError{"query", "give contract ids or a query, not both"}
	case len(req.Contracts) > MaxBatchCases:
		return &RequestError{"contracts", fmt.Sprintf("%d contracts, at most %d", len(req.Contracts), MaxBatchCases)}
	case req.BatchID != "" && !idRE.MatchString(req.BatchID):
		return &RequestError{"batch_id", fmt.Sprintf("%q is not an id", req.BatchID)}
	}
	o := b.orgOf(req.Institution)
	want := chain.RoleCourt
	if req.Kind == KindArbitration {
		want = chain.RoleArbitration
	}
	if o == nil {
		return &RequestError{"institution", fmt.Sprintf("%q is not an organisation of the genesis", req.Institution)}
	}
	if o.Role != want {
		return &RequestError{"institution", fmt.Sprintf("%s is a %s; a %s case goes to a %s", o.ID, o.Role, req.Kind, want)}
	}
	return nil
}

// NewBatchID is a fresh batch id: B, the UTC date and time, 8 random hex digits.
func NewBatchID(now time.Time) string {
	var r [4]byte
	_, _ = rand.Read(r[:])
	return "B" + now.UTC().Format("20060102T150405") + "-" + hex.EncodeToString(r[:])
}

// Build builds one package per selected contract into dir (batch.json,
// batch.csv, cases/<case_id>.zip), with at most the builder's workers at
// once, calling progress after each case. Contracts that cannot be built
// are listed in the batch's Skipped with the reason, never dropped.
func (b *Builder) Build(ctx context.Context, req Request, dir string, progress func(Progress)) (*Batch, error) {
	if err := b.Check(&req); err != nil {
		return nil, err
	}
	ids := slices.Clone(req.Contracts)
	if req.Query != nil {
		q := *req.Query
		if q.Status == "" {
			q.Status = "completed"
		}
		var err error
		if ids, err = b.src.Select(ctx, q); err != nil {
			return nil, fmt.Errorf("select contracts: %w", err)
		}
		if len(ids) > MaxBatchCases {
			return nil, &RequestError{"query", fmt.Sprintf("matches %d contracts, at most %d a batch", len(ids), MaxBatchCases)}
		}
	}
	now := b.now().UTC().Truncate(time.Second)
	if req.BatchID == "" {
		req.BatchID = NewBatchID(now)
	}
	filer, err := NewFiler(b.ca, b.org, b.name, now)
	if err != nil {
		return nil, err
	}
	// Packages hold the parties' identity data in clear: owner only.
	if err := os.MkdirAll(filepath.Join(dir, "cases"), 0o700); err != nil {
		return nil, err
	}
	if b.storeDir != "" {
		if err := os.MkdirAll(b.storeDir, 0o700); err != nil {
			return nil, err
		}
	}
	inst := b.orgOf(req.Institution)
	batch := &Batch{Format: BatchFormat, Version: Version, BatchID: req.BatchID, Filer: b.org, ChainID: b.trust.ChainID, CreatedAt: now,
		Cases: []BatchCase{}, Skipped: []Skip{}}
	type outcome struct {
		c    *BatchCase
		skip *Skip
		err  error
	}
	out := make([]outcome, len(ids))
	var done, built, skipped atomic.Int64
	next := atomic.Int64{}
	var wg sync.WaitGroup
	var pmu sync.Mutex
	for range min(b.workers, max(len(ids), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(ids) || ctx.Err() != nil {
					return
				}
				caseID := fmt.Sprintf("%s-%05d", req.BatchID, i+1)
				c, err := b.one(ctx, ids[i], caseID, &req, inst, filer, now, dir)
				var se *SkipError
				switch {
				case errors.As(err, &se):
					out[i] = outcome{skip: &Skip{Contract: ids[i], Reason: se.Reason}}
					skipped.Add(1)
				case err != nil:
					out[i] = outcome{err: fmt.Errorf("contract %s: %w", ids[i], err)}
				default:
					out[i] = outcome{c: c}
					built.Add(1)
				}
				d := done.Add(1)
				if progress != nil {
					pmu.Lock()
					progress(Progress{Total: len(ids), Done: int(d), Built: int(built.Load()), Skipped: int(skipped.Load())})
					pmu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for _, o := range out {
		switch {
		case o.err != nil:
			return nil, o.err
		case o.skip != nil:
			batch.Skipped = append(batch.Skipped, *o.skip)
		default:
			batch.Cases = append(batch.Cases, *o.c)
		}
	}
	bj, err := json.MarshalIndent(batch, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := writeFile(filepath.Join(dir, "batch.csv"), batch.CSV()); err != nil {
		return nil, err
	}
	if err := writeFile(filepath.Join(dir, "batch.json"), bj); err != nil {
		return nil, err
	}
	return batch, nil
}

// one builds the package of one contract.
func (b *Builder) one(ctx context.Context, id, caseID string, req *Request, inst *chain.Org, f *Filer, now time.Time, dir string) (*BatchCase, error) {
	d, err := b.src.Load(ctx, id)
	if err != nil {
		return nil, err
	}
	switch {
	case d.Status == "voided":
		return nil, skip(id, "voided (%s)", d.StatusReason)
	case d.Status != "completed":
		return nil, skip(id, "not completed (status %s)", d.Status)
	case len(d.SignedPDF) == 0:
		return nil, skip(id, "no signed PDF on this node")
	}
	bundle, err := evidence.DecodeBundle(d.BundleJSON)
	if err != nil {
		return nil, skip(id, "its evidence bundle does not decode: %v", err)
	}
	v, err := evidence.NewVerifier(b.trust)
	if err != nil {
		return nil, err
	}
	c := &Case{CaseID: caseID, BatchID: req.BatchID, Kind: req.Kind, Institution: inst.ID, InstitutionName: inst.Name,
		ChainID: b.trust.ChainID, CreatedAt: now, VerifyURL: b.verifyURL, Contract: id, Title: d.Title, Template: d.Template,
		Fields: d.Fields, SignedPDF: d.SignedPDF, BundleJSON: d.BundleJSON, Bundle: bundle, Result: v.Verify(bundle, d.SignedPDF),
		Parties: d.Parties, Trust: b.trust}
	z, _, err := Make(c, f, Options{Font: b.font})
	if err != nil {
		return nil, err
	}
	rel := "cases/" + caseID + ".zip"
	if err := writeFile(filepath.Join(dir, rel), z); err != nil {
		return nil, err
	}
	if b.storeDir != "" {
		if err := writeFile(filepath.Join(b.storeDir, caseID+".zip"), z); err != nil {
			return nil, err
		}
	}
	s := sm3.Sum(z)
	return &BatchCase{CaseID: caseID, Institution: inst.ID, Kind: req.Kind, Contracts: []string{id}, Package: rel,
		SM3: hex.EncodeToString(s[:]), Size: int64(len(z))}, nil
}

// writeFile writes data to path through a temporary file and a rename, so
// that a reader never sees half a package; owner only (identity data).
func writeFile(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
