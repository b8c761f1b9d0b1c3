package chain

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// TestNoBareABCICodes keeps code numbers in codes.go: a comparison, switch
// case or struct field that spells an ABCI code as a number elsewhere would
// drift silently when a code is renumbered or split (issue #13 found copies
// in node/api.go and workflow/queue.go).
func TestNoBareABCICodes(t *testing.T) {
	isCode := func(e ast.Expr) bool {
		switch x := e.(type) {
		case *ast.SelectorExpr:
			return x.Sel.Name == "Code" || x.Sel.Name == "ABCICode"
		case *ast.Ident:
			return x.Name == "code" || x.Name == "abciCode"
		}
		return false
	}
	isNumber := func(e ast.Expr) bool {
		l, ok := e.(*ast.BasicLit)
		return ok && l.Kind == token.INT
	}
	root := ".."
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case "testdata", "node_modules", ".git":
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") || filepath.Base(path) == "codes.go" && filepath.Base(filepath.Dir(path)) == "chain" {
			return nil
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			bad := false
			switch x := n.(type) {
			case *ast.BinaryExpr:
				bad = (x.Op == token.EQL || x.Op == token.NEQ) &&
					(isCode(x.X) && isNumber(x.Y) || isCode(x.Y) && isNumber(x.X))
			case *ast.KeyValueExpr:
				k, ok := x.Key.(*ast.Ident)
				bad = ok && (k.Name == "Code" || k.Name == "ABCICode") && isNumber(x.Value)
			case *ast.SwitchStmt:
				if x.Tag != nil && isCode(x.Tag) {
					for _, s := range x.Body.List {
						for _, e := range s.(*ast.CaseClause).List {
							if isNumber(e) {
								t.Errorf("%s: case %s on an ABCI code: use the name from chain/codes.go", fset.Position(e.Pos()), e.(*ast.BasicLit).Value)
							}
						}
					}
				}
			}
			if bad {
				t.Errorf("%s: an ABCI code spelled as a number: use the name from chain/codes.go", fset.Position(n.Pos()))
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
