package evidence_test

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/sealchain/sealchain/evidence"
)

// mutant is one edit of the fixture bundle's JSON tree.
type mutant struct {
	name string
	tree any
}

// binaryKeys are the bundle fields that hold base64 bytes; their edits are
// made to the bytes, since several base64 spellings decode to the same bytes.
var binaryKeys = map[string]bool{
	"leaf": true, "signed_header": true, "validator_set": true, "next_validator_set": true,
	"log_root": true, "state_root": true, "proof": true, "consistency": true,
}

// omission is why a whole record may be left out: the log proves that each
// record is in it, not that a bundle holds all of a subject's records, and
// no other record in the fixture depends on these three. Leaving one out
// understates (the contract shows as not viewed, not completed; a
// revocation after the signatures is not shown); it cannot add a fact.
// docs/conformance.md, "Completeness", states the limit.
const omission = "omitting a record no other record depends on is not detectable offline"

// uncovered lists, per bundle, the mutants allowed to verify (by name, for
// the bundle's record positions), with why. Every field edit must fail.
var uncovered = map[string]map[string]string{
	"fixture": {
		"delete /records/5":  "contract_viewed: " + omission,
		"delete /records/10": "contract_completed: " + omission,
		"delete /records/11": "cert_revoked after both signatures: " + omission,
	},
	"valid-consistency": {
		"delete /records/7": "contract_completed: " + omission,
	},
	"valid-validator-hop": {
		"delete /records/7": "contract_completed: " + omission,
	},
	// batchWorld.honest: standalone cert_issued 0-3 (alice, cred2, a signer
	// certificate, cred4), batch A 4-7 (the contract), batch B 8-10 (three
	// cert_issued by cred2).
	"batched": {
		"delete /records/2":  "cert_issued of a certificate no record uses: " + omission,
		"delete /records/3":  "cert_issued of a credential no record in the bundle uses: " + omission,
		"delete /records/7":  "contract_completed: " + omission,
		"delete /records/8":  "cert_issued of a certificate no record uses: " + omission,
		"delete /records/9":  "cert_issued of a certificate no record uses: " + omission,
		"delete /records/10": "cert_issued of a certificate no record uses: " + omission,
	},
}

// TestVerifyEveryLeafMutation edits every leaf of a bundle, one at a time
// (strings, numbers, each array element; deleting each field and array
// element; adding an unknown field to each object) and requires each mutant
// to fail decoding or verification. The bundles: the real node's fixture,
// two conformance vectors for the parts the fixture lacks: a consistency
// proof (checked against a trusted log) and a validator hop; and a bundle
// of batched records (batchWorld), whose leaves carry batch paths and
// envelopes by credentials of the genesis and of a cert_issued record.
func TestVerifyEveryLeafMutation(t *testing.T) {
	t.Run("fixture", func(t *testing.T) {
		mutateAll(t, readTestdata(t, bundleFile), newVerifier(t, loadTrust(t)), uncovered["fixture"])
	})
	t.Run("batched", func(t *testing.T) {
		w := newBatchWorld(t)
		mutateAll(t, get(w.honest(t).Encode()), w.v, uncovered["batched"])
	})
	for _, name := range []string{"valid-consistency", "valid-validator-hop"} {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(conformanceDir, name)
			read := func(f string) []byte {
				b, err := os.ReadFile(filepath.Join(dir, f))
				if err != nil {
					t.Fatal(err)
				}
				return b
			}
			var ex conformanceExpect
			if err := json.Unmarshal(read("expect.json"), &ex); err != nil {
				t.Fatal(err)
			}
			trust, err := evidence.ParseTrust(read("genesis.json"))
			if err != nil {
				t.Fatal(err)
			}
			var opts []evidence.VerifierOption
			if ex.TrustedLog != nil {
				root, err := hex.DecodeString(ex.TrustedLog.Root)
				if err != nil {
					t.Fatal(err)
				}
				opts = append(opts, evidence.WithTrustedLog(ex.TrustedLog.Size, root))
			}
			v, err := evidence.NewVerifier(trust, opts...)
			if err != nil {
				t.Fatal(err)
			}
			mutateAll(t, read("bundle.json"), v, uncovered[name])
		})
	}
}

