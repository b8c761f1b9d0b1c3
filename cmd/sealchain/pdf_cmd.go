package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/emmansun/gmsm/smx509"
	"github.com/spf13/cobra"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/evidence"
	"github.com/sealchain/sealchain/signer"
	"github.com/sealchain/sealchain/signer/pdf"
	"github.com/sealchain/sealchain/signer/seal"
)

func newPDFCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "pdf", Short: "Sign PDFs (SM2 or ECDSA, visible seal, incremental updates) and verify them"}
	var (
		in, out, keyPath, certPath, sealPath, name, reason, location string
		format, sesSealPath, signTime                                string
		chainPaths                                                   []string
		page                                                         int
		x, y, w, h                                                   float64
	)
	sign := &cobra.Command{
		Use:   "sign",
		Short: "Sign a PDF as a new incremental update (earlier signatures stay valid)",
		Long: `Appends a signature field, its visible appearance and the signature as an
incremental update. --format cms (default) writes a CMS signature
(/ETSI.CAdES.detached; SM2 with SM3 or ECDSA P-256). --format ses writes an
electronic-seal signature: a GB/T 38540 SES_Signature of the seal --ses-seal
(/Filter /GM.PKILite /SubFilter /GM.sm2seal), drawn at --x, --y with the
seal's own size unless --w/--h are given. Both kinds mix in one file.`,
		RunE: func(cmd *cobra.Command, _ []string) error {
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
			when := time.Now()
			if signTime != "" {
				if when, err = time.Parse(time.RFC3339, signTime); err != nil {
					return &exitError{2, fmt.Errorf("--time: %w", err)}
				}
			}
			opts := pdf.SignOptions{Key: key, Cert: cert, Page: page, Rect: [4]float64{x, y, w, h},
				Name: name, Reason: reason, Location: location, Time: when}
			for _, p := range chainPaths {
				c, err := readCertDER(p)
				if err != nil {
					return err
				}
				opts.Chain = append(opts.Chain, c)
			}
			if sealPath != "" {
				if opts.Appearance, err = os.ReadFile(sealPath); err != nil {
					return err
				}
			}
			var signed []byte
			switch format {
			case "cms":
				signed, err = pdf.Sign(data, opts)
			case "ses":
				if sesSealPath == "" {
					return &exitError{2, errors.New("--format ses needs --ses-seal (a GB/T 38540 SESeal in DER, e.g. from 'sealchain seal make --ses')")}
				}
				sl, e := os.ReadFile(sesSealPath)
				if e != nil {
					return e
				}
				if !cmd.Flags().Changed("w") && !cmd.Flags().Changed("h") {
					opts.Rect[2], opts.Rect[3] = 0, 0 // the seal's own size
				}
				opts.Chain = nil
				signed, err = pdf.SignSES(data, pdf.SESOptions{SignOptions: opts, Seal: sl})
			default:
				return &exitError{2, fmt.Errorf("--format %q: want cms or ses", format)}
			}
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
	f.StringVar(&in, "in", "", "the PDF to sign")
	f.StringVar(&out, "out", "", "the signed PDF to write")
	f.StringVar(&keyPath, "key", "signer.key", "the signer's private key")
	f.StringVar(&certPath, "cert", "signer.crt", "the signer's certificate")
	f.StringSliceVar(&chainPaths, "chain", nil, "CA certificates to embed")
	f.StringVar(&sealPath, "seal", "", "PNG of the seal or signature to show (optional)")
	f.IntVar(&page, "page", 1, "page of the visible signature")
	f.Float64Var(&x, "x", 400, "left edge, PDF points from the page's left")
	f.Float64Var(&y, "y", 100, "bottom edge, PDF points from the page's bottom")
	f.Float64Var(&w, "w", 120, "width in points")
	f.Float64Var(&h, "h", 120, "height in points")
	f.StringVar(&name, "name", "", "signer name shown in the signature dictionary (optional)")
	f.StringVar(&reason, "reason", "", "reason (optional)")
	f.StringVar(&location, "location", "", "location (optional)")
	f.StringVar(&format, "format", "cms", "signature format: cms (PAdES CMS, /ETSI.CAdES.detached) or ses (GB/T 38540 electronic-seal signature, /GM.sm2seal)")
	f.StringVar(&sesSealPath, "ses-seal", "", "with --format ses: the SESeal (DER) used; it must list --cert, and its picture is shown unless --seal is given")
	f.StringVar(&signTime, "time", "", "signing time, RFC 3339 (default now)")

	var (
		asJSON    bool
		genesis   string
		rootPaths []string
		atFlag    string
	)
	verify := &cobra.Command{
		Use:   "verify FILE",
		Short: "Verify every signature of a PDF; exit 0 only when all pass",
		Long: `Checks each signature's digest over its byte range, the CMS signature (or,
for an electronic-seal signature, the SES_Signature, its seal and the seal's
binding to the signer), the certificate chain to a trusted CA (the organisations of --genesis, default
./data/config/genesis.json, or --roots), and what changed after it was signed.
Prints an ETSI TS 119 102-2 shaped report (TOTAL_PASSED / TOTAL_FAILED /
INDETERMINATE with sub-indications), with each signature's PAdES level (B-B,
B-T with a valid signature time stamp, B-LT with the certificates and
revocation data in the document security store, B-LTA when a valid document
time stamp covers that DSS), and each document time stamp.

The validation time is now, or --at: once a signer certificate has expired
at that time, only a time stamp or chain time before its expiry keeps the
signature valid (long-term validation from the embedded data); a document
time stamp made before a time stamp's TSA certificate expired covers it.`,
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
			at := time.Now()
			if atFlag != "" {
				if at, err = time.Parse(time.RFC3339, atFlag); err != nil {
					return &exitError{2, fmt.Errorf("--at: %w", err)}
				}
			}
			rep, err := pdf.Verify(data, pdf.VerifyOptions{Roots: roots, ValidationTime: at})
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
				fmt.Fprintf(w, "%s: %s (%d signatures, %d revisions)\n", args[0], rep.Indication, len(rep.Signatures), rep.Revisions)
				for _, s := range rep.Signatures {
					fmt.Fprintf(w, "  #%d %-14s %s", s.Index+1, s.Indication, s.SubIndication)
					if s.SignedBy != nil {
						fmt.Fprintf(w, "  by %s (%s)", s.SignedBy.Subject, s.SignedBy.Fingerprint[:16])
					}
					if s.SigningTime != nil {
						fmt.Fprintf(w, "  at %s [%s]", s.SigningTime.UTC().Format(time.RFC3339), s.SigningTimeSource)
					}
					if s.Level != "" {
						fmt.Fprintf(w, "  level %s", s.Level)
					}
					if s.Seal != nil {
						fmt.Fprintf(w, "  seal %q (SES_Signature v%d)", s.Seal.Name, s.SESVersion)
					}
					fmt.Fprintf(w, "  changes after: %s\n", s.Modifications)
					for _, n := range s.Notes {
						fmt.Fprintf(w, "      note: %s\n", n)
					}
				}
				for _, d := range rep.DocTimeStamps {
					fmt.Fprintf(w, "  #%d %-14s %s  document time stamp", d.Index+1, d.Indication, d.SubIndication)
					if d.SigningTime != nil {
						fmt.Fprintf(w, " at %s", d.SigningTime.UTC().Format(time.RFC3339Nano))
					}
					if d.SignedBy != nil {
						fmt.Fprintf(w, " by %s", d.SignedBy.Subject)
					}
					fmt.Fprintf(w, "  changes after: %s\n", d.Modifications)
					for _, n := range d.Notes {
						fmt.Fprintf(w, "      note: %s\n", n)
					}
				}
			}
			if rep.Indication != pdf.TotalPassed {
				return &exitError{1, nil}
			}
			return nil
		},
	}
	verify.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON")
	verify.Flags().StringVar(&genesis, "genesis", "", "genesis whose organisations' CAs are trusted")
	verify.Flags().StringSliceVar(&rootPaths, "roots", nil, "trusted CA certificates (PEM), instead of --genesis")
	verify.Flags().StringVar(&atFlag, "at", "", "validation time (RFC 3339) instead of now")
	cmd.AddCommand(sign, verify, newPDFExtendLTACmd())
	return cmd
}

