package comet

import (
	"testing"
	"time"

	cfg "github.com/cometbft/cometbft/config"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/config"
)

// TestConsensusTimeoutsReachCometBFT checks that [consensus] timeout_propose
// and timeout_vote (defaults and set values) are what CometBFT runs with.
func TestConsensusTimeoutsReachCometBFT(t *testing.T) {
	for _, tc := range []struct {
		name           string
		propose, vote  time.Duration
		wantP, wantVot time.Duration
	}{
		{"defaults", 0, 0, config.DefaultTimeoutPropose, config.DefaultTimeoutVote},
		{"set", 2 * time.Second, 600 * time.Millisecond, 2 * time.Second, 600 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := config.Default()
			if tc.propose != 0 {
				c.Consensus.TimeoutPropose.Duration, c.Consensus.TimeoutVote.Duration = tc.propose, tc.vote
			}
			conf, err := configFromOptions(cfg.DefaultConfig(), OptionsFromConfig(t.TempDir(), &c))
			if err != nil {
				t.Fatal(err)
			}
			cc := conf.Consensus
			if cc.TimeoutPropose != tc.wantP || cc.TimeoutPrevote != tc.wantVot || cc.TimeoutPrecommit != tc.wantVot ||
				cc.TimeoutCommit != c.Consensus.BlockInterval.Duration {
				t.Fatalf("CometBFT runs with propose %s prevote %s precommit %s commit %s, want %s %s %s %s",
					cc.TimeoutPropose, cc.TimeoutPrevote, cc.TimeoutPrecommit, cc.TimeoutCommit,
					tc.wantP, tc.wantVot, tc.wantVot, c.Consensus.BlockInterval)
			}
		})
	}
}

// TestMempoolCarriesBatches: the mempool admits a transaction up to a
// batch's consensus limit whatever limits.max_tx_bytes says (the app
// refuses a standalone tx above that itself), and a block holds one.
func TestMempoolCarriesBatches(t *testing.T) {
	c := config.Default()
	c.Limits.MaxTxBytes = 4096
	conf, err := configFromOptions(cfg.DefaultConfig(), OptionsFromConfig(t.TempDir(), &c))
	if err != nil {
		t.Fatal(err)
	}
	if conf.Mempool.MaxTxBytes != chain.MaxBatchBytes {
		t.Fatalf("mempool max_tx_bytes %d, want %d", conf.Mempool.MaxTxBytes, chain.MaxBatchBytes)
	}
	if conf.RPC.MaxBodyBytes < 2*chain.MaxBatchBytes {
		t.Fatalf("RPC max_body_bytes %d: a batch sent base64 over broadcast_tx does not fit", conf.RPC.MaxBodyBytes)
	}
	if genesisBlockMaxBytes < 2*chain.MaxBatchBytes {
		t.Fatalf("block max_bytes %d holds fewer than two batches of %d", genesisBlockMaxBytes, chain.MaxBatchBytes)
	}
}
