// Package fabricsdkexec is an anchor.Ledger for Fabric 1.4 and 2.2 networks:
// it runs the sealchain-fabricsdk helper (built from the nested module
// anchor/fabricsdk, which links fabric-sdk-go v1.0.0) once per call and
// reads its JSON answer. fabric-sdk-go cannot be linked into the node beside
// the Gateway client: their Fabric protos register the same message names
// (docs/anchoring.md).
package fabricsdkexec
