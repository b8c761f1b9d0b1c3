//go:build js && wasm

// Command sealchain-wasm is the offline evidence verifier compiled to
// WebAssembly for the node's verification page (GET /verify). It runs the
// same code as `sealchain verify`: evidence.ParseTrust, DecodeBundle,
// NewVerifier and Verifier.Verify, so a browser checks the file hash, the
// inclusion proofs and the validator and signer signatures itself and
// trusts the server for nothing. It does no network I/O: the page hands it
// bytes.
//
// It exports two functions on the JavaScript global object:
//
//	sealchainVerify(bundleJSON: string, genesisJSON: string, file: Uint8Array|null) -> string
//	    the JSON of an evidence.Result; a bundle or genesis that cannot be
//	    read gives a Result whose single failed check says why.
//	sealchainHashFile(file: Uint8Array) -> {sm3: string, sha256: string}
//	    hex digests of the file.
//	sealchainLabels() -> string
//	    the JSON of evidence.Labels(): the Chinese and English names of
//	    every record type, check and intent or identity method, the table
//	    the PDF report prints too.
//	sealchainVerifyDocument(pdf: Uint8Array, genesisJSON: string, issuanceJSON: string|null) -> string
//	    the JSON of a report.Result for an issued document (公证书, 司法鉴定意见书,
//	    存证证明, 验签报告 or evidence report): report.VerifyDocument with the
//	    issuance bundle, when given, as WithIssuance. Its checks are
//	    document_signature (report_signature for an evidence report),
//	    issuance_recorded, bundle_attached, bundle_verifies and facts_match;
//	    "kind" names the document. Unreadable input gives a Result whose
//	    single failed check says why.
//	sealchainVerifyOFD(ofd: Uint8Array, genesisJSON: string, at: string|null, bundleJSON: string|null) -> string
//	    the JSON of {report, on_chain, bundle_error} (`sealchain ofd verify
//	    --json`'s report, with the genesis organisations' CAs trusted) or
//	    {error} (ofd.go). With a bundle that verifies with the file, a seal
//	    whose signer recorded this exact file is checked at that block time
//	    (on_chain), as POST /v1/ofd/verify does.
//
// When they are installed it calls globalThis.sealchainReady(), if defined.
//
// Build it with `make wasm` (cmd/sealchain-wasm/build.sh), which writes
// node/web/sealchain.wasm.gz.
package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"syscall/js"
	"time"

	"github.com/emmansun/gmsm/sm3"

	"github.com/sealchain/sealchain/evidence"
	"github.com/sealchain/sealchain/evidence/report"
)

func main() {
	g := js.Global()
	g.Set("sealchainVerify", js.FuncOf(verifyJS))
	g.Set("sealchainHashFile", js.FuncOf(hashFileJS))
	g.Set("sealchainLabels", js.FuncOf(labelsJS))
	g.Set("sealchainVerifyDocument", js.FuncOf(verifyDocumentJS))
	g.Set("sealchainVerifyOFD", js.FuncOf(verifyOFDJS))
	if ready := g.Get("sealchainReady"); ready.Type() == js.TypeFunction {
		ready.Invoke()
	}
	select {} // keep the exported functions alive
}

// verifyJS is sealchainVerify(bundleJSON, genesisJSON, file|null).
func verifyJS(_ js.Value, args []js.Value) any {
	if len(args) < 2 {
		return failure("arguments", fmt.Errorf("sealchainVerify(bundleJSON, genesisJSON, file) needs at least 2 arguments, got %d", len(args)))
	}
	var file []byte
	if len(args) > 2 && !args[2].IsNull() && !args[2].IsUndefined() {
		file = bytesOf(args[2])
	}
	return verify([]byte(args[0].String()), []byte(args[1].String()), file)
}