func readCertDER(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	c, err := signer.ParseCertificatePEM(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c.Raw, nil
}

// trustRoots returns the CA certificates to trust: --roots files, or the
// organisations of a genesis file.
func trustRoots(genesis string, paths []string) ([]*smx509.Certificate, error) {
	var roots []*smx509.Certificate
	for _, p := range paths {
		der, err := readCertDER(p)
		if err != nil {
			return nil, err
		}
		c, err := smx509.ParseCertificate(der)
		if err != nil {
			return nil, err
		}
		roots = append(roots, c)
	}
	if len(roots) > 0 {
		return roots, nil
	}
	if genesis == "" {
		genesis = filepath.Join("data", "config", "genesis.json")
	}
	trust, err := evidence.LoadTrust(genesis)
	if err != nil {
		return nil, fmt.Errorf("trusted CAs: %w (give --genesis or --roots)", err)
	}
	for _, o := range trust.Orgs {
		c, err := smx509.ParseCertificate(o.CACert)
		if err != nil {
			return nil, err
		}
		roots = append(roots, c)
	}
	return roots, nil
}

func newSealCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "seal", Short: "Electronic seals (电子印章): images and GB/T 38540 SESeal"}
	var (
		kind, name, purpose, code, out, font, sesOut, id, home string
		imagePath                                              string
		size, days                                             int
		signerCerts                                            []string
	)
	mk := &cobra.Command{
		Use:   "make",
		Short: "Render a seal image (round enterprise seal or square personal seal); with --ses, wrap it as a SESeal signed by the org CA",
		RunE: func(cmd *cobra.Command, _ []string) error {
			var (
				png []byte
				err error
			)
			switch {
			case imagePath != "":
				// An uploaded image (a scanned seal, a handwritten signature).
				raw, e := os.ReadFile(imagePath)
				if e != nil {
					return e
				}
				im, e := seal.LoadImage(raw)
				if e != nil {
					return fmt.Errorf("--image %s: %w", imagePath, e)
				}
				png, err = seal.EncodePNG(im)
			case kind == "enterprise":
				im, e := seal.Enterprise(seal.EnterpriseOptions{Name: name, Purpose: purpose, Code: code, Size: size, FontPath: font})
				if e != nil {
					return e
				}
				png, err = seal.EncodePNG(im)
			case kind == "personal":
				im, e := seal.Personal(seal.PersonalOptions{Name: name, AppendYin: true, Size: size, FontPath: font})
				if e != nil {
					return e
				}
				png, err = seal.EncodePNG(im)
			default:
				return &exitError{2, fmt.Errorf("--kind %q: want enterprise or personal", kind)}
			}
			if err != nil {
				return err
			}
			if err := os.WriteFile(out, png, 0o644); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "seal image %s (%d bytes)\n", out, len(png))
			if sesOut == "" {
				return nil
			}
			if id == "" || len(signerCerts) == 0 {
				return &exitError{2, errors.New("--ses needs --id and at least one --signer-cert")}
			}
			ca, err := signer.LoadCA(filepath.Join(home, "keys", "ca.crt"), filepath.Join(home, "keys", "ca.key"))
			if err != nil {
				return err
			}
			info := seal.SealInfo{ID: id, Kind: seal.KindOrganization, Name: name + purpose, Created: time.Now(),
				ValidStart: time.Now().Add(-time.Minute), ValidEnd: time.Now().AddDate(0, 0, days),
				Picture: seal.Picture{Type: "PNG", Data: png, WidthMM: 42, HeightMM: 42}}
			if kind == "personal" {
				info.Kind, info.Picture.WidthMM, info.Picture.HeightMM = seal.KindPersonal, 20, 20
			}
			for _, p := range signerCerts {
				der, err := readCertDER(p)
				if err != nil {
					return err
				}
				info.SignerCerts = append(info.SignerCerts, der)
			}
			der, err := seal.Make(info, ca.Key, ca.Cert.Raw, nil)
			if err != nil {
				return err
			}
			if err := os.WriteFile(sesOut, der, 0o644); err != nil {
				return err
			}
			s, err := seal.Parse(der)
			if err != nil {
				return err
			}
			hash := s.Hash()
			fmt.Fprintf(cmd.OutOrStdout(), "SESeal %s (%d bytes), SM3 %x\n", sesOut, len(der), hash[:])
			return nil
		},
	}
	f := mk.Flags()
	f.StringVar(&kind, "kind", "enterprise", "enterprise (round) or personal (square)")
	f.StringVar(&name, "name", "", "organisation name along the arc, or the person's name (2-4 characters)")
	f.StringVar(&purpose, "purpose", "", "enterprise: the line under the star, e.g. 合同专用章")
	f.StringVar(&code, "code", "", "enterprise: the code along the lower arc (e.g. the credit code)")
	f.IntVar(&size, "size", 0, "image size in pixels (default 400 enterprise, 300 personal)")
	f.StringVar(&font, "font", "", "CJK TrueType font (default: "+seal.DefaultFontPath+")")
	f.StringVar(&out, "out", "seal.png", "the PNG to write")
	f.StringVar(&imagePath, "image", "", "use this uploaded image (PNG or JPEG) instead of rendering one")
	f.StringVar(&sesOut, "ses", "", "also write a GB/T 38540 SESeal (DER) signed by the org CA of --home")
	f.StringVar(&id, "id", "", "SESeal: the seal's id")
	f.StringSliceVar(&signerCerts, "signer-cert", nil, "SESeal: certificates allowed to use the seal")
	f.StringVar(&home, "home", "./data", "SESeal: the organisation's home (its CA signs the seal)")
	f.IntVar(&days, "days", 365*3, "SESeal: validity in days")
	cmd.AddCommand(mk, newSealRegisterCmd(), newSealVerifyCmd())
	return cmd
}