func mutateAll(t *testing.T, raw []byte, v *evidence.Verifier, allowed map[string]string) {
	b0, err := evidence.DecodeBundle(raw)
	if err != nil {
		t.Fatal(err)
	}
	if res := v.Verify(b0, nil); !res.OK {
		t.Fatalf("the bundle does not verify: %v", res.Failed())
	}
	tree := decodeTree(t, raw)
	var ms []mutant
	mutations(tree, "", false, func(name string, edit func(root any) any) {
		ms = append(ms, mutant{name: name, tree: edit(decodeTree(t, raw))})
	})
	if len(ms) < 300 {
		t.Fatalf("only %d mutants: the walk missed parts of the bundle", len(ms))
	}
	survived := 0
	compact := mustCompact(t, raw)
	for _, m := range ms {
		data, err := json.Marshal(m.tree)
		if err != nil {
			t.Fatalf("%s: encode: %v", m.name, err)
		}
		if bytes.Equal(data, compact) {
			continue // an edit that changed nothing (zero of a zero)
		}
		b, err := evidence.DecodeBundle(data)
		if err != nil {
			continue // refused by the decoder
		}
		if res := v.Verify(b, nil); res.OK {
			if reason, ok := allowed[m.name]; ok {
				t.Logf("%s verifies (allowed: %s)", m.name, reason)
				continue
			}
			survived++
			t.Errorf("mutant %s verifies", m.name)
		}
	}
	t.Logf("%d mutants, %d survived", len(ms), survived)
}

func decodeTree(t *testing.T, raw []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func mustCompact(t *testing.T, raw []byte) []byte {
	t.Helper()
	d, err := json.Marshal(decodeTree(t, raw))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// at follows path (keys and array positions joined by '/') in root.
func at(root any, path string) any {
	if path == "" {
		return root
	}
	cur := root
	for _, p := range strings.Split(strings.TrimPrefix(path, "/"), "/") {
		switch c := cur.(type) {
		case map[string]any:
			cur = c[p]
		case []any:
			i, _ := strconv.Atoi(p)
			cur = c[i]
		}
	}
	return cur
}

// replace sets the value at path in root (a fresh tree) and returns root.
func replace(root any, path string, val any) any {
	i := strings.LastIndex(path, "/")
	parent, last := at(root, path[:i]), path[i+1:]
	switch p := parent.(type) {
	case map[string]any:
		p[last] = val
	case []any:
		n, _ := strconv.Atoi(last)
		p[n] = val
	}
	return root
}

// mutations calls emit for each edit of the node at path. binary says the
// node's strings are base64 bytes.
func mutations(node any, path string, binary bool, emit func(name string, edit func(root any) any)) {
	switch n := node.(type) {
	case map[string]any:
		keys := make([]string, 0, len(n))
		for k := range n {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			p := path + "/" + k
			emit("delete "+p, func(root any) any { delete(at(root, path).(map[string]any), k); return root })
			mutations(n[k], p, binaryKeys[k], emit)
		}
		emit("add unknown field to "+path+"/", func(root any) any {
			at(root, path).(map[string]any)["x_unknown"] = "1"
			return root
		})
	case []any:
		for i := range n {
			p := fmt.Sprintf("%s/%d", path, i)
			emit("delete "+p, func(root any) any {
				a := at(root, path).([]any)
				return replace(root, path, append(a[:i:i], a[i+1:]...))
			})
			emit("duplicate "+p, func(root any) any {
				a := at(root, path).([]any)
				return replace(root, path, append(append(a[:i+1:i+1], a[i]), a[i+1:]...))
			})
			mutations(n[i], p, binary, emit)
		}
	case string:
		if binary {
			b, err := base64.StdEncoding.DecodeString(n)
			if err == nil && len(b) > 0 {
				for _, pos := range []int{0, len(b) / 2, len(b) - 1} {
					emit(fmt.Sprintf("flip byte %d of %s", pos, path), func(root any) any {
						c := bytes.Clone(b)
						c[pos] ^= 0x01
						return replace(root, path, base64.StdEncoding.EncodeToString(c))
					})
				}
				emit("truncate "+path, func(root any) any {
					return replace(root, path, base64.StdEncoding.EncodeToString(b[:len(b)-1]))
				})
				emit("extend "+path, func(root any) any {
					return replace(root, path, base64.StdEncoding.EncodeToString(append(bytes.Clone(b), 0)))
				})
			}
		} else {
			emit("change first character of "+path, func(root any) any {
				c := []byte(n)
				if len(c) > 0 {
					c[0] ^= 0x01
				}
				return replace(root, path, string(c)+map[bool]string{true: "", false: "x"}[len(c) > 0])
			})
			emit("upper-case "+path, func(root any) any { return replace(root, path, strings.ToUpper(n)+"F") })
			emit("append to "+path, func(root any) any { return replace(root, path, n+"0") })
		}
		emit("empty "+path, func(root any) any { return replace(root, path, "") })
	case json.Number:
		i, err := strconv.ParseInt(n.String(), 10, 64)
		if err != nil {
			return
		}
		for _, d := range []int64{1, -1} {
			emit(fmt.Sprintf("add %d to %s", d, path), func(root any) any { return replace(root, path, json.Number(strconv.FormatInt(i+d, 10))) })
		}
		emit("zero "+path, func(root any) any { return replace(root, path, json.Number("0")) })
		emit("double "+path, func(root any) any { return replace(root, path, json.Number(strconv.FormatInt(2*i+1, 10))) })
	case bool:
		emit("negate "+path, func(root any) any { return replace(root, path, !n) })
	}
}
