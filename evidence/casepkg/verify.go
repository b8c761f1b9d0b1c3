package casepkg

import (
	"archive/zip"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/smx509"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/evidence"
	"github.com/sealchain/sealchain/evidence/report"
	"github.com/sealchain/sealchain/signer"
)

// Check names of [Verify], in order.
const (
	CheckZip       = "zip"
	CheckManifest  = "manifest"
	CheckSignature = "signature"
	CheckCSV       = "manifest_csv"
	CheckFiles     = "files"
	CheckBundle    = "bundle"
	CheckReport    = "report"
	CheckParties   = "parties"
	CheckClaim     = "claim"
)

// FileError is a failure attributable to one file of the package.
type FileError struct {
	File string
	Err  error
}

func (e *FileError) Error() string { return e.File + ": " + e.Err.Error() }
func (e *FileError) Unwrap() error { return e.Err }

func fileErr(path string, f string, a ...any) error {
	return &FileError{File: path, Err: fmt.Errorf(f, a...)}
}

// Check is one verification step; File names the file that failed.
type Check struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	File   string `json:"file,omitempty"`
	Detail string `json:"detail"`
}

// Result is the outcome of [Verify].
type Result struct {
	OK       bool      `json:"ok"`
	SM3      string    `json:"sm3"` // of the zip: what the case_filed record names
	Manifest *Manifest `json:"manifest,omitempty"`
	Checks   []Check   `json:"checks"`
}

func (r *Result) add(name string, err error, detail string) bool {
	c := Check{Name: name, OK: err == nil, Detail: detail}
	if err != nil {
		c.Detail = err.Error()
		var fe *FileError
		if errors.As(err, &fe) {
			c.File = fe.File
		}
	}
	r.Checks = append(r.Checks, c)
	return err == nil
}

// Failed lists the failed checks as "name (file)".
func (r *Result) Failed() []string {
	var out []string
	for _, c := range r.Checks {
		if !c.OK {
			s := c.Name
			if c.File != "" {
				s += " (" + c.File + ")"
			}
			out = append(out, s)
		}
	}
	return out
}

// Err is nil when the package verified, else the first failure.
func (r *Result) Err() error {
	for _, c := range r.Checks {
		if !c.OK {
			if c.File != "" {
				return &FileError{File: c.File, Err: errors.New(strings.TrimPrefix(c.Detail, c.File+": "))}
			}
			return fmt.Errorf("%s: %s", c.Name, c.Detail)
		}
	}
	return nil
}

// Verify checks a case package offline against the genesis trust, trusting
// neither the filer nor any node. The checks, in order (a check that fails
// stops those that need its output):
//
//  1. zip: the archive is at most MaxPackageBytes, has at most MaxEntries
//     entries with clean, unique paths, each at most MaxFileBytes
//     uncompressed (counted while reading, not taken from the header) and
//     at most MaxRatio times its compressed size, MaxTotalBytes in all.
//  2. manifest: manifest.json decodes strictly as format v1.
//  3. signature: signature.json's certificate was issued, for signing, by
//     the genesis CA of the manifest's filer, with subject CN
//     FilerRef(filer), valid at the manifest's created_at; its SM2
//     signature over SignatureDomain ‖ manifest.json verifies.
//  4. manifest_csv: manifest.csv is exactly the manifest's CSV rendering.
//  5. files: every listed file is there with its size and SM3, and the zip
//     holds no other file.
//  6. bundle: evidence/bundle.json verifies against the trust, with the
//     signed PDF as its file, and covers the manifest's contracts.
//  7. report: evidence/report.pdf verifies (evidence/report.Verify) and
//     embeds this bundle.
//  8. parties: each party's certificate file is the one parties.json
//     names, and a party of the contract on chain.
//  9. claim: claim.json names the manifest's contract.
//
// now bounds the report's claimed signing time. An error is returned only
// for unusable arguments; a bad package gives a Result with OK false and
// each failed check naming its file.
func Verify(pkg []byte, trust *evidence.Trust, now time.Time) (*Result, error) {
	if trust == nil {
		return nil, errors.New("casepkg: verify: nil trust")
	}
	res := &Result{}
	files, err := ReadZip(pkg)
	if err == nil {
		sum := sm3.Sum(pkg)
		res.SM3 = hex.EncodeToString(sum[:])
	}
	if !res.add(CheckZip, err, fmt.Sprintf("%d bytes, %d files", len(pkg), len(files))) {
		return res, nil
	}
	mj := files[PathManifest]
	var m *Manifest
	if mj == nil {
		err = fileErr(PathManifest, "missing")
	} else if m, err = DecodeManifest(mj); err != nil {
		err = &FileError{File: PathManifest, Err: err}
	}
	if !res.add(CheckManifest, err, "") {
		return res, nil
	}
	res.Manifest = m
	res.Checks[len(res.Checks)-1].Detail = fmt.Sprintf("case %s (%s) for %s, filed by %s, %d files", m.CaseID, m.Kind, m.Institution, m.Filer, len(m.Files))
	detail, err := verifySignature(files, mj, m, trust)
	res.add(CheckSignature, err, detail)
	if string(files[PathManifestCSV]) != string(m.CSV()) {
		err = fileErr(PathManifestCSV, "is not the CSV rendering of %s", PathManifest)
	} else {
		err = nil
	}
	res.add(CheckCSV, err, "the CSV rendering of "+PathManifest)
	err = checkFiles(files, m)
	res.add(CheckFiles, err, fmt.Sprintf("all %d files have their size and SM3", len(m.Files)))
	if !slices.ContainsFunc(res.Checks, func(c Check) bool { return !c.OK }) {
		checkContents(res, files, m, trust, now)
	}
	res.OK = len(res.Failed()) == 0
	return res, nil
}

