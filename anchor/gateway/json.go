package gateway

import (
	"encoding/json"

	"github.com/sealchain/sealchain/anchor"
)

func jsonRecord(a anchor.Anchor) (string, error) {
	b, err := json.Marshal(anchor.ToRecord(a))
	return string(b), err
}
