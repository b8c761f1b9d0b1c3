#!/bin/sh
# Packages the chaincode ($CC_BIN, the anchor chaincode unless set) as a service (metadata type ccaas, its
# address in connection.json), installs, starts, approves and commits it.
set -eu
. "$(dirname "$0")/common.sh"
cd "$RUN"; mkdir -p ccpkg
printf '{"address":"%s","dial_timeout":"10s","tls_required":false}\n' "$CC_ADDR" > ccpkg/connection.json
printf '{"type":"ccaas","label":"%s_1"}\n' "$CC_NAME" > ccpkg/metadata.json
tar -C ccpkg -czf ccpkg/code.tar.gz connection.json
tar -C ccpkg -czf "$CC_NAME.tgz" metadata.json code.tar.gz
peerAdminEnv
PKGID=$(peer lifecycle chaincode calculatepackageid "$CC_NAME.tgz")
peer lifecycle chaincode install "$CC_NAME.tgz" 2>>logs/peeradmin.log
echo "$PKGID" > ccid
CHAINCODE_ID=$PKGID CHAINCODE_SERVER_ADDRESS=$CC_ADDR "$CC_BIN" >> logs/chaincode.log 2>&1 &
echo $! > chaincode.pid
OPTS="-o 127.0.0.1:$ORDERER_PORT --tls --cafile $ORDERER_CA --channelID $CHANNEL --name $CC_NAME --version 1 --sequence 1"
peer lifecycle chaincode approveformyorg $OPTS --package-id "$PKGID" 2>>logs/peeradmin.log
peer lifecycle chaincode commit $OPTS --peerAddresses "127.0.0.1:$PEER_PORT" --tlsRootCertFiles "$PEER/tls/ca.crt" 2>>logs/peeradmin.log
peer lifecycle chaincode querycommitted --channelID "$CHANNEL" --name "$CC_NAME" >/dev/null
echo "chaincode $CC_NAME committed ($PKGID)"
