package node

import (
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/sealchain/sealchain/config"
	"github.com/sealchain/sealchain/evidence/witness"
	"github.com/sealchain/sealchain/node/witnessapi"
)

// startWitnessAPI loads (or, on first start, makes) the node's checkpoint
// note key, keys/checkpoint.key: an Ed25519 key of its own, not the
// CometBFT node or validator key, so that signing checkpoints for
// witnesses never touches consensus or p2p identity, and rotating it
// costs nothing but telling the witnesses the new vkey.
func (n *Node) startWitnessAPI() error {
	origin := n.cfg.Witness.CheckpointOrigin(n.genesis.ChainID)
	path := n.home.CheckpointKey()
	skey, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		s, _, gerr := witness.GenerateLogKey(rand.Reader, origin)
		if gerr != nil {
			return gerr
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return err
		}
		if err := os.WriteFile(path, []byte(s+"\n"), 0o600); err != nil {
			return fmt.Errorf("write checkpoint key: %w", err)
		}
		skey, err = []byte(s), nil
	}
	if err != nil {
		return fmt.Errorf("checkpoint key: %w", err)
	}
	wa, err := witnessapi.New(witnessapi.Config{
		Store: n.store, Origin: origin, SignerKey: strings.TrimSpace(string(skey)),
		Witnesses: n.cfg.Witness.Keys, File: n.home.Cosigned(), Logger: n.logger.With("module", "witness"),
	})
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	n.witness = wa
	for _, p := range n.cfg.Witness.Push {
		n.bg.Go(func() { wa.Push(n.ctx, p, config.WitnessPushInterval, nil) })
	}
	n.logger.Info("checkpoints for witnesses", "origin", origin, "vkey", wa.VerifierKey(), "witnesses", len(n.cfg.Witness.Keys))
	return nil
}
