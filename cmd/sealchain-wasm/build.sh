#!/bin/sh
# build.sh OUT: builds the browser verifier (GOOS=js GOARCH=wasm) into OUT.
#
# The evidence package reaches github.com/cockroachdb/pebble through
# chain (store.go, snapshot.go) and chain/merklelog (log.go), and pebble
# v1.1.2 does not compile for js/wasm. Without touching go.mod, this builds
# with a throw-away copy of go.mod whose replace directive points pebble at a
# copy patched with _overlay/*.go (stubs that are never called: the
# verifier opens no database). The curve25519-voi package that CometBFT's
# ed25519 uses needs the force64bit tag on wasm.
set -eu
GO=${GO:-go}
out=$1
case $out in /*) ;; *) out=$(pwd)/$out ;; esac
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"
tmp=$(mktemp -d)
# The patched copy lives at a fixed path inside the module (ignored by ./...
# because of the leading underscore) so that the module's replace path, which
# Go records in the binary, is the same on every machine: the build is
# reproducible and web_test.go compares it with the committed file.
patched=cmd/sealchain-wasm/_pebble
cleanup() { chmod -R u+w "$tmp" "$patched" 2>/dev/null || true; rm -rf "$tmp" "$patched"; }
trap cleanup EXIT
rm -rf "$patched"
pebble=$("$GO" list -m -f '{{.Dir}}' github.com/cockroachdb/pebble)
version=$("$GO" list -m -f '{{.Version}}' github.com/cockroachdb/pebble)
mkdir -p "$patched"
(cd "$pebble" && find . -name '*.go' ! -name '*_test.go' ! -path '*/testdata/*' -o -name go.mod) |
	while read -r f; do
		mkdir -p "$patched/$(dirname "$f")"
		cp "$pebble/$f" "$patched/$f"
	done
chmod -R u+w "$patched"
cp "$here/_overlay/pebble_vfs_js.go" "$patched/vfs/sealchain_js.go"
cp "$here/_overlay/pebble_rawalloc_wasm.go" "$patched/internal/rawalloc/sealchain_wasm.go"
cp "$here/_overlay/pebble_manual_wasm.go" "$patched/internal/manual/sealchain_wasm.go"
# An alternate go.mod (-modfile) adds the replace; the real go.mod is untouched.
cp go.mod "$tmp/go.mod"
cp go.sum "$tmp/go.sum"
printf '\nreplace github.com/cockroachdb/pebble %s => %s\n' "$version" "./$patched" >>"$tmp/go.mod"
# Plain `GOOS=js GOARCH=wasm go vet ./cmd/sealchain-wasm` fails on pebble and
# curve25519-voi for the reasons above; vet here, in the same environment.
GOOS=js GOARCH=wasm GOFLAGS= GOWORK=off \
	"$GO" vet -modfile="$tmp/go.mod" -tags force64bit ./cmd/sealchain-wasm
GOOS=js GOARCH=wasm GOFLAGS= GOWORK=off \
	"$GO" build -modfile="$tmp/go.mod" -trimpath -buildvcs=false -tags force64bit -ldflags='-s -w' -o "$out" ./cmd/sealchain-wasm
chmod 0644 "$out"
