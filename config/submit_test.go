package config_test

import (
	"errors"
	"testing"
	"time"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/config"
)

func TestSubmitBounds(t *testing.T) {
	for _, tc := range []struct {
		name    string
		records int
		wait    time.Duration
		key     string // "" accepted
	}{
		{"default", config.DefaultBatchMaxRecords, config.DefaultBatchMaxWait, ""},
		{"low bounds", 1, time.Millisecond, ""},
		{"high bounds", chain.MaxBatchRecords, time.Second, ""},
		{"no records", 0, config.DefaultBatchMaxWait, "submit.batch_max_records"},
		{"above the chain's batch", chain.MaxBatchRecords + 1, config.DefaultBatchMaxWait, "submit.batch_max_records"},
		{"no wait", 500, 0, "submit.batch_max_wait"},
		{"wait above 1s", 500, time.Second + 1, "submit.batch_max_wait"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := config.Default()
			c.Submit = config.Submit{BatchMaxRecords: tc.records, BatchMaxWait: config.Duration{Duration: tc.wait}}
			err := c.Validate()
			var ke *config.KeyError
			switch {
			case tc.key == "" && err != nil:
				t.Fatalf("Validate() = %v", err)
			case tc.key != "" && (!errors.As(err, &ke) || ke.Key != tc.key):
				t.Fatalf("Validate() = %v, want a KeyError for %s", err, tc.key)
			}
		})
	}
}
