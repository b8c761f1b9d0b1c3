package comet

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	cfg "github.com/cometbft/cometbft/config"
	"github.com/cometbft/cometbft/crypto"
	cmtjson "github.com/cometbft/cometbft/libs/json"
	"github.com/cometbft/cometbft/types"
	cmttime "github.com/cometbft/cometbft/types/time"
)

const (
	// Sealchain transactions are small signing events, but the block must
	// still hold one mempool-sized transaction (1 MiB by default) plus
	// overhead, so CometBFT's 4 MiB default is kept.
	genesisBlockMaxBytes = 4 << 20
	// The application does not meter gas; -1 lets CometBFT skip the check.
	genesisBlockMaxGas = -1
)

// GenesisValidator is one entry of the initial validator set.
type GenesisValidator struct {
	Name   string
	PubKey crypto.PubKey
	Power  int64
}

// WriteGenesis writes <home>/config/genesis.json with the chain ID, genesis
// time, validators, Sealchain's consensus parameters and appState as
// app_state. Every validator must write byte-identical files, so
// genesisTime is required rather than defaulted to now.
func WriteGenesis(home, chainID string, genesisTime time.Time, vals []GenesisValidator, appState json.RawMessage) error {
	if home == "" {
		return errors.New("write genesis: empty home")
	}
	if genesisTime.IsZero() {
		return errors.New("write genesis: genesis time is required")
	}
	if len(vals) == 0 {
		return errors.New("write genesis: no validators")
	}
	if len(appState) > 0 && !json.Valid(appState) {
		return errors.New("write genesis: app state is not valid JSON")
	}
	doc := types.GenesisDoc{
		GenesisTime:     cmttime.Canonical(genesisTime),
		ChainID:         chainID,
		InitialHeight:   1,
		ConsensusParams: consensusParams(),
		AppState:        appState,
	}
	for i, v := range vals {
		if v.PubKey == nil {
			return fmt.Errorf("write genesis: validator %d (%q) has no public key", i, v.Name)
		}
		doc.Validators = append(doc.Validators, types.GenesisValidator{
			Address: v.PubKey.Address(),
			PubKey:  v.PubKey,
			Power:   v.Power,
			Name:    v.Name,
		})
	}
	if err := doc.ValidateAndComplete(); err != nil {
		return fmt.Errorf("write genesis: %w", err)
	}
	b, err := cmtjson.MarshalIndent(&doc, "", "  ")
	if err != nil {
		return fmt.Errorf("write genesis: encode: %w", err)
	}
	conf := cfg.DefaultConfig().SetRoot(home)
	if err := os.MkdirAll(filepath.Dir(conf.GenesisFile()), dirPerm); err != nil {
		return fmt.Errorf("write genesis: %w", err)
	}
	if err := writeFileAtomic(conf.GenesisFile(), b, configPerm); err != nil {
		return fmt.Errorf("write genesis: %w", err)
	}
	return nil
}

// consensusParams are CometBFT's defaults with the choices Sealchain depends
// on made explicit: vote extensions stay off, and only ed25519 validator keys
// are accepted. Proposer-based timestamps are on from the first block: a
// record's block time is the time the block was proposed, checked by every
// validator against its own clock (within the synchrony bounds). BFT time
// would stamp the first block after an idle spell with the time the previous
// block was committed, which can be hours before the signing it records.
func consensusParams() *types.ConsensusParams {
	p := types.DefaultConsensusParams()
	p.Block.MaxBytes = genesisBlockMaxBytes
	p.Block.MaxGas = genesisBlockMaxGas
	p.Feature.VoteExtensionsEnableHeight = 0
	p.Feature.PbtsEnableHeight = 1
	p.Validator.PubKeyTypes = []string{types.ABCIPubKeyTypeEd25519}
	return p
}
