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

	"github.com/emmansun/gmsm/sm3"

	"github.com/sealchain/sealchain/evidence"
)

func main() {
	g := js.Global()
	g.Set("sealchainVerify", js.FuncOf(verifyJS))
	g.Set("sealchainHashFile", js.FuncOf(hashFileJS))
	g.Set("sealchainLabels", js.FuncOf(labelsJS))
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
