//go:build race

package chainapi

// raceEnabled: the race detector slows everything several times over, so
// time bounds are logged, not asserted, under it.
const raceEnabled = true
