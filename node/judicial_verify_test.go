package node

import (
	"fmt"
	"time"

	"github.com/sealchain/sealchain/evidence"
	"github.com/sealchain/sealchain/evidence/report"
)

// verifyIssued verifies an issued document offline against trust, with
// issuance the bundle that holds its *_issued record (fetched from a node
// by the document's SM3; verified, never trusted).
func verifyIssued(pdf []byte, trust *evidence.Trust, issuance *evidence.Bundle) error {
	res, err := report.VerifyDocument(pdf, trust, time.Now().Add(time.Minute), report.WithIssuance(issuance))
	if err != nil {
		return err
	}
	if !res.OK {
		var details []string
		for _, c := range res.Checks {
			if !c.OK {
				details = append(details, c.Name+": "+c.Detail)
			}
		}
		return fmt.Errorf("failed checks %v", details)
	}
	return nil
}
