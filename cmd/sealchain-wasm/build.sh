#!/bin/sh
# build.sh OUT: builds the browser verifier (GOOS=js GOARCH=wasm) into OUT.
#
# The packages the verifier imports build for js as they are, without build
# tags: the pebble store is in packages it does not import (chain/store,
# chain/merklelog/pebblelog, evidence/assemble). The
# curve25519-voi package that CometBFT's ed25519 uses needs its force64bit
# tag on wasm (it picks its field arithmetic by word size and knows no wasm).
# -trimpath and -buildvcs=false make the build reproducible.
set -eu
GO=${GO:-go}
out=$1
case $out in /*) ;; *) out=$(pwd)/$out ;; esac
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/../.."
GOOS=js GOARCH=wasm GOFLAGS= GOWORK=off "$GO" vet -tags force64bit ./cmd/sealchain-wasm
GOOS=js GOARCH=wasm GOFLAGS= GOWORK=off \
	"$GO" build -trimpath -buildvcs=false -tags force64bit -ldflags='-s -w' -o "$out" ./cmd/sealchain-wasm
chmod 0644 "$out"
