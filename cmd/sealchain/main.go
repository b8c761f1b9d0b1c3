// Command sealchain runs a Sealchain node and its client and verifier tools.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

// exitError carries a process exit code through cobra.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}
func (e *exitError) Unwrap() error { return e.err }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := newRoot().ExecuteContext(ctx)
	stop()
	if err != nil {
		var ee *exitError
		if errors.As(err, &ee) {
			if ee.err != nil && ee.err.Error() != "" {
				fmt.Fprintln(os.Stderr, "sealchain:", ee.err)
			}
			os.Exit(ee.code)
		}
		fmt.Fprintln(os.Stderr, "sealchain:", err)
		os.Exit(1)
	}
}

func newRoot() *cobra.Command {
	root := &cobra.Command{
		Use:   "sealchain",
		Short: "Permissioned blockchain evidence node for electronic contracts",
		Long: `Sealchain records every signing event of an electronic contract (document hash,
signer certificate, time, intent proof) on a CometBFT chain run by a court, a
notary, an arbitration body and the platform, and proves it offline.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(newInitCmd(), newStartCmd(), newKeysCmd(), newCertCmd(), newContractCmd(),
		newIntentCmd(), newEvidenceCmd(), newVerifyCmd(), newStatusCmd(), newTestnetCmd(), newGovCmd(), newIdentityCmd(), newPDFCmd(), newSealCmd(), newReportCmd(), newWFCmd())
	return root
}
