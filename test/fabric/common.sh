# Shared settings of the Fabric test scripts (sourced). Every path and port
# can be set from the environment; the Go test (fabric_test.go) sets the
# ports from internal/testport so runs do not collide.
HERE=$(cd "$(dirname "$0")" && pwd)
RUN=${RUN:-$PWD/fabric-run}
CACHE=${SEALCHAIN_FABRIC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/sealchain-fabric}
# The pinned Fabric version is the one in tools/go.mod (v2.5 branch, 2024-06-18).
FABRIC_VERSION=$(sed -n 's|^require github.com/hyperledger/fabric \(.*\)$|\1|p' "$HERE/tools/go.mod")
BIN=${BIN:-$CACHE/$FABRIC_VERSION/bin}
CHANNEL=${CHANNEL:-anchorchannel}
CC_NAME=${CC_NAME:-anchor}
ORDERER_PORT=${ORDERER_PORT:-7050}
ADMIN_PORT=${ADMIN_PORT:-7053}
ORDERER_OPS_PORT=${ORDERER_OPS_PORT:-8443}
PEER_PORT=${PEER_PORT:-7051}
PEER_CC_PORT=${PEER_CC_PORT:-7052}
PEER_OPS_PORT=${PEER_OPS_PORT:-9443}
CC_PORT=${CC_PORT:-9999}
CC_ADDR=127.0.0.1:$CC_PORT
# The chaincode server binary (in $BIN) cc-deploy.sh and net-start.sh run;
# bench-fabric runs the evidence chaincode instead.
CC_BIN=${CC_BIN:-sealchain-anchorcc}
# The orderer's block cutting (configtx.yaml); bench-fabric sets its own.
BATCH_TIMEOUT=${BATCH_TIMEOUT:-200ms}
BATCH_MAX_COUNT=${BATCH_MAX_COUNT:-10}
BATCH_PREFERRED_BYTES=${BATCH_PREFERRED_BYTES:-512 KB}
export PATH=$BIN:$PATH
CRYPTO=$RUN/crypto-config
ORD=$CRYPTO/ordererOrganizations/example.com/orderers/orderer.example.com
PEER=$CRYPTO/peerOrganizations/org1.example.com/peers/peer0.org1.example.com
ADMIN_MSP=$CRYPTO/peerOrganizations/org1.example.com/users/Admin@org1.example.com/msp
ORDERER_CA=$ORD/tls/ca.crt

fabricSrc() { (cd "$HERE/tools" && go list -m -f '{{.Dir}}' github.com/hyperledger/fabric); }

waitHealthz() { # port timeout_s
  i=0; while [ "$(curl -s "http://127.0.0.1:$1/healthz" | jq -r .status 2>/dev/null)" != OK ]; do
    i=$((i+1)); [ $i -gt $(( $2 * 5 )) ] && { echo "healthz :$1 not OK"; curl -s "http://127.0.0.1:$1/healthz"; return 1; }; sleep 0.2; done; }

peerAdminEnv() {
  export FABRIC_CFG_PATH=$RUN/config FABRIC_LOGGING_SPEC=WARN
  export CORE_PEER_TLS_ENABLED=true CORE_PEER_TLS_ROOTCERT_FILE=$PEER/tls/ca.crt
  export CORE_PEER_ADDRESS=127.0.0.1:$PEER_PORT CORE_PEER_LOCALMSPID=Org1MSP CORE_PEER_MSPCONFIGPATH=$ADMIN_MSP
}
