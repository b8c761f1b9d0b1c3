//go:build !race

package chainapi

// raceEnabled: see race_on_test.go.
const raceEnabled = false
