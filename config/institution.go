package config

import (
	"net/url"
	"sort"
)

// Institution configures what a node needs for institution cases (notarial
// certificates, appraisal opinions; docs/api.md "Cases"): where the other
// organisations' nodes are. A case's signed contract PDF lives only on the
// contract owner's node (its workflow), an issued document only on the
// issuing institution's node; another node fetches them from there with its
// own credential and checks their SM3 against the chain before serving.
type Institution struct {
	// Peers maps an organisation id to the base URL of its node's API
	// ("http://10.0.0.2:8080"). `sealchain testnet` writes every node's.
	Peers map[string]string `toml:"peers"`
}

func (in *Institution) validate() error {
	ids := make([]string, 0, len(in.Peers))
	for id := range in.Peers {
		ids = append(ids, id)
	}
	sort.Strings(ids) // the first bad key named, the same on every run
	for _, id := range ids {
		p := in.Peers[id]
		if id == "" {
			return keyErr("institution.peers", "an empty organisation id")
		}
		u, err := url.Parse(p)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
			return keyErr("institution.peers", "%s = %q: want http(s)://host[:port][/path]", id, p)
		}
	}
	return nil
}

// institutionHeader documents the section in the file Encode writes.
const institutionHeader = `# [institution] peers             organisation id = its node's API base URL ("http://host:port"): where
#                                 a case's signed PDF (the contract owner's node) and issued document (the
#                                 institution's node) are fetched from; their SM3 is checked against the chain
`
