package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/emmansun/gmsm/smx509"
	"github.com/spf13/cobra"

	"github.com/sealchain/sealchain/config"
	"github.com/sealchain/sealchain/evidence"
	"github.com/sealchain/sealchain/evidence/report"
	"github.com/sealchain/sealchain/signer"
	"github.com/sealchain/sealchain/signer/ofd/render"
	"github.com/sealchain/sealchain/signer/seal"
)

// ofdPages draws OFD pages for reports with signer/ofd/render.
type ofdPages struct{}

func (ofdPages) PNG(ctx context.Context, ofdFile []byte, page int, dpi float64) ([]byte, []string, error) {
	return render.PNG(ctx, ofdFile, page, dpi)
}

// newReportCmd is `sealchain report make|verify`: signed PDF evidence
// reports (证据报告) around an evidence bundle.
func newReportCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "report", Short: "Make and verify signed PDF evidence reports (证据报告) for courts"}
	cmd.AddCommand(newReportMakeCmd(), newReportVerifyCmd())
	return cmd
}

func defaultGenesis(genesis string) (string, error) {
	if genesis != "" {
		return genesis, nil
	}
	def := filepath.Join("data", "config", "genesis.json")
	if _, err := os.Stat(def); err != nil {
		return "", errors.New("--genesis: give the genesis file you trust")
	}
	return def, nil
}

