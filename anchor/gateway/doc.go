// Package gateway is an anchor.Ledger over the Fabric Gateway service
// (github.com/hyperledger/fabric-gateway), for Fabric 2.4 and later.
//
// PutAnchor endorses and submits PutAnchor through the peer's gateway and
// waits for the commit status, which gives the block number. GetAnchor
// evaluates GetAnchor and then asks the peer's qscc system chaincode for the
// transaction (it must be VALID) and the block that holds it, so a receipt
// read back is checked against the channel's own ledger, not only against
// chaincode state.
package gateway
