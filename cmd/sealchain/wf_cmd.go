package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

// The signing workflow's platform API (docs/workflow.md) from the command
// line: identities, contracts, the outbox. Every answer is printed as the
// API's JSON.

// wfAPI calls /v1/wf with the platform's bearer token.
type wfAPI struct {
	node, home, tokenFile string
	http                  *http.Client
}

func (w *wfAPI) flags(cmd *cobra.Command) {
	cmd.PersistentFlags().StringVar(&w.node, "node", "http://127.0.0.1:8080", "node API URL")
	cmd.PersistentFlags().StringVar(&w.home, "home", "./data", "the platform node's home (config/workflow.token)")
	cmd.PersistentFlags().StringVar(&w.tokenFile, "token-file", "", "the bearer token file (default <home>/config/workflow.token)")
}

// wfError is an error answer of the workflow API.
type wfError struct {
	Status  int
	Code    string
	Message string
}

func (e *wfError) Error() string { return fmt.Sprintf("HTTP %d %s: %s", e.Status, e.Code, e.Message) }

// call sends a request (POSTs with a fresh Idempotency-Key) and returns the
// body of a 2xx answer.
func (w *wfAPI) call(ctx context.Context, method, path, ctype string, body []byte) ([]byte, error) {
	file := w.tokenFile
	if file == "" {
		file = filepath.Join(w.home, "config", "workflow.token")
	}
	tok, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("workflow token: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(w.node, "/")+path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(tok)))
	if method == http.MethodPost {
		var k [12]byte
		if _, err := rand.Read(k[:]); err != nil {
			return nil, err
		}
		req.Header.Set("Idempotency-Key", "cli-"+hex.EncodeToString(k[:]))
		req.Header.Set("Content-Type", ctype)
	}
	hc := w.http
	if hc == nil {
		hc = &http.Client{Timeout: time.Minute}
	}
	res, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	out, err := io.ReadAll(io.LimitReader(res.Body, 64<<20))
	if err != nil {
		return nil, err
	}
	if res.StatusCode >= 300 {
		var e struct {
			Error struct{ Code, Message string } `json:"error"`
		}
		_ = json.Unmarshal(out, &e)
		return nil, &wfError{Status: res.StatusCode, Code: e.Error.Code, Message: e.Error.Message}
	}
	return out, nil
}

func (w *wfAPI) postJSON(ctx context.Context, path string, in any) ([]byte, error) {
	b, err := json.Marshal(in)
	if err != nil {
		return nil, err
	}
	return w.call(ctx, http.MethodPost, path, "application/json", b)
}

// print writes a JSON answer indented.
func printJSON(cmd *cobra.Command, raw []byte) error {
	var buf bytes.Buffer
	if err := json.Indent(&buf, raw, "", "  "); err != nil {
		_, werr := cmd.OutOrStdout().Write(raw)
		return werr
	}
	buf.WriteByte('\n')
	_, err := buf.WriteTo(cmd.OutOrStdout())
	return err
}

func newWFCmd() *cobra.Command {
	w := &wfAPI{}
	cmd := &cobra.Command{
		Use:   "wf",
		Short: "The signing workflow's platform API: identities, templates, contracts, outbox (docs/workflow.md)",
	}
	w.flags(cmd)
	cmd.AddCommand(newWFIdentityCmd(w), newWFTemplateCmd(w), newWFContractCmd(w), newWFOutboxCmd(w), newWFBulkSendCmd(w), newWFBatchSignCmd(w))
	return cmd
}

func newWFTemplateCmd(w *wfAPI) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "template",
		Short: "The built-in contract templates: their fields (type, format, role) and signing roles",
	}
	list := &cobra.Command{
		Use:   "list",
		Short: "Describe every built-in template",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			out, err := w.call(cmd.Context(), http.MethodGet, "/v1/wf/templates", "", nil)
			if err != nil {
				return err
			}
			return printJSON(cmd, out)
		},
	}
	show := &cobra.Command{
		Use:   "show ID",
		Short: "Describe a template: the --field names and the --party roles that contract create takes",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			out, err := w.call(cmd.Context(), http.MethodGet, "/v1/wf/templates/"+url.PathEscape(args[0]), "", nil)
			if err != nil {
				return err
			}
			return printJSON(cmd, out)
		},
	}
	cmd.AddCommand(list, show)
	return cmd
}

