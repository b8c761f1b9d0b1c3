package node

import (
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/cometbft/cometbft/crypto"
	cmtjson "github.com/cometbft/cometbft/libs/json"
	"github.com/cometbft/cometbft/privval"

	"github.com/sealchain/sealchain/internal/testport"
)

func addr(port int) string { return fmt.Sprintf("127.0.0.1:%d", port) }

func joinComma(s []string) string { return strings.Join(s, ",") }

// freeBase finds a base port with n blocks of 10 free ports on 127.0.0.1.
func freeBase(t *testing.T, n int) int {
	t.Helper()
	base, err := testport.Block(10 * n)
	if err != nil {
		t.Fatal(err)
	}
	return base
}

func decodePEM(b []byte) ([]byte, error) {
	blk, _ := pem.Decode(b)
	if blk == nil {
		return nil, errors.New("not PEM")
	}
	return blk.Bytes, nil
}

func readValidatorKey(home string) (crypto.PubKey, error) {
	data, err := os.ReadFile(home + "/config/priv_validator_key.json")
	if err != nil {
		return nil, err
	}
	var key privval.FilePVKey
	if err := cmtjson.Unmarshal(data, &key); err != nil {
		return nil, err
	}
	return key.PubKey, nil
}
