package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/sealchain/sealchain/signer"
	"github.com/sealchain/sealchain/signer/ofd"
	"github.com/sealchain/sealchain/signer/pdf"
)

// newOFDCmd is `sealchain ofd sign|verify`, the OFD (GB/T 33190) twin of
// `sealchain pdf`: electronic-seal signatures per GB/T 33190 §18 with a
// GB/T 38540 SES_Signature, verified into the same ETSI-shaped report.
func newOFDCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "ofd", Short: "Sign OFD files with an electronic seal (GB/T 33190 §18, GB/T 38540), verify them and render their pages"}
	var (
		in, out, keyPath, certPath, sealPath, at string
		page                                     int
		x, y                                     float64
	)
	sign := &cobra.Command{
		Use:   "sign",
		Short: "Add an electronic-seal signature (SES_Signature) with a visible stamp; earlier signatures stay valid",
		Long: `Adds Signs/Sign_N (Seal.esl, Signature.xml with an SM3 reference to every
part, SignedValue.dat = SES_Signature v4) to the OFD's first document and
names it in Signatures.xml. The stamp is the seal's picture at its size
(mm), its top-left corner at --x, --y on --page. The seal (--seal, a
GB/T 38540 SESeal in DER, e.g. from 'sealchain seal make --ses') must list
the signer's certificate.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if in == "" || out == "" || sealPath == "" {
				return &exitError{2, fmt.Errorf("ofd sign needs --in, --out and --seal (see %s --help)", cmd.CommandPath())}
			}
			data, err := os.ReadFile(in)
			if err != nil {
				return err
			}
			key, err := signer.LoadPrivateKey(keyPath)
			if err != nil {
				return err
			}
			cert, err := readCertDER(certPath)
			if err != nil {
				return err
			}
			sl, err := os.ReadFile(sealPath)
			if err != nil {
				return err
			}
			when := time.Now()
			if at != "" {
				if when, err = time.Parse(time.RFC3339, at); err != nil {
					return &exitError{2, fmt.Errorf("--time: %w", err)}
				}
			}
			signed, err := ofd.Sign(cmd.Context(), data, ofd.SignOptions{Key: key, Cert: cert, Seal: sl, Time: when,
				Page: page - 1, X: x, Y: y})
			if err != nil {
				return err
			}
			if err := os.WriteFile(out, signed, 0o644); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "signed %s -> %s (%d bytes, %s)\n", in, out, len(signed), key.Algorithm())
			return nil
		},
	}
	f := sign.Flags()
	f.StringVar(&in, "in", "", "the OFD to sign")
	f.StringVar(&out, "out", "", "the signed OFD to write")
	f.StringVar(&keyPath, "key", "signer.key", "the signer's private key")
	f.StringVar(&certPath, "cert", "signer.crt", "the signer's certificate")
	f.StringVar(&sealPath, "seal", "", "the SESeal (DER) whose picture is stamped; it must list --cert")
	f.IntVar(&page, "page", 1, "page of the stamp (from 1)")
	f.Float64Var(&x, "x", 130, "stamp's left edge, mm from the page's left")
	f.Float64Var(&y, "y", 230, "stamp's top edge, mm from the page's top")
	f.StringVar(&at, "time", "", "signing time, RFC 3339 (default now)")

	var (
		asJSON    bool
		genesis   string
		rootPaths []string
		verifyAt  string
	)
	verify := &cobra.Command{
		Use:   "verify FILE",
		Short: "Verify every signature of an OFD; exit 0 only when all pass",
		Long: `Checks each entry of Signatures.xml: the SM3 of every referenced part (a
changed part is named), the seal file, the SES_Signature (dataHash, the
signer's signature), the signer certificate and the seal's maker
certificate to a trusted CA (the organisations of --genesis, default
./data/config/genesis.json, or --ca), the seal's validity and that the seal
lists the signer. Times are checked at --at (e.g. the block time that
recorded the file) or else at each signature's own claimed time. Prints an
ETSI TS 119 102-2 shaped report, as 'sealchain pdf verify' does.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			data, err := os.ReadFile(args[0])
			if err != nil {
				return &exitError{2, err}
			}
			roots, err := trustRoots(genesis, rootPaths)
			if err != nil {
				return &exitError{2, err}
			}
			var when time.Time
			if verifyAt != "" {
				if when, err = time.Parse(time.RFC3339, verifyAt); err != nil {
					return &exitError{2, fmt.Errorf("--at: %w", err)}
				}
			}
			rep, err := ofd.Verify(cmd.Context(), data, ofd.VerifyOptions{SealRoots: roots, SignerRoots: roots, At: when})
			if err != nil {
				return &exitError{1, err}
			}
			w := cmd.OutOrStdout()
			if asJSON {
				enc := json.NewEncoder(w)
				enc.SetIndent("", "  ")
				if err := enc.Encode(rep); err != nil {
					return err
				}
			} else {
				printOFDReport(w, args[0], rep)
			}
			if rep.Indication != pdf.TotalPassed {
				return &exitError{1, nil}
			}
			return nil
		},
	}
	vf := verify.Flags()
	vf.BoolVar(&asJSON, "json", false, "print the report as JSON")
	vf.StringVar(&genesis, "genesis", "", "genesis whose organisations' CAs are trusted")
	vf.StringSliceVar(&rootPaths, "ca", nil, "trusted CA certificates (PEM) for signers and seal makers, instead of --genesis")
	vf.StringSliceVar(&rootPaths, "roots", nil, "same as --ca (the name 'pdf verify' uses)")
	_ = vf.MarkHidden("roots")
	vf.StringVar(&verifyAt, "at", "", "verify every signature at this RFC 3339 time (default: each signature's claimed time)")
	cmd.AddCommand(sign, verify, newOFDRenderCmd())
	return cmd
}

func printOFDReport(w io.Writer, name string, rep *ofd.Report) {
	fmt.Fprintf(w, "%s: %s (%d signatures)\n", name, rep.Indication, len(rep.Signatures))
	for _, s := range rep.Signatures {
		fmt.Fprintf(w, "  #%d %-14s %s", s.Index+1, s.Indication, s.SubIndication)
		if s.Seal != nil {
			fmt.Fprintf(w, "  seal %q", s.Seal.Name)
		}
		if s.SignedBy != nil {
			fmt.Fprintf(w, "  by %s (%s)", s.SignedBy.Subject, s.SignedBy.Fingerprint[:16])
		}
		if s.SigningTime != nil {
			fmt.Fprintf(w, "  at %s [%s]", s.SigningTime.UTC().Format(time.RFC3339), s.SigningTimeSource)
		}
		fmt.Fprintln(w)
		for _, r := range s.References {
			if r.Status != "ok" {
				fmt.Fprintf(w, "      part %s: %s\n", r.File, r.Status)
			}
		}
		for _, u := range s.Unprotected {
			fmt.Fprintf(w, "      not covered: %s\n", u)
		}
		for _, n := range s.Notes {
			fmt.Fprintf(w, "      note: %s\n", n)
		}
	}
	for _, u := range rep.Unlisted {
		fmt.Fprintf(w, "  unlisted signature: %s\n", u)
	}
}
