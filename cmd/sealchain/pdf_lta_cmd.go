package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/emmansun/gmsm/smx509"
	"github.com/spf13/cobra"

	"github.com/sealchain/sealchain/node/pki"
	"github.com/sealchain/sealchain/signer/pdf"
	"github.com/sealchain/sealchain/signer/tsa"
)

// newPDFExtendLTACmd is sealchain pdf extend-lta: PAdES B-LTA, again and
// again before each archive time stamp's TSA certificate expires.
func newPDFExtendLTACmd() *cobra.Command {
	var (
		node, org, hash, genesis string
		rootPaths                []string
		timeout                  time.Duration
	)
	cmd := &cobra.Command{
		Use:   "extend-lta IN.pdf OUT.pdf",
		Short: "Add the DSS for the latest time stamp and a new document time stamp (PAdES B-LTA)",
		Long: `Extends a B-LT (or B-LTA) PDF to B-LTA: finds the latest time stamp (the last
document time stamp, else the last signature time stamp), adds a DSS
incremental update with OCSP responses and the CRL for every certificate in
the file that the time stamp's issuing CA issued (from the node's
/v1/ocsp/{org} and /v1/crl/{org}.crl), then a document time stamp from the
node's POST /v1/tsa/document: the node commits the time-stamped revision's
digest on chain (record timestamp_requested, rules version 5) and stamps it
with genTime = that block time. Run it again before the new time stamp's TSA
certificate expires. One of the PDF's signed revisions must be committed on
that node's chain.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if node == "" {
				return &exitError{2, errors.New("--node is required")}
			}
			alg := tsa.OIDSHA256
			switch hash {
			case "sha256":
			case "sm3":
				alg = tsa.OIDSM3
			default:
				return &exitError{2, fmt.Errorf("--hash %q: want sha256 or sm3", hash)}
			}
			data, err := os.ReadFile(args[0])
			if err != nil {
				return &exitError{2, err}
			}
			roots, err := trustRoots(genesis, rootPaths)
			if err != nil {
				return &exitError{2, err}
			}
			der, err := pdf.LastTimeStampCert(data)
			if err != nil {
				return &exitError{1, err}
			}
			tsaCert, err := smx509.ParseCertificate(der)
			if err != nil {
				return &exitError{1, err}
			}
			var issuer *smx509.Certificate
			for _, r := range roots {
				if bytes.Equal(tsaCert.RawIssuer, r.RawSubject) && tsaCert.CheckSignatureFrom(r) == nil {
					issuer = r
				}
			}
			if issuer == nil {
				return &exitError{1, fmt.Errorf("the latest time stamp's TSA (%s) was not issued by a trusted CA", tsaCert.Subject)}
			}
			if org == "" && len(issuer.Subject.OrganizationalUnit) > 0 {
				org = issuer.Subject.OrganizationalUnit[0] // Sealchain org CAs carry the org id as OU
			}
			if org == "" {
				return &exitError{2, errors.New("--org: the issuing CA names no organisation")}
			}
			if time.Now().After(tsaCert.NotAfter) {
				fmt.Fprintf(cmd.ErrOrStderr(), "warning: the latest time stamp's TSA certificate expired %s: the new time stamp no longer covers it for outside verifiers\n",
					tsaCert.NotAfter.UTC().Format(time.RFC3339))
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
			defer cancel()
			out, err := pdf.AddDSS(ctx, data, &pki.HTTPValidationSource{BaseURL: node, Org: org, Issuer: issuer})
			if err != nil {
				return &exitError{1, err}
			}
			out, err = pdf.AddDocTimeStamp(ctx, out, alg, &pki.HTTPDocumentStamper{BaseURL: node})
			if err != nil {
				return &exitError{1, err}
			}
			if err := os.WriteFile(args[1], out, 0o644); err != nil {
				return &exitError{2, err}
			}
			rep, err := pdf.Verify(out, pdf.VerifyOptions{Roots: roots, ValidationTime: time.Now()})
			if err != nil {
				return &exitError{1, err}
			}
			w := cmd.OutOrStdout()
			last := rep.DocTimeStamps[len(rep.DocTimeStamps)-1]
			fmt.Fprintf(w, "extended %s -> %s (%d bytes): %s, %d signatures, %d document time stamps\n", args[0], args[1], len(out), rep.Indication,
				len(rep.Signatures), len(rep.DocTimeStamps))
			if last.TimeStamp != nil && last.TimeStamp.GenTime != nil {
				fmt.Fprintf(w, "  document time stamp at %s by %s; extend again before %s\n", last.TimeStamp.GenTime.Format(time.RFC3339Nano),
					last.TimeStamp.TSA, last.TimeStamp.TSANotAfter.Format(time.RFC3339))
			}
			for _, s := range rep.Signatures {
				fmt.Fprintf(w, "  signature #%d %s level %s\n", s.Index+1, s.Indication, s.Level)
			}
			if rep.Indication != pdf.TotalPassed {
				return &exitError{1, nil}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&node, "node", "", "base URL of the node whose TSA, OCSP and CRL to use (e.g. http://127.0.0.1:26680)")
	f.StringVar(&org, "org", "", "organisation whose OCSP and CRL to embed (default: the TSA's CA's organisation)")
	f.StringVar(&hash, "hash", "sha256", "imprint hash: sha256 (ECDSA token, for outside verifiers) or sm3 (SM2 token)")
	f.StringVar(&genesis, "genesis", "", "genesis whose organisations' CAs are trusted")
	f.StringSliceVar(&rootPaths, "roots", nil, "trusted CA certificates (PEM), instead of --genesis")
	f.DurationVar(&timeout, "timeout", time.Minute, "give up after this long")
	return cmd
}
