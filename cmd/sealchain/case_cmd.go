package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/sealchain/sealchain/client"
)

// Institution cases (docs/api.md "Cases"): `sealchain notary`, `sealchain
// appraisal`, `sealchain inbox` and `sealchain case`, each a call to the
// organisation's own node, signed with its credential from --home.

// maxCasePDF bounds a PDF the case commands download.
const maxCasePDF = 256 << 20

// runCase opens a session and prints what fn returns as JSON.
func runCase(cmd *cobra.Command, o *orgFlags, fn func(s *session) (any, error)) error {
	s, err := o.open(cmd)
	if err != nil {
		return err
	}
	defer s.cancel()
	v, err := fn(s)
	if err != nil {
		return err
	}
	if raw, ok := v.([]byte); ok {
		return printJSON(cmd, raw)
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return printJSON(cmd, raw)
}

func newNotaryCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "notary", Short: "Notarisation applications (公证申请), from a platform's node"}
	var (
		o                               orgFlags
		contract, notary, purpose, text string
		party                           string
		scope                           []string
		wo                              orgFlags
		reason                          string
	)
	apply := &cobra.Command{
		Use:   "apply",
		Short: "Apply to a notary office for a notarial certificate (公证书) of a contract",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runCase(cmd, &o, func(s *session) (any, error) {
				return s.c.ApplyNotarization(s.ctx, client.NotarizationRequest{ContractID: contract, NotaryOrg: notary,
					Scope: scope, Purpose: purpose, PurposeText: text, PartyCert: party})
			})
		},
	}
	o.add(apply)
	apply.Flags().StringVar(&contract, "contract", "", "contract id (required)")
	apply.Flags().StringVar(&notary, "notary", "", "the notary office's organisation id (required)")
	apply.Flags().StringSliceVar(&scope, "scope", []string{"contract", "signed_pdf", "timeline"}, "what to notarise: contract, signed_pdf, timeline")
	apply.Flags().StringVar(&purpose, "purpose", "litigation", "litigation, arbitration, preservation or other")
	apply.Flags().StringVar(&text, "purpose-text", "", "the purpose in words (off chain; only its SM3 is recorded)")
	apply.Flags().StringVar(&party, "party", "", "the applying party's certificate fingerprint, when a party applies through the platform")
	_ = apply.MarkFlagRequired("contract")
	_ = apply.MarkFlagRequired("notary")

	withdraw := &cobra.Command{
		Use:   "withdraw APPLICATION-ID",
		Short: "Withdraw a pending or accepted application",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runCase(cmd, &wo, func(s *session) (any, error) { return s.c.WithdrawNotarization(s.ctx, args[0], reason) })
		},
	}
	wo.add(withdraw)
	withdraw.Flags().StringVar(&reason, "reason", "", "why (off chain; only its SM3 is recorded)")
	cmd.AddCommand(apply, withdraw)
	return cmd
}

func newAppraisalCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "appraisal", Short: "Judicial appraisal commissions (司法鉴定委托), from a court's node"}
	var (
		o, wo                          orgFlags
		contract, institution, matters string
		items                          []string
		reason                         string
	)
	commission := &cobra.Command{
		Use:   "commission",
		Short: "Commission an appraisal institution to examine a contract's electronic data",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runCase(cmd, &o, func(s *session) (any, error) {
				return s.c.CommissionAppraisal(s.ctx, client.AppraisalRequest{ContractID: contract, AppraisalOrg: institution,
					Items: items, MattersText: matters})
			})
		},
	}
	o.add(commission)
	commission.Flags().StringVar(&contract, "contract", "", "contract id (required)")
	commission.Flags().StringVar(&institution, "institution", "", "the appraisal institution's organisation id (required)")
	commission.Flags().StringSliceVar(&items, "items", []string{"bundle", "pdf_signature", "certificates", "intent", "time"}, "what to examine")
	commission.Flags().StringVar(&matters, "matters", "", "the matters commissioned, in words (委托事项; off chain, its SM3 recorded; required)")
	_ = commission.MarkFlagRequired("contract")
	_ = commission.MarkFlagRequired("institution")
	_ = commission.MarkFlagRequired("matters")

	withdraw := &cobra.Command{
		Use:   "withdraw COMMISSION-ID",
		Short: "Withdraw a pending or accepted commission",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runCase(cmd, &wo, func(s *session) (any, error) { return s.c.WithdrawAppraisal(s.ctx, args[0], reason) })
		},
	}
	wo.add(withdraw)
	withdraw.Flags().StringVar(&reason, "reason", "", "why (off chain; only its SM3 is recorded)")
	cmd.AddCommand(commission, withdraw)
	return cmd
}

