package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/smx509"
	"github.com/spf13/cobra"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/client"
	"github.com/sealchain/sealchain/evidence"
	"github.com/sealchain/sealchain/evidence/report"
	"github.com/sealchain/sealchain/node/nodehome"
	"github.com/sealchain/sealchain/signer/pdf"
)

func newVerifyCmd() *cobra.Command {
	var (
		bundlePath, file, genesis string
		asJSON                    bool
		trustedLog                string
		witnessKeys               []string
		minWitnesses              int
		fabricProfile, sdkHelper  string
		issuancePath, nodeURL     string
		signHome                  string
		tf                        tlsFlags
	)
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Verify an evidence bundle offline against a genesis you trust",
		Long: `Verifies an evidence bundle with no network access: the file's hash (with --file),
every record's signatures and certificates at its block time, each inclusion proof up
to the log root, the root against the app hash in the next block's header, and that
header's commit against more than 2/3 of the genesis validators' voting power.

The genesis file is the trust anchor: use your own copy (for a court, the genesis its
validator runs with). Exit status: 0 when every check holds, 1 when one fails, 2 on
bad usage or unreadable input.

An issued document (公证书, 司法鉴定意见书, 存证证明, 验签报告 or evidence report: a signed
PDF with bundle.json and facts.json attached) given with --file and no --bundle is verified
as a document: the issuer's signature (its CA an organisation of the genesis, with the role
the document needs), the on-chain record of its issue (from --issuance, a bundle file, or
fetched with --node from GET /v1/evidence?doc_hash=<SM3 of the file> and verified against
the genesis like any bundle: the node is not trusted), the attached bundle and the printed
facts.`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			genesis, err := defaultGenesis(genesis)
			if err != nil {
				return &exitError{2, err}
			}
			trust, err := evidence.LoadTrust(genesis)
			if err != nil {
				return &exitError{2, err}
			}
			if file != "" && !cmd.Flags().Changed("bundle") {
				doc, err := os.ReadFile(file)
				if err != nil {
					return &exitError{2, err}
				}
				if _, kerr := report.DocumentKind(doc); kerr == nil || issuancePath != "" || nodeURL != "" {
					return verifyDocument(cmd, doc, file, trust, genesis, issuancePath, nodeURL, signHome, tf, asJSON)
				}
			}
			vopts := []evidence.VerifierOption{evidence.WithFileRevisions(pdf.RecordedRevisions)}
			if trustedLog != "" {
				sizeStr, rootHex, _ := strings.Cut(trustedLog, ":")
				size, err1 := strconv.ParseUint(sizeStr, 10, 64)
				root, err2 := hex.DecodeString(rootHex)
				if err1 != nil || err2 != nil {
					return &exitError{2, errors.New("--trusted-log: want SIZE:ROOT (decimal size, hex root)")}
				}
				vopts = append(vopts, evidence.WithTrustedLog(size, root))
			}
			if len(witnessKeys) > 0 || minWitnesses > 0 {
				if minWitnesses == 0 {
					minWitnesses = len(witnessKeys)
				}
				vopts = append(vopts, evidence.WithWitnesses(witnessKeys, minWitnesses))
			}
			v, err := evidence.NewVerifier(trust, vopts...)
			if err != nil {
				return &exitError{2, err}
			}
			data, err := os.ReadFile(bundlePath)
			if err != nil {
				return &exitError{2, err}
			}
			var doc []byte
			if file != "" {
				if doc, err = os.ReadFile(file); err != nil {
					return &exitError{2, err}
				}
			}
			b, err := evidence.DecodeBundle(data)
			var res *evidence.Result
			if err != nil {
				res = &evidence.Result{Checks: []evidence.Check{{Name: "format", Detail: err.Error()}}}
			} else {
				res = v.Verify(b, doc)
				if fabricProfile != "" {
					if err := verifyFabric(cmd.Context(), fabricProfile, sdkHelper, res); err != nil {
						return &exitError{2, err}
					}
				}
				if doc != nil && bytes.HasPrefix(doc, []byte("%PDF")) && bytes.Contains(doc, []byte("/ByteRange")) {
					addPDFCheck(res, b, doc, trust)
				}
			}
			out := cmd.OutOrStdout()
			header := fmt.Sprintf("bundle %s (%d bytes), trusting %s", bundlePath, len(data), genesis)
			if !asJSON && !evidence.SignedByTrusted(res) {
				// Said first: nothing below comes from a trusted source.
				fmt.Fprintf(out, "NOT SIGNED BY THIS GENESIS: the bundle was not signed by the validators of %s (or is for another chain); none of its contents are trusted.\n", genesis)
			}
			return printResult(out, asJSON, res, header, res.Checks, 28, res.Failed(), func() {
				if len(res.Records) > 0 {
					fmt.Fprintln(out, "timeline:")
					for _, r := range res.Records {
						fmt.Fprintf(out, "  #%-5d %-19s height %-6d %s  org %s", r.Index, r.Type, r.Height, r.Time.UTC().Format("2006-01-02T15:04:05.000Z"), r.Org)
						if r.ContractID != "" {
							fmt.Fprintf(out, "  contract %s", r.ContractID)
						}
						if r.Intent != "" {
							fmt.Fprintf(out, "  intent %s", r.Intent)
						}
						if b := r.Batch; b != nil {
							fmt.Fprintf(out, "\n         batch: record %d of %d, root %s, envelope by %s credential %s (%s)",
								b.Index+1, b.Size, b.Root, r.Org, b.Credential, b.RegisteredWhere())
						}
						fmt.Fprintln(out)
					}
				}
				if evidence.SignedByTrusted(res) {
					printAnchors(out, res.Anchors)
				}
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&bundlePath, "bundle", "bundle.json", "the evidence bundle")
	f.StringVar(&file, "file", "", "the document, to check its hash against the records")
	f.StringVar(&genesis, "genesis", "", "the genesis file you trust (default ./data/config/genesis.json if present)")
	f.BoolVar(&asJSON, "json", false, "print the result as JSON")
	f.StringVar(&fabricProfile, "fabric", "", "Fabric connection PROFILE (docs/anchoring.md): ask the court's channel whether each anchor is there and matches; without it anchors are reported \"not verified\"")
	f.StringVar(&sdkHelper, "fabric-sdk-helper", "", "sealchain-fabricsdk binary for fabric-sdk profiles (default: PATH)")
	f.StringArrayVar(&witnessKeys, "witness", nil, "a witness's cosignature/v1 vkey (repeatable): the bundle's witnessed checkpoint must carry --min-witnesses cosignatures by these keys")
	f.IntVar(&minWitnesses, "min-witnesses", 0, "how many of the --witness keys must have cosigned (default: all of them)")
	f.StringVar(&trustedLog, "trusted-log", "", "SIZE:ROOT of a log you already trust (an earlier bundle's checkpoint); the bundle must prove it extends it")
	f.StringVar(&issuancePath, "issuance", "", "with an issued document: the bundle holding its issue record")
	f.StringVar(&nodeURL, "node", "", "with an issued document: fetch the bundle of its issue record from this node (GET /v1/evidence?doc_hash=)")
	f.StringVar(&signHome, "home", "", "with --node: sign the request with this home's API credential (nodes with [api] auth)")
	tf.add(f)
	return cmd
}

// verifyDocument is `verify --file DOC.pdf` for an issued document.
func verifyDocument(cmd *cobra.Command, doc []byte, file string, trust *evidence.Trust, genesis, issuancePath, nodeURL, signHome string, tf tlsFlags, asJSON bool) error {
	var opts []report.VerifyOption
	var raw []byte
	switch {
	case issuancePath != "" && nodeURL != "":
		return &exitError{2, errors.New("give --issuance or --node, not both")}
	case issuancePath != "":
		var err error
		if raw, err = os.ReadFile(issuancePath); err != nil {
			return &exitError{2, err}
		}
	case nodeURL != "":
		c, err := client.New(nodeURL, nil)
		if err != nil {
			return &exitError{2, err}
		}
		if err := tf.apply(c, nodeURL, genesis); err != nil {
			return &exitError{2, err}
		}
		ctx, cancel := context.WithTimeout(cmd.Context(), time.Minute)
		defer cancel()
		if signHome != "" {
			h := nodehome.Home(signHome)
			sub, err := client.LoadSubmitter("", "", h.SubmitterCert(), h.SubmitterKey())
			if err != nil {
				return &exitError{2, fmt.Errorf("--home: %w", err)}
			}
			c.WithRequestSigner(trust.ChainID, sub.Cert, sub.Key)
		}
		sum := sm3.Sum(doc)
		if raw, err = c.Evidence(ctx, "doc_hash", hex.EncodeToString(sum[:])); err != nil {
			return &exitError{1, fmt.Errorf("--node: the bundle of the document's issue: %w", err)}
		}
	}
	if raw != nil {
		ib, err := evidence.DecodeBundle(raw)
		if err != nil {
			return &exitError{2, fmt.Errorf("issuance bundle: %w", err)}
		}
		opts = append(opts, report.WithIssuance(ib))
	}
	res, err := report.VerifyDocument(doc, trust, time.Now(), opts...)
	if err != nil {
		return &exitError{2, err}
	}
	kind := res.Kind
	if kind == "" {
		kind = "document"
	}
	header := fmt.Sprintf("%s %s (%d bytes), trusting %s", kind, file, len(doc), genesis)
	return printResult(cmd.OutOrStdout(), asJSON, res, header, res.Checks, 18, res.Failed(), nil)
}

// addPDFCheck verifies the signatures inside a signed PDF given with --file:
// trusted CAs from the genesis, and for each signature whose resulting file
// a contract_signed record in the bundle names (signed_doc_sm3), that
// record's block time as the signing time.
func addPDFCheck(res *evidence.Result, b *evidence.Bundle, doc []byte, trust *evidence.Trust) {
	var roots []*smx509.Certificate
	for _, o := range trust.Orgs {
		if c, err := smx509.ParseCertificate(o.CACert); err == nil {
			roots = append(roots, c)
		}
	}
	times := map[string]time.Time{} // signed_doc_sm3 -> block time
	verified := map[uint64]bool{}   // only records whose checks passed time a signature
	for _, r := range res.Records {
		verified[r.Index] = true
	}
	for _, r := range b.Records {
		if !verified[r.Index] {
			continue
		}
		en, err := chain.DecodeEntry(r.Leaf)
		if err != nil {
			continue
		}
		tx, err := chain.DecodeRecord(en.Tx)
		if err != nil {
			continue
		}
		if cs, ok := tx.Body.(*chain.ContractSigned); ok && len(cs.SignedDocSM3) > 0 {
			times[string(cs.SignedDocSM3)] = en.Time
		}
	}
	opts := pdf.VerifyOptions{Roots: roots}
	first, err := pdf.Verify(doc, opts)
	if err == nil {
		opts.SigningTime = func(i int) (time.Time, bool) {
			if i >= len(first.Signatures) {
				return time.Time{}, false
			}
			br := first.Signatures[i].Scope.ByteRange
			end := br[2] + br[3]
			if end <= 0 || end > int64(len(doc)) {
				return time.Time{}, false
			}
			sum := sm3.Sum(doc[:end])
			t, ok := times[string(sum[:])]
			return t, ok
		}
		var rep *pdf.Report
		if rep, err = pdf.Verify(doc, opts); err == nil {
			c := evidence.Check{Name: "pdf_signatures", OK: rep.Indication == pdf.TotalPassed}
			onChain := 0
			for i := range rep.Signatures {
				if _, ok := opts.SigningTime(i); ok {
					onChain++
				}
			}
			c.Detail = fmt.Sprintf("%s: %d signatures, %d timed by their contract_signed records", rep.Indication, len(rep.Signatures), onChain)
			for _, s := range rep.Signatures {
				if s.Indication != pdf.TotalPassed {
					c.Detail += fmt.Sprintf("; signature %d %s %s", s.Index+1, s.Indication, s.SubIndication)
				}
			}
			res.Checks = append(res.Checks, c)
			res.OK = res.OK && c.OK
			return
		}
	}
	res.Checks = append(res.Checks, evidence.Check{Name: "pdf_signatures", Detail: err.Error()})
	res.OK = false
}

// printResult prints a verification result, as JSON (v) or as one line per
// check, then the verdict, and turns a failure into exit status 1.
func printResult(out io.Writer, asJSON bool, v any, header string, checks []evidence.Check, width int, failed []string, extra func()) error {
	if asJSON {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(v); err != nil {
			return err
		}
	} else {
		fmt.Fprintln(out, header)
		for _, c := range checks {
			mark := "PASS"
			if !c.OK {
				mark = "FAIL"
			}
			fmt.Fprintf(out, "  %s  %-*s %s\n", mark, width, c.Name, c.Detail)
		}
		if extra != nil {
			extra()
		}
	}
	if len(failed) > 0 {
		if !asJSON {
			fmt.Fprintf(out, "RESULT: FAILED (%v)\n", failed)
		}
		return &exitError{1, nil}
	}
	if !asJSON {
		fmt.Fprintln(out, "RESULT: VERIFIED: every check holds")
	}
	return nil
}
