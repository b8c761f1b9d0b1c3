#!/bin/sh
# Creates a one-orderer (etcdraft), one-peer (Org1MSP) network under $RUN,
# starts both as plain processes on 127.0.0.1 and joins them to $CHANNEL.
set -eu
. "$(dirname "$0")/common.sh"
SRC=$(fabricSrc)
[ -d "$SRC/sampleconfig" ] || { echo "fabric module source not found ($SRC)"; exit 1; }
rm -rf "$RUN"; mkdir -p "$RUN/config" "$RUN/logs" "$RUN/data"
cd "$RUN"
cp "$SRC/sampleconfig/orderer.yaml" config/
chmod -R u+w config
# The peer uses our chaincode-as-a-service builder (copied, so its scripts
# are executable whatever the checkout did to file modes); no Docker.
cp -r "$HERE/builders" "$RUN/builders" && chmod +x "$RUN"/builders/ccaas/bin/*
sed -e "s|path: /opt/hyperledger/ccaas_builder|path: $RUN/builders/ccaas|" \
    -e "s|endpoint: unix:///var/run/docker.sock|endpoint: \"\"|" \
    "$SRC/sampleconfig/core.yaml" > config/core.yaml
sed -e "s/@ORDERER_PORT@/$ORDERER_PORT/g" -e "s/@PEER_PORT@/$PEER_PORT/g" -e "s/@BATCH_TIMEOUT@/$BATCH_TIMEOUT/g" \
    -e "s/@BATCH_MAX_COUNT@/$BATCH_MAX_COUNT/g" -e "s/@BATCH_PREFERRED_BYTES@/$BATCH_PREFERRED_BYTES/g" "$HERE/configtx.yaml" > configtx.yaml
cp "$HERE/crypto-config.yaml" .
# fabric-sdk-go v1.0.0 cannot load an MSP whose CA certificate has a high-S
# ECDSA signature (about half of all CAs): regenerate until none has.
n=0; while :; do
  rm -rf crypto-config; cryptogen generate --config=crypto-config.yaml --output=crypto-config >/dev/null
  n=$((n+1)); sealchain-fabricsdk check-ca crypto-config >/dev/null && break
  [ $n -ge 64 ] && { echo "no low-S CAs after $n tries"; exit 1; }
done
echo "crypto material: $n generation(s) for low-S CAs"
FABRIC_CFG_PATH=$RUN configtxgen -profile OneOrgRaft -outputBlock channel.block -channelID "$CHANNEL" 2>logs/configtxgen.log
"$HERE/net-start.sh"
osnadmin channel join --channelID "$CHANNEL" --config-block channel.block -o "127.0.0.1:$ADMIN_PORT" >logs/osnadmin.log
i=0; until osnadmin channel list --channelID "$CHANNEL" -o "127.0.0.1:$ADMIN_PORT" | grep -q '"status": "active"'; do
  i=$((i+1)); [ $i -gt 150 ] && { echo "orderer channel not active"; exit 1; }; sleep 0.2; done
peerAdminEnv
# The peer's health endpoint can answer before its gRPC port does: retry.
i=0; until peer channel join -b channel.block 2>>logs/peeradmin.log; do
  i=$((i+1)); [ $i -ge 25 ] && { echo "peer did not join $CHANNEL"; exit 1; }; sleep 0.2; done
echo "network up: channel=$CHANNEL orderer=127.0.0.1:$ORDERER_PORT peer=127.0.0.1:$PEER_PORT"
