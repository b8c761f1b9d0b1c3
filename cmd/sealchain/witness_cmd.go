package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/mod/sumdb/note"

	"github.com/sealchain/sealchain/evidence/witness"
)

// newWitnessCmd is `sealchain witness`: an independent witness of Sealchain
// logs (C2SP tlog-witness), for an organisation that need not be a
// validator: a university, a second court.
func newWitnessCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "witness",
		Short: "Run an independent witness that cosigns a node's checkpoints after checking consistency",
		Long: `A witness keeps, for each log it follows, the latest checkpoint it cosigned, and cosigns
a new checkpoint only when a consistency proof shows the log grew from that one (C2SP
tlog-witness). Courts then require its cosignature (sealchain verify --witness VKEY
--min-witnesses K), so no node can show them a history the witness did not see.

  sealchain witness init --home DIR --name NAME    make the witness key; prints its vkey
  sealchain witness run --home DIR --log ORIGIN=VKEY [--listen ADDR] [--node URL ...]

run serves POST /add-checkpoint (tlog-witness) on --listen, and with --node pulls each
node's checkpoint every --interval and posts the cosigned checkpoint back to the node.
The log's hash is SM3 (docs/evidence-bundle.md, Witnesses).`,
	}
	cmd.AddCommand(newWitnessInitCmd(), newWitnessRunCmd())
	return cmd
}

func witnessKeyPath(home string) string { return filepath.Join(home, "witness.key") }

func newWitnessInitCmd() *cobra.Command {
	var home, name string
	cmd := &cobra.Command{
		Use:   "init",
		Short: "Make the witness's Ed25519 cosignature/v1 key and print its vkey",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if name == "" {
				return &exitError{2, errors.New("--name is required: the witness's key name, e.g. witness.example.edu/w1")}
			}
			p := witnessKeyPath(home)
			if _, err := os.Stat(p); err == nil {
				return fmt.Errorf("%s exists: a witness keeps its key (verifiers hold its vkey)", p)
			}
			skey, vkey, err := witness.GenerateCosignerKey(rand.Reader, name)
			if err != nil {
				return &exitError{2, err}
			}
			if err := os.MkdirAll(home, 0o700); err != nil {
				return err
			}
			if err := os.WriteFile(p, []byte(skey+"\n"), 0o600); err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), vkey)
			return nil
		},
	}
	cmd.Flags().StringVar(&home, "home", "./witness", "witness directory (key and state)")
	cmd.Flags().StringVar(&name, "name", "", "key name, a schema-less URL naming the witness")
	return cmd
}

func newWitnessRunCmd() *cobra.Command {
	var (
		home, listen string
		logs, nodes  []string
		interval     time.Duration
		once         bool
	)
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Serve add-checkpoint and/or follow nodes, cosigning consistent checkpoints",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			skey, err := os.ReadFile(witnessKeyPath(home))
			if err != nil {
				return &exitError{2, fmt.Errorf("witness key: %w (run sealchain witness init)", err)}
			}
			c, err := witness.NewCosigner(strings.TrimSpace(string(skey)))
			if err != nil {
				return &exitError{2, err}
			}
			byOrigin := map[string][]note.Verifier{}
			var order []string
			for _, l := range logs {
				origin, vkey, ok := strings.Cut(l, "=")
				if !ok {
					return &exitError{2, fmt.Errorf("--log %q: want ORIGIN=VKEY", l)}
				}
				v, err := witness.NewLogVerifier(vkey)
				if err != nil {
					return &exitError{2, fmt.Errorf("--log %s: %w", origin, err)}
				}
				if _, seen := byOrigin[origin]; !seen {
					order = append(order, origin)
				}
				byOrigin[origin] = append(byOrigin[origin], v)
			}
			if len(order) == 0 {
				return &exitError{2, errors.New("--log ORIGIN=VKEY is required (the node's GET /v1/checkpoint/key)")}
			}
			if listen == "" && len(nodes) == 0 {
				return &exitError{2, errors.New("give --listen, --node or both")}
			}
			var wl []witness.Log
			for _, o := range order {
				wl = append(wl, witness.Log{Origin: o, Keys: byOrigin[o]})
			}
			w, err := witness.New(c, witness.FileStore{Dir: filepath.Join(home, "state")}, wl...)
			if err != nil {
				return &exitError{2, err}
			}
			logger := slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), nil))
			logger.Info("witness", "vkey", w.VerifierKey(), "logs", order)
			ctx := cmd.Context()
			if ctx == nil {
				ctx = context.Background()
			}
			errc := make(chan error, 1)
			if listen != "" && !once {
				lis, err := net.Listen("tcp", listen)
				if err != nil {
					return err
				}
				srv := &http.Server{Handler: witness.Handler(w, logger), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second}
				logger.Info("serving add-checkpoint", "addr", lis.Addr().String())
				go func() { errc <- srv.Serve(lis) }()
				defer srv.Close()
			}
			hc := &http.Client{Timeout: 30 * time.Second}
			round := func() error {
				var errs []error
				for _, n := range nodes {
					size, err := witness.Pull(ctx, w, hc, n)
					if err != nil {
						level := slog.LevelWarn
						if errors.Is(err, witness.ErrInconsistent) || errors.As(err, new(*witness.ConflictError)) {
							level = slog.LevelError // a fork or rollback: an operator must look
						}
						logger.Log(ctx, level, "checkpoint not cosigned", "node", n, "err", err)
						errs = append(errs, fmt.Errorf("%s: %w", n, err))
						continue
					}
					logger.Info("cosigned", "node", n, "size", size)
				}
				return errors.Join(errs...)
			}
			if once {
				return round()
			}
			t := time.NewTicker(interval)
			defer t.Stop()
			for {
				if len(nodes) > 0 {
					round()
				}
				select {
				case <-ctx.Done():
					return nil
				case err := <-errc:
					return err
				case <-t.C:
				}
			}
		},
	}
	cmd.Flags().StringVar(&home, "home", "./witness", "witness directory (key and state)")
	cmd.Flags().StringArrayVar(&logs, "log", nil, "ORIGIN=VKEY of a log to follow (repeatable; several keys for one origin: one per node)")
	cmd.Flags().StringVar(&listen, "listen", "", "serve POST /add-checkpoint on this host:port")
	cmd.Flags().StringArrayVar(&nodes, "node", nil, "node API URL to pull checkpoints from and post cosignatures to (repeatable)")
	cmd.Flags().DurationVar(&interval, "interval", 30*time.Second, "how often to pull from --node")
	cmd.Flags().BoolVar(&once, "once", false, "pull once from each --node and exit (1 when one was not cosigned)")
	return cmd
}
