package main

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseRates(t *testing.T) {
	for _, tc := range []struct {
		desc    string
		in      string
		want    []float64
		wantErr bool
	}{
		{desc: "list", in: "200, 500,1000", want: []float64{200, 500, 1000}},
		{desc: "one", in: "300", want: []float64{300}},
		{desc: "zero rejected", in: "0,100", wantErr: true},
		{desc: "negative rejected", in: "-5", wantErr: true},
		{desc: "not a number", in: "fast", wantErr: true},
		{desc: "empty item", in: "100,,200", wantErr: true},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			got, err := parseRates(tc.in)
			if tc.wantErr {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

func TestBarString(t *testing.T) {
	for _, tc := range []struct {
		desc        string
		done, total int
		want        string
	}{
		{"empty", 0, 10, "[----------] 0/10   0%"},
		{"half", 5, 10, "[#####-----] 5/10  50%"},
		{"full", 10, 10, "[##########] 10/10 100%"},
		{"over clamps", 12, 10, "[##########] 12/10 100%"},
		{"no total", 0, 0, "[##########] 0/0 100%"},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			require.Equal(t, tc.want, barString(tc.done, tc.total, 10))
		})
	}
}

func TestRatios(t *testing.T) {
	s := &phaseResult{TPS: 800, P50Ms: 600, P99Ms: 1200}
	k := &phaseResult{TPS: 1000, P50Ms: 400, P99Ms: 0}
	tps, p50, p99 := ratios(s, k)
	require.InDelta(t, 0.8, tps, 1e-12)
	require.InDelta(t, 1.5, p50, 1e-12)
	require.Zero(t, p99, "a zero baseline gives no ratio")
	tps, _, _ = ratios(nil, k)
	require.Zero(t, tps)
}
