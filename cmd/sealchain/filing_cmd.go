package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/emmansun/gmsm/sm3"
	"github.com/spf13/cobra"

	"github.com/sealchain/sealchain/client"
)

// Filing with courts and arbitration (docs/judicial-services.md, "Filing
// with courts and arbitration"): `sealchain case file|status|fetch|docket`,
// each a call to the organisation's own node.

// addFilingCmds adds the filing subcommands to `sealchain case`.
func addFilingCmds(cmd *cobra.Command) {
	var (
		fo       orgFlags
		batchDir string
		upload   bool
	)
	file := &cobra.Command{
		Use:   "file --batch DIR",
		Short: "File a batch of cases (batch.json and its zips) with the courts or arbitration commissions it names (the filer's node)",
		Long: `File every case of a batch directory: batch.json ({"batch_id", "filer", "cases": [...]}) and
the zips it names. Each zip's SM3 and size are checked here first; the zips are then put on the
filer's node (copied into <home>/data/casepkg, or uploaded with --upload when the node is elsewhere),
and the cases are filed in requests of up to 1000 (one batch transaction each). Every case is
listed as filed or refused with the reason; none is dropped.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runCase(cmd, &fo, func(s *session) (any, error) { return fileBatch(s, cmd.ErrOrStderr(), batchDir, upload) })
		},
	}
	fo.add(file)
	file.Flags().StringVar(&batchDir, "batch", "", "the batch directory (batch.json and the zips) (required)")
	file.Flags().BoolVar(&upload, "upload", false, "upload the zips to the node (PUT /v1/cases/{id}/package) instead of copying them into --home")
	_ = file.MarkFlagRequired("batch")

	var (
		so                          orgFlags
		role, status, kind, batchID string
	)
	statusCmd := &cobra.Command{
		Use:   "status [CASE-ID]",
		Short: "Show a case, or list the cases this organisation filed (--role applicant) or received (--role institution)",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runCase(cmd, &so, func(s *session) (any, error) {
				if len(args) == 1 {
					return s.c.CaseView(s.ctx, args[0])
				}
				return listAll(s, client.CaseQuery{Role: role, Status: status, Kind: kind}, batchID)
			})
		},
	}
	so.add(statusCmd)
	statusCmd.Flags().StringVar(&role, "role", "applicant", "applicant (cases this organisation filed) or institution (cases filed with it)")
	statusCmd.Flags().StringVar(&status, "status", "", "pending, accepted, rejected or withdrawn")
	statusCmd.Flags().StringVar(&kind, "kind", "", "litigation or arbitration")
	statusCmd.Flags().StringVar(&batchID, "batch-id", "", "only the cases of this batch")

	var (
		fetchO orgFlags
		out    string
		imp    string
	)
	fetch := &cobra.Command{
		Use:   "fetch CASE-ID",
		Short: "Have the institution's node fetch a filed case's package from the filer's node (or --import a zip handed over offline); the node checks it against the chain",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runCase(cmd, &fetchO, func(s *session) (any, error) {
				var cs *client.Case
				var err error
				if imp != "" {
					z, rerr := os.ReadFile(imp)
					if rerr != nil {
						return nil, rerr
					}
					cs, err = s.c.UploadPackage(s.ctx, args[0], z)
				} else {
					cs, err = s.c.FetchPackage(s.ctx, args[0])
				}
				if err != nil || out == "" {
					return cs, err
				}
				return cs, downloadPackage(s.ctx, s.c, args[0], out)
			})
		},
	}
	fetchO.add(fetch)
	fetch.Flags().StringVar(&out, "out", "", "also save the checked package to this file")
	fetch.Flags().StringVar(&imp, "import", "", "a zip handed over offline: the node keeps it if its SM3 is the chain's")

	var (
		dO               orgFlags
		dReason, dNumber string
		dAccept, dReturn bool
	)
	docket := &cobra.Command{
		Use:   "docket CASE-ID (--accept [--number 案号] | --return --reason TEXT)",
		Short: "Docket (立案) or return (退回) a filed case (the court's or arbitration commission's node)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if dAccept == dReturn {
				return &exitError{exitUsage, errors.New("give exactly one of --accept and --return")}
			}
			d := "accept"
			if dReturn {
				d = "reject"
			}
			return runCase(cmd, &dO, func(s *session) (any, error) { return s.c.DocketCase(s.ctx, args[0], d, dReason, dNumber) })
		},
	}
	dO.add(docket)
	docket.Flags().BoolVar(&dAccept, "accept", false, "docket the case (the node must hold its checked package)")
	docket.Flags().BoolVar(&dReturn, "return", false, "return the case (needs --reason)")
	docket.Flags().StringVar(&dReason, "reason", "", "why the case is returned, recorded on chain (no personal data)")
	docket.Flags().StringVar(&dNumber, "number", "", "the docket number (案号), recorded on chain")
	cmd.AddCommand(file, statusCmd, fetch, docket)
}

// readBatch reads and checks a batch directory: every zip is there, inside
// the directory, with the SM3 and size batch.json gives.
func readBatch(dir string) (*client.FilingBatch, []string, error) {
	raw, err := os.ReadFile(filepath.Join(dir, "batch.json"))
	if err != nil {
		return nil, nil, err
	}
	var b client.FilingBatch
	if err := json.Unmarshal(raw, &b); err != nil {
		return nil, nil, fmt.Errorf("batch.json: %w", err)
	}
	if len(b.Cases) == 0 {
		return nil, nil, errors.New("batch.json: no cases")
	}
	paths := make([]string, len(b.Cases))
	for i, c := range b.Cases {
		rel := filepath.Clean(filepath.FromSlash(c.Package))
		if c.Package == "" || filepath.IsAbs(rel) || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return nil, nil, fmt.Errorf("batch.json: case %q: package %q is not a path inside the batch directory", c.CaseID, c.Package)
		}
		p := filepath.Join(dir, rel)
		f, err := os.Open(p)
		if err != nil {
			return nil, nil, fmt.Errorf("case %q: %w", c.CaseID, err)
		}
		h := sm3.New()
		n, err := io.Copy(h, f)
		f.Close()
		if err != nil {
			return nil, nil, fmt.Errorf("case %q: %w", c.CaseID, err)
		}
		if got := hex.EncodeToString(h.Sum(nil)); got != c.SM3 || n != c.Size {
			return nil, nil, fmt.Errorf("case %q: %s has SM3 %s and %d bytes; batch.json says %s and %d", c.CaseID, c.Package, got, n, c.SM3, c.Size)
		}
		paths[i] = p
	}
	return &b, paths, nil
}

// fileBatch files a batch directory's cases, progress on w.
func fileBatch(s *session, w io.Writer, dir string, upload bool) (*client.FilingResult, error) {
	b, paths, err := readBatch(dir)
	if err != nil {
		return nil, err
	}
	pkgDir := s.home.Path("data", "casepkg")
	for i, c := range b.Cases {
		if upload {
			z, err := os.ReadFile(paths[i])
			if err != nil {
				return nil, err
			}
			if _, err := s.c.UploadPackage(s.ctx, c.CaseID, z); err != nil {
				return nil, fmt.Errorf("case %q: upload: %w", c.CaseID, err)
			}
		} else if err := copyFile(paths[i], filepath.Join(pkgDir, c.CaseID+".zip")); err != nil {
			return nil, fmt.Errorf("case %q: %w", c.CaseID, err)
		}
	}
	all := &client.FilingResult{BatchID: b.BatchID, Filed: []client.FiledCase{}, Refused: []client.RefusedCase{}}
	for from := 0; from < len(b.Cases); from += client.MaxFilingRequest {
		part := *b
		part.Cases = b.Cases[from:min(len(b.Cases), from+client.MaxFilingRequest)]
		for i := range part.Cases {
			part.Cases[i].Package = "" // the node's own copy is filed
		}
		res, err := s.c.FileCases(s.ctx, part)
		if err != nil {
			return all, fmt.Errorf("cases %d..%d: %w", from, from+len(part.Cases)-1, err)
		}
		all.Filed, all.Refused = append(all.Filed, res.Filed...), append(all.Refused, res.Refused...)
		all.TxHash, all.Height = res.TxHash, res.Height
		fmt.Fprintf(w, "filed %d/%d (%d refused)\n", len(all.Filed)+len(all.Refused), len(b.Cases), len(all.Refused))
	}
	return all, nil
}

// copyFile copies src to dst (its directory made 0700), via a temporary
// file renamed into place.
func copyFile(src, dst string) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return err
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	tmp, err := os.CreateTemp(filepath.Dir(dst), filepath.Base(dst)+".*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	_, werr := io.Copy(tmp, in)
	if err := errors.Join(werr, tmp.Sync(), tmp.Close()); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), dst)
}

// listAll pages through a listing, keeping batchID's cases when set.
func listAll(s *session, q client.CaseQuery, batchID string) ([]client.Case, error) {
	out := []client.Case{}
	q.Limit = 1000
	for {
		p, err := s.c.Cases(s.ctx, q)
		if err != nil {
			return nil, err
		}
		for _, c := range p.Cases {
			if batchID == "" || c.BatchID == batchID {
				out = append(out, c)
			}
		}
		if !p.More {
			return out, nil
		}
		q.After = p.Next
	}
}

// downloadPackage saves a case's package from the node to path, resuming
// a partial <path>.part, and checks nothing itself: the node served it
// only after checking it against the chain (and `sealchain case verify`
// checks its contents offline).
func downloadPackage(ctx context.Context, c *client.Client, id, path string) error {
	part := path + ".part"
	f, err := os.OpenFile(part, os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	defer f.Close()
	off, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		return err
	}
	body, status, _, err := c.PackageRange(ctx, id, off, nil)
	if err != nil {
		return err
	}
	defer body.Close()
	if status == 200 {
		if err := f.Truncate(0); err != nil {
			return err
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return err
		}
	}
	if _, err := io.Copy(f, body); err != nil {
		return fmt.Errorf("download %s (run again to resume): %w", id, err)
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(part, path)
}
