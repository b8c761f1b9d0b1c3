package render

import (
	"context"
	"testing"
)

// BenchmarkRender draws page 1 of Sealchain's signed contract and of
// ofdrw's keyword.ofd (an image, a template, clips, a seal) at 96 dpi,
// PNG encoding included.
func BenchmarkRender(b *testing.B) {
	for _, c := range []struct {
		name string
		data []byte
	}{{"own-contract", ownContract(b)}, {"keyword", readCorpus(b, "reader-keyword.ofd")}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if _, _, err := PNG(context.Background(), c.data, 1, 96); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
