package node

import (
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sealchain/sealchain/config"
	"github.com/sealchain/sealchain/node/openapi/apitest"
)

// apiContract is the option every node of these tests is made with: each
// response the node writes is validated against node/openapi/openapi.yaml
// (status, content type, body schema), and the test fails at its end
// listing every violation (once each). TestTestNodesCheckContract makes
// sure no New call of this package's tests goes without it.
func apiContract(t testing.TB) Option {
	return func(n *Node) error {
		c, err := apitest.Load()
		if err != nil {
			return err
		}
		rec := &apitest.Recorder{}
		n.apiWrap = func(h http.Handler, _ []string) http.Handler { return c.Middleware(h, rec) }
		// Registered before the node's Stop, so it runs after it: the
		// answers of requests that were in flight are in by then.
		t.Cleanup(func() {
			if len(rec.Errors()) > 0 {
				t.Error(rec.String())
			}
		})
		return nil
	}
}

// withoutAPIContract is the explicit opt-out, for benchmarks, whose
// measurements would include the validation.
func withoutAPIContract(why string) Option {
	return func(*Node) error { return nil }
}

// TestAPIRoutesInSpec starts a node with every optional service on (the
// workflow, PKI, dev verifiers, witness API) and compares the routes it
// registers with openapi.yaml's paths, naming each one missing on either
// side.
func TestAPIRoutesInSpec(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var patterns []string
	n := newITNet(ctx, t, withWorkflow, func(c *config.Config) {
		c.PKI.Enable = true
		c.Intent.DevOTP = true
	})
	// Restart with a wrapper that keeps the patterns.
	if err := n.node.Stop(); err != nil {
		t.Fatal(err)
	}
	nd, err := New(string(n.home), apiContract(t), func(nd *Node) error {
		wrap := nd.apiWrap
		nd.apiWrap = func(h http.Handler, p []string) http.Handler {
			patterns = p
			return wrap(h, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := nd.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer nd.Stop()
	c, err := apitest.Load()
	if err != nil {
		t.Fatal(err)
	}
	if len(patterns) == 0 {
		t.Fatal("the node registered no routes")
	}
	if err := c.CheckRoutes(patterns); err != nil {
		t.Fatalf("the node's routes and openapi.yaml differ:\n%v", err)
	}
	// The document is served, without authentication.
	status, hdr, body := itDo(ctx, t, http.MethodGet, "http://"+nd.APIAddr()+"/openapi.yaml", "", nil)
	if status != http.StatusOK || !strings.HasPrefix(hdr.Get("Content-Type"), "application/yaml") || !strings.HasPrefix(string(body), "openapi: 3.1") {
		t.Fatalf("GET /openapi.yaml: %d %s %.40q", status, hdr.Get("Content-Type"), body)
	}
}

// TestTestNodesCheckContract reads this package's tests: every call of New
// must pass apiContract, so that no node test escapes the contract.
func TestTestNodesCheckContract(t *testing.T) {
	files, err := filepath.Glob("*_test.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		file, err := parser.ParseFile(fset, f, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(x ast.Node) bool {
			call, ok := x.(*ast.CallExpr)
			if !ok {
				return true
			}
			if id, ok := call.Fun.(*ast.Ident); !ok || id.Name != "New" {
				return true
			}
			found := false
			ast.Inspect(call, func(a ast.Node) bool {
				if c, ok := a.(*ast.CallExpr); ok {
					if id, ok := c.Fun.(*ast.Ident); ok && (id.Name == "apiContract" || id.Name == "withoutAPIContract") {
						found = true
					}
				}
				return !found
			})
			if found {
				return true
			}
			t.Errorf("%s: New without apiContract(t): its node's answers would not be checked against openapi.yaml", fset.Position(call.Pos()))
			return true
		})
	}
}