func newWFIdentityCmd(w *wfAPI) *cobra.Command {
	cmd := &cobra.Command{Use: "identity", Short: "Verify people and companies"}
	var name, idNumber, phone, method string
	var company, creditCode, agentName, agentID, agentPhone string
	add := &cobra.Command{
		Use:   "add",
		Short: "Verify a person (--name, --id-number, --phone) or a company (--company, --credit-code, --agent-*)",
		RunE: func(cmd *cobra.Command, _ []string) error {
			var in map[string]any
			switch {
			case company != "" && name == "":
				if method == "" {
					method = "agent_check"
				}
				in = map[string]any{"kind": "enterprise", "method": method, "enterprise": map[string]any{
					"name": company, "credit_code": creditCode,
					"agent": map[string]any{"name": agentName, "id_number": agentID, "phone": agentPhone}}}
			case name != "" && company == "":
				if method == "" {
					method = "carrier_3factor"
				}
				in = map[string]any{"kind": "person", "method": method,
					"person": map[string]any{"name": name, "id_number": idNumber, "phone": phone}}
			default:
				return &exitError{2, fmt.Errorf("give --name (a person) or --company (a company), not both")}
			}
			out, err := w.postJSON(cmd.Context(), "/v1/wf/identities", in)
			if err != nil {
				return err
			}
			return printJSON(cmd, out)
		},
	}
	f := add.Flags()
	f.StringVar(&name, "name", "", "person: name")
	f.StringVar(&idNumber, "id-number", "", "person: resident ID number (18 characters)")
	f.StringVar(&phone, "phone", "", "person: mobile number")
	f.StringVar(&method, "method", "", "check: carrier_3factor (person default), agent_check (company default), …")
	f.StringVar(&company, "company", "", "company: registered name")
	f.StringVar(&creditCode, "credit-code", "", "company: unified social credit code")
	f.StringVar(&agentName, "agent-name", "", "company: the agent's name")
	f.StringVar(&agentID, "agent-id-number", "", "company: the agent's ID number")
	f.StringVar(&agentPhone, "agent-phone", "", "company: the agent's mobile number")
	show := &cobra.Command{
		Use:   "show ID",
		Short: "Show an identity",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			out, err := w.call(cmd.Context(), http.MethodGet, "/v1/wf/identities/"+args[0], "", nil)
			if err != nil {
				return err
			}
			return printJSON(cmd, out)
		},
	}
	cmd.AddCommand(add, show)
	return cmd
}

