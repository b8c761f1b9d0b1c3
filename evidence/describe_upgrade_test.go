package evidence_test

import (
	"reflect"
	"testing"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/evidence"
)

// TestBodyFieldsUpgrade: an upgrade proposal shows its plan (GET
// /v1/proposals/{id} answers it as "change").
func TestBodyFieldsUpgrade(t *testing.T) {
	p := &chain.Proposal{ID: "up", Kind: chain.ProposalScheduleUpgrade,
		Upgrade: &chain.UpgradePlan{Version: 2, Height: 500, Name: "v2-batch", Info: "sealchain 2.0.0"}}
	got := evidence.BodyFields(p)
	want := map[string]any{"proposal_id": "up", "kind": "schedule_upgrade",
		"upgrade": map[string]any{"rules_version": uint32(2), "height": int64(500), "name": "v2-batch", "info": "sealchain 2.0.0"}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("BodyFields = %v, want %v", got, want)
	}
}
