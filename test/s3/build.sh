#!/bin/sh
# Builds SeaweedFS's weed (a real S3-compatible server for make test-s3)
# from source at the version pinned in tools/go.mod, once per version into
# $BIN, a cache outside the repo kept between runs (like the Fabric
# binaries). Prints the binary's path. weed is a test tool only: it is not
# shipped with Sealchain.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${SEALCHAIN_S3_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/sealchain-s3}
VERSION=$(sed -n 's|^require github.com/seaweedfs/seaweedfs \(.*\)$|\1|p' "$HERE/tools/go.mod")
BIN=${BIN:-$CACHE/$VERSION/bin}
if [ ! -x "$BIN/weed" ]; then
	mkdir -p "$BIN"
	s=$(date +%s)
	cd "$HERE/tools"
	GOFLAGS="${GOFLAGS:-} -buildvcs=false" nice -n 10 go build -trimpath -o "$BIN/weed.tmp" github.com/seaweedfs/seaweedfs/weed
	mv "$BIN/weed.tmp" "$BIN/weed"
	echo "  [$(( $(date +%s) - s ))s] built weed $VERSION" >&2
fi
echo "$BIN/weed"
