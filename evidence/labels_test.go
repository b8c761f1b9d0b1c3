package evidence

import (
	"strings"
	"testing"

	"github.com/sealchain/sealchain/chain"
)

// knownTypes are the record types chain.Type names: a new type gets a name
// there, so it shows up here without this test being edited.
func knownTypes() []chain.Type {
	var out []chain.Type
	for t := chain.Type(1); t < 256; t++ {
		if !strings.HasPrefix(t.String(), "type(") {
			out = append(out, t)
		}
	}
	return out
}

// TestTypeLabelsComplete fails if any record type lacks a Chinese or an
// English label, the report and the page would then print its raw name.
func TestTypeLabelsComplete(t *testing.T) {
	types := knownTypes()
	if len(types) < 20 {
		t.Fatalf("found %d record types, want at least the 20 of docs/architecture.md", len(types))
	}
	tables := Labels()
	for _, typ := range types {
		l := TypeLabel(typ)
		ok := !strings.HasPrefix(l.En, "unknown record type")
		switch {
		case !ok:
			t.Errorf("record type %d %s has no label", typ, typ)
		case l.Zh == "" || l.En == "":
			t.Errorf("record type %d %s: label %+v lacks zh or en", typ, typ, l)
		case !hasHan(l.Zh):
			t.Errorf("record type %d %s: zh label %q has no Chinese", typ, typ, l.Zh)
		case l.En == typ.String() || strings.Contains(l.Zh, typ.String()):
			t.Errorf("record type %d %s: label %+v is the raw name", typ, typ, l)
		}
		if got := TypeLabelByName(typ.String()); got != l {
			t.Errorf("TypeLabelByName(%s) = %+v, want %+v", typ, got, l)
		}
		if got := tables.Types[typ.String()]; got != l {
			t.Errorf("Labels().Types[%s] = %+v, want %+v", typ, got, l)
		}
	}
	if len(tables.Types) != len(types) {
		t.Errorf("%d labels for %d record types", len(tables.Types), len(types))
	}
}

func hasHan(s string) bool {
	for _, r := range s {
		if r >= 0x4e00 && r <= 0x9fff {
			return true
		}
	}
	return false
}

func TestCheckLabel(t *testing.T) {
	for _, tc := range []struct{ name, zh, en string }{
		{"format", "证据包格式与链标识", "Bundle format and chain id"},
		{"record[7].inclusion", "记录 #7 包含在日志中（默克尔证明）", "Record #7 is in the log (Merkle proof)"},
		{"record[12].intent", "记录 #12 签署前已完成意愿认证", "Record #12: intent confirmed before signing"},
		{"validator_hop[40]", "验证节点集合变更（区块 40）", "Validator set change (block 40)"},
		{"anchor[3].fabric", "记录 #3 的锚定在 Fabric 上可查", "Record #3: anchor found on Fabric"},
		{"something_new", "something_new", "something_new"},
	} {
		if got := CheckLabel(tc.name); got.Zh != tc.zh || got.En != tc.en {
			t.Errorf("CheckLabel(%q) = %+v, want {%s %s}", tc.name, got, tc.zh, tc.en)
		}
	}
	for k, l := range checkLabels {
		if l.Zh == "" || l.En == "" || !hasHan(l.Zh) {
			t.Errorf("check %s: label %+v lacks zh or en", k, l)
		}
	}
}

// TestMethodLabelsComplete: every intent and identity method has both names.
func TestMethodLabelsComplete(t *testing.T) {
	var names []string
	for m := chain.IntentMethod(1); !strings.HasPrefix(m.String(), "method("); m++ {
		names = append(names, m.String())
	}
	for m := chain.IdentityMethod(1); !strings.HasPrefix(m.String(), "method("); m++ {
		names = append(names, m.String())
	}
	if len(names) < 8 {
		t.Fatalf("found %d methods: %v", len(names), names)
	}
	for _, n := range names {
		if l := MethodLabel(n); l.Zh == n || l.En == n || !hasHan(l.Zh) || Labels().Methods[n] != l {
			t.Errorf("method %s: label %+v", n, l)
		}
	}
}
