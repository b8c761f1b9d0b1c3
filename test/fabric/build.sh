#!/bin/sh
# Builds the Fabric binaries (peer, orderer, configtxgen, cryptogen,
# osnadmin) from source at the version pinned in tools/go.mod, once per
# version into $BIN (a cache outside the repo, kept between runs), and the
# anchor chaincode, the evidence chaincode of bench-fabric and the fabric-sdk
# helper (always: the Go build cache makes that quick).
set -eu
. "$(dirname "$0")/common.sh"
mkdir -p "$BIN"
export GOFLAGS="${GOFLAGS:-} -buildvcs=false"
t() { s=$(date +%s); "$@"; echo "  [$(( $(date +%s) - s ))s] $*" >&2; }
cd "$HERE/tools"
t go mod download github.com/hyperledger/fabric
for c in peer orderer configtxgen cryptogen osnadmin; do
  [ -x "$BIN/$c" ] && continue
  t go build -trimpath -o "$BIN/$c.tmp" "github.com/hyperledger/fabric/cmd/$c"
  mv "$BIN/$c.tmp" "$BIN/$c"
done
ROOT=$(cd "$HERE/../.." && pwd)
cd "$ROOT/anchor/chaincode" && t go build -o "$BIN/sealchain-anchorcc" .
cd "$ROOT/anchor/fabricsdk" && t go build -o "$BIN/sealchain-fabricsdk" .
cd "$HERE/evidencecc" && t go build -o "$BIN/sealchain-evidencecc" .