func newReportMakeCmd() *cobra.Command {
	var (
		bundlePath, genesis, home, namesPath, out, verifyURL, sealPurpose string
		docType, signedPDFPath, contractPath                              string
		noSeal                                                            bool
	)
	cmd := &cobra.Command{
		Use:   "make",
		Short: "Verify a bundle offline, then write a signed PDF evidence report for it",
		Long: `Verifies the bundle against the genesis (refusing a bundle that fails), then lays out a
Chinese/English evidence report: issuer and time, contract, parties, timeline, checkpoint and
validators, every check's result, a QR code for --verify-url, and the bundle and the printed
facts embedded as attachments (bundle.json, facts.json).

The report is signed by the organisation whose CA is in HOME/keys (ca.crt, ca.key): the CA
issues a one-day signer certificate for a fresh key of the same algorithm, and that key signs
the PDF (PAdES, incremental update) with the CA certificate in the chain. The visible
signature is the organisation's round seal (--no-seal to omit it).

--names is a JSON object mapping certificate fingerprints to display names ("张三"); names
come from the platform, off chain, and the report says so.

--type preservation writes a one-page 存证证明 (preservation certificate, numbered from chain
data: see docs/evidence-bundle.md); --type signature_verification writes a 验签报告 of the
signed PDF given with --signed-pdf (its signatures validated against the genesis CAs, timed by
their contract_signed records). Record either with report_issued to make it verifiable as
issued (sealchain verify --file).`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			genesis, err := defaultGenesis(genesis)
			if err != nil {
				return &exitError{2, err}
			}
			trust, err := evidence.LoadTrust(genesis)
			if err != nil {
				return &exitError{2, err}
			}
			raw, err := os.ReadFile(bundlePath)
			if err != nil {
				return &exitError{2, err}
			}
			b, err := evidence.DecodeBundle(raw)
			if err != nil {
				return &exitError{2, err}
			}
			v, err := evidence.NewVerifier(trust)
			if err != nil {
				return &exitError{2, err}
			}
			res := v.Verify(b, nil)
			if !res.OK {
				return &exitError{1, fmt.Errorf("bundle %s does not verify against %s (%v); no report issued", bundlePath, genesis, res.Failed())}
			}
			names := map[string]string{}
			if namesPath != "" {
				nb, err := os.ReadFile(namesPath)
				if err != nil {
					return &exitError{2, err}
				}
				if err := json.Unmarshal(nb, &names); err != nil {
					return &exitError{2, fmt.Errorf("--names %s: want a JSON object of fingerprint → name: %w", namesPath, err)}
				}
			}
			ca, err := signer.LoadCA(filepath.Join(home, "keys", "ca.crt"), filepath.Join(home, "keys", "ca.key"))
			if err != nil {
				return &exitError{2, err}
			}
			orgID := strings.TrimSuffix(ca.Cert.Subject.CommonName, " CA")
			orgName := ca.Cert.Subject.Organization[0]
			for _, o := range trust.Orgs {
				if o.ID == orgID {
					orgName = o.Name // the documents print the genesis name (VerifyDocument checks it)
				}
			}
			now := time.Now().UTC().Truncate(time.Second) // the CLI is where the clock is read
			key, certDER, err := report.IssuerSigner(ca, orgID, now)
			if err != nil {
				return &exitError{1, err}
			}
			if verifyURL == "" {
				// The issuing node's own page, as the node's POST /v1/reports does.
				cfg, err := config.Load(home)
				if err != nil {
					return &exitError{2, fmt.Errorf("--verify-url: not given, and no node config in %s to take [api] public_url from: %w", home, err)}
				}
				verifyURL = cfg.API.PublicBase("") + "/verify"
			}
			opts := report.Options{
				IssuerOrg: report.Issuer{ID: orgID, Name: orgName}, Now: now, PartyNames: names,
				VerifyURL: verifyURL, Key: key, Cert: certDER, Chain: [][]byte{ca.Cert.Raw}, BundleJSON: raw,
			}
			if !noSeal {
				// Seal text cannot hold spaces ("Platform Ltd" → "PlatformLtd"), as the node's reports do.
				opts.Seal = &seal.EnterpriseOptions{Name: strings.Join(strings.Fields(orgName), ""), Purpose: sealPurpose}
			}
			opts.Trust = trust
			if contractPath != "" {
				if opts.Contract, err = os.ReadFile(contractPath); err != nil {
					return &exitError{2, err}
				}
				opts.Pages = ofdPages{}
			}
			var pdf []byte
			switch docType {
			case "evidence":
				pdf, err = report.Make(b, res, opts)
			case "preservation":
				pdf, err = report.MakePreservation(b, res, opts)
			case "signature_verification":
				if signedPDFPath == "" {
					return &exitError{2, errors.New("--type signature_verification needs --signed-pdf")}
				}
				signed, rerr := os.ReadFile(signedPDFPath)
				if rerr != nil {
					return &exitError{2, rerr}
				}
				pdf, err = report.MakeSignatureReport(b, res, signed, opts)
			default:
				return &exitError{2, fmt.Errorf("--type %q: want evidence, preservation or signature_verification", docType)}
			}
			if err != nil {
				return &exitError{1, err}
			}
			if err := os.WriteFile(out, pdf, 0o644); err != nil {
				return &exitError{1, err}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s (%d bytes): report for bundle %s, signed by %s (%s)\n", out, len(pdf), bundlePath, orgName, orgID)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&bundlePath, "bundle", "bundle.json", "the evidence bundle")
	f.StringVar(&genesis, "genesis", "", "the genesis file you trust (default ./data/config/genesis.json if present)")
	f.StringVar(&home, "home", "./data", "the issuing organisation's home (its keys/ca.crt and keys/ca.key)")
	f.StringVar(&namesPath, "names", "", "JSON object: certificate fingerprint → display name (off chain)")
	f.StringVar(&out, "out", "report.pdf", "where to write the report")
	f.StringVar(&verifyURL, "verify-url", "", "verification page the QR code points to, ?bundle=<SM3> appended (default: <[api] public_url of HOME's config>/verify)")
	f.StringVar(&sealPurpose, "seal-purpose", "电子证据专用章", "line under the star of the seal (at most 12 characters)")
	f.BoolVar(&noSeal, "no-seal", false, "sign without a visible seal")
	f.StringVar(&docType, "type", "evidence", "evidence (证据报告), preservation (存证证明) or signature_verification (验签报告)")
	f.StringVar(&signedPDFPath, "signed-pdf", "", "with --type signature_verification: the signed PDF to validate")
	f.StringVar(&contractPath, "contract", "", "with --type evidence: a contract file the bundle names (by SM3); an OFD's pages are drawn into the report")
	return cmd
}

func newReportVerifyCmd() *cobra.Command {
	var (
		genesis string
		caPaths []string
		asJSON  bool
	)
	cmd := &cobra.Command{
		Use:   "verify FILE.pdf",
		Short: "Verify an evidence report offline: its signature, the embedded bundle and the printed facts",
		Long: `Checks, with no network access: the report's PDF signature (issued by an organisation CA in
the genesis, or one given with --ca; nothing but signatures added afterwards), that bundle.json
is embedded and verifies against the genesis, and that facts.json and the page text show exactly
the facts of that bundle. Exit status: 0 when every check holds, 1 when one fails, 2 on bad
usage or unreadable input.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			genesis, err := defaultGenesis(genesis)
			if err != nil {
				return &exitError{2, err}
			}
			trust, err := evidence.LoadTrust(genesis)
			if err != nil {
				return &exitError{2, err}
			}
			data, err := os.ReadFile(args[0])
			if err != nil {
				return &exitError{2, err}
			}
			var opts []report.VerifyOption
			if len(caPaths) > 0 {
				var roots []*smx509.Certificate
				for _, o := range trust.Orgs {
					c, err := smx509.ParseCertificate(o.CACert)
					if err != nil {
						return &exitError{2, err}
					}
					roots = append(roots, c)
				}
				for _, p := range caPaths {
					b, err := os.ReadFile(p)
					if err != nil {
						return &exitError{2, err}
					}
					c, err := signer.ParseCertificatePEM(b)
					if err != nil {
						return &exitError{2, err}
					}
					roots = append(roots, c)
				}
				opts = append(opts, report.WithReportRoots(roots...))
			}
			verify, what := report.Verify, "report"
			if k, err := report.DocumentKind(data); err == nil && k != report.KindEvidence {
				// An issued document: its own checks (sealchain verify --file
				// also takes the proof of its issue).
				verify, what = report.VerifyDocument, k
			}
			res, err := verify(data, trust, time.Now(), opts...)
			if err != nil {
				return &exitError{2, err}
			}
			header := fmt.Sprintf("%s %s (%d bytes), trusting %s", what, args[0], len(data), genesis)
			return printResult(cmd.OutOrStdout(), asJSON, res, header, res.Checks, 17, res.Failed(), nil)
		},
	}
	f := cmd.Flags()
	f.StringVar(&genesis, "genesis", "", "the genesis file you trust (default ./data/config/genesis.json if present)")
	f.StringArrayVar(&caPaths, "ca", nil, "also trust this CA certificate (PEM or DER) for the report's signature; repeatable")
	f.BoolVar(&asJSON, "json", false, "print the result as JSON")
	return cmd
}
