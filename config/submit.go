package config

import "time"

// Submit configures how the node sends its own records (the workflow's,
// anchoring's, the audit records'): from rules version 2 they go in
// batches, one envelope signature over up to BatchMaxRecords records.
type Submit struct {
	// BatchMaxRecords: a batch goes once it holds this many records
	// (1..1000, the chain's limit per batch).
	BatchMaxRecords int `toml:"batch_max_records"`
	// BatchMaxWait: or once its first record waited this long (1ms..1s):
	// the most batching adds to a record's commit latency.
	BatchMaxWait Duration `toml:"batch_max_wait"`
}

// Bounds of [submit]. maxBatchRecords is chain.MaxBatchRecords (config
// does not import chain; TestSubmitBounds checks the two agree).
const (
	DefaultBatchMaxRecords = 500
	DefaultBatchMaxWait    = 20 * time.Millisecond
	maxBatchRecords        = 1000
	maxBatchWait           = time.Second
)

// DefaultSubmit is the [submit] `init` writes.
func DefaultSubmit() Submit {
	return Submit{BatchMaxRecords: DefaultBatchMaxRecords, BatchMaxWait: Duration{DefaultBatchMaxWait}}
}

func (s *Submit) validate() error {
	if s.BatchMaxRecords < 1 || s.BatchMaxRecords > maxBatchRecords {
		return keyErr("submit.batch_max_records", "%d, want 1..%d", s.BatchMaxRecords, maxBatchRecords)
	}
	if d := s.BatchMaxWait.Duration; d < time.Millisecond || d > maxBatchWait {
		return keyErr("submit.batch_max_wait", "%s, want 1ms..1s", d)
	}
	return nil
}

const submitHeader = `# [submit] batch_max_records     the node's own records (workflow, anchoring, audit) go in batches of
#                                 at most this many (1..1000), from rules version 2
# [submit] batch_max_wait        or after the first record waited this long (1ms..1s, "20ms"); a record
#                                 after a quiet spell this long goes at once
`
