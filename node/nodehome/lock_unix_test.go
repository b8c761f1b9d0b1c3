//go:build unix

package nodehome

// lockSupported: flock guards the home.
const lockSupported = true
