// Package open builds the anchor.Ledger a profile asks for: the Gateway
// client or the fabric-sdk-go helper process.
package open
