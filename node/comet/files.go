package comet

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	cfg "github.com/cometbft/cometbft/config"
	"github.com/cometbft/cometbft/crypto"
	"github.com/cometbft/cometbft/crypto/ed25519"
	cmtjson "github.com/cometbft/cometbft/libs/json"
	"github.com/cometbft/cometbft/p2p"
	"github.com/cometbft/cometbft/privval"
)

const (
	dirPerm    = 0o700
	keyPerm    = 0o600
	configPerm = 0o644
)

// ErrKeysExist is returned by InitFiles when the home already holds a
// validator or node key and force is false.
var ErrKeysExist = errors.New("comet key files already exist")

// InitFiles creates config/config.toml (from opts), a validator key
// (config/priv_validator_key.json, mode 0600) with its double-sign state file
// (data/priv_validator_state.json), and a node key (config/node_key.json,
// 0600). It does not write the genesis. It returns the validator public key
// and the node ID.
//
// It refuses with ErrKeysExist when a key file exists unless force is true;
// forcing replaces both keys and resets the double-sign state.
func InitFiles(opts Options, force bool) (valPub crypto.PubKey, nodeID string, err error) {
	conf, err := configFromOptions(cfg.DefaultConfig(), opts)
	if err != nil {
		return nil, "", err
	}
	keyFile, stateFile, nodeKeyFile := conf.PrivValidatorKeyFile(), conf.PrivValidatorStateFile(), conf.NodeKeyFile()
	if !force {
		for _, f := range []string{keyFile, nodeKeyFile} {
			_, err := os.Stat(f)
			if err == nil {
				return nil, "", fmt.Errorf("%w: %s", ErrKeysExist, f)
			}
			if !errors.Is(err, fs.ErrNotExist) {
				return nil, "", fmt.Errorf("check %s: %w", f, err)
			}
		}
	}
	for _, d := range []string{
		conf.RootDir,
		filepath.Join(conf.RootDir, cfg.DefaultConfigDir),
		conf.DBDir(),
		filepath.Dir(keyFile), filepath.Dir(stateFile), filepath.Dir(nodeKeyFile),
	} {
		if err := os.MkdirAll(d, dirPerm); err != nil {
			return nil, "", fmt.Errorf("create %s: %w", d, err)
		}
	}
	if err := WriteConfigFile(conf); err != nil {
		return nil, "", err
	}

	// The key files are written here rather than with privval.FilePV.Save
	// and NodeKey.SaveAs: Save panics on I/O errors and SaveAs keeps the
	// mode of an existing file, while these must always end up 0600.
	valKey := ed25519.GenPrivKey()
	valPub = valKey.PubKey()
	pvKey := privval.FilePVKey{Address: valPub.Address(), PubKey: valPub, PrivKey: valKey}
	if err := writeJSONFile(keyFile, pvKey); err != nil {
		return nil, "", err
	}
	if err := writeJSONFile(stateFile, privval.FilePVLastSignState{}); err != nil {
		return nil, "", err
	}
	nodeKey := p2p.NodeKey{PrivKey: ed25519.GenPrivKey()}
	if err := writeJSONFile(nodeKeyFile, nodeKey); err != nil {
		return nil, "", err
	}
	return valPub, string(nodeKey.ID()), nil
}

// loadFilePV reads the validator key and its double-sign state, returning
// errors where privval.LoadFilePV would exit the process.
func loadFilePV(keyFile, stateFile string) (*privval.FilePV, error) {
	b, err := os.ReadFile(keyFile)
	if err != nil {
		return nil, fmt.Errorf("validator key: %w", err)
	}
	var key privval.FilePVKey
	if err := cmtjson.Unmarshal(b, &key); err != nil {
		return nil, fmt.Errorf("validator key %s: %w", keyFile, err)
	}
	if key.PrivKey == nil {
		return nil, fmt.Errorf("validator key %s: no private key", keyFile)
	}
	b, err = os.ReadFile(stateFile)
	if err != nil {
		return nil, fmt.Errorf("validator state: %w", err)
	}
	var st privval.FilePVLastSignState
	if err := cmtjson.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("validator state %s: %w", stateFile, err)
	}
	// NewFilePV is the only way to set the unexported file paths that
	// FilePV writes its state back to.
	pv := privval.NewFilePV(key.PrivKey, keyFile, stateFile)
	pv.LastSignState.Height = st.Height
	pv.LastSignState.Round = st.Round
	pv.LastSignState.Step = st.Step
	pv.LastSignState.Signature = st.Signature
	pv.LastSignState.SignBytes = st.SignBytes
	return pv, nil
}

// WriteConfigFile writes conf to <home>/config/config.toml, rendered with
// CometBFT's own template so the file documents every setting.
// cfg.WriteConfigFile calls os.Exit when the write
// fails, so the target is first proven writable and the rendering goes to a
// temporary file that is then renamed into place.
func WriteConfigFile(conf *cfg.Config) error {
	path := filepath.Join(conf.RootDir, cfg.DefaultConfigDir, cfg.DefaultConfigFileName)
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, nil, configPerm); err != nil {
		return fmt.Errorf("write comet config: %w", err)
	}
	cfg.WriteConfigFile(tmp, conf)
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write comet config: %w", err)
	}
	return nil
}

// writeJSONFile writes v in CometBFT's JSON encoding (which tags key types)
// with mode 0600.
func writeJSONFile(path string, v any) error {
	b, err := cmtjson.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encode %s: %w", path, err)
	}
	if err := writeFileAtomic(path, b, keyPerm); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// writeFileAtomic writes to a temporary file in the same directory and
// renames it, so readers never see a half-written key or genesis and the
// final mode is exactly perm whatever the old file's mode was.
func writeFileAtomic(path string, data []byte, perm os.FileMode) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = os.Remove(f.Name())
		}
	}()
	if _, err := f.Write(data); err != nil {
		_ = f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Chmod(f.Name(), perm); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
