package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/sealchain/sealchain/client"
	"github.com/sealchain/sealchain/evidence"
	"github.com/sealchain/sealchain/evidence/casepkg"
)

// Case packages (evidence/casepkg; docs/judicial-services.md "Case
// packages"): `sealchain case build` on the platform's node, `sealchain
// case verify` offline anywhere.

func addCasePkgCmds(cmd *cobra.Command) {
	cmd.AddCommand(newCaseBuildCmd(), newCaseVerifyCmd())
}

func newCaseBuildCmd() *cobra.Command {
	var (
		o                                        orgFlags
		ids                                      []string
		idsFile, kind, institution, batchID, out string
		q                                        client.ContractQuery
		from, to                                 string
		poll                                     time.Duration
	)
	cmd := &cobra.Command{
		Use:   "build (--contract ID ... | --contracts-file F | --template T [--status S] [--from D] [--to D] [--counterparty C]) --kind litigation|arbitration --institution ORG --out DIR",
		Short: "Build case packages (起诉/仲裁) for contracts on the platform's node, with a progress bar, and download the batch",
		Long: `Asks the platform's node (POST /v1/cases) to build one signed case package per contract:
the signed PDF, the evidence bundle and report, the parties (certificates and the identity
data the platform verified), the claim facts from the template fields and a statement of claim
(litigation, to a court) or an arbitration application (to an arbitration commission). Shows
progress on stderr, then writes batch.json, batch.csv and cases/<case_id>.zip under --out.
Contracts that cannot be built are listed with the reason; the command still succeeds.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			req := client.CaseBuildRequest{Contracts: ids, Kind: kind, Institution: institution, BatchID: batchID}
			if idsFile != "" {
				more, err := readIDs(idsFile)
				if err != nil {
					return &exitError{exitUsage, err}
				}
				req.Contracts = append(req.Contracts, more...)
			}
			if q.Template != "" || q.Counterparty != "" || from != "" || to != "" || q.Status != "" {
				for _, d := range []struct {
					flag, v string
					t       *time.Time
				}{{"from", from, &q.From}, {"to", to, &q.To}} {
					if d.v == "" {
						continue
					}
					t, err := time.Parse(time.DateOnly, d.v)
					if err != nil {
						return &exitError{exitUsage, fmt.Errorf("--%s: want YYYY-MM-DD: %w", d.flag, err)}
					}
					*d.t = t
				}
				req.Query = &q
			}
			s, err := o.open(cmd)
			if err != nil {
				return err
			}
			s.cancel() // the build outlasts --timeout: each call below has its own
			ctx := cmd.Context()
			job, err := s.c.BuildCases(ctx, req)
			if err != nil {
				return err
			}
			errOut := cmd.ErrOrStderr()
			fmt.Fprintf(errOut, "job %s, batch %s\n", job.ID, job.BatchID)
			for job.Status == "queued" || job.Status == "running" {
				progressBar(errOut, job)
				select {
				case <-ctx.Done():
					return ctx.Err()
				case <-time.After(poll):
				}
				if job, err = s.c.CaseJob(ctx, job.ID); err != nil {
					return err
				}
			}
			progressBar(errOut, job)
			fmt.Fprintln(errOut)
			if job.Status != "done" {
				return fmt.Errorf("case build %s %s: %s", job.ID, job.Status, job.Error)
			}
			if err := os.MkdirAll(filepath.Join(out, "cases"), 0o755); err != nil {
				return err
			}
			names := []string{"batch.json", "batch.csv"}
			for _, c := range job.Batch.Cases {
				names = append(names, c.Package)
			}
			for _, n := range names {
				data, err := s.c.CaseJobFile(ctx, job.ID, n, casepkg.MaxPackageBytes)
				if err != nil {
					return fmt.Errorf("download %s: %w", n, err)
				}
				if err := os.WriteFile(filepath.Join(out, filepath.FromSlash(n)), data, 0o644); err != nil {
					return err
				}
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "batch %s: %d cases built in %s (verify: sealchain case verify %s --genesis GENESIS)\n", job.BatchID, len(job.Batch.Cases), out, out)
			for _, sk := range job.Batch.Skipped {
				fmt.Fprintf(w, "  SKIPPED  %s: %s\n", sk.Contract, sk.Reason)
			}
			return nil
		},
	}
	o.add(cmd)
	f := cmd.Flags()
	f.StringSliceVar(&ids, "contract", nil, "contract id (repeat, or comma-separated)")
	f.StringVar(&idsFile, "contracts-file", "", "a file of contract ids, one a line")
	f.StringVar(&q.Template, "template", "", "select contracts made from this template (e.g. loan_note)")
	f.StringVar(&q.Status, "status", "", "select by workflow status (default completed)")
	f.StringVar(&from, "from", "", "select contracts created on or after this date (YYYY-MM-DD, UTC)")
	f.StringVar(&to, "to", "", "select contracts created before this date (YYYY-MM-DD, UTC)")
	f.StringVar(&q.Counterparty, "counterparty", "", "select contracts with this party (identity id or part of its display name)")
	f.StringVar(&kind, "kind", "litigation", "litigation (a court) or arbitration (an arbitration commission)")
	f.StringVar(&institution, "institution", "", "the receiving court or arbitration organisation's id (required)")
	f.StringVar(&batchID, "batch-id", "", "the batch id (default: generated)")
	f.StringVar(&out, "out", "", "directory to write the batch to (required)")
	f.DurationVar(&poll, "poll", 500*time.Millisecond, "how often to ask for progress")
	_ = cmd.MarkFlagRequired("institution")
	_ = cmd.MarkFlagRequired("out")
	return cmd
}

// progressBar draws "[#####.....] done/total built skipped" on one line.
func progressBar(w io.Writer, j *client.CaseJob) {
	p := j.Progress
	const width = 30
	fill := 0
	if p.Total > 0 {
		fill = p.Done * width / p.Total
	}
	fmt.Fprintf(w, "\r[%s%s] %d/%d  built %d  skipped %d  %s ", strings.Repeat("#", fill), strings.Repeat(".", width-fill),
		p.Done, p.Total, p.Built, p.Skipped, j.Status)
}

func readIDs(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if s := strings.TrimSpace(sc.Text()); s != "" && !strings.HasPrefix(s, "#") {
			out = append(out, s)
		}
	}
	return out, sc.Err()
}

func newCaseVerifyCmd() *cobra.Command {
	var (
		genesis string
		asJSON  bool
	)
	cmd := &cobra.Command{
		Use:   "verify PACKAGE.zip|BATCH_DIR [--genesis G] [--json]",
		Short: "Verify a case package or a batch directory offline: signature, every file's SM3, evidence, report, parties",
		Long: `Checks a case package against the genesis you trust, trusting neither the filer nor any
node: the zip's bounds, the manifest and the filer organisation's signature (by its genesis CA),
manifest.csv, every file's size and SM3 (an edited file fails, naming it), the evidence bundle
with the signed PDF, the evidence report, the parties and the claim. A directory is verified as a
batch: batch.json and batch.csv, each package's SM3 as batch.json gives it, and each package.
Exit status 1 when a check fails.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			g, err := defaultGenesis(genesis)
			if err != nil {
				return &exitError{exitUsage, err}
			}
			trust, err := evidence.LoadTrust(g)
			if err != nil {
				return &exitError{exitUsage, err}
			}
			st, err := os.Stat(args[0])
			if err != nil {
				return &exitError{exitUsage, err}
			}
			out := cmd.OutOrStdout()
			now := time.Now()
			if st.IsDir() {
				return verifyBatchDir(out, args[0], trust, now, asJSON)
			}
			if st.Size() > casepkg.MaxPackageBytes {
				return &exitError{exitFailure, fmt.Errorf("%s: %d bytes, a package is at most %d", args[0], st.Size(), casepkg.MaxPackageBytes)}
			}
			data, err := os.ReadFile(args[0])
			if err != nil {
				return &exitError{exitUsage, err}
			}
			res, err := casepkg.Verify(data, trust, now)
			if err != nil {
				return err
			}
			return printPackage(out, args[0], res, asJSON)
		},
	}
	cmd.Flags().StringVar(&genesis, "genesis", "", "the genesis file you trust (default data/config/genesis.json)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the result as JSON")
	return cmd
}

