package evidence

import (
	"os"
	"testing"
)

// BenchmarkVerify measures offline verification of the checked-in bundle (a
// completed two-party contract: 8 records, 4 of them signed by an actor),
// and, as a baseline in the same run, decoding alone.
func BenchmarkVerify(b *testing.B) {
	data, err := os.ReadFile("testdata/bundle.json")
	if err != nil {
		b.Fatal(err)
	}
	trust, err := LoadTrust("testdata/genesis.json")
	if err != nil {
		b.Fatal(err)
	}
	v, err := NewVerifier(trust)
	if err != nil {
		b.Fatal(err)
	}
	file, err := os.ReadFile("testdata/contract.pdf")
	if err != nil {
		b.Fatal(err)
	}
	b.Run("decode", func(b *testing.B) {
		for range b.N {
			if _, err := DecodeBundle(data); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("verify", func(b *testing.B) {
		bundle, err := DecodeBundle(data)
		if err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		for range b.N {
			if res := v.Verify(bundle, file); !res.OK {
				b.Fatalf("verify failed: %v", res.Failed())
			}
		}
		b.ReportMetric(float64(len(data)), "bundle-bytes")
		b.ReportMetric(float64(len(bundle.Records)), "records")
	})
}
