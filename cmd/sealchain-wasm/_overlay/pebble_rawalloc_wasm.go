//go:build wasm

// Added to github.com/cockroachdb/pebble/internal/rawalloc by build.sh:
// pebble v1.1.2 lists no wasm array limit.

package rawalloc

const maxArrayLen = 1<<50 - 1
