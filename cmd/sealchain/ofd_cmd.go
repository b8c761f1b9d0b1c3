package main

import "github.com/spf13/cobra"

// newOFDCmd groups the OFD (GB/T 33190) commands.
func newOFDCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "ofd", Short: "OFD documents (GB/T 33190): render pages"}
	cmd.AddCommand(newOFDRenderCmd())
	return cmd
}
