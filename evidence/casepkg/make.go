package casepkg

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/emmansun/gmsm/sm3"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/evidence"
	"github.com/sealchain/sealchain/evidence/report"
	"github.com/sealchain/sealchain/signer"
	"github.com/sealchain/sealchain/workflow/template"
)

// Filer is the filing organisation's signing material for one batch: a
// case-filer certificate and a report-signer certificate, both issued by
// its genesis CA for fresh keys (a CA certificate cannot sign documents).
type Filer struct {
	OrgID, OrgName string
	CACert         []byte // DER
	Key            *signer.PrivateKey
	Cert           []byte // DER, subject CN FilerRef(OrgID)
	ReportKey      *signer.PrivateKey
	ReportCert     []byte
}

// FilerRef is the subject common name of the certificates [NewFiler]
// issues: Verify requires it, so that no other certificate of the
// organisation's CA (an end user's, say) can sign a package in its name.
func FilerRef(orgID string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune(":._-", r) {
			return r
		}
		return '_'
	}, orgID) + ":case-filer"
}

// NewFiler has ca issue the batch's signer certificates, valid from a
// minute before now for a day.
func NewFiler(ca *signer.CA, orgID, orgName string, now time.Time) (*Filer, error) {
	if ca == nil {
		return nil, errors.New("casepkg: no organisation CA to sign packages")
	}
	key, err := signer.GenerateKey(ca.Key.Algorithm(), nil)
	if err != nil {
		return nil, err
	}
	nb, na := now.Add(-time.Minute), now.Add(24*time.Hour)
	nb, na = maxTime(nb, ca.Cert.NotBefore), minTime(na, ca.Cert.NotAfter)
	der, err := ca.Issue(key.Public(), signer.IssueOptions{SubjectRef: FilerRef(orgID), Usage: signer.UsageSigner, NotBefore: nb, NotAfter: na}, nil)
	if err != nil {
		return nil, fmt.Errorf("casepkg: issue case-filer certificate: %w", err)
	}
	rkey, rcert, err := report.IssuerSigner(ca, orgID, now)
	if err != nil {
		return nil, err
	}
	return &Filer{OrgID: orgID, OrgName: orgName, CACert: ca.Cert.Raw, Key: key, Cert: der, ReportKey: rkey, ReportCert: rcert}, nil
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// Case is everything one package is made of.
type Case struct {
	CaseID, BatchID string
	Kind            string
	Institution     string // receiving org id
	InstitutionName string // printed in the statement (此致)
	ChainID         string
	CreatedAt       time.Time
	// VerifyURL is the evidence report's verification page.
	VerifyURL string

	Contract  string
	Title     string
	Template  string
	Fields    map[string]string
	SignedPDF []byte
	// BundleJSON is the contract's evidence bundle as assembled; Bundle
	// its decoding and Result its verification (which must pass).
	BundleJSON []byte
	Bundle     *evidence.Bundle
	Result     *evidence.Result
	Parties    []PartyInput
	Trust      *evidence.Trust
}

// PartyInput is a party of the contract.
type PartyInput struct {
	Role     string
	CertDER  []byte
	Identity *Identity // nil: not disclosed or not known
}

// SkipError is a case that cannot be built: the builder lists it with the
// contract and reason.
type SkipError struct {
	Contract string
	Reason   string
}

func (e *SkipError) Error() string { return "contract " + e.Contract + ": " + e.Reason }

func skip(contract, f string, a ...any) error {
	return &SkipError{Contract: contract, Reason: fmt.Sprintf(f, a...)}
}

// Options of Make.
type Options struct {
	// Font is the CJK font, loaded once (template.LoadFont); nil loads
	// template.DefaultFontPath.
	Font *template.Font
}

// Make builds one case package: the zip bytes and its manifest. A case
// that cannot be built (no claim facts, a party without identity data, a
// bundle that does not verify) returns a *SkipError.
func Make(c *Case, f *Filer, o Options) ([]byte, *Manifest, error) {
	if c.Result == nil || !c.Result.OK {
		failed := []string{"not verified"}
		if c.Result != nil {
			failed = c.Result.Failed()
		}
		return nil, nil, skip(c.Contract, "its evidence does not verify on the filer's node (%s)", strings.Join(failed, ", "))
	}
	claim, pRole, dRole, err := ClaimOf(c.Kind, c.Contract, c.Title, c.Template, c.Fields)
	if err != nil {
		return nil, nil, skip(c.Contract, "%v", err)
	}
	var parties Parties
	var plaintiff, defendant *Identity
	files := []entry{}
	for i, p := range c.Parties {
		side := SideOther
		switch p.Role {
		case pRole:
			side, plaintiff = SidePlaintiff, p.Identity
		case dRole:
			side, defendant = SideDefendant, p.Identity
		}
		if side != SideOther {
			if err := p.Identity.complete(); err != nil {
				return nil, nil, skip(c.Contract, "party %d (%s, the %s) lacks identity data: %v", i, p.Role, side, err)
			}
		}
		cert, err := signer.ParseCertificate(p.CertDER)
		if err != nil {
			return nil, nil, skip(c.Contract, "party %d certificate: %v", i, err)
		}
		path := fmt.Sprintf("parties/party-%d.cer", i)
		parties.Parties = append(parties.Parties, Party{Index: i, Role: p.Role, Side: side, Cert: path,
			Fingerprint: chain.FingerprintOf(p.CertDER).String(), Subject: cert.Subject.String(), Identity: p.Identity})
		files = append(files, entry{path, "party_cert", p.CertDER})
	}
	if plaintiff == nil || defendant == nil {
		return nil, nil, skip(c.Contract, "no party in role %s (plaintiff) and %s (defendant)", pRole, dRole)
	}
	date := c.CreatedAt.In(cst).Format(time.DateOnly)
	statement, err := draftStatement(c.Kind, c.CaseID, c.InstitutionName, date, claim, plaintiff, defendant, o.Font)
	if err != nil {
		// The values are the contract's and the parties' (one line each,
		// printable): a value that is not cannot be drafted.
		return nil, nil, skip(c.Contract, "cannot draft the %s: %v", statementRoleName(c.Kind), err)
	}
	rep, err := report.Make(c.Bundle, c.Result, report.Options{
		IssuerOrg: report.Issuer{ID: f.OrgID, Name: f.OrgName}, Now: c.CreatedAt, VerifyURL: c.VerifyURL,
		Key: f.ReportKey, Cert: f.ReportCert, Chain: [][]byte{f.CACert}, BundleJSON: c.BundleJSON, Trust: c.Trust,
		FastCompression: true,
	})
	if err != nil {
		return nil, nil, fmt.Errorf("evidence report of %s: %w", c.Contract, err)
	}
	partiesJSON, _ := json.MarshalIndent(&parties, "", "  ")
	claimJSON, _ := json.MarshalIndent(claim, "", "  ")
	statementPath, statementRole := PathStatement, "statement"
	if c.Kind == KindArbitration {
		statementPath, statementRole = PathApplication, "application"
	}
	files = append([]entry{
		{PathSignedPDF, "signed_pdf", c.SignedPDF},
		{PathBundle, "bundle", c.BundleJSON},
		{PathReport, "report", rep},
		{PathParties, "parties", partiesJSON},
		{PathClaim, "claim", claimJSON},
		{statementPath, statementRole, statement},
	}, files...)
	m := &Manifest{Format: Format, Version: Version, CaseID: c.CaseID, BatchID: c.BatchID, Kind: c.Kind,
		Institution: c.Institution, Filer: f.OrgID, ChainID: c.ChainID, CreatedAt: c.CreatedAt.UTC().Truncate(time.Second),
		Contracts: []string{c.Contract}}
	for _, e := range files {
		s := sm3.Sum(e.data)
		m.Files = append(m.Files, File{Path: e.path, SM3: hex.EncodeToString(s[:]), Size: int64(len(e.data)), Role: e.role})
	}
	if err := m.Validate(); err != nil {
		return nil, nil, err
	}
	mj, err := m.Encode()
	if err != nil {
		return nil, nil, err
	}
	sig, err := f.Key.Sign(nil, append([]byte(SignatureDomain), mj...))
	if err != nil {
		return nil, nil, fmt.Errorf("sign manifest: %w", err)
	}
	sj, _ := json.MarshalIndent(&Signature{Format: SignatureFormat, Algorithm: "sm2-sm3", Cert: f.Cert, Value: sig}, "", "  ")
	all := append([]entry{{PathManifest, "", mj}, {PathManifestCSV, "", m.CSV()}, {PathSignature, "", sj}}, files...)
	z, err := writeZip(all, m.CreatedAt)
	if err != nil {
		return nil, nil, err
	}
	return z, m, nil
}

func statementRoleName(kind string) string {
	if kind == KindArbitration {
		return "arbitration application"
	}
	return "statement of claim"
}

// complete reports what identity data is missing.
func (id *Identity) complete() error {
	if id == nil {
		return errors.New("none disclosed (name, ID number, address for service)")
	}
	var missing []string
	for _, f := range []struct{ name, v string }{{"name", id.Name}, {"ID number", id.IDNumber}, {"address for service", id.Address}} {
		if strings.TrimSpace(f.v) == "" {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return errors.New("no " + strings.Join(missing, ", "))
	}
	return nil
}

type entry struct {
	path, role string
	data       []byte
}

// writeZip writes the entries in order, with a fixed modification time
// (the package's), so that the same inputs give the same bytes: PDFs
// whose streams are all compressed (the signed contract, the statement)
// are stored, the rest deflated at the fastest level.
func writeZip(files []entry, at time.Time) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) { return flate.NewWriter(w, flate.BestSpeed) })
	for _, e := range files {
		method := zip.Deflate
		if e.path == PathSignedPDF || e.path == PathStatement || e.path == PathApplication {
			method = zip.Store
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: e.path, Method: method, Modified: at.UTC()})
		if err != nil {
			return nil, err
		}
		if _, err := w.Write(e.data); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// cst is China Standard Time, for printed dates.
var cst = time.FixedZone("CST", 8*3600)
