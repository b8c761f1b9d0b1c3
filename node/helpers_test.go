package node

import (
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"testing"

	"github.com/cometbft/cometbft/crypto"
	cmtjson "github.com/cometbft/cometbft/libs/json"
	"github.com/cometbft/cometbft/privval"
)

func addr(port int) string { return fmt.Sprintf("127.0.0.1:%d", port) }

func joinComma(s []string) string { return strings.Join(s, ",") }

// freeBase finds a base port with n blocks of 10 free ports on 127.0.0.1.
func freeBase(t *testing.T, n int) int {
	t.Helper()
	for try := 0; try < 50; try++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		base := l.Addr().(*net.TCPAddr).Port
		l.Close()
		if base+10*n > 65000 {
			continue
		}
		ok := true
		for p := base; p < base+10*n && ok; p++ {
			l, err := net.Listen("tcp", addr(p))
			if err != nil {
				ok = false
				break
			}
			l.Close()
		}
		if ok {
			return base
		}
	}
	t.Fatal("no free port range")
	return 0
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
