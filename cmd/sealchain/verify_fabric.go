package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/sealchain/sealchain/anchor"
	"github.com/sealchain/sealchain/anchor/open"
	"github.com/sealchain/sealchain/evidence"
)

// verifyFabric asks the Fabric channel of the profile about every anchor in
// res (evidence.VerifyFabric). An unreachable network fails those checks: it
// is never reported as verified.
func verifyFabric(ctx context.Context, profile, helper string, res *evidence.Result) error {
	if len(res.Anchors) == 0 {
		return nil
	}
	p, err := anchor.LoadProfile(profile)
	if err != nil {
		return err
	}
	l, closer, err := open.Ledger(p, helper)
	if err != nil {
		return fmt.Errorf("--fabric: %w", err)
	}
	defer closer.Close()
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	evidence.VerifyFabric(ctx, l, res)
	return nil
}

func printAnchors(out io.Writer, anchors []evidence.AnchorStatus) {
	if len(anchors) == 0 {
		fmt.Fprintln(out, "anchoring: no record of this bundle is covered by an anchored checkpoint yet")
		return
	}
	fmt.Fprintln(out, "anchoring (checkpoints witnessed on Fabric):")
	for _, a := range anchors {
		fmt.Fprintf(out, "  height %-6d log size %-6d %s/%s tx %s block %d at %s covers %d record(s)\n",
			a.Height, a.LogSize, a.Network, a.Channel, a.TxID, a.Block, a.AnchoredAt.Format(time.RFC3339), len(a.Covers))
		fmt.Fprintf(out, "    fabric: %s", a.Fabric)
		if a.FabricDetail != "" {
			fmt.Fprintf(out, " (%s)", a.FabricDetail)
		}
		fmt.Fprintln(out)
	}
}