// verify is the whole offline check, as `sealchain verify --json` does it.
func verify(bundleJSON, genesisJSON, file []byte) (out string) {
	defer func() {
		if r := recover(); r != nil {
			out = failure("verifier", fmt.Errorf("verifier panicked: %v", r))
		}
	}()
	trust, err := evidence.ParseTrust(genesisJSON)
	if err != nil {
		return failure("genesis", err)
	}
	b, err := evidence.DecodeBundle(bundleJSON)
	if err != nil {
		return failure("format", err)
	}
	v, err := evidence.NewVerifier(trust)
	if err != nil {
		return failure("genesis", err)
	}
	return encode(v.Verify(b, file))
}

// verifyDocumentJS is sealchainVerifyDocument(pdf, genesisJSON, issuanceJSON|null).
func verifyDocumentJS(_ js.Value, args []js.Value) any {
	if len(args) < 2 {
		return docFailure("arguments", fmt.Errorf("sealchainVerifyDocument(pdf, genesisJSON, issuanceJSON) needs at least 2 arguments, got %d", len(args)))
	}
	var issuance []byte
	if len(args) > 2 && !args[2].IsNull() && !args[2].IsUndefined() && args[2].String() != "" {
		issuance = []byte(args[2].String())
	}
	return verifyDocument(bytesOf(args[0]), []byte(args[1].String()), issuance, time.Now())
}

// verifyDocument is `sealchain verify --file DOC.pdf --issuance I --json`.
func verifyDocument(pdf, genesisJSON, issuanceJSON []byte, now time.Time) (out string) {
	defer func() {
		if r := recover(); r != nil {
			out = docFailure("verifier", fmt.Errorf("verifier panicked: %v", r))
		}
	}()
	trust, err := evidence.ParseTrust(genesisJSON)
	if err != nil {
		return docFailure("genesis", err)
	}
	var opts []report.VerifyOption
	if issuanceJSON != nil {
		ib, err := evidence.DecodeBundle(issuanceJSON)
		if err != nil {
			return docFailure(report.CheckIssuanceRecorded, fmt.Errorf("issuance bundle: %w", err))
		}
		opts = append(opts, report.WithIssuance(ib))
	}
	res, err := report.VerifyDocument(pdf, trust, now, opts...)
	if err != nil {
		return docFailure("arguments", err)
	}
	b, err := json.Marshal(res)
	if err != nil {
		return docFailure("encode", err)
	}
	return string(b)
}

func docFailure(name string, err error) string {
	b, _ := json.Marshal(&report.Result{Checks: []evidence.Check{{Name: name, Detail: err.Error()}}})
	return string(b)
}

// labelsJS is sealchainLabels(): one table of names for the page and the
// report, so neither shows a raw record type.
func labelsJS(_ js.Value, _ []js.Value) any {
	out, err := json.Marshal(evidence.Labels())
	if err != nil {
		return "{}"
	}
	return string(out)
}

// hashFileJS is sealchainHashFile(file).
func hashFileJS(_ js.Value, args []js.Value) any {
	if len(args) < 1 {
		return js.Null()
	}
	data := bytesOf(args[0])
	s3 := sm3.Sum(data)
	s2 := sha256.Sum256(data)
	return map[string]any{"sm3": hex.EncodeToString(s3[:]), "sha256": hex.EncodeToString(s2[:])}
}

func bytesOf(v js.Value) []byte {
	b := make([]byte, v.Get("length").Int())
	js.CopyBytesToGo(b, v)
	return b
}

// failure is a Result with one failed check.
func failure(name string, err error) string {
	return encode(&evidence.Result{Checks: []evidence.Check{{Name: name, Detail: err.Error()}}})
}

func encode(r *evidence.Result) string {
	if r.Records == nil {
		r.Records = []evidence.RecordInfo{}
	}
	out, err := json.Marshal(r)
	if err != nil {
		return fmt.Sprintf(`{"ok":false,"checks":[{"name":"encode","ok":false,"detail":%q}],"records":[]}`, err.Error())
	}
	return string(out)
}
