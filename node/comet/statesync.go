package comet

import (
	"context"
	"errors"
	"fmt"
	"strings"

	rpchttp "github.com/cometbft/cometbft/rpc/client/http"
)

// TrustPoint is a header a joining node trusts for state sync: the
// [statesync] trust_height and trust_hash.
type TrustPoint struct {
	Height int64
	Hash   string // block hash, upper-case hex as CometBFT prints it
}

// FetchTrustPoint reads the header at height (0: the latest) from the
// CometBFT RPC server at rpc (host:port, tcp:// or http(s)://), as an
// operator would with `curl RPC/commit?height=H`. Use a node you trust: the
// light client takes this header as the root of trust.
func FetchTrustPoint(ctx context.Context, rpc string, height int64) (TrustPoint, error) {
	addr := rpc
	switch {
	case strings.HasPrefix(addr, "tcp://"):
		addr = "http://" + strings.TrimPrefix(addr, "tcp://")
	case !strings.Contains(addr, "://"):
		addr = "http://" + addr
	}
	c, err := rpchttp.New(addr)
	if err != nil {
		return TrustPoint{}, fmt.Errorf("trust point: %w", err)
	}
	var hp *int64
	if height > 0 {
		hp = &height
	}
	rc, err := c.Commit(ctx, hp)
	if err != nil {
		return TrustPoint{}, fmt.Errorf("trust point: commit: %w", err)
	}
	if rc == nil || rc.Header == nil || rc.Commit == nil {
		return TrustPoint{}, errors.New("trust point: no commit stored at that height")
	}
	return TrustPoint{Height: rc.Header.Height, Hash: rc.Commit.BlockID.Hash.String()}, nil
}
