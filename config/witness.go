package config

import (
	"net/url"
	"strings"
	"time"
	"unicode"

	"github.com/sealchain/sealchain/evidence/witness"
)

// Witness configures the node's C2SP checkpoints and the witnesses whose
// cosignatures it accepts (docs/evidence-bundle.md "Witnesses",
// docs/operations.md "Running a witness").
type Witness struct {
	// Origin is the checkpoints' origin line and the name of the node's
	// note key (keys/checkpoint.key); empty: "sealchain/<chain id>". Every
	// node of a network should use the same origin: witnesses follow one
	// log per origin.
	Origin string `toml:"origin"`
	// Keys are the witnesses' cosignature/v1 vkeys
	// ("<name>+<key id>+<base64 key>"): POST /v1/checkpoint/cosignatures
	// accepts cosignatures by these keys only. Empty: none is accepted.
	Keys []string `toml:"keys"`
	// Push are listen-only witnesses' add-checkpoint prefixes (the URL
	// before "/add-checkpoint", e.g. what sealchain witness run --listen
	// serves): the node offers them each new checkpoint (every
	// WitnessPushInterval) and keeps the cosignatures; their vkeys must be
	// in Keys. Empty: witnesses pull (sealchain witness run --node).
	Push []string `toml:"push"`
}

// WitnessPushInterval is how often the node offers a grown log's
// checkpoint to each [witness] push witness.
const WitnessPushInterval = 5 * time.Second

// CheckpointOrigin returns the configured origin, or "sealchain/<chainID>".
func (w Witness) CheckpointOrigin(chainID string) string {
	if w.Origin != "" {
		return w.Origin
	}
	return "sealchain/" + chainID
}

func (w *Witness) validate() error {
	if w.Origin != "" && strings.IndexFunc(w.Origin, func(r rune) bool { return unicode.IsSpace(r) || r == '+' || r < 0x20 }) >= 0 {
		return keyErr("witness.origin", "%q: no spaces, '+' or control characters", w.Origin)
	}
	for _, p := range w.Push {
		u, err := url.Parse(p)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return keyErr("witness.push", "%q: want an http(s) URL", p)
		}
	}
	if len(w.Push) > 0 && len(w.Keys) == 0 {
		return keyErr("witness.push", "set witness.keys too: the pushed witnesses' cosignatures are kept only for keys listed there")
	}
	seen := map[string]bool{}
	for _, k := range w.Keys {
		if _, err := witness.NewCosignatureVerifier(k); err != nil {
			return keyErr("witness.keys", "%v", err)
		}
		if seen[k] {
			return keyErr("witness.keys", "%q listed twice", k)
		}
		seen[k] = true
	}
	return nil
}

const witnessHeader = `# [witness] origin               origin line of this node's C2SP checkpoints (GET /v1/checkpoint) and name of
#                                 its note key keys/checkpoint.key; empty: sealchain/<chain id>
# [witness] keys                  witnesses' cosignature/v1 vkeys whose cosignatures this node accepts and
#                                 puts in bundles (POST /v1/checkpoint/cosignatures)
# [witness] push                  listen-only witnesses' add-checkpoint URL prefixes: the node offers them each
#                                 new checkpoint (every 5 s) and keeps their cosignatures (vkeys in keys)
`
