// Command sealchain-fabricsdk anchors Sealchain checkpoints on Fabric 1.4 and
// 2.2 networks (no Gateway service) with fabric-sdk-go v1.0.0. The node and
// `sealchain verify` run it as a helper process (anchor/fabricsdkexec):
//
//	sealchain-fabricsdk put -profile P < record.json   submit PutAnchor, print the receipt
//	sealchain-fabricsdk get -profile P -chain ID -height H
//	sealchain-fabricsdk check-ca DIR                   exit 1 if a signing CA under DIR has a high-S signature
//
// Output is one JSON object on stdout: {"record": {...}, "block": N} or
// {"error": {"kind": "...", "message": "..."}} with exit status 1.
//
// It is its own Go module because fabric-sdk-go's protos (fabric-protos-go)
// and fabric-gateway's (fabric-protos-go-apiv2) register the same message
// names: one binary with both panics at start-up (docs/anchoring.md).
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
)

// Error kinds the caller branches on.
const (
	kindNotFound       = "not_found"
	kindNotAfterLatest = "not_after_latest"
	kindHighSCA        = "high_s_ca"
	kindUsage          = "usage"
	kindOther          = "other"
)

type output struct {
	Record json.RawMessage `json:"record,omitempty"`
	Block  uint64          `json:"block,omitempty"`
	Error  *outError       `json:"error,omitempty"`
}

type outError struct {
	Kind    string `json:"kind"`
	Message string `json:"message"`
}

type kindError struct {
	kind string
	err  error
}

func (e *kindError) Error() string { return e.err.Error() }
func (e *kindError) Unwrap() error { return e.err }

func main() {
	// fabric-sdk-go logs to stdout; keep stdout for the answer.
	out := os.Stdout
	os.Stdout = os.Stderr
	os.Exit(run(os.Args[1:], os.Stdin, out))
}

func run(args []string, stdin io.Reader, stdout io.Writer) int {
	out, err := dispatch(args, stdin)
	if err != nil {
		kind := kindOther
		if ke, ok := err.(*kindError); ok {
			kind = ke.kind
		}
		out = &output{Error: &outError{Kind: kind, Message: err.Error()}}
	}
	if out != nil {
		json.NewEncoder(stdout).Encode(out)
	}
	if err != nil {
		return 1
	}
	return 0
}

func dispatch(args []string, stdin io.Reader) (*output, error) {
	if len(args) == 0 {
		return nil, &kindError{kindUsage, fmt.Errorf("usage: sealchain-fabricsdk put|get|check-ca ...")}
	}
	fs := flag.NewFlagSet(args[0], flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	profile := fs.String("profile", "", "connection profile with a sealchain section")
	chainID := fs.String("chain", "", "Sealchain chain id (get)")
	height := fs.Uint64("height", 0, "checkpoint height (get)")
	timeout := fs.Duration("timeout", 0, "bound for the whole call (0: 60s)")
	if err := fs.Parse(args[1:]); err != nil {
		return nil, &kindError{kindUsage, err}
	}
	switch args[0] {
	case "check-ca":
		if fs.NArg() != 1 {
			return nil, &kindError{kindUsage, fmt.Errorf("check-ca DIR")}
		}
		bad, err := highSCAs(fs.Arg(0))
		if err != nil {
			return nil, err
		}
		if len(bad) > 0 {
			return nil, &kindError{kindHighSCA, fmt.Errorf("signing CA certificates with a high-S ECDSA signature: %v", bad)}
		}
		return nil, nil
	case "put", "get":
	default:
		return nil, &kindError{kindUsage, fmt.Errorf("unknown command %q", args[0])}
	}
	c, err := connect(*profile, *timeout)
	if err != nil {
		return nil, err
	}
	defer c.close()
	if args[0] == "put" {
		b, err := io.ReadAll(io.LimitReader(stdin, 1<<16))
		if err != nil {
			return nil, err
		}
		return c.put(b)
	}
	if *chainID == "" || *height == 0 {
		return nil, &kindError{kindUsage, fmt.Errorf("get needs -chain and -height")}
	}
	return c.get(*chainID, *height)
}
