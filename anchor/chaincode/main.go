// Command chaincode is the Sealchain anchor chaincode, run as a service
// (chaincode-as-a-service): the peer dials CHAINCODE_SERVER_ADDRESS.
//
// It keeps, per Sealchain chain id, an append-only list of checkpoints:
//
//	PutAnchor(record JSON)          store a checkpoint; refuses a height at or below the latest
//	GetAnchor(chain id, height)     the checkpoint at that height
//	Latest(chain id)                the newest checkpoint
//	History(chain id, after, limit) up to limit checkpoints above height after, in height order
//
// It is its own module: the chaincode runs as its own process and its
// dependencies (fabric-chaincode-go) have nothing to do with the node's.
package main

import (
	"log"
	"os"

	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
)

func main() {
	srv := &shim.ChaincodeServer{
		CCID:     os.Getenv("CHAINCODE_ID"),             // package id from `peer lifecycle chaincode calculatepackageid`
		Address:  os.Getenv("CHAINCODE_SERVER_ADDRESS"), // host:port, as in the package's connection.json
		CC:       Contract{},
		TLSProps: shim.TLSProperties{Disabled: os.Getenv("CHAINCODE_TLS_DISABLED") != "false"},
	}
	if srv.CCID == "" || srv.Address == "" {
		log.Fatal("set CHAINCODE_ID and CHAINCODE_SERVER_ADDRESS")
	}
	log.Printf("sealchain anchor chaincode listening on %s", srv.Address)
	if err := srv.Start(); err != nil {
		log.Fatal(err)
	}
}
