//go:build !js

package chain

import (
	"bytes"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// typeConstants parses this package's source for the Type constants, so
// that a number declared but not registered (or registered twice) is caught
// without the test listing them. files maps each Type constant and each
// type declaration to the file that declares it.
func typeConstants(t *testing.T) (consts map[Type]string, files map[string]string) {
	t.Helper()
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, ".", func(fi os.FileInfo) bool { return !strings.HasSuffix(fi.Name(), "_test.go") }, 0)
	if err != nil {
		t.Fatal(err)
	}
	out, files := map[Type]string{}, map[string]string{}
	for path, f := range pkgs["chain"].Files {
		for _, d := range f.Decls {
			g, ok := d.(*ast.GenDecl)
			if ok && g.Tok == token.TYPE {
				for _, s := range g.Specs {
					files[s.(*ast.TypeSpec).Name.Name] = filepath.Base(path)
				}
			}
			if !ok || g.Tok != token.CONST {
				continue
			}
			for _, s := range g.Specs {
				vs := s.(*ast.ValueSpec)
				if id, ok := vs.Type.(*ast.Ident); !ok || id.Name != "Type" {
					continue
				}
				for i, name := range vs.Names {
					lit, ok := vs.Values[i].(*ast.BasicLit)
					if !ok || lit.Kind != token.INT {
						t.Fatalf("%s: want a literal number", name.Name)
					}
					n, err := strconv.ParseUint(lit.Value, 0, 32)
					if err != nil {
						t.Fatal(err)
					}
					if prev, dup := out[Type(n)]; dup {
						t.Errorf("%s and %s are both record type %d", prev, name.Name, n)
					}
					out[Type(n)] = name.Name
					files[name.Name] = filepath.Base(path)
				}
			}
		}
	}
	return out, files
}

var (
	snakeCase = regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)
	han       = regexp.MustCompile(`\p{Han}`)
)

// TestRegistry fails if a record type lacks any part: a Type constant that
// is not registered, a registered type without a constant, a name, labels,
// a sample, a round trip, index keys or fields; or a registry slot that
// disagrees with its type's number.
func TestRegistry(t *testing.T) {
	consts, files := typeConstants(t)
	if len(consts) < 20 {
		t.Fatalf("found %d Type constants, want at least the 20 of docs/encoding.md", len(consts))
	}
	registered := map[Type]int{}
	for i, f := range types() {
		if f == nil {
			continue
		}
		b := f()
		registered[b.Type()]++
		if b.Type() != Type(i) {
			t.Errorf("registry slot %d makes a %s (type %d)", i, b.Name(), b.Type())
		}
		name, ok := consts[b.Type()]
		if !ok {
			t.Errorf("registered type %d (%T) has no Type constant", b.Type(), b)
		} else if want := "Type" + reflect.TypeOf(b).Elem().Name(); name != want {
			t.Errorf("%T's number is constant %s, want %s", b, name, want)
		}
	}
	for typ, name := range consts {
		if registered[typ] != 1 {
			t.Errorf("%s (%d) is registered %d times, want once", name, typ, registered[typ])
		}
	}
	bodies := Types()
	if len(bodies) != len(consts) {
		t.Errorf("Types() has %d types, %d Type constants", len(bodies), len(consts))
	}
	names, zhs, ens := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, b := range bodies {
		name, typ := b.Name(), b.Type()
		if !snakeCase.MatchString(name) || names[name] {
			t.Errorf("type %d: name %q is not snake_case or not unique", typ, name)
		}
		names[name] = true
		// Everything about a type is in its one file.
		file := "record_" + name + ".go"
		if got := files[reflect.TypeOf(b).Elem().Name()]; got != file {
			t.Errorf("%T is declared in %s, want %s", b, got, file)
		}
		if got := files[consts[typ]]; got != file {
			t.Errorf("%s is declared in %s, want %s", consts[typ], got, file)
		}
		if typ.String() != name {
			t.Errorf("Type(%d).String() = %q, want %q", typ, typ.String(), name)
		}
		zh, en := b.Label()
		if !han.MatchString(zh) || zhs[zh] {
			t.Errorf("%s: Chinese label %q is empty, has no Chinese or is not unique", name, zh)
		}
		if en == "" || en == name || ens[en] {
			t.Errorf("%s: English label %q is empty, the raw name or not unique", name, en)
		}
		zhs[zh], ens[en] = true, true
	}

	sampled := map[Type]bool{}
	for _, s := range registrySamples() {
		b := s.body
		sampled[b.Type()] = true
		t.Run(s.name, func(t *testing.T) {
			if err := b.Validate(); err != nil {
				t.Fatalf("Validate: %v", err)
			}
			enc := EncodeBody(b)
			got, err := decodeBody(b.Type(), enc)
			if err != nil {
				t.Fatalf("decodeBody: %v", err)
			}
			if !reflect.DeepEqual(got, b) || !bytes.Equal(EncodeBody(got), enc) {
				t.Errorf("round trip: got %+v, want %+v", got, b)
			}
			k := b.IndexKeys()
			for _, h := range k.Docs {
				if len(h) != hashBytes {
					t.Errorf("IndexKeys: doc key of %d bytes, want %d", len(h), hashBytes)
				}
			}
			for _, id := range k.Contracts {
				if err := checkID("contract", id); err != nil || id == b.ContractID() {
					t.Errorf("IndexKeys: contract %q is not an id or repeats ContractID (%v)", id, err)
				}
			}
			for _, fp := range k.Certs {
				if fp.IsZero() {
					t.Error("IndexKeys: zero certificate fingerprint")
				}
			}
			if a, ok := b.(Attested); ok {
				att := a.Attestation("test-chain")
				if len(att.VerifierCert) == 0 || len(att.Sig) == 0 || len(att.Signed) == 0 {
					t.Errorf("Attestation: %+v lacks a part", att)
				}
			}
			fields := b.Fields()
			if len(fields) == 0 {
				t.Fatal("Fields: empty")
			}
			if _, err := json.Marshal(fields); err != nil {
				t.Errorf("Fields: %v", err)
			}
			if id := b.ContractID(); id != "" && fields["contract_id"] != id {
				t.Errorf("Fields: contract_id = %v, want %q", fields["contract_id"], id)
			}
		})
	}
	for _, b := range bodies {
		if !sampled[b.Type()] {
			t.Errorf("%s has no sample in registrySamples", b.Name())
		}
	}
}

// TestRegistryDocumented: every registered type has its row in
// docs/encoding.md's table of bodies, with its number, name and actor rule.
func TestRegistryDocumented(t *testing.T) {
	doc, err := os.ReadFile("../docs/encoding.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range Types() {
		actor := "absent"
		if b.actor() == actorRequired {
			actor = "required"
		}
		row := "| " + strconv.Itoa(int(b.Type())) + " " + b.Name() + " | " + actor + " |"
		if !bytes.Contains(doc, []byte(row)) {
			t.Errorf("docs/encoding.md lacks the row %q", row)
		}
	}
}
