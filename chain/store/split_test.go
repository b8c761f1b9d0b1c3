package store_test

import (
	"go/build/constraint"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The packages the browser verifier (cmd/sealchain-wasm) imports, and the
// storage packages split out of them (issue #13 item 5).
var (
	purePackages = map[string]string{ // import path: directory from here
		"github.com/sealchain/sealchain/chain":           "..",
		"github.com/sealchain/sealchain/chain/merklelog": "../merklelog",
		"github.com/sealchain/sealchain/evidence":        "../../evidence",
	}
	storagePackages = []string{
		"github.com/cockroachdb/pebble",
		"github.com/sealchain/sealchain/chain/store",
		"github.com/sealchain/sealchain/chain/merklelog/pebblelog",
		"github.com/sealchain/sealchain/evidence/assemble",
	}
)

// TestPurePackagesHaveNoBuildTags: no file of a pure package (tests
// included) carries a build constraint, so each builds the same for every
// target and nothing can be hidden from js/wasm behind a tag.
func TestPurePackagesHaveNoBuildTags(t *testing.T) {
	for path, dir := range purePackages {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil || len(files) == 0 {
			t.Fatalf("%s: no Go files in %s (%v)", path, dir, err)
		}
		for _, name := range files {
			f, err := parser.ParseFile(token.NewFileSet(), name, nil, parser.PackageClauseOnly|parser.ParseComments)
			if err != nil {
				t.Fatal(err)
			}
			for _, cg := range f.Comments {
				if cg.Pos() > f.Package {
					break
				}
				for _, c := range cg.List {
					if constraint.IsGoBuild(c.Text) || constraint.IsPlusBuild(c.Text) {
						t.Errorf("%s: build constraint %q; a pure package builds for every target", name, c.Text)
					}
				}
			}
		}
	}
}

// TestPurePackagesDoNotNeedStorage: for js/wasm, the pure packages do not
// depend on pebble or on the storage packages.
func TestPurePackagesDoNotNeedStorage(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command:", err)
	}
	args := []string{"list", "-deps"}
	for path := range purePackages {
		args = append(args, path)
	}
	cmd := exec.Command(goTool, args...)
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm", "GOFLAGS=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, s := range storagePackages {
			if dep == s || strings.HasPrefix(dep, s+"/") {
				t.Errorf("a pure package depends on %s for js/wasm", dep)
			}
		}
	}
}