func newSealRegisterCmd() *cobra.Command {
	var (
		o              orgFlags
		ses, ownerPath string
	)
	cmd := &cobra.Command{
		Use:   "register",
		Short: "Verify an SESeal made by this org's CA and register it on chain by its SM3 hash",
		RunE: func(cmd *cobra.Command, _ []string) error {
			der, err := os.ReadFile(ses)
			if err != nil {
				return err
			}
			s, err := seal.Parse(der)
			if err != nil {
				return fmt.Errorf("--ses %s: %w", ses, err)
			}
			sess, err := o.open(cmd)
			if err != nil {
				return err
			}
			defer sess.cancel()
			ca, err := signer.LoadCA(sess.home.CACert(), sess.home.CAKey())
			if err != nil {
				return err
			}
			if err := s.Verify([]*smx509.Certificate{ca.Cert}, time.Now()); err != nil {
				return fmt.Errorf("--ses %s: %w", ses, err)
			}
			h := s.Hash()
			body := &chain.SealRegistered{Seal: h[:], Kind: chain.SealOrganization,
				ValidFrom: s.Info.ValidStart.Unix(), ValidTo: s.Info.ValidEnd.Unix()}
			if s.Info.Kind == seal.KindPersonal {
				body.Kind = chain.SealPersonal
			}
			if ownerPath != "" {
				if body.Owner, err = certFingerprint(ownerPath); err != nil {
					return err
				}
			}
			if _, err := sess.submit(cmd, "seal registered", body, nil); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "seal %x\n", h[:])
			return nil
		},
	}
	o.add(cmd)
	cmd.Flags().StringVar(&ses, "ses", "", "the SESeal (DER)")
	cmd.Flags().StringVar(&ownerPath, "owner", "", "a personal seal's owner certificate")
	return cmd
}