func verifySignature(files map[string][]byte, mj []byte, m *Manifest, trust *evidence.Trust) (string, error) {
	sj := files[PathSignature]
	if sj == nil {
		return "", fileErr(PathSignature, "missing")
	}
	var s Signature
	dec := json.NewDecoder(bytes.NewReader(sj))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return "", fileErr(PathSignature, "%v", err)
	}
	if s.Format != SignatureFormat || s.Algorithm != "sm2-sm3" {
		return "", fileErr(PathSignature, "format %q algorithm %q, want %q sm2-sm3", s.Format, s.Algorithm, SignatureFormat)
	}
	cert, err := smx509.ParseCertificate(s.Cert)
	if err != nil {
		return "", fileErr(PathSignature, "certificate: %v", err)
	}
	var org *chain.Org
	for _, o := range trust.Orgs {
		if o.ID == m.Filer {
			org = o
		}
	}
	if org == nil {
		return "", fileErr(PathManifest, "filer %q is not an organisation of the genesis", m.Filer)
	}
	ca, err := smx509.ParseCertificate(org.CACert)
	if err != nil {
		return "", fmt.Errorf("genesis CA of %s: %w", org.ID, err)
	}
	if _, err := signer.VerifyIssued(cert, []*smx509.Certificate{ca}, m.CreatedAt, signer.UsageSigner); err != nil {
		return "", fileErr(PathSignature, "the signer certificate is not the filer %s's at %s: %v", m.Filer, m.CreatedAt.Format(time.RFC3339), err)
	}
	if cert.Subject.CommonName != FilerRef(m.Filer) {
		return "", fileErr(PathSignature, "the signer certificate's CN is %q, want %q", cert.Subject.CommonName, FilerRef(m.Filer))
	}
	if err := signer.Verify(cert.PublicKey, append([]byte(SignatureDomain), mj...), s.Value); err != nil {
		return "", fileErr(PathManifest, "the filer's signature (%s) does not verify over it: %v", PathSignature, err)
	}
	return fmt.Sprintf("signed by %s of %s (%s, role %s)", cert.Subject.CommonName, org.ID, org.Name, org.Role), nil
}

