//go:build js && wasm

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"syscall/js"
	"time"

	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/smx509"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/evidence"
	"github.com/sealchain/sealchain/signer/ofd"
)

// ofdAnswer is what sealchainVerifyOFD returns: the report of `sealchain
// ofd verify --json`, or why there is none.
type ofdAnswer struct {
	Report *ofd.Report `json:"report,omitempty"`
	// OnChain are the signatures checked at a block time, as
	// POST /v1/ofd/verify's on_chain: a contract_signed record of this
	// exact file, proved by the bundle, by the signature's signer.
	OnChain []ofdOnChain `json:"on_chain,omitempty"`
	// BundleError says why a bundle given gave no block times.
	BundleError string `json:"bundle_error,omitempty"`
	Error       string `json:"error,omitempty"`
}

// ofdOnChain is the record whose block time a signature was checked at.
type ofdOnChain struct {
	Signature  int       `json:"signature"`
	LogIndex   uint64    `json:"log_index"`
	Height     int64     `json:"height"`
	BlockTime  time.Time `json:"block_time"`
	ContractID string    `json:"contract_id"`
	TxHash     string    `json:"tx_hash"`
}

// verifyOFDJS is sealchainVerifyOFD(ofd: Uint8Array, genesisJSON: string,
// at: string|null, bundleJSON: string|null) -> string: the JSON of
// {report, on_chain, bundle_error} (report: docs/schema/
// ofd-verify.schema.json#/$defs/report) or {error}. The trusted CAs, for
// signers and seal makers, are the genesis organisations'. at (RFC 3339),
// when given, is the time every signature is checked at. Otherwise, when
// bundleJSON is an evidence bundle that verifies with this file, a
// signature whose signer's contract_signed record names this file
// (signed_doc_sm3) is checked at that record's block time, as POST
// /v1/ofd/verify does; every other signature at the time it claims.
func verifyOFDJS(_ js.Value, args []js.Value) any {
	if len(args) < 2 {
		return ofdError(fmt.Errorf("sealchainVerifyOFD(ofd, genesisJSON, at, bundleJSON) needs at least 2 arguments, got %d", len(args)))
	}
	var at time.Time
	if len(args) > 2 && args[2].Type() == js.TypeString && args[2].String() != "" {
		t, err := time.Parse(time.RFC3339, args[2].String())
		if err != nil {
			return ofdError(fmt.Errorf("at: %w", err))
		}
		at = t
	}
	var bundle []byte
	if len(args) > 3 && args[3].Type() == js.TypeString && args[3].String() != "" {
		bundle = []byte(args[3].String())
	}
	return verifyOFD(bytesOf(args[0]), []byte(args[1].String()), at, bundle)
}

func verifyOFD(data, genesisJSON []byte, at time.Time, bundleJSON []byte) (out string) {
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
	var ans ofdAnswer
	opts := ofd.VerifyOptions{SealRoots: roots, SignerRoots: roots, At: at}
	var times map[string]ofdOnChain
	if at.IsZero() && bundleJSON != nil {
		times, err = blockTimes(bundleJSON, trust, data)
		if err != nil {
			ans.BundleError = err.Error()
		}
		opts.SigningTimeOf = func(s *ofd.SignatureReport) (time.Time, bool) {
			if s.SignedBy == nil {
				return time.Time{}, false
			}
			f, ok := times[s.SignedBy.Fingerprint]
			return f.BlockTime, ok
		}
	}
	rep, err := ofd.Verify(context.Background(), data, opts)
	if err != nil {
		return ofdError(err)
	}
	ans.Report = rep
	for _, s := range rep.Signatures {
		if s.SignedBy == nil || s.SigningTimeSource != ofd.TimeFromCaller {
			continue
		}
		if f, ok := times[s.SignedBy.Fingerprint]; ok {
			f.Signature = s.Index
			ans.OnChain = append(ans.OnChain, f)
		}
	}
	b, err := json.Marshal(ans)
	if err != nil {
		return ofdError(err)
	}
	return string(b)
}

func ofdError(err error) string {
	b, _ := json.Marshal(ofdAnswer{Error: err.Error()})
	return string(b)
}

// blockTimes are the contract_signed records of the file (signed_doc_sm3 =
// its SM3) in a bundle that verifies with the file against the genesis, by
// signer certificate fingerprint, the earliest for each: the records
// POST /v1/ofd/verify takes from its store, here proved by the bundle, so
// the page trusts the node for nothing.
func blockTimes(bundleJSON []byte, trust *evidence.Trust, file []byte) (map[string]ofdOnChain, error) {
	b, err := evidence.DecodeBundle(bundleJSON)
	if err != nil {
		return nil, fmt.Errorf("bundle: %w", err)
	}
	v, err := evidence.NewVerifier(trust)
	if err != nil {
		return nil, fmt.Errorf("genesis: %w", err)
	}
	res := v.Verify(b, file)
	if !res.OK {
		var failed []string
		for _, c := range res.Checks {
			if !c.OK {
				failed = append(failed, c.Name)
			}
		}
		return nil, fmt.Errorf("the bundle does not verify with this file (%s): no block times", strings.Join(failed, ", "))
	}
	verified := map[uint64]bool{}
	for _, r := range res.Records {
		verified[r.Index] = true
	}
	sum := sm3.Sum(file)
	out := map[string]ofdOnChain{}
	for _, r := range b.Records {
		if !verified[r.Index] {
			continue
		}
		en, err := chain.DecodeEntry(r.Leaf)
		if err != nil {
			continue
		}
		tx, err := chain.DecodeRecord(en.Tx)
		if err != nil {
			continue
		}
		cs, ok := tx.Body.(*chain.ContractSigned)
		if !ok || tx.Actor == nil || !bytes.Equal(cs.SignedDocSM3, sum[:]) {
			continue
		}
		fp := tx.Actor.Cert.String()
		if f, seen := out[fp]; seen && f.LogIndex <= en.Index {
			continue
		}
		out[fp] = ofdOnChain{LogIndex: en.Index, Height: en.Height, BlockTime: en.Time, ContractID: cs.Contract, TxHash: chain.TxHash(en.Tx).String()}
	}
	if len(out) == 0 {
		return nil, errors.New("the bundle has no contract_signed record of this file")
	}
	return out, nil
}
