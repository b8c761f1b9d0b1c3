// Command sealchain runs a Sealchain node and its client and verifier tools.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
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

// Exit statuses shared by every command (the root's help states them).
const (
	exitFailure = 1 // the command ran and failed (or a check did not hold)
	exitUsage   = 2 // bad flags, arguments or input: nothing was done
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := newRoot().ExecuteContext(ctx)
	stop()
	if err != nil {
		code, msg := exitStatus(err)
		if msg != "" {
			fmt.Fprintln(os.Stderr, "sealchain:", msg)
		}
		os.Exit(code)
	}
}

// exitStatus maps a command's error to the process exit status and the
// message to print ("" prints nothing).
func exitStatus(err error) (int, string) {
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err == nil {
			return ee.code, ""
		}
		return ee.code, ee.err.Error()
	}
	// cobra reports an unknown subcommand from its command lookup, before
	// any hook of ours runs; it is a usage error like a bad flag.
	if strings.HasPrefix(err.Error(), "unknown command ") {
		return exitUsage, err.Error() + " (see sealchain --help)"
	}
	return exitFailure, err.Error()
}

// markUsageErrors makes flag parsing and argument-count errors of every
// command exit with status 2, as the help says, instead of 1 (a failure).
func markUsageErrors(c *cobra.Command) {
	c.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		return &exitError{exitUsage, fmt.Errorf("%w (see %s --help)", err, cmd.CommandPath())}
	})
	if args := c.Args; args != nil {
		c.Args = func(cmd *cobra.Command, a []string) error {
			if err := args(cmd, a); err != nil {
				return &exitError{exitUsage, fmt.Errorf("%w (see %s --help)", err, cmd.CommandPath())}
			}
			return nil
		}
	}
	for _, sub := range c.Commands() {
		markUsageErrors(sub)
	}
}

func newRoot() *cobra.Command {
	root := &cobra.Command{
		Use:   "sealchain",
		Short: "Permissioned blockchain evidence node for electronic contracts",
		Long: `Sealchain records every signing event of an electronic contract (document hash,
signer certificate, time, intent proof) on a CometBFT chain run by a court, a
notary, an arbitration body and the platform, and proves it offline.

Exit status: 0 on success, 1 when the command fails (verify and report verify:
when a check does not hold), 2 on bad usage (unknown command or flag, wrong
arguments) or unreadable input.`,
		Version:       buildVersion(debug.ReadBuildInfo()),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetVersionTemplate("{{.Version}}\n")
	root.AddCommand(newInitCmd(), newStartCmd(), newKeysCmd(), newCertCmd(), newContractCmd(),
		newIntentCmd(), newEvidenceCmd(), newVerifyCmd(), newStatusCmd(), newTestnetCmd(), newGovCmd(), newIdentityCmd(), newPDFCmd(), newOFDCmd(), newSealCmd(), newReportCmd(), newWFCmd(),
		newNotaryCmd(), newAppraisalCmd(), newInboxCmd(), newCaseCmd(), newWitnessCmd())
	markUsageErrors(root)
	return root
}