func checkFiles(files map[string][]byte, m *Manifest) error {
	for _, f := range m.Files {
		data, ok := files[f.Path]
		if !ok {
			return fileErr(f.Path, "listed in %s but not in the package", PathManifest)
		}
		if int64(len(data)) != f.Size {
			return fileErr(f.Path, "%d bytes, the manifest says %d", len(data), f.Size)
		}
		if s := sm3.Sum(data); hex.EncodeToString(s[:]) != f.SM3 {
			return fileErr(f.Path, "SM3 %x, the manifest says %s: the file was altered", s, f.SM3)
		}
	}
	var extra []string
	for p := range files {
		if _, ok := m.file(p); !ok && p != PathManifest && p != PathManifestCSV && p != PathSignature {
			extra = append(extra, p)
		}
	}
	if len(extra) > 0 {
		slices.Sort(extra)
		return fileErr(extra[0], "not listed in %s", PathManifest)
	}
	return nil
}

// need returns the file the manifest lists at path with role.
func need(files map[string][]byte, m *Manifest, path string) ([]byte, error) {
	if _, ok := m.file(path); !ok {
		return nil, fileErr(path, "missing from %s", PathManifest)
	}
	return files[path], nil
}

func checkContents(res *Result, files map[string][]byte, m *Manifest, trust *evidence.Trust, now time.Time) {
	// 6. The bundle, with the signed PDF as its file.
	var b *evidence.Bundle
	raw, err := need(files, m, PathBundle)
	pdf, perr := need(files, m, PathSignedPDF)
	if err == nil {
		err = perr
	}
	detail := ""
	if err == nil {
		if b, err = evidence.DecodeBundle(raw); err != nil {
			err = fileErr(PathBundle, "%v", err)
		}
	}
	var created map[string]*chain.ContractCreated
	if err == nil {
		created, err = bundleContracts(b)
	}
	if err == nil {
		for _, c := range m.Contracts {
			if created[c] == nil {
				err = fileErr(PathBundle, "holds no contract_created record of contract %s", c)
				break
			}
		}
	}
	if err == nil {
		v, verr := evidence.NewVerifier(trust)
		if verr != nil {
			err = verr
		} else if r := v.Verify(b, pdf); !r.OK {
			file := PathBundle
			if slices.Equal(r.Failed(), []string{"file"}) {
				file = PathSignedPDF
			}
			err = fileErr(file, "the bundle fails %s against the trusted genesis", strings.Join(r.Failed(), ", "))
		} else {
			detail = fmt.Sprintf("%d records verify against the trusted genesis; %s is the signed contract", len(b.Records), PathSignedPDF)
		}
	}
	res.add(CheckBundle, err, detail)

	// 7. The evidence report.
	rep, err := need(files, m, PathReport)
	detail = ""
	if err == nil {
		r, verr := report.Verify(rep, trust, now)
		bs := sm3.Sum(raw)
		switch {
		case verr != nil:
			err = fileErr(PathReport, "%v", verr)
		case !r.OK:
			err = fileErr(PathReport, "fails %s", strings.Join(r.Failed(), ", "))
		case r.Facts == nil || r.Facts.BundleSM3 != hex.EncodeToString(bs[:]):
			err = fileErr(PathReport, "embeds another bundle than %s", PathBundle)
		default:
			detail = "the evidence report verifies and embeds " + PathBundle
		}
	}
	res.add(CheckReport, err, detail)

	// 8. The parties.
	pj, err := need(files, m, PathParties)
	detail = ""
	if err == nil {
		var ps Parties
		dec := json.NewDecoder(bytes.NewReader(pj))
		dec.DisallowUnknownFields()
		if derr := dec.Decode(&ps); derr != nil {
			err = fileErr(PathParties, "%v", derr)
		} else {
			err = checkParties(files, m, &ps, created)
			detail = fmt.Sprintf("%d parties, each a party of the contract on chain", len(ps.Parties))
		}
	}
	res.add(CheckParties, err, detail)

	// 9. The claim.
	cj, err := need(files, m, PathClaim)
	detail = ""
	if err == nil {
		var c Claim
		dec := json.NewDecoder(bytes.NewReader(cj))
		dec.DisallowUnknownFields()
		switch derr := dec.Decode(&c); {
		case derr != nil:
			err = fileErr(PathClaim, "%v", derr)
		case !slices.Contains(m.Contracts, c.Contract):
			err = fileErr(PathClaim, "names contract %q, not one of the case's", c.Contract)
		default:
			detail = fmt.Sprintf("contract %s, principal %s %s", c.Contract, c.Currency, c.Principal)
		}
	}
	res.add(CheckClaim, err, detail)
}

