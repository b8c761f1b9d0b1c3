//go:build tools

// Package tools pins the Hyperledger Fabric release whose binaries the
// Fabric test builds from source (peer, orderer, configtxgen, cryptogen,
// osnadmin). It is its own module so Fabric's dependencies stay out of the
// node's.
package tools

import (
	_ "github.com/hyperledger/fabric/cmd/configtxgen"
	_ "github.com/hyperledger/fabric/cmd/cryptogen"
	_ "github.com/hyperledger/fabric/cmd/orderer"
	_ "github.com/hyperledger/fabric/cmd/osnadmin"
	_ "github.com/hyperledger/fabric/cmd/peer"
)