func newSealVerifyCmd() *cobra.Command {
	var (
		ses, genesis string
		rootPaths    []string
		at           string
	)
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Verify a GB/T 38540 SESeal: structure, the maker's signature, trust in the maker, validity, picture",
		RunE: func(cmd *cobra.Command, _ []string) error {
			der, err := os.ReadFile(ses)
			if err != nil {
				return &exitError{2, err}
			}
			roots, err := trustRoots(genesis, rootPaths)
			if err != nil {
				return &exitError{2, err}
			}
			when := time.Now()
			if at != "" {
				if when, err = time.Parse(time.RFC3339, at); err != nil {
					return &exitError{2, fmt.Errorf("--at: %w", err)}
				}
			}
			s, err := seal.Parse(der)
			if err != nil {
				return &exitError{1, fmt.Errorf("%s: %w", ses, err)}
			}
			if err := s.Verify(roots, when); err != nil {
				return &exitError{1, fmt.Errorf("%s: %w", ses, err)}
			}
			h := s.Hash()
			fmt.Fprintf(cmd.OutOrStdout(), "%s: valid SESeal v4 %q (%s), maker %s, valid %s to %s, SM3 %x\n", ses, s.Info.ID, s.Info.Name,
				s.MakerCert.Subject, s.Info.ValidStart.Format(time.RFC3339), s.Info.ValidEnd.Format(time.RFC3339), h[:])
			return nil
		},
	}
	cmd.Flags().StringVar(&ses, "ses", "", "the SESeal (DER)")
	cmd.Flags().StringVar(&genesis, "genesis", "", "genesis whose organisations' CAs are trusted (default ./data/config/genesis.json)")
	cmd.Flags().StringSliceVar(&rootPaths, "roots", nil, "trusted CA certificates (PEM), instead of --genesis")
	cmd.Flags().StringVar(&at, "at", "", "check validity at this RFC 3339 time (default now)")
	return cmd
}