func newWFContractCmd(w *wfAPI) *cobra.Command {
	cmd := &cobra.Command{Use: "contract", Short: "Create, send and follow contracts"}
	var title, file, tmpl, order, deadline string
	var fields, parties []string
	var send bool
	create := &cobra.Command{
		Use:   "create",
		Short: "Create a contract from a PDF (--file) or a built-in template (--template, --field k=v)",
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if len(parties) == 0 {
				return &exitError{2, fmt.Errorf("give at least one --party IDENTITY[:ROLE]")}
			}
			in := map[string]any{"title": title, "order": order}
			if deadline != "" {
				in["deadline"] = deadline
			}
			var ps []any
			for _, p := range parties {
				p, at, hasArea := strings.Cut(p, "@")
				id, role, _ := strings.Cut(p, ":")
				q := map[string]any{"identity_id": id}
				if role != "" {
					q["role"] = role
				}
				if hasArea {
					var pg int
					var x, y, wd, h float64
					if n, err := fmt.Sscanf(at, "%d,%g,%g,%g,%g", &pg, &x, &y, &wd, &h); err != nil || n != 5 {
						return &exitError{2, fmt.Errorf("--party %q: want ID[:ROLE][@PAGE,X,Y,W,H]", p+"@"+at)}
					}
					q["area"] = map[string]any{"page": pg, "x": x, "y": y, "w": wd, "h": h}
				}
				ps = append(ps, q)
			}
			in["parties"] = ps
			switch {
			case file != "" && tmpl == "":
				pdf, err := os.ReadFile(file)
				if err != nil {
					return err
				}
				up, err := w.call(ctx, http.MethodPost, "/v1/wf/files", "application/pdf", pdf)
				if err != nil {
					return err
				}
				var f struct {
					FileID string `json:"file_id"`
				}
				if err := json.Unmarshal(up, &f); err != nil {
					return err
				}
				in["file_id"] = f.FileID
			case tmpl != "" && file == "":
				vals := map[string]string{}
				for _, kv := range fields {
					k, v, ok := strings.Cut(kv, "=")
					if !ok {
						return &exitError{2, fmt.Errorf("--field %q: want key=value", kv)}
					}
					vals[k] = v
				}
				in["template"] = map[string]any{"id": tmpl, "fields": vals}
			default:
				return &exitError{2, fmt.Errorf("give --file or --template")}
			}
			out, err := w.postJSON(ctx, "/v1/wf/contracts", in)
			if err != nil {
				return err
			}
			if send {
				var c struct {
					ID string `json:"id"`
				}
				if err := json.Unmarshal(out, &c); err != nil {
					return err
				}
				if out, err = w.postJSON(ctx, "/v1/wf/contracts/"+c.ID+"/send", map[string]any{}); err != nil {
					return err
				}
			}
			return printJSON(cmd, out)
		},
	}
	f := create.Flags()
	f.StringVar(&title, "title", "", "the contract's title (off chain)")
	f.StringVar(&file, "file", "", "the PDF to sign (give each --party an @area)")
	f.StringVar(&tmpl, "template", "", "a built-in template: service_agreement, loan_note (see wf template show ID)")
	f.StringArrayVar(&fields, "field", nil, "a template field, key=value (repeat)")
	f.StringArrayVar(&parties, "party", nil, "a party: IDENTITY_ID[:ROLE][@PAGE,X,Y,W,H], in signing order (repeat). With --template, ROLE is one of the template's roles (e.g. borrower, lender) and the party signs in that role's area; with --file, ROLE is a free label and @area (PDF points from the bottom left) is required")
	f.StringVar(&order, "order", "sequential", "sequential or parallel")
	f.StringVar(&deadline, "deadline", "", "RFC 3339 deadline (optional)")
	f.BoolVar(&send, "send", false, "send at once and print the signing links")

	byID := func(use, short, method, suffix string) *cobra.Command {
		return &cobra.Command{
			Use:   use + " ID",
			Short: short,
			Args:  cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				var out []byte
				var err error
				if method == http.MethodPost {
					out, err = w.postJSON(cmd.Context(), "/v1/wf/contracts/"+args[0]+suffix, map[string]any{})
				} else {
					out, err = w.call(cmd.Context(), method, "/v1/wf/contracts/"+args[0]+suffix, "", nil)
				}
				if err != nil {
					return err
				}
				return printJSON(cmd, out)
			},
		}
	}
	cmd.AddCommand(create,
		byID("send", "Send a contract: prints the signing links", http.MethodPost, "/send"),
		byID("status", "A contract's status, parties and chain records", http.MethodGet, ""),
		byID("remind", "Send the link again to the parties whose turn it is", http.MethodPost, "/remind"))
	return cmd
}

func newWFOutboxCmd(w *wfAPI) *cobra.Command {
	var channel string
	var limit int
	cmd := &cobra.Command{
		Use:   "outbox",
		Short: "Messages waiting for the SMS / e-mail gateway (development: the SMS codes)",
		RunE: func(cmd *cobra.Command, _ []string) error {
			out, err := w.call(cmd.Context(), http.MethodGet, fmt.Sprintf("/v1/wf/outbox?channel=%s&limit=%d", channel, limit), "", nil)
			if err != nil {
				return err
			}
			return printJSON(cmd, out)
		},
	}
	cmd.Flags().StringVar(&channel, "channel", "sms", "sms or email")
	cmd.Flags().IntVar(&limit, "limit", 100, "at most this many")
	return cmd
}
