package casepkg

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Format names and versions.
const (
	Format          = "sealchain-case-package"
	Version         = 1
	SignatureFormat = "sealchain-case-signature"
	BatchFormat     = "sealchain-case-batch"
	// SignatureDomain prefixes the manifest bytes the filer signs, so that
	// no other Sealchain signature can be replayed as a package signature.
	SignatureDomain = "sealchain/case-package/v1\x00"
)

// Kinds of case.
const (
	KindLitigation  = "litigation"  // 起诉: a statement of claim to a court
	KindArbitration = "arbitration" // 仲裁: an application to an arbitration commission
)

// Paths of the files in a package. The manifest lists every file but
// itself, manifest.csv and signature.json.
const (
	PathManifest    = "manifest.json"
	PathManifestCSV = "manifest.csv"
	PathSignature   = "signature.json"
	PathSignedPDF   = "contract/signed.pdf"
	PathBundle      = "evidence/bundle.json"
	PathReport      = "evidence/report.pdf"
	PathParties     = "parties/parties.json"
	PathClaim       = "claim/claim.json"
	PathStatement   = "claim/statement.pdf"   // 起诉状
	PathApplication = "claim/application.pdf" // 仲裁申请书
)

// Bounds on what Verify reads: a package is a few hundred kilobytes.
const (
	MaxPackageBytes = 64 << 20 // the zip file
	MaxFileBytes    = 32 << 20 // one entry, uncompressed
	MaxTotalBytes   = 96 << 20 // all entries, uncompressed
	MaxEntries      = 64
	MaxRatio        = 200 // uncompressed/compressed of one entry (zip bombs)
	maxManifest     = 1 << 20
)

// Manifest describes one case package: the case, the claim and every file
// with its SM3. Its JSON bytes (as stored in the zip) are what the filer
// signs.
type Manifest struct {
	Format      string    `json:"format"`
	Version     int       `json:"version"`
	CaseID      string    `json:"case_id"`
	BatchID     string    `json:"batch_id"`
	Kind        string    `json:"kind"`
	Institution string    `json:"institution"` // receiving court or arbitration org (genesis id)
	Filer       string    `json:"filer"`       // filing org (genesis id): its CA issued the signer
	ChainID     string    `json:"chain_id"`
	CreatedAt   time.Time `json:"created_at"`
	Contracts   []string  `json:"contracts"`
	Files       []File    `json:"files"`
}

// File is one file of a package.
type File struct {
	Path string `json:"path"`
	SM3  string `json:"sm3"`
	Size int64  `json:"size"`
	// Role says what the file is (signed_pdf, bundle, report, parties,
	// party_cert, claim, statement, application).
	Role string `json:"role"`
}

// Signature is signature.json: the filer's SM2 signature over
// SignatureDomain ‖ manifest.json, with the signer certificate its
// genesis CA issued.
type Signature struct {
	Format    string `json:"format"`
	Algorithm string `json:"algorithm"` // sm2-sm3
	Cert      []byte `json:"cert"`      // DER, base64 in JSON
	Value     []byte `json:"signature"` // ASN.1 SM2 signature, base64 in JSON
}

