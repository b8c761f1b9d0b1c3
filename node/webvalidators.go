package node

import (
	"strings"
)

// validatorOrgs names the organisations that run this chain's validators
// (the current set, from state: the genesis set as changed by governance),
// each once, in the order of the validator keys. The signing page's footer
// shows them instead of a fixed list.
func (a *api) validatorOrgs() ([]string, error) {
	v := a.store.View()
	vals, err := v.Validators()
	if err != nil {
		return nil, err
	}
	var names []string
	seen := map[string]bool{}
	for _, val := range vals {
		if val.Power <= 0 || seen[val.Org] {
			continue
		}
		seen[val.Org] = true
		name := val.Org
		if o, ok, err := v.Org(val.Org); err != nil {
			return nil, err
		} else if ok && o.Name != "" {
			name = o.Name
		}
		names = append(names, name)
	}
	return names, nil
}

// joinOrgs lists names in lang: "甲、乙和丙" or "A, B and C".
func joinOrgs(names []string, lang string) string {
	sep, and := "、", "和"
	if lang == "en" {
		sep, and = ", ", " and "
	}
	switch len(names) {
	case 0:
		if lang == "en" {
			return "this chain's validators"
		}
		return "本链的验证节点"
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], sep) + and + names[len(names)-1]
}
