#!/bin/sh
# Starts (or restarts, keeping their ledgers) the orderer and the peer of the
# network under $RUN, and the chaincode when it was deployed; waits until
# they are healthy.
set -eu
. "$(dirname "$0")/common.sh"
cd "$RUN"
( export FABRIC_CFG_PATH=$RUN/config FABRIC_LOGGING_SPEC=${ORDERER_LOG:-WARN}
  export ORDERER_GENERAL_LISTENADDRESS=127.0.0.1 ORDERER_GENERAL_LISTENPORT=$ORDERER_PORT
  export ORDERER_GENERAL_LOCALMSPID=OrdererMSP ORDERER_GENERAL_LOCALMSPDIR=$ORD/msp
  export ORDERER_GENERAL_TLS_ENABLED=true ORDERER_GENERAL_TLS_PRIVATEKEY=$ORD/tls/server.key
  export ORDERER_GENERAL_TLS_CERTIFICATE=$ORD/tls/server.crt ORDERER_GENERAL_TLS_ROOTCAS=$ORD/tls/ca.crt
  export ORDERER_GENERAL_BOOTSTRAPMETHOD=none ORDERER_CHANNELPARTICIPATION_ENABLED=true
  export ORDERER_FILELEDGER_LOCATION=$RUN/data/orderer
  export ORDERER_CONSENSUS_WALDIR=$RUN/data/orderer/etcdraft/wal ORDERER_CONSENSUS_SNAPDIR=$RUN/data/orderer/etcdraft/snap
  export ORDERER_OPERATIONS_LISTENADDRESS=127.0.0.1:$ORDERER_OPS_PORT ORDERER_ADMIN_LISTENADDRESS=127.0.0.1:$ADMIN_PORT
  exec orderer ) >> logs/orderer.log 2>&1 &
echo $! > orderer.pid
( export FABRIC_CFG_PATH=$RUN/config FABRIC_LOGGING_SPEC=${PEER_LOG:-WARN}
  export CORE_PEER_TLS_ENABLED=true CORE_PEER_TLS_CERT_FILE=$PEER/tls/server.crt
  export CORE_PEER_TLS_KEY_FILE=$PEER/tls/server.key CORE_PEER_TLS_ROOTCERT_FILE=$PEER/tls/ca.crt
  export CORE_PEER_ID=peer0.org1.example.com CORE_PEER_ADDRESS=127.0.0.1:$PEER_PORT CORE_PEER_LISTENADDRESS=127.0.0.1:$PEER_PORT
  export CORE_PEER_CHAINCODEADDRESS=127.0.0.1:$PEER_CC_PORT CORE_PEER_CHAINCODELISTENADDRESS=127.0.0.1:$PEER_CC_PORT
  export CORE_PEER_GOSSIP_BOOTSTRAP=127.0.0.1:$PEER_PORT CORE_PEER_GOSSIP_EXTERNALENDPOINT=127.0.0.1:$PEER_PORT
  export CORE_PEER_LOCALMSPID=Org1MSP CORE_PEER_MSPCONFIGPATH=$PEER/msp
  export CORE_OPERATIONS_LISTENADDRESS=127.0.0.1:$PEER_OPS_PORT
  export CORE_PEER_FILESYSTEMPATH=$RUN/data/peer CORE_LEDGER_SNAPSHOTS_ROOTDIR=$RUN/data/peer/snapshots
  exec peer node start ) >> logs/peer.log 2>&1 &
echo $! > peer.pid
if [ -f ccid ]; then
  CHAINCODE_ID=$(cat ccid) CHAINCODE_SERVER_ADDRESS=$CC_ADDR "$CC_BIN" >> logs/chaincode.log 2>&1 &
  echo $! > chaincode.pid
fi
waitHealthz "$ORDERER_OPS_PORT" 60
waitHealthz "$PEER_OPS_PORT" 60
