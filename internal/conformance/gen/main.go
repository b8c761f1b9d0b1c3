// Command gen regenerates the evidence-bundle conformance vectors
// (docs/conformance.md). Run it from the repository root:
//
//	go run ./internal/conformance/gen
//
// Keys and signatures are fresh on every run, so every file changes; the
// cases and what each must fail do not.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/sealchain/sealchain/internal/conformance"
)

func main() {
	out := flag.String("out", "testdata/conformance", "directory to write the vectors to (replaced)")
	fixture := flag.String("fixture", "evidence/testdata", "the real-node evidence fixture to include")
	flag.Parse()
	if err := conformance.Generate(*out, *fixture); err != nil {
		fmt.Fprintln(os.Stderr, "conformance:", err)
		os.Exit(1)
	}
}