func newInboxCmd() *cobra.Command {
	var (
		o            orgFlags
		status, kind string
		applicant    bool
	)
	cmd := &cobra.Command{
		Use:   "inbox",
		Short: "List the cases to this node's notary office or appraisal institution (or, with --applicant, those this node's organisation opened), newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runCase(cmd, &o, func(s *session) (any, error) {
				if applicant {
					cs, err := listAll(s, client.CaseQuery{Role: "applicant", Status: status, Kind: kind}, "")
					return map[string]any{"cases": cs}, err
				}
				cs, err := s.c.Inbox(s.ctx, status, kind)
				return map[string]any{"cases": cs}, err
			})
		},
	}
	o.add(cmd)
	cmd.Flags().StringVar(&status, "status", "", "pending, accepted, rejected, withdrawn or issued (default all)")
	cmd.Flags().StringVar(&kind, "kind", "", "notarization, appraisal, litigation or arbitration (default all)")
	cmd.Flags().BoolVar(&applicant, "applicant", false, "list the cases this node's organisation opened (GET /v1/cases?role=applicant)")
	return cmd
}

func newCaseCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "case", Short: "Show, decide and issue institution cases; fetch their evidence and documents; build and verify case packages"}
	addCasePkgCmds(cmd)
	show := &cobra.Command{
		Use: "show CASE-ID", Short: "Show a case and its records", Args: cobra.ExactArgs(1),
	}
	var so orgFlags
	so.add(show)
	show.RunE = func(cmd *cobra.Command, args []string) error {
		return runCase(cmd, &so, func(s *session) (any, error) { return s.c.CaseView(s.ctx, args[0]) })
	}

	var (
		do             orgFlags
		reason         string
		accept, reject bool
	)
	decide := &cobra.Command{
		Use: "decide CASE-ID (--accept | --reject --reason TEXT)", Short: "Accept or reject a pending case (the institution's node)",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if accept == reject {
				return &exitError{exitUsage, errors.New("give exactly one of --accept and --reject")}
			}
			d := "accept"
			if reject {
				d = "reject"
			}
			return runCase(cmd, &do, func(s *session) (any, error) { return s.c.DecideCase(s.ctx, args[0], d, reason) })
		},
	}
	do.add(decide)
	decide.Flags().BoolVar(&accept, "accept", false, "accept the case")
	decide.Flags().BoolVar(&reject, "reject", false, "reject the case (needs --reason)")
	decide.Flags().StringVar(&reason, "reason", "", "the decision's reason, recorded on chain (no personal data)")

	var (
		issueO orgFlags
		req    client.IssueRequest
	)
	issue := &cobra.Command{
		Use: "issue CASE-ID", Short: "Issue an accepted case's notarial certificate or appraisal opinion (the institution's node)",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runCase(cmd, &issueO, func(s *session) (any, error) { return s.c.IssueCase(s.ctx, args[0], req) })
		},
	}
	issueO.add(issue)
	issue.Flags().StringVar(&req.Number, "number", "", "the document's number (default: derived from the organisation, year and case)")
	issue.Flags().StringVar(&req.Notes, "notes", "", "appraisal: the examiners' notes")
	issue.Flags().StringVar(&req.Conclusion, "conclusion", "", "appraisal: intact, altered or undetermined (default from the checks)")
	issue.Flags().StringSliceVar(&req.Examiners, "examiners", nil, "appraisal: examiners' certificate fingerprints (default the caller's)")

	var bo orgFlags
	var bundleOut string
	bundle := &cobra.Command{
		Use: "bundle CASE-ID", Short: "Fetch the evidence bundle of a case's contract", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return fetchCaseFile(cmd, &bo, bundleOut, func(s *session) ([]byte, error) { return s.c.CaseBundle(s.ctx, args[0]) })
		},
	}
	bo.add(bundle)
	bundle.Flags().StringVarP(&bundleOut, "out", "o", "", "write to this file (default stdout)")

	var po orgFlags
	var pdfOut string
	signedPDF := &cobra.Command{
		Use: "signed-pdf CASE-ID", Short: "Fetch a case's signed contract PDF (checked against the chain by the node)", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return fetchCaseFile(cmd, &po, pdfOut, func(s *session) ([]byte, error) { return s.c.CaseSignedPDF(s.ctx, args[0], maxCasePDF) })
		},
	}
	po.add(signedPDF)
	signedPDF.Flags().StringVarP(&pdfOut, "out", "o", "", "write to this file (required)")
	_ = signedPDF.MarkFlagRequired("out")

	var doco orgFlags
	var docOut string
	document := &cobra.Command{
		Use: "document CASE-ID", Short: "Fetch a case's issued document (verify it with sealchain verify --file)", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return fetchCaseFile(cmd, &doco, docOut, func(s *session) ([]byte, error) { return s.c.CaseDocument(s.ctx, args[0], maxCasePDF) })
		},
	}
	doco.add(document)
	document.Flags().StringVarP(&docOut, "out", "o", "", "write to this file (required)")
	_ = document.MarkFlagRequired("out")

	cmd.AddCommand(show, decide, issue, bundle, signedPDF, document)
	addFilingCmds(cmd)
	return cmd
}

// fetchCaseFile writes what fn fetches to out, or stdout when out is "".
func fetchCaseFile(cmd *cobra.Command, o *orgFlags, out string, fn func(s *session) ([]byte, error)) error {
	s, err := o.open(cmd)
	if err != nil {
		return err
	}
	defer s.cancel()
	b, err := fn(s)
	if err != nil {
		return err
	}
	if out == "" {
		_, err = cmd.OutOrStdout().Write(b)
		return err
	}
	if err := os.WriteFile(out, b, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "wrote %s (%d bytes)\n", out, len(b))
	return nil
}
