package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/sealchain/sealchain/evidence"
)

func newVerifyCmd() *cobra.Command {
	var (
		bundlePath, file, genesis string
		asJSON                    bool
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
bad usage or unreadable input.`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if genesis == "" {
				def := filepath.Join("data", "config", "genesis.json")
				if _, err := os.Stat(def); err != nil {
					return &exitError{2, errors.New("--genesis: give the genesis file you trust")}
				}
				genesis = def
			}
			trust, err := evidence.LoadTrust(genesis)
			if err != nil {
				return &exitError{2, err}
			}
			v, err := evidence.NewVerifier(trust)
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
			}
			out := cmd.OutOrStdout()
			if asJSON {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				if err := enc.Encode(res); err != nil {
					return err
				}
			} else {
				fmt.Fprintf(out, "bundle %s (%d bytes), trusting %s\n", bundlePath, len(data), genesis)
				for _, c := range res.Checks {
					mark := "PASS"
					if !c.OK {
						mark = "FAIL"
					}
					fmt.Fprintf(out, "  %s  %-28s %s\n", mark, c.Name, c.Detail)
				}
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
						fmt.Fprintln(out)
					}
				}
			}
			if !res.OK {
				if !asJSON {
					fmt.Fprintf(out, "RESULT: FAILED (%v)\n", res.Failed())
				}
				return &exitError{1, nil}
			}
			if !asJSON {
				fmt.Fprintln(out, "RESULT: VERIFIED: every check holds")
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&bundlePath, "bundle", "bundle.json", "the evidence bundle")
	f.StringVar(&file, "file", "", "the document, to check its hash against the records")
	f.StringVar(&genesis, "genesis", "", "the genesis file you trust (default ./data/config/genesis.json if present)")
	f.BoolVar(&asJSON, "json", false, "print the result as JSON")
	return cmd
}
