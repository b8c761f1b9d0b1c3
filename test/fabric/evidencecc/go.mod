module github.com/sealchain/sealchain/test/fabric/evidencecc

go 1.23.0

require (
	github.com/emmansun/gmsm v0.30.1
	github.com/hyperledger/fabric-chaincode-go/v2 v2.3.0
	github.com/hyperledger/fabric-protos-go-apiv2 v0.3.6
	google.golang.org/protobuf v1.36.5
)

require (
	golang.org/x/crypto v0.37.0 // indirect
	golang.org/x/net v0.34.0 // indirect
	golang.org/x/sys v0.32.0 // indirect
	golang.org/x/text v0.24.0 // indirect
	google.golang.org/genproto/googleapis/rpc v0.0.0-20250115164207-1a7da9e5054f // indirect
	google.golang.org/grpc v1.70.0 // indirect
)
