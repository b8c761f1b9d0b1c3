package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/sealchain/sealchain/chain"
)

// newContractCreateBatchCmd is the bulk path of `contract create`: many
// contracts from a JSONL file, sent in batches (one envelope signature per
// batch; rules version 2 and later).
func newContractCreateBatchCmd() *cobra.Command {
	var (
		o    orgFlags
		from string
		size int
	)
	cmd := &cobra.Command{
		Use:   "create-batch",
		Short: "Open many contracts from a JSONL file, in batches of up to --batch-size records",
		Long: `Reads one contract per line of --from, as {"id": "c-1", "file": "c-1.pdf",
"parties": ["alice.crt", "<hex fingerprint>"], "order": "sequential", "deadline": "RFC 3339"}
("order" and "deadline" optional; relative file paths are relative to the working
directory), and submits them as batch transactions, waiting for each batch's block.
Prints one line per contract; exits non-zero if any was rejected. Needs rules version 2.`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if size < 1 || size > chain.MaxBatchRecords {
				return fmt.Errorf("--batch-size %d: want 1..%d", size, chain.MaxBatchRecords)
			}
			f, err := os.Open(from)
			if err != nil {
				return err
			}
			defer f.Close()
			s, err := o.open(cmd)
			if err != nil {
				return err
			}
			defer s.cancel()
			return s.createBatches(cmd, f, size)
		},
	}
	o.add(cmd)
	cmd.Flags().StringVar(&from, "from", "", "JSONL file, one contract per line")
	cmd.Flags().IntVar(&size, "batch-size", 500, fmt.Sprintf("records per batch (1..%d)", chain.MaxBatchRecords))
	_ = cmd.MarkFlagRequired("from")
	return cmd
}

// createBatches reads contracts from r and submits them size at a time
// (fewer when the batch would pass the chain's byte limit).
func (s *session) createBatches(cmd *cobra.Command, r io.Reader, size int) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var (
		items    []*chain.Tx
		ids      []string
		total    int
		rejected int
		line     int
	)
	// A batch's bytes besides its items: version, chain id, envelope.
	overhead := 256 + len(s.sub.ChainID) + len(s.sub.Org)
	flush := func() error {
		if len(items) == 0 {
			return nil
		}
		n, err := s.submitBatch(cmd, items, ids)
		items, ids, total = nil, nil, 0
		rejected += n
		return err
	}
	for sc.Scan() {
		line++
		if len(sc.Bytes()) == 0 {
			continue
		}
		var c contractSpec
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&c); err != nil {
			return fmt.Errorf("line %d: %w", line, err)
		}
		body, err := contractBody(c)
		if err != nil {
			return fmt.Errorf("line %d (contract %s): %w", line, c.ID, err)
		}
		it, err := s.sub.BuildItem(body, nil)
		if err != nil {
			return fmt.Errorf("line %d: %w", line, err)
		}
		n := len(it.Item()) + 4
		if len(items) == size || overhead+total+n > chain.MaxBatchBytes {
			if err := flush(); err != nil {
				return err
			}
		}
		items, ids, total = append(items, it), append(ids, c.ID), total+n
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read line %d: %w", line+1, err)
	}
	if err := flush(); err != nil {
		return err
	}
	if rejected > 0 {
		return fmt.Errorf("%d contracts rejected", rejected)
	}
	return nil
}

// submitBatch sends items as one batch, waits for its block and prints each
// record's result; it returns how many were rejected.
func (s *session) submitBatch(cmd *cobra.Command, items []*chain.Tx, ids []string) (int, error) {
	raw, err := s.sub.BuildBatch(items)
	if err != nil {
		return 0, err
	}
	res, err := s.c.Submit(s.ctx, raw, true)
	if err != nil {
		return 0, fmt.Errorf("batch of %d (contracts %s..%s): %w", len(items), ids[0], ids[len(ids)-1], err)
	}
	if len(res.Results) != len(items) {
		return 0, errors.New("the node answered no per-record results: is it older than batches?")
	}
	out := cmd.OutOrStdout()
	var rejected int
	for i, r := range res.Results {
		if r.Code != chain.CodeOK {
			rejected++
			fmt.Fprintf(out, "contract %s: rejected, code %d: %s (record %s)\n", ids[i], r.Code, r.Log, r.RecordHash)
			continue
		}
		fmt.Fprintf(out, "contract %s: committed at height %d, log index %d (record %s)\n", ids[i], res.Height, deref(r.LogIndex), r.RecordHash)
	}
	fmt.Fprintf(out, "batch %s: %d records at height %d\n", res.TxHash, len(items), res.Height)
	return rejected, nil
}
