package main

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/sealchain/sealchain/signer/ofd"
	"github.com/sealchain/sealchain/signer/ofd/render"
)

func newOFDRenderCmd() *cobra.Command {
	var (
		page    int
		dpi     float64
		out     string
		timeout time.Duration
	)
	cmd := &cobra.Command{
		Use:   "render FILE.ofd",
		Short: "Draw one page of an OFD as PNG, listing what could not be drawn",
		Long: `Draws one page (1 for the first) of the first document of an OFD file as a
PNG: text, paths, images, templates, annotations and the seals of its
signatures where they were placed. What is not drawn (or drawn with a
substitute font) is listed on standard error, one line each; nothing is ever
drawn approximately. The page is drawn within bounds (40 Mpx, 200,000
objects, the timeout), so a hostile file stays cheap.

Exit status: 0 when the page was drawn (even with omissions), 1 when it
could not be, 2 on bad usage or a file that is not an OFD.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return &exitError{exitUsage, errors.New("give the output file with -o")}
			}
			data, err := os.ReadFile(args[0])
			if err != nil {
				return &exitError{exitUsage, err}
			}
			res, err := render.Render(cmd.Context(), data, page, render.Options{DPI: dpi, Timeout: timeout})
			switch {
			case errors.Is(err, ofd.ErrFormat), errors.Is(err, render.ErrPage), errors.Is(err, render.ErrOptions):
				return &exitError{exitUsage, err}
			case err != nil:
				return err
			}
			b, err := res.PNG()
			if err != nil {
				return err
			}
			if err := os.WriteFile(out, b, 0o644); err != nil {
				return err
			}
			for _, u := range res.Unsupported {
				fmt.Fprintln(cmd.ErrOrStderr(), "not drawn:", u)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: page %d, %.0f×%.0f mm, %d×%d px at %.4g dpi, %d item(s) not drawn\n",
				out, page, res.WidthMM, res.HeightMM, res.Image.Rect.Dx(), res.Image.Rect.Dy(), res.DPI, len(res.Unsupported))
			return nil
		},
	}
	cmd.Flags().IntVar(&page, "page", 1, "page number, 1 for the first")
	cmd.Flags().Float64Var(&dpi, "dpi", render.DefaultDPI, "resolution, 1 to 1200")
	cmd.Flags().StringVarP(&out, "output", "o", "", "PNG file to write")
	cmd.Flags().DurationVar(&timeout, "timeout", render.DefaultTimeout, "give up on the page after this long")
	return cmd
}
