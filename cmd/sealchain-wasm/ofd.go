//go:build js && wasm

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"syscall/js"
	"time"

	"github.com/emmansun/gmsm/smx509"

	"github.com/sealchain/sealchain/evidence"
	"github.com/sealchain/sealchain/signer/ofd"
)

// ofdAnswer is what sealchainVerifyOFD returns: the report of `sealchain
// ofd verify --json`, or why there is none.
type ofdAnswer struct {
	Report *ofd.Report `json:"report,omitempty"`
	Error  string      `json:"error,omitempty"`
}

// verifyOFDJS is sealchainVerifyOFD(ofd: Uint8Array, genesisJSON: string,
// at: string|null) -> string: the JSON of {report} (docs/schema/
// ofd-verify.schema.json#/$defs/report) or {error}. The trusted CAs, for
// signers and seal makers, are the genesis organisations'; at (RFC 3339),
// when given, is the time every signature is checked at, otherwise each
// signature's claimed time.
func verifyOFDJS(_ js.Value, args []js.Value) any {
	if len(args) < 2 {
		return ofdError(fmt.Errorf("sealchainVerifyOFD(ofd, genesisJSON, at) needs at least 2 arguments, got %d", len(args)))
	}
	var at time.Time
	if len(args) > 2 && args[2].Type() == js.TypeString && args[2].String() != "" {
		t, err := time.Parse(time.RFC3339, args[2].String())
		if err != nil {
			return ofdError(fmt.Errorf("at: %w", err))
		}
		at = t
	}
	return verifyOFD(bytesOf(args[0]), []byte(args[1].String()), at)
}

func verifyOFD(data, genesisJSON []byte, at time.Time) (out string) {
	defer func() {
		if r := recover(); r != nil {
			out = ofdError(fmt.Errorf("verifier panicked: %v", r))
		}
	}()
	trust, err := evidence.ParseTrust(genesisJSON)
	if err != nil {
		return ofdError(fmt.Errorf("genesis: %w", err))
	}
	var roots []*smx509.Certificate
	for _, o := range trust.Orgs {
		c, err := smx509.ParseCertificate(o.CACert)
		if err != nil {
			return ofdError(fmt.Errorf("genesis organisation %s: %w", o.ID, err))
		}
		roots = append(roots, c)
	}
	rep, err := ofd.Verify(context.Background(), data, ofd.VerifyOptions{SealRoots: roots, SignerRoots: roots, At: at})
	if err != nil {
		return ofdError(err)
	}
	b, err := json.Marshal(ofdAnswer{Report: rep})
	if err != nil {
		return ofdError(err)
	}
	return string(b)
}

func ofdError(err error) string {
	b, _ := json.Marshal(ofdAnswer{Error: err.Error()})
	return string(b)
}
