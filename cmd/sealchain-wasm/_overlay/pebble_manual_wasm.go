//go:build wasm

// Added to github.com/cockroachdb/pebble/internal/manual by build.sh:
// pebble v1.1.2 lists no wasm array limit.

package manual

// MaxArrayLen is the largest array length on 64-bit wasm.
const MaxArrayLen = 1<<50 - 1
