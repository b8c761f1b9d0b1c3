//go:build !unix

package nodehome

// lockSupported: without flock a second Acquire succeeds.
const lockSupported = false
