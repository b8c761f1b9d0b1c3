package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"time"

	"github.com/spf13/cobra"
)

// sealchain wf bulk-send and wf batch-sign (docs/workflow.md, "Bulk send"
// and "Batch signing").

func newWFBulkSendCmd(w *wfAPI) *cobra.Command {
	var tmpl, csvPath, jsonPath, title, order, deadline string
	var wait bool
	cmd := &cobra.Command{
		Use:   "bulk-send",
		Short: "Create and send one contract per row: --template T with --csv rows.csv (or --json rows.json); prints the job, or with --wait {job, failed_rows} at its end",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var out []byte
			var err error
			switch {
			case (csvPath == "") == (jsonPath == ""):
				return &exitError{2, fmt.Errorf("give --csv or --json")}
			case csvPath != "":
				if tmpl == "" {
					return &exitError{2, fmt.Errorf("--template is required with --csv")}
				}
				body, rerr := os.ReadFile(csvPath)
				if rerr != nil {
					return rerr
				}
				q := url.Values{"template": {tmpl}}
				for k, v := range map[string]string{"title": title, "order": order, "deadline": deadline} {
					if v != "" {
						q.Set(k, v)
					}
				}
				out, err = w.call(cmd.Context(), http.MethodPost, "/v1/wf/bulk-sends?"+q.Encode(), "text/csv", body)
			default:
				raw, rerr := os.ReadFile(jsonPath)
				if rerr != nil {
					return rerr
				}
				in := map[string]any{}
				var rows []any
				if json.Unmarshal(raw, &rows) == nil { // a bare array of rows
					in["rows"] = rows
				} else if err := json.Unmarshal(raw, &in); err != nil {
					return fmt.Errorf("%s: want a JSON array of rows or a bulk send object: %w", jsonPath, err)
				}
				for k, v := range map[string]string{"template": tmpl, "title": title, "order": order, "deadline": deadline} {
					if v != "" {
						in[k] = v
					}
				}
				out, err = w.postJSON(cmd.Context(), "/v1/wf/bulk-sends", in)
			}
			if err != nil {
				return err
			}
			if !wait {
				return printJSON(cmd, out)
			}
			var job struct {
				ID     string `json:"id"`
				Status string `json:"status"`
			}
			if err := json.Unmarshal(out, &job); err != nil {
				return err
			}
			for job.Status != "done" {
				select {
				case <-cmd.Context().Done():
					return cmd.Context().Err()
				case <-time.After(500 * time.Millisecond):
				}
				if out, err = w.call(cmd.Context(), http.MethodGet, "/v1/wf/bulk-sends/"+url.PathEscape(job.ID), "", nil); err != nil {
					return err
				}
				if err := json.Unmarshal(out, &job); err != nil {
					return err
				}
			}
			failed, err := w.call(cmd.Context(), http.MethodGet, "/v1/wf/bulk-sends/"+url.PathEscape(job.ID)+"/rows?status=failed&limit=1000", "", nil)
			if err != nil {
				return err
			}
			var rows struct {
				Rows json.RawMessage `json:"rows"`
			}
			if err := json.Unmarshal(failed, &rows); err != nil {
				return err
			}
			both, err := json.Marshal(map[string]json.RawMessage{"job": out, "failed_rows": rows.Rows})
			if err != nil {
				return err
			}
			return printJSON(cmd, both)
		},
	}
	f := cmd.Flags()
	f.StringVar(&tmpl, "template", "", "template id (wf template list)")
	f.StringVar(&csvPath, "csv", "", "CSV rows: a header line; columns key, title, party:<role> (identity id) and the template's fields")
	f.StringVar(&jsonPath, "json", "", "JSON rows: an array of {key, title, fields, parties}, or a whole bulk send object")
	f.StringVar(&title, "title", "", "title of rows without their own")
	f.StringVar(&order, "order", "", "sequential (default) or parallel")
	f.StringVar(&deadline, "deadline", "", "RFC 3339 deadline of every contract")
	f.BoolVar(&wait, "wait", false, "wait for the job to finish, then print the rows with errors")
	status := &cobra.Command{
		Use:   "status ID",
		Short: "A bulk send's progress",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			out, err := w.call(cmd.Context(), http.MethodGet, "/v1/wf/bulk-sends/"+url.PathEscape(args[0]), "", nil)
			if err != nil {
				return err
			}
			return printJSON(cmd, out)
		},
	}
	cmd.AddCommand(status)
	return cmd
}

func newWFBatchSignCmd(w *wfAPI) *cobra.Command {
	var identity string
	cmd := &cobra.Command{
		Use:   "batch-sign --identity ID CONTRACT...",
		Short: "Gather contracts waiting for one signer into a batch: the signer gets one link, sees the list and signs them all after one code",
		Args:  cobra.RangeArgs(1, 100),
		RunE: func(cmd *cobra.Command, args []string) error {
			if identity == "" {
				return &exitError{2, fmt.Errorf("--identity is required")}
			}
			out, err := w.postJSON(cmd.Context(), "/v1/wf/batch-signs", map[string]any{"identity_id": identity, "contract_ids": args})
			if err != nil {
				return err
			}
			return printJSON(cmd, out)
		},
	}
	cmd.Flags().StringVar(&identity, "identity", "", "the signer's identity id")
	status := &cobra.Command{
		Use:   "status ID",
		Short: "A batch signature: its contracts and what became of each",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			out, err := w.call(cmd.Context(), http.MethodGet, "/v1/wf/batch-signs/"+url.PathEscape(args[0]), "", nil)
			if err != nil {
				return err
			}
			return printJSON(cmd, out)
		},
	}
	cmd.AddCommand(status)
	return cmd
}