func printPackage(out io.Writer, name string, res *casepkg.Result, asJSON bool) error {
	var checks []evidence.Check
	for _, c := range res.Checks {
		checks = append(checks, evidence.Check{Name: c.Name, OK: c.OK, Detail: c.Detail})
	}
	header := fmt.Sprintf("%s (SM3 %s)", name, res.SM3)
	return printResult(out, asJSON, res, header, checks, 12, res.Failed(), nil)
}

func verifyBatchDir(out io.Writer, dir string, trust *evidence.Trust, now time.Time, asJSON bool) error {
	res, err := casepkg.VerifyBatch(dir, trust, now, 0)
	if err != nil {
		return &exitError{exitUsage, err}
	}
	if asJSON {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(res); err != nil {
			return err
		}
	} else {
		if res.Err != "" {
			fmt.Fprintf(out, "  FAIL  %s\n", res.Err)
		}
		for _, c := range res.Cases {
			switch {
			case c.Err != "":
				fmt.Fprintf(out, "  FAIL  %s  %s\n", c.CaseID, c.Err)
			case c.Result != nil && !c.Result.OK:
				fmt.Fprintf(out, "  FAIL  %s  %v\n", c.CaseID, c.Result.Err())
			default:
				fmt.Fprintf(out, "  PASS  %s  %s SM3 %s\n", c.CaseID, c.Package, c.Result.SM3)
			}
		}
		if res.Batch != nil {
			for _, s := range res.Batch.Skipped {
				fmt.Fprintf(out, "  SKIPPED  %s: %s\n", s.Contract, s.Reason)
			}
		}
	}
	if !res.OK {
		if !asJSON {
			fmt.Fprintln(out, "RESULT: FAILED")
		}
		return &exitError{exitFailure, nil}
	}
	if !asJSON {
		fmt.Fprintf(out, "RESULT: VERIFIED: all %d packages of batch %s\n", len(res.Cases), res.Batch.BatchID)
	}
	return nil
}
