package node

import (
	"fmt"
	"time"

	"github.com/sealchain/sealchain/evidence"
	"github.com/sealchain/sealchain/evidence/report"
)

// verifyIssued verifies an issued document offline against trust.
// INTERIM: the documents are evidence reports until evidence/report has
// VerifyDocument (branch h-docs).
func verifyIssued(pdf []byte, trust *evidence.Trust) error {
	res, err := report.Verify(pdf, trust, time.Now().Add(time.Minute))
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