var (
	idRE   = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$`)
	pathRE = regexp.MustCompile(`^[a-z0-9_-]+/[A-Za-z0-9._-]{1,100}$`)
	hexRE  = regexp.MustCompile(`^[0-9a-f]{64}$`)
)

// ErrFormat means a manifest or package is malformed.
var ErrFormat = errors.New("casepkg: malformed")

// Validate checks the manifest's shape (not its files).
func (m *Manifest) Validate() error {
	bad := func(field, f string, a ...any) error {
		return fmt.Errorf("%w: %s field %s: %s", ErrFormat, PathManifest, field, fmt.Sprintf(f, a...))
	}
	switch {
	case m.Format != Format || m.Version != Version:
		return bad("format", "%q v%d, want %q v%d", m.Format, m.Version, Format, Version)
	case !idRE.MatchString(m.CaseID):
		return bad("case_id", "%q is not an id", m.CaseID)
	case !idRE.MatchString(m.BatchID):
		return bad("batch_id", "%q is not an id", m.BatchID)
	case m.Kind != KindLitigation && m.Kind != KindArbitration:
		return bad("kind", "%q, want litigation or arbitration", m.Kind)
	case !idRE.MatchString(m.Institution):
		return bad("institution", "%q is not an org id", m.Institution)
	case !idRE.MatchString(m.Filer):
		return bad("filer", "%q is not an org id", m.Filer)
	case m.ChainID == "":
		return bad("chain_id", "missing")
	case m.CreatedAt.IsZero():
		return bad("created_at", "missing")
	case len(m.Contracts) == 0 || len(m.Contracts) > 100:
		return bad("contracts", "%d contracts, want 1..100", len(m.Contracts))
	case len(m.Files) == 0 || len(m.Files) > MaxEntries-3:
		return bad("files", "%d files, want 1..%d", len(m.Files), MaxEntries-3)
	}
	for i, c := range m.Contracts {
		if !idRE.MatchString(c) {
			return bad(fmt.Sprintf("contracts[%d]", i), "%q is not an id", c)
		}
	}
	seen := map[string]bool{}
	for i, f := range m.Files {
		field := fmt.Sprintf("files[%d]", i)
		switch {
		case !pathRE.MatchString(f.Path) || strings.Contains(f.Path, ".."):
			return bad(field+".path", "%q is not a package path (dir/name)", f.Path)
		case seen[f.Path]:
			return bad(field+".path", "%q listed twice", f.Path)
		case !hexRE.MatchString(f.SM3):
			return bad(field+".sm3", "want 64 lower-case hex digits")
		case f.Size < 0 || f.Size > MaxFileBytes:
			return bad(field+".size", "%d, want 0..%d", f.Size, MaxFileBytes)
		case f.Role == "":
			return bad(field+".role", "missing")
		}
		seen[f.Path] = true
	}
	return nil
}

// file returns the manifest's entry for path.
func (m *Manifest) file(path string) (File, bool) {
	i := slices.IndexFunc(m.Files, func(f File) bool { return f.Path == path })
	if i < 0 {
		return File{}, false
	}
	return m.Files[i], true
}

// Encode is the manifest's stored JSON form (indented, stable field order).
func (m *Manifest) Encode() ([]byte, error) { return json.MarshalIndent(m, "", "  ") }

// DecodeManifest parses manifest.json strictly (unknown fields refused).
func DecodeManifest(b []byte) (*Manifest, error) {
	if len(b) > maxManifest {
		return nil, fmt.Errorf("%w: %s is %d bytes, at most %d", ErrFormat, PathManifest, len(b), maxManifest)
	}
	var m Manifest
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrFormat, PathManifest, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: %s: trailing data", ErrFormat, PathManifest)
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	return &m, nil
}

// CSV is manifest.csv: a header of the case, then one row per file
// (path, role, size, sm3). It is derived from manifest.json; Verify
// checks that it is exactly this.
func (m *Manifest) CSV() []byte {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write([]string{"case_id", "batch_id", "kind", "institution", "filer", "contracts", "created_at"})
	_ = w.Write([]string{m.CaseID, m.BatchID, m.Kind, m.Institution, m.Filer, strings.Join(m.Contracts, ";"), m.CreatedAt.UTC().Format(time.RFC3339)})
	_ = w.Write([]string{"path", "role", "size", "sm3"})
	for _, f := range m.Files {
		_ = w.Write([]string{f.Path, f.Role, strconv.FormatInt(f.Size, 10), f.SM3})
	}
	w.Flush()
	return buf.Bytes()
}

// Batch is batch.json: every case of one build, and every contract that
// could not be built, with the reason.
type Batch struct {
	Format    string      `json:"format"`
	Version   int         `json:"version"`
	BatchID   string      `json:"batch_id"`
	Filer     string      `json:"filer"`
	ChainID   string      `json:"chain_id"`
	CreatedAt time.Time   `json:"created_at"`
	Cases     []BatchCase `json:"cases"`
	Skipped   []Skip      `json:"skipped"`
}

// BatchCase is one case of a batch: its package is Package (relative to
// the batch directory), whose SM3 is what goes on chain.
type BatchCase struct {
	CaseID      string   `json:"case_id"`
	Institution string   `json:"institution"`
	Kind        string   `json:"kind"`
	Contracts   []string `json:"contracts"`
	Package     string   `json:"package"`
	SM3         string   `json:"sm3"`
	Size        int64    `json:"size"`
}

// Skip is a contract that was selected but not built, and why.
type Skip struct {
	Contract string `json:"contract"`
	Reason   string `json:"reason"`
}

// CSV is batch.csv: one row per case, then one per skipped contract.
func (b *Batch) CSV() []byte {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write([]string{"case_id", "institution", "kind", "contracts", "package", "size", "sm3", "skipped_reason"})
	for _, c := range b.Cases {
		_ = w.Write([]string{c.CaseID, c.Institution, c.Kind, strings.Join(c.Contracts, ";"), c.Package, strconv.FormatInt(c.Size, 10), c.SM3, ""})
	}
	for _, s := range b.Skipped {
		_ = w.Write([]string{"", "", "", s.Contract, "", "", "", s.Reason})
	}
	w.Flush()
	return buf.Bytes()
}
