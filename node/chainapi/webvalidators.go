package chainapi

import (
	"github.com/cometbft/cometbft/types"
)

// genesisValidatorNames maps each genesis validator's public key (as a
// string of its bytes) to its name.
func genesisValidatorNames(doc *types.GenesisDoc) map[string]string {
	m := map[string]string{}
	for _, v := range doc.Validators {
		if v.PubKey != nil {
			m[string(v.PubKey.Bytes())] = v.Name
		}
	}
	return m
}

// validatorOrgs names the organisations that run this chain's validators
// (the current set, from state: the genesis set as changed by governance),
// each once, in the order of the validator keys. A validator's org is the
// one its governance proposal named or, for a genesis validator, its name in
// the genesis file (`init` writes the org id there). The signing page's footer
// shows them instead of a fixed list.
func (a *API) validatorOrgs() ([]string, error) {
	if a.store == nil { // the pages served alone, as the page tests do
		return nil, nil
	}
	v := a.store.View()
	vals, err := v.Validators()
	if err != nil {
		return nil, err
	}
	var names []string
	seen := map[string]bool{}
	for _, val := range vals {
		org := val.Org
		if org == "" {
			org = a.genesisValOrgs[string(val.PubKey)]
		}
		if val.Power <= 0 || org == "" || seen[org] {
			continue
		}
		seen[org] = true
		name := org
		if o, ok, err := v.Org(org); err != nil {
			return nil, err
		} else if ok && o.Name != "" {
			name = o.Name
		}
		names = append(names, name)
	}
	return names, nil
}