func checkParties(files map[string][]byte, m *Manifest, ps *Parties, created map[string]*chain.ContractCreated) error {
	if len(ps.Parties) == 0 {
		return fileErr(PathParties, "no parties")
	}
	var onChain []chain.Fingerprint
	for _, c := range m.Contracts {
		onChain = append(onChain, created[c].Parties...)
	}
	for i, p := range ps.Parties {
		der, ok := files[p.Cert]
		if _, listed := m.file(p.Cert); !ok || !listed {
			return fileErr(PathParties, "parties[%d] names certificate %q, not a file of the package", i, p.Cert)
		}
		fp := chain.FingerprintOf(der)
		if fp.String() != p.Fingerprint {
			return fileErr(p.Cert, "fingerprint %s, %s says %s", fp, PathParties, p.Fingerprint)
		}
		if !slices.Contains(onChain, fp) {
			return fileErr(p.Cert, "certificate %s is not a party of the case's contracts on chain", fp)
		}
	}
	return nil
}

// bundleContracts maps contract ids to their contract_created records.
func bundleContracts(b *evidence.Bundle) (map[string]*chain.ContractCreated, error) {
	out := map[string]*chain.ContractCreated{}
	for _, r := range b.Records {
		_, tx, err := evidence.Describe(r.Leaf)
		if err != nil {
			return nil, fileErr(PathBundle, "record %d: %v", r.Index, err)
		}
		if c, ok := tx.Body.(*chain.ContractCreated); ok {
			out[c.Contract] = c
		}
	}
	return out, nil
}

// ReadZip reads a package's entries within the bounds Verify documents.
// Errors name the entry.
func ReadZip(pkg []byte) (map[string][]byte, error) {
	if len(pkg) > MaxPackageBytes {
		return nil, fmt.Errorf("%w: package is %d bytes, at most %d", ErrFormat, len(pkg), MaxPackageBytes)
	}
	zr, err := zip.NewReader(bytes.NewReader(pkg), int64(len(pkg)))
	if err != nil {
		return nil, fmt.Errorf("%w: not a zip: %v", ErrFormat, err)
	}
	if len(zr.File) > MaxEntries {
		return nil, fmt.Errorf("%w: %d entries, at most %d", ErrFormat, len(zr.File), MaxEntries)
	}
	out := make(map[string][]byte, len(zr.File))
	var total int64
	for _, f := range zr.File {
		name := f.Name
		top := name == PathManifest || name == PathManifestCSV || name == PathSignature
		if !top && (!pathRE.MatchString(name) || strings.Contains(name, "..")) {
			return nil, fmt.Errorf("%w: entry %q: not a package path", ErrFormat, name)
		}
		if _, dup := out[name]; dup {
			return nil, fmt.Errorf("%w: entry %q twice", ErrFormat, name)
		}
		if f.Method != zip.Store && f.Method != zip.Deflate {
			return nil, fmt.Errorf("%w: entry %q: compression method %d", ErrFormat, name, f.Method)
		}
		if f.UncompressedSize64 > MaxFileBytes {
			return nil, fmt.Errorf("%w: entry %q: %d bytes, at most %d", ErrFormat, name, f.UncompressedSize64, MaxFileBytes)
		}
		rc, err := f.Open()
		if err != nil {
			return nil, fmt.Errorf("%w: entry %q: %v", ErrFormat, name, err)
		}
		// The header's sizes are the attacker's: count what inflates.
		limit := min(int64(MaxFileBytes), MaxRatio*max(int64(f.CompressedSize64), 1024))
		data, err := io.ReadAll(io.LimitReader(rc, limit+1))
		rc.Close()
		if err != nil {
			return nil, fmt.Errorf("%w: entry %q: %v", ErrFormat, name, err)
		}
		if int64(len(data)) > limit {
			return nil, fmt.Errorf("%w: entry %q inflates beyond %d bytes (a zip bomb?)", ErrFormat, name, limit)
		}
		if total += int64(len(data)); total > MaxTotalBytes {
			return nil, fmt.Errorf("%w: entries inflate beyond %d bytes in all", ErrFormat, MaxTotalBytes)
		}
		out[name] = data
	}
	return out, nil
}
