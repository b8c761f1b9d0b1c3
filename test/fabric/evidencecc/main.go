// Command evidencecc is the evidence chaincode of `make bench-fabric`, run
// as a service (chaincode-as-a-service) like the anchor chaincode: the peer
// dials CHAINCODE_SERVER_ADDRESS.
//
// It stores what Sealchain stores for a contract_signed record and does the
// same signature work per record, so that the benchmark compares like with
// like:
//
//	RegisterSigner(cert DER, hex)   store an SM2 signer certificate under its SM3 fingerprint
//	PutEvidence(contract, doc SM3, signer fp, intent ref, signed at, sig)
//	                                verify the signer's SM2 signature over the record and store it
//	                                under its record hash; refuse a record already stored
//	GetEvidence(record hash)        the stored record
//
// It is its own module: the chaincode runs as its own process and its
// dependencies (fabric-chaincode-go, gmsm) have nothing to do with the node's.
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
		CC:       NewContract(),
		TLSProps: shim.TLSProperties{Disabled: os.Getenv("CHAINCODE_TLS_DISABLED") != "false"},
	}
	if srv.CCID == "" || srv.Address == "" {
		log.Fatal("set CHAINCODE_ID and CHAINCODE_SERVER_ADDRESS")
	}
	log.Printf("sealchain evidence chaincode listening on %s", srv.Address)
	if err := srv.Start(); err != nil {
		log.Fatal(err)
	}
}
